# Fuzz targets and canaries.
#
# Every fuzz/targets/fuzz_<name>.c defines a fuzz_target_info (drivers/fuzz_target.h); the
# drivers' entry point (drivers/driver_entry.c) checks the version byte and runs it. Each
# becomes, depending on STASIS_FUZZ_ENGINE:
#   replay_<name>   plain main that runs files and folders (every configuration)
#   fuzz_<name>     libFuzzer binary (libfuzzer), AFL++ persistent binary (afl), or a binary
#                   linked with OSS-Fuzz's $LIB_FUZZING_ENGINE (external)
# Canaries (fuzz/canaries.txt) are the core library rebuilt with one planted bug, plus the
# replay (and, under libfuzzer, fuzz) binary of the target that must find it.

# Extra libraries a target needs beyond the core (e.g. hiredis for resp_roundtrip),
# declared by the subdirectory that knows about them: stasis_fuzz_target_libs(<name> libs...).
function(stasis_fuzz_target_libs name)
  set_property(GLOBAL PROPERTY STASIS_FUZZ_LIBS_${name} ${ARGN})
endfunction()

# Builds the binaries of one target against `core` (the normal or a canary core library).
# `suffix` distinguishes canary variants: replay_<name><suffix>, fuzz_<name><suffix>.
# stasis_fuzz_common links before the core: its models and harness call the allocators, and
# it cannot depend on one core itself (a canary binary must get its canary core).
function(stasis_add_fuzz_binaries name core suffix)
  # A target too large for one file keeps its pieces in fuzz/targets/<name>/ (kv_ops).
  file(GLOB parts CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/fuzz/targets/${name}/*.c)
  set(src ${PROJECT_SOURCE_DIR}/fuzz/targets/fuzz_${name}.c ${parts})
  get_property(extra GLOBAL PROPERTY STASIS_FUZZ_LIBS_${name})

  set(entry ${PROJECT_SOURCE_DIR}/fuzz/drivers/driver_entry.c)
  add_executable(replay_${name}${suffix} ${src} ${entry} ${PROJECT_SOURCE_DIR}/fuzz/drivers/driver_replay.c)
  stasis_target_flags(replay_${name}${suffix})
  target_link_libraries(replay_${name}${suffix} PRIVATE stasis_fuzz_common ${core} ${extra})

  if(STASIS_FUZZ_ENGINE STREQUAL "libfuzzer")
    add_executable(fuzz_${name}${suffix} ${src} ${entry})
    stasis_target_flags(fuzz_${name}${suffix})
    target_link_options(fuzz_${name}${suffix} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(fuzz_${name}${suffix} PRIVATE stasis_fuzz_common ${core} ${extra})
  elseif(STASIS_FUZZ_ENGINE STREQUAL "afl")
    add_executable(fuzz_${name}${suffix} ${src} ${entry} ${PROJECT_SOURCE_DIR}/fuzz/drivers/driver_afl.c)
    stasis_target_flags(fuzz_${name}${suffix})
    # The __AFL_* macros expand to code that trips -Wpedantic and friends; they are
    # AFL++'s, so only the driver file gets the warnings relaxed.
    set_source_files_properties(${PROJECT_SOURCE_DIR}/fuzz/drivers/driver_afl.c PROPERTIES
        COMPILE_OPTIONS "-Wno-error;-Wno-pedantic;-Wno-conversion;-Wno-sign-conversion;-Wno-missing-prototypes;-Wno-cast-qual;-Wno-strict-prototypes")
    target_link_libraries(fuzz_${name}${suffix} PRIVATE stasis_fuzz_common ${core} ${extra})
  elseif(STASIS_FUZZ_ENGINE STREQUAL "external")
    add_executable(fuzz_${name}${suffix} ${src} ${entry})
    stasis_target_flags(fuzz_${name}${suffix})
    separate_arguments(engine UNIX_COMMAND "${STASIS_LIB_FUZZING_ENGINE}")
    target_link_libraries(fuzz_${name}${suffix} PRIVATE stasis_fuzz_common ${core} ${extra} ${engine})
  endif()
endfunction()

# Reads fuzz/canaries.txt: "<canary> <target> <expected text...>" per line, '#' comments.
# Sets STASIS_CANARY_NAMES and, per canary, STASIS_CANARY_TARGET_<c> / _EXPECT_<c>.
function(stasis_read_canaries)
  file(STRINGS ${PROJECT_SOURCE_DIR}/fuzz/canaries.txt lines)
  set(names "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^[ \t]*#" OR line MATCHES "^[ \t]*$")
      continue()
    endif()
    if(NOT line MATCHES "^([a-z0-9_]+)[ \t]+([a-z0-9_]+)[ \t]+(.+)$")
      message(FATAL_ERROR "fuzz/canaries.txt: malformed line: ${line}")
    endif()
    list(APPEND names ${CMAKE_MATCH_1})
    set(STASIS_CANARY_TARGET_${CMAKE_MATCH_1} ${CMAKE_MATCH_2} PARENT_SCOPE)
    set(STASIS_CANARY_EXPECT_${CMAKE_MATCH_1} "${CMAKE_MATCH_3}" PARENT_SCOPE)
  endforeach()
  set(STASIS_CANARY_NAMES ${names} PARENT_SCOPE)
endfunction()
