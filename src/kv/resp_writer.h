#ifndef STASIS_KV_RESP_WRITER_H
#define STASIS_KV_RESP_WRITER_H

/*
 * RESP2 reply writer into a bounded buffer the caller owns.
 *
 * Every write either appends all of its bytes and returns true, or appends nothing, sets
 * the sticky overflow flag and returns false; once overflowed, every later write is a
 * no-op returning false. So a reply never goes out truncated: a multi-part reply (an
 * array and its elements) is written, then checked once, and undone with rollback if it
 * did not fit — the buffer is then exactly as before (mark/rollback).
 *
 * Errors: the text is written after '-' with CR and LF replaced by spaces, as Redis does
 * (the text may come from the client). Simple strings must not contain CR or LF
 * (asserted: they are always the server's own texts).
 *
 * Pure: no allocation, no stdio, no syscalls. Every write is O(its length).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct resp_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool overflow;
} resp_writer;

void resp_writer_init(resp_writer *w, void *buf, size_t cap);

/* Bytes free: cap - len. */
size_t resp_writer_room(const resp_writer *w);
size_t resp_writer_len(const resp_writer *w);
bool resp_writer_overflowed(const resp_writer *w);

/* A point to come back to, and going back to it (clearing the overflow flag). */
size_t resp_writer_mark(const resp_writer *w);
void resp_writer_rollback(resp_writer *w, size_t mark);

bool resp_write_simple(resp_writer *w, const char *text, size_t len); /* +text\r\n */
bool resp_write_error(resp_writer *w, const char *text, size_t len);  /* -text\r\n */
bool resp_write_integer(resp_writer *w, int64_t v);                   /* :v\r\n */
bool resp_write_bulk(resp_writer *w, const void *bytes, size_t len);  /* $len\r\n...\r\n */
bool resp_write_null_bulk(resp_writer *w);                            /* $-1\r\n */
bool resp_write_array_header(resp_writer *w, uint64_t n);             /* *n\r\n */
bool resp_write_null_array(resp_writer *w);                           /* *-1\r\n */

/* A bulk assembled from pieces: header, raw bytes (exactly len of them), CRLF. */
bool resp_write_bulk_header(resp_writer *w, uint64_t len); /* $len\r\n */
bool resp_write_raw(resp_writer *w, const void *bytes, size_t len);
bool resp_write_crlf(resp_writer *w);

/* Exact sizes, for computing a reply's size before writing it. */
uint64_t resp_bulk_size(uint64_t len);
uint64_t resp_integer_size(int64_t v);
uint64_t resp_array_header_size(uint64_t n);

#endif
