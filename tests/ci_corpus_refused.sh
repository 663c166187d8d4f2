#!/usr/bin/env bash
# Inputs a target refuses (another format version, an unassigned choice id) never stay in a
# merged corpus: libFuzzer's -merge=1 keeps one whenever it adds features (the refusal's own
# path does), and AFL++ keeps them in its queue. ci/nightly's merge (drop_refused) moves them
# out of the working corpus and counts them; ci/corpus minimize drops them from the seeds it
# writes and says how many.
source "$(dirname "$0")/support_ci.sh"
t=fixed_buffer
(source ci/lib.sh; build_preset libfuzzer)

# Per seed, its version and config (3 bytes: capacity, offset), a reset, then an unassigned
# operation id (7 of 8): refused after running the reset; and one input of format version 122.
plant_refused() {
  local dir=$1 f
  mkdir -p "$dir"
  for f in corpus/$t/*; do
    { head -c 4 "$f"; printf '\003\007'; } >"$dir/refused-$(basename "$f")"
  done
  printf 'zop' >"$dir/version-122"
}

# The premise: libFuzzer's merge alone keeps refused inputs.
plant_refused "$scratch/planted"
cp corpus/$t/* "$scratch/planted/"
mkdir -p "$scratch/merged"
build/libfuzzer/fuzz/fuzz_$t -merge=1 "$scratch/merged" "$scratch/planted" >"$scratch/merge.log" 2>&1
kept=$(build/libfuzzer/fuzz/replay_$t --quiet --list-refused "$scratch/merged" 2>/dev/null | wc -l)
[ "$kept" -gt 0 ] || fail "premise: libFuzzer's merge kept no refused input (the filter would be untested)"
pass "premise: libFuzzer's -merge=1 keeps $kept refused input(s)"

# ci/corpus minimize: the seeds it writes hold no refused input, and it says how many it dropped.
plant_refused "$STASIS_CORPUS_DIR/$t"
run_clean minimize 0 ci/corpus minimize --into "$scratch/min" "$t"
line=$(grep "^$t: " "$scratch/minimize.log")
[[ $line =~ refused\ inputs\ dropped:\ ([0-9]+)$ ]] || fail "ci/corpus minimize printed: $line"
[ "${BASH_REMATCH[1]}" -gt 0 ] || fail "ci/corpus minimize dropped no refused input: $line"
build/libfuzzer/fuzz/replay_$t --quiet "$scratch/min/$t" >"$scratch/min-replay.log" 2>&1 \
  || { cat "$scratch/min-replay.log"; fail "the minimised seeds do not all run"; }
pass "ci/corpus minimize: ${BASH_REMATCH[1]} refused input(s) dropped, every seed written runs"

# ci/nightly's merge step: drop_refused moves exactly the refused inputs and counts them.
work=$scratch/nightly-work
plant_refused "$work"
cp corpus/$t/* "$work/"
planted=$(ls "$work" | grep -c -e '^refused-' -e '^version-122$')
(
  source ci/lib.sh
  source ci/lib_triage.sh
  source ci/lib_nightly.sh
  canary=""
  drop_refused "$t" "$scratch/run" "$work" >"$scratch/drop.log"
  drop_refused "$t" "$scratch/run" "$work" >>"$scratch/drop.log"
)
[ "$(cat "$scratch/run/corpus.refused")" = "$planted" ] \
  || fail "drop_refused counted $(cat "$scratch/run/corpus.refused"), $planted were planted"
[ "$(ls "$scratch/run/refused" | grep -c -e '^refused-' -e '^version-122$')" = "$planted" ] \
  || fail "drop_refused did not move every planted input into refused/"
[ "$(files_in "$scratch/run/refused")" = "$planted" ] || fail "drop_refused moved a seed"
[ "$(files_in "$work")" = "$(files_in "corpus/$t")" ] || fail "the seeds did not all stay"
grep -q "dropped $planted refused input(s)" "$scratch/drop.log" || fail "no drop message"
pass "drop_refused: $planted refused inputs moved out and counted, the $(files_in "$work") seeds kept"
