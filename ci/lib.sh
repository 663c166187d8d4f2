# Shared by the ci/ scripts (sourced, not run). Everything here is about finding things
# in the tree and building a preset; nothing here changes tracked files.

STASIS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Where the command was started: relative paths the user gives are resolved against it.
STASIS_CALLER_DIR=$PWD
cd "$STASIS_ROOT"

# The working corpus: what the fuzzers grow, outside the tracked tree and kept across runs
# (each run starts where the last stopped). corpus/<target>/ holds only the reviewed seeds.
STASIS_CORPUS_DIR=${STASIS_CORPUS_DIR:-$STASIS_ROOT/build/corpus}
case $STASIS_CORPUS_DIR in /*) ;; *) STASIS_CORPUS_DIR=$(cd "$STASIS_CALLER_DIR" && realpath -m "$STASIS_CORPUS_DIR") ;; esac

# At most two fuzzer processes at once: the reference machine has two cores.
STASIS_FUZZ_JOBS_MAX=2

say() { printf '%s\n' "$*"; }
die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 2; }

# Every process started under PID, deepest first (for stopping a run whole).
descendants_of() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    descendants_of "$child"
    echo "$child"
  done
}

# Stops every process started under this script: TERM, then KILL for what is left after a
# second. Background jobs of a script ignore the terminal's SIGINT, and a fuzzer's shell
# waits for it before running its own trap, so an interrupt must reach each one by PID.
stop_descendants() {
  local pids
  pids=$(descendants_of $$)
  [ -n "$pids" ] || return 0
  kill -TERM $pids 2>/dev/null || true
  sleep 1
  pids=$(descendants_of $$)
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
}

# Configures (once) and builds a preset; quiet unless something fails.
build_preset() {
  local preset=$1; shift
  local log="build/$preset.build.log"
  mkdir -p build
  if ! { cmake --preset "$preset" && cmake --build --preset "$preset" "$@"; } >"$log" 2>&1; then
    cat "$log" >&2
    die "building preset '$preset' failed (log above, also in $log)"
  fi
}

# A path the user gave, made absolute against the directory the command was started in.
caller_path() {
  case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$STASIS_CALLER_DIR/$1" ;; esac
}

# The working corpus of a target, created (and seeded from corpus/<target>/ the first time,
# so AFL++'s -i and a bare folder both start from the seeds).
working_corpus() {
  local dir="$STASIS_CORPUS_DIR/$1"
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    [ -d "corpus/$1" ] && find "corpus/$1" -maxdepth 1 -type f -exec cp -t "$dir" {} +
  fi
  printf '%s\n' "$dir"
}

# Number of regular files in a folder (0 if it does not exist).
count_files() {
  [ -d "$1" ] || { echo 0; return; }
  find "$1" -maxdepth 1 -type f | wc -l
}

# Every fuzz target's name, from fuzz/targets/fuzz_<name>.c.
all_targets() {
  local f
  for f in fuzz/targets/fuzz_*.c; do
    f=${f#fuzz/targets/fuzz_}
    printf '%s\n' "${f%.c}"
  done
}

# libFuzzer flags from fuzz/targets/fuzz_<target>.options ([libfuzzer] section, key = value),
# plus the target's dictionary if it has one.
libfuzzer_flags() {
  local target=$1 options="fuzz/targets/fuzz_$1.options" section="" line key value
  if [ -f "$options" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      line=${line%%#*}
      [[ $line =~ ^[[:space:]]*$ ]] && continue
      if [[ $line =~ ^\[(.*)\] ]]; then section=${BASH_REMATCH[1]}; continue; fi
      [ "$section" = libfuzzer ] || continue
      if [[ $line =~ ^[[:space:]]*([a-z_]+)[[:space:]]*=[[:space:]]*([^[:space:]]+) ]]; then
        key=${BASH_REMATCH[1]}; value=${BASH_REMATCH[2]}
        printf -- '-%s=%s\n' "$key" "$value"
      fi
    done <"$options"
  fi
  [ -f "corpus/$target.dict" ] && printf -- '-dict=%s\n' "corpus/$target.dict"
  return 0
}

# Canaries from fuzz/canaries.txt: prints "<canary> <target> <expected text>" lines.
all_canaries() {
  grep -Ev '^[[:space:]]*(#|$)' fuzz/canaries.txt
}

# Symbolised stacks from the sanitizers.
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)}

# Coverage of folders of inputs under the libfuzzer build, as "edges features": each input
# run once (-runs=0 runs the given corpora and stops), read from libFuzzer's INITED line.
corpus_coverage() {
  local target=$1; shift
  local dirs=() d
  for d in "$@"; do [ -d "$d" ] && [ -n "$(ls -A "$d")" ] && dirs+=("$d"); done
  [ ${#dirs[@]} -gt 0 ] || { echo "0 0"; return; }
  build/libfuzzer/fuzz/fuzz_"$target" -runs=0 $(libfuzzer_flags "$target" | grep -v -- '^-dict=') \
    "${dirs[@]}" 2>&1 | awk '/INITED|DONE/ {
      for (i = 1; i < NF; i++) { if ($i == "cov:") c = $(i+1); if ($i == "ft:") f = $(i+1) } }
      END { print (c == "" ? 0 : c), (f == "" ? 0 : f) }'
}

# libFuzzer's -merge=1 of folders into DEST (only inputs adding features are copied).
# The merge needs no per-input timeout beyond the target's own.
libfuzzer_merge() {
  local target=$1 dest=$2 log=$3; shift 3
  build/libfuzzer/fuzz/fuzz_"$target" -merge=1 $(libfuzzer_flags "$target" | grep -v -- '^-dict=') \
    "$dest" "$@" >"$log" 2>&1
}

# Prints a script's leading comment block (its usage), without the '#'.
usage_of() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$STASIS_ROOT/ci/$(basename "$1")"
}
