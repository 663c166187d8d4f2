#ifndef STASIS_KV_RESP_PARSER_H
#define STASIS_KV_RESP_PARSER_H

/*
 * Streaming, zero-copy, bounded RESP2 request parser: multibulk (`*N\r\n$len\r\n...`) and
 * inline requests (`SET "a b" c\r\n`), with Redis 7.0's rules and error texts.
 *
 * Streaming. One parser per connection keeps a few dozen bytes of state between calls: a
 * request may arrive in any number of pieces, one byte at a time included, and a buffer
 * holding several pipelined requests yields all of them, one call each. Work is O(bytes)
 * however the input is cut: a partial request is never rescanned from its start.
 *
 * Contract with the caller's buffer. `data` always begins at the first byte not yet
 * consumed. After each call the caller drops `*consumed` bytes from the front and may MOVE
 * the rest (e.g. into a larger buffer) before appending more and calling again: the state
 * holds only offsets relative to that first byte, never pointers.
 *
 * Zero-copy. A command's arguments are slices of `data`. Inline arguments with quotes or
 * escapes are decoded IN PLACE (a decoded argument is never longer than its text), which is
 * why `data` is writable; only bytes of the request being returned are rewritten.
 * With an inline scratch (resp_parser_set_inline_scratch) an inline line is copied there
 * and decoded in the copy instead, so `data` is never written: a caller may then save the
 * parser (a struct copy) before a call and, by restoring it, parse the same bytes again
 * later with the same outcome (the server does, to run a command again once it has room).
 *
 * Outcomes. RESP_INCOMPLETE: more bytes needed (nothing is wrong). RESP_COMMAND: argv[0..
 * argc) hold one command, argc >= 1. RESP_ERROR: a protocol error; the parser stays in
 * error (sticky) and resp_write_protocol_error() writes Redis's reply; the server then
 * closes the connection, as Redis does. Requests Redis ignores (an empty or blank inline
 * line, `*0`, `*-N`) are consumed silently.
 *
 * Limits, checked before anything is taken from the buffer (a huge announced length
 * reserves nothing):
 *  - a count above command_args_max (or INT_MAX): "invalid multibulk length"; an inline
 *    request with more arguments gets the same text;
 *  - a bulk length above bulk_size_max: "invalid bulk length";
 *  - a line (inline request, `*N` or `$N` header) longer than inline_size_max bytes before
 *    its terminator: "too big inline request" / "too big mbulk count string" / "too big
 *    bulk count string", as soon as the line passes the limit, however the bytes were cut
 *    (Redis checks only while no terminator is buffered, so its outcome depends on cuts);
 *  - a multibulk request larger than request_size_max bytes (headers included): "request
 *    exceeds request_size_max (N bytes)" (stasis's own limit; Redis has none);
 *  - unauthenticated clients (resp_parser_set_authenticated(false)): counts above 10 and
 *    bulks above 16384 bytes get Redis's "unauthenticated ..." texts, also when they pass
 *    stasis's own smaller limits (command_args_max, bulk_size_max), as Redis checks these
 *    before anything but its own bounds (INT_MAX arguments, a 512 MiB bulk).
 *
 * Redis quirks kept because clients can observe them: `*`/`$` lines end at '\r' and the byte
 * after it is skipped unchecked (but waited for); the two bytes after a bulk payload are
 * skipped unchecked (but waited for); numbers follow string2ll (resp_number.h: no '+', no
 * leading zeros, "-0" invalid); "expected '$', got 'X'" shows CR and LF as a space and is
 * raised only once the line's '\r' has arrived; a NUL byte stops the search for a line's
 * end, so such a line can only end in its "too big" error once more than inline_size_max
 * bytes are buffered from its start; inline lines end at '\n' with one '\r' before it
 * stripped, and split with sdssplitargs's quoting rules.
 *
 * Pure: no allocation, no syscalls.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv/resp_writer.h"

/* Redis's limits for clients that have not authenticated yet. */
#define RESP_UNAUTH_ARGS_MAX      10u
#define RESP_UNAUTH_BULK_SIZE_MAX 16384u
/* Redis 7.0's default proto-max-bulk-len: past it Redis answers "invalid bulk length" even
 * to a client that has not authenticated. */
#define RESP_REDIS_BULK_SIZE_MAX ((uint64_t)512 * 1024 * 1024)

typedef struct resp_limits {
    uint64_t command_args_max; /* >= 1 */
    uint64_t bulk_size_max;
    uint64_t inline_size_max;  /* >= 1 */
    uint64_t request_size_max; /* >= inline_size_max */
} resp_limits;

typedef enum resp_status {
    RESP_INCOMPLETE = 0,
    RESP_COMMAND = 1,
    RESP_ERROR = 2,
} resp_status;

typedef enum resp_error {
    RESP_ERR_NONE = 0,
    RESP_ERR_TOO_BIG_INLINE,
    RESP_ERR_UNBALANCED_QUOTES,
    RESP_ERR_TOO_BIG_MBULK_COUNT,
    RESP_ERR_INVALID_MULTIBULK_LENGTH,
    RESP_ERR_UNAUTH_MULTIBULK_LENGTH,
    RESP_ERR_TOO_BIG_BULK_COUNT,
    RESP_ERR_EXPECTED_DOLLAR,
    RESP_ERR_INVALID_BULK_LENGTH,
    RESP_ERR_UNAUTH_BULK_LENGTH,
    RESP_ERR_REQUEST_TOO_BIG,
} resp_error;

/* An argument: a slice of the caller's buffer. */
typedef struct resp_arg {
    const uint8_t *ptr;
    size_t len;
} resp_arg;

typedef struct resp_parser {
    const resp_limits *limits;
    uint64_t pos;      /* request bytes fully parsed */
    uint64_t scan;     /* how far the current line has been searched */
    uint64_t need;     /* bytes the request needs before the next step can run */
    uint64_t bulk_len; /* the bulk being read */
    uint32_t args_total;
    uint32_t args_read;
    uint8_t state;
    uint8_t error;      /* resp_error */
    uint8_t error_byte; /* for RESP_ERR_EXPECTED_DOLLAR */
    bool line_has_nul;  /* the current line can never end */
    bool authenticated;
    uint8_t *inline_scratch; /* NULL: inline lines are decoded in place */
    bool last_inline;        /* the last command returned was an inline request */
    uint64_t last_bytes;     /* ...of this many bytes (the end of *consumed) */
} resp_parser;

/* A fresh parser (authenticated). `limits` must outlive it. */
void resp_parser_init(resp_parser *p, const resp_limits *limits);

/* Back to a fresh state for a new connection (keeps limits; authenticated again). */
void resp_parser_reset(resp_parser *p);

void resp_parser_set_authenticated(resp_parser *p, bool authenticated);

/*
 * Decode inline lines in `scratch` (at least limits->inline_size_max bytes, which bounds
 * every inline line the parser accepts) instead of in place; an inline command's arguments
 * then point into the scratch, valid until the next resp_parse of any parser sharing it.
 * Several parsers may share one scratch. Kept across resp_parser_reset. NULL: in place.
 */
void resp_parser_set_inline_scratch(resp_parser *p, uint8_t *scratch, size_t scratch_bytes);

/*
 * Parses from data[0, len) (see the buffer contract above). argv must have room for
 * argv_capacity >= limits->command_args_max slices. Always sets *consumed (bytes the
 * caller may drop) and, for RESP_COMMAND, *argc. O(bytes examined).
 */
resp_status resp_parse(resp_parser *p, uint8_t *data, size_t len, resp_arg *argv,
                       uint32_t argv_capacity, uint32_t *argc, size_t *consumed);

/* The last command returned: its request's size (the last *bytes of *consumed) and
 * whether it was an inline request. For checks and statistics. */
uint64_t resp_parser_last_request_bytes(const resp_parser *p);
bool resp_parser_last_request_inline(const resp_parser *p);

/* The sticky error (RESP_ERR_NONE if none). */
resp_error resp_parser_error(const resp_parser *p);

/* True iff the parser is in the middle of a request (some of it buffered). */
bool resp_parser_in_request(const resp_parser *p);

/* After RESP_INCOMPLETE: the fewest bytes, counted from data[0], the buffer must hold
 * before the parser can make progress (always more than it holds now). When it exceeds
 * the buffer's capacity the server moves the request to a large buffer. */
uint64_t resp_parser_bytes_needed(const resp_parser *p);

/* Writes "-ERR Protocol error: ...\r\n" for the parser's error. Precondition: in error. */
bool resp_write_protocol_error(resp_writer *w, const resp_parser *p);

#endif
