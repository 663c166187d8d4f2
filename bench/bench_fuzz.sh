#!/usr/bin/env bash
# bench/bench_fuzz.sh, run by `ci/bench fuzz`: how fast each fuzz target runs and how much
# it reaches in a fixed time, one target at a time (alone, so the figures are comparable).
#
#   ci/bench fuzz [--seconds N] [TARGET...]
#     --seconds N   how long each target runs (default 20)
# Every target starts from a scratch copy of its seed corpus (corpus/<target>/), so the
# committed corpus is never changed; its libFuzzer flags are the ones ci/fuzz uses. The
# table: target, exec/s (libFuzzer's average over the run), edges (cov), features (ft),
# runs, runs per CPU-second (user + system, from /usr/bin/time: on a machine others share,
# exec/s falls with their load and this does not, much), and late/s, the rate over the
# run's second half (each of libFuzzer's status lines is stamped with the time it was read):
# while the corpus grows at the start, libFuzzer's bookkeeping of rare features costs more
# per run than later, so late/s is nearer what a long (nightly) run does. kv_ops also
# reports the inputs its decoder refused (an unassigned id: nothing runs), and useful/s,
# the exec/s of the rest. Everything it writes goes under build/bench-fuzz/.
set -euo pipefail
source "$(dirname "$0")/../ci/lib.sh"

seconds=20
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) die "unknown option: $1" ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || die "--seconds needs a positive integer"
known=$(all_targets)
[ ${#targets[@]} -gt 0 ] || mapfile -t targets <<<"$known"
for t in "${targets[@]}"; do
  grep -qx -- "$t" <<<"$known" || die "no such target: $t (have: $(echo $known))"
done

say "building the libfuzzer preset..."
build_preset libfuzzer
out=build/bench-fuzz
say "each target alone for ${seconds}s from a scratch copy of its seeds ($(nproc) cores;" \
  "figures move with whatever else runs on the machine)"
printf '%-18s %9s %8s %8s %11s %10s %9s %9s\n' target exec/s edges features runs runs/cpu-s late/s \
  useful/s
for t in "${targets[@]}"; do
  dir="$out/$t"
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/crashes"
  [ -d "corpus/$t" ] && cp -r "corpus/$t/." "$dir/corpus/"
  mapfile -t flags < <(libfuzzer_flags "$t")
  status=0
  : >"$dir/time"
  timer=() # GNU time, where installed (the `time` package), for the CPU seconds
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -f 'cpu-seconds %U %S' -o "$dir/time")
  # Each line stamped with the time it was read (bash's clock: no process per line).
  KV_OPS_REFUSALS=1 "${timer[@]}" build/libfuzzer/fuzz/fuzz_"$t" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$dir/crashes/" "${flags[@]}" "$dir/corpus" 2>&1 |
    while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$dir/log.stamped" ||
    status=${PIPESTATUS[0]}
  sed 's/^[^ ]* //' "$dir/log.stamped" >"$dir/log"
  # late/s: from the first status line ("#<runs> ...") read at or after half the run's time
  # to the last one
  late=$(awk '$2 ~ /^#[0-9]+$/ { n++; t[n] = $1; r[n] = substr($2, 2) + 0 }
    END {
      if (n < 2) { print "-"; exit }
      half = t[1] + (t[n] - t[1]) / 2
      for (i = 1; i < n && t[i] < half; i++) {}
      if (i < n && t[n] > t[i]) printf "%d", (r[n] - r[i]) / (t[n] - t[i]); else print "-"
    }' "$dir/log.stamped")
  rate=$(awk '/stat::average_exec_per_sec/{print $2}' "$dir/log")
  runs=$(awk '/stat::number_of_executed_units/{print $2}' "$dir/log")
  read -r cov ft <<<"$(grep -a -E '^#[0-9]+' "$dir/log" | tail -n 1 | awk '{
    cov="-"; ft="-";
    for (i = 2; i <= NF; i++) { if ($i == "cov:") cov=$(i+1); if ($i == "ft:") ft=$(i+1) }
    print cov, ft }')"
  per_cpu=$(awk -v runs="${runs:-0}" '/^cpu-seconds/ { cpu = $2 + $3 }
    END { if (cpu > 0 && runs > 0) printf "%d", runs / cpu; else print "-" }' "$dir/time")
  # "kv_ops: N inputs, M refused" (KV_OPS_REFUSALS): exec/s of the inputs that ran (the
  # driver drops an input of another format version before the target counts it)
  useful=$(awk -v rate="${rate:-0}" -v runs="${runs:-0}" '
    /^kv_ops: [0-9]+ inputs, [0-9]+ refused/ { n = $2; r = $4 }
    END { if (n > 0 && runs > 0) printf "%d", rate * (n - r) / runs; else print "-" }' "$dir/log")
  note=""
  [ "$status" -eq 0 ] || note="  (exit $status: see $dir/log)"
  printf '%-18s %9s %8s %8s %11s %10s %9s %9s%s\n' "$t" "${rate:--}" "${cov:--}" "${ft:--}" \
    "${runs:--}" "$per_cpu" "$late" "$useful" "$note"
done
