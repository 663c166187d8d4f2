#!/usr/bin/env bash
# .clusterfuzzlite/build.sh (ClusterFuzzLite and OSS-Fuzz) builds every target for the
# address, undefined and coverage sanitizers in the environment OSS-Fuzz's base-builder image
# provides (Docker does not run here), with each target's seed zip, options and dictionary;
# each binary then runs briefly on its own seed zip (a coverage build runs it once, -runs=0,
# and must write a profile). STASIS_TEST_SANITIZERS="address" narrows it while developing.
# ctest-label: nightly
source "$(dirname "$0")/support_ci.sh"
source ci/lib.sh

# base-builder's CFLAGS: its common flags, then the sanitizer's, then (not for coverage)
# -fsanitize=fuzzer-no-link, as its `compile` script assembles them.
common="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
ubsan_checks="array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unsigned-integer-overflow,unreachable,vla-bound,vptr"
ubsan_fatal=${ubsan_checks/,unsigned-integer-overflow/}
declare -A sanitizer_flags=(
  [address]="-fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
  [undefined]="-fsanitize=$ubsan_checks -fno-sanitize-recover=$ubsan_fatal -fsanitize=fuzzer-no-link"
  [coverage]="-fprofile-instr-generate -fcoverage-mapping -pthread -Wl,--no-as-needed -Wl,-ldl -Wl,-lm -Wno-unused-command-line-argument"
)
mapfile -t targets < <(all_targets)
for san in ${STASIS_TEST_SANITIZERS:-address undefined coverage}; do
  out=$scratch/out-$san
  mkdir -p "$out" "$scratch/work-$san"
  env CC=clang-14 CXX=clang++-14 SANITIZER=$san CFLAGS="$common ${sanitizer_flags[$san]}" \
      LIB_FUZZING_ENGINE=-fsanitize=fuzzer SRC="$root/.." WORK="$scratch/work-$san" OUT="$out" \
      bash .clusterfuzzlite/build.sh >"$scratch/build-$san.log" 2>&1 \
    || { tail -n 40 "$scratch/build-$san.log"; fail "build.sh failed for $san"; }
  for t in "${targets[@]}"; do
    for f in "fuzz_$t" "fuzz_$t.options" "fuzz_${t}_seed_corpus.zip"; do
      [ -s "$out/$f" ] || fail "$san: $f missing from \$OUT"
    done
    if [ -f "corpus/$t.dict" ]; then cmp -s "corpus/$t.dict" "$out/fuzz_$t.dict" || fail "$san: fuzz_$t.dict"; fi
    zipped=$(unzip -Z1 "$out/fuzz_${t}_seed_corpus.zip" | wc -l)
    want=$(( $(files_in "corpus/$t") + $( [ -d "corpus/regressions/$t" ] && files_in "corpus/regressions/$t" || echo 0) ))
    [ "$zipped" -eq "$want" ] || fail "$san: fuzz_${t}_seed_corpus.zip holds $zipped files, not $want"
    seeds=$scratch/seeds-$san-$t
    mkdir -p "$seeds"
    unzip -q "$out/fuzz_${t}_seed_corpus.zip" -d "$seeds"
    mapfile -t flags < <(libfuzzer_flags "$t" | grep -v -- '^-dict=')
    # A coverage build has no fuzzing feedback: it runs the corpus once (-runs=0), as
    # OSS-Fuzz's coverage job does, and must write a profile.
    how=(-max_total_time=1)
    [ "$san" = coverage ] && how=(-runs=0)
    LLVM_PROFILE_FILE=$scratch/$san-$t.profraw "$out/fuzz_$t" "${how[@]}" "${flags[@]}" "$seeds" \
      >"$scratch/run-$san-$t.log" 2>&1 || { tail -n 40 "$scratch/run-$san-$t.log"; fail "$san: fuzz_$t failed on its seeds"; }
    grep -q "INFO: seed corpus: files: $want " "$scratch/run-$san-$t.log" || fail "$san: fuzz_$t did not read its $want seeds"
    [ "$san" != coverage ] || [ -s "$scratch/coverage-$t.profraw" ] || fail "coverage: fuzz_$t wrote no profile"
  done
  pass "$san: ${#targets[@]} targets built, each ran on its seed zip"
done
