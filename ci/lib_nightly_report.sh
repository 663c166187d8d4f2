# The reporting half of ci/nightly (sourced by ci/lib_nightly.sh): per-target figures,
# failure triage into candidates, the coverage report, the plots, report.md, --promote.

# "seconds runs exec/s edges" of a target's libFuzzer phase (edges: the highest cov: seen).
lf_stats() {
  local dir=$run_dir/targets/$1/lf
  [ -f "$dir/seconds" ] || { echo "0 0 0 0"; return; }
  local edges
  edges=$(awk '{ if ($2 > m) m = $2 } END { print m + 0 }' "$dir/plot.raw" 2>/dev/null || echo 0)
  awk -v s="$(cat "$dir/seconds")" -v r="$(cat "$dir/runs")" -v e="$edges" \
    'BEGIN { printf "%d %d %d %d\n", s, r, (s > 0 ? r / s : 0), e }'
}

# "seconds execs exec/s edges" of a target's AFL++ phase, from its fuzzer_stats.
afl_stats() {
  local stats=$run_dir/targets/$1/afl/out/s1/fuzzer_stats
  [ -f "$stats" ] || { echo "0 0 0 0"; return; }
  awk -F ' *: *' '{ v[$1] = $2 }
    END { s = v["run_time"] + 0; x = v["execs_done"] + 0
          printf "%d %d %d %d\n", s, x, (s > 0 ? x / s : 0), v["edges_found"] + 0 }' "$stats"
}

target_summary_line() {
  local t=$1 dir=$run_dir/targets/$1
  read -r ls lr lx le <<<"$(lf_stats "$t")"
  read -r as ar ax ae <<<"$(afl_stats "$t")"
  printf 'libFuzzer %ss %s runs %s/s %s edges; AFL++ %ss %s execs %s/s %s edges; corpus %s -> %s -> %s\n' \
    "$ls" "$lr" "$lx" "$le" "$as" "$ar" "$ax" "$ae" "$(cat "$dir/corpus.start" 2>/dev/null)" \
    "$(cat "$dir/corpus.merged" 2>/dev/null)" "$(cat "$dir/corpus.minimized" 2>/dev/null)"
}

# Every failure input of a target: "<engine> <path>" lines.
failure_inputs() {
  local dir=$run_dir/targets/$1 f
  for f in "$dir"/lf/crashes/{crash,timeout,oom,leak}-*; do [ -f "$f" ] && echo "libfuzzer $f"; done
  for f in "$dir"/afl/out/s1/{crashes,hangs}/id:*; do [ -f "$f" ] && echo "afl $f"; done
  return 0
}

# Minimises one failure input into $4, keeping its signature; falls back to the original.
# Timeouts and OOMs are kept as they are (each try would cost the whole limit).
minimize_failure() {
  local t=$1 engine=$2 input=$3 out=$4 signature=$5 log=$6
  case $signature in *timeout*|*out-of-memory*|"not reproduced"*) cp "$input" "$out"; return ;; esac
  if [ "$engine" = afl ]; then
    afl-tmin -i "$input" -o "$out" -t "$(( $(target_option "$t" timeout 10) * 1000 ))" -m none \
      -- "build/afl/fuzz/fuzz_$t" >"$log" 2>&1 || true
  else
    "$(libfuzzer_binary "$t")" -minimize_crash=1 -max_total_time="$minimize_seconds" \
      -exact_artifact_path="$out" $(libfuzzer_flags "$t" | grep -v -- '^-dict=') "$input" \
      >"$log" 2>&1 || true
  fi
  if [ -s "$out" ]; then
    reproduce_once "$(libfuzzer_binary "$t")" "$t" "$out" "$log.check" || true
    [ "$(failure_signature "$log.check")" = "$signature" ] && return
  fi
  cp "$input" "$out"
}

# Writes one unique failure's candidate: the minimised input, the original, and a note.
write_candidate() {
  local t=$1 sig=$2 members=$3 status=$4
  local id name dest engine input log
  id=$(signature_id "$sig")
  read -r engine input log < <(awk -F '\t' -v s="$sig" '$1 == s { print $3, $2, $4 }' "$members" \
                                 | while read -r e i l; do echo "$(stat -c %s "$i") $e $i $l"; done \
                                 | sort -n | head -n 1 | cut -d' ' -f2-)
  case $sig in *timeout*) name=timeout-$id ;; *out-of-memory*) name=oom-$id ;;
               *leak*) name=leak-$id ;; *) name=crash-$id ;; esac
  dest=$run_dir/candidates/$t
  mkdir -p "$dest"
  cp "$input" "$dest/$name.orig"
  minimize_failure "$t" "$engine" "$input" "$dest/$name" "$sig" "$run_dir/triage/$t/$name.minimize.log"
  local count engines
  count=$(awk -F '\t' -v s="$sig" '$1 == s' "$members" | wc -l)
  engines=$(awk -F '\t' -v s="$sig" '$1 == s { print $3 }' "$members" | sort -u | paste -sd ' ' -)
  {
    printf 'target: %s\nsignature: %s\ndescription: %s\nstatus: %s\n' "$t" "$sig" \
      "$(failure_description "$log")" "$status"
    printf 'inputs: %s (engines: %s); candidate %s bytes, minimised from %s (%s bytes)\n' "$count" \
      "$engines" "$(stat -c %s "$dest/$name")" "$input" "$(stat -c %s "$input")"
    printf 'reproduce: ci/repro %s %s\n' "$t" "$dest/$name"
    printf 'operations:\n'
    "build/libfuzzer/fuzz/replay_$t" --describe "$dest/$name" 2>/dev/null | sed 1d | sed 's/^/  /'
    printf 'report:\n'
    failure_report_excerpt "$log" | sed 's/^/  /'
  } >"$dest/$name.txt"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$name" "$count" "$status" "$engines" "$sig" \
    "$(failure_description "$log")" >>"$run_dir/failures.tsv"
}

# Reproduces, deduplicates and minimises every failure of the run; returns 1 if a unique
# failure is new (no committed regression records its signature).
triage_all() {
  local t engine input n sig log new=0
  rm -rf "$run_dir/triage" "$run_dir/candidates"
  : >"$run_dir/failures.tsv"
  for t in "${targets[@]}"; do
    mkdir -p "$run_dir/triage/$t"
    local members=$run_dir/triage/$t/members.tsv
    : >"$members"
    n=0
    while read -r engine input; do
      n=$((n + 1))
      log=$run_dir/triage/$t/input-$n.log
      reproduce_once "$(libfuzzer_binary "$t")" "$t" "$input" "$log" || true
      sig=$(failure_signature "$log")
      [[ $sig == none* ]] && sig="not reproduced ($engine) @ ?"
      printf '%s\t%s\t%s\t%s\n' "$sig" "$input" "$engine" "$log" >>"$members"
    done < <(failure_inputs "$t")
    [ "$n" -gt 0 ] || continue
    while IFS= read -r sig; do
      local status=new file
      if file=$(known_regression "$t" "$sig"); then status="known ($file)"; else new=1; fi
      write_candidate "$t" "$sig" "$members" "$status"
    done < <(cut -f1 "$members" | sort -u)
  done
  return $new
}

# Copies a run's candidates into corpus/regressions/<target>/ and records each signature in
# corpus/regressions/<target>.known ("<file>\t<signature>\t<description>", then its
# operations indented), skipping those already known.
promote_candidates() {
  local run=$1 note t name sig
  [ -d "$run/candidates" ] || die "no candidates in $run"
  for note in "$run"/candidates/*/*.txt; do
    [ -f "$note" ] || continue
    t=$(basename "$(dirname "$note")"); name=$(basename "$note" .txt)
    sig=$(sed -n 's/^signature: //p' "$note")
    if known_regression "$t" "$sig" >/dev/null; then say "already known: $t/$name"; continue; fi
    mkdir -p "$STASIS_REGRESSIONS_DIR/$t"
    cp "$run/candidates/$t/$name" "$STASIS_REGRESSIONS_DIR/$t/$name"
    {
      printf '%s\t%s\t%s\n' "$name" "$sig" "$(sed -n 's/^description: //p' "$note")"
      sed -n '/^operations:$/,/^report:$/p' "$note" | sed '1d;$d'
    } >>"$STASIS_REGRESSIONS_DIR/$t.known"
    say "promoted $STASIS_REGRESSIONS_DIR/$t/$name (signature recorded in $t.known)"
  done
  say "review with git status; a regression must pass once its bug is fixed (ctest replays it)"
}

source "$STASIS_ROOT/ci/lib_nightly_coverage.sh"
