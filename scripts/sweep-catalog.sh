#!/usr/bin/env bash
# Corpus sweep of the catalog checks: lints ../shared/corpus/rules/ twice, against the
# catalogs in ../shared/corpus/catalogs/ (imported and merged with `promgate catalog
# import`) and against the bundled catalogs (builtin:NAME), prints how many diagnostics
# each catalog check raised, and fails when one of the type, label and value checks
# (catalog/histogram, catalog/counter, catalog/gauge, catalog/unknown-label,
# catalog/unknown-label-value) reports something that is not in the reviewed allow-list
# of verified true problems,
# scripts/sweep-catalog.allow. catalog/unknown-metric mostly measures the catalogs' gaps:
# it is counted and sampled, not gated.
#
#   scripts/sweep-catalog.sh            (builds promgate unless $PROMGATE names a binary)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CORPUS="$ROOT/../shared/corpus"
ALLOW="$ROOT/scripts/sweep-catalog.allow"
if [[ ! -d "$CORPUS/rules" || ! -d "$CORPUS/catalogs" ]]; then
  echo "sweep-catalog: the shared corpus is missing at $CORPUS" >&2
  exit 1
fi
if [[ -z "${PROMGATE:-}" ]]; then
  cargo build --quiet --manifest-path "$ROOT/Cargo.toml" --bin promgate
  PROMGATE="${CARGO_TARGET_DIR:-$ROOT/target}/debug/promgate"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/promgate-sweep-catalog.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# Every catalog source but the docs index and geth's fixture, which holds a stray
# non-metric line at 1516 that Prometheus would refuse too (tests/catalog_import.rs
# checks that promgate reports it with its position).
mapfile -t SOURCES < <(cd "$CORPUS" && find catalogs -type f ! -name SOURCES.md \
  ! -path '*/geth/testdata/metrics_geth.txt' | LC_ALL=C sort)
(cd "$CORPUS" && "$PROMGATE" catalog import "${SOURCES[@]}" -o "$WORK/corpus-catalog.yml")
FAMILIES=$(grep -c '^  [^ ].*:$' "$WORK/corpus-catalog.yml" || true)
echo "catalog: ${#SOURCES[@]} sources merged into $FAMILIES metric families"

# One pass: lint the rule corpus with the given catalogs, findings into $WORK/findings-NAME.tsv.
sweep_pass() {
  local name="$1"
  shift
  set +e
  (cd "$CORPUS" && "$PROMGATE" check --format github "$@" rules) \
    >"$WORK/out-$name.txt" 2>"$WORK/err-$name.txt"
  local status=$?
  set -e
  if [[ $status -ge 2 ]]; then
    echo "sweep-catalog: promgate failed (exit $status):" >&2
    awk 'NR <= 20' "$WORK/err-$name.txt" >&2
    exit 1
  fi
  # `::level file=F,line=L,...,col=C,...,title=CODE::MESSAGE` -> `CODE F:L:C<TAB>MESSAGE`
  awk '/^::/ {
    split(substr($0, 3), parts, "::")
    meta = parts[1]; msg = parts[2]
    for (i = 3; i in parts; i++) msg = msg "::" parts[i]
    file = meta; sub(/^[a-z]+ file=/, "", file); sub(/,.*$/, "", file)
    line = meta; sub(/^.*,line=/, "", line); sub(/,.*$/, "", line)
    col = meta; sub(/^.*,col=/, "", col); sub(/,.*$/, "", col)
    code = meta; sub(/^.*,title=/, "", code)
    gsub(/%0A/, " | ", msg); gsub(/%25/, "%", msg)
    gsub(/%2C/, ",", file); gsub(/%3A/, ":", file); gsub(/%25/, "%", file)
    if (code ~ /^catalog\//) printf "%s %s:%s:%s\t%s\n", code, file, line, col, msg
  }' "$WORK/out-$name.txt" | LC_ALL=C sort >"$WORK/findings-$name.tsv"
  echo
  echo "diagnostics per catalog check on $(find "$CORPUS/rules" -type f \( -name '*.yml' -o -name '*.yaml' \) | wc -l) rule files ($name):"
  for code in catalog/unknown-metric catalog/unknown-label catalog/unknown-label-value catalog/histogram catalog/counter catalog/gauge; do
    printf '  %-28s %6d\n' "$code" "$(grep -c "^$code " "$WORK/findings-$name.tsv" || true)"
  done
}

# No `target_labels` are declared: the corpus comes from many deployments whose
# relabeling we do not know (see docs/catalog.md, "Target labels").
sweep_pass corpus-catalog --catalog "$WORK/corpus-catalog.yml"
# The bundled catalogs (builtin:NAME) alone: partial, so they must never make a metric
# unknown, and their types, labels and values must raise no false alarm.
BUNDLED=()
for name in cadvisor kube-state-metrics kubernetes node_exporter prometheus windows_exporter; do
  BUNDLED+=(--catalog "builtin:$name")
done
sweep_pass bundled "${BUNDLED[@]}"
if grep -q '^catalog/unknown-metric ' "$WORK/findings-bundled.tsv"; then
  echo "FAIL: a bundled catalog made a metric unknown:" >&2
  grep '^catalog/unknown-metric ' "$WORK/findings-bundled.tsv" | awk 'NR <= 10' >&2
  exit 1
fi
LC_ALL=C sort -u "$WORK/findings-corpus-catalog.tsv" "$WORK/findings-bundled.tsv" >"$WORK/findings.tsv"

echo
echo "catalog/unknown-metric, most frequent names (catalog gaps, see metric-coverage.tsv):"
{ grep '^catalog/unknown-metric ' "$WORK/findings-corpus-catalog.tsv" || true; } | sed -E 's/^[^`]*`([^`]*)`.*/\1/' \
  | sort | uniq -c | sort -rn | awk 'NR <= 15' | sed 's/^/  /'  # awk, not head: under pipefail a head that stops reading early fails the pipe with SIGPIPE

# The gate: type and label findings must all be reviewed true problems.
STRICT='^catalog/(unknown-label|unknown-label-value|histogram|counter|gauge) '
grep -E "$STRICT" "$WORK/findings.tsv" | cut -f1 | LC_ALL=C sort -u >"$WORK/strict.txt" || true
{ grep -vE '^[[:space:]]*(#|$)' "$ALLOW" || true; } | sed -E 's/[[:space:]]+#.*$//; s/[[:space:]]+$//' \
  | LC_ALL=C sort >"$WORK/allowed.txt"
UNEXPECTED=$(LC_ALL=C comm -23 <(LC_ALL=C sort "$WORK/strict.txt") "$WORK/allowed.txt")
STALE=$(LC_ALL=C comm -13 <(LC_ALL=C sort "$WORK/strict.txt") "$WORK/allowed.txt")
echo
echo "type and label findings: $(wc -l <"$WORK/strict.txt") ($(wc -l <"$WORK/allowed.txt") in the reviewed allow-list)"
if [[ -n "$STALE" ]]; then
  echo "allow-list entries no longer reported (remove them):"
  echo "$STALE" | sed 's/^/  /'
fi
if [[ -n "$UNEXPECTED" ]]; then
  echo "FAIL: findings not in scripts/sweep-catalog.allow (review each: fix the analysis, or add a verified true problem with its reason):"
  while read -r key; do
    grep -m1 -F "$key"$'\t' "$WORK/findings.tsv" | sed 's/^/  /'
  done <<<"$UNEXPECTED"
  exit 1
fi
echo "sweep-catalog: OK"
