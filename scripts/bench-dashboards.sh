#!/usr/bin/env bash
# Benchmark, dashboards variant of scripts/bench-rules.sh: `promgate check` on 500
# generated Grafana dashboards (24 panels and 48 PromQL targets each, templated with
# $__rate_interval, multi-value variables, collapsed rows, legends, units), then on the
# same 500 dashboards mixed with the 10,000 generated rules in one folder.
#
#   scripts/bench-dashboards.sh [--dashboards N] [--runs N] [--keep]
#   scripts/bench-dashboards.sh --generate-only DIR     (write the dashboards to DIR and stop)
#
# Needs hyperfine (Debian package `hyperfine`, installed with apt-get when missing).
# Builds promgate in release mode. Prints hyperfine's table and the peak memory.
set -euo pipefail

DASHBOARDS=500
RUNS=10
KEEP=0
GENERATE_ONLY=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dashboards) DASHBOARDS="$2"; shift 2 ;;
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
  OUT="$GENERATE_ONLY"
else
  need hyperfine hyperfine
  [[ -x /usr/bin/time ]] || need time time
  echo "building promgate (release)..." >&2
  cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin promgate
  TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
  PROMGATE="$TARGET_DIR/release/promgate"
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/promgate-bench-dash.XXXXXX")"
  if [[ $KEEP -eq 0 ]]; then trap 'rm -rf "$WORK"' EXIT; fi
  OUT="$WORK/dashboards"
fi
mkdir -p "$OUT"

echo "generating $DASHBOARDS dashboards under $OUT..." >&2
awk -v count="$DASHBOARDS" -v dir="$OUT" '
function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
function expr(k, n,   s) {
  s = k % 8
  if (s == 0) return "sum by (route) (rate(http_requests_total{job=~\"$job\", instance=~\"$instance\", service=\"svc" n "\"}[$__rate_interval]))"
  if (s == 1) return "histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{job=~\"$job\", service=\"svc" n "\"}[$__rate_interval])))"
  if (s == 2) return "sum by (instance) (node_memory_MemTotal_bytes{job=~\"$job\"} - node_memory_MemAvailable_bytes{job=~\"$job\"})"
  if (s == 3) return "100 - (avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\", job=~\"$job\"}[$__rate_interval])) * 100)"
  if (s == 4) return "sum by (route) (rate(http_requests_total{job=~\"$job\", status_code=~\"5..\"}[$__rate_interval])) / sum by (route) (rate(http_requests_total{job=~\"$job\"}[$__rate_interval]))"
  if (s == 5) return "max_over_time(job_queue_size{queue=~\"$queue\"}[$__interval:]) > 0"
  if (s == 6) return "sum(increase(kube_pod_container_status_restarts_total{namespace=\"ns" n "\"}[$__range]))"
  return "topk(5, sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=\"ns" n "\", pod=~\"$pod\"}[$__rate_interval])))"
}
function legend(k,   s) {
  s = k % 8
  if (s == 0 || s == 1 || s == 4) return "{{route}}"
  if (s == 2 || s == 3) return "{{instance}}"
  if (s == 7) return "{{pod}}"
  return "__auto"
}
function unit(k,   s) {
  s = k % 8
  if (s == 1) return "s"
  if (s == 2) return "bytes"
  if (s == 3) return "percent"
  if (s == 4) return "percentunit"
  return "short"
}
BEGIN {
  for (d = 0; d < count; d++) {
    path = sprintf("%s/dashboard-%03d.json", dir, d)
    printf "{\n  \"title\": \"Service %03d\",\n  \"uid\": \"svc-%03d\",\n  \"schemaVersion\": 39,\n  \"editable\": false,\n", d, d > path
    printf "  \"templating\": {\n    \"list\": [\n" > path
    printf "      {\"name\": \"datasource\", \"type\": \"datasource\", \"query\": \"prometheus\", \"current\": {\"text\": \"Prometheus\", \"value\": \"prometheus\"}},\n" > path
    split("job instance queue pod", vars, " ")
    for (v = 1; v <= 4; v++) {
      printf "      {\"name\": \"%s\", \"type\": \"query\", \"datasource\": {\"type\": \"prometheus\", \"uid\": \"${datasource}\"}, \"query\": {\"query\": %s, \"refId\": \"PrometheusVariableQueryEditor-VariableQuery\"}, \"multi\": true, \"includeAll\": true, \"allValue\": \".+\", \"refresh\": 2, \"current\": {}}%s\n", vars[v], q("label_values(up{job=~\"$job\"}, " vars[v] ")"), (v < 4 ? "," : "") > path
    }
    printf "    ]\n  },\n  \"panels\": [\n" > path
    id = 1
    for (r = 0; r < 4; r++) {
      printf "    {\"id\": %d, \"type\": \"row\", \"title\": \"Section %d\", \"collapsed\": %s, \"gridPos\": {\"h\": 1, \"w\": 24, \"x\": 0, \"y\": %d}, \"panels\": [%s\n", id++, r, (r % 2 ? "true" : "false"), r * 30, (r % 2 ? "" : "]},") > path
      for (p = 0; p < 6; p++) {
        k = d * 24 + r * 6 + p
        printf "      {\n        \"id\": %d,\n        \"title\": \"Panel %d\",\n        \"type\": \"timeseries\",\n        \"datasource\": {\"type\": \"prometheus\", \"uid\": \"${datasource}\"},\n", id++, k > path
        printf "        \"gridPos\": {\"h\": 8, \"w\": 8, \"x\": %d, \"y\": %d},\n", (p % 3) * 8, r * 30 + 1 + int(p / 3) * 8 > path
        printf "        \"fieldConfig\": {\"defaults\": {\"unit\": \"%s\", \"custom\": {\"lineWidth\": 1, \"fillOpacity\": 10}}, \"overrides\": []},\n", unit(k) > path
        printf "        \"options\": {\"legend\": {\"displayMode\": \"list\", \"placement\": \"bottom\"}, \"tooltip\": {\"mode\": \"multi\"}},\n" > path
        printf "        \"targets\": [\n" > path
        for (t = 0; t < 2; t++) {
          printf "          {\"refId\": \"%s\", \"datasource\": {\"type\": \"prometheus\", \"uid\": \"${datasource}\"}, \"editorMode\": \"code\", \"expr\": %s, \"legendFormat\": %s, \"range\": true}%s\n", (t ? "B" : "A"), q(expr(k, k + t)), q(legend(k)), (t ? "" : ",") > path
        }
        # The last panel of a collapsed row, or of the dashboard, takes no comma.
        last = (r % 2 && p == 5) || (r == 3 && p == 5)
        printf "        ]\n      }%s\n", (last ? "" : ",") > path
        if (r % 2 && p == 5) printf "    ]}%s\n", (r == 3 ? "" : ",") > path
      }
    }
    printf "  ]\n}\n" > path
    close(path)
  }
}'
TARGETS=$(grep -c '"expr"' "$OUT"/*.json | awk -F: '{s += $2} END {print s}')
echo "generated $DASHBOARDS dashboards with $TARGETS targets, $(du -sh "$OUT" | cut -f1)" >&2
[[ -n "$GENERATE_ONLY" ]] && exit 0

# The generated dashboards must be valid: no error-level finding.
"$PROMGATE" check --format json "$OUT" >"$WORK/dash.json" || {
  echo "promgate reports errors on the generated dashboards:" >&2; head -c 2000 "$WORK/dash.json" >&2; exit 1; }

# The mixed folder: the same dashboards beside the rules benchmark's 10,000 rules.
MIXED="$WORK/mixed"
mkdir -p "$MIXED"
cp "$OUT"/*.json "$MIXED/"
"$ROOT/scripts/bench-rules.sh" --generate-only "$MIXED" >/dev/null 2>&1 || {
  echo "bench-rules.sh --generate-only failed" >&2; exit 1; }
RULE_FILES=$(ls "$MIXED"/*.yml | wc -l)

echo >&2
hyperfine --warmup 1 --runs "$RUNS" --export-json "$WORK/hyperfine.json" \
  -n dashboards "$PROMGATE check $OUT" \
  -n dashboards-and-rules "$PROMGATE check $MIXED"

# One key per line, so the mean that follows each command's name is easy to pick.
mean() {
  tr ',{' '\n\n' <"$WORK/hyperfine.json" | sed 's/": */":/' |
    awk -v name="\"command\":\"$1\"" 'index($0, name) { found = 1 } found && /"mean":/ { sub(/.*"mean":/, ""); print; exit }'
}
DASH_MEAN=$(mean dashboards)
MIXED_MEAN=$(mean dashboards-and-rules)
peak_kb() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'; }
DASH_KB=$(peak_kb "$PROMGATE" check "$OUT")
MIXED_KB=$(peak_kb "$PROMGATE" check "$MIXED")

echo
echo "corpus:   $DASHBOARDS dashboards, $TARGETS targets ($(du -sh "$OUT" | cut -f1)); mixed: + $RULE_FILES rule files; $(nproc) CPUs"
awk -v d="$DASH_MEAN" -v m="$MIXED_MEAN" -v n="$DASHBOARDS" -v t="$TARGETS" 'BEGIN {
  printf "time:     %.1f ms for the dashboards (%.2f ms per dashboard, %.1f us per target); %.1f ms mixed with the rules\n", d * 1000, d * 1000 / n, d * 1e6 / t, m * 1000 }'
awk -v d="$DASH_KB" -v m="$MIXED_KB" 'BEGIN { printf "memory:   %.1f MB dashboards, %.1f MB mixed (peak RSS)\n", d / 1024, m / 1024 }'
