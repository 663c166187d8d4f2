#ifndef STASIS_PROPS_H
#define STASIS_PROPS_H

/*
 * Property tests (props/run). A property is a generator that decodes a byte stream into a
 * configuration and a workload, plus the checks that must hold while it runs. The runner
 * (runner.c) feeds it seeded random streams, and on a failure shrinks the stream (shrink.c).
 *
 * A case is a plain file: its first byte is the property's format version, the rest the
 * payload the property decodes (the same convention as fuzz/drivers/fuzz_target.h). The
 * payload is decoded with fuzz/harness/cursor.h, and every choice comes from a numbered,
 * append-only table (fuzz/harness/choice.h), so a committed case keeps its meaning; a
 * payload naming an unassigned id is refused (not a failure, not a pass).
 *
 * Each case runs in a child process (runner.c): `run` returns PROP_PASS or PROP_REFUSED;
 * a failed check calls prop_fail(), which prints the check and why, then exits with
 * PROP_EXIT_FAILED. An assertion or a signal in the child is a failure too. So nothing a
 * case does (a stray malloc, a mapping, an abort) survives into the next case.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A file-scope choice table (harness/choice.h's CHOICE_TABLE is a compound literal, which
 * is not a constant initializer). */
#define PROP_TABLE(names_array, space)                                                             \
    {.names = (names_array),                                                                       \
     .count = (uint32_t)(sizeof(names_array) / sizeof((names_array)[0])),                          \
     .id_space = (space)}

#define PROP_PASS    0
#define PROP_REFUSED (-1)

/* The child's exit codes. */
#define PROP_EXIT_PASSED  0
#define PROP_EXIT_FAILED  3
#define PROP_EXIT_REFUSED 4

typedef struct prop_property {
    const char *name;       /* lower case; the corpus folder corpus/regressions/props/<name> */
    uint8_t format_version; /* bump when the same payload would decode differently */
    size_t payload_max;     /* the longest payload the generator makes */
    const char *summary;    /* one line for --list and the README */
    int (*run)(const uint8_t *payload, size_t size);
    /* Decodes the payload WITHOUT running it: configuration and operations, one a line. */
    void (*describe)(const uint8_t *payload, size_t size, FILE *out);
    /* NULL, or called in the runner's process before every case's fork (so it must do its
     * work once and cache it): what it measures, every case's process inherits. It must not
     * fail the runner (a case that needs what it could not measure fails itself). */
    void (*setup)(void);
    /* NULL, or a generator biased toward the property's class of failure: writes a payload
     * of at most `bound` bytes (the same format `run` decodes: a biased case is an ordinary
     * case, shrunk and replayed as any) from the random stream `state`, returns its length.
     * The runner uses it for every other case (odd i), uniform bytes for the rest. */
    size_t (*generate)(uint64_t *state, size_t bound, uint8_t *out);
} prop_property;

/* The runner's random stream (splitmix64): the next 64 bits of *state. */
uint64_t prop_random(uint64_t *state);

/* Every property, in the order the runner runs them (props.c). */
extern const prop_property *const prop_all[];
extern const size_t prop_count;

/*
 * choice_read (harness/choice.h) that also remembers where a refusal happened, so that the
 * runner can repair a generated case instead of discarding it: the case's process prints
 * "props: refused at payload byte P: id I of C assigned", and the runner lowers that byte to
 * the assigned id I % C and runs the case again (runner.c). Saved cases are never repaired.
 */
struct cursor;
struct choice_table;
uint32_t prop_choice(struct cursor *c, const struct choice_table *table);

/* A function prop_fail calls before the case's process exits (e.g. to kill a server the
 * case started). One at a time; NULL clears it. */
void prop_on_fail(void (*cleanup)(void));

/* Sets the index of the operation being run, for the failure text. */
void prop_set_op(size_t op_index);

/* Reports a failed check (the property, the operation, the check, why) and exits the
 * case's process with PROP_EXIT_FAILED. */
_Noreturn void prop_fail(const char *check, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define PROP_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (__builtin_expect(!(cond), 0)) prop_fail(#cond, __VA_ARGS__);                           \
    } while (0)

/* Prints bytes escaped ("a\r\n\x00"); a run of one repeated byte longer than 8 is printed
 * as 'x'*N so a 4 KiB value stays one word. */
void prop_print_bytes(FILE *out, const uint8_t *bytes, size_t len);

#endif
