#!/usr/bin/env bash
# Runs a real editor against `promgate lsp`: Debian's Neovim (0.7 or newer), headless,
# with its built-in LSP client. It opens a rule file in a sample workspace (a
# `.promgate.yml` naming a catalog, a recording rule in another file), waits for the
# diagnostics, and writes the ones it received to a file, which this script compares
# with what it expects: code, line, column, severity, source and the docs link.
#
# Exits non-zero on a mismatch, a timeout, or when nvim is missing.
# Usage: scripts/test-neovim-lsp.sh   (PROMGATE_BIN: the binary, default target/debug)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${PROMGATE_BIN:-$repo_root/target/debug/promgate}"
if ! command -v nvim >/dev/null; then
  echo "error: nvim not found (apt-get install -y neovim)" >&2
  exit 1
fi
if [ ! -x "$bin" ]; then
  echo "error: $bin not found; run cargo build first or set PROMGATE_BIN" >&2
  exit 1
fi
nvim --version | head -1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/.promgate.yml" <<'YAML'
catalogs: [catalog.yml]
YAML
cat > "$work/catalog.yml" <<'YAML'
version: 1
complete: true
target_labels: [job, instance]
metrics:
  http_requests_total:
    type: counter
    help: Total number of HTTP requests
    labels: [route, code]
YAML
cat > "$work/recording.yml" <<'YAML'
groups:
  - name: recording
    rules:
      - record: route:http_requests:rate5m
        expr: sum by (route) (rate(http_requests_total[5m]))
YAML
# Line 5: a misspelt label after non-ASCII text; line 7: a label the recording rule
# (in the other file) aggregated away; line 9: no comparison.
cat > "$work/alerts.yml" <<'YAML'
groups:
  - name: alerts
    rules:
      - alert: ServerErrors
        expr: sum(rate(http_requests_total{route="/é", cdoe="500"}[5m])) > 1
      - alert: RouteErrors
        expr: route:http_requests:rate5m{code="500"} > 1
      - alert: Always
        expr: sum(rate(http_requests_total[5m]))
YAML

PROMGATE_BIN="$bin" PROMGATE_ROOT="$work" PROMGATE_FILE="$work/alerts.yml" \
  PROMGATE_OUT="$work/received.txt" \
  timeout 60 nvim --headless --clean -u NONE -c "luafile $repo_root/scripts/test-neovim-lsp.lua" \
  || { echo "error: nvim failed or timed out (status $?)" >&2; exit 1; }

docs="https://github.com/promgate/promgate/blob/main/docs/checks"
# Neovim columns are bytes: `cdoe` starts at byte 56 (`é` is two bytes, one UTF-16 unit:
# the server sends character 55, and Neovim turning that into byte 56 proves the units).
cat > "$work/expected.txt" <<TXT
5:56 catalog/unknown-label 1 promgate $docs/catalog/unknown-label.md
7:41 catalog/unknown-label 1 promgate $docs/catalog/unknown-label.md
9:14 alerts/comparison 2 promgate $docs/alerts/comparison.md
TXT
sort -o "$work/expected.txt" "$work/expected.txt"

echo "== received by Neovim"
cat "$work/received.txt"
if ! diff -u "$work/expected.txt" "$work/received.txt"; then
  echo "error: Neovim received other diagnostics than expected" >&2
  exit 1
fi
echo "ok: Neovim received the expected diagnostics"
