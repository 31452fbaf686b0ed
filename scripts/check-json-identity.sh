#!/usr/bin/env bash
# Nothing changes for users: runs a base promgate binary and the current one on every
# corpus and compares their output byte for byte, with the exit status:
#   - `--format json` on each case (issue 12: the JSON contract must be byte-identical);
#   - the default human output with NO_COLOR (what a user reads), and the human output
#     with `--color always --show-info` (colours and info findings, issue 12's own renderer);
#   - the current binary with RAYON_NUM_THREADS=1 and =2 (output independent of threads).
#
#   scripts/check-json-identity.sh BASE_BINARY [CURRENT_BINARY]
#
# Without CURRENT_BINARY, builds this checkout in release mode and uses that. The cases:
# ../shared/corpus/rules and ../shared/corpus/dashboards (with and without built-in
# catalogs), the 10,000-rule corpus of ../shared/tools/gen_corpus.py, rules-fixtures/,
# and the PumpFlix fixture with its catalog. Needs ../shared (fails when it is missing)
# and python3. Exits 1 when any output differs, printing the start of the difference.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 BASE_BINARY [CURRENT_BINARY]" >&2
  exit 2
fi
BASE="$(realpath "$1")"
[[ -x "$BASE" ]] || { echo "not an executable: $1" >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="$ROOT/../shared"
[[ -d "$SHARED/corpus/rules" ]] || { echo "needs $SHARED/corpus (the shared corpus)" >&2; exit 2; }
if [[ $# -eq 2 ]]; then
  CURRENT="$(realpath "$2")"
else
  echo "building promgate (release)..." >&2
  cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin promgate
  CURRENT="${CARGO_TARGET_DIR:-$ROOT/target}/release/promgate"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/promgate-identity.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
python3 "$SHARED/tools/gen_corpus.py" "$WORK/gen10k" >/dev/null

# Paths in the output are the arguments as given, so both binaries, run from the
# repository root on the same arguments, print the same paths.
cd "$ROOT"
CORPUS="../shared/corpus"
# name|arguments (word-split on spaces)
CASES=(
  "corpus-rules|$CORPUS/rules"
  "corpus-rules-builtin-catalogs|--catalog builtin:node_exporter --catalog builtin:kube-state-metrics $CORPUS/rules"
  "corpus-dashboards|$CORPUS/dashboards"
  "corpus-dashboards-builtin-catalog|--catalog builtin:node_exporter $CORPUS/dashboards"
  "gen-corpus-10k|$WORK/gen10k"
  "rules-fixtures|rules-fixtures"
  "pumpflix|rules-fixtures/pumpflix"
  "pumpflix-with-catalog|--catalog rules-fixtures/pumpflix/catalog.yml rules-fixtures/pumpflix"
)

FAILED=0
# run OUT BINARY ARGS...: stdout to OUT, the exit status appended as a last line.
run() {
  local out="$1"
  shift
  local status=0
  NO_COLOR=1 "$@" >"$out" 2>/dev/null || status=$?
  echo "exit status $status" >>"$out"
}
compare() {
  local label="$1" left="$2" right="$3"
  if cmp -s "$left" "$right"; then
    printf '%-58s identical (%s bytes)\n' "$label" "$(wc -c <"$left")"
  else
    printf '%-58s DIFFERENT\n' "$label"
    diff "$left" "$right" | head -20 || true
    FAILED=1
  fi
}

for case in "${CASES[@]}"; do
  name="${case%%|*}"
  read -r -a args <<<"${case#*|}"
  for format in json human human-color; do
    case "$format" in
      human-color) flags=(--format human --color always --show-info) ;;
      *) flags=(--format "$format") ;;
    esac
    run "$WORK/$name.$format.base" "$BASE" check "${flags[@]}" "${args[@]}"
    run "$WORK/$name.$format.current" "$CURRENT" check "${flags[@]}" "${args[@]}"
    compare "$name ${flags[*]}: base vs current" \
      "$WORK/$name.$format.base" "$WORK/$name.$format.current"
    RAYON_NUM_THREADS=1 run "$WORK/$name.$format.t1" "$CURRENT" check "${flags[@]}" "${args[@]}"
    RAYON_NUM_THREADS=2 run "$WORK/$name.$format.t2" "$CURRENT" check "${flags[@]}" "${args[@]}"
    compare "$name ${flags[*]}: 1 thread vs 2 threads" \
      "$WORK/$name.$format.t1" "$WORK/$name.$format.t2"
  done
done

if [[ $FAILED -ne 0 ]]; then
  echo "outputs differ" >&2
  exit 1
fi
echo "all outputs identical"
