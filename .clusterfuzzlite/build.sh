#!/bin/bash -eu
# Builds every fuzz target for ClusterFuzzLite and OSS-Fuzz (oss-fuzz/stasis/build.sh runs
# this file). The base-builder image provides CC, CFLAGS (the sanitizer's flags and
# -fsanitize=fuzzer-no-link, or the coverage flags), LIB_FUZZING_ENGINE, SRC, WORK and OUT.
# For each fuzz/targets/fuzz_<t>.c (with fuzz/targets/<t>/*.c, its pieces, when it has
# them: cmake/fuzz.cmake adds them) this puts into $OUT: fuzz_<t> (linked with
# $LIB_FUZZING_ENGINE), fuzz_<t>_seed_corpus.zip (corpus/<t>/ and corpus/regressions/<t>/),
# fuzz_<t>.dict (corpus/<t>.dict, when there is one) and fuzz_<t>.options.
# Only the I/O-free core is built (no server, no tests): the targets need nothing else.
root=$(cd "$(dirname "$0")/.." && pwd)
build=$WORK/stasis-build

cflags=$CFLAGS
if [ "${SANITIZER:-}" = undefined ]; then
  # Hashing and the allocators' address arithmetic wrap unsigned integers on purpose (C
  # defines it); OSS-Fuzz's list includes unsigned-integer-overflow, which would flag them.
  cflags="$cflags -fno-sanitize=unsigned-integer-overflow"
fi

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$cflags" \
  -DCMAKE_BUILD_TYPE=None -DSTASIS_FUZZ_ENGINE=external \
  -DSTASIS_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" -DSTASIS_IO=OFF -DSTASIS_TESTS=OFF
# The targets this configuration has (fuzz/CMakeLists.txt finds fuzz/targets/fuzz_*.c).
IFS=';' read -r -a targets <<<"$(sed -n 's/^STASIS_FUZZ_TARGETS:INTERNAL=//p' "$build/CMakeCache.txt")"
[ ${#targets[@]} -gt 0 ] || { echo "build.sh: CMake found no fuzz targets" >&2; exit 1; }
cmake --build "$build" -j"$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}")

for t in "${targets[@]}"; do
  cp "$build/fuzz/fuzz_$t" "$OUT/fuzz_$t"
  cp "$root/fuzz/targets/fuzz_$t.options" "$OUT/fuzz_$t.options"
  [ -f "$root/corpus/$t.dict" ] && cp "$root/corpus/$t.dict" "$OUT/fuzz_$t.dict"
  # The seeds and every regression, flat; regressions prefixed so no name can clash.
  stage=$WORK/seeds/$t
  rm -rf "$stage" "$OUT/fuzz_${t}_seed_corpus.zip"
  mkdir -p "$stage"
  [ -d "$root/corpus/$t" ] && find "$root/corpus/$t" -maxdepth 1 -type f -exec cp -t "$stage" {} +
  if [ -d "$root/corpus/regressions/$t" ]; then
    for f in "$root/corpus/regressions/$t"/*; do
      [ -f "$f" ] && cp "$f" "$stage/regression-$(basename "$f")"
    done
  fi
  if [ -n "$(ls -A "$stage")" ]; then (cd "$stage" && zip -q -r "$OUT/fuzz_${t}_seed_corpus.zip" .); fi
done
echo "built ${#targets[@]} fuzz targets into $OUT"
