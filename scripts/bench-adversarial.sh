#!/usr/bin/env bash
# Linearity of every adversarial input class of issue 16. For each class, promgate
# (release) runs on a generated input of size N and of size 4N under hyperfine; the
# ratio of the mean CPU times (user + system: wall time swings with the machine's load)
# must stay below MAX_RATIO (linear work gives about 4, quadratic about 16). Peak memory
# (GNU time) is compared the same way.
#
#   scripts/bench-adversarial.sh [--runs N] [--max-ratio R] [--keep] [CLASS...]
#
# Needs hyperfine, GNU time and python3 (Debian packages, installed when missing).
# Prints one line per class: sizes, mean times, ratio, peak memory; exits 1 if a class
# grows faster than linearly.
set -euo pipefail

RUNS=3
MAX_RATIO=7
KEEP=0
CLASSES=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --max-ratio) MAX_RATIO="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) CLASSES+=("$1"); shift ;;
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
need hyperfine hyperfine
need python3 python3
[[ -x /usr/bin/time ]] || need time time

echo "building promgate (release)..." >&2
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin promgate
PROMGATE="${CARGO_TARGET_DIR:-$ROOT/target}/release/promgate"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/promgate-bench-adv.XXXXXX")"
if [[ $KEEP -eq 0 ]]; then trap 'rm -rf "$WORK"' EXIT; fi

# generate CLASS N DIR: writes the input of size N; prints the promgate arguments.
generate() {
  python3 - "$@" <<'PY'
import json, os, sys
cls, n, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(d, exist_ok=True)
def rules(body):
    return "groups:\n  - name: g\n    rules:\n" + body
def rec(name, expr):
    return "      - record: %s\n        expr: '%s'\n" % (name, expr)
def put(name, text):
    with open(os.path.join(d, name), "w", newline="") as f:
        f.write(text)
catalog = "complete: true\nmetrics:\n  up:\n    type: gauge\n    labels: [job, instance]\n"
args = []
if cls == "template-nesting":
    s = "{{if .}}" * n + "x" + "{{end}}" * n
    put("t.yml", rules("      - alert: A\n        expr: up == 0\n        annotations:\n          summary: '%s'\n" % s))
    args = ["t.yml"]
elif cls in ("minified-human", "minified-json"):
    panels = [{"id": i, "type": "graph", "title": "p", "datasource": "Prometheus",
               "targets": [{"refId": "A", "expr": "rate(x_total[5m])"}]} for i in range(n)]
    put("min.json", json.dumps({"title": "m", "uid": "m", "panels": panels}, separators=(",", ":")))
    args = ["--format", "human" if cls == "minified-human" else "json", "min.json"]
elif cls == "recording-catalog":
    put("catalog.yml", catalog)
    put("r.yml", rules("".join(rec("job:r%d" % i, "sum by (job) (up)") for i in range(n))
                       + "      - alert: A\n        expr: job:r0 > 1\n"))
    args = ["--catalog", "catalog.yml", "r.yml"]
elif cls == "recording-memory":
    # Issue 16's memory case, `{record: rN, expr: up}` in one file (590,000 of them
    # peaked at 1.3 GB): the model, the parsed expressions and the checks' state must
    # grow linearly with the rules. --max-file-size: 4N rules pass the default 16 MiB
    # only at N <= 100,000.
    put("r.yml", rules("".join("      - {record: r%d, expr: up}\n" % i for i in range(n))))
    args = ["--max-file-size", "64MiB", "--format", "json", "r.yml"]
elif cls == "recording-chain":
    put("catalog.yml", catalog)
    body = rec("job:c0", "sum by (job) (up)") + "".join(rec("job:c%d" % i, "job:c%d + 1" % (i - 1)) for i in range(1, n))
    put("c.yml", rules(body))
    args = ["--catalog", "catalog.yml", "c.yml"]
elif cls == "promql-chain":
    put("p.yml", rules(rec("job:p", " + ".join(["a"] * n)) + rec("job:o", " or ".join(["up"] * n))))
    args = ["p.yml"]
elif cls == "promql-unary":
    put("u.yml", rules(rec("job:u", "-" * n + "a") + rec("job:w", " ^ ".join(["a"] * n))))
    args = ["u.yml"]
elif cls == "parentheses":
    put("p.yml", rules(rec("job:p", "(" * n + "a" + ")" * n)))
    args = ["p.yml"]
elif cls == "matchers":
    put("m.yml", rules(rec("job:m", "up{%s}" % ",".join('l%d="v"' % i for i in range(n)))))
    args = ["m.yml"]
elif cls == "regex":
    put("re.yml", rules(rec("job:re", 'up{job=~"%s"}' % ("ab|" * n + "c"))))
    args = ["re.yml"]
elif cls == "panels":
    panels = [{"id": i, "type": "timeseries", "title": "p%d" % i,
               "targets": [{"refId": "A", "expr": "rate(x_total[$__rate_interval])"}]} for i in range(n)]
    put("panels.json", json.dumps({"title": "p", "uid": "p", "panels": panels}, indent=1))
    args = ["--max-file-size", "64MiB", "panels.json"]
elif cls == "rules":
    put("rules.yml", rules("".join("      - alert: A%d\n        expr: up{job=\"a\"} == 0\n        for: 5m\n" % i for i in range(n))))
    args = ["rules.yml"]
elif cls == "deep-json":
    put("deep.json", '{"title":"d","panels":[],"x":' + "[" * n + "1" + "]" * n + "}")
    args = ["deep.json"]
elif cls == "alias-bomb":
    text = "a0: &a0 [x]\n" + "".join("a%d: &a%d [%s]\n" % (i, i, ", ".join(["*a%d" % (i - 1)] * 10)) for i in range(1, n))
    put("bomb.yml", text + rules("      - alert: A\n        expr: up == 0\n"))
    args = ["bomb.yml"]
else:
    sys.exit("unknown class " + cls)
print(" ".join(args))
PY
}

# class base-size: N and 4N are measured.
ALL=(
  "template-nesting 2500"
  "minified-human 4000"
  "minified-json 4000"
  "recording-catalog 10000"
  "recording-memory 50000"
  "recording-chain 2500"
  "promql-chain 2500"
  "promql-unary 2500"
  "parentheses 2500"
  "matchers 25000"
  "regex 80000"
  "panels 25000"
  "rules 25000"
  "deep-json 25000"
  "alias-bomb 2500"
)

cpu_seconds() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print(r["user"] + r["system"])' "$1"; }
peak_kb() { ( cd "$1" && /usr/bin/time -f %M "$PROMGATE" check $2 >/dev/null 2>"$WORK/time.txt" || true; tail -n1 "$WORK/time.txt" ); }

status=0
printf '%-18s %8s %8s %10s %10s %6s %9s %9s %6s\n' class N 4N "cpu N" "cpu 4N" ratio "mem N" "mem 4N" ratio
for entry in "${ALL[@]}"; do
  read -r class base <<<"$entry"
  if [[ ${#CLASSES[@]} -gt 0 ]] && [[ ! " ${CLASSES[*]} " == *" $class "* ]]; then continue; fi
  small="$WORK/$class-small"; large="$WORK/$class-large"
  args_small="$(generate "$class" "$base" "$small")"
  args_large="$(generate "$class" "$((base * 4))" "$large")"
  for size in small large; do
    dir="$WORK/$class-$size"; args="args_$size"
    ( cd "$dir" && hyperfine --runs "$RUNS" --warmup 1 -N -i --export-json "$WORK/$class-$size.json" \
        "$PROMGATE check ${!args}" >/dev/null 2>&1 )
  done
  t_small="$(cpu_seconds "$WORK/$class-small.json")"
  t_large="$(cpu_seconds "$WORK/$class-large.json")"
  m_small="$(peak_kb "$small" "$args_small")"
  m_large="$(peak_kb "$large" "$args_large")"
  read -r ratio mem_ratio verdict < <(python3 -c '
import sys
ts, tl, ms, ml, limit = map(float, sys.argv[1:])
r = tl / max(ts, 1e-4); m = ml / max(ms, 1.0)
print("%.2f %.2f %s" % (r, m, "ok" if r <= limit and m <= limit else "SUPERLINEAR"))
' "$t_small" "$t_large" "$m_small" "$m_large" "$MAX_RATIO")
  printf '%-18s %8s %8s %9.3fs %9.3fs %6s %8sK %8sK %6s %s\n' "$class" "$base" "$((base * 4))" \
    "$t_small" "$t_large" "$ratio" "$m_small" "$m_large" "$mem_ratio" "$verdict"
  [[ "$verdict" == ok ]] || status=1
done
exit "$status"
