#!/usr/bin/env bash
# ci/repro reproduces an input whichever engine found it, naming the target (and canary)
# from the path: libFuzzer's crash-*, AFL++'s crashes/id:..., ClusterFuzzLite's testcases,
# ci/canaries' folders; --runs N counts reproductions; it prints the decoded operations, the
# report with its symbolised stack, the signature and the commands to rerun and debug.
source "$(dirname "$0")/support_ci.sh"
canary=fixed_buffer_free_any
t=fixed_buffer
expect=$(awk -v c="$canary" '$1 == c { $1 = ""; $2 = ""; sub(/^  /, ""); print }' fuzz/canaries.txt)
input=corpus/regressions/$t/canary-$canary

check_reproduced() {
  local log=$scratch/$1.log runs=$2
  grep -q "^== input: .*, target $t, canary $canary\$" "$log" || fail "$1: target or canary not named"
  grep -q '^#0 alloc len=100 align=8$' "$log" || fail "$1: decoded operations missing"
  grep -qF -- "$expect" "$log" || fail "$1: report lacks '$expect'"
  grep -Eq '^ +#[0-9]+ 0x[0-9a-f]+ in model_check .*fuzz_fixed_buffer.c:[0-9]+' "$log" \
    || fail "$1: no symbolised stack"
  grep -q '^== signature: check: d.allocated_bytes == m.end @ model_check<harness_check<harness_run$' "$log" \
    || fail "$1: signature"
  grep -q "^== reproduced $runs of $runs\$" "$log" || fail "$1: not 'reproduced $runs of $runs'"
  grep -q "^== rerun:  ci/repro --canary $canary $t " "$log" || fail "$1: no rerun line"
  grep -q '^== gdb:    ASAN_OPTIONS=abort_on_error=1 gdb -q -ex run --args .*fuzz_fixed_buffer_canary_fixed_buffer_free_any -timeout=10 ' "$log" \
    || fail "$1: no gdb line with the target's timeout"
  pass "$1: reproduced $runs of $runs, report, stack, signature, commands"
}

run_clean named 1 ci/repro --runs 3 --canary "$canary" "$t" "$input"
check_reproduced named 3

# AFL++'s layout: .../<target>/.../crashes/id:...
mkdir -p "$scratch/nightly/targets/$t/afl/out/s1/crashes"
afl_file="$scratch/nightly/targets/$t/afl/out/s1/crashes/id:000000,sig:06,src:000012,time:815,execs:4242,op:havoc,rep:2"
cp "$input" "$afl_file"
run_clean afl-path 1 ci/repro --canary "$canary" "$afl_file"
check_reproduced afl-path 1

# ClusterFuzzLite / OSS-Fuzz: the binary's name, fuzz_<target>, in the testcase's name.
mkdir -p "$scratch/cflite-artifacts"
cp "$input" "$scratch/cflite-artifacts/crash-fuzz_$t-address-5e1a0c"
run_clean cflite-name 1 ci/repro --runs 2 --canary "$canary" "$scratch/cflite-artifacts/crash-fuzz_$t-address-5e1a0c"
check_reproduced cflite-name 2

# ci/canaries' folder build/canaries/<canary>/ names the canary, hence the target.
mkdir -p "$scratch/build/canaries/$canary/crashes"
cp "$input" "$scratch/build/canaries/$canary/crashes/crash-0123"
run_clean canary-folder 1 ci/repro "$scratch/build/canaries/$canary/crashes/crash-0123"
check_reproduced canary-folder 1

# A relative path is taken from where the command was started.
(cd corpus/regressions && run_clean relative 0 ../../ci/repro --runs 2 "$t/canary-$canary")
grep -q '^== the input passes in this build: reproduced 0 of 2$' "$scratch/relative.log" || fail "normal build: not passing"
pass "relative path; the normal build passes the input"

mkdir -p "$scratch/elsewhere"
cp "$input" "$scratch/elsewhere/input"
run_clean unknown 2 ci/repro "$scratch/elsewhere/input"
grep -q 'cannot tell the target from the path; name it: ci/repro TARGET FILE' "$scratch/unknown.log" || fail "unknown: message"
pass "an input whose path names no target is refused with a clear message"
