/*
 * fuzz_resp_roundtrip: the codec against itself and against a real RESP implementation.
 *  - Requests: structured commands are encoded as multibulk, parsed back, and must equal.
 *  - Replies: a structured reply tree is written with the writer into a buffer whose size
 *    the input chooses. If it fits, hiredis's redisReader parses it back into the same
 *    values (an error's CR/LF come back as spaces, as Redis writes them). If it does not,
 *    the writer must have reported it and, rolled back, left the buffer exactly as before.
 *
 * Input: items, each a byte choosing its kind (table `items` below, id = byte % 4): a
 * command (argc 1..8, then each argument's bytes) or a reply (the buffer's capacity, then a
 * tree: each node a byte choosing its kind, table `reply_kinds`, id = byte % 8, then its
 * contents; an array at depth 3 has no elements and reads no count).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <hiredis.h>

#include "drivers/fuzz_target.h"
#include "harness/choice.h"
#include "harness/cursor.h"
#include "kv/resp_number.h"
#include "kv/resp_parser.h"
#include "kv/resp_writer.h"

#define ARGS_MAX           8
#define ARG_BYTES_MAX      64
#define TREE_DEPTH_MAX     3
#define TREE_CHILDREN_MAX  4
#define REPLY_BUFFER_BYTES 8192

static const resp_limits limits = {.command_args_max = ARGS_MAX,
                                   .bulk_size_max = ARG_BYTES_MAX,
                                   .inline_size_max = 64,
                                   .request_size_max = 4096};

/* Item ids: append only (harness/choice.h). */
enum { ITEM_COMMAND, ITEM_REPLY };
static const char *const item_names[] = {"command", "reply"};
static const choice_table items = CHOICE_TABLE_INIT(item_names, 4);

static uint8_t encoded[4096];
static uint8_t reply_buffer[REPLY_BUFFER_BYTES];
static uint8_t reply_copy[REPLY_BUFFER_BYTES];
static resp_arg parsed[ARGS_MAX];

/* ---- requests ---- */

FUZZ_NO_COVERAGE static size_t encode_command(const resp_arg *args, uint32_t argc) {
    resp_writer w;
    resp_writer_init(&w, encoded, sizeof encoded);
    resp_write_array_header(&w, argc);
    for (uint32_t i = 0; i < argc; i++)
        resp_write_bulk(&w, args[i].ptr, args[i].len);
    FUZZ_CHECK(!resp_writer_overflowed(&w), "encoding buffer too small");
    return w.len;
}

FUZZ_NO_COVERAGE static void roundtrip_command(cursor *c, FILE *describe_out) {
    resp_arg args[ARGS_MAX];
    uint32_t argc = cursor_range(c, 1, ARGS_MAX);
    for (uint32_t i = 0; i < argc; i++) {
        const uint8_t *bytes = NULL;
        size_t n = cursor_bytes(c, ARG_BYTES_MAX, &bytes);
        args[i] = (resp_arg){.ptr = bytes, .len = n};
    }
    if (describe_out != NULL) {
        fprintf(describe_out, "command:");
        for (uint32_t i = 0; i < argc; i++) {
            fputc(' ', describe_out);
            fuzz_print_escaped(describe_out, args[i].ptr, args[i].len, 80);
        }
        fputc('\n', describe_out);
        return;
    }
    size_t len = encode_command(args, argc);
    resp_parser p;
    resp_parser_init(&p, &limits);
    uint32_t got = 0;
    size_t consumed = 0;
    resp_status s = resp_parse(&p, encoded, len, parsed, ARGS_MAX, &got, &consumed);
    FUZZ_CHECK(s == RESP_COMMAND && consumed == len && got == argc,
               "encoded command parsed as status %d, %u args, %zu of %zu bytes", (int)s, got,
               consumed, len);
    for (uint32_t i = 0; i < argc; i++) {
        FUZZ_CHECK(parsed[i].len == args[i].len &&
                       memcmp(parsed[i].ptr, args[i].ptr, args[i].len) == 0,
                   "argument %u changed in the round trip", i);
    }
}

/* ---- replies ---- */

/* Reply kind ids: append only (harness/choice.h). */
typedef enum { R_SIMPLE, R_ERROR, R_INTEGER, R_BULK, R_NULL, R_ARRAY, R_NULL_ARRAY } reply_kind;
static const char *const reply_kind_names[] = {"simple", "error", "integer",   "bulk",
                                               "null",   "array", "null array"};
static const choice_table reply_kinds = CHOICE_TABLE_INIT(reply_kind_names, 8);

/* Writes a decoded tree and checks hiredis's parse of it node by node: the decoder runs
 * twice over the same bytes (once writing, once checking), so no tree is stored. */
typedef struct tree_pass {
    resp_writer *w;         /* writing pass */
    const redisReply *want; /* checking pass: the node to compare with */
    FILE *describe_out;     /* describing pass */
    int depth;
} tree_pass;

FUZZ_NO_COVERAGE static void sanitize(uint8_t *text, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '\r' || text[i] == '\n') text[i] = ' ';
    }
}

FUZZ_NO_COVERAGE static void check_text(const redisReply *r, int type, const uint8_t *bytes,
                                        size_t n, bool crlf_to_space) {
    FUZZ_CHECK(r->type == type, "hiredis type %d, wrote type %d", r->type, type);
    uint8_t want[ARG_BYTES_MAX];
    memcpy(want, bytes, n);
    if (crlf_to_space) sanitize(want, n);
    FUZZ_CHECK(r->len == n && memcmp(r->str, want, n) == 0, "text differs after the round trip");
}

/* Returns false when a node's kind id is unassigned (the cursor is refused). */
FUZZ_NO_COVERAGE static bool tree(cursor *c, tree_pass *t) {
    uint32_t id = choice_read(c, &reply_kinds);
    if (id == CHOICE_REFUSED) return false;
    reply_kind kind = (reply_kind)id;
    const uint8_t *bytes = NULL;
    size_t n = 0;
    uint8_t text[ARG_BYTES_MAX];
    switch (kind) {
    case R_SIMPLE:
    case R_ERROR:
    case R_BULK:
        n = cursor_bytes(c, ARG_BYTES_MAX, &bytes);
        memcpy(text, bytes, n);
        if (kind == R_SIMPLE) sanitize(text, n); /* simple strings hold no CR/LF */
        if (t->describe_out != NULL) {
            fprintf(t->describe_out, "%*s%s ", 2 * t->depth, "",
                    kind == R_SIMPLE  ? "simple"
                    : kind == R_ERROR ? "error"
                                      : "bulk");
            fuzz_print_escaped(t->describe_out, text, n, 80);
            fputc('\n', t->describe_out);
        } else if (t->w != NULL) {
            if (kind == R_SIMPLE) resp_write_simple(t->w, (const char *)text, n);
            if (kind == R_ERROR) resp_write_error(t->w, (const char *)text, n);
            if (kind == R_BULK) resp_write_bulk(t->w, text, n);
        } else {
            int type = kind == R_SIMPLE  ? REDIS_REPLY_STATUS
                       : kind == R_ERROR ? REDIS_REPLY_ERROR
                                         : REDIS_REPLY_STRING;
            check_text(t->want, type, text, n, kind == R_ERROR);
        }
        return true;
    case R_INTEGER: {
        int64_t v = (int64_t)cursor_u64(c);
        if (t->describe_out != NULL) {
            fprintf(t->describe_out, "%*sinteger %" PRId64 "\n", 2 * t->depth, "", v);
        } else if (t->w != NULL) {
            resp_write_integer(t->w, v);
        } else {
            FUZZ_CHECK(t->want->type == REDIS_REPLY_INTEGER && t->want->integer == v,
                       "integer %" PRId64 " came back as type %d", v, t->want->type);
        }
        return true;
    }
    case R_NULL:
    case R_NULL_ARRAY:
        if (t->describe_out != NULL) {
            fprintf(t->describe_out, "%*s%s\n", 2 * t->depth, "",
                    kind == R_NULL ? "null" : "null array");
        } else if (t->w != NULL) {
            if (kind == R_NULL) resp_write_null_bulk(t->w);
            if (kind == R_NULL_ARRAY) resp_write_null_array(t->w);
        } else {
            FUZZ_CHECK(t->want->type == REDIS_REPLY_NIL, "null came back as type %d",
                       t->want->type);
        }
        return true;
    case R_ARRAY: {
        uint32_t count = t->depth < TREE_DEPTH_MAX ? cursor_range(c, 0, TREE_CHILDREN_MAX) : 0;
        const redisReply *parent = t->want;
        if (t->describe_out != NULL) {
            fprintf(t->describe_out, "%*sarray of %u\n", 2 * t->depth, "", count);
        } else if (t->w != NULL) {
            resp_write_array_header(t->w, count);
        } else {
            FUZZ_CHECK(parent->type == REDIS_REPLY_ARRAY && parent->elements == count,
                       "array of %u came back as type %d", count, parent->type);
        }
        t->depth++;
        bool assigned = true;
        for (uint32_t i = 0; i < count && assigned; i++) {
            if (t->w == NULL && t->describe_out == NULL) t->want = parent->element[i];
            assigned = tree(c, t);
        }
        t->depth--;
        t->want = parent;
        return assigned;
    }
    }
    return true;
}

/* Returns false when a node's kind id is unassigned (the input is refused). */
FUZZ_NO_COVERAGE static bool roundtrip_reply(cursor *c, FILE *describe_out) {
    size_t capacity = cursor_range(c, 0, REPLY_BUFFER_BYTES);
    cursor start = *c;
    if (describe_out != NULL) {
        fprintf(describe_out, "reply into %zu bytes:\n", capacity);
        tree_pass t = {.describe_out = describe_out};
        return tree(c, &t);
    }
    /* Something already in the buffer, which a failed reply must not disturb. */
    memset(reply_buffer, 0xa5, sizeof reply_buffer);
    resp_writer w;
    resp_writer_init(&w, reply_buffer, capacity);
    resp_write_simple(&w, "OK", 2);
    size_t mark = resp_writer_mark(&w);
    memcpy(reply_copy, reply_buffer, sizeof reply_copy);
    tree_pass t = {.w = &w};
    if (!tree(c, &t)) return false;
    if (resp_writer_overflowed(&w)) {
        resp_writer_rollback(&w, mark);
        /* What was there before the reply is intact; bytes past it are not the buffer's. */
        FUZZ_CHECK(w.len == mark && memcmp(reply_buffer, reply_copy, mark) == 0,
                   "a reply that did not fit changed the buffer");
        return true;
    }
    redisReader *reader = redisReaderCreate();
    FUZZ_CHECK(reader != NULL, "redisReaderCreate failed");
    FUZZ_CHECK(redisReaderFeed(reader, (const char *)reply_buffer + mark, w.len - mark) == REDIS_OK,
               "redisReaderFeed failed");
    void *reply = NULL;
    int rc = redisReaderGetReply(reader, &reply);
    FUZZ_CHECK(rc == REDIS_OK && reply != NULL, "hiredis could not parse the reply: %s",
               reader->errstr);
    tree_pass check = {.want = reply};
    *c = start;
    tree(c, &check);
    void *more = NULL;
    FUZZ_CHECK(redisReaderGetReply(reader, &more) == REDIS_OK && more == NULL,
               "hiredis found bytes after the reply");
    freeReplyObject(reply);
    redisReaderFree(reader);
    return true;
}

/* Runs (or describes) every item; -1 at the first unassigned id, which describe names. */
FUZZ_NO_COVERAGE static int walk(const uint8_t *data, size_t size, FILE *describe_out) {
    cursor c = cursor_make(data, size);
    for (size_t i = 0; !cursor_empty(&c); i++) {
        fuzz_set_op(i);
        uint32_t item = choice_read(&c, &items);
        bool assigned = item != CHOICE_REFUSED;
        if (item == ITEM_COMMAND) roundtrip_command(&c, describe_out);
        if (item == ITEM_REPLY) assigned = roundtrip_reply(&c, describe_out);
        if (!assigned) {
            if (describe_out != NULL) {
                choice_print_refused(describe_out, &c,
                                     item == CHOICE_REFUSED ? "item" : "reply kind",
                                     item == CHOICE_REFUSED ? &items : &reply_kinds);
            }
            return -1;
        }
    }
    return 0;
}

FUZZ_NO_COVERAGE static void describe(const uint8_t *data, size_t size, FILE *out) {
    (void)walk(data, size, out);
}

static int run_input(const uint8_t *data, size_t size) { return walk(data, size, NULL); }

const fuzz_target_info fuzz_target = {
    .name = "resp_roundtrip", .format_version = 1, .run = run_input, .describe = describe};
