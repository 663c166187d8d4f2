#include "resp_feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/stasis_assert.h"
#include "resp_reply.h"

static const resp_limits roomy = {.command_args_max = 1024,
                                  .bulk_size_max = 1 << 20,
                                  .inline_size_max = 65536,
                                  .request_size_max = 4 << 20};

static void record(char *out, size_t *at, const char *fmt_text) {
    size_t n = strlen(fmt_text);
    ST_ASSERT(*at + n < RESP_FEED_OUT_MAX);
    memcpy(out + *at, fmt_text, n);
    *at += n;
    out[*at] = '\0';
}

static void record_arg(char *out, size_t *at, const resp_arg *a) {
    char buf[8];
    for (size_t i = 0; i < a->len; i++) {
        uint8_t b = a->ptr[i];
        if (b >= 0x20 && b < 0x7f && b != '\\' && b != '|' && b != '[' && b != ']') {
            buf[0] = (char)b;
            buf[1] = '\0';
        } else {
            snprintf(buf, sizeof buf, "\\x%02x", b);
        }
        record(out, at, buf);
    }
}

const char *resp_feed(const void *bytes, size_t len, size_t piece, const resp_limits *limits,
                      bool authenticated) {
    static char out[RESP_FEED_OUT_MAX];
    static resp_arg argv[1024];
    size_t at = 0;
    out[0] = '\0';
    if (limits == NULL) limits = &roomy;
    resp_parser p;
    resp_parser_init(&p, limits);
    resp_parser_set_authenticated(&p, authenticated);
    uint8_t *buf = malloc(len + 1);
    ST_ASSERT(buf != NULL);
    size_t have = 0;
    size_t fed = 0;
    if (piece == 0) piece = len;
    resp_status s = RESP_INCOMPLETE;
    while (s != RESP_ERROR) {
        size_t take = len - fed < piece ? len - fed : piece;
        memcpy(buf + have, (const uint8_t *)bytes + fed, take);
        have += take;
        fed += take;
        for (;;) {
            uint32_t argc = 0;
            size_t consumed = 0;
            s = resp_parse(&p, buf, have, argv, 1024, &argc, &consumed);
            ST_ASSERT(consumed <= have);
            if (s == RESP_COMMAND) {
                record(out, &at, "[");
                for (uint32_t i = 0; i < argc; i++) {
                    ST_ASSERT(argv[i].ptr >= buf && argv[i].ptr + argv[i].len <= buf + have);
                    if (i > 0) record(out, &at, "|");
                    record_arg(out, &at, &argv[i]);
                }
                record(out, &at, "]");
            }
            memmove(buf, buf + consumed, have - consumed);
            have -= consumed;
            if (s != RESP_COMMAND) break;
        }
        if (fed == len) break;
    }
    if (s == RESP_ERROR) {
        char reply[256];
        resp_writer w;
        resp_writer_init(&w, reply, sizeof reply - 1);
        resp_write_protocol_error(&w, &p);
        resp_reply_assert_one_value(reply, w.len, "a protocol error");
        reply[w.len] = '\0';
        record(out, &at, reply);
    } else if (resp_parser_in_request(&p) || have > 0) {
        record(out, &at, "<incomplete>");
    }
    free(buf);
    return out;
}

const char *resp_feed_both(const char *text) {
    static char whole[RESP_FEED_OUT_MAX];
    size_t len = strlen(text);
    snprintf(whole, sizeof whole, "%s", resp_feed(text, len, 0, NULL, true));
    const char *bytewise = resp_feed(text, len, 1, NULL, true);
    if (strcmp(whole, bytewise) != 0) {
        fprintf(stderr, "whole:      %s\nbyte-wise:  %s\n", whole, bytewise);
        ST_ASSERT(strcmp(whole, bytewise) == 0);
    }
    return whole;
}
