#!/usr/bin/env bash
# Proves the promgate pre-commit hook works for real: installs pre-commit from PyPI
# into a throwaway virtualenv, then runs `pre-commit try-repo` with this repository's
# `promgate` hook (language: rust, so pre-commit builds promgate with cargo install)
# against a sample repository holding one good and one bad rule file.
#
# Expects: the hook fails on the bad file and names it; it passes on the good file.
# Usage: scripts/test-pre-commit.sh [HOOK_ID]   (default: promgate)
# Set PROMGATE_PRE_COMMIT_TARGET to reuse a cargo target folder between runs, and
# PROMGATE_REPO to test another checkout than the one holding this script.
set -euo pipefail

hook="${1:-promgate}"
repo_root="${PROMGATE_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

export PRE_COMMIT_HOME="$work/pre-commit-home"
export CARGO_TARGET_DIR="${PROMGATE_PRE_COMMIT_TARGET:-$repo_root/target/pre-commit}"
# try-repo commits uncommitted changes to a shadow copy; give git an identity for it.
export GIT_AUTHOR_NAME=promgate-test GIT_AUTHOR_EMAIL=promgate-test@localhost
export GIT_COMMITTER_NAME=promgate-test GIT_COMMITTER_EMAIL=promgate-test@localhost

echo "== installing pre-commit into a virtualenv"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check pre-commit
pre_commit="$work/venv/bin/pre-commit"
"$pre_commit" --version

sample="$work/sample"
mkdir -p "$sample/rules"
cat > "$sample/rules/good.yml" <<'YAML'
groups:
  - name: api
    rules:
      - alert: ApiDown
        expr: up{job="api"} == 0
        for: 5m
        labels:
          severity: critical
        annotations:
          summary: "API instance {{ $labels.instance }} is down"
YAML
cat > "$sample/rules/bad.yml" <<'YAML'
groups:
  - name: api
    rules:
      - alert: ApiErrors
        expr: sum(rate(http_requests_total{code=~"5.."}[5m])
        for: 5m
YAML
# Other YAML and JSON that a repository holds: the hook must leave them alone.
printf 'services:\n  web:\n    image: nginx\n' > "$sample/docker-compose.yml"
printf '{"name": "sample", "version": "1.0.0"}\n' > "$sample/package.json"
git -C "$sample" init --quiet
git -C "$sample" add -A
git -C "$sample" commit --quiet -m "sample rules"

passed=0
failed=0
fail() {
  echo "FAIL: $*"
  failed=$((failed + 1))
}

cd "$sample"
echo "== pre-commit try-repo $repo_root $hook --all-files (expect failure on bad.yml)"
if "$pre_commit" try-repo "$repo_root" "$hook" --all-files --color never >"$work/all.out" 2>&1; then
  cat "$work/all.out"
  fail "the hook passed although rules/bad.yml has a syntax error"
elif ! grep -q "rules/bad.yml" "$work/all.out"; then
  cat "$work/all.out"
  fail "the hook failed without naming rules/bad.yml"
elif grep -Eq "(rules/good.yml|docker-compose.yml|package.json)[:\]]" "$work/all.out"; then
  cat "$work/all.out"
  fail "the hook reported a problem in a good or unrelated file"
else
  cat "$work/all.out"
  passed=$((passed + 1))
fi

echo "== pre-commit try-repo $repo_root $hook --files rules/good.yml docker-compose.yml package.json (expect success)"
if ! "$pre_commit" try-repo "$repo_root" "$hook" --files rules/good.yml docker-compose.yml package.json \
  --color never >"$work/good.out" 2>&1; then
  cat "$work/good.out"
  fail "the hook failed on rules/good.yml"
elif ! grep -Eq '^promgate[^ ]*\.+Passed' "$work/good.out"; then
  # "Skipped" would mean the hook's files pattern did not match the rule file.
  cat "$work/good.out"
  fail "the hook did not run on rules/good.yml"
else
  cat "$work/good.out"
  passed=$((passed + 1))
fi

echo "pre-commit hook: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
