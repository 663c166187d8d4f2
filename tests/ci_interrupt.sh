#!/usr/bin/env bash
# An interrupted run stops everything it started. ci/fuzz, sent TERM while two fuzzers run
# and a third target waits, stops them, prints the rows of the two, names the third as not
# run and exits 130. ci/nightly, sent TERM in its AFL++ phase (afl-fuzz runs in a session
# of its own, whose forkservers outlive their parent), exits 130 with no process left in
# that session or naming its run folder. Tracked files stay as they were.
source "$(dirname "$0")/support_ci.sh"

# Waits up to $1 seconds for the command in the rest of the line to succeed.
wait_for() {
  local seconds=$1; shift
  local t0=$SECONDS
  until "$@"; do
    [ $((SECONDS - t0)) -lt "$seconds" ] || return 1
    sleep 1
  done
}
# Whether process $1 runs (a child that ended but is not yet waited for does not).
alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $state != Z* ]]
}
# Sends TERM to $1 and sets status to its exit status, failing if it takes longer than $2
# seconds to end.
interrupt() {
  local pid=$1 seconds=$2
  kill -TERM "$pid"
  wait_for "$seconds" eval '! alive '"$pid" || fail "still running $seconds s after TERM"
  status=0
  wait "$pid" || status=$?
}

# ---- ci/fuzz ----
before=$(tree_state)
rm -rf build/fuzz-out/resp_parse build/fuzz-out/rehash build/fuzz-out/resp_split
ci/fuzz --seconds 300 --jobs 2 resp_parse rehash resp_split >"$scratch/fuzz.log" 2>&1 &
fuzz=$!
fuzzers_up() { [ -s build/fuzz-out/resp_parse/pid ] && [ -s build/fuzz-out/rehash/pid ]; }
wait_for 600 fuzzers_up || { cat "$scratch/fuzz.log"; fail "ci/fuzz started no fuzzer"; }
pids="$(cat build/fuzz-out/resp_parse/pid) $(cat build/fuzz-out/rehash/pid)"
sleep 3
interrupt "$fuzz" 20
[ "$status" -eq 130 ] || { cat "$scratch/fuzz.log"; fail "ci/fuzz exited $status after TERM, expected 130"; }
for p in $pids; do alive "$p" && fail "fuzzer $p still runs after ci/fuzz was interrupted"; done
grep -q '^interrupted: 1 of 3 target(s) not run$' "$scratch/fuzz.log" || { cat "$scratch/fuzz.log"; fail "no 'interrupted' line"; }
grep -Eq '^resp_parse +[0-9]+ +[0-9]+ ' "$scratch/fuzz.log" || fail "no row for resp_parse"
grep -Eq '^rehash +[0-9]+ +[0-9]+ ' "$scratch/fuzz.log" || fail "no row for rehash"
grep -Eq '^resp_split ' "$scratch/fuzz.log" && fail "a row for resp_split, which never ran"
[ "$(tree_state)" = "$before" ] || fail "ci/fuzz changed the tracked tree"
pass "ci/fuzz: exit 130, both fuzzers stopped, the third target named as not run"

# ---- ci/nightly, in its AFL++ phase ----
latest_before=$(readlink build/nightly/latest 2>/dev/null || true)
ci/nightly --hours 0.01 --jobs 1 --props-weight 0 --minimize-seconds 5 resp_parse \
  >"$scratch/nightly.log" 2>&1 &
nightly=$!
new_run() { local l; l=$(readlink build/nightly/latest 2>/dev/null || true); [ -n "$l" ] && [ "$l" != "$latest_before" ]; }
wait_for 900 new_run || { cat "$scratch/nightly.log"; fail "ci/nightly made no run folder"; }
run=build/nightly/$(readlink build/nightly/latest)
session_file=$run/targets/resp_parse/afl/session
wait_for 300 test -s "$session_file" || { cat "$scratch/nightly.log"; fail "AFL++ never started"; }
session=$(cat "$session_file")
wait_for 30 pgrep -s "$session" -f fuzz_resp_parse >/dev/null || fail "no forkserver in AFL++'s session"
interrupt "$nightly" 30
[ "$status" -eq 130 ] || { cat "$scratch/nightly.log"; fail "ci/nightly exited $status after TERM, expected 130"; }
sleep 1
left=$(pgrep -s "$session" || true)
[ -z "$left" ] || { ps -o pid,ppid,stat,cmd -s "$session"; fail "AFL++'s session still has processes"; }
left=$(pgrep -f "$run" || true)
[ -z "$left" ] || { ps -o pid,ppid,stat,cmd -p "$left"; fail "processes still name the run folder"; }
grep -q '^ci/nightly: stopped; what finished is in ' "$scratch/nightly.log" || fail "no 'stopped' line"
[ "$(tree_state)" = "$before" ] || fail "ci/nightly changed the tracked tree"
pass "ci/nightly: exit 130 in its AFL++ phase, nothing left of the session or the run"
