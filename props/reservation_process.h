#ifndef STASIS_PROPS_RESERVATION_PROCESS_H
#define STASIS_PROPS_RESERVATION_PROCESS_H

/*
 * reservation's check of the real process (prop_reservation.c): the mapping a running
 * stasis-kv really has, for a configuration the case accepted.
 *
 *  1. `stasis-kv SETTINGS --port 0`, its /proc/PID/maps read after the ready line: one
 *     mapping (a line, or adjacent lines, as the kernel merges neighbours) spans at least
 *     the total page-rounded, and the anonymous private memory it maps is the total
 *     page-rounded plus the process's fixed rest: the same rest, to the byte, as a
 *     reference stasis-kv (the tiny configuration, measured once before the cases) has
 *     beside its own reservation. So the process maps its reservation and nothing else
 *     that grows with the configuration;
 *  2. its start-up line says "reservation N bytes ... in K regions": the layout's total and
 *     region count;
 *  3. `stasis-kv SETTINGS --print-reservation` prints the in-process layout's table (every
 *     region's name, count, bytes each, bytes; the total), byte for byte.
 * 1 is left out in sanitized builds (ASan's own mappings are not fixed). A configuration
 * whose connections_max needs more descriptors than RLIMIT_NOFILE's hard limit allows is
 * left out: the server refuses it before mapping anything (its own check, with its text).
 */

#include "kv/config.h"
#include "kv/layout.h"

/* Measures the reference's rest (1 above) once, in a child process, before the cases (the
 * property's setup, props.h): each case inherits it instead of starting a second server. */
void reservation_process_setup(void);

/* `settings`: (name, value) pairs, NULL-terminated, as the case applied them in order (the
 * command line applies repeated flags in order too). Fails the case on a mismatch. */
void reservation_process_check(const char *const *settings, const kv_config *config,
                               const kv_layout *layout);

#endif
