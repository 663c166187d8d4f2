#include "kv_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/reservation.h"
#include "alloc/stasis_assert.h"
#include "kv/layout.h"
#include "kv/resp_parser.h"
#include "resp_reply.h"

#define HARNESS_REPLY_CAP_BYTES ((size_t)8 << 20)

struct kv_harness {
    kv_config config;
    kv_layout layout;
    reservation res;
    kv_engine engine;
    kv_session session;  /* the session commands run in */
    kv_session sessions[2]; /* the connections kv_harness_use_session switches between */
    char *names[2];
    uint32_t current;
    void *txn_memory[5];
    resp_parser parser;
    resp_limits limits;
    resp_arg *argv;
    char *name;
    void *lcs_scratch;
    uint8_t *input;
    size_t input_len;
    char *replies;
    size_t replies_len;
    uint8_t *scratch;
    size_t room;
    uint64_t room_retries;
    uint64_t blocked; /* commands that answered KV_EXEC_BLOCKED */
    int64_t now_ms;
    bool closed;
};

void kv_harness_config(kv_config *c) {
    kv_config_defaults(c);
    c->keys_max = 64;
    c->key_size_max = 64;
    c->value_size_max = 256;
    c->list_length_max = 32;
    c->chunk_size = 16;
    c->data_budget_bytes = 64 * 1024;
    c->connections_max = 4;
    char error[256];
    bool ok = kv_config_finalize(c, error, sizeof error);
    ST_ASSERT(ok);
}

/* The transaction regions, as the server carves them (one aligned block each). */
static void give_transactions(kv_harness *h) {
    kv_txn_layout l = kv_txn_layout_for(&h->config);
    ST_ASSERT(!l.overflow);
    uint64_t sizes[5] = {l.state_bytes, l.queue_bytes, l.watch_bytes, l.index_bytes, l.argv_bytes};
    for (size_t i = 0; i < 5; i++) {
        h->txn_memory[i] = aligned_alloc(64, sizes[i] == 0 ? 64 : sizes[i]);
        ST_ASSERT(h->txn_memory[i] != NULL);
    }
    kv_engine_give_transactions(&h->engine,
                                (kv_txn_memory){.state = h->txn_memory[0],
                                                .queues = h->txn_memory[1],
                                                .watches = h->txn_memory[2],
                                                .index = h->txn_memory[3],
                                                .argv = h->txn_memory[4]});
}

kv_harness *kv_harness_open(const kv_config *config) {
    kv_harness *h = calloc(1, sizeof *h);
    ST_ASSERT(h != NULL);
    h->config = *config;
    char error[256];
    bool ok = kv_layout_compute(&h->config, &h->layout, error, sizeof error);
    if (!ok) fprintf(stderr, "%s\n", error);
    ST_ASSERT(ok);
    kv_store_params p = {.keys_max = h->config.keys_max,
                         .chunk_count = (uint32_t)h->layout.chunk_count,
                         .chunk_size = (uint32_t)h->config.chunk_size};
    size_t store_bytes = kv_store_memory_bytes(p);
    ST_ASSERT(reservation_map(&h->res, store_bytes, 0) == 0);
    void *store = reservation_carve(&h->res, store_bytes, 64);
    ST_ASSERT(store != NULL);
    reservation_seal(&h->res);
    kv_engine_init(&h->engine, &h->config, store, store_bytes, p.chunk_count,
                   (siphash_key){.k0 = 1, .k1 = 2});
    size_t lcs_bytes = kv_engine_lcs_scratch_bytes(&h->config);
    h->lcs_scratch = aligned_alloc(64, (lcs_bytes + 63) & ~(size_t)63);
    ST_ASSERT(h->lcs_scratch != NULL);
    kv_engine_give_lcs_scratch(&h->engine, h->lcs_scratch, lcs_bytes);
    give_transactions(h);
    for (uint32_t i = 0; i < 2; i++) {
        h->names[i] = calloc(1, h->config.client_name_size_max + 1);
        ST_ASSERT(h->names[i] != NULL);
        kv_engine_open_session(&h->engine, &h->sessions[i], h->names[i]);
    }
    h->name = h->names[0];
    h->session = h->sessions[0];
    h->limits = (resp_limits){.command_args_max = h->config.command_args_max,
                              .bulk_size_max = h->config.bulk_size_max,
                              .inline_size_max = h->config.inline_size_max,
                              .request_size_max = h->config.request_size_max};
    resp_parser_init(&h->parser, &h->limits);
    resp_parser_set_authenticated(&h->parser, h->session.authenticated);
    h->argv = calloc(h->config.command_args_max, sizeof *h->argv);
    h->replies = malloc(HARNESS_REPLY_CAP_BYTES + 1);
    h->room = h->config.reply_size_max + KV_REPLY_ROOM_MIN_BYTES;
    h->scratch = malloc(h->room);
    h->now_ms = 1700000000000;
    ST_ASSERT(h->argv != NULL && h->replies != NULL && h->scratch != NULL);
    return h;
}

kv_harness *kv_harness_open_tweaked(void (*tweak)(kv_config *config)) {
    kv_config c;
    kv_harness_config(&c);
    tweak(&c);
    char error[256];
    bool ok = kv_config_finalize(&c, error, sizeof error);
    if (!ok) fprintf(stderr, "%s\n", error);
    ST_ASSERT(ok);
    return kv_harness_open(&c);
}

void kv_harness_close(kv_harness *h) {
    reservation_begin_deinit(&h->res);
    reservation_unmap(&h->res);
    free(h->argv);
    for (size_t i = 0; i < 5; i++)
        free(h->txn_memory[i]);
    free(h->names[0]);
    free(h->names[1]);
    free(h->input);
    free(h->replies);
    free(h->scratch);
    free(h->lcs_scratch);
    free(h);
}

static void append_reply(kv_harness *h, const void *bytes, size_t len) {
    ST_ASSERT(h->replies_len + len <= HARNESS_REPLY_CAP_BYTES);
    memcpy(h->replies + h->replies_len, bytes, len);
    h->replies_len += len;
}

/* Every reply the engine writes is exactly one RESP2 value, whatever the test then looks at;
 * only a connection closed without a reply (HTTP words) writes nothing. */
static void assert_one_reply(const kv_harness *h, const resp_arg *argv, uint32_t argc,
                             const void *reply, size_t len) {
    if (len == 0 && h->session.close_without_reply) return;
    char what[80]; /* the command's first two words, for the message */
    int shown[2] = {0, 0};
    for (uint32_t i = 0; i < 2 && i < argc; i++)
        shown[i] = argv[i].len < 32 ? (int)argv[i].len : 32;
    snprintf(what, sizeof what, "'%.*s %.*s'", shown[0], (const char *)argv[0].ptr, shown[1],
             argc > 1 ? (const char *)argv[1].ptr : "");
    resp_reply_assert_one_value(reply, len, what);
}

/* Runs one command, giving the engine first the configured room, then (on NEEDS_ROOM) the
 * full room a large buffer would give, as the server does. */
static void run(kv_harness *h, const resp_arg *argv, uint32_t argc) {
    size_t room = h->room;
    for (int attempt = 0; attempt < 2; attempt++) {
        resp_writer w;
        resp_writer_init(&w, h->scratch, room);
        kv_exec r = kv_engine_execute(&h->engine, &h->session, argv, argc, h->now_ms, &w);
        if (r == KV_EXEC_DONE) {
            assert_one_reply(h, argv, argc, w.buf, w.len);
            append_reply(h, w.buf, w.len);
            return;
        }
        ST_ASSERT(w.len == 0); /* NEEDS_ROOM and BLOCKED wrote nothing */
        if (r == KV_EXEC_BLOCKED) { /* no reply: a server would keep the client waiting */
            h->blocked++;
            return;
        }
        h->room_retries++;
        room = h->config.reply_size_max + KV_REPLY_ROOM_MIN_BYTES;
        if (h->room < room) {
            free(h->scratch);
            h->scratch = malloc(room);
            h->room = room;
            ST_ASSERT(h->scratch != NULL);
        }
    }
    ST_ASSERT(false); /* the engine asked for room twice */
}

const char *kv_harness_send_bytes(kv_harness *h, const void *bytes, size_t len, size_t *reply_len,
                                  bool *closed) {
    h->replies_len = 0;
    h->input = realloc(h->input, h->input_len + len + 1);
    ST_ASSERT(h->input != NULL);
    memcpy(h->input + h->input_len, bytes, len);
    h->input_len += len;
    while (!h->closed) {
        uint32_t argc = 0;
        size_t consumed = 0;
        resp_status s = resp_parse(&h->parser, h->input, h->input_len, h->argv,
                                   (uint32_t)h->config.command_args_max, &argc, &consumed);
        if (s == RESP_ERROR) {
            resp_writer w;
            char buf[256];
            resp_writer_init(&w, buf, sizeof buf);
            resp_write_protocol_error(&w, &h->parser);
            resp_reply_assert_one_value(buf, w.len, "a protocol error");
            append_reply(h, buf, w.len);
            h->closed = true;
            break;
        }
        if (s == RESP_COMMAND) {
            run(h, h->argv, argc);
            resp_parser_set_authenticated(&h->parser, h->session.authenticated);
            if (h->session.close_after_reply || h->session.close_without_reply) h->closed = true;
        }
        memmove(h->input, h->input + consumed, h->input_len - consumed);
        h->input_len -= consumed;
        if (s == RESP_INCOMPLETE) break;
    }
    h->replies[h->replies_len] = '\0';
    if (reply_len != NULL) *reply_len = h->replies_len;
    if (closed != NULL) *closed = h->closed;
    return h->replies;
}

const char *kv_harness_send(kv_harness *h, const char *text) {
    return kv_harness_send_bytes(h, text, strlen(text), NULL, NULL);
}

const char *kv_harness_command(kv_harness *h, size_t argc, const char *const *argv) {
    resp_arg args[64];
    ST_ASSERT(argc <= 64);
    for (size_t i = 0; i < argc; i++) {
        args[i] = (resp_arg){.ptr = (const uint8_t *)argv[i], .len = strlen(argv[i])};
    }
    h->replies_len = 0;
    run(h, args, (uint32_t)argc);
    h->replies[h->replies_len] = '\0';
    return h->replies;
}

size_t kv_harness_reply_len(const kv_harness *h) { return h->replies_len; }
void kv_harness_set_time(kv_harness *h, int64_t now_ms) { h->now_ms = now_ms; }

void kv_harness_use_session(kv_harness *h, uint32_t which) {
    ST_ASSERT(which < 2);
    h->sessions[h->current] = h->session;
    h->current = which;
    h->session = h->sessions[which];
    h->name = h->names[which];
    resp_parser_set_authenticated(&h->parser, h->session.authenticated);
}

void kv_harness_close_session(kv_harness *h) {
    kv_engine_close_session(&h->engine, &h->session);
    kv_engine_open_session(&h->engine, &h->session, h->name);
}
kv_engine *kv_harness_engine(kv_harness *h) { return &h->engine; }
void kv_harness_set_room(kv_harness *h, size_t room) { h->room = room; }
uint64_t kv_harness_room_retries(const kv_harness *h) { return h->room_retries; }

uint64_t kv_harness_blocked(const kv_harness *h) { return h->blocked; }

kv_session *kv_harness_session(kv_harness *h) { return &h->session; }
