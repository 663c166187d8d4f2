/*
 * fuzz_resp_parse: arbitrary bytes into the RESP parser. The first byte picks the limits
 * (table `limit_sets` below, id = byte % 8; small ones so the fuzzer reaches them) and, in
 * bit 7, that the client is not authenticated; the rest is one client's stream, parsed
 * request after request as a server would.
 *
 * Invariants after every call: consumed <= what was given; every argument slice inside the
 * data; 1 <= argc <= command_args_max (and the unauthenticated limit); an inline request
 * no longer than inline_size_max, a multibulk request no larger than request_size_max;
 * bytes_needed() beyond what is buffered while incomplete; an error is sticky (the next
 * call returns it again, consuming nothing). ASan catches any read past the input: the
 * input is copied to the END of a global buffer, whose redzone follows it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "drivers/fuzz_target.h"
#include "harness/choice.h"
#include "harness/cursor.h"
#include "harness/resp_fuzz_limits.h"
#include "kv/resp_parser.h"

#define INPUT_MAX_BYTES 8192
#define ARGV_CAPACITY   1024

/* Limit set ids: append only (harness/choice.h). */
static const resp_limits limit_sets[] = {
    RESP_FUZZ_LIMITS_SMALL,
    RESP_FUZZ_LIMITS_TINY,
    RESP_FUZZ_LIMITS_ROOMY,
    {.command_args_max = 1024,
     .bulk_size_max = 1 << 20,
     .inline_size_max = 65536,
     .request_size_max = 1 << 22},
};
static const char *const limit_set_names[] = {"small", "tiny", "roomy", "large"};
static const choice_table limit_set_ids = CHOICE_TABLE_INIT(limit_set_names, 8);
_Static_assert(sizeof limit_sets / sizeof limit_sets[0] ==
                   sizeof limit_set_names / sizeof limit_set_names[0],
               "a name for every limit set");

/* The config byte: the limit set, or NULL when its id is unassigned (the cursor says which). */
FUZZ_NO_COVERAGE static const resp_limits *decode_config(cursor *c, bool *authenticated) {
    uint8_t config = 0;
    uint32_t id = choice_read_byte(c, &limit_set_ids, &config);
    *authenticated = (config & 0x80u) == 0;
    return id == CHOICE_REFUSED ? NULL : &limit_sets[id];
}

static uint8_t buffer[INPUT_MAX_BYTES] __attribute__((aligned(64)));
static resp_arg argv[ARGV_CAPACITY];

FUZZ_NO_COVERAGE static void describe(const uint8_t *data, size_t size, FILE *out) {
    if (size == 0) return;
    cursor c = cursor_make(data, size);
    bool authenticated = false;
    const resp_limits *l = decode_config(&c, &authenticated);
    if (l == NULL) {
        choice_print_refused(out, &c, "limit set", &limit_set_ids);
        return;
    }
    fprintf(out,
            "limits: args %" PRIu64 ", bulk %" PRIu64 ", inline %" PRIu64 ", request %" PRIu64
            "; %s\nstream: ",
            l->command_args_max, l->bulk_size_max, l->inline_size_max, l->request_size_max,
            authenticated ? "authenticated" : "unauthenticated");
    fuzz_print_escaped(out, data + 1, size - 1, 4096);
    fputc('\n', out);
}

FUZZ_NO_COVERAGE static void check_command(const resp_parser *p, const uint8_t *data, uint32_t argc,
                                           size_t consumed) {
    const resp_limits *l = p->limits;
    bool inline_request = resp_parser_last_request_inline(p);
    uint64_t bytes = resp_parser_last_request_bytes(p);
    FUZZ_CHECK(bytes >= 1 && bytes <= consumed, "request of %" PRIu64 " bytes in %zu consumed",
               bytes, consumed);
    const uint8_t *request = data + consumed - bytes;
    FUZZ_CHECK(argc >= 1 && argc <= l->command_args_max, "argc %u, limit %" PRIu64, argc,
               l->command_args_max);
    if (!p->authenticated && !inline_request) {
        FUZZ_CHECK(argc <= RESP_UNAUTH_ARGS_MAX, "unauthenticated argc %u", argc);
    }
    for (uint32_t i = 0; i < argc; i++) {
        FUZZ_CHECK(argv[i].ptr >= request && argv[i].ptr + argv[i].len <= data + consumed,
                   "argument %u is outside the request", i);
        if (!inline_request) {
            FUZZ_CHECK(argv[i].len <= l->bulk_size_max, "bulk of %zu bytes", argv[i].len);
        }
    }
    if (inline_request) {
        /* The line before its '\n' (one '\r' included) is within the limit. */
        FUZZ_CHECK(bytes - 1 <= l->inline_size_max,
                   "inline request of %" PRIu64 " bytes accepted past inline_size_max %" PRIu64,
                   bytes - 1, l->inline_size_max);
    } else {
        FUZZ_CHECK(bytes <= l->request_size_max, "request of %" PRIu64 " bytes past %" PRIu64,
                   bytes, l->request_size_max);
    }
}

static int run_input(const uint8_t *data, size_t size) {
    if (size == 0 || size > INPUT_MAX_BYTES) return 0;
    cursor c = cursor_make(data, size);
    bool authenticated = false;
    const resp_limits *limits = decode_config(&c, &authenticated);
    if (limits == NULL) return -1;
    resp_parser p;
    resp_parser_init(&p, limits);
    resp_parser_set_authenticated(&p, authenticated);
    size_t len = size - 1;
    uint8_t *stream = buffer + sizeof buffer - len;
    memcpy(stream, data + 1, len);
    size_t at = 0;
    for (size_t call = 0;; call++) {
        fuzz_set_op(call);
        uint32_t argc = 0;
        size_t consumed = 0;
        resp_status s =
            resp_parse(&p, stream + at, len - at, argv, ARGV_CAPACITY, &argc, &consumed);
        FUZZ_CHECK(consumed <= len - at, "consumed %zu of %zu", consumed, len - at);
        if (s == RESP_COMMAND) {
            check_command(&p, stream + at, argc, consumed);
            at += consumed;
            continue;
        }
        at += consumed;
        if (s == RESP_ERROR) {
            FUZZ_CHECK(resp_parser_error(&p) != RESP_ERR_NONE, "error without a code");
            size_t again = 1;
            resp_status s2 =
                resp_parse(&p, stream + at, len - at, argv, ARGV_CAPACITY, &argc, &again);
            FUZZ_CHECK(s2 == RESP_ERROR && again == 0, "the error is not sticky");
            char reply[160];
            resp_writer w;
            resp_writer_init(&w, reply, sizeof reply);
            FUZZ_CHECK(resp_write_protocol_error(&w, &p), "the error reply does not fit");
        } else {
            FUZZ_CHECK(resp_parser_bytes_needed(&p) > len - at || !resp_parser_in_request(&p),
                       "incomplete, yet %" PRIu64 " bytes needed and %zu buffered",
                       resp_parser_bytes_needed(&p), len - at);
        }
        break;
    }
    return 0;
}

const fuzz_target_info fuzz_target = {
    .name = "resp_parse", .format_version = 1, .run = run_input, .describe = describe};
