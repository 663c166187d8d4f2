#ifndef STASIS_PROPS_CASE_EXEC_H
#define STASIS_PROPS_CASE_EXEC_H

/*
 * Running one case of a property in a child process, and shrinking a failing case.
 *
 * A case is version byte + payload (props.h). case_run forks, runs the property on the
 * payload in the child with its stdout and stderr captured, and classifies the ending:
 * passed, refused (the payload names an unassigned choice, or carries another version), or
 * failed (a check, an assertion, a sanitizer report, a signal, a time-out). A failure has a
 * signature, its first line that names the broken check, which the shrinker keeps fixed so
 * that a smaller case fails the same way, not some other way.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "props.h"

#define CASE_BYTES_MAX       (64 * 1024)
#define CASE_TEXT_BYTES_MAX  (16 * 1024)
#define CASE_SIGNATURE_BYTES 256
/* A case that runs longer than this is a failure (a hang is a bug too). */
#define CASE_TIMEOUT_S 60

typedef enum case_verdict {
    CASE_PASSED = 0,
    CASE_FAILED = 1,
    CASE_REFUSED = 2,
} case_verdict;

typedef struct case_outcome {
    case_verdict verdict;
    char text[CASE_TEXT_BYTES_MAX]; /* what the child printed (cut at the size) */
    size_t text_len;
    char signature[CASE_SIGNATURE_BYTES]; /* CASE_FAILED: the line naming the failure */
} case_outcome;

/* Runs data[0, size) (version byte first) as a case of p in a child process. */
void case_run(const prop_property *p, const uint8_t *data, size_t size, case_outcome *out);

/*
 * A generated case that was refused, repaired: the byte that named an unassigned id (the
 * child reports it, props.h prop_choice) is lowered to name an assigned one. Returns false
 * when the outcome says nothing to repair.
 */
bool case_repair(uint8_t *data, size_t size, const case_outcome *refused);

typedef struct shrink_stats {
    size_t runs;      /* cases run while shrinking */
    size_t accepted;  /* smaller cases that failed the same way */
    double seconds;
} shrink_stats;

/*
 * Shrinks a failing case in place (data, *size; version byte untouched) while it keeps
 * failing with `signature`: deletes spans (halves down to single bytes), zeroes bytes, and
 * lowers bytes by binary search, repeating the passes until none makes progress or the
 * budget (runs_max, seconds_max) is spent. Every accepted candidate is smaller in shortlex
 * order (shorter, or as long and lexicographically lower), so shrinking ends. The result
 * is deterministic for the same starting case.
 */
shrink_stats case_shrink(const prop_property *p, uint8_t *data, size_t *size,
                         const char *signature, size_t runs_max, double seconds_max);

double case_now_seconds(void);

#endif
