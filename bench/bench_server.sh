#!/usr/bin/env bash
# bench_server.sh (ci/bench server): stasis-kv (release, --seal=strict) against redis-server
# 7.0 (--save '' --appendonly no) on loopback, both driven by the same redis-benchmark:
#
#   redis-benchmark -t set,get,lpush,lpop,lrange_100 -c 50 -r 100000 -d 64 -P {1,16} -n N --csv
#
# for --rounds rounds (at least 5), the two servers taking turns to go first. Before every
# run both servers are flushed and given the whole SET keyspace (key:000000000000 ..
# key:000000099999, 64-byte values, through redis-cli --pipe), so that DBSIZE after a run
# does not depend on which random keys the benchmark happened to draw: it must be 100001
# (the keyspace and "mylist") on both, and LLEN mylist must be what the benchmark's last
# LPUSH left (N rounded up to the pipeline) on both. A run with an error line, an error
# reply counted by a server, or a different DBSIZE or LLEN makes the bench refuse the ratios.
#
# Prints, per test and pipeline, the median ops/s and p50/p99 latency of both servers with
# the ratio stasis/redis, the peak RSS (VmHWM) of both, stasis's RSS at start and at the end,
# and the issue's goals: SET and GET at >= 1.0x redis-server's ops/s at pipeline 1 and >= 1.2x
# at pipeline 16, p99 no worse, RSS flat for stasis.
#
#   ci/bench server [--rounds N] [--requests-p1 N] [--requests-p16 N]
set -euo pipefail
source "$(dirname "$0")/../ci/lib.sh"
source "$(dirname "$0")/../tests/server_lib.sh"

rounds=5
requests_p1=200000
requests_p16=1000000
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
    --requests-p1) requests_p1=${2:?--requests-p1 needs a value}; shift 2 ;;
    --requests-p16) requests_p16=${2:?--requests-p16 needs a value}; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (--rounds N, --requests-p1 N, --requests-p16 N)" ;;
  esac
done
[[ $rounds =~ ^[0-9]+$ ]] && [ "$rounds" -ge 5 ] || die "--rounds: at least 5, got '$rounds'"
for n in "$requests_p1" "$requests_p16"; do
  [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1000 ] || die "--requests-p*: at least 1000, got '$n'"
done

tests=set,get,lpush,lpop,lrange_100
clients=50
keyspace=100000 # -r
value_size=64   # -d
pipelines=(1 16)

for tool in redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || die "$tool not found (ci/deps installs redis-server and redis-tools)"
done
redis_version=$(redis-server --version | sed -n 's/.* v=\([0-9.]*\).*/\1/p')
[[ $redis_version == 7.0.* ]] || die "redis-server is $redis_version; this benchmark compares with 7.0"

say "building stasis-kv (release preset)"
build_preset release --target stasis-kv
stasis_bin=build/release/src/kv/stasis-kv

# ---- limits --------------------------------------------------------------------------------

# The benchmark's LPUSH grows the one list "mylist" by every request, rounded up to whole
# pipelines (redis-benchmark counts requests a pipeline at a time); LPOP empties it and the
# LPUSH before LRANGE_100 fills it again. Each key of the keyspace and each list element
# takes two 64-byte chunks here (key or element header plus 64 bytes of value); the budget
# holds the longest list and the whole keyspace with half as much again to spare.
requests_max=$((requests_p1 > requests_p16 ? requests_p1 : requests_p16))
list_length_max=$((requests_max + clients * 16))
chunk_size=64
budget_bytes=$(((2 * list_length_max + 2 * keyspace) * chunk_size * 3 / 2))
budget_bytes=$(((budget_bytes + 1048575) / 1048576 * 1048576))
stasis_flags=(--seal=strict --capacity-policy shared --chunk-size "$chunk_size"
  --data-budget-bytes "$budget_bytes" --keys-max 131072 --list-length-max "$list_length_max"
  --value-size-max 65536)

# ---- servers -------------------------------------------------------------------------------

work=$(mktemp -d)
stasis_pid=""
redis_pid=""
cleanup() {
  [ -z "$stasis_pid" ] || kill -KILL "$stasis_pid" 2>/dev/null || true
  [ -z "$redis_pid" ] || kill -KILL "$redis_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT


if ! stasis_start "$work/stasis.out" "$stasis_bin" "${stasis_flags[@]}"; then
  kill -KILL "$server_pid" 2>/dev/null
  die "stasis-kv did not start"
fi
stasis_pid=$server_pid
stasis_port=$port

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
redis_port=""
for _ in $(seq 20); do
  port=$((20000 + RANDOM % 40000))
  port_is_free "$port" || continue
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    --logfile "$work/redis.log" &
  redis_pid=$!
  for _ in $(seq 50); do
    redis-cli -p "$port" PING 2>/dev/null | grep -q PONG && { redis_port=$port; break; }
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$redis_port" ] && break
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
done
[ -n "$redis_port" ] || die "redis-server did not start on a free port (log: $work/redis.log)"

stasis_rss_start=$(status_kb "$stasis_pid" VmRSS)
say "stasis-kv $(sed -n 's/^stasis-kv: \(reservation [0-9]* bytes ([0-9]* MiB)\).*/\1/p' "$work/stasis.out"), port $stasis_port, pid $stasis_pid: ${stasis_flags[*]}"
say "redis-server $redis_version, port $redis_port, pid $redis_pid: --save '' --appendonly no"
say "rounds $rounds; requests per test: $requests_p1 at -P 1, $requests_p16 at -P 16"

# ---- one run -------------------------------------------------------------------------------

# The whole keyspace, in the benchmark's own key format, as RESP.
awk -v n="$keyspace" -v d="$value_size" 'BEGIN {
  for (i = 0; i < n; i++)
    printf "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$%d\r\n%0" d "d\r\n", i, d, i
}' >"$work/keyspace.resp"

port_of() { if [ "$1" = stasis ]; then echo "$stasis_port"; else echo "$redis_port"; fi; }
info_field() { redis-cli -p "$1" INFO | tr -d '\r' | sed -n "s/^$2:\(.*\)/\1/p" | head -1; }
# Error replies the server has sent so far: redis-server counts them all; stasis counts
# its limit, memory and protocol rejections.
errors_counted() {
  local port
  port=$(port_of "$1")
  if [ "$1" = redis ]; then
    info_field "$port" total_error_replies
  else
    echo $(($(info_field "$port" oom_rejections) + $(info_field "$port" limit_rejections)
      + $(info_field "$port" protocol_errors)))
  fi
}

problems=0
problem() { say "PROBLEM: $*"; problems=$((problems + 1)); }

# run SERVER ROUND PIPELINE: flush, load the keyspace, benchmark; CSV into $work.
run() {
  local server=$1 round=$2 pipeline=$3 port n out errors_before errors_after
  port=$(port_of "$server")
  n=$requests_p1
  [ "$pipeline" -eq 1 ] || n=$requests_p16
  out="$work/$server.P$pipeline.r$round"
  redis-cli -p "$port" FLUSHALL >/dev/null
  redis-cli -p "$port" --pipe <"$work/keyspace.resp" >"$out.fill" 2>&1
  grep -qx "errors: 0, replies: $keyspace" "$out.fill" \
    || problem "$server round $round -P $pipeline: loading the keyspace: $(tail -1 "$out.fill")"
  errors_before=$(errors_counted "$server")
  redis-benchmark -h 127.0.0.1 -p "$port" -t "$tests" -c "$clients" -r "$keyspace" \
    -d "$value_size" -n "$n" -P "$pipeline" --csv >"$out.csv" 2>"$out.err" \
    || problem "$server round $round -P $pipeline: redis-benchmark exit status $?"
  errors_after=$(errors_counted "$server")
  # Anything but the CSV header and rows is an error message.
  if [ -s "$out.err" ] || grep -qv '^"' "$out.csv"; then
    problem "$server round $round -P $pipeline: redis-benchmark printed: $(grep -v '^"' "$out.csv" | cat - "$out.err" | head -3)"
  fi
  [ "$errors_after" = "$errors_before" ] \
    || problem "$server round $round -P $pipeline: $((errors_after - errors_before)) error replies counted"
  [ "$(grep -c '^"' "$out.csv")" -eq 7 ] \
    || problem "$server round $round -P $pipeline: $(grep -c '^"' "$out.csv") CSV lines, want 7"
  redis-cli -p "$port" DBSIZE >"$out.dbsize"
  redis-cli -p "$port" LLEN mylist >"$out.llen"
}

# check_round ROUND: the two servers ended every run of the round in the same state.
check_round() {
  local round=$1 pipeline n want_llen s r
  for pipeline in "${pipelines[@]}"; do
    n=$requests_p1
    [ "$pipeline" -eq 1 ] || n=$requests_p16
    want_llen=$(((n + pipeline - 1) / pipeline * pipeline))
    for what in dbsize llen; do
      s=$(cat "$work/stasis.P$pipeline.r$round.$what")
      r=$(cat "$work/redis.P$pipeline.r$round.$what")
      [ "$s" = "$r" ] || problem "round $round -P $pipeline: ${what^^} stasis $s, redis $r"
    done
    [ "$(cat "$work/stasis.P$pipeline.r$round.dbsize")" = $((keyspace + 1)) ] \
      || problem "round $round -P $pipeline: DBSIZE $(cat "$work/stasis.P$pipeline.r$round.dbsize"), want $((keyspace + 1))"
    [ "$(cat "$work/stasis.P$pipeline.r$round.llen")" = "$want_llen" ] \
      || problem "round $round -P $pipeline: LLEN mylist $(cat "$work/stasis.P$pipeline.r$round.llen"), want $want_llen"
  done
}

started=$SECONDS
for round in $(seq 1 "$rounds"); do
  order=(stasis redis)
  [ $((round % 2)) -eq 1 ] || order=(redis stasis)
  for server in "${order[@]}"; do
    for pipeline in "${pipelines[@]}"; do
      run "$server" "$round" "$pipeline"
    done
  done
  check_round "$round"
  kill -0 "$stasis_pid" 2>/dev/null || { problem "stasis-kv died in round $round"; break; }
  say "round $round/$rounds done (${order[0]} first), $((SECONDS - started)) s"
done

# ---- results -------------------------------------------------------------------------------

stasis_rss_end=$(status_kb "$stasis_pid" VmRSS)
stasis_hwm=$(status_kb "$stasis_pid" VmHWM)
redis_hwm=$(status_kb "$redis_pid" VmHWM)
stasis_allocations=$(info_field "$stasis_port" allocation_calls_after_seal)
[ "$stasis_allocations" = 0 ] || problem "stasis-kv: allocation_calls_after_seal $stasis_allocations"

# median SERVER PIPELINE TEST COLUMN: over the rounds (column 2 rps, 5 p50, 7 p99).
median() {
  cat "$work/$1.P$2".r*.csv | awk -F, -v t="$3" -v c="$4" '
    { gsub(/"/, "") } $1 == t { print $c }' | sort -g | awk '
    { v[NR] = $1 }
    END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2];
          else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A result
row_tests=("SET" "GET" "LPUSH" "LPOP" "LPUSH (needed to benchmark LRANGE)" "LRANGE_100 (first 100 elements)")
short_name() { case $1 in "LPUSH (needed"*) echo "LPUSH(lr)" ;; LRANGE_100*) echo "LRANGE_100" ;; *) echo "$1" ;; esac; }

say ""
say "median of $rounds rounds; ops/s and latency (ms) from redis-benchmark -c $clients -r $keyspace -d $value_size --csv"
printf '%-11s %2s %12s %12s %6s %15s %15s\n' test P "stasis ops/s" "redis ops/s" ratio "stasis p50/p99" "redis p50/p99"
for pipeline in "${pipelines[@]}"; do
  for t in "${row_tests[@]}"; do
    s_rps=$(median stasis "$pipeline" "$t" 2)
    r_rps=$(median redis "$pipeline" "$t" 2)
    s_p50=$(median stasis "$pipeline" "$t" 5)
    s_p99=$(median stasis "$pipeline" "$t" 7)
    r_p50=$(median redis "$pipeline" "$t" 5)
    r_p99=$(median redis "$pipeline" "$t" 7)
    if [ "$problems" -eq 0 ]; then
      ratio=$(awk -v s="$s_rps" -v r="$r_rps" 'BEGIN { printf "%.2fx", s / r }')
    else
      ratio="--"
    fi
    name=$(short_name "$t")
    result[$name.$pipeline]="$s_rps $r_rps $s_p99 $r_p99"
    printf '%-11s %2d %12.0f %12.0f %6s %15s %15s\n' "$name" "$pipeline" "$s_rps" "$r_rps" "$ratio" \
      "$s_p50/$s_p99" "$r_p50/$r_p99"
  done
done
say ""
printf 'peak RSS (VmHWM): stasis %d kB, redis %d kB\n' "$stasis_hwm" "$redis_hwm"
printf 'stasis RSS: %d kB at start, %d kB at the end\n' "$stasis_rss_start" "$stasis_rss_end"
say "stasis allocation calls after the seal: $stasis_allocations"

# SIGTERM both: stasis must exit 0 (its clean shutdown), redis-server as it likes.
stop_servers() {
  local status=0
  kill -TERM "$stasis_pid"
  wait "$stasis_pid" || status=$?
  stasis_pid=""
  [ "$status" -eq 0 ] || problem "stasis-kv exited with status $status on SIGTERM"
  kill -TERM "$redis_pid"
  wait "$redis_pid" || true
  redis_pid=""
}
stop_servers

if [ "$problems" -ne 0 ]; then
  say ""
  say "REFUSED: $problems problem(s) above (errors or different end states); no ratios, no goals"
  exit 1
fi

say ""
say "goals (issue 6):"
goal() { # goal TEXT CONDITION-AWK-EXPRESSION
  if awk "BEGIN { exit !($2) }"; then say "  met      $1"; else say "  NOT met  $1"; fi
}
for pipeline in "${pipelines[@]}"; do
  want=1.0
  [ "$pipeline" -eq 1 ] || want=1.2
  for name in SET GET; do
    read -r s_rps r_rps s_p99 r_p99 <<<"${result[$name.$pipeline]}"
    goal "$name -P $pipeline ops/s >= ${want}x redis: $(awk -v s="$s_rps" -v r="$r_rps" 'BEGIN { printf "%.2fx (%.0f vs %.0f)", s / r, s, r }')" \
      "$s_rps >= $want * $r_rps"
    goal "$name -P $pipeline p99 no worse: stasis $s_p99 ms, redis $r_p99 ms" "$s_p99 <= $r_p99"
  done
done
goal "stasis RSS flat: $stasis_rss_start kB at start, $stasis_rss_end kB at the end" \
  "$stasis_rss_end <= $stasis_rss_start * 1.01"

