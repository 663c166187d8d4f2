/*
 * fuzz_resp_split: the same stream parsed whole, and in pieces at fuzzer-chosen cut points
 * (the remaining bytes moved to another buffer after every call, as a server that borrows a
 * large buffer does), must give identical command sequences and end the same way: the same
 * error at the same stream offset, or incomplete needing the same bytes.
 *
 * Input: byte 0 picks the limits (table `limit_sets` below, id = byte % 8) and, in bit 7,
 * that the client is not authenticated; byte 1 the number of cuts (0..15); then 2 bytes per
 * cut (an offset, modulo the stream's length); the rest is the stream.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/poison.h"
#include "drivers/fuzz_target.h"
#include "harness/choice.h"
#include "harness/cursor.h"
#include "harness/resp_fuzz_limits.h"
#include "kv/resp_parser.h"

#define STREAM_MAX_BYTES 4096
#define LOG_MAX_BYTES    (16 * STREAM_MAX_BYTES)
#define CUTS_MAX         15
#define ARGV_CAPACITY    64

/* Limit set ids: append only (harness/choice.h). */
static const resp_limits limit_sets[] = {
    RESP_FUZZ_LIMITS_SMALL,
    RESP_FUZZ_LIMITS_TINY,
    RESP_FUZZ_LIMITS_ROOMY,
    {.command_args_max = 16, .bulk_size_max = 64, .inline_size_max = 40, .request_size_max = 300},
};
static const char *const limit_set_names[] = {"small", "tiny", "roomy", "medium"};
static const choice_table limit_set_ids = CHOICE_TABLE_INIT(limit_set_names, 8);
_Static_assert(sizeof limit_sets / sizeof limit_sets[0] ==
                   sizeof limit_set_names / sizeof limit_set_names[0],
               "a name for every limit set");

typedef struct event_log {
    uint8_t bytes[LOG_MAX_BYTES];
    size_t len;
} event_log;

typedef struct split_input {
    const resp_limits *limits;
    bool authenticated;
    size_t cut_count;
    size_t cuts[CUTS_MAX];
    const uint8_t *stream;
    size_t stream_len;
} split_input;

static event_log whole_log;
static event_log split_log;
static uint8_t buffers[2][STREAM_MAX_BYTES] __attribute__((aligned(64)));
static resp_arg argv[ARGV_CAPACITY];

/* in.limits is NULL when the limit set's id is unassigned (*c says which). */
FUZZ_NO_COVERAGE static split_input decode(cursor *c) {
    split_input in = {0};
    uint8_t flags = 0;
    uint32_t id = choice_read_byte(c, &limit_set_ids, &flags);
    if (id == CHOICE_REFUSED) return in;
    in.limits = &limit_sets[id];
    in.authenticated = (flags & 0x80u) == 0;
    in.cut_count = cursor_range(c, 0, CUTS_MAX);
    uint16_t raw[CUTS_MAX];
    for (size_t i = 0; i < in.cut_count; i++)
        raw[i] = cursor_u16(c);
    in.stream = c->data + c->pos;
    in.stream_len = cursor_remaining(c);
    if (in.stream_len > STREAM_MAX_BYTES) in.stream_len = STREAM_MAX_BYTES;
    for (size_t i = 0; i < in.cut_count; i++) {
        in.cuts[i] = in.stream_len == 0 ? 0 : raw[i] % (in.stream_len + 1);
    }
    return in;
}

FUZZ_NO_COVERAGE static void describe(const uint8_t *data, size_t size, FILE *out) {
    cursor c = cursor_make(data, size);
    split_input in = decode(&c);
    if (in.limits == NULL) {
        choice_print_refused(out, &c, "limit set", &limit_set_ids);
        return;
    }
    fprintf(out,
            "limits: args %" PRIu64 ", bulk %" PRIu64 ", inline %" PRIu64 ", request %" PRIu64
            "; %s\ncuts at:",
            in.limits->command_args_max, in.limits->bulk_size_max, in.limits->inline_size_max,
            in.limits->request_size_max, in.authenticated ? "authenticated" : "unauthenticated");
    for (size_t i = 0; i < in.cut_count; i++)
        fprintf(out, " %zu", in.cuts[i]);
    fprintf(out, "\nstream: ");
    fuzz_print_escaped(out, in.stream, in.stream_len, 4096);
    fputc('\n', out);
}

FUZZ_NO_COVERAGE static void log_bytes(event_log *log, const void *bytes, size_t n) {
    FUZZ_CHECK(log->len + n <= sizeof log->bytes, "event log full");
    memcpy(log->bytes + log->len, bytes, n);
    log->len += n;
}

FUZZ_NO_COVERAGE static void log_u64(event_log *log, uint64_t v) { log_bytes(log, &v, sizeof v); }

FUZZ_NO_COVERAGE static void log_command(event_log *log, uint64_t end, uint32_t argc) {
    log_bytes(log, "C", 1);
    log_u64(log, end);
    log_u64(log, argc);
    for (uint32_t i = 0; i < argc; i++) {
        log_u64(log, argv[i].len);
        log_bytes(log, argv[i].ptr, argv[i].len);
    }
}

/*
 * Parses the stream, delivered up to each cut in turn (no cuts: all at once). After every
 * call the unconsumed bytes move to the other buffer. Logs commands with their absolute
 * end offsets, then how it ended.
 */
FUZZ_NO_COVERAGE static void run(const split_input *in, const size_t *ends, size_t end_count,
                                 event_log *log) {
    log->len = 0;
    resp_parser p;
    resp_parser_init(&p, in->limits);
    resp_parser_set_authenticated(&p, in->authenticated);
    int which = 0;
    size_t have = 0; /* bytes in the current buffer */
    size_t base = 0; /* stream offset of the buffer's first byte */
    resp_status s = RESP_INCOMPLETE;
    for (size_t e = 0; e < end_count && s != RESP_ERROR; e++) {
        size_t upto = ends[e];
        if (upto < base + have) continue;
        mem_unpoison(buffers[which], STREAM_MAX_BYTES);
        memcpy(buffers[which] + have, in->stream + base + have, upto - base - have);
        have = upto - base;
        mem_poison(buffers[which] + have, STREAM_MAX_BYTES - have);
        for (;;) {
            uint32_t argc = 0;
            size_t consumed = 0;
            s = resp_parse(&p, buffers[which], have, argv, ARGV_CAPACITY, &argc, &consumed);
            FUZZ_CHECK(consumed <= have, "consumed %zu of %zu", consumed, have);
            if (s == RESP_COMMAND) log_command(log, base + consumed, argc);
            /* Move the rest to the other buffer: the parser keeps offsets, not pointers. */
            int other = 1 - which;
            mem_unpoison(buffers[other], STREAM_MAX_BYTES);
            memcpy(buffers[other], buffers[which] + consumed, have - consumed);
            mem_poison(buffers[which], STREAM_MAX_BYTES);
            base += consumed;
            have -= consumed;
            which = other;
            mem_poison(buffers[which] + have, STREAM_MAX_BYTES - have);
            if (s != RESP_COMMAND) break;
        }
    }
    if (s == RESP_ERROR) {
        log_bytes(log, "E", 1);
        log_u64(log, base);
        log_u64(log, resp_parser_error(&p));
        log_u64(log, p.error_byte);
    } else {
        log_bytes(log, "I", 1);
        log_u64(log, resp_parser_in_request(&p) ? base + resp_parser_bytes_needed(&p) : base);
    }
    mem_unpoison(buffers[0], STREAM_MAX_BYTES);
    mem_unpoison(buffers[1], STREAM_MAX_BYTES);
}

FUZZ_NO_COVERAGE static int compare_sizes(const void *a, const void *b) {
    size_t x = *(const size_t *)a;
    size_t y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static int run_input(const uint8_t *data, size_t size) {
    cursor c = cursor_make(data, size);
    split_input in = decode(&c);
    if (in.limits == NULL) return -1;
    size_t all[1] = {in.stream_len};
    run(&in, all, 1, &whole_log);
    size_t ends[CUTS_MAX + 1];
    memcpy(ends, in.cuts, in.cut_count * sizeof ends[0]);
    ends[in.cut_count] = in.stream_len;
    qsort(ends, in.cut_count + 1, sizeof ends[0], compare_sizes);
    run(&in, ends, in.cut_count + 1, &split_log);
    FUZZ_CHECK(whole_log.len == split_log.len &&
                   memcmp(whole_log.bytes, split_log.bytes, whole_log.len) == 0,
               "fed whole and fed in pieces, the command sequences or endings differ "
               "(%zu vs %zu log bytes)",
               whole_log.len, split_log.len);
    return 0;
}

const fuzz_target_info fuzz_target = {
    .name = "resp_split", .format_version = 1, .run = run_input, .describe = describe};
