#ifndef STASIS_PROPS_CAPACITY_CONNECTIONS_H
#define STASIS_PROPS_CAPACITY_CONNECTIONS_H

/*
 * capacity's third leg (prop_capacity.c): the guaranteed policy's worst case with every
 * connection busy, on the real stasis-kv over loopback (kv_process.h).
 *
 * Payload: connections (1..16, also keys_max), large buffers (2..4), key_size_max (1..64),
 * value_size_max (8..2048), list_length_max (1..32), connection_buffer_size (1..4 KiB); the
 * rest of the limits are derived as the server derives them, with inline_size_max at its
 * least (16), so request_size_max is the largest push: RPUSH of a key of key_size_max bytes
 * and list_length_max values of value_size_max bytes.
 *
 * Checks, in order:
 *  1. every one of the connections_max connections sends such a maximal request (to its own
 *     key) and holds its last byte: all are in flight at once, most of them waiting for one
 *     of the few large buffers;
 *  2. meanwhile one connection more is answered exactly
 *     "-ERR max number of clients reached" and closed;
 *  3. the last bytes go out: every request completes with zero errors (":list_length_max");
 *  4. one byte beyond request_size_max (the same push as RPUSHX) is answered exactly
 *     "-ERR Protocol error: request exceeds request_size_max (N bytes)" and closed,
 *     and changed nothing: DBSIZE and every list's LLEN as before;
 *  5. the server ends with status 0 on SIGTERM.
 */

#include <stdio.h>

#include "harness/cursor.h"

/* Runs the leg on the rest of the payload: PROP_PASS, or a failed check (props.h). */
int capacity_connections_run(cursor *c);

/* Prints the leg's configuration and steps. */
void capacity_connections_describe(cursor *c, FILE *out);

#endif
