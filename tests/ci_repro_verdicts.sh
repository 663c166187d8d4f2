#!/usr/bin/env bash
# ci/repro names what a failure is and how often it happens, on planted failures of each
# kind: the triage canaries of fuzz_fixed_buffer.c (fuzz/CMakeLists.txt; compiled into that
# target's canary binaries only, never into the library), each set off by a reset. A hang
# is a timeout under the target's own limit, an allocation over the RSS limit an OOM, a crash
# in every run "reproduced 3 of 3", a failure in every other run FLAKY (exit 3); each with
# its exact verdict line, signature and exit status.
source "$(dirname "$0")/support_ci.sh"
t=fixed_buffer
# A fixed input with a reset (not a seed: ci/corpus minimize may drop any seed).
input=tests/inputs/fixed_buffer-alloc-resize-free-reset
timeout_s=$(awk -F '[[:space:]]*=[[:space:]]*' '$1 == "timeout" { print $2 }' "fuzz/targets/fuzz_$t.options")
[ "$timeout_s" = 10 ] || fail "fuzz_$t.options: timeout is '$timeout_s', the test expects 10"

# Asserts a line of $scratch/$1.log, whole.
has_line() {
  grep -qxF -- "$2" "$scratch/$1.log" || { cat "$scratch/$1.log"; fail "$1: no line '$2'"; }
}

# A crash in every run.
run_clean crash 1 ci/repro --runs 3 --canary repro_crash $t "$input"
has_line crash "== verdict: crash"
has_line crash "== signature: check: !canary_fails_this_run() @ triage_canary<run_reset<run_own"
has_line crash "== reproduced 3 of 3"
pass "crash: 'reproduced 3 of 3', exit 1"

# A hang: libFuzzer's -timeout from the target's options stops it (one run: it costs 10 s).
start=$SECONDS
run_clean hang 1 ci/repro --canary repro_hang $t "$input"
elapsed=$((SECONDS - start))
[ "$elapsed" -ge "$timeout_s" ] || fail "hang: ended after ${elapsed}s, before the target's ${timeout_s}s"
has_line hang "== verdict: timeout (no result within the target's limit of $timeout_s s)"
has_line hang "== signature: libFuzzer: timeout @ triage_canary<run_reset<run_own"
has_line hang "== reproduced 1 of 1"
# libFuzzer looks once a second: the ALARM may come a second or two past the limit.
grep -q "^       and the timeout value is $timeout_s (use -timeout=N to change)$" "$scratch/hang.log" \
  || fail "hang: libFuzzer's ALARM report (timeout value $timeout_s) missing"
pass "hang: a timeout after the target's ${timeout_s}s (took ${elapsed}s), exit 1"

# An allocation over the RSS limit (the target names none: libFuzzer's 2048 MB).
run_clean oom 1 ci/repro --runs 2 --canary repro_oom $t "$input"
has_line oom "== verdict: OOM (over the target's limit of 2048 MB)"
has_line oom "== signature: libFuzzer: out-of-memory @ triage_canary<run_reset<run_own"
has_line oom "== reproduced 2 of 2"
grep -q '^==[0-9]*== ERROR: libFuzzer: out-of-memory (malloc(3221225472))$' "$scratch/oom.log" \
  || fail "oom: libFuzzer's report missing"
pass "oom: an OOM over 2048 MB in each of 2 runs, exit 1"

# A failure in every other run: its state lives outside the input (a file each run flips).
export STASIS_CANARY_FLAKY_STATE=$scratch/flaky-state
run_clean flaky 3 ci/repro --runs 4 --canary repro_flaky $t "$input"
has_line flaky "== verdict: crash"
has_line flaky "== FLAKY: reproduced 2 of 4"
grep -q '^== reproduced' "$scratch/flaky.log" && fail "flaky: also says it reproduced every run"
pass "flaky: 'FLAKY: reproduced 2 of 4', exit 3"

# The same planted failure in one run, when the state says it fails, is reproduced 1 of 1.
printf 1 >"$STASIS_CANARY_FLAKY_STATE"
run_clean flaky-once 1 ci/repro --canary repro_flaky $t "$input"
has_line flaky-once "== reproduced 1 of 1"
pass "flaky, one failing run: 'reproduced 1 of 1', exit 1"

# A property's shrunk case goes to its property's runner: the planted bug's runner fails it
# in every run, the normal build passes it.
case_file=corpus/regressions/props/memory_bound/canary-props_stray_malloc
run_clean props-canary 1 ci/repro --runs 2 --canary props_stray_malloc "$case_file"
has_line props-canary "== reproduced 2 of 2"
grep -q "allocation call(s) after the seal" "$scratch/props-canary.log" \
  || fail "props-canary: the property's failure report missing"
run_clean props-fixed 0 ci/repro "$case_file"
has_line props-fixed "== the case passes in this build: reproduced 0 of 1"
pass "props case: 'reproduced 2 of 2' under its canary (exit 1), passes in the normal build"
