#!/usr/bin/env bash
# --fix corpus sweep: fixes a copy of ../shared/corpus/rules and ../shared/corpus/dashboards
# (in a temporary folder; the corpus itself is never written), with and without
# --unsafe-fixes, and fails if a rule file promtool accepted is no longer accepted, a
# dashboard no longer parses, a finding appears or a comment is lost. Prints fixes per check.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ ! -d "$ROOT/../shared/corpus/rules" || ! -d "$ROOT/../shared/corpus/dashboards" ]]; then
  echo "sweep-fix: corpus not found at $ROOT/../shared/corpus" >&2
  exit 2
fi
if ! command -v promtool >/dev/null; then
  apt-get install -y prometheus >/dev/null || { apt-get update >/dev/null && apt-get install -y prometheus >/dev/null; }
fi
command -v promtool >/dev/null || { echo "sweep-fix: promtool is required (apt-get install -y prometheus)" >&2; exit 2; }
cd "$ROOT"
exec cargo test --quiet --test fix_corpus_sweep -- --ignored --nocapture
