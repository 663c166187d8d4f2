#ifndef STASIS_ALLOC_NO_COVERAGE_H
#define STASIS_ALLOC_NO_COVERAGE_H

/*
 * Code in src/ that is not the behaviour under test: invariant checks (the store's, the
 * table's, the pools', the server's), the accessors whose only branch is an assertion, and
 * the simulated network (kv/io_sim.c), which the fuzz harness drives. The fuzzers' coverage
 * instrumentation there (an edge counter per branch and a comparison hook per test, each a
 * table update in libFuzzer, and every counter hit a feature libFuzzer files after every
 * run) buys no signal: those branches go one way unless the code is broken, and a broken
 * check fails whether it is instrumented or not. It cost fuzz_server_sim a quarter of its
 * executions. Sanitizers still check this code, and source coverage (ci/coverage) still
 * counts it. (The same attribute as fuzz/harness/cursor.h's FUZZ_NO_COVERAGE, for src/.)
 */

#if defined(__clang__)
#define ST_NO_COVERAGE __attribute__((no_sanitize("coverage")))
/* The same for every function between BEGIN and END (whole files). */
// clang-format off
#define ST_NO_COVERAGE_BEGIN \
    _Pragma("clang attribute push(__attribute__((no_sanitize(\"coverage\"))), apply_to = function)")
// clang-format on
#define ST_NO_COVERAGE_END _Pragma("clang attribute pop")
#else
#define ST_NO_COVERAGE
#define ST_NO_COVERAGE_BEGIN
#define ST_NO_COVERAGE_END
#endif

#endif
