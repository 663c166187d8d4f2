#!/usr/bin/env bash
# server_load.sh STASIS_KV SEAL_MODE: redis-benchmark with 50 clients against the real
# binary in the given seal mode, then: the process is alive, its VmSize never changed (sampled
# every 0.2 s before, during and after), no allocation call after the seal, and every key
# written afterwards through `redis-cli --pipe` reads back exactly, as does every key the
# benchmark wrote. Exits 77 when redis-benchmark or redis-cli is absent, 1 on any failure.
set -u
bin=${1:?usage: server_load.sh STASIS_KV SEAL_MODE}
seal=${2:?usage: server_load.sh STASIS_KV SEAL_MODE}
for tool in redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "skip: $tool not installed"; exit 77; }
done

requests=50000 # per test; the four tests take about 5 s in a debug build
keyspace=10000 # -r: SET/GET touch key:000000000000 .. key:000000009999
value_size=64  # -d
known_keys=2000

source "$(dirname "$0")/server_lib.sh"

work=$(mktemp -d)
server_pid=""
sampler_pid=""
cleanup() {
  [ -z "$sampler_pid" ] || kill "$sampler_pid" 2>/dev/null
  [ -z "$server_pid" ] || kill -KILL "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# ---- start-up ------------------------------------------------------------------------------

# The benchmark's LPUSH grows one list ("mylist") by every request before LPOP empties it, so
# the list limit covers all of them; the shared budget holds that list, the SET keyspace and
# the known keys several times over.
stasis_start "$work/server.out" "$bin" --seal="$seal" --capacity-policy shared --data-budget-bytes 134217728 \
  --keys-max 65536 --list-length-max 100000 --connections-max 256 || exit 1
ok "start (port $port, seal $seal, pid $server_pid)"

vmsize_before=$(status_kb "$server_pid" VmSize)
rss_before=$(status_kb "$server_pid" VmRSS)
printf '     before: VmSize %s kB, VmRSS %s kB\n' "$vmsize_before" "$rss_before"

# One VmSize sample every 0.2 s until killed; the test reads them all at the end.
(
  while [ -r "/proc/$server_pid/status" ]; do
    sed -n 's/^VmSize:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$server_pid/status"
    sleep 0.2
  done
) >"$work/vmsize.samples" 2>/dev/null &
sampler_pid=$!

# ---- load ----------------------------------------------------------------------------------

timeout "$((client_timeout_s * 6))" redis-benchmark -p "$port" -c 50 -n "$requests" -r "$keyspace" -d "$value_size" \
  -t set,get,lpush,lpop -q 2>&1 | tr '\r' '\n' | grep -v '^[[:space:]]*$' \
  | grep -v 'rps=' >"$work/bench.out"
bench_status=${PIPESTATUS[0]}
sed 's/^/     /' "$work/bench.out"
detail="redis-benchmark exit status $bench_status"
check "benchmark: exit 0" [ "$bench_status" -eq 0 ]
detail=$(cat "$work/bench.out")
check "benchmark: no errors" bash -c "! grep -qiE 'error|closed|refused|reset' '$work/bench.out'"
for t in SET GET LPUSH LPOP; do
  detail=$(cat "$work/bench.out")
  check "benchmark: $t finished" grep -qE "^ *$t: [0-9.]+ requests per second" "$work/bench.out"
done
detail="server output: $(tail -3 "$work/server.out")"
check "alive after the benchmark" kill -0 "$server_pid"

info=$(cli INFO | tr -d '\r')
info_field() { sed -n "s/^$1:\(.*\)/\1/p" <<<"$info" | head -1; }
for field in allocation_calls_after_seal oom_rejections limit_rejections protocol_errors; do
  got=$(info_field "$field")
  detail="got '$got'"
  check "info after the benchmark: $field:0" [ "$got" = 0 ]
done

# Every key the benchmark's SET wrote reads back as a value of -d bytes (redis-benchmark 7.0
# fills it with random printable bytes, so only the length is known here).
cli --scan --pattern 'key:*' >"$work/bench.keys"
bench_keys=$(wc -l <"$work/bench.keys")
detail="$bench_keys keys"
check "benchmark keys: between 9000 and $keyspace of them" \
  [ "$bench_keys" -ge 9000 -a "$bench_keys" -le "$keyspace" ]
bad=$(xargs -n 500 timeout "$client_timeout_s" redis-cli -p "$port" --raw MGET <"$work/bench.keys" | grep -cvxE ".{$value_size}")
detail="$bad values differ"
check "benchmark keys: every value has ${value_size} bytes" [ "$bad" -eq 0 ]
detail="LLEN mylist: $(cli LLEN mylist)"
check "benchmark list: LPOP emptied what LPUSH filled" [ "$(cli LLEN mylist)" = 0 ]

# ---- known keys through --pipe -------------------------------------------------------------

dbsize_before=$(cli DBSIZE)
for i in $(seq 0 $((known_keys - 1))); do
  k="load:$i" v="value-$i-$((i * 7919 % 10007))"
  printf '*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n' ${#k} "$k" ${#v} "$v"
done >"$work/known.in"
pipe_out=$(cli --pipe <"$work/known.in" 2>&1)
detail=$pipe_out
check "known keys: --pipe errors: 0, replies: $known_keys" \
  grep -qx "errors: 0, replies: $known_keys" <<<"$pipe_out"
dbsize_after=$(cli DBSIZE)
detail="DBSIZE $dbsize_before before, $dbsize_after after"
check "known keys: DBSIZE grew by $known_keys" [ "$dbsize_after" -eq $((dbsize_before + known_keys)) ]
# Every one of them, in MGETs of 500, and a sample with single GETs.
for i in $(seq 0 $((known_keys - 1))); do printf 'value-%d-%d\n' "$i" $((i * 7919 % 10007)); done \
  >"$work/known.want"
for i in $(seq 0 $((known_keys - 1))); do printf 'load:%d\n' "$i"; done \
  | xargs -n 500 timeout "$client_timeout_s" redis-cli -p "$port" --raw MGET >"$work/known.got"
detail=$(diff "$work/known.want" "$work/known.got" | head -5)
check "known keys: all $known_keys read back exactly (MGET)" cmp -s "$work/known.want" "$work/known.got"
bad=0
for i in 0 1 7 100 999 1500 $((known_keys - 1)); do
  [ "$(cli --raw GET "load:$i")" = "value-$i-$((i * 7919 % 10007))" ] || bad=$((bad + 1))
done
detail="$bad of 7 differ"
check "known keys: a sample of GETs" [ "$bad" -eq 0 ]

# ---- memory --------------------------------------------------------------------------------

vmsize_after=$(status_kb "$server_pid" VmSize)
rss_after=$(status_kb "$server_pid" VmRSS)
printf '     after:  VmSize %s kB, VmRSS %s kB\n' "$vmsize_after" "$rss_after"
kill "$sampler_pid" 2>/dev/null
wait "$sampler_pid" 2>/dev/null
sampler_pid=""
echo "$vmsize_after" >>"$work/vmsize.samples"
samples=$(grep -c . "$work/vmsize.samples")
distinct=$(sort -u "$work/vmsize.samples" | grep . | tr '\n' ' ')
detail="VmSize before $vmsize_before kB; distinct samples: $distinct"
check "VmSize never changed ($samples samples, $vmsize_before kB)" \
  [ "$distinct" = "$vmsize_before " -a "$samples" -ge 10 ]
got=$(cli INFO | tr -d '\r' | sed -n 's/^allocation_calls_after_seal:\(.*\)/\1/p')
detail="got '$got'"
check "info at the end: allocation_calls_after_seal:0" [ "$got" = 0 ]

# ---- shutdown ------------------------------------------------------------------------------

kill -TERM "$server_pid"
wait "$server_pid"
status=$?
server_pid=""
detail="exit status $status; $(tail -2 "$work/server.out")"
check "sigterm: exit 0" [ "$status" -eq 0 ]
detail=$(tail -2 "$work/server.out")
check "sigterm: allocation calls after the seal: 0" \
  grep -q "allocation calls after the seal: 0$" "$work/server.out"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
