#ifndef STASIS_FUZZ_TARGET_H
#define STASIS_FUZZ_TARGET_H

/*
 * What every fuzz target shares with the drivers (libFuzzer, AFL++, replay).
 *
 * Every input starts with one byte, its format version; the rest is the target's payload.
 * The drivers own that byte (drivers/driver_entry.c defines LLVMFuzzerTestOneInput): an
 * input whose version is not the target's is never run or described, since its bytes
 * would mean something else today. libFuzzer is told to drop it (-1); replay and describe
 * refuse it with a message naming both versions, and fail.
 *
 * A target file fuzz/targets/fuzz_<name>.c defines `const fuzz_target_info fuzz_target`:
 *  - name, the target's name (the file's, without fuzz_ and .c);
 *  - format_version: bump it whenever the same payload would decode to different
 *    operations, and in the same commit re-encode every committed seed and regression and
 *    regenerate their decoded texts (README, "Input formats");
 *  - run, which runs one payload (the input after its version byte);
 *  - describe, which decodes a payload WITHOUT running it and prints its operations for a
 *    human (replay --describe, ci/repro, the committed .txt beside each regression, and
 *    every failure report use it).
 * Decoders choose from numbered tables to which entries are only ever appended, so that a
 * new command or operation does not change what old inputs mean.
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
    uint8_t format_version;
    int (*run)(const uint8_t *data, size_t size);
    void (*describe)(const uint8_t *data, size_t size, FILE *out);
} fuzz_target_info;

extern const fuzz_target_info fuzz_target;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * True iff the input carries this target's format version (its first byte). When it does
 * not and `why` is non-NULL, prints there why the input is refused.
 */
bool fuzz_version_matches(const uint8_t *data, size_t size, FILE *why);

/* Prints an input decoded (its version line, then the target's describe), or why not.
 * Returns false iff the version is not the target's. */
bool fuzz_describe_input(const uint8_t *data, size_t size, FILE *out);

/* Records the payload being run (for failure reports) and resets the operation counter.
 * Called by the drivers' entry point, never by a target. */
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
