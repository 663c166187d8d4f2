# The fuzzing half of ci/nightly (sourced after ci/lib.sh and ci/lib_triage.sh): time
# shares, the per-target libFuzzer-then-AFL++ pipeline, and the working corpus's merge.
# Triage, coverage, plots and the report are in ci/lib_nightly_report.sh.
source "$STASIS_ROOT/ci/lib_nightly_report.sh"

# Shortest run an engine is given, whatever the weights say (start-up and calibration).
NIGHTLY_ENGINE_SECONDS_MIN=5
# libFuzzer is restarted after a crash (a crash ends its run) at most this many times.
NIGHTLY_LIBFUZZER_RESTARTS_MAX=20

# A target's weight from ci/nightly.weights ("<target> <weight>" lines); 1 when unlisted.
weight_of() {
  awk -v t="$1" '$1 == t { w = $2 } END { print (w == "" ? 1 : w) }' \
    <(grep -Ev '^[[:space:]]*(#|$)' ci/nightly.weights)
}

# The libFuzzer binary fuzzing a target in this run (the canary's build with --canary).
libfuzzer_binary() {
  if [ -n "$canary" ]; then printf 'build/libfuzzer/fuzz/fuzz_%s_canary_%s\n' "$1" "$canary"
  else printf 'build/libfuzzer/fuzz/fuzz_%s\n' "$1"; fi
}

# The working corpus this run fuzzes: the shared one, or a throwaway one for a canary run
# (a planted bug must not leave its inputs in the real working corpus).
nightly_corpus() {
  if [ -n "$canary" ]; then
    local dir=$run_dir/canary-corpus/$1
    mkdir -p "$dir"
    printf '%s\n' "$dir"
  else
    working_corpus "$1"
  fi
}

# Copies stdin to stdout and, for each libFuzzer status line, "<epoch seconds> <edges>" to $1.
stamp_status_lines() {
  local line
  while IFS= read -r line; do
    printf '%s\n' "$line"
    if [[ $line =~ ^#[0-9]+.*\ cov:\ ([0-9]+) ]]; then
      printf '%s %s\n' "$EPOCHREALTIME" "${BASH_REMATCH[1]}" >>"$1"
    fi
  done
}

# Moves inputs of the working corpus equal to a crash file out of it, so that a restarted
# libFuzzer does not stop on the same input at once.
quarantine_crash() {
  local crash=$1 work=$2 quarantine=$3 sum f
  sum=$(sha1sum <"$crash" | cut -c1-40)
  mkdir -p "$quarantine"
  for f in "$work"/*; do
    [ -f "$f" ] && [ "$(sha1sum <"$f" | cut -c1-40)" = "$sum" ] && mv "$f" "$quarantine/"
  done
  return 0
}

# libFuzzer on one target for $2 seconds in total, restarted after each crash.
libfuzzer_phase() {
  local t=$1 seconds=$2 dir=$3 work=$4
  local binary attempt=0 t0 left crashes_before newest
  binary=$(libfuzzer_binary "$t")
  mkdir -p "$dir/lf/crashes"
  mapfile -t flags < <(libfuzzer_flags "$t")
  t0=$SECONDS
  printf '%s\n' "$EPOCHREALTIME" >"$dir/lf/start"
  while :; do
    left=$((seconds - (SECONDS - t0)))
    [ "$left" -ge 1 ] || break
    attempt=$((attempt + 1))
    crashes_before=$(count_files "$dir/lf/crashes")
    # A crash ends libFuzzer with a non-zero status: the crash files tell what happened.
    "$binary" -max_total_time="$left" -print_final_stats=1 -artifact_prefix="$dir/lf/crashes/" \
      "${flags[@]}" "$work" 2>&1 | stamp_status_lines "$dir/lf/plot.raw" >"$dir/lf/log.$attempt" || true
    [ "$(count_files "$dir/lf/crashes")" -gt "$crashes_before" ] || break
    [ "$attempt" -le "$NIGHTLY_LIBFUZZER_RESTARTS_MAX" ] || break
    newest=$(ls -t "$dir/lf/crashes" | head -n 1)
    quarantine_crash "$dir/lf/crashes/$newest" "$work" "$dir/quarantine"
  done
  echo $((SECONDS - t0)) >"$dir/lf/seconds"
  cat "$dir"/lf/log.* 2>/dev/null | awk '/stat::number_of_executed_units/ { n += $2 } END { print n + 0 }' \
    >"$dir/lf/runs"
}

# AFL++ on one target for $2 seconds: one -S instance, CMPLOG compiled into the binary (-c 0),
# starting from the working corpus; its queue is merged back into the working corpus.
afl_phase() {
  local t=$1 seconds=$2 dir=$3 work=$4
  local timeout_ms max_len dict=()
  timeout_ms=$(( $(target_option "$t" timeout 10) * 1000 ))
  max_len=$(target_option "$t" max_len 4096)
  [ -f "corpus/$t.dict" ] && dict=(-x "corpus/$t.dict")
  mkdir -p "$dir/afl"
  local t0=$SECONDS
  # In a session of its own, killed whole afterwards: the 1-hour run left its forkservers
  # (stopped, parent 1) behind, one per target, each holding what its parent held open.
  AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
  AFL_SKIP_CRASHES=1 AFL_FAST_CAL=1 AFL_CMPLOG_ONLY_NEW=1 AFL_SHUFFLE_QUEUE=0 \
    setsid afl-fuzz -S s1 -c 0 -V "$seconds" -t "$timeout_ms" -m none -G "$max_len" "${dict[@]}" \
      -i "$work" -o "$dir/afl/out" -- "build/afl/fuzz/fuzz_$t" >"$dir/afl/log" 2>&1 </dev/null &
  local session=$!
  echo "$session" >"$dir/afl/session" # for nightly_interrupted
  wait "$session" || true
  kill -KILL -- "-$session" 2>/dev/null || true
  rm -f "$dir/afl/session"
  echo $((SECONDS - t0)) >"$dir/afl/seconds"
  if [ -d "$dir/afl/out/s1/queue" ]; then
    libfuzzer_merge "$t" "$work" "$dir/afl/merge.log" "$dir/afl/out/s1/queue" \
      || say "  $t: merging AFL++'s queue failed (see $dir/afl/merge.log)"
  else
    say "  $t: AFL++ did not run (see $dir/afl/log)"
  fi
}

# The replay binary of the build this run fuzzes (the canary's with --canary).
replay_binary() {
  if [ -n "$canary" ]; then printf 'build/libfuzzer/fuzz/replay_%s_canary_%s\n' "$1" "$canary"
  else printf 'build/libfuzzer/fuzz/replay_%s\n' "$1"; fi
}

# Moves the inputs of folder $3 that target $1 refuses (another format version, an
# unassigned choice id) into $2/refused/ and appends their count to $2/corpus.refused.
# libFuzzer never keeps such an input (-1), but AFL++ only sees a run that found nothing
# new and may keep it in its queue, and libFuzzer's -merge=1 takes whatever adds features.
drop_refused() {
  local t=$1 dir=$2 folder=$3 listed=$2/refused.list f n=0
  mkdir -p "$dir/refused"
  "$(replay_binary "$t")" --quiet --list-refused "$folder" >"$listed" 2>"$dir/refused.log"     || say "  $t: an input of $folder failed while looking for refused ones (see $dir/refused.log)"
  while IFS= read -r f; do
    [ -f "$f" ] && mv "$f" "$dir/refused/" && n=$((n + 1))
  done <"$listed"
  echo $(( $(cat "$dir/corpus.refused" 2>/dev/null || echo 0) + n )) >"$dir/corpus.refused"
  [ "$n" -eq 0 ] || say "  $t: dropped $n refused input(s) from $folder (kept in $dir/refused/)"
}

# Replaces the working corpus by its minimal subset with the same features.
minimize_working_corpus() {
  local t=$1 dir=$2 work=$3
  rm -rf "$work.min"
  mkdir -p "$work.min"
  if libfuzzer_merge "$t" "$work.min" "$dir/minimize.log" "$work"; then
    rm -rf "$work.old"
    mv "$work" "$work.old" && mv "$work.min" "$work" && rm -rf "$work.old"
  else
    rm -rf "$work.min"
    say "  $t: minimising the working corpus failed (see $dir/minimize.log)"
  fi
}

# One target's whole run: libFuzzer, then AFL++ (not for a canary), then the corpus merge.
target_pipeline() {
  local t=$1 seconds=$2 dir=$run_dir/targets/$1 work
  mkdir -p "$dir"
  work=$(nightly_corpus "$t")
  # Seeds committed since the last run join the working corpus.
  [ -d "corpus/$t" ] && find "corpus/$t" -maxdepth 1 -type f -exec cp -n -t "$work" {} +
  local lf_seconds=$seconds afl_seconds=0
  if [ -z "$canary" ]; then
    lf_seconds=$(( seconds / 2 ))
    afl_seconds=$(( seconds - lf_seconds ))
  fi
  echo "$(count_files "$work")" >"$dir/corpus.start"
  libfuzzer_phase "$t" "$lf_seconds" "$dir" "$work"
  [ "$afl_seconds" -gt 0 ] && afl_phase "$t" "$afl_seconds" "$dir" "$work"
  echo "$(count_files "$work")" >"$dir/corpus.merged"
  drop_refused "$t" "$dir" "$work"
  minimize_working_corpus "$t" "$dir" "$work"
  echo "$(count_files "$work")" >"$dir/corpus.minimized"
  say "  done $t: $(target_summary_line "$t")"
}

# Seconds each target gets: its share of hours*3600*jobs process-seconds by weight.
target_seconds() {
  local t=$1 total_weight=$2 w
  w=$(weight_of "$t")
  awk -v h="$hours" -v j="$jobs" -v w="$w" -v tw="$total_weight" -v m="$NIGHTLY_ENGINE_SECONDS_MIN" \
      -v engines="$([ -n "$canary" ] && echo 1 || echo 2)" \
    'BEGIN { s = int(h * 3600 * j * w / tw); if (s < m * engines) s = m * engines; print s }'
}

# On INT or TERM: AFL++ sessions (setsid: no longer this script's process group, and their
# forkservers outlive their parent) are killed whole, then every other process the run
# started; the run folder keeps what finished. Exit status 130.
nightly_interrupted() {
  trap - INT TERM
  say "ci/nightly: interrupted; stopping every fuzzer this run started"
  local f
  for f in "$run_dir"/targets/*/afl/session; do
    [ -f "$f" ] && { kill -KILL -- "-$(cat "$f")" 2>/dev/null || true; }
  done
  stop_descendants
  for f in "$run_dir"/targets/*/afl/session; do
    [ -f "$f" ] && { kill -KILL -- "-$(cat "$f")" 2>/dev/null || true; }
  done
  say "ci/nightly: stopped; what finished is in $run_dir"
  exit 130
}

# Runs every target's pipeline, at most $jobs at once, heaviest first.
fuzz_all() {
  local total_weight=0 t
  for t in "${targets[@]}"; do total_weight=$((total_weight + $(weight_of "$t"))); done
  mapfile -t order < <(for t in "${targets[@]}"; do echo "$(weight_of "$t") $t"; done \
                       | sort -k1,1nr -k2 | awk '{print $2}')
  local secs
  for t in "${order[@]}"; do
    secs=$(target_seconds "$t" "$total_weight")
    say "  start $t: ${secs}s (weight $(weight_of "$t") of $total_weight)"
    mkdir -p "$run_dir/targets/$t"
    target_pipeline "$t" "$secs" >"$run_dir/targets/$t/pipeline.log" 2>&1 &
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
      wait -n || true
      print_finished
    done
  done
  wait
  print_finished
}

# Prints each target's "done" line once, as pipelines finish.
print_finished() {
  local f
  for f in "$run_dir"/targets/*/pipeline.log; do
    [ -f "$f.shown" ] && continue
    grep -q '^  done ' "$f" || continue
    grep -E '^  (done|[a-z_]+: )' "$f" || true
    touch "$f.shown"
  done
}
