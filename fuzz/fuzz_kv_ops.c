/*
 * fuzz_kv_ops: structured command sequences over a small key space, run on the engine and
 * on the reference model (kv_model.h); every reply is compared byte for byte, and after
 * every command the engine's invariants, its key count and its chunk use (the shared
 * budget's accounting) must equal the model's. At the end of an input every key's type,
 * value and expiry are compared, and the store's full self-check runs.
 *
 * Input: a configuration header (policy, limits, budget), then operations: a command
 * (name from a table, arguments from a small grammar of keys, values, integers and option
 * words), a clock step, or a full active-expiry cycle. The engine gets the least room a
 * command may assume, so large replies go through KV_EXEC_NEEDS_ROOM and a retry, as in
 * the server; a retry must find nothing changed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "fuzz_common.h"
#include "kv/command.h"
#include "kv/engine.h"
#include "alloc/reservation.h"
#include "kv/layout.h"
#include "kv_model.h"

#define OPS_ARGS_MAX           16
#define ARG_BYTES_MAX          64
#define START_MS               INT64_C(1700000000000)
#define STORE_MEMORY_MAX_BYTES (256 * 1024)

/* ---- the grammar ---- */

static const char *const command_names[] = {
    "get",     "set",           "setnx",    "getset",   "getdel",  "mget",   "mset",   "msetnx",
    "append",  "strlen",        "getrange", "setrange", "incr",    "decr",   "incrby", "decrby",
    "del",     "unlink",        "exists",   "type",     "rename",  "keys",   "scan",   "expire",
    "pexpire", "expireat",      "ttl",      "pttl",     "persist", "lpush",  "rpush",  "lpushx",
    "rpushx",  "lpop",          "rpop",     "llen",     "lrange",  "lindex", "lset",   "lrem",
    "ltrim",   "linsert",       "lpos",     "ping",     "echo",    "select", "dbsize", "flushall",
    "flushdb", "nosuchcommand",
};
#define COMMAND_COUNT (sizeof command_names / sizeof command_names[0])

static const char *const key_names[] = {
    "k0", "k1", "k2", "k3", "k4", "k5", "", "key:with:colons", "a-key-longer-than-most-limits-xx",
};
#define KEY_COUNT (sizeof key_names / sizeof key_names[0])

static const char *const words[] = {
    "ex",   "px",    "exat",   "pxat",  "nx",   "xx",    "keepttl", "get",   "gt",   "lt",
    "sync", "async", "before", "after", "rank", "count", "maxlen",  "match", "type", "EX",
};
#define WORD_COUNT (sizeof words / sizeof words[0])

static const char *const integers[] = {
    "0",
    "1",
    "-1",
    "2",
    "3",
    "5",
    "-2",
    "10",
    "100",
    "-100",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "+1",
    "01",
    " 1",
    "1.5",
    "",
    "-0",
};
#define INTEGER_COUNT (sizeof integers / sizeof integers[0])

typedef struct op {
    enum { OP_COMMAND, OP_CLOCK, OP_EXPIRE_CYCLE } kind;
    uint32_t argc;
    resp_arg argv[OPS_ARGS_MAX];
    int64_t clock_step_ms;
} op;

typedef struct header {
    kv_config config;
    uint64_t chunks;
} header;

FUZZ_NO_COVERAGE static resp_arg text_arg(const char *s) {
    return (resp_arg){.ptr = (const uint8_t *)s, .len = strlen(s)};
}

FUZZ_NO_COVERAGE static resp_arg decode_arg(cursor *c) {
    const uint8_t *bytes = NULL;
    switch (cursor_u8(c) % 8) {
    case 0:
    case 1:
    case 2: return text_arg(key_names[cursor_range(c, 0, KEY_COUNT - 1)]);
    case 3:
    case 4: {
        size_t n = cursor_bytes(c, ARG_BYTES_MAX, &bytes);
        return (resp_arg){.ptr = bytes, .len = n};
    }
    case 5: return text_arg(integers[cursor_range(c, 0, INTEGER_COUNT - 1)]);
    case 6: return text_arg(words[cursor_range(c, 0, WORD_COUNT - 1)]);
    default: {
        size_t n = cursor_bytes(c, 4, &bytes);
        return (resp_arg){.ptr = bytes, .len = n};
    }
    }
}

FUZZ_NO_COVERAGE static op decode_op(cursor *c) {
    op o = {.kind = OP_COMMAND};
    uint8_t tag = cursor_u8(c);
    if (tag >= 248) {
        o.kind = tag >= 252 ? OP_CLOCK : OP_EXPIRE_CYCLE;
        o.clock_step_ms = (int64_t)cursor_range(c, 0, 20000);
        return o;
    }
    o.argv[0] = text_arg(command_names[tag % COMMAND_COUNT]);
    o.argc = 1 + cursor_range(c, 0, OPS_ARGS_MAX - 1) % 7;
    for (uint32_t i = 1; i < o.argc; i++)
        o.argv[i] = decode_arg(c);
    return o;
}

FUZZ_NO_COVERAGE static header decode_header(cursor *c) {
    header h;
    kv_config_defaults(&h.config);
    uint8_t flags = cursor_u8(c);
    h.config.capacity_policy = (flags & 1u) != 0 ? KV_POLICY_SHARED : KV_POLICY_GUARANTEED;
    h.config.keys_max = cursor_range(c, 1, 12);
    h.config.key_size_max = cursor_range(c, 1, 20);
    h.config.value_size_max = cursor_range(c, 1, KVM_BYTES_MAX);
    h.config.list_length_max = cursor_range(c, 1, KVM_LIST_MAX);
    h.config.chunk_size = 16;
    h.config.data_budget_bytes = 16 * (uint64_t)cursor_range(c, 1, 400);
    h.config.command_args_max = OPS_ARGS_MAX;
    char error[256];
    bool ok = kv_config_finalize(&h.config, error, sizeof error);
    FUZZ_CHECK(ok, "fuzz configuration rejected: %s", error);
    h.chunks = kv_layout_chunk_count(&h.config);
    return h;
}

FUZZ_NO_COVERAGE static void describe(const uint8_t *data, size_t size, FILE *out) {
    cursor c = cursor_make(data, size);
    header h = decode_header(&c);
    fprintf(out,
            "policy=%s keys_max=%" PRIu64 " key_size_max=%" PRIu64 " value_size_max=%" PRIu64
            " list_length_max=%" PRIu64 " chunks=%" PRIu64 " (of 16 bytes)\n",
            h.config.capacity_policy == KV_POLICY_SHARED ? "shared" : "guaranteed",
            h.config.keys_max, h.config.key_size_max, h.config.value_size_max,
            h.config.list_length_max, h.chunks);
    for (size_t i = 0; !cursor_empty(&c); i++) {
        op o = decode_op(&c);
        if (o.kind == OP_CLOCK) {
            fprintf(out, "#%zu clock +%" PRId64 " ms\n", i, o.clock_step_ms);
            continue;
        }
        if (o.kind == OP_EXPIRE_CYCLE) {
            fprintf(out, "#%zu active expiry over every slot\n", i);
            continue;
        }
        fprintf(out, "#%zu", i);
        for (uint32_t a = 0; a < o.argc; a++) {
            fputc(' ', out);
            fuzz_print_escaped(out, o.argv[a].ptr, o.argv[a].len, 80);
        }
        fputc('\n', out);
    }
}

const fuzz_target_info fuzz_target = {.name = "kv_ops", .describe = describe};

/* ---- the run ---- */

static reservation res;
static bool mapped;
static uint8_t reply[KVM_REPLY_MAX];
static char session_name[64];
static kv_engine engine;
static kv_model model;
static kv_session session;
static int64_t now_ms;

/* Runs one command on the engine like the server would: least room first, then room for
 * the largest reply. Returns the reply length. */
FUZZ_NO_COVERAGE static size_t run_engine(const op *o) {
    size_t room = KV_REPLY_ROOM_MIN_BYTES;
    for (int attempt = 0; attempt < 2; attempt++) {
        resp_writer w;
        resp_writer_init(&w, reply, room);
        uint64_t chunks_before = chunk_store_used(&engine.store.chunks);
        uint64_t keys_before = engine.store.keys;
        kv_exec r = kv_engine_execute(&engine, &session, o->argv, o->argc, now_ms, &w);
        if (r == KV_EXEC_DONE) return w.len;
        FUZZ_CHECK(w.len == 0, "NEEDS_ROOM left %zu bytes in the writer", w.len);
        FUZZ_CHECK(chunk_store_used(&engine.store.chunks) == chunks_before &&
                       engine.store.keys == keys_before,
                   "NEEDS_ROOM changed the store");
        room = engine.config->reply_size_max + KV_REPLY_ROOM_MIN_BYTES;
        FUZZ_CHECK(room <= sizeof reply, "reply_size_max too large for the harness");
    }
    FUZZ_CHECK(false, "the engine asked for room twice");
    return 0;
}

FUZZ_NO_COVERAGE static void compare_reply(size_t len) {
    if (len == model.out_len && memcmp(reply, model.out, len) == 0) return;
    fprintf(stderr, "engine: ");
    fuzz_print_escaped(stderr, reply, len, 400);
    fprintf(stderr, "\nmodel:  ");
    fuzz_print_escaped(stderr, model.out, model.out_len, 400);
    fprintf(stderr, "\n");
    FUZZ_CHECK(false, "the engine's reply differs from the model's (both above)");
}

FUZZ_NO_COVERAGE static void check_state(void) {
    FUZZ_CHECK(kv_engine_invariants_hold(&engine), "kv_engine_invariants_hold() is false");
    FUZZ_CHECK(engine.store.keys == kvm_live_keys(&model),
               "keys: engine %" PRIu64 ", model %" PRIu64, engine.store.keys,
               kvm_live_keys(&model));
    uint64_t used = chunk_store_used(&engine.store.chunks);
    FUZZ_CHECK(used == kvm_chunks_used(&model), "chunks used: engine %" PRIu64 ", model %" PRIu64,
               used, kvm_chunks_used(&model));
}

/* End of input: every model key exists in the engine with the same type, value, expiry. */
FUZZ_NO_COVERAGE static void compare_everything(void) {
    FUZZ_CHECK(kv_store_invariants_hold_full(&engine.store),
               "kv_store_invariants_hold_full() is false");
    for (size_t i = 0; i < KVM_ENTRIES_MAX; i++) {
        const kvm_entry *e = &model.entries[i];
        if (!e->live) continue;
        /* No expiry may happen here: look at the records as they are. */
        uint32_t id = kv_store_find_quiet(&engine.store, e->key.b, e->key.len, INT64_MIN);
        FUZZ_CHECK(id != KV_RECORD_NONE, "a model key is missing from the engine");
        const kv_record *r = kv_store_record(&engine.store, id);
        FUZZ_CHECK(r->expire_at_ms == e->expire_at_ms, "expiry: engine %" PRId64 ", model %" PRId64,
                   r->expire_at_ms, e->expire_at_ms);
        FUZZ_CHECK(r->type == (e->type == KVM_STRING ? KV_TYPE_STRING : KV_TYPE_LIST),
                   "type differs");
        if (e->type == KVM_STRING) {
            FUZZ_CHECK(r->value_len == e->str.len &&
                           chunk_equals(&engine.store.chunks, r->value, 0, e->str.b, e->str.len),
                       "string value differs");
            continue;
        }
        FUZZ_CHECK(r->value_len == e->list_len, "list length differs");
        uint32_t el = r->value;
        for (uint32_t k = 0; k < e->list_len; k++) {
            FUZZ_CHECK(kv_store_element_equals(&engine.store, el, e->list[k].b, e->list[k].len),
                       "list element %u differs", k);
            el = kv_store_element_next(&engine.store, el);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_begin(data, size);
    cursor c = cursor_make(data, size);
    header h = decode_header(&c);
    static kv_config config;
    config = h.config;
    kv_store_params p = {.keys_max = config.keys_max,
                         .chunk_count = (uint32_t)h.chunks,
                         .chunk_size = (uint32_t)config.chunk_size};
    size_t store_bytes = kv_store_memory_bytes(p);
    /* One mapping for every input; carving re-poisons only what the last input used. */
    if (!mapped) {
        FUZZ_CHECK(reservation_map(&res, STORE_MEMORY_MAX_BYTES, 0) == 0, "cannot map");
        mapped = true;
    }
    reservation_reset_for_testing(&res);
    void *store_memory = reservation_carve(&res, store_bytes, 64);
    FUZZ_CHECK(store_memory != NULL, "store needs %zu bytes", store_bytes);
    kv_engine_init(&engine, &config, store_memory, store_bytes, p.chunk_count,
                   (siphash_key){.k0 = 0x0123456789abcdefu, .k1 = 0xfedcba9876543210u});
    kv_engine_open_session(&engine, &session, session_name);
    kvm_init(&model, &config, h.chunks);
    now_ms = START_MS;
    for (size_t i = 0; !cursor_empty(&c); i++) {
        fuzz_set_op(i);
        op o = decode_op(&c);
        if (o.kind == OP_CLOCK) {
            now_ms += o.clock_step_ms;
            continue;
        }
        if (o.kind == OP_EXPIRE_CYCLE) {
            kv_engine_expire_cycle(&engine, now_ms, table_slots(&engine.store.index));
            kvm_expire_all(&model, now_ms);
        } else {
            size_t len = run_engine(&o);
            kvm_execute(&model, o.argv, o.argc, now_ms);
            compare_reply(len);
        }
        check_state();
    }
    compare_everything();
    return 0;
}
