#!/usr/bin/env bash
# ci/nightly finds a planted bug: a short run over a canary build (fuzz/canaries.txt) must
# find it, deduplicate its different inputs into one failure, minimise it into a candidate
# that still fails the same way, report it as new and exit 1; once promoted, the same
# failures are known and a re-triage exits 0. Tracked files stay as they were.
# ctest-label: nightly
source "$(dirname "$0")/support_ci.sh"
canary=fixed_buffer_free_any
t=fixed_buffer
expect=$(awk -v c="$canary" '$1 == c { $1 = ""; $2 = ""; sub(/^  /, ""); print }' fuzz/canaries.txt)
export STASIS_REGRESSIONS_DIR=$scratch/regressions

run_clean nightly 1 ci/nightly --hours 0.005 --jobs 1 --canary "$canary" --minimize-seconds 5
run=build/nightly/$(readlink build/nightly/latest)
[ "$(wc -l <"$run/failures.tsv")" -eq 1 ] || { cat "$run/failures.tsv"; fail "expected exactly one unique failure"; }
IFS=$'\t' read -r ft name count status engines sig desc <"$run/failures.tsv"
[ "$ft" = "$t" ] && [ "$status" = new ] || fail "failure: $ft $status"
distinct=$(sha1sum "$run/targets/$t"/lf/crashes/* | cut -c1-40 | sort -u | wc -l)
[ "$distinct" -ge 2 ] || fail "only $distinct distinct crash input(s) found: nothing to deduplicate"
[ "$count" -eq "$(ls "$run/targets/$t/lf/crashes" | wc -l)" ] || fail "$count inputs in the failure, not every crash file"
[[ $desc == "$expect in "* ]] || fail "description '$desc' does not start with '$expect'"
pass "$distinct distinct inputs deduplicated into one failure: $desc"

cand=$run/candidates/$t/$name
[ -s "$cand" ] && [ -s "$cand.orig" ] || fail "candidate or original missing"
[ "$(stat -c %s "$cand")" -le "$(stat -c %s "$cand.orig")" ] || fail "the candidate is larger than the original"
grep -q '^  #0 ' "$cand.txt" || fail "no decoded operations in $cand.txt"
grep -q "^signature: $sig\$" "$cand.txt" || fail "signature missing from $cand.txt"
run_clean repro-candidate 1 ci/repro --runs 2 --canary "$canary" "$cand"
grep -q '^== reproduced 2 of 2$' "$scratch/repro-candidate.log" || fail "ci/repro did not reproduce the candidate twice"
grep -qF -- "$expect" "$scratch/repro-candidate.log" || fail "ci/repro's report lacks '$expect'"
grep -q "^== signature: $sig\$" "$scratch/repro-candidate.log" || fail "ci/repro gives another signature"
run_clean repro-normal 0 ci/repro "$t" "$cand"
pass "candidate ($(stat -c %s "$cand") of $(stat -c %s "$cand.orig") bytes) fails the canary build the same way, passes the normal one"

grep -q "^| $t | .* | \[png\](plots/$t.png) |\$" "$run/report.md" || fail "report.md lacks the target's row"
[ "$(head -c 4 "$run/plots/$t.png" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "plot is not a PNG"
grep -Eq '^\| src/alloc/ \| [0-9.]+ % ' "$run/report.md" || fail "report.md lacks the src/alloc coverage total"
[ -f "$run/coverage/html/index.html" ] || fail "no coverage HTML"
pass "report.md with the plot and the coverage table"

run_clean promote 0 ci/nightly --promote "$run"
[ -f "$STASIS_REGRESSIONS_DIR/$t/$name" ] || fail "promote did not copy the candidate"
grep -q "^$name	$sig	" "$STASIS_REGRESSIONS_DIR/$t.known" || fail "promote did not record the signature"
run_clean retriage 0 ci/nightly --retriage "$run"
grep -q "| known ($name) |" "$run/report.md" || fail "re-triage does not report the failure as known"
pass "promoted, then known on re-triage (exit 0)"
