#!/usr/bin/env bash
# ci/fuzz grows the working corpus outside the tracked tree and keeps it across runs; the
# cheap ci/ commands leave `git status --porcelain` exactly as it was.
source "$(dirname "$0")/support_ci.sh"
t=fixed_buffer
seeds=$(files_in "corpus/$t")

run_clean fuzz-first 0 ci/fuzz --seconds 3 --jobs 1 "$t"
work="$STASIS_CORPUS_DIR/$t"
[ -d "$work" ] || fail "no working corpus at $work"
n1=$(files_in "$work")
[ "$n1" -gt "$seeds" ] || fail "the working corpus has $n1 files, no more than the $seeds seeds"
grep -Eq "^$t +3 .* $n1 +$((n1 - seeds)) +0\$" "$scratch/fuzz-first.log" \
  || { cat "$scratch/fuzz-first.log"; fail "the table does not say working=$n1 new=$((n1 - seeds))"; }
pass "first run: $seeds seeds grew to $n1 files in $work"

# The second run starts where the first stopped: libFuzzer reads the working corpus and the seeds.
run_clean fuzz-second 0 ci/fuzz --seconds 2 --jobs 1 "$t"
grep -q "INFO: seed corpus: files: $((n1 + seeds)) " "build/fuzz-out/$t/log" \
  || { grep -a 'seed corpus' "build/fuzz-out/$t/log"; fail "second run did not start from $n1 + $seeds files"; }
[ "$(files_in "$work")" -ge "$n1" ] || fail "the working corpus shrank"
pass "second run started from the $n1 working files and $seeds seeds"

run_clean corpus-status 0 ci/corpus status "$t"
grep -Eq "^$t +$seeds +$(files_in "$work") " "$scratch/corpus-status.log" || fail "ci/corpus status: wrong counts"

# minimize --into writes the set elsewhere; the set keeps the union's features.
run_clean corpus-minimize 0 ci/corpus minimize --into "$scratch/min" "$t"
line=$(grep "^$t: " "$scratch/corpus-minimize.log")
[[ $line =~ with\ the\ working\ corpus\ \(([0-9]+)\ files\):\ ([0-9]+)\ edges,\ ([0-9]+)\ features\;\ after:\ ([0-9]+)\ files,\ ([0-9]+)\ edges,\ ([0-9]+)\ features ]] \
  || fail "ci/corpus minimize printed: $line"
[ "${BASH_REMATCH[4]}" = "$(files_in "$scratch/min/$t")" ] || fail "after-count differs from the files written"
[ "${BASH_REMATCH[4]}" -lt $((seeds + ${BASH_REMATCH[1]})) ] || fail "nothing was minimised: $line"
[ "${BASH_REMATCH[5]}" = "${BASH_REMATCH[2]}" ] || fail "edges lost: $line"
pass "ci/corpus minimize: $line"

run_clean repro-seed 0 ci/repro "corpus/$t/$(ls "corpus/$t" | head -n 1)"
run_clean fuzz-bad-option 2 ci/fuzz --seconds x
run_clean nightly-bad-target 2 ci/nightly --hours 0.01 --targets "$t,nosuch"
grep -q 'no such target: nosuch' "$scratch/nightly-bad-target.log" || fail "ci/nightly: no message for a bad target"
run_clean nightly-bad-hours 2 ci/nightly --hours soon
run_clean repro-no-file 2 ci/repro "$t" "$scratch/no-such-file"
