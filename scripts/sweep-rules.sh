#!/usr/bin/env bash
# Rule corpus sweep: lints every file of ../shared/corpus/rules/ with promgate and compares
# with promtool's verdicts (promtool-results.tsv). Prints the agreement figures; exits
# non-zero on a crash or a regression (see tests/rules_corpus_sweep.rs).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ ! -f "$ROOT/../shared/corpus/rules/promtool-results.tsv" ]]; then
  echo "sweep-rules: corpus not found at $ROOT/../shared/corpus/rules" >&2
  exit 2
fi
cd "$ROOT"
exec cargo test --quiet --test rules_corpus_sweep -- --ignored --nocapture
