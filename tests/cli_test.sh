#!/usr/bin/env bash
# cli_test.sh STASIS_KV: the command line of stasis-kv: --help, --print-reservation (with
# the seed design's comparison for its default limits), and exact messages with exit
# status 2 for every kind of bad flag.
set -u
bin=$1
failures=0

expect() { # expect NAME STATUS TEXT COMMAND...: exit status and a line of output
  local name=$1 status=$2 text=$3
  shift 3
  local out got
  out=$("$@" 2>&1)
  got=$?
  if [ "$got" -ne "$status" ] || ! grep -qF -- "$text" <<<"$out"; then
    printf 'FAIL %s: status %d (want %d), output:\n%s\n(wanted a line containing: %s)\n' \
      "$name" "$got" "$status" "$out" "$text"
    failures=$((failures + 1))
  else
    printf 'ok   %s\n' "$name"
  fi
}

expect help 0 "--keys-max" "$bin" --help
expect help-derived 0 "default: list_length_max + 2, at most 1024 and at least 3" "$bin" --help
seed=(--connections-max 1000 --keys-max 1000 --key-size-max 1024 --value-size-max 4096
      --list-length-max 50 --capacity-policy guaranteed)
expect reservation-seed-total 0 "total                                                               617378000" \
  "$bin" --print-reservation "${seed[@]}"
# The goal: at most 40 % of what the seed design reserves for its own default limits.
ratio=$("$bin" --print-reservation "${seed[@]}" | sed -n 's/^stasis \/ seed: \([0-9.]*\) %.*/\1/p')
if [ -n "$ratio" ] && awk -v r="$ratio" 'BEGIN { exit !(r <= 40.0) }'; then
  printf 'ok   reservation-ratio (%s %% <= 40 %%)\n' "$ratio"
else
  printf 'FAIL reservation-ratio: %s\n' "${ratio:-no ratio line}"
  failures=$((failures + 1))
fi
expect bad-number 2 "stasis-kv: --keys-max: expected an integer from 1 to 4294967294, got 'many'" \
  "$bin" --keys-max many
expect unknown-flag 2 "stasis-kv: --frobnicate: unknown option" "$bin" --frobnicate 1
expect missing-value 2 "stasis-kv: --port: needs a value" "$bin" --port
expect bad-enum 2 "stasis-kv: --seal: expected one of count, strict, got 'tight'" "$bin" --seal tight
expect bad-relation 2 "stasis-kv: --bulk-size-max: 100 is less than key_size_max (512) or value_size_max (65536)" \
  "$bin" --bulk-size-max 100
expect impossible 2 "the guaranteed policy asks for" "$bin" --print-reservation --capacity-policy guaranteed

[ "$failures" -eq 0 ] || exit 1
