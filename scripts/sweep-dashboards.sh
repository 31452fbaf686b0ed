#!/usr/bin/env bash
# Dashboard corpus sweep: lints every dashboard of ../shared/corpus/dashboards/ (65 JSON
# files and a ConfigMapList of 33) through promgate, then the dashboards and the rule
# corpus in one run. Prints per-check counts; exits non-zero on a crash, a false
# `promql/syntax` or `dashboard/schema`, a file not linted, or a verified finding lost
# (see tests/dashboards_corpus_sweep.rs). Uses $PROMGATE_BIN when set.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ ! -d "$ROOT/../shared/corpus/dashboards" ]]; then
  echo "sweep-dashboards: corpus not found at $ROOT/../shared/corpus/dashboards" >&2
  exit 2
fi
cd "$ROOT"
exec cargo test --quiet --test dashboards_corpus_sweep -- --ignored --nocapture
