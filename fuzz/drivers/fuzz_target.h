#ifndef STASIS_FUZZ_TARGET_H
#define STASIS_FUZZ_TARGET_H

/*
 * What every fuzz target shares with the drivers (libFuzzer, AFL++, replay).
 *
 * A target file fuzz/targets/fuzz_<name>.c defines:
 *  - LLVMFuzzerTestOneInput(), which calls fuzz_begin() first;
 *  - `const fuzz_target_info fuzz_target`, naming the target and giving `describe`, which
 *    decodes an input WITHOUT running it and prints its operations for a human (replay
 *    --describe, ci/repro, and every failure report use it).
 * A check that fails calls fuzz_fail(): it prints the target, the failed check, the
 * operation index and the decoded input, then aborts, so libFuzzer and AFL++ keep the
 * input as a crash and the replay driver exits non-zero.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct fuzz_target_info {
    const char *name;
    void (*describe)(const uint8_t *data, size_t size, FILE *out);
} fuzz_target_info;

extern const fuzz_target_info fuzz_target;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Records the input being run (for failure reports) and resets the operation counter. */
void fuzz_begin(const uint8_t *data, size_t size);

/* Sets the index of the operation being run, for failure reports. */
void fuzz_set_op(size_t op_index);

/* Reports a failed check with a printf-style explanation and aborts. */
_Noreturn void fuzz_fail(const char *check, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (__builtin_expect(!(cond), 0)) fuzz_fail(#cond, __FILE__, __LINE__, __VA_ARGS__);       \
    } while (0)

/* Prints bytes as a C-style escaped string ("a\r\n\x00"), at most max_len of them. */
void fuzz_print_escaped(FILE *out, const uint8_t *bytes, size_t len, size_t max_len);

/* Prints the engine's reply and the model's, escaped, one a line (for a failure message). */
void fuzz_print_replies(const uint8_t *engine, size_t engine_len, const uint8_t *model,
                        size_t model_len);

#endif
