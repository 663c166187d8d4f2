#!/usr/bin/env bash
# run_diff.sh: starts a fresh redis-server 7.0 and a stasis-kv on free loopback ports and
# runs diff_redis against them (ci/diff-redis and CTest call this; see the README section
# "ci/diff-redis"). Three parts, each selectable:
#   generate     seeded sequences (--seed, --commands, --seconds, --keep-going)
#   regressions  every corpus/regressions/diff/*.txt
#   kv-ops       every corpus/kv_ops/ input and kv_ops regression, decoded by
#                `replay_kv_ops --describe --quiet`, each against a stasis-kv started with
#                that input's own (small) limits, and the shared redis-server
#
#   run_diff.sh --stasis BIN --diff BIN [--replay-kv-ops BIN] [--parts generate,regressions,kv-ops]
#               [--seed N] [--commands N] [--seconds S] [--keep-going] [--exclude A,B] [--only A,B]
#               [--save-dir DIR] [--kv-ops-input PATH]...   (kv-ops: only these inputs)
#
# Exits 77 when redis-server is not installed (CTest: skipped), 1 on a divergence, 2 when
# something could not run.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
stasis_bin="" diff_bin="" kv_bin="" parts="generate,regressions,kv-ops"
gen_args=()
kv_inputs=()
save_dir=""
while [ $# -gt 0 ]; do
  case $1 in
    --stasis) stasis_bin=$2; shift 2 ;;
    --diff) diff_bin=$2; shift 2 ;;
    --replay-kv-ops) kv_bin=$2; shift 2 ;;
    --parts) parts=$2; shift 2 ;;
    --seed|--commands|--seconds|--exclude|--only) gen_args+=("$1" "$2"); shift 2 ;;
    --keep-going) gen_args+=("$1"); shift ;;
    --save-dir) save_dir=$2; shift 2 ;;
    --kv-ops-input) kv_inputs+=("$2"); shift 2 ;;
    *) echo "run_diff.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -x "$stasis_bin" ] && [ -x "$diff_bin" ] || { echo "run_diff.sh: need --stasis BIN and --diff BIN" >&2; exit 2; }
command -v redis-server >/dev/null || { echo "skip: redis-server not installed"; exit 77; }
command -v redis-cli >/dev/null || { echo "skip: redis-cli not installed"; exit 77; }

source "$root/tests/server_lib.sh"
intended="$root/tools/diff_redis/intended_differences.txt"
work=$(mktemp -d)
redis_pid="" server_pid=""
cleanup() {
  [ -z "$redis_pid" ] || kill "$redis_pid" 2>/dev/null
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# stasis's wide limits, mirrored in redis-server where Redis has the same parameter, so
# CONFIG GET and the limits' errors agree: values up to proto-max-bulk-len (1 MiB, Redis's
# least), the shared budget as maxmemory, connections_max as maxclients, one database;
# hz 100: Redis ends a blocked client's wait in its cron, so a 0.01 s timeout would
# otherwise take up to 0.1 s. Transactions: each connection reserves transaction_bytes_max,
# so 64 connections (the tester uses three) with 512 KiB each, wider than any MULTI the
# generator makes (at most four commands, values up to 72 KiB).
budget=67108864
bulk=1048576
clients=64
stasis_wide=(--value-size-max "$bulk" --keys-max 65536 --list-length-max 65536
             --data-budget-bytes "$budget" --connections-max "$clients"
             --transaction-bytes-max 512k)

free_port() { # a loopback port nobody listens on
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
  done
}

start_redis() {
  local attempt
  for attempt in 1 2 3 4 5; do
    redis_port=$(free_port)
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
      --databases 1 --maxmemory "$budget" --maxclients "$clients" --proto-max-bulk-len "$bulk" \
      --hz 100 \
      --dir "$work" --logfile "$work/redis.log" --daemonize no &
    redis_pid=$!
    for _ in $(seq 50); do
      redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && return 0
      kill -0 "$redis_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; redis_pid=""
  done
  echo "run_diff.sh: redis-server did not start; its log:" >&2
  cat "$work/redis.log" >&2
  return 1
}

stop_stasis() {
  [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }
  server_pid=""
}

diff_args() { # the ports and files every mode takes
  printf '%s\n' --redis-port "$redis_port" --stasis-port "$port" --intended "$intended"
  [ -z "$save_dir" ] || printf '%s\n' --save-dir "$save_dir"
}

status=0
instances=0
note() { # the worst outcome so far: 2 (could not run) over 1 (divergence) over 0
  case $1 in 0) ;; 1) [ "$status" -eq 2 ] || status=1 ;; *) status=2 ;; esac
}
[ -z "$save_dir" ] || mkdir -p "$save_dir"
start_redis || exit 2
echo "redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on port $redis_port"

if [[ $parts == *generate* || $parts == *regressions* ]]; then
  : >"$work/stasis.out" # exists before stasis_start first reads it
  stasis_start "$work/stasis.out" "$stasis_bin" "${stasis_wide[@]}" || exit 2
  echo "stasis-kv on port $port (${stasis_wide[*]})"
  mapfile -t common < <(diff_args)
  if [[ $parts == *generate* ]]; then
    echo "== generated sequences"
    "$diff_bin" "${common[@]}" --generate --known "$root/corpus/regressions/diff" "${gen_args[@]}"
    note $?
  fi
  if [[ $parts == *regressions* ]]; then
    echo "== corpus/regressions/diff"
    shopt -s nullglob
    files=("$root"/corpus/regressions/diff/*.txt)
    if [ ${#files[@]} -eq 0 ]; then
      echo "no regression files"
    else
      "$diff_bin" "${common[@]}" --replay "${files[@]}"
      note $?
    fi
    # The subcommand-order rule's canary: without the intended differences, COMMAND INFO
    # CONFIG must still diverge (stasis's CONFIG has no REWRITE): the rule sorts Redis's
    # subcommands, it does not hide one missing.
    printf '# canary\n"command" "info" "config"\n' >"$work/canary-subcommands.txt"
    : >"$work/no-intended.txt"
    "$diff_bin" --redis-port "$redis_port" --stasis-port "$port" --intended "$work/no-intended.txt" \
      --replay "$work/canary-subcommands.txt" >"$work/canary.out" 2>&1
    case $? in
      1) echo "ok   canary: COMMAND INFO CONFIG diverges without its intended difference" ;;
      0) echo "FAIL the subcommand-order rule hid CONFIG's missing REWRITE"; note 1 ;;
      *) echo "FAIL the subcommand-order canary could not run: $(tail -n 3 "$work/canary.out")"; note 2 ;;
    esac
  fi
  stop_stasis
fi

# kv_ops's limits that its description does not print (fuzz_kv_ops.c: decode_header and
# TXN_COMMANDS_MAX, TXN_BYTES_MAX, TXN_WATCHED_MAX), and the protocol limits its
# protocol-limit operations are replayed at: Redis's where Redis has them (proto-max-bulk-len
# 1 MiB, its least; a fixed 64 KiB inline limit), and 48 arguments (Redis has no such limit;
# kv_ops's lists at reply_size_max take up to 34). A request of a 1 MiB bulk must fit
# request_size_max; reply_size_max comes from each input's header.
kv_ops_fixed=(--transaction-commands-max 4 --transaction-bytes-max 160 --watched-keys-max 1
              --bulk-size-max "$bulk" --inline-size-max 64k --command-args-max 48
              --request-size-max 2m)

# One kv_ops input: its configuration line gives stasis's limits for it.
kv_ops_one() {
  local input=$1 text="$work/kv_ops.txt" config
  "$kv_bin" --describe --quiet "$input" >"$text" 2>"$work/describe.err" || {
    echo "FAIL $input: replay_kv_ops --describe refused it: $(cat "$work/describe.err")"; return 2; }
  config=$(grep -m1 -o 'policy=[a-z]* keys_max=[0-9]* key_size_max=[0-9]* value_size_max=[0-9]* list_length_max=[0-9]* chunks=[0-9]* (of [0-9]* bytes)' "$text")
  [ -n "$config" ] || { echo "FAIL $input: no configuration line in its description"; return 2; }
  local policy keys key value list chunks chunk
  read -r policy keys key value list chunks chunk < <(sed 's/[a-z_]*=//g; s/(of //; s/ bytes)//' <<<"$config")
  local flags=(--capacity-policy "$policy" --keys-max "$keys" --key-size-max "$key"
               --value-size-max "$value" --list-length-max "$list" --chunk-size "$chunk"
               "${kv_ops_fixed[@]}")
  [ "$policy" = shared ] && flags+=(--data-budget-bytes $((chunks * chunk)))
  # The header's second line: reply_size_max and client_name_size_max as the input drew them.
  local reply name lcs
  reply=$(grep -m1 -o '^reply_size_max=[0-9]*' "$text" | cut -d= -f2)
  name=$(grep -m1 -o 'client_name_size_max=[0-9]*' "$text" | cut -d= -f2)
  [ -z "$reply" ] || flags+=(--reply-size-max "$reply")
  [ -z "$name" ] || flags+=(--client-name-size-max "$name")
  # An input that draws LCS runs with LCS's limits (its last line); bulk_size_max stays 1 MiB.
  lcs=$(grep -m1 -o 'lcs_cells_max=[0-9]*' "$text" | cut -d= -f2)
  [ -z "$lcs" ] || flags+=(--lcs-cells-max "$lcs")
  # A password: stasis starts with it, diff_redis gives it to Redis for this input.
  local pass password=()
  pass=$(grep -m1 -o 'requirepass=[^ ]*' "$text" | cut -d= -f2)
  [ -z "$pass" ] || [ "$pass" = none ] || { flags+=(--requirepass "$pass"); password=(--password "$pass"); }
  stasis_out="$work/stasis.$((++instances)).out" # one file each: an old instance may still write
  : >"$stasis_out" # exists before stasis_start first reads it
  stasis_start "$stasis_out" "$stasis_bin" "${flags[@]}" || return 2
  mapfile -t common < <(diff_args)
  echo "-- $(basename "$input"): $config"
  "$diff_bin" "${common[@]}" --known "$root/corpus/regressions/diff" "${password[@]}" \
    --kv-ops "$text" 2>&1 |
    sed 's/^/   /'
  local st=${PIPESTATUS[0]}
  if [ "$st" -eq 2 ]; then
    echo "   stasis-kv's output (alive: $(kill -0 "$server_pid" 2>/dev/null && echo yes || echo no)):"
    tail -n 20 "$stasis_out" | sed 's/^/   | /'
  fi
  stop_stasis
  return "$st"
}

if [[ $parts == *kv-ops* ]]; then
  [ -x "$kv_bin" ] || { echo "run_diff.sh: kv-ops needs --replay-kv-ops BIN" >&2; exit 2; }
  echo "== corpus/kv_ops and corpus/regressions/kv_ops, decoded"
  shopt -s nullglob
  [ ${#kv_inputs[@]} -gt 0 ] || kv_inputs=("$root"/corpus/kv_ops/* "$root"/corpus/regressions/kv_ops/*)
  for input in "${kv_inputs[@]}"; do
    [[ $input == *.txt ]] && continue
    kv_ops_one "$input"
    note $?
  done
fi
exit $status
