#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for DURATION seconds each (default 60), one job
# at a time at the lowest priority, and saves any crash as a regression fixture in
# fuzz/regressions/<target>/ (replayed by `cargo test --test fuzz_regressions`).
#
#   scripts/fuzz.sh [DURATION] [TARGET...]
#
# FUZZ_RUNS=N stops each target after N executions (DURATION still caps it), so a long
# campaign can aim at a number of executions: `FUZZ_RUNS=10000000 scripts/fuzz.sh 3600`.
#
# Builds on the stable toolchain with RUSTC_BOOTSTRAP=1 and no sanitizer (`-s none`).
# Prints one line per target (executions, seconds, result) and appends them to
# fuzz/runs.log. Exits 1 if any target crashed, 2 if it cannot run at all.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

duration="${1:-60}"
shift || true

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz not found; installing it (cargo install cargo-fuzz --locked)" >&2
  cargo install cargo-fuzz --locked || {
    echo "error: cannot install cargo-fuzz; the fuzz targets cannot run" >&2
    exit 2
  }
fi

export RUSTC_BOOTSTRAP=1
nice -n 19 cargo fuzz build -s none || { echo "error: the fuzz targets do not build" >&2; exit 2; }
bin_dir="${CARGO_TARGET_DIR:-$PWD/target}/$(rustc -vV | sed -n 's/^host: //p')/release"

if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi

# Copies the fixtures whose name matches $2 into $1, numbered: many share a name
# (every check has a fail.yml), and only files, never the folders of that name.
copy_seeds() {
  local dir="$1" pattern="$2" n=0 file
  while IFS= read -r file; do
    n=$((n + 1))
    cp "$file" "$dir/$n-$(basename "$file")"
  done < <(find ../rules-fixtures -type f -name "$pattern" -size -64k | sort)
}

# Seeds: the repository's own fixtures for the byte-level targets.
seed() {
  local target="$1" dir="corpus/$1"
  mkdir -p "$dir"
  [ -n "$(ls -A "$dir" 2>/dev/null)" ] && return 0
  case "$target" in
    rules) copy_seeds "$dir" '*.yml' ;;
    dashboard) copy_seeds "$dir" '*.json' ;;
    catalog) copy_seeds "$dir" 'catalog*' ;;
    promqltest) find ../src/eval -name "*.test" -size -64k -exec cp -t "$dir" {} + 2>/dev/null || printf "load 1m\n  up 1 2 3\neval instant at 2m up\n  up 3\n" >"$dir/seed" ;;
    promql) printf 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) > 1' >"$dir/seed" ;;
    template) printf '{{ if gt $value 1.0 }}{{ $labels.job }} is {{ $value | humanize }}{{ end }}' >"$dir/seed" ;;
    config) printf 'checks:\n  "dashboard/*": warning\nexclude: ["vendor/**"]\n' >"$dir/seed" ;;
    *) ;;
  esac
}

status=0
date_utc="$(date -u +%Y-%m-%dT%H:%MZ)"
for target in "${targets[@]}"; do
  seed "$target"
  mkdir -p "artifacts/$target"
  log="$(mktemp)"
  started=$(date +%s)
  set +e
  nice -n 19 "$bin_dir/$target" "corpus/$target" \
    -max_total_time="$duration" -timeout=60 -rss_limit_mb=4096 -max_len=65536 \
    ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} \
    -print_final_stats=1 -artifact_prefix="artifacts/$target/" >"$log" 2>&1
  code=$?
  set -e
  elapsed=$(( $(date +%s) - started ))
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
  result=ok
  if [ "$code" -ne 0 ]; then
    result="CRASH (exit $code)"
    status=1
    mkdir -p "regressions/$target"
    for artifact in "artifacts/$target"/*; do
      [ -f "$artifact" ] || continue
      cp "$artifact" "regressions/$target/"
      echo "saved $artifact as regressions/$target/$(basename "$artifact")" >&2
    done
    grep -m5 -E 'panicked|ERROR|SUMMARY' "$log" >&2 || true
  fi
  line="$date_utc $target executions=${execs:-0} seconds=$elapsed result=$result"
  echo "$line"
  echo "$line" >>runs.log
  rm -f "$log"
done
exit "$status"
