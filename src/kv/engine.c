#include "kv/engine.h"

#include <stdio.h>
#include <string.h>

#include "alloc/no_coverage.h"
#include "alloc/stasis_assert.h"
#include "kv/command.h"
#include "kv/name_index.h"

const kv_command_family *const kv_families[] = {
    &kv_string_family,
    &kv_key_family,
    &kv_list_family,
    &kv_blocking_family,
    &kv_connection_family,
    &kv_server_family,
    &kv_info_family,
    &kv_config_family,
    &kv_command_family_,
    &kv_scripting_family,
    &kv_bitmap_family,
    &kv_lcs_family,
    &kv_object_family,
    &kv_multi_family,
    NULL,
};

/* ---- the command registry: every command, by name (name_index.h) ---- */

/* The registry is the same for every engine: built once, on the first kv_engine_init (at
 * start-up, before the seal), then only read. */
static const kv_command *registry_commands[KV_NAME_INDEX_ENTRIES_MAX]; /* in table order */
static size_t registry_count;
static kv_name_index registry;

static const char *registry_name(size_t position) { return registry_commands[position]->name; }

static void build_registry(void) {
    if (registry.built) return;
    for (size_t f = 0; kv_families[f] != NULL; f++) {
        for (size_t i = 0; i < kv_families[f]->count; i++) {
            ST_ASSERT(registry_count < KV_NAME_INDEX_ENTRIES_MAX);
            registry_commands[registry_count++] = &kv_families[f]->commands[i];
        }
    }
    kv_name_index_build(&registry, registry_name, registry_count);
}

const kv_command *kv_engine_command(const kv_engine *e, const uint8_t *name, size_t len) {
    (void)e;
    size_t p = kv_name_index_find_folded(&registry, registry_name, name, len);
    return p == SIZE_MAX ? NULL : registry_commands[p];
}

void kv_engine_init(kv_engine *e, const kv_config *config, void *store_memory,
                    size_t store_memory_bytes, uint32_t chunk_count, siphash_key seed) {
    ST_ASSERT(config->chunk_size <= UINT32_MAX);
    /* All but INFO's scratch, which INFO writes before it reads: 8 KiB a fuzz input's reset
     * need not clear (the fuzz targets open an engine for every input). */
    memset(e, 0, offsetof(kv_engine, info_scratch));
    e->config = config;
    kv_store_params params = {
        .keys_max = config->keys_max,
        .chunk_count = chunk_count,
        .chunk_size = (uint32_t)config->chunk_size,
    };
    kv_store_init(&e->store, store_memory, store_memory_bytes, params, seed);
    build_registry();
    e->next_session_id = 1;
    e->random_state = seed.k0 ^ (seed.k1 << 1);
    for (size_t i = 0; i < KV_TUNING_COUNT; i++)
        e->tunings[i] = kv_tunings[i].default_value;
}

uint64_t kv_engine_lcs_scratch_bytes(const kv_config *config) {
    return config->lcs_cells_max * (sizeof(uint32_t) + 1);
}

void kv_engine_give_lcs_scratch(kv_engine *e, void *memory, size_t bytes) {
    ST_ASSERT(bytes == kv_engine_lcs_scratch_bytes(e->config));
    ST_ASSERT((uintptr_t)memory % sizeof(uint32_t) == 0);
    e->lcs_table = memory;
    e->lcs_bytes = (uint8_t *)memory + e->config->lcs_cells_max * sizeof(uint32_t);
    e->lcs_cells = e->config->lcs_cells_max;
}

void kv_engine_give_transactions(kv_engine *e, kv_txn_memory memory) {
    kv_txns_init(&e->txns, e->config, memory);
    kv_store_on_modified(&e->store, kv_txns_key_modified, &e->txns);
}

void kv_engine_open_session(kv_engine *e, kv_session *session, char *name_storage) {
    *session = (kv_session){
        .id = e->next_session_id++,
        .authenticated = e->config->requirepass[0] == '\0',
        .name = name_storage,
        .name_capacity = (uint32_t)e->config->client_name_size_max,
        .txn = kv_txns_open(&e->txns),
    };
}

void kv_engine_close_session(kv_engine *e, kv_session *session) {
    kv_txns_close(&e->txns, session->txn);
    session->txn = KV_TXN_NONE;
}

/* ---- rejections before a handler runs (Redis's processCommand order) ---- */

/* Appends at most `max` bytes of s (stopping at a NUL, as Redis's %.*s does). */
static size_t append_cut(char *buf, size_t cap, size_t at, const uint8_t *s, size_t len,
                         size_t max) {
    for (size_t i = 0; i < len && i < max && at < cap; i++) {
        if (s[i] == '\0') break;
        buf[at++] = (char)s[i];
    }
    return at;
}

static size_t append_text(char *buf, size_t cap, size_t at, const char *text) {
    return append_cut(buf, cap, at, (const uint8_t *)text, strlen(text), SIZE_MAX);
}

/* "ERR unknown command '<name>', with args beginning with: '<a>' '<b>' " */
static void reply_unknown_command(kv_ctx *c) {
    enum { NAME_MAX = 128, ARGS_MAX = 128 };
    char buf[64 + NAME_MAX + ARGS_MAX + 3 * 128];
    size_t at = append_text(buf, sizeof buf, 0, "ERR unknown command '");
    at = append_cut(buf, sizeof buf, at, c->argv[0].ptr, c->argv[0].len, NAME_MAX);
    at = append_text(buf, sizeof buf, at, "', with args beginning with: ");
    size_t args_start = at;
    for (uint32_t i = 1; i < c->argc && at - args_start < ARGS_MAX; i++) {
        at = append_text(buf, sizeof buf, at, "'");
        at = append_cut(buf, sizeof buf, at, c->argv[i].ptr, c->argv[i].len,
                        ARGS_MAX - (at - 1 - args_start));
        at = append_text(buf, sizeof buf, at, "' ");
    }
    ST_ASSERT(at < sizeof buf);
    resp_write_error(c->out, buf, at);
}

static void reply_unknown_subcommand(kv_ctx *c, const kv_command *container) {
    char upper[32];
    size_t n = strlen(container->name);
    ST_ASSERT(n < sizeof upper);
    for (size_t i = 0; i <= n; i++) {
        char ch = container->name[i];
        upper[i] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
    }
    char buf[256];
    size_t at = append_text(buf, sizeof buf, 0, "ERR unknown subcommand '");
    at = append_cut(buf, sizeof buf, at, c->argv[1].ptr, c->argv[1].len, 128);
    at = append_text(buf, sizeof buf, at, "'. Try ");
    at = append_text(buf, sizeof buf, at, upper);
    at = append_text(buf, sizeof buf, at, " HELP.");
    resp_write_error(c->out, buf, at);
}

static bool arity_ok(const kv_command *cmd, uint32_t argc) {
    if (cmd->arity > 0) return argc == (uint32_t)cmd->arity;
    return argc >= (uint32_t)(-cmd->arity);
}

const kv_command *kv_command_resolve(kv_ctx *c) {
    const kv_command *cmd = kv_engine_command(c->engine, c->argv[0].ptr, c->argv[0].len);
    if (cmd == NULL) {
        reply_unknown_command(c);
        return NULL;
    }
    if (cmd->subcommands != NULL && c->argc >= 2) {
        const kv_command *sub = kv_command_sub(cmd, &c->argv[1]);
        if (sub == NULL) {
            reply_unknown_subcommand(c, cmd);
            return NULL;
        }
        cmd = sub;
    }
    if (!arity_ok(cmd, c->argc)) {
        kv_reply_errorf(c, "ERR wrong number of arguments for '%s' command", cmd->name);
        return NULL;
    }
    ST_ASSERT(cmd->handler != NULL);
    return cmd;
}

const kv_command *kv_command_sub(const kv_command *container, const resp_arg *word) {
    for (size_t i = 0; i < container->subcommand_count; i++) {
        const char *bar = strchr(container->subcommands[i].name, '|');
        ST_ASSERT(bar != NULL);
        if (kv_name_equals_folded(bar + 1, word->ptr, word->len))
            return &container->subcommands[i];
    }
    return NULL;
}

/* Redis closes, without a reply, connections whose first word is an HTTP one: a browser
 * or a cross-protocol attack talking to the port. */
static bool is_http_word(const resp_arg *arg) {
    return kv_name_equals_folded("host:", arg->ptr, arg->len) ||
           kv_name_equals_folded("post", arg->ptr, arg->len);
}

/* ---- execution ---- */

kv_exec kv_command_run(kv_ctx *c, const kv_command *cmd) {
    kv_engine *e = c->engine;
    resp_writer *out = c->out;
    size_t mark = resp_writer_mark(out);
    size_t room = resp_writer_room(out);
    kv_store_stats stats_before = e->store.stats;
    cmd->handler(c);
    if (c->result == KV_EXEC_BLOCKED) {
        ST_ASSERT(c->may_block);
        ST_ASSERT(resp_writer_mark(out) == mark); /* nothing written, nothing changed */
        /* The re-run looks the keys up again: count its hits and misses once. */
        e->store.stats.keyspace_hits = stats_before.keyspace_hits;
        e->store.stats.keyspace_misses = stats_before.keyspace_misses;
        return KV_EXEC_BLOCKED;
    }
    bool overflowed = c->result == KV_EXEC_NEEDS_ROOM || resp_writer_overflowed(out);
    /* A read-only reply that fitted the room but is longer than reply_size_max (the room
     * may be larger: a connection's free buffer varies) is refused all the same, so that
     * whether a reply is served never depends on where it lands. */
    bool too_long = !overflowed && resp_writer_mark(out) - mark > e->config->reply_size_max;
    if (overflowed || too_long) {
        resp_writer_rollback(out, mark);
        /* The retry will look the keys up again: count its hits and misses once. Keys
         * expired by the lookups stay expired (a lookup deletes them, as Redis's does). */
        e->store.stats.keyspace_hits = stats_before.keyspace_hits;
        e->store.stats.keyspace_misses = stats_before.keyspace_misses;
        if (too_long || (c->result != KV_EXEC_NEEDS_ROOM && room >= e->config->reply_size_max)) {
            /* A read-only reply past all the room a reply may have. */
            kv_reply_too_long(c);
            e->stats.commands_processed++;
            return KV_EXEC_DONE;
        }
        e->stats.reply_room_retries++;
        return KV_EXEC_NEEDS_ROOM;
    }
    e->stats.commands_processed++;
    return KV_EXEC_DONE;
}

kv_exec kv_engine_execute(kv_engine *e, kv_session *session, const resp_arg *argv, uint32_t argc,
                          int64_t now_ms, resp_writer *out) {
    ST_ASSERT(argc >= 1);
    ST_ASSERT(resp_writer_room(out) >= KV_REPLY_ROOM_MIN_BYTES);
    kv_ctx c = {
        .engine = e,
        .store = &e->store,
        .session = session,
        .argv = argv,
        .argc = argc,
        .now_ms = now_ms,
        .out = out,
        .result = KV_EXEC_DONE,
        .may_block = true,
    };
    kv_store_set_clock(&e->store, now_ms);
    if (is_http_word(&argv[0])) {
        session->close_without_reply = true;
        return KV_EXEC_DONE;
    }
    size_t mark = resp_writer_mark(out);
    const kv_command *cmd = kv_command_resolve(&c);
    if (cmd == NULL) {
        kv_multi_refused(&c, mark);
        return KV_EXEC_DONE;
    }
    if (!session->authenticated && (cmd->flags & KV_CMD_NO_AUTH) == 0) {
        kv_reply_error(&c, KV_ERR_NOAUTH);
        kv_multi_refused(&c, mark);
        return KV_EXEC_DONE;
    }
    if (kv_multi_queue(&c, cmd)) return KV_EXEC_DONE;
    return kv_command_run(&c, cmd);
}

uint64_t kv_engine_expire_cycle(kv_engine *e, int64_t now_ms, uint64_t keys) {
    return kv_store_expire_cycle(&e->store, now_ms, keys);
}

ST_NO_COVERAGE bool kv_engine_invariants_hold(const kv_engine *e) {
    return kv_store_invariants_hold(&e->store) && kv_txns_invariants_hold(&e->txns);
}

uint64_t kv_engine_take_lists_added(kv_engine *e) { return kv_store_take_lists_added(&e->store); }

void kv_engine_reply_timed_out(resp_writer *out) {
    bool ok = resp_write_null_array(out);
    ST_ASSERT(ok);
}
