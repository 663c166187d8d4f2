#!/usr/bin/env bash
# ci/nightly finds a planted bug: a short run over a canary build (fuzz/canaries.txt) must
# find it, deduplicate its different inputs into one failure, minimise it into a candidate
# that still fails the same way, report it as new and exit 1; once promoted, the same
# failures are known and a re-triage exits 0. Tracked files stay as they were.
# The property tests run too (ci/lib_nightly_props.sh): report.md has a row per property;
# a second run adds a props canary (props/canaries.txt): with the fuzz canary's failure
# known by then, the property's failure alone makes the run exit 1, its shrunk case is a
# candidate that fails the canary runner and passes the normal one, and once promoted it is
# known (re-triage exits 0).
# ctest-label: nightly
source "$(dirname "$0")/support_ci.sh"
canary=fixed_buffer_free_any
t=fixed_buffer
expect=$(awk -v c="$canary" '$1 == c { $1 = ""; $2 = ""; sub(/^  /, ""); print }' fuzz/canaries.txt)
export STASIS_REGRESSIONS_DIR=$scratch/regressions

# --props-weight 1: the properties take half the run, the fuzzer keeps its 18 s.
run_clean nightly 1 ci/nightly --hours 0.01 --jobs 1 --canary "$canary" --minimize-seconds 5 \
  --props-weight 1
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

# ---- the property tests' part ----
grep -q '^## Properties$' "$run/report.md" || fail "report.md has no Properties section"
want=$(build/debug/props/run --list | wc -l)
rows=$(grep -cE '^\| [a-z_]+ \| (libfuzzer|debug) \| [1-9][0-9]* \| [0-9]+ \| passed \| - \| - \|$' "$run/report.md")
[ "$rows" -eq "$want" ] || { sed -n '/^## Properties/,$p' "$run/report.md"; fail "$rows passed property rows, want $want"; }
grep -qE '^\| memory_server \| debug \| ' "$run/report.md" || fail "memory_server (debug build) did not run"
pass "report.md: every one of the $want properties ran and passed"

pcanary=props_layout_region_short
read -r prop pseed pexpect < <(awk -v c="$pcanary" '$1 == c { p = $2; s = $3; $1 = $2 = $3 = ""; sub(/^ +/, ""); print p, s, $0 }' props/canaries.txt)
STASIS_PROPS_SEED=$pseed run_clean props-canary 1 ci/nightly --hours 0.005 --jobs 1 --canary "$canary" \
  --props-canary "$pcanary" --props-weight 1 --minimize-seconds 5
prun=build/nightly/$(readlink build/nightly/latest)
[ "$prun" != "$run" ] || fail "no new run folder"
if [ -s "$prun/failures.tsv" ]; then
  cut -f4 "$prun/failures.tsv" | grep -qv '^known' && { cat "$prun/failures.tsv"; fail "the fuzzer found a new failure: the exit is not the property's alone"; }
fi
[ "$(wc -l <"$prun/props/results.tsv")" -eq 1 ] || fail "the props canary run ran $(wc -l <"$prun/props/results.tsv") properties, want its one"
IFS=$'\t' read -r p ppreset pcases pseconds verdict pcand psig <"$prun/props/results.tsv"
[ "$p" = "$prop" ] && [ "$verdict" = FAILED ] || fail "property $p: $verdict, want $prop FAILED"
grep -qF -- "$pexpect" "$prun/props/$prop.log" || fail "the property's report lacks '$pexpect'"
pname=$(basename "$pcand")
[ "$pcand" = "$prun/props/candidates/$prop/$pname" ] && [ -s "$pcand" ] || fail "candidate $pcand missing"
[ "$(head -n 1 "$pcand.txt" | cut -d, -f1)" = "property $prop" ] || fail "$pcand.txt is not the decoded case"
grep -q "^| $prop | libfuzzer | $pcases | $pseconds | FAILED | new | \[$pname\](props/candidates/$prop/$pname.txt) |\$" \
  "$prun/report.md" || { sed -n '/^## Properties/,$p' "$prun/report.md"; fail "report.md lacks the failed property's row"; }
grep -q "^### $prop failed\$" "$prun/report.md" || fail "report.md lacks the failure's details"
grep -q "^| $prop | libfuzzer | .* | FAILED | new | " "$scratch/props-canary.log" || fail "ci/nightly did not print the property's row"
pass "props canary $pcanary: $prop failed at case $pcases, status new, exit 1 (the fuzz failure known)"

run_clean props-replay-canary 0 tests/expect_failure.sh "$pexpect" \
  "build/libfuzzer/props/run_canary_$pcanary" --only "$prop" --replay "$pcand"
run_clean props-replay-normal 0 build/libfuzzer/props/run --only "$prop" --replay "$pcand"
pass "the candidate ($(stat -c %s "$pcand") bytes) fails the canary runner, passes the normal one"

run_clean props-promote 0 ci/nightly --promote "$prun"
cmp -s "$pcand" "$STASIS_REGRESSIONS_DIR/props/$prop/$pname" || fail "promote did not copy the case"
cmp -s "$pcand.txt" "$STASIS_REGRESSIONS_DIR/props/$prop/$pname.txt" || fail "promote did not copy its text"
grep -q "^$pname	" "$STASIS_REGRESSIONS_DIR/props/$prop.known" || fail "promote did not record the signature"
run_clean props-retriage 0 ci/nightly --retriage "$prun"
grep -q "^| $prop | libfuzzer | .* | FAILED | known ($pname) | " "$prun/report.md" \
  || fail "re-triage does not report the property's failure as known"
pass "promoted, then known on re-triage (exit 0)"
