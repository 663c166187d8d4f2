/* INFO [section ...]: server, clients, memory, stats, keyspace and limits. */
#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/command.h"
#include "kv/text.h"

#define KV_STASIS_VERSION "0.1.0"

typedef void (*info_section_fn)(const kv_ctx *c, const kv_server_info *s, kv_text *t);

static void section_server(const kv_ctx *c, const kv_server_info *s, kv_text *t) {
    kv_text_str(t, "# Server\r\n");
    kv_text_field_str(t, "redis_version", "7.0.15");
    kv_text_field_str(t, "stasis_version", KV_STASIS_VERSION);
    kv_text_field_str(t, "redis_mode", "standalone");
    kv_text_field_str(t, "os", "Linux");
    kv_text_field_u64(t, "arch_bits", 64);
    kv_text_field_str(t, "multiplexing_api", "io_uring");
    kv_text_field_u64(t, "process_id", s->process_id);
    kv_text_field_u64(t, "tcp_port", s->tcp_port);
    int64_t up_ms = s->started_ms > 0 && c->now_ms > s->started_ms ? c->now_ms - s->started_ms : 0;
    kv_text_field_u64(t, "uptime_in_seconds", (uint64_t)up_ms / 1000);
    kv_text_field_u64(t, "uptime_in_days", (uint64_t)up_ms / 86400000);
}

static void section_clients(const kv_ctx *c, const kv_server_info *s, kv_text *t) {
    kv_text_str(t, "# Clients\r\n");
    kv_text_field_u64(t, "connected_clients", s->connected_clients);
    kv_text_field_u64(t, "maxclients", c->engine->config->connections_max);
    kv_text_field_u64(t, "blocked_clients", s->blocked_clients);
    kv_text_field_u64(t, "large_buffers_in_use", s->large_buffers_in_use);
    kv_text_field_u64(t, "large_buffers_max", c->engine->config->large_buffers_max);
}

static void section_memory(const kv_ctx *c, const kv_server_info *s, kv_text *t) {
    const kv_store *st = c->store;
    const kv_config *cfg = c->engine->config;
    table_stats ts = table_get_stats(&st->index);
    kv_text_str(t, "# Memory\r\n");
    /* Everything the process uses was reserved at start-up; this figure never grows. */
    kv_text_field_u64(t, "used_memory", s->reservation_bytes);
    kv_text_field_u64(t, "reservation_bytes", s->reservation_bytes);
    kv_text_field_u64(t, "allocation_calls_after_seal", s->allocation_calls_after_seal);
    kv_text_field_u64(t, "maxmemory",
                      cfg->capacity_policy == KV_POLICY_SHARED ? cfg->data_budget_bytes : 0);
    kv_text_field_str(t, "maxmemory_policy", "noeviction");
    kv_text_field_str(t, "capacity_policy",
                      cfg->capacity_policy == KV_POLICY_SHARED ? "shared" : "guaranteed");
    kv_text_field_u64(t, "chunk_size", st->chunks.chunk_size);
    kv_text_field_u64(t, "chunks_total", st->chunks.chunk_count);
    kv_text_field_u64(t, "chunks_used", chunk_store_used(&st->chunks));
    kv_text_field_u64(t, "chunks_free", chunk_store_free(&st->chunks));
    kv_text_field_u64(t, "records_total", st->keys_max);
    kv_text_field_u64(t, "records_used", st->keys);
    kv_text_field_u64(t, "table_slots", table_slots(&st->index));
    kv_text_field_u64(t, "table_tombstones", ts.tombstones);
    kv_text_field_u64(t, "table_rehashes", ts.rehashes);
    kv_text_field_u64(t, "table_probe_length_max", ts.probe_length_max);
}

static void section_stats(const kv_ctx *c, const kv_server_info *s, kv_text *t) {
    const kv_engine_stats *e = &c->engine->stats;
    const kv_store_stats *st = &c->store->stats;
    kv_text_str(t, "# Stats\r\n");
    kv_text_field_u64(t, "total_connections_received", s->total_connections_received);
    kv_text_field_u64(t, "total_commands_processed", e->commands_processed);
    kv_text_field_u64(t, "total_net_input_bytes", s->net_input_bytes);
    kv_text_field_u64(t, "total_net_output_bytes", s->net_output_bytes);
    kv_text_field_u64(t, "rejected_connections", s->rejected_connections);
    kv_text_field_u64(t, "accept_errors", s->accept_errors);
    kv_text_field_u64(t, "expired_keys", st->expired_keys);
    kv_text_field_u64(t, "evicted_keys", 0);
    kv_text_field_u64(t, "keyspace_hits", st->keyspace_hits);
    kv_text_field_u64(t, "keyspace_misses", st->keyspace_misses);
    kv_text_field_u64(t, "oom_rejections", e->oom_rejections);
    kv_text_field_u64(t, "limit_rejections", e->limit_rejections);
    kv_text_field_u64(t, "reply_room_retries", e->reply_room_retries);
    kv_text_field_u64(t, "protocol_errors", s->protocol_errors);
    kv_text_field_u64(t, "idle_timeouts", s->idle_timeouts);
    kv_text_field_u64(t, "large_buffer_waits", s->large_buffer_waits);
    kv_text_field_u64(t, "large_buffer_timeouts", s->large_buffer_timeouts);
    kv_text_field_u64(t, "slow_readers_paused", s->slow_readers_paused);
}

static void section_keyspace(const kv_ctx *c, const kv_server_info *s, kv_text *t) {
    (void)s;
    kv_text_str(t, "# Keyspace\r\n");
    if (c->store->keys == 0) return; /* Redis lists only non-empty databases */
    kv_text_str(t, "db0:keys=");
    kv_text_u64(t, c->store->keys);
    kv_text_str(t, ",expires=");
    kv_text_u64(t, c->store->expires);
    kv_text_str(t, ",avg_ttl=");
    kv_text_u64(t, kv_store_avg_ttl_ms(c->store, c->now_ms));
    kv_text_str(t, "\r\n");
}

/* Every option of the configuration table: each limit appears in INFO. */
static void section_limits(const kv_ctx *c, const kv_server_info *s, kv_text *t) {
    (void)s;
    kv_text_str(t, "# Limits\r\n");
    char value[KV_REQUIREPASS_SIZE_MAX + 8];
    for (size_t i = 0; i < kv_option_count; i++) {
        const kv_option *o = &kv_options[i];
        if (strcmp(o->name, "requirepass") == 0) continue; /* never shown */
        kv_format_option(c, o, value, sizeof value);
        kv_text_field_str(t, o->name, value);
    }
}

typedef struct info_section {
    const char *name;
    info_section_fn fn;
} info_section;

static const info_section sections[] = {
    {"server", section_server}, {"clients", section_clients},   {"memory", section_memory},
    {"stats", section_stats},   {"keyspace", section_keyspace}, {"limits", section_limits},
};
#define SECTION_COUNT (sizeof sections / sizeof sections[0])

/* Which sections the arguments ask for: none means all; all/everything/default too. */
static void select_sections(const kv_ctx *c, bool wanted[SECTION_COUNT]) {
    bool any = false;
    for (uint32_t a = 1; a < c->argc; a++) {
        bool every =
            kv_arg_is(c, a, "all") || kv_arg_is(c, a, "everything") || kv_arg_is(c, a, "default");
        for (size_t i = 0; i < SECTION_COUNT; i++) {
            if (every || kv_arg_is(c, a, sections[i].name)) wanted[i] = true;
        }
        any = true;
    }
    if (!any) {
        for (size_t i = 0; i < SECTION_COUNT; i++)
            wanted[i] = true;
    }
}

static void cmd_info(kv_ctx *c) {
    static const kv_server_info no_server = {0};
    const kv_server_info *s = c->engine->server != NULL ? c->engine->server : &no_server;
    bool wanted[SECTION_COUNT] = {false};
    select_sections(c, wanted);
    kv_text t = kv_text_make(c->engine->info_scratch, sizeof c->engine->info_scratch);
    bool first = true;
    for (size_t i = 0; i < SECTION_COUNT; i++) {
        if (!wanted[i]) continue;
        if (!first) kv_text_str(&t, "\r\n");
        sections[i].fn(c, s, &t);
        first = false;
    }
    ST_ASSERT(!t.overflow); /* KV_INFO_SIZE_MAX holds every section */
    if (!kv_reply_room(c, kv_bulk_reply_bytes(t.len))) return;
    kv_reply_bulk(c, t.buf, t.len);
}

static const kv_command commands[] = {
    {.name = "info",
     .arity = -1,
     .flags = 0, /* Redis: loading, stale; not readonly (it reads no key) */
     .handler = cmd_info},
};

const kv_command_family kv_info_family = {.commands = commands, .count = 1};
