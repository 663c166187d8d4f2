# Coverage, plots and report.md for ci/nightly (sourced by ci/lib_nightly_report.sh).

# The coverage build whose binaries replay the corpora and run the unit tests.
COVERAGE_BUILD=${COVERAGE_BUILD:-build/coverage}

# Replays every target's corpora (working corpus, seeds, regressions) in the coverage build:
# profiles into $1/profraw/, each replay binary that wrote one appended to $1/objects.
coverage_run_corpora() {
  local out=$1 t bin
  shift
  mkdir -p "$out/profraw"
  for t in "$@"; do
    bin=$COVERAGE_BUILD/fuzz/replay_$t
    [ -x "$bin" ] || continue
    local corpora=("$(nightly_corpus "$t")")
    [ -d "corpus/$t" ] && corpora+=("corpus/$t")
    [ -d "corpus/regressions/$t" ] && corpora+=("corpus/regressions/$t")
    local log=$out/$t.replay.log
    if ! LLVM_PROFILE_FILE=$out/profraw/$t.profraw "$bin" --quiet "${corpora[@]}" >"$log" 2>&1; then
      # A failing input stops the replay (no profile); a refused one (another format
      # version, an unassigned choice id) is only counted.
      if grep -q '^replay: failing input: ' "$log"; then
        say "  coverage: an input of $t fails in the plain build, its profile is lost (see $log)"
      else
        say "  coverage: $t: $(grep -o '[0-9]* refused or unreadable' "$log" | tail -n 1) input(s) (see $log)"
      fi
    fi
    [ -f "$out/profraw/$t.profraw" ] && echo "$bin" >>"$out/objects"
  done
  return 0
}

# Runs the coverage build's unit tests (ctest's unit/ tests): profiles into $1/profraw/, one
# merged file per test binary (%m: a death test's child adds its part, tests/test_support.h),
# each test binary appended to $1/objects.
coverage_run_unit_tests() {
  local out=$1 bin
  mkdir -p "$out/profraw"
  LLVM_PROFILE_FILE=$out/profraw/unit-%m.profraw \
    ctest --test-dir "$COVERAGE_BUILD" -R '^unit/' -j "$STASIS_FUZZ_JOBS_MAX" >"$out/unit-tests.log" 2>&1 \
    || say "  coverage: a unit test fails in the coverage build (see $out/unit-tests.log)"
  for bin in "$COVERAGE_BUILD"/tests/test_*; do
    [ -x "$bin" ] && echo "$bin" >>"$out/objects"
  done
  return 0
}

# The report of the profiles in $1/profraw/ over the binaries in $1/objects: llvm-cov HTML,
# report.txt, coverage.lcov and the Markdown summary (per file, scopes, uncovered lines).
coverage_summarise() {
  local out=$1 objects=() bin
  [ -s "$out/objects" ] || { say "  coverage: no profile written"; return 0; }
  while IFS= read -r bin; do objects+=(-object "$bin"); done <"$out/objects"
  llvm-profdata-14 merge -sparse "$out"/profraw/*.profraw -o "$out/merged.profdata"
  local args=(-instr-profile="$out/merged.profdata" "${objects[@]:1}")
  llvm-cov-14 show -format=html -output-dir="$out/html" -show-branches=count \
    -show-line-counts-or-regions "${args[@]}" "$STASIS_ROOT/src" >/dev/null
  llvm-cov-14 report "${args[@]}" "$STASIS_ROOT/src" >"$out/report.txt"
  llvm-cov-14 export -format=lcov "${args[@]}" "$STASIS_ROOT/src" >"$out/coverage.lcov"
  python3 ci/coverage_summary.py "$out/coverage.lcov" "$STASIS_ROOT/" >"$out/summary.md"
}

# Source-based coverage of src/ in $run_dir: coverage/ from every target's corpora (what the
# fuzzers reach: the figure the goals are about), coverage-with-tests/ from the corpora and
# the unit tests together.
coverage_report() {
  local cov=$run_dir/coverage both=$run_dir/coverage-with-tests
  rm -rf "$cov" "$both"
  coverage_run_corpora "$cov" "${targets[@]}"
  coverage_summarise "$cov"
  mkdir -p "$both"
  cp -r "$cov/profraw" "$both/" 2>/dev/null || mkdir -p "$both/profraw"
  cp "$cov/objects" "$both/objects" 2>/dev/null || true
  coverage_run_unit_tests "$both"
  coverage_summarise "$both"
}

# One PNG per target: edges against time, libFuzzer (its cov:, from the status lines) then
# AFL++ (edges_found, from plot_data, which AFL++ 4.04c writes only after its first minute:
# a shorter phase gives one point), on the target's own timeline.
plot_target() {
  local t=$1 dir=$run_dir/targets/$1 out=$run_dir/plots
  mkdir -p "$out"
  local start lf_seconds plots=()
  start=$(cat "$dir/lf/start" 2>/dev/null || echo 0)
  lf_seconds=$(cat "$dir/lf/seconds" 2>/dev/null || echo 0)
  if [ -s "$dir/lf/plot.raw" ]; then
    awk -v s="$start" '{ printf "%.1f %d\n", $1 - s, $2 }' "$dir/lf/plot.raw" >"$out/$t.libfuzzer.dat"
    plots+=("'$out/$t.libfuzzer.dat' using 1:2 with steps lw 2 title 'libFuzzer (cov)'")
  fi
  local plot_data=$dir/afl/out/s1/plot_data
  if [ -s "$plot_data" ]; then
    # relative_time is the first column and edges_found the last (AFL++ 4.x plot_data).
    awk -F ', *' -v o="$lf_seconds" '!/^#/ { printf "%d %d\n", $1 + o, $NF }' "$plot_data" >"$out/$t.afl.dat"
    plots+=("'$out/$t.afl.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 title 'AFL++ (edges_found)'")
  fi
  [ ${#plots[@]} -gt 0 ] || return 0
  local joined
  joined=$(printf '%s, ' "${plots[@]}")
  gnuplot <<EOF
set terminal pngcairo size 800,400 noenhanced
set output '$out/$t.png'
set title '$t: edges over time (each engine counts its own instrumentation)'
set xlabel 'seconds'
set ylabel 'edges'
set key bottom right
set grid
plot ${joined%, }
EOF
}

plot_all() {
  local t
  for t in "${targets[@]}"; do plot_target "$t" || say "  plot for $t failed"; done
}

# report.md: the run, per-target figures, failures, coverage.
write_report() {
  local t
  printf '# Nightly fuzzing run %s\n\n' "$(basename "$run_dir")"
  printf 'Command: `ci/nightly --hours %s --jobs %s%s`; targets: %s.\n\n' "$hours" "$jobs" \
    "${canary:+ --canary $canary}" "${targets[*]}"
  printf '## Targets\n\n'
  printf '| target | weight | libFuzzer s | runs | exec/s | edges | AFL++ s | execs | exec/s | edges | working corpus start / merged / minimised | refused, dropped | failure inputs | unique | plot |\n'
  printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
  for t in "${targets[@]}"; do
    local dir=$run_dir/targets/$t
    read -r ls lr lx le <<<"$(lf_stats "$t")"
    read -r as ar ax ae <<<"$(afl_stats "$t")"
    local inputs unique plot=-
    inputs=$(awk -F '\t' -v t="$t" '$1 == t { n += $3 } END { print n + 0 }' "$run_dir/failures.tsv")
    unique=$(awk -F '\t' -v t="$t" '$1 == t' "$run_dir/failures.tsv" | wc -l)
    [ -f "$run_dir/plots/$t.png" ] && plot="[png](plots/$t.png)"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s / %s | %s | %s | %s | %s |\n' \
      "$t" "$(weight_of "$t")" "$ls" "$lr" "$lx" "$le" "$as" "$ar" "$ax" "$ae" \
      "$(cat "$dir/corpus.start" 2>/dev/null || echo -)" "$(cat "$dir/corpus.merged" 2>/dev/null || echo -)" \
      "$(cat "$dir/corpus.minimized" 2>/dev/null || echo -)" "$(cat "$dir/corpus.refused" 2>/dev/null || echo -)" \
      "$inputs" "$unique" "$plot"
  done
  printf '\nEdges are each engine'"'"'s own count (libFuzzer: `cov:` of the libfuzzer build; AFL++:\n'
  printf '`edges_found` of the afl build): compare a target with itself over time, not the engines.\n'
  printf '"Refused, dropped": inputs of the merged working corpus the target refuses (another format\n'
  printf 'version, an unassigned choice id; AFL++ keeps them in its queue), moved to the target'"'"'s\n'
  printf '`refused/` folder of the run before minimising.\n\n'
  printf '## Failures\n\n'
  if [ ! -s "$run_dir/failures.tsv" ]; then
    printf 'None.\n\n'
  else
    printf '| target | candidate | inputs | status | engines | description |\n|---|---|---|---|---|---|\n'
    awk -F '\t' '{ printf "| %s | [%s](candidates/%s/%s.txt) | %s | %s | %s | `%s` |\n",
                   $1, $2, $1, $2, $3, $4, $5, $7 }' "$run_dir/failures.tsv"
    printf '\nEach candidate is minimised (the original is kept as `.orig`); its `.txt` has the\n'
    printf 'signature, the decoded operations and the report. `ci/nightly --promote %s` copies\n' "$run_dir"
    printf 'them into corpus/regressions/ and records their signatures as known.\n\n'
  fi
  printf '## Coverage\n\n'
  printf 'Every target'"'"'s working corpus, seeds and regressions replayed in the `coverage` build:\n'
  printf '[HTML](coverage/html/index.html), [llvm-cov report](coverage/report.txt).\n\n'
  if [ -f "$run_dir/coverage/summary.md" ]; then cat "$run_dir/coverage/summary.md"; else printf 'Not produced.\n'; fi
  printf '## Coverage with the unit tests\n\n'
  printf 'The same corpora and the `coverage` build'"'"'s unit tests (ctest `unit/`) together:\n'
  printf '[HTML](coverage-with-tests/html/index.html), [llvm-cov report](coverage-with-tests/report.txt).\n\n'
  if [ -f "$run_dir/coverage-with-tests/summary.md" ]; then
    sed -n '/^### src\/ total/,/^### Uncovered/p' "$run_dir/coverage-with-tests/summary.md" | sed '$d'
    sed -n '/^### Uncovered/,$p' "$run_dir/coverage-with-tests/summary.md"
  else
    printf 'Not produced.\n'
  fi
}
