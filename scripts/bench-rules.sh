#!/usr/bin/env bash
# Benchmark: `promgate check` against `promtool check rules` on 10,000 generated rules in
# 500 files (realistic expressions, labels, templated annotations, block scalars).
#
#   scripts/bench-rules.sh [--files N] [--rules-per-file N] [--runs N] [--keep]
#   scripts/bench-rules.sh --generate-only DIR     (write the corpus to DIR and stop)
#
# Needs hyperfine and promtool (Debian packages `hyperfine` and `prometheus`); installs them
# with apt-get when missing. Builds promgate in release mode. Prints hyperfine's table,
# the speed-up, and the peak memory (maximum resident set size) of both tools.
set -euo pipefail

FILES=500
RULES_PER_FILE=20
RUNS=10
KEEP=0
GENERATE_ONLY=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --files) FILES="$2"; shift 2 ;;
    --rules-per-file) RULES_PER_FILE="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --generate-only) GENERATE_ONLY="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

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
  CORPUS="$GENERATE_ONLY"
else
  need hyperfine hyperfine
  need promtool prometheus
  [[ -x /usr/bin/time ]] || need time time

  echo "building promgate (release)..." >&2
  cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin promgate
  TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
  PROMGATE="$TARGET_DIR/release/promgate"

  WORK="$(mktemp -d "${TMPDIR:-/tmp}/promgate-bench.XXXXXX")"
  if [[ $KEEP -eq 0 ]]; then trap 'rm -rf "$WORK"' EXIT; fi
  CORPUS="$WORK/rules"
fi
mkdir -p "$CORPUS"

echo "generating $((FILES * RULES_PER_FILE)) rules in $FILES files under $CORPUS..." >&2
awk -v files="$FILES" -v per_file="$RULES_PER_FILE" -v dir="$CORPUS" '
function alert_expr(k, n,   s) {
  s = k % 8
  if (s == 0) return "sum by (job, instance) (rate(http_requests_total{job=\"svc" n "\",status=~\"5..\"}[5m]))\n          /\n          sum by (job, instance) (rate(http_requests_total{job=\"svc" n "\"}[5m])) > 0.05"
  if (s == 1) return "histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{service=\"svc" n "\"}[5m]))) > 1.5"
  if (s == 2) return "(node_memory_MemTotal_bytes{cluster=\"c" n "\"} - node_memory_MemAvailable_bytes{cluster=\"c" n "\"}) / node_memory_MemTotal_bytes{cluster=\"c" n "\"} > 0.9"
  if (s == 3) return "100 - (avg by (instance) (irate(node_cpu_seconds_total{mode=\"idle\",cluster=\"c" n "\"}[5m])) * 100) > 80"
  if (s == 4) return "predict_linear(node_filesystem_avail_bytes{fstype!~\"tmpfs|overlay\",cluster=\"c" n "\"}[6h], 4 * 3600) < 0"
  if (s == 5) return "absent(up{job=\"svc" n "\"})"
  if (s == 6) return "increase(kube_pod_container_status_restarts_total{namespace=\"ns" n "\"}[1h]) > 5"
  return "max_over_time(job_queue_size{queue=\"q" n "\"}[10m]) > 1000 and on (instance) up{job=\"worker" n "\"} == 1"
}
# Two labels the alert expression of kind k keeps, for its annotations to read.
function kept_labels(k,   s) {
  s = k % 8
  if (s == 0) return "job instance"
  if (s == 1) return "route route"
  if (s == 2) return "instance cluster"
  if (s == 3) return "instance instance"
  if (s == 4) return "instance mountpoint"
  if (s == 5) return "job job"
  if (s == 6) return "namespace pod"
  return "queue instance"
}
function record_expr(k, n,   s) {
  s = k % 4
  if (s == 0) return "sum by (job) (rate(http_requests_total{job=\"svc" n "\"}[5m]))"
  if (s == 1) return "histogram_quantile(0.9, sum by (le, job) (rate(http_request_duration_seconds_bucket{job=\"svc" n "\"}[5m])))"
  if (s == 2) return "sum without (cpu) (rate(node_cpu_seconds_total{mode!=\"idle\",cluster=\"c" n "\"}[1m]))"
  return "count by (namespace) (kube_pod_info{namespace=~\"ns" n ".*\"})"
}
BEGIN {
  for (f = 0; f < files; f++) {
    path = sprintf("%s/team-%03d.rules.yml", dir, f)
    print "groups:" > path
    for (r = 0; r < per_file; r++) {
      if (r % 5 == 0) {
        printf "  - name: team-%03d-group-%d\n    interval: %s\n    rules:\n", f, r / 5, (r % 10 == 0 ? "30s" : "1m") > path
      }
      k = f * per_file + r
      if (r % 4 == 3) {
        printf "      - record: job:svc%d_requests:rate5m_%d\n        expr: %s\n        labels:\n          team: team-%03d\n", k, r, record_expr(k, k), f > path
      } else {
        e = alert_expr(k, k)
        if (index(e, "\n") > 0) printf "      - alert: Team%03dAlert%d\n        expr: |\n          %s\n", f, r, e > path
        else printf "      - alert: Team%03dAlert%d\n        expr: %s\n", f, r, e > path
        printf "        for: %dm\n        keep_firing_for: 5m\n        labels:\n          severity: %s\n          team: team-%03d\n", (r % 3 + 1) * 5, (r % 2 ? "warning" : "critical"), f > path
        split(kept_labels(k), kept, " ")
        printf "        annotations:\n          summary: \"{{ $labels.%s }} on {{ $labels.%s }} is unhealthy\"\n", kept[1], kept[2] > path
        printf "          description: |\n            {{ if gt $value 1.0 }}Value {{ $value | humanize }}{{ else }}Ratio {{ $value | humanizePercentage }}{{ end }}\n            for {{ $labels.%s }} ({{ $externalLabels.cluster }}).\n", kept[1] > path
        printf "          runbook_url: \"https://runbooks.example.com/team-%03d/{{ $labels.%s | toLower }}\"\n", f, kept[2] > path
      }
    }
    close(path)
  }
}'

RULES_GENERATED=$(grep -c -E '^\s+- (alert|record):' "$CORPUS"/*.yml | awk -F: '{s += $2} END {print s}')
echo "generated $RULES_GENERATED rules, $(du -sh "$CORPUS" | cut -f1)" >&2
[[ -n "$GENERATE_ONLY" ]] && exit 0

# Both tools must accept the corpus, or the comparison means nothing.
promtool check rules "$CORPUS"/*.yml >/dev/null 2>"$WORK/promtool.err" || {
  echo "promtool rejects the generated corpus:" >&2; head -20 "$WORK/promtool.err" >&2; exit 1; }
"$PROMGATE" check --format json --fail-on info "$CORPUS" >"$WORK/promgate.json" 2>/dev/null || {
  echo "promgate reports findings on the generated corpus (it should be clean):" >&2
  head -c 2000 "$WORK/promgate.json" >&2; exit 1; }

echo >&2
hyperfine --warmup 1 --runs "$RUNS" --export-json "$WORK/hyperfine.json" \
  -n promgate "$PROMGATE check $CORPUS" \
  -n promtool "promtool check rules $CORPUS/*.yml"

# A field of one command's result in hyperfine's JSON export (seconds).
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
PG_KB=$(peak_kb "$PROMGATE" check "$CORPUS")
PT_KB=$(peak_kb sh -c "promtool check rules $CORPUS/*.yml")

echo
echo "corpus:   $RULES_GENERATED rules in $FILES files ($(du -sh "$CORPUS" | cut -f1)), $(nproc) CPUs"
awk -v pg="$PG_MEAN" -v pt="$PT_MEAN" 'BEGIN {
  printf "wall:     promgate %.0f ms, promtool %.0f ms (mean) -> promgate is %.1fx faster\n", pg * 1000, pt * 1000, pt / pg }'
awk -v pg="$PG_CPU" -v pt="$PT_CPU" 'BEGIN {
  printf "CPU:      promgate %.0f ms, promtool %.0f ms (user+system) -> %.1fx less CPU\n", pg * 1000, pt * 1000, pt / pg }'
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min load average; wall times suffer on a busy machine)"
awk -v pg="$PG_KB" -v pt="$PT_KB" 'BEGIN {
  printf "memory:   promgate %.1f MB, promtool %.1f MB (peak RSS)\n", pg / 1024, pt / 1024 }'
