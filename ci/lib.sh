# Shared by the ci/ scripts (sourced, not run). Everything here is about finding things
# in the tree and building a preset; nothing here changes tracked files.

STASIS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$STASIS_ROOT"

# At most two fuzzer processes at once: the reference machine has two cores.
STASIS_FUZZ_JOBS_MAX=2

say() { printf '%s\n' "$*"; }
die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 2; }

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
