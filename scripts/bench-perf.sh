#!/usr/bin/env bash
# The performance figures of issue 12 in one run, printed as its table:
#   - promgate's default (human) output vs `promtool check rules` on 10,000 generated rules
#     with about 7,900 findings (../shared/tools/gen_corpus.py), as a ratio;
#   - the clean 10,000-rule corpus; 100,000 rules in 2,000 files (JSON and human);
#   - peak memory at 100,000 rules and at 590,000 recording rules in one file (issue 16);
#   - 500 dashboards; the catalog's overhead (5,000-metric catalog); one small file;
#   - in process (`cargo bench --bench floor`): the pipeline vs the parse-only floor
#     (read + YAML events + PromQL parse) and the human rendering of the findings.
#
#   scripts/bench-perf.sh [--base BINARY] [--rounds N] [--runs N] [--no-floor] [--keep]
#
# --base BINARY measures a base build in the same alternating rounds (before/after from
# one run). Needs ../shared (the corpus generator), python3, hyperfine, GNU time and
# promtool (Debian packages `hyperfine`, `time`, `prometheus`; installed when missing).
# Builds promgate in release mode. See docs/performance.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PERF_ARGS=()
FLOOR=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --base) PERF_ARGS+=(--base "$(realpath "$2")"); shift 2 ;;
    --rounds|--runs) PERF_ARGS+=("$1" "$2"); shift 2 ;;
    --keep) PERF_ARGS+=(--keep); shift ;;
    --no-floor) FLOOR=0; shift ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

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
need promtool prometheus
need python3 python3
[[ -x /usr/bin/time ]] || need time time
[[ -f "$ROOT/../shared/tools/gen_corpus.py" ]] || {
  echo "needs ../shared/tools/gen_corpus.py beside the repository" >&2; exit 2; }

echo "building promgate (release)..." >&2
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin promgate
PROMGATE="${CARGO_TARGET_DIR:-$ROOT/target}/release/promgate"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/promgate-bench-perf.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
if [[ $FLOOR -eq 1 ]]; then
  echo "in process: the pipeline vs the parse-only floor (cargo bench --bench floor)..." >&2
  python3 "$ROOT/../shared/tools/gen_corpus.py" "$WORK/findings10k" >/dev/null
  PROMGATE_BENCH_CORPUS="$WORK/findings10k" \
    cargo bench --quiet --manifest-path "$ROOT/Cargo.toml" --bench floor | tee "$WORK/floor.txt" >&2
  PERF_ARGS+=(--floor "$WORK/floor.txt")
fi
python3 "$ROOT/scripts/bench-perf.py" --current "$PROMGATE" "${PERF_ARGS[@]}"
