#!/usr/bin/env bash
# server_redis_cli.sh STASIS_KV SEAL_MODE: the real binary on a free loopback port, driven by
# the real redis-cli. Each command family is a transcript of what redis-cli prints against
# redis-server 7.0 (recorded there with the same commands; the few places where stasis
# differs on purpose, such as one database and its own limits, say so), replayed command by
# command and compared exactly. Then a `redis-cli --pipe` run, the INFO fields this server
# promises, and a SIGTERM that must exit 0 with zero allocation calls after the seal.
# Exits 77 when redis-cli is absent, 1 on any failure.
set -u
set -f # transcripts hold globs (KEYS m*) that are arguments, not file names
bin=${1:?usage: server_redis_cli.sh STASIS_KV SEAL_MODE}
seal=${2:?usage: server_redis_cli.sh STASIS_KV SEAL_MODE}
command -v redis-cli >/dev/null || { echo "skip: redis-cli not installed"; exit 77; }

source "$(dirname "$0")/server_lib.sh"

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || kill -KILL "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# ---- start-up ------------------------------------------------------------------------------

stasis_start "$work/server.out" "$bin" --seal="$seal" --hash-seed 12345 || exit 1
ok "start (port $port, seal $seal)"

# ---- transcripts ---------------------------------------------------------------------------

# transcript NAME < TEXT: TEXT is a redis-cli session: "> COMMAND ARGS" lines (shell words,
# so "a b" is one argument), each followed by exactly what `redis-cli --no-raw` prints.
# Every command is one check, named NAME:LINE.
transcript() {
  local family=$1 line cmd="" cmd_line=0 n=0 expected="" got
  run_one() {
    [ -n "$cmd" ] || return 0
    eval "set -- $cmd"
    got=$(cli --no-raw "$@" 2>&1)
    if [ "$got" = "$expected" ]; then
      n=$((n + 1))
    else
      fail "$family:$cmd_line > $cmd" "want:" "$expected" "got:" "$got"
    fi
  }
  local lineno=0
  while IFS= read -r line; do
    lineno=$((lineno + 1))
    if [ "${line:0:2}" = "> " ]; then
      run_one
      cmd=${line:2}
      cmd_line=$lineno
      expected=""
    else
      expected+=${expected:+$'\n'}$line
    fi
  done
  run_one
  ok "$family ($n commands)"
}

transcript server <<'EOF'
> PING
PONG
> PING hello
"hello"
> ECHO hi
"hi"
> ECHO "two words"
"two words"
> FLUSHALL
OK
> DBSIZE
(integer) 0
> SELECT 0
OK
> NOSUCHCMD a b
(error) ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' 
> GET
(error) ERR wrong number of arguments for 'get' command
> SET onlykey
(error) ERR wrong number of arguments for 'set' command
> DEL
(error) ERR wrong number of arguments for 'del' command
> CONFIG GET timeout
1) "timeout"
2) "0"
EOF

# Where stasis differs from redis-server 7.0 on purpose: one database (Redis has 16, so SELECT 1
# answers OK there), its own command table and its own limits (Redis: maxmemory 0,
# maxclients 10000, 240 commands).
transcript server-stasis <<'EOF'
> SELECT 1
(error) ERR DB index is out of range
> CONFIG GET maxmemory
1) "maxmemory"
2) "67108864"
> CONFIG GET maxclients
1) "maxclients"
2) "1024"
> COMMAND COUNT
(integer) 87
EOF

transcript strings <<'EOF'
> SET k v
OK
> GET k
"v"
> GET nokey
(nil)
> SET k v2 XX
OK
> GET k
"v2"
> SET k3 v NX
OK
> SET k3 v NX
(nil)
> SETNX k3 x
(integer) 0
> GETSET k3 new
"v"
> STRLEN k3
(integer) 3
> STRLEN nokey
(integer) 0
> SET n 10
OK
> INCR n
(integer) 11
> INCRBY n 5
(integer) 16
> DECR n
(integer) 15
> DECRBY n 3
(integer) 12
> INCR k
(error) ERR value is not an integer or out of range
> INCRBY n notanumber
(error) ERR value is not an integer or out of range
> SET big 12345678901234567890
OK
> INCR big
(error) ERR value is not an integer or out of range
> SET neg -5
OK
> INCRBY neg -10
(integer) -15
> APPEND neg 0
(integer) 4
> GET neg
"-150"
> APPEND a hello
(integer) 5
> APPEND a " world"
(integer) 11
> GET a
"hello world"
> GETRANGE a 0 4
"hello"
> GETRANGE nokey 0 5
""
> SETRANGE a 6 W
(integer) 11
> GET a
"hello World"
> MSET m1 x m2 y m3 z
OK
> MGET m1 m2 nokey m3
1) "x"
2) "y"
3) (nil)
4) "z"
> MSETNX m1 q m9 r
(integer) 0
> MSETNX m8 q m9 r
(integer) 1
> GETDEL m9
"r"
> GETDEL m9
(nil)
EOF

transcript keys <<'EOF'
> SET e v EX 100
OK
> TTL e
(integer) 100
> PTTL nokey
(integer) -2
> TTL k
(integer) -1
> EXPIRE k 50
(integer) 1
> TTL k
(integer) 50
> PERSIST k
(integer) 1
> TTL k
(integer) -1
> EXPIRE nokey 10
(integer) 0
> EXPIRE k notint
(error) ERR value is not an integer or out of range
> SET px v
OK
> EXPIREAT px 1
(integer) 1
> EXISTS px
(integer) 0
> DEL m1 m2 nokey
(integer) 2
> EXISTS m3 m3 nokey
(integer) 2
> TYPE m3
string
> TYPE nokey
none
> RENAME m3 m4
OK
> GET m4
"z"
> GET m3
(nil)
> RENAME nokey x
(error) ERR no such key
> KEYS m4*
1) "m4"
> KEYS nomatch*
(empty array)
> UNLINK m8 nokey
(integer) 1
> DBSIZE
(integer) 8
EOF
# KEYS answers in the table's order, which is no promise: sorted before comparing.
got=$(cli --raw KEYS 'k*' | sort | tr '\n' ' ')
if [ "$got" = "k k3 " ]; then ok "keys: KEYS k* (sorted)"; else fail "keys: KEYS k* (sorted)" "got: $got"; fi
got=$(cli PTTL e)
if [ "$got" -gt 90000 ] 2>/dev/null && [ "$got" -le 100000 ]; then
  ok "keys: PTTL e in (90000, 100000]"
else
  fail "keys: PTTL e in (90000, 100000]" "got: $got"
fi

transcript lists <<'EOF'
> LPUSH l a b c
(integer) 3
> RPUSH l d e
(integer) 5
> LRANGE l 0 -1
1) "c"
2) "b"
3) "a"
4) "d"
5) "e"
> LRANGE l 1 2
1) "b"
2) "a"
> LLEN l
(integer) 5
> LPOP l
"c"
> RPOP l
"e"
> LPOP l 2
1) "b"
2) "a"
> LLEN l
(integer) 1
> LINDEX l 0
"d"
> LINDEX l 9
(nil)
> TYPE l
list
> GET l
(error) WRONGTYPE Operation against a key holding the wrong kind of value
> LPUSH k x
(error) WRONGTYPE Operation against a key holding the wrong kind of value
> LPOP nokey
(nil)
> LLEN nokey
(integer) 0
> LRANGE nokey 0 -1
(empty array)
> RPUSHX nokey a
(integer) 0
> LPUSHX l z
(integer) 2
> LSET l 0 zz
OK
> LRANGE l 0 -1
1) "zz"
2) "d"
> LREM l 0 zz
(integer) 1
> LTRIM l 0 0
OK
> LRANGE l 0 -1
1) "d"
> RPUSH li a b c b
(integer) 4
> LINSERT li BEFORE c x
(integer) 5
> LINSERT li AFTER nope y
(integer) -1
> LPOS li b
(integer) 1
> LPOS li b RANK 2
(integer) 4
> LPOS li nope
(nil)
> LRANGE li 0 -1
1) "a"
2) "b"
3) "x"
4) "c"
5) "b"
> LRANGE li 5 10
(empty array)
> RPOP li 9
1) "b"
2) "c"
3) "x"
4) "b"
5) "a"
> EXISTS li
(integer) 0
EOF

# --raw prints bare values and errors, as scripts see them.
raw_check() { # raw_check NAME EXPECTED COMMAND...
  local name=$1 want=$2 got
  shift 2
  got=$(cli --raw "$@" 2>&1)
  if [ "$got" = "$want" ]; then ok "raw: $name"; else fail "raw: $name" "want: $want" "got: $got"; fi
}
raw_check get "hello World" GET a
raw_check incr 13 INCR n
raw_check mget $'z\n\nnew' MGET m4 nokey k3
raw_check error "ERR value is not an integer or out of range" INCR a
raw_check lrange $'d' LRANGE l 0 -1

# ---- redis-cli --pipe ----------------------------------------------------------------------

# 1000 SETs in RESP, 3 RPUSHes and one GET inline: 1004 replies, no error.
{
  for i in $(seq 0 999); do
    v="value-$i"
    printf '*3\r\n$3\r\nSET\r\n$%d\r\npipe:%d\r\n$%d\r\n%s\r\n' $((5 + ${#i})) "$i" ${#v} "$v"
  done
  printf 'RPUSH pipelist a b c\r\nRPUSH pipelist d\r\nRPUSH pipelist e f\r\nGET pipe:7\r\n'
} >"$work/pipe.in"
pipe_out=$(cli --pipe <"$work/pipe.in" 2>&1)
if grep -qx "errors: 0, replies: 1004" <<<"$pipe_out"; then
  ok "pipe: errors: 0, replies: 1004"
else
  fail "pipe: errors: 0, replies: 1004" "$pipe_out"
fi
raw_check pipe-get-first "value-0" GET pipe:0
raw_check pipe-get-last "value-999" GET pipe:999
raw_check pipe-llen 6 LLEN pipelist
# One command that fails among good ones: redis-cli counts it, the rest are still served.
pipe_out=$(printf 'SET pe 1\r\nLPUSH pe x\r\nINCR pe\r\n' | cli --pipe 2>&1)
if grep -qx "errors: 1, replies: 3" <<<"$pipe_out"; then
  ok "pipe: errors: 1, replies: 3"
else
  fail "pipe: errors: 1, replies: 3" "$pipe_out"
fi
raw_check pipe-after-error 2 GET pe

# ---- INFO ----------------------------------------------------------------------------------

info=$(cli INFO | tr -d '\r')
info_check() { # info_check FIELD VALUE
  local got
  got=$(sed -n "s/^$1:\(.*\)/\1/p" <<<"$info" | head -1)
  if [ "$got" = "$2" ]; then ok "info: $1:$2"; else fail "info: $1:$2" "got: '$got'"; fi
}
info_check redis_version 7.0.15
info_check tcp_port "$port"
info_check allocation_calls_after_seal 0
info_check seal "$seal"
info_check maxmemory_policy noeviction
dbsize=$(cli DBSIZE)
got=$(sed -n 's/^db0:\(keys=[0-9]*,expires=[0-9]*\),.*/\1/p' <<<"$info")
if [ "$got" = "keys=$dbsize,expires=1" ]; then
  ok "info: db0:keys=$dbsize,expires=1"
else
  fail "info: db0:keys=$dbsize,expires=1" "got: '$got'"
fi

# ---- shutdown ------------------------------------------------------------------------------

kill -TERM "$server_pid"
wait "$server_pid"
status=$?
server_pid=""
if [ "$status" -eq 0 ]; then ok "sigterm: exit 0"; else fail "sigterm: exit 0" "exit status $status"; fi
if grep -q "allocation calls after the seal: 0$" "$work/server.out"; then
  ok "sigterm: allocation calls after the seal: 0"
else
  fail "sigterm: allocation calls after the seal: 0" "$(tail -3 "$work/server.out")"
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
