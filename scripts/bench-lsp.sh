#!/usr/bin/env bash
# Speed and memory of `promgate lsp` on a 500-rule file (release build): the time from a
# change to its diagnostics, with the default debounce and without, and the server's
# resident memory over 10,000 edits. Prints the numbers; see scripts/bench-lsp.py.
# Usage: scripts/bench-lsp.sh   (PROMGATE_BIN: a binary to measure instead; PROMGATE_BASE:
# a binary to compare with, measured in alternating rounds under the same load)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${PROMGATE_BIN:-}" ]; then
  cargo build --release --quiet --manifest-path "$repo_root/Cargo.toml"
  PROMGATE_BIN="${CARGO_TARGET_DIR:-$repo_root/target}/release/promgate"
fi
python3 "$repo_root/scripts/bench-lsp.py" ${PROMGATE_BASE:+"$PROMGATE_BASE"} "$PROMGATE_BIN"
