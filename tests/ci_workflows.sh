#!/usr/bin/env bash
# The GitHub workflows and the ClusterFuzzLite / OSS-Fuzz files parse (PyYAML), run on the
# events they must, and reference scripts that exist; the checker fails on a broken copy.
source "$(dirname "$0")/support_ci.sh"
checker=tests/check_workflows.py
python3 "$checker" . >"$scratch/real.log" 2>&1 || { cat "$scratch/real.log"; fail "the tree's CI files"; }
grep -qx '0 problem(s)' "$scratch/real.log" || fail "checker output: $(cat "$scratch/real.log")"
pass "$(ls .github/workflows/*.yml | wc -l) workflows and the CFLite/OSS-Fuzz files check out"

# Each kind of breakage must be seen.
copy=$scratch/copy
mkdir -p "$copy"
cp -r --parents .github .clusterfuzzlite oss-fuzz ci tests -t "$copy"
broken() {  # broken NAME EXPECTED-LINE: the checker must fail on the copy with that line
  local out status=0
  out=$(python3 "$checker" "$copy" 2>&1) || status=$?
  [ "$status" -eq 1 ] && grep -qxF -- "$2" <<<"$out" || { echo "$out"; fail "$1: not caught"; }
  pass "$1: caught ($2)"
}
sed -i 's|run: ci/test|run: ci/tset|' "$copy/.github/workflows/tests.yml"
broken missing-script ".github/workflows/tests.yml: job test runs ci/tset, which does not exist"
sed -i 's|run: ci/tset|run: ci/test|; s|^  push:|  release:|' "$copy/.github/workflows/tests.yml"
broken no-push "no workflow runs ci/test on push"
sed -i 's|^  release:|  push:|' "$copy/.github/workflows/tests.yml"
sed -i 's|mode: code-change|mode: batch|' "$copy/.github/workflows/cflite_pr.yml"
broken no-code-change "no workflow runs ClusterFuzzLite code-change fuzzing on pull requests"
sed -i 's|mode: batch|mode: code-change|' "$copy/.github/workflows/cflite_pr.yml"
printf 'jobs: [unclosed\n' >"$copy/.github/workflows/bad.yml"
out=$(python3 "$checker" "$copy" 2>&1) && fail "bad YAML: not caught"
grep -q '^.github/workflows/bad.yml: while parsing' <<<"$out" || { echo "$out"; fail "bad YAML: no parse error"; }
pass "bad YAML: caught"
