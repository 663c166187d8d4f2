#!/usr/bin/env bash
# ci/coverage: the coverage report of the corpora (and with --tests the unit tests) without
# fuzzing, leaving the tracked tree as it was. A death test's child writes its profile
# before it dies, so the unit tests cover the assertion path (stasis_assert.c) whole, which
# no passing corpus input reaches.
source "$(dirname "$0")/support_ci.sh"
t=fixed_buffer

# Prints "hit found" for a file's row of a summary's per-file table.
lines_of() {
  awk -F ' *\\| *' -v f="$2" '$2 == f { split($3, a, "/"); print a[1], a[2] }' "$1"
}

run_clean corpora 0 ci/coverage --out "$scratch/corpora" "$t"
for scope in 'src/alloc/' 'src/kv/' 'engine (src/kv command, store, codec files)' 'src/'; do
  grep -q "^| $scope | " "$scratch/corpora.log" || fail "corpora: no total for '$scope'"
done
[ -s "$scratch/corpora/html/index.html" ] || fail "corpora: no HTML report"
read -r hit found <<<"$(lines_of "$scratch/corpora/summary.md" src/alloc/fixed_buffer.c)"
[ "$found" -gt 0 ] && [ "$hit" -gt 0 ] || fail "corpora: fixed_buffer.c not covered ($hit/$found)"
read -r hit found <<<"$(lines_of "$scratch/corpora/summary.md" src/alloc/stasis_assert.c)"
[ "$hit" = 0 ] || fail "corpora: stasis_assert.c has $hit covered lines, but no $t input fails"
pass "corpora of $t: totals, HTML, fixed_buffer.c covered, the assertion path not"

run_clean with-tests 0 ci/coverage --tests --out "$scratch/with-tests" "$t"
read -r hit found <<<"$(lines_of "$scratch/with-tests/summary.md" src/alloc/stasis_assert.c)"
[ "$found" -gt 0 ] && [ "$hit" = "$found" ] \
  || fail "with the unit tests: stasis_assert.c has $hit of $found lines covered, not all"
pass "with the unit tests: stasis_assert.c $hit/$found lines (death tests' profiles count)"

run_clean bad-out 2 ci/coverage --out corpus "$t"
grep -q 'corpus holds something else than a coverage report: choose another --out' "$scratch/bad-out.log" \
  || fail "bad-out: no message"
run_clean bad-target 2 ci/coverage nosuch
grep -q 'no such target: nosuch' "$scratch/bad-target.log" || fail "bad-target: no message"
pass "an --out folder that is no coverage report, and an unknown target, are refused"
