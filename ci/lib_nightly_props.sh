# The property tests' part of ci/nightly (sourced by ci/nightly after ci/lib_nightly.sh):
# every property of props/run for its share of the run, its failures saved as candidates,
# the report's section, and --promote for them. README, "Property tests".
#
# Time: "props <weight>" in ci/nightly.weights (or --props-weight W) weighs the properties
# against the fuzz targets' weights: they get W / (W + the targets' weights) of the run's
# H * N process-seconds, split evenly over the properties and run N at once; the fuzzers
# get the rest (props_fuzz_hours). Weight 0 runs no property.
#
# Builds: the libfuzzer preset's runner (ASan + UBSan, the one ci/nightly builds anyway) for
# every property it has; the debug preset's for the rest (memory_server, which needs a
# plain build: the strict seal, strace). With --props-canary NAME (props/canaries.txt), the
# libfuzzer preset's run_canary_NAME runs the one property the canary is planted for.
#
# Results go under $run_dir/props/: seed, plan, <property>.log, results.tsv ("<property>
# <preset> <cases> <seconds> <passed|FAILED> <candidate or -> <signature or ->"). A failure's
# shrunk case (and NAME.txt, its decoded text) is a candidate under
# $run_dir/props/candidates/<property>/ (the fuzzers' triage rewrites candidates/ whole);
# `ci/nightly --promote` copies it into
# corpus/regressions/props/<property>/ and records its signature in
# corpus/regressions/props/<property>.known, after which the same failure is known.

# The weight of the properties when ci/nightly.weights has no "props" line.
PROPS_NIGHTLY_WEIGHT_DEFAULT=6
# Shortest run a property gets, whatever the weights say.
PROPS_NIGHTLY_SECONDS_MIN=2
# Cases are bounded by time only: a count no run reaches.
PROPS_NIGHTLY_CASES_MAX=1000000000

# The properties' weight: --props-weight, else ci/nightly.weights' "props" line.
props_weight_value() {
  if [ -n "${props_weight:-}" ]; then printf '%s\n' "$props_weight"; return; fi
  awk -v d="$PROPS_NIGHTLY_WEIGHT_DEFAULT" '$1 == "props" { w = $2 } END { print (w == "" ? d : w) }' \
    <(grep -Ev '^[[:space:]]*(#|$)' ci/nightly.weights)
}

props_targets_weight() {
  local t total=0
  for t in "${targets[@]}"; do total=$((total + $(weight_of "$t"))); done
  printf '%s\n' "$total"
}

# The hours the fuzzers get: H times the targets' part of all weights.
props_fuzz_hours() {
  awk -v h="$hours" -v wt="$(props_targets_weight)" -v wp="$(props_weight_value)" \
    'BEGIN { printf "%.6f\n", h * wt / (wt + wp) }'
}

# Checks --props-weight and --props-canary (exits 2 on a bad one).
props_check_options() {
  [[ $(props_weight_value) =~ ^[0-9]+$ ]] \
    || die "--props-weight (or ci/nightly.weights' props line) needs an integer"
  [ -z "${props_canary:-}" ] && return 0
  grep -Ev '^[[:space:]]*(#|$)' props/canaries.txt | awk '{ print $1 }' | grep -qx -- "$props_canary" \
    || die "no such props canary: $props_canary (see props/canaries.txt)"
}

# "<property> <runner> <preset>" lines: which runner runs each property in this run (with a
# canary, only the property props/canaries.txt names for it, as --canary fuzzes one target).
props_plan_runners() {
  local main=build/libfuzzer/props/run
  if [ -n "${props_canary:-}" ]; then
    awk -v c="$props_canary" -v r="$main"_canary_"$props_canary" \
      '$1 == c { print $2, r, "libfuzzer"; exit }' props/canaries.txt
    return 0
  fi
  "$main" --list | awk -v r="$main" '{ print $1, r, "libfuzzer" }'
  build/debug/props/run --list | awk '{ print $1 }' | while read -r p; do
    "$main" --list | awk '{ print $1 }' | grep -qx -- "$p" || echo "$p build/debug/props/run debug"
  done
}

# Runs one property for $4 seconds: its log, then its results.tsv line.
props_run_one() {
  local p=$1 runner=$2 preset=$3 seconds=$4 dir=$run_dir/props
  local t0=$SECONDS status=0
  "$runner" --only "$p" --seed "$(cat "$dir/seed")" --cases "$PROPS_NIGHTLY_CASES_MAX" \
    --seconds "$seconds" --out "$dir/candidates" >"$dir/$p.log" 2>&1 || status=$?
  local spent=$((SECONDS - t0)) cases verdict=passed candidate=- signature=-
  cases=$(awk -v p="$p" '$1 == "props:" && $2 == p && $3 == "passed" { print $4 }
                         $1 == "props:" && $2 == p && $3 == "FAILED" { print $6 + 1 }' "$dir/$p.log")
  if [ "$status" -ne 0 ]; then
    verdict=FAILED
    candidate=$(sed -n 's/^  written: \([^ ]*\) (and .*/\1/p' "$dir/$p.log" | head -n 1)
    signature=$(sed -n 's/^  failure: //p' "$dir/$p.log" | head -n 1)
    [ -n "$signature" ] || signature="exit status $status: $(tail -n 1 "$dir/$p.log")"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$preset" "${cases:-0}" "$spent" "$verdict" \
    "${candidate:--}" "$signature" >"$dir/$p.result"
  say "  props: $p ($preset) $verdict: ${cases:-0} cases in ${spent}s"
}

# Builds what the properties need and runs each for its share, $jobs at once.
props_nightly() {
  local dir=$run_dir/props weight
  weight=$(props_weight_value)
  mkdir -p "$dir/candidates"
  : >"$dir/results.tsv"
  printf '%s\n' "${props_canary:-}" >"$dir/canary"
  if [ "$weight" -eq 0 ]; then say "props: weight 0, no property runs"; return 0; fi
  [ -n "${props_canary:-}" ] || build_preset debug --target props_run
  printf '%s\n' "${STASIS_PROPS_SEED:-$(date -u +%s)}" >"$dir/seed"
  props_plan_runners >"$dir/plan"
  local count seconds
  count=$(wc -l <"$dir/plan")
  seconds=$(awk -v h="$hours" -v j="$jobs" -v wt="$(props_targets_weight)" -v wp="$weight" \
                -v n="$count" -v m="$PROPS_NIGHTLY_SECONDS_MIN" \
              'BEGIN { s = int(h * 3600 * j * wp / (wt + wp) / n); print (s < m ? m : s) }')
  say "props: $count properties, ${seconds}s each (weight $weight of" \
    "$((weight + $(props_targets_weight)))), seed $(cat "$dir/seed")${props_canary:+, canary $props_canary}"
  local p runner preset
  while read -r p runner preset; do
    props_run_one "$p" "$runner" "$preset" "$seconds" &
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  done <"$dir/plan"
  wait
  while read -r p runner preset; do cat "$dir/$p.result"; done <"$dir/plan" >"$dir/results.tsv"
}

# A failure's signature with its numbers masked (as failure_kind does), for .known files.
props_signature_key() {
  sed -E 's/0x[0-9a-fA-F]+/N/g; s/[0-9]+/N/g' <<<"$1"
}

# Prints the committed case that records this failure's signature, if one does.
props_known() {
  local p=$1 key known=$STASIS_REGRESSIONS_DIR/props/$1.known
  key=$(props_signature_key "$2")
  [ -f "$known" ] || return 1
  awk -F '\t' -v k="$key" '$2 == k { print $1; found = 1; exit } END { exit !found }' "$known"
}

# The report's section (stdout); returns 1 if a property failed in a way no committed case
# records. Also printed by ci/nightly at the end.
props_report_section() {
  local results=$run_dir/props/results.tsv new=0
  printf '## Properties\n\n'
  if [ ! -s "$results" ]; then
    printf 'None run (weight %s).\n\n' "$(props_weight_value)"
    return 0
  fi
  local seed canary
  seed=$(cat "$run_dir/props/seed")
  canary=$(cat "$run_dir/props/canary")
  printf 'Seed %s%s: `props/run --only P --seed %s --seconds S` per property (README, "Property tests").\n\n' \
    "$seed" "${canary:+, the canary build \`run_canary_$canary\`}" "$seed"
  printf '| property | build | cases | seconds | result | status | shrunk case |\n|---|---|---|---|---|---|---|\n'
  local p preset cases seconds verdict candidate signature status file
  while IFS=$'\t' read -r p preset cases seconds verdict candidate signature; do
    status=-
    if [ "$verdict" = FAILED ]; then
      if file=$(props_known "$p" "$signature"); then status="known ($file)"; else status=new; new=1; fi
    fi
    local link=-
    [ "$candidate" != - ] \
      && link="[$(basename "$candidate")](props/candidates/$p/$(basename "$candidate").txt)"
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$p" "$preset" "$cases" "$seconds" "$verdict" \
      "$status" "$link"
  done <"$results"
  printf '\n'
  while IFS=$'\t' read -r p preset cases seconds verdict candidate signature; do
    [ "$verdict" = FAILED ] || continue
    printf '### %s failed\n\n`%s`\n\n```\n' "$p" "$signature"
    sed -n '/ FAILED at case /,$p' "$run_dir/props/$p.log" | head -n 60
    printf '```\n\n'
  done <"$results"
  if [ "$new" -eq 1 ]; then
    printf '`ci/nightly --promote %s` copies the shrunk cases into corpus/regressions/props/ and\n' "$run_dir"
    printf 'records their signatures (commit once fixed: CTest replays every case there).\n\n'
  fi
  return $new
}

# Appends the section to report.md and prints it; returns 1 on a new property failure.
props_report() {
  local status=0
  mkdir -p "$run_dir/props"
  props_report_section >"$run_dir/props/section.md" || status=$?
  cat "$run_dir/props/section.md" >>"$run_dir/report.md"
  grep -E '^(## |\| |### )' "$run_dir/props/section.md" || true
  return $status
}

# True if the run has a property's shrunk case.
props_candidates_in() {
  compgen -G "$1/props/candidates/*/*.txt" >/dev/null
}

# Copies a run's props candidates into corpus/regressions/props/<property>/ (with NAME.txt)
# and records each signature in corpus/regressions/props/<property>.known.
promote_props_candidates() {
  local run=$1 p preset cases seconds verdict candidate signature name
  [ -s "$run/props/results.tsv" ] || return 0
  while IFS=$'\t' read -r p preset cases seconds verdict candidate signature; do
    [ "$verdict" = FAILED ] && [ "$candidate" != - ] || continue
    if props_known "$p" "$signature" >/dev/null; then say "already known: props/$p"; continue; fi
    name=$(basename "$candidate")
    mkdir -p "$STASIS_REGRESSIONS_DIR/props/$p"
    cp "$candidate" "$candidate.txt" "$STASIS_REGRESSIONS_DIR/props/$p/"
    printf '%s\t%s\n' "$name" "$(props_signature_key "$signature")" >>"$STASIS_REGRESSIONS_DIR/props/$p.known"
    say "promoted $STASIS_REGRESSIONS_DIR/props/$p/$name (signature recorded in props/$p.known)"
  done <"$run/props/results.tsv"
}
