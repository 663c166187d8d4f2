/* kv_ops: lists whose replies land at reply_size_max, and requests at the protocol limits. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "targets/kv_ops/kv_ops.h"

FUZZ_NO_COVERAGE static void run_exact(const resp_arg *argv, uint32_t argc) {
    size_t len = kv_fuzz_engine_run(&fe, argv, argc, now_ms, reply, sizeof reply);
    kvm_execute(&model, argv, argc, now_ms);
    compare_reply(len);
    check_state();
}

/* RPUSH the planned elements, then LRANGE 0 -1 and LPOP count: replies of exactly
 * reply_size_max + delta bytes where the limits allow (a write, LPOP, and a read). */
FUZZ_NO_COVERAGE void run_at_limit(const op *o) {
    at_limit_plan p = plan_at_limit(fe.engine.config, o->limit_delta);
    static resp_arg argv[2 + KVM_LIST_MAX];
    static char count_text[16];
    uint32_t argc = 0;
    argv[argc++] = text_arg("rpush");
    argv[argc++] = o->argv[1];
    if (filler[0] == 0) memset(filler, 'f', sizeof filler);
    for (uint32_t i = 0; i < p.count; i++)
        argv[argc++] = (resp_arg){.ptr = filler, .len = p.len + (i < p.longer ? 1u : 0u)};
    run_exact(argv, argc);
    resp_arg lrange[4] = {text_arg("lrange"), o->argv[1], text_arg("0"), text_arg("-1")};
    run_exact(lrange, 4);
    snprintf(count_text, sizeof count_text, "%u", p.count);
    resp_arg lpop[3] = {text_arg("lpop"), o->argv[1], text_arg(count_text)};
    run_exact(lpop, 3);
}

/* ---- requests at the protocol limits ---- */

#define PROTOCOL_REQUEST_MAX_BYTES (16 * 1024) /* a bulk of LCS's bulk_size_max, and more */
static uint8_t request[PROTOCOL_REQUEST_MAX_BYTES];

/* Appends "$<len>\r\n<bytes>\r\n" (bytes NULL: len 'v's). */
FUZZ_NO_COVERAGE static size_t put_bulk(size_t at, const void *bytes, size_t len) {
    at += (size_t)snprintf((char *)request + at, sizeof request - at, "$%zu\r\n", len);
    FUZZ_CHECK(at + len + 2 <= sizeof request, "request buffer too small");
    if (bytes != NULL) {
        memcpy(request + at, bytes, len);
    } else {
        memset(request + at, 'v', len);
    }
    memcpy(request + at + len, "\r\n", 2);
    return at + len + 2;
}

/* Builds the request; *over: the limit it passes (its measure is limit + delta). */
FUZZ_NO_COVERAGE static size_t build_request(const op *o, const kv_config *cfg, uint64_t *measure) {
    const resp_arg *key = &o->argv[1];
    size_t at = 0;
    if (o->protocol_form == 0) { /* RPUSH key x x ...: command_args_max + delta arguments */
        *measure = cfg->command_args_max + (uint64_t)(int64_t)o->limit_delta;
        at += (size_t)snprintf((char *)request, sizeof request, "*%" PRIu64 "\r\n", *measure);
        at = put_bulk(at, "rpush", 5);
        at = put_bulk(at, key->ptr, key->len);
        for (uint64_t k = 2; k < *measure; k++)
            at = put_bulk(at, "x", 1);
        return at;
    }
    if (o->protocol_form == 1) { /* SET key <bulk_size_max + delta bytes> */
        *measure = cfg->bulk_size_max + (uint64_t)(int64_t)o->limit_delta;
        at += (size_t)snprintf((char *)request, sizeof request, "*3\r\n");
        at = put_bulk(at, "set", 3);
        at = put_bulk(at, key->ptr, key->len);
        return put_bulk(at, NULL, *measure);
    }
    /* "set <key> vvv...\r\n": inline_size_max + delta bytes before the '\n' (the '\r'
     * counts: it is the line's until the parser strips it) */
    *measure = cfg->inline_size_max + (uint64_t)(int64_t)o->limit_delta;
    at = (size_t)snprintf((char *)request, sizeof request, "set %.*s ", (int)key->len,
                          (const char *)key->ptr);
    FUZZ_CHECK(*measure > at + 1 && *measure + 1 <= sizeof request,
               "inline line of %" PRIu64 " bytes", *measure);
    memset(request + at, 'v', *measure - 1 - at);
    memcpy(request + *measure - 1, "\r\n", 2);
    return *measure + 1;
}

/*
 * The request through the parser with the engine's limits: past its limit, Redis's
 * protocol error, exactly, and nothing runs; at or under it, one command with the
 * arguments built, run on both sides and compared.
 */
FUZZ_NO_COVERAGE void run_protocol_limit(const op *o) {
    const kv_config *cfg = fe.engine.config;
    bool spaced = false;
    for (size_t k = 0; k < o->argv[1].len; k++)
        spaced = spaced || o->argv[1].ptr[k] <= ' ' || o->argv[1].ptr[k] == '"' ||
                 o->argv[1].ptr[k] == '\'';
    if (o->protocol_form == 2 && (spaced || o->argv[1].len == 0)) return; /* not one word */
    /* The other bulks must be within bulk_size_max, so that only the one limit is at stake. */
    if (o->protocol_form != 2 && (o->argv[1].len > cfg->bulk_size_max ||
                                  (o->protocol_form == 0 ? 5u : 3u) > cfg->bulk_size_max)) {
        return;
    }
    uint64_t measure = 0;
    size_t len = build_request(o, cfg, &measure);
    resp_limits limits = {.command_args_max = cfg->command_args_max,
                          .bulk_size_max = cfg->bulk_size_max,
                          .inline_size_max = cfg->inline_size_max,
                          .request_size_max = cfg->request_size_max};
    resp_parser p;
    resp_parser_init(&p, &limits);
    static resp_arg argv[OPS_ARGS_MAX];
    uint32_t argc = 0;
    size_t consumed = 0;
    resp_status st = resp_parse(&p, request, len, argv, OPS_ARGS_MAX, &argc, &consumed);
    if (o->limit_delta > 0) {
        static const char *const texts[] = {"-ERR Protocol error: invalid multibulk length\r\n",
                                            "-ERR Protocol error: invalid bulk length\r\n",
                                            "-ERR Protocol error: too big inline request\r\n"};
        FUZZ_CHECK(st == RESP_ERROR, "a request past its limit parsed (status %d)", (int)st);
        resp_writer w;
        resp_writer_init(&w, reply, sizeof reply);
        resp_write_protocol_error(&w, &p);
        const char *want = texts[o->protocol_form];
        kv_fuzz_compare_reply(reply, w.len, (const uint8_t *)want, strlen(want));
        return;
    }
    FUZZ_CHECK(st == RESP_COMMAND && consumed == len, "a request at its limit did not parse whole "
               "(status %d, error %d)", (int)st, (int)resp_parser_error(&p));
    FUZZ_CHECK(argc == (o->protocol_form == 0 ? measure : 3), "parsed %u arguments", argc);
    run_exact(argv, argc);
}

