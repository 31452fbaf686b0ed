#!/usr/bin/env bash
# A newcomer's first run on a big repository: `promgate check` on the rule and dashboard
# corpus (../shared/corpus/rules and dashboards, ~720 files) with the default human output,
# as a person would type it. Prints how many lines the run writes to the terminal, the line
# and the time at which the first error appears, and the summary line.
#
#   scripts/first-run.sh [BINARY] [EXTRA CHECK FLAGS...]
#
# BINARY defaults to $PROMGATE, else a release build of this checkout. Timing is wall
# clock of one run (a first impression, not a benchmark: see scripts/bench-*.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CORPUS="$ROOT/../shared/corpus"
if [[ ! -d "$CORPUS/rules" || ! -d "$CORPUS/dashboards" ]]; then
  echo "first-run: the shared corpus is missing at $CORPUS" >&2
  exit 2
fi
BIN="${1:-${PROMGATE:-}}"
shift || true
if [[ -z "$BIN" ]]; then
  cargo build --quiet --release --manifest-path "$ROOT/Cargo.toml" --bin promgate
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/promgate"
fi

cd "$CORPUS"
# perl stamps each line as it arrives, so the time of the first error is what a person
# watching the terminal sees, whether the tool streams or writes at the end.
# An error is a rustc-style `error[...]` header, a concise `path:line:col: error` line, or
# miette's `×` marker (the human output before severity words).
{ "$BIN" check rules dashboards "$@" 2>/dev/null || true; } | perl -MTime::HiRes=time -e '
  my $start = time; my ($lines, $first_line, $first_time, $last) = (0);
  while (my $line = <STDIN>) {
    $lines++;
    $last = $line;
    if (!defined $first_line && $line =~ /^(error\[|\S+:\d+:\d+: error )|^\s+\xc3\x97 /) {
      ($first_line, $first_time) = ($lines, time - $start);
    }
  }
  my $total = time - $start;
  printf "output lines:           %d\n", $lines;
  if (defined $first_line) {
    printf "first error at line:    %d\n", $first_line;
    printf "time to first error:    %.2f s\n", $first_time;
  } else {
    print "first error:            none shown\n";
  }
  printf "total time:             %.2f s\n", $total;
  print "last line:              $last";
'
