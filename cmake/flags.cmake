# Warnings (errors under both gcc and clang) and instrumentation flags.
#
# Every project target gets these through stasis_target_flags(); third-party code (the
# AFL++ driver macros, cmocka) is compiled with the same flags unless a target opts out.

set(STASIS_WARNINGS
    -Wall -Wextra -Wpedantic -Werror
    -Wconversion -Wsign-conversion -Wshadow -Wstrict-prototypes
    -Wmissing-prototypes -Wcast-qual -Wpointer-arith -Wvla -Wformat=2
    -Wundef -Wdouble-promotion -Wnull-dereference)
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  list(APPEND STASIS_WARNINGS -Wduplicated-cond -Wlogical-op -Wjump-misses-init)
endif()

set(STASIS_COMPILE_DEFS _GNU_SOURCE)
set(STASIS_COMPILE_OPTS -g -fno-omit-frame-pointer)
set(STASIS_LINK_OPTS "")

if(STASIS_SANITIZE STREQUAL "address")
  list(APPEND STASIS_COMPILE_OPTS -fsanitize=address,undefined
       -fno-sanitize-recover=undefined -fsanitize-address-use-after-scope)
  list(APPEND STASIS_LINK_OPTS -fsanitize=address,undefined)
elseif(STASIS_SANITIZE STREQUAL "memory")
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MSan needs clang")
  endif()
  list(APPEND STASIS_COMPILE_OPTS -fsanitize=memory -fsanitize-memory-track-origins=2)
  list(APPEND STASIS_LINK_OPTS -fsanitize=memory)
elseif(NOT STASIS_SANITIZE STREQUAL "")
  message(FATAL_ERROR "STASIS_SANITIZE must be empty, 'address' or 'memory'")
endif()

if(STASIS_FUZZ_ENGINE STREQUAL "libfuzzer")
  # Instrument everything for coverage; only the fuzz binaries link libFuzzer's main.
  list(APPEND STASIS_COMPILE_OPTS -fsanitize=fuzzer-no-link)
elseif(STASIS_FUZZ_ENGINE STREQUAL "afl")
  if(NOT CMAKE_C_COMPILER MATCHES "afl-clang")
    message(FATAL_ERROR "STASIS_FUZZ_ENGINE=afl needs CC=afl-clang-fast")
  endif()
  # One binary serves `afl-fuzz -c 0`: CMPLOG instrumentation is compiled in. Set through
  # the launcher so that a bare `cmake --build` keeps it, not only a build preset.
  set(CMAKE_C_COMPILER_LAUNCHER env AFL_LLVM_CMPLOG=1 AFL_QUIET=1)
elseif(STASIS_FUZZ_ENGINE STREQUAL "external")
  # OSS-Fuzz and ClusterFuzzLite: the environment's CFLAGS (sanitizer, -fsanitize=fuzzer-no-link
  # or coverage) arrive as CMAKE_C_FLAGS, and the fuzz binaries link $LIB_FUZZING_ENGINE.
  set(STASIS_LIB_FUZZING_ENGINE "" CACHE STRING "How fuzz binaries link the engine ($LIB_FUZZING_ENGINE)")
  if(STASIS_LIB_FUZZING_ENGINE STREQUAL "")
    message(FATAL_ERROR "STASIS_FUZZ_ENGINE=external needs STASIS_LIB_FUZZING_ENGINE")
  endif()
elseif(NOT STASIS_FUZZ_ENGINE STREQUAL "none")
  message(FATAL_ERROR "STASIS_FUZZ_ENGINE must be none, libfuzzer, afl or external")
endif()

if(STASIS_COVERAGE)
  list(APPEND STASIS_COMPILE_OPTS -fprofile-instr-generate -fcoverage-mapping)
  list(APPEND STASIS_LINK_OPTS -fprofile-instr-generate)
  # Death tests write their child's profile before it dies (tests/test_support.h).
  list(APPEND STASIS_COMPILE_DEFS STASIS_COVERAGE_BUILD)
endif()

if(CMAKE_BUILD_TYPE STREQUAL "Release")
  list(APPEND STASIS_COMPILE_OPTS -O2)
  # Plain release builds link with LTO: an allocator's fast path is a few instructions, and a
  # call into another translation unit (the server, the benchmark) costs as much again.
  if(STASIS_FUZZ_ENGINE STREQUAL "none" AND NOT STASIS_SANITIZE AND NOT STASIS_COVERAGE)
    include(CheckIPOSupported)
    check_ipo_supported(RESULT stasis_ipo_supported LANGUAGES C)
    set(CMAKE_INTERPROCEDURAL_OPTIMIZATION ${stasis_ipo_supported})
  endif()
elseif(STASIS_SANITIZE OR NOT STASIS_FUZZ_ENGINE STREQUAL "none")
  list(APPEND STASIS_COMPILE_OPTS -O1)
endif()

# Applies the project's warnings, definitions and instrumentation to one target.
function(stasis_target_flags target)
  target_compile_options(${target} PRIVATE ${STASIS_WARNINGS} ${STASIS_COMPILE_OPTS})
  target_compile_definitions(${target} PRIVATE ${STASIS_COMPILE_DEFS})
  target_link_options(${target} PRIVATE ${STASIS_LINK_OPTS})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src)
endfunction()
