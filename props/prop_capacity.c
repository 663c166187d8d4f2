/*
 * capacity: the capacity is exactly the promise.
 *
 * Leg "guaranteed": a configuration under the guaranteed policy (tiny, a random small one,
 * or the seed design's), then its worst case: every key at key_size_max bytes holding a
 * full list of list_length_max values of value_size_max bytes (or, as the payload chooses
 * per key, a string of value_size_max bytes). Every command must succeed; when every key is
 * a list the pool must be used to its last chunk (the promise, no slack). Then probes one
 * item beyond each limit, each answered by that limit's exact error, the chunks unchanged:
 *   a new key            -ERR key count exceeds keys_max (N keys)
 *   one more element     -ERR list exceeds list_length_max (N elements)
 *   a longer value       -ERR value exceeds value_size_max (N bytes)
 *   a longer key         -ERR key exceeds key_size_max (N bytes)
 *
 * Leg "shared": a small shared budget and SET [PX], RPUSH, DEL and clock steps, checked
 * against the chunk arithmetic (a key of n bytes costs ceil(n / chunk_size) chunks, a
 * string value the same, a list element ceil((n + 12) / chunk_size)), counting only keys
 * that are not expired: -OOM exactly when the live keys' chunks plus what the command needs
 * pass the budget, never earlier (an expired key still holding chunks must not cause a
 * refusal), never later. Every reply is compared byte for byte with the arithmetic's.
 *
 * Leg "connections": the guaranteed worst case with every connection holding a maximal
 * request at once, on the real stasis-kv over loopback, and one connection and one byte
 * beyond the limits (capacity_connections.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "capacity_connections.h"
#include "kv/chunks.h"
#include "kv/layout.h"
#include "kv_case.h"
#include "props.h"

static const char *const legs[] = {"guaranteed worst case", "shared arithmetic",
                                   "connections worst case"};
static const choice_table leg_table = PROP_TABLE(legs, 4);

static const char *const guaranteed_configs[] = {"tiny", "random small", "seed-design"};
static const choice_table guaranteed_table = PROP_TABLE(guaranteed_configs, 4);

static const char *const probes[] = {"new key", "one more element", "longer value",
                                     "longer key"};
static const choice_table probe_table = PROP_TABLE(probes, 4);

static const char *const shared_ops[] = {"SET", "SET PX", "RPUSH", "DEL", "clock"};
static const choice_table shared_op_table = PROP_TABLE(shared_ops, 8);

#define SHARED_KEYS      4
#define SHARED_VALUE_MAX 64
#define SHARED_LIST_MAX  8
#define ARGS_MAX         1100

static resp_arg args[ARGS_MAX];

/* ---- the guaranteed leg ---- */

static bool guaranteed_config(cursor *c, kv_config *config) {
    uint32_t id = prop_choice(c, &guaranteed_table);
    if (id == CHOICE_REFUSED) return false;
    kv_config_defaults(config);
    if (id == 0) PROP_CHECK(kvw_config_for(0, config), "tiny/guaranteed is refused");
    if (id == 2) PROP_CHECK(kvw_config_for(3, config), "seed-design/guaranteed is refused");
    if (id == 1) {
        config->keys_max = cursor_range(c, 1, 6);
        config->key_size_max = cursor_range(c, 1, 40);
        config->value_size_max = cursor_range(c, 1, 200);
        config->list_length_max = cursor_range(c, 1, 8);
        config->chunk_size = (uint64_t)16 << cursor_range(c, 0, 2);
        config->capacity_policy = KV_POLICY_GUARANTEED;
        char error[256];
        PROP_CHECK(kv_config_finalize(config, error, sizeof error), "refused: %s", error);
    }
    return true;
}

/* Key number i: key_size_max bytes, starting with i in base 256 over as many digits as
 * keys_max - 1 needs (distinct for every i; the configurations have the room). */
static resp_arg key_number(const kv_config *k, uint64_t i, uint8_t *buffer) {
    memset(buffer, 'k', k->key_size_max);
    uint64_t at = 0;
    for (uint64_t rest = k->keys_max - 1; at == 0 || rest > 0; at++, rest /= 256) {
        PROP_CHECK(at < k->key_size_max, "keys of %" PRIu64 " bytes cannot be %" PRIu64 " distinct keys",
                   k->key_size_max, k->keys_max);
        buffer[at] = (uint8_t)(i % 256);
        i /= 256;
    }
    return (resp_arg){.ptr = buffer, .len = k->key_size_max};
}

static void expect_reply(kvw_engine *w, const char *want, const char *what) {
    size_t n = strlen(want);
    bool same = w->reply_len == n && memcmp(w->reply, want, n) == 0;
    if (!same) fprintf(stderr, "reply: %.*s\nwant:  %s", (int)w->reply_len, w->reply, want);
    if (!same) prop_fail("the reply is the promised one", "%s", what);
}

static void expect_success(kvw_engine *w, const char *what, uint64_t key) {
    if (!kvw_reply_is_error(w)) return;
    fprintf(stderr, "reply: %.*s", (int)w->reply_len, w->reply);
    prop_fail("the worst case completes with zero errors", "%s for key #%" PRIu64, what, key);
}

/* Every key at its limits; returns true iff every key is a list. */
static bool fill_worst_case(kvw_engine *w, cursor *c, uint8_t *key, uint8_t *value) {
    const kv_config *k = &w->config;
    bool all_lists = true;
    memset(value, 'v', k->value_size_max + 1);
    uint64_t batch = k->command_args_max - 2;
    for (uint64_t i = 0; i < k->keys_max; i++) {
        prop_set_op(i);
        args[1] = key_number(k, i, key);
        if (cursor_bool(c)) { /* a string */
            all_lists = false;
            args[0] = (resp_arg){.ptr = (const uint8_t *)"SET", .len = 3};
            args[2] = (resp_arg){.ptr = value, .len = k->value_size_max};
            kvw_command(w, args, 3);
            expect_success(w, "SET of a maximal string", i);
            continue;
        }
        args[0] = (resp_arg){.ptr = (const uint8_t *)"RPUSH", .len = 5};
        for (uint64_t pushed = 0; pushed < k->list_length_max;) {
            uint64_t n = k->list_length_max - pushed < batch ? k->list_length_max - pushed : batch;
            for (uint64_t a = 0; a < n; a++) args[2 + a] = (resp_arg){.ptr = value, .len = k->value_size_max};
            kvw_command(w, args, (uint32_t)(2 + n));
            expect_success(w, "RPUSH of maximal elements", i);
            pushed += n;
        }
    }
    return all_lists;
}

static void probe(kvw_engine *w, uint32_t id, uint8_t *key, uint8_t *value) {
    const kv_config *k = &w->config;
    char want[160];
    uint64_t used = chunk_store_used(&w->engine.store.chunks);
    args[1] = key_number(k, 0, key);
    args[2] = (resp_arg){.ptr = value, .len = 1};
    const char *verb = "SET";
    if (id == 0) {
        args[1] = (resp_arg){.ptr = (const uint8_t *)"", .len = 0}; /* no key is empty */
        snprintf(want, sizeof want, "-ERR key count exceeds keys_max (%" PRIu64 " keys)\r\n",
                 k->keys_max);
    } else if (id == 1) {
        verb = "RPUSH";
        snprintf(want, sizeof want,
                 "-ERR list exceeds list_length_max (%" PRIu64 " elements)\r\n",
                 k->list_length_max);
    } else if (id == 2) {
        args[2].len = k->value_size_max + 1;
        snprintf(want, sizeof want, "-ERR value exceeds value_size_max (%" PRIu64 " bytes)\r\n",
                 k->value_size_max);
    } else {
        memset(key, 'x', k->key_size_max + 1);
        args[1].len = k->key_size_max + 1;
        snprintf(want, sizeof want, "-ERR key exceeds key_size_max (%" PRIu64 " bytes)\r\n",
                 k->key_size_max);
    }
    args[0] = (resp_arg){.ptr = (const uint8_t *)verb, .len = strlen(verb)};
    kvw_command(w, args, 3);
    expect_reply(w, want, probes[id]);
    PROP_CHECK(chunk_store_used(&w->engine.store.chunks) == used,
               "the refused %s changed the chunks in use", probes[id]);
}

static int run_guaranteed(cursor *c) {
    static kv_config config;
    if (!guaranteed_config(c, &config)) return PROP_REFUSED;
    static kvw_engine w;
    kvw_engine_open(&w, &config);
    static uint8_t key[1100];
    static uint8_t value[4200];
    PROP_CHECK(config.key_size_max < sizeof key && config.value_size_max < sizeof value,
               "the harness's buffers are too small for this configuration");
    bool all_lists = fill_worst_case(&w, c, key, value);
    uint64_t used = chunk_store_used(&w.engine.store.chunks);
    PROP_CHECK(!all_lists || used == kv_layout_chunk_count(&config),
               "every key holds a full list of maximal elements, yet %" PRIu64 " of the %" PRIu64
               " chunks promised are in use",
               used, kv_layout_chunk_count(&config));
    /* The probes need a full list at key #0: only when it is one. */
    for (size_t i = 0; !cursor_empty(c); i++) {
        prop_set_op(config.keys_max + i);
        uint32_t id = prop_choice(c, &probe_table);
        if (id == CHOICE_REFUSED) return PROP_REFUSED;
        if (id == 1 && !all_lists) continue;
        probe(&w, id, key, value);
    }
    return PROP_PASS;
}

/* ---- the shared leg ---- */

typedef struct entry {
    bool live;
    bool list;
    int64_t expire_at_ms; /* KV_NO_EXPIRE or absolute */
    uint32_t length;      /* string bytes, or list elements */
    uint32_t elements[SHARED_LIST_MAX];
} entry;

typedef struct shared_model {
    const kv_config *config;
    uint64_t budget; /* chunks */
    entry keys[SHARED_KEYS];
} shared_model;

static uint64_t ceil_chunks(const shared_model *m, uint64_t bytes) {
    return (bytes + m->config->chunk_size - 1) / m->config->chunk_size;
}

static uint64_t value_chunks(const shared_model *m, const entry *e) {
    if (!e->list) return ceil_chunks(m, e->length);
    uint64_t n = 0;
    for (uint32_t k = 0; k < e->length; k++) n += ceil_chunks(m, e->elements[k] + 12);
    return n;
}

/* Forgets the keys expired at now (now > expire_at, Redis's rule). */
static void expire(shared_model *m, int64_t now) {
    for (size_t i = 0; i < SHARED_KEYS; i++) {
        entry *e = &m->keys[i];
        if (e->live && e->expire_at_ms != KV_NO_EXPIRE && now > e->expire_at_ms) e->live = false;
    }
}

static uint64_t live_keys(const shared_model *m) {
    uint64_t n = 0;
    for (size_t i = 0; i < SHARED_KEYS; i++) n += m->keys[i].live;
    return n;
}

/* Chunks of the live keys ("k0".."k3": two bytes each). */
static uint64_t used_chunks(const shared_model *m) {
    uint64_t n = 0;
    for (size_t i = 0; i < SHARED_KEYS; i++) {
        if (m->keys[i].live) n += ceil_chunks(m, 2) + value_chunks(m, &m->keys[i]);
    }
    return n;
}

#define OOM_REPLY "-OOM command not allowed when used memory > 'maxmemory'.\r\n"

/* The reply the arithmetic gives for a write that adds `need` chunks (after what it frees)
 * to key e, or NULL when it fits. */
static const char *refusal(const shared_model *m, const entry *e, uint64_t need, char *text,
                           size_t size) {
    if (!e->live && live_keys(m) >= m->config->keys_max) {
        snprintf(text, size, "-ERR key count exceeds keys_max (%" PRIu64 " keys)\r\n",
                 m->config->keys_max);
        return text;
    }
    uint64_t key = e->live ? 0 : ceil_chunks(m, 2);
    return used_chunks(m) + key + need > m->budget ? OOM_REPLY : NULL;
}

static void model_set(shared_model *m, entry *e, uint32_t len, int64_t expire_at, char *want,
                      size_t size) {
    uint64_t freed = e->live ? value_chunks(m, e) : 0;
    uint64_t need = ceil_chunks(m, len);
    const char *no = refusal(m, e, need > freed ? need - freed : 0, want, size);
    if (no != NULL) {
        if (no != want) snprintf(want, size, "%s", no);
        return;
    }
    *e = (entry){.live = true, .list = false, .expire_at_ms = expire_at, .length = len};
    snprintf(want, size, "+OK\r\n");
}

static void model_rpush(shared_model *m, entry *e, uint32_t len, char *want, size_t size) {
    if (e->live && !e->list) {
        snprintf(want, size,
                 "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
        return;
    }
    uint32_t length = e->live ? e->length : 0;
    if (length + 1 > m->config->list_length_max) {
        snprintf(want, size, "-ERR list exceeds list_length_max (%" PRIu64 " elements)\r\n",
                 m->config->list_length_max);
        return;
    }
    const char *no = refusal(m, e, ceil_chunks(m, len + 12), want, size);
    if (no != NULL) {
        if (no != want) snprintf(want, size, "%s", no);
        return;
    }
    if (!e->live) *e = (entry){.live = true, .list = true, .expire_at_ms = KV_NO_EXPIRE};
    e->elements[e->length++] = len;
    snprintf(want, size, ":%u\r\n", e->length);
}

static void shared_config(cursor *c, kv_config *config) {
    kv_config_defaults(config);
    config->capacity_policy = KV_POLICY_SHARED;
    config->chunk_size = 16;
    config->keys_max = cursor_range(c, 1, SHARED_KEYS);
    config->key_size_max = 16;
    config->value_size_max = SHARED_VALUE_MAX;
    config->list_length_max = SHARED_LIST_MAX;
    config->data_budget_bytes = 16 * (uint64_t)cursor_range(c, 2, 48);
    char error[256];
    PROP_CHECK(kv_config_finalize(config, error, sizeof error), "refused: %s", error);
}

static void shared_step(kvw_engine *w, shared_model *m, uint32_t op, cursor *c, char *want,
                        size_t size) {
    static const char *const names[SHARED_KEYS] = {"k0", "k1", "k2", "k3"};
    static uint8_t value[SHARED_VALUE_MAX];
    static char px[24];
    uint32_t k = cursor_range(c, 0, SHARED_KEYS - 1);
    entry *e = &m->keys[k];
    uint32_t len = cursor_range(c, 1, SHARED_VALUE_MAX);
    memset(value, 'a' + (int)k, len);
    resp_arg argv[5] = {{0}, {.ptr = (const uint8_t *)names[k], .len = 2}, {.ptr = value, .len = len}};
    uint32_t argc = 3;
    uint64_t used_before = used_chunks(m);
    if (op == 0 || op == 1) {
        argv[0] = (resp_arg){.ptr = (const uint8_t *)"SET", .len = 3};
        int64_t expire_at = KV_NO_EXPIRE;
        if (op == 1) {
            uint32_t ms = cursor_range(c, 1, 2000);
            snprintf(px, sizeof px, "%u", ms);
            argv[3] = (resp_arg){.ptr = (const uint8_t *)"PX", .len = 2};
            argv[4] = (resp_arg){.ptr = (const uint8_t *)px, .len = strlen(px)};
            argc = 5;
            expire_at = w->now_ms + ms;
        }
        model_set(m, e, len, expire_at, want, size);
    } else if (op == 2) {
        argv[0] = (resp_arg){.ptr = (const uint8_t *)"RPUSH", .len = 5};
        model_rpush(m, e, len, want, size);
    } else {
        argv[0] = (resp_arg){.ptr = (const uint8_t *)"DEL", .len = 3};
        argc = 2;
        snprintf(want, size, ":%d\r\n", e->live ? 1 : 0);
        e->live = false;
    }
    kvw_command(w, argv, argc);
    bool same = w->reply_len == strlen(want) && memcmp(w->reply, want, w->reply_len) == 0;
    if (same) return;
    fprintf(stderr, "command: %.*s %s <%u bytes>\nreply: %.*s\nwant:  %s", (int)argv[0].len,
            argv[0].ptr, names[k], len, (int)w->reply_len, w->reply, want);
    bool early = w->reply_len > 4 && memcmp(w->reply, "-OOM", 4) == 0;
    prop_fail("the reply is what the chunk arithmetic says",
              "%s: before the command the live keys held %" PRIu64 " of the %" PRIu64
              " chunks; the store has %u in use (expired keys' included)",
              early ? "-OOM earlier than the arithmetic says" : "a different answer",
              used_before, m->budget, chunk_store_used(&w->engine.store.chunks));
}

static int run_shared(cursor *c) {
    static kv_config config;
    shared_config(c, &config);
    static kvw_engine w;
    kvw_engine_open(&w, &config);
    static shared_model m;
    m = (shared_model){.config = &config, .budget = kv_layout_chunk_count(&config)};
    char want[160];
    for (size_t i = 0; !cursor_empty(c); i++) {
        prop_set_op(i);
        uint32_t op = prop_choice(c, &shared_op_table);
        if (op == CHOICE_REFUSED) return PROP_REFUSED;
        if (op == 4) {
            w.now_ms += (int64_t)cursor_u8(c) * 10;
        } else {
            expire(&m, w.now_ms);
            shared_step(&w, &m, op, c, want, sizeof want);
        }
        expire(&m, w.now_ms);
        PROP_CHECK(kvw_live_chunks(&w) == used_chunks(&m),
                   "the engine's live keys hold %" PRIu64 " chunks, the arithmetic says %" PRIu64,
                   kvw_live_chunks(&w), used_chunks(&m));
    }
    return PROP_PASS;
}

/* ---- the property ---- */

static int run(const uint8_t *payload, size_t size) {
    cursor c = cursor_make(payload, size);
    uint32_t leg = prop_choice(&c, &leg_table);
    if (leg == CHOICE_REFUSED) return PROP_REFUSED;
    if (leg == 2) return capacity_connections_run(&c);
    return leg == 0 ? run_guaranteed(&c) : run_shared(&c);
}

static void describe(const uint8_t *payload, size_t size, FILE *out) {
    cursor c = cursor_make(payload, size);
    uint32_t leg = prop_choice(&c, &leg_table);
    fprintf(out, "leg: %s\n", choice_name(&leg_table, leg));
    if (leg == 0) {
        kv_config config;
        if (!guaranteed_config(&c, &config)) {
            fprintf(out, "configuration: unassigned id (refused)\n");
            return;
        }
        kvw_print_config(out, "guaranteed", &config);
        fprintf(out, "worst case:");
        uint64_t from = 0;
        bool string = false;
        for (uint64_t i = 0; i <= config.keys_max; i++) {
            bool now = i < config.keys_max && cursor_bool(&c);
            if (i > 0 && (i == config.keys_max || now != string)) {
                fprintf(out, " keys #%" PRIu64 "..#%" PRIu64 " %s;", from, i - 1,
                        string ? "a maximal string" : "a full list");
                from = i;
            }
            string = now;
        }
        fprintf(out, "\n");
        for (size_t i = 0; !cursor_empty(&c); i++) {
            uint32_t id = prop_choice(&c, &probe_table);
            fprintf(out, "#%zu probe: %s\n", i, choice_name(&probe_table, id));
        }
        return;
    }
    if (leg == 2) capacity_connections_describe(&c, out);
    if (leg != 1) return;
    kv_config config;
    shared_config(&c, &config);
    kvw_print_config(out, "shared", &config);
    for (size_t i = 0; !cursor_empty(&c); i++) {
        uint32_t op = prop_choice(&c, &shared_op_table);
        if (op == CHOICE_REFUSED) {
            fprintf(out, "#%zu names unassigned id %u: the case is refused\n", i, c.refused_id);
            return;
        }
        if (op == 4) {
            fprintf(out, "#%zu clock +%d ms\n", i, cursor_u8(&c) * 10);
            continue;
        }
        uint32_t k = cursor_range(&c, 0, SHARED_KEYS - 1);
        uint32_t len = cursor_range(&c, 1, SHARED_VALUE_MAX);
        fprintf(out, "#%zu %s k%u", i, op == 3 ? "DEL" : op == 2 ? "RPUSH" : "SET", k);
        if (op != 3) fprintf(out, " '%c'*%u", 'a' + (int)k, len);
        if (op == 1) fprintf(out, " PX %u", cursor_range(&c, 1, 2000));
        fprintf(out, "\n");
    }
}

const prop_property prop_capacity = {
    .name = "capacity",
    .format_version = 2, /* 2: the leg's id space grew from 2 to 4 (the connections leg) */
    .payload_max = 200,
    .summary = "guaranteed: the worst case succeeds, one beyond any limit gets its exact error; "
               "shared: -OOM exactly when the chunk arithmetic says",
    .run = run,
    .describe = describe,
};
