#!/usr/bin/env bash
# Benchmark: `promgate test` against `promtool test rules` on a generated unit-test suite:
# 200 rules (150 alerting, 50 recording) in 10 rule files, and 50 test files of 10 test
# groups each (500 test groups; every group loads 20 series and checks 3 alerts and a
# recording rule's output).
#
#   scripts/bench-test.sh [--test-files N] [--runs N] [--keep]
#   scripts/bench-test.sh --generate-only DIR     (write the suite to DIR and stop)
#
# Needs hyperfine and promtool (Debian packages `hyperfine` and `prometheus`); installs them
# with apt-get when missing. Builds promgate in release mode. Prints hyperfine's table,
# the speed-up, and the peak memory (maximum resident set size) of both tools. Both tools
# must pass the whole suite first.
set -euo pipefail

TEST_FILES=50
RUNS=10
KEEP=0
GENERATE_ONLY=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --test-files) TEST_FILES="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --generate-only) GENERATE_ONLY="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RULE_FILES=10
RULES_PER_FILE=20
GROUPS_PER_FILE=10

need() {
  local tool="$1" package="$2"
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "installing $package (for $tool)..." >&2
    if [[ $(id -u) -eq 0 ]]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get install -y --no-install-recommends "$package" >/dev/null 2>&1 || {
      $SUDO apt-get update >/dev/null && $SUDO apt-get install -y --no-install-recommends "$package" >/dev/null
    }
  fi
}
if [[ -n "$GENERATE_ONLY" ]]; then
  SUITE="$GENERATE_ONLY"
else
  need hyperfine hyperfine
  need promtool prometheus
  [[ -x /usr/bin/time ]] || need time time
  echo "building promgate (release)..." >&2
  cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin promgate
  TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
  PROMGATE="$TARGET_DIR/release/promgate"
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/promgate-bench-test.XXXXXX")"
  if [[ $KEEP -eq 0 ]]; then trap 'rm -rf "$WORK"' EXIT; fi
  SUITE="$WORK/suite"
fi
mkdir -p "$SUITE"

echo "generating $((RULE_FILES * RULES_PER_FILE)) rules and $((TEST_FILES * GROUPS_PER_FILE)) test groups under $SUITE..." >&2
awk -v rule_files="$RULE_FILES" -v per_file="$RULES_PER_FILE" -v test_files="$TEST_FILES" \
    -v groups="$GROUPS_PER_FILE" -v dir="$SUITE" '
BEGIN {
  # Rule file f: rules 0-14 alert on bench_gauge_f_j, rules 15-19 record a rate.
  for (f = 0; f < rule_files; f++) {
    path = sprintf("%s/rules-%02d.yml", dir, f)
    printf "groups:\n  - name: bench-%02d\n    rules:\n", f > path
    for (j = 0; j < per_file; j++) {
      if (j < 15) {
        printf "      - alert: BenchAlert_%02d_%02d\n", f, j > path
        printf "        expr: bench_gauge_%02d_%02d > 50\n        for: 2m\n", f, j > path
        printf "        labels:\n          severity: warning\n" > path
        printf "        annotations:\n          summary: \"{{ $labels.instance }} is at {{ $value | humanize }}\"\n" > path
      } else {
        printf "      - record: bench:rate5m:%02d_%02d\n", f, j > path
        printf "        expr: sum by (job) (rate(bench_counter_%02d_%02d[5m]))\n", f, j > path
      }
    }
    close(path)
  }
  for (t = 0; t < test_files; t++) {
    f = t % rule_files
    path = sprintf("%s/test-%03d.yml", dir, t)
    printf "rule_files:\n  - rules-%02d.yml\nevaluation_interval: 1m\ntests:\n", f > path
    for (g = 0; g < groups; g++) {
      printf "  - name: group-%03d-%02d\n    interval: 1m\n    input_series:\n", t, g > path
      for (j = 0; j < 15; j++)
        printf "      - series: bench_gauge_%02d_%02d{instance=\"i%d\", job=\"bench\"}\n        values: 0+5x30\n", f, j, g > path
      for (j = 15; j < per_file; j++)
        printf "      - series: bench_counter_%02d_%02d{instance=\"i%d\", job=\"bench\"}\n        values: 0+60x30\n", f, j, g > path
      printf "    alert_rule_test:\n" > path
      for (k = 0; k < 3; k++) {
        j = (g + k * 5) % 15
        printf "      - eval_time: 20m\n        alertname: BenchAlert_%02d_%02d\n        exp_alerts:\n", f, j > path
        printf "          - exp_labels: {severity: warning, instance: i%d, job: bench}\n", g > path
        printf "            exp_annotations: {summary: \"i%d is at 100\"}\n", g > path
      }
      printf "      - eval_time: 5m\n        alertname: BenchAlert_%02d_%02d\n        exp_alerts: []\n", f, g % 15 > path
      printf "    promql_expr_test:\n      - expr: bench:rate5m:%02d_%02d\n        eval_time: 20m\n", f, 15 + g % 5 > path
      printf "        exp_samples:\n          - labels: bench:rate5m:%02d_%02d{job=\"bench\"}\n            value: 1\n", f, 15 + g % 5 > path
    }
    close(path)
  }
}'
echo "generated $(ls "$SUITE"/test-*.yml | wc -l) test files, $(grep -c '^  - name:' "$SUITE"/test-*.yml | awk -F: '{s += $2} END {print s}') test groups, $(du -sh "$SUITE" | cut -f1)" >&2
[[ -n "$GENERATE_ONLY" ]] && exit 0

cd "$SUITE"
promtool test rules test-*.yml >"$WORK/promtool.out" 2>&1 || {
  echo "promtool fails the generated suite:" >&2; grep -v SUCCESS "$WORK/promtool.out" | head -20 >&2; exit 1; }
"$PROMGATE" test test-*.yml >"$WORK/promgate.out" 2>&1 || {
  echo "promgate fails the generated suite:" >&2; grep -v SUCCESS "$WORK/promgate.out" | head -20 >&2; exit 1; }

echo >&2
hyperfine --warmup 1 --runs "$RUNS" --export-json "$WORK/hyperfine.json" \
  -n promgate "$PROMGATE test test-*.yml" \
  -n promtool "promtool test rules test-*.yml"

field() {
  awk -v cmd="\"command\": \"$1\"" -v key="\"$2\":" '
    index($0, cmd) { found = 1 }
    found && index($0, key) { gsub(/[^0-9.eE+-]/, "", $2); print $2; exit }
  ' "$WORK/hyperfine.json"
}
PG_MEAN=$(field promgate mean)
PT_MEAN=$(field promtool mean)
PG_CPU=$(awk -v u="$(field promgate user)" -v s="$(field promgate system)" 'BEGIN { print u + s }')
PT_CPU=$(awk -v u="$(field promtool user)" -v s="$(field promtool system)" 'BEGIN { print u + s }')

peak_kb() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'; }
PG_KB=$(peak_kb sh -c "$PROMGATE test test-*.yml")
PT_KB=$(peak_kb sh -c "promtool test rules test-*.yml")

echo
echo "suite:    $((RULE_FILES * RULES_PER_FILE)) rules, $((TEST_FILES * GROUPS_PER_FILE)) test groups in $TEST_FILES files, $(nproc) CPUs"
awk -v pg="$PG_MEAN" -v pt="$PT_MEAN" 'BEGIN {
  printf "wall:     promgate %.0f ms, promtool %.0f ms (mean) -> promgate is %.1fx faster\n", pg * 1000, pt * 1000, pt / pg }'
awk -v pg="$PG_CPU" -v pt="$PT_CPU" 'BEGIN {
  printf "CPU:      promgate %.0f ms, promtool %.0f ms (user+system) -> %.1fx less CPU\n", pg * 1000, pt * 1000, pt / pg }'
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min load average; wall times suffer on a busy machine)"
awk -v pg="$PG_KB" -v pt="$PT_KB" 'BEGIN {
  printf "memory:   promgate %.1f MB, promtool %.1f MB (peak RSS)\n", pg / 1024, pt / 1024 }'
