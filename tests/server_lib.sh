# server_lib.sh: sourced by the server scripts (tests/server_*.sh, bench/bench_server.sh).
#
#   ok NAME / fail NAME DETAIL... / check NAME COMMAND...   one line a check; $failures counts
#   stasis_start OUT_FILE BINARY ARGS...                    starts BINARY --port 0 ARGS...,
#       output to OUT_FILE; sets server_pid and port from its "ready on" line (up to 30 s);
#       returns 1 (the output on stderr) if it never says it.
#   status_kb PID FIELD                                     a /proc/PID/status field, in kB
#   cli ARGS...                                             redis-cli -p $port ARGS..., killed
#       after $client_timeout_s seconds: a server that stops answering fails the check in
#       seconds instead of hanging the test until CTest's timeout

failures=0
client_timeout_s=${STASIS_CLIENT_TIMEOUT_S:-10}
ok() { printf 'ok   %s\n' "$1"; }
fail() {
  printf 'FAIL %s\n' "$1"
  shift
  [ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/     /'
  failures=$((failures + 1))
}
check() { # the detail printed on failure comes from $detail, cleared after each check
  local name=$1
  shift
  if "$@"; then ok "$name"; else fail "$name" "${detail:-}"; fi
  detail=""
}

stasis_start() {
  local out=$1 binary=$2
  shift 2
  : >"$out" # before the server's shell opens it: the first sed below may run first
  "$binary" --port 0 "$@" >"$out" 2>&1 &
  server_pid=$!
  port=""
  local _
  for _ in $(seq 300); do
    port=$(sed -n 's/.*ready on 127\.0\.0\.1:\([0-9][0-9]*\),.*/\1/p' "$out")
    [ -n "$port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  printf 'stasis-kv did not start; its output:\n' >&2
  cat "$out" >&2
  return 1
}

status_kb() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }

cli() { timeout "$client_timeout_s" redis-cli -p "$port" "$@"; }
