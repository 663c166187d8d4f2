#ifndef STASIS_KV_SERVER_COVERAGE_H
#define STASIS_KV_SERVER_COVERAGE_H

/*
 * Code in src/kv that is not the server's behaviour: its invariant checks, the accessors
 * whose only branch is an assertion, and the simulated network (io_sim.c), which the fuzz
 * harness drives. The fuzzers' coverage instrumentation there (an edge counter per branch
 * and a comparison hook per test, each hook a table update in libFuzzer) buys no signal:
 * those branches go one way unless the server is broken, and a broken assertion aborts
 * whether it is instrumented or not. It cost fuzz_server_sim a quarter of its executions.
 * Sanitizers still check this code, and source coverage (ci/coverage) still counts it.
 * (The same attribute as fuzz/harness/cursor.h's FUZZ_NO_COVERAGE, for src/.)
 */

#if defined(__clang__)
#define KV_NO_COVERAGE __attribute__((no_sanitize("coverage")))
/* The same for every function between BEGIN and END (whole files). */
// clang-format off
#define KV_NO_COVERAGE_BEGIN \
    _Pragma("clang attribute push(__attribute__((no_sanitize(\"coverage\"))), apply_to = function)")
// clang-format on
#define KV_NO_COVERAGE_END _Pragma("clang attribute pop")
#else
#define KV_NO_COVERAGE
#define KV_NO_COVERAGE_BEGIN
#define KV_NO_COVERAGE_END
#endif

#endif
