#include "kv/layout.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc/object_pool.h"
#include "alloc/stasis_assert.h"
#include "kv/chunks.h"
#include "kv/connection.h"
#include "kv/server_block.h"
#include "kv/engine.h"
#include "kv/resp_number.h"
#include "kv/store.h"

/* ---- overflow-checked arithmetic ---- */

typedef struct sized {
    uint64_t value;
    bool overflow;
} sized;

static sized mul(sized a, uint64_t b) {
    if (a.overflow || (b != 0 && a.value > UINT64_MAX / b)) return (sized){.overflow = true};
    return (sized){.value = a.value * b};
}

static sized add(sized a, uint64_t b) {
    if (a.overflow || a.value > UINT64_MAX - b) return (sized){.overflow = true};
    return (sized){.value = a.value + b};
}

static sized round_up(sized a) {
    sized r = add(a, KV_REGION_ALIGN_BYTES - 1);
    if (!r.overflow) r.value &= ~(KV_REGION_ALIGN_BYTES - 1);
    return r;
}

static uint64_t ceil_div(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

/* ---- the chunk budget ---- */

static sized guaranteed_chunks(const kv_config *c) {
    uint64_t key = ceil_div(c->key_size_max, c->chunk_size);
    uint64_t element = ceil_div(c->value_size_max + KV_ELEMENT_HEADER_BYTES, c->chunk_size);
    sized per_key = add(mul((sized){.value = element}, c->list_length_max), key);
    return mul(per_key, c->keys_max);
}

uint64_t kv_layout_chunk_count(const kv_config *c) {
    if (c->capacity_policy == KV_POLICY_SHARED) return c->data_budget_bytes / c->chunk_size;
    sized n = guaranteed_chunks(c);
    return n.overflow ? UINT64_MAX : n.value;
}

/* ---- the layout ---- */

static void put(kv_layout *l, const char *name, uint64_t count, uint64_t item, sized bytes) {
    ST_ASSERT(l->region_count < KV_LAYOUT_REGIONS_MAX);
    l->regions[l->region_count++] =
        (kv_region){.name = name, .count = count, .item_bytes = item, .bytes = bytes.value};
}

static bool layout_error(char *error, size_t size, const char *what) {
    snprintf(error, size, "the reservation cannot be computed: %s", what);
    return false;
}

bool kv_layout_compute(const kv_config *c, kv_layout *l, char *error, size_t error_size) {
    memset(l, 0, sizeof *l);
    if (c->keys_max > OBJECT_POOL_ITEM_COUNT_MAX) {
        /* The key records are a pool and the hash table holds their indexes: 31 bits. */
        char why[160];
        snprintf(why, sizeof why, "keys_max %llu is more than the %u keys the store can index",
                 (unsigned long long)c->keys_max, OBJECT_POOL_ITEM_COUNT_MAX);
        return layout_error(error, error_size, why);
    }
    uint64_t chunks = kv_layout_chunk_count(c);
    if (chunks == 0 || chunks > OBJECT_POOL_ITEM_COUNT_MAX) {
        char why[300];
        bool shared = c->capacity_policy == KV_POLICY_SHARED;
        /* The message names the limits the count comes from, so the fix is plain. */
        snprintf(why, sizeof why,
                 "the %s policy asks for %s%llu chunks of chunk_size %llu bytes (%s); the most is "
                 "%u (%s)",
                 shared ? "shared" : "guaranteed", chunks == UINT64_MAX ? "more than " : "",
                 (unsigned long long)chunks, (unsigned long long)c->chunk_size,
                 shared ? "data_budget_bytes / chunk_size"
                        : "keys_max x (key_size_max + list_length_max x value_size_max)",
                 OBJECT_POOL_ITEM_COUNT_MAX,
                 shared ? (chunks == 0 ? "raise data_budget_bytes to at least chunk_size"
                                       : "lower data_budget_bytes or raise chunk_size")
                        : "lower the limits, or use --capacity-policy shared");
        return layout_error(error, error_size, why);
    }
    l->chunk_count = chunks;
    kv_store_params sp = {.keys_max = c->keys_max,
                          .chunk_count = (uint32_t)chunks,
                          .chunk_size = (uint32_t)c->chunk_size};
    kv_store_layout s = kv_store_layout_for(sp);
    put(l, "store: hash table", table_slot_count(c->keys_max), sizeof(table_slot),
        (sized){.value = s.table_bytes});
    put(l, "store: key records (+expiry heap)", c->keys_max, sizeof(kv_record) + sizeof(uint32_t),
        (sized){.value = s.records_bytes});
    put(l, "store: data chunks (+links)", chunks, c->chunk_size + sizeof(uint32_t),
        (sized){.value = s.chunks_bytes});
    uint64_t conn_bytes = (sizeof(kv_connection) + 63u) & ~(uint64_t)63u;
    put(l, "connections: state", c->connections_max, conn_bytes,
        round_up(mul((sized){.value = conn_bytes}, c->connections_max)));
    put(l, "connections: buffers (in+out)", c->connections_max, 2 * c->connection_buffer_size,
        round_up(mul((sized){.value = 2 * c->connection_buffer_size}, c->connections_max)));
    uint64_t large =
        c->request_size_max > c->reply_size_max ? c->request_size_max : c->reply_size_max;
    /* An inline line is "too big" once more than inline_size_max bytes of it are buffered
     * (Redis's rule): a buffer must hold one byte more, or a line of exactly the limit with
     * request_size_max == inline_size_max would end as "request exceeds" instead. */
    if (large < c->inline_size_max + 1) large = c->inline_size_max + 1;
    sized large_each = round_up((sized){.value = large});
    l->large_buffer_bytes = large_each.value;
    put(l, "large buffers (lent)", c->large_buffers_max, large_each.value,
        mul(large_each, c->large_buffers_max));
    put(l, "command arguments", c->command_args_max, sizeof(resp_arg),
        round_up(mul((sized){.value = sizeof(resp_arg)}, c->command_args_max)));
    put(l, "client names", c->connections_max, c->client_name_size_max,
        round_up(mul((sized){.value = c->client_name_size_max}, c->connections_max)));
    /* Inline requests are decoded in a copy, so a command that must wait for room can be
     * parsed again from the untouched bytes (resp_parser_set_inline_scratch). */
    put(l, "inline scratch", 1, c->inline_size_max, round_up((sized){.value = c->inline_size_max}));
    /* LCS's table and strings, bounded by lcs_cells_max (kv_engine_give_lcs_scratch). */
    put(l, "lcs scratch (cells)", c->lcs_cells_max, sizeof(uint32_t) + 1,
        round_up(mul((sized){.value = sizeof(uint32_t) + 1}, c->lcs_cells_max)));
    /* MULTI/EXEC and WATCH, per connection (transaction.h; kv_engine_give_transactions). */
    kv_txn_layout t = kv_txn_layout_for(c);
    put(l, "transactions: state", c->connections_max, sizeof(kv_txn),
        (sized){.value = t.state_bytes, .overflow = t.overflow});
    put(l, "transactions: queues", c->connections_max, c->transaction_bytes_max,
        (sized){.value = t.queue_bytes, .overflow = t.overflow});
    put(l, "transactions: watched keys", t.watch_count, sizeof(kv_watch),
        (sized){.value = t.watch_bytes, .overflow = t.overflow});
    put(l, "transactions: watch index", t.index_slots, sizeof(uint32_t),
        (sized){.value = t.index_bytes, .overflow = t.overflow});
    put(l, "transactions: EXEC arguments", c->command_args_max, sizeof(resp_arg),
        (sized){.value = t.argv_bytes, .overflow = t.overflow});
    /* A blocked client's wait: one entry per connection (server_block.h). */
    put(l, "blocked clients (waits)", c->connections_max, sizeof(kv_block_entry),
        round_up(mul((sized){.value = sizeof(kv_block_entry)}, c->connections_max)));
    ST_ASSERT(l->region_count == KV_REGION_COUNT);
    sized total = {0};
#ifdef STASIS_CANARY_PROPS_LAYOUT_REGION_SHORT
    for (size_t i = 0; i + 1 < l->region_count; i++) /* canary: the last region left out */
#else
    for (size_t i = 0; i < l->region_count; i++)
#endif
        total = add(total, l->regions[i].bytes);
    for (size_t i = 0; i < l->region_count; i++) {
        if (l->regions[i].bytes % KV_REGION_ALIGN_BYTES != 0) total.overflow = true;
    }
    if (total.overflow || large_each.overflow || t.overflow)
        return layout_error(error, error_size, "a size overflows 64 bits");
    l->total_bytes = total.value;
    return true;
}

/* ---- the seed design (nickmonad/kv), from its formula ---- */

void kv_layout_seed(const kv_config *c, kv_layout *l) {
    memset(l, 0, sizeof *l);
    uint64_t C = c->connections_max;
    uint64_t N = c->keys_max;
    uint64_t K = c->key_size_max;
    uint64_t V = c->value_size_max;
    uint64_t L = c->list_length_max;
    uint64_t header = 1 + resp_u64_digits(L) + 2;
    uint64_t value_bulk = 1 + resp_u64_digits(V) + 2 + V + 2;
    uint64_t recv = header + 11 + (1 + resp_u64_digits(K) + 2 + K + 2) + L * value_bulk;
    uint64_t send = header + L * value_bulk;
    put(l, "connections: receive buffers", C, recv, (sized){.value = C * recv});
    put(l, "connections: send buffers", C, send, (sized){.value = C * send});
    put(l, "keys (N x K)", N, K, (sized){.value = N * K});
    put(l, "values (N x L x V)", N * L, V, (sized){.value = N * L * V});
    for (size_t i = 0; i < l->region_count; i++)
        l->total_bytes += l->regions[i].bytes;
}

/* ---- printing ---- */

static void write_all(int fd, const char *text, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n <= 0) return; /* nothing useful to do if the terminal went away */
        text += n;
        len -= (size_t)n;
    }
}

void kv_layout_print(const kv_layout *l, const char *title, int fd) {
    char line[256];
    int n = snprintf(line, sizeof line, "%s\n%-32s %12s %14s %16s %10s\n", title, "region", "count",
                     "bytes each", "bytes", "MiB");
    write_all(fd, line, (size_t)n);
    for (size_t i = 0; i < l->region_count; i++) {
        const kv_region *r = &l->regions[i];
        n = snprintf(line, sizeof line, "%-32s %12llu %14llu %16llu %10.2f\n", r->name,
                     (unsigned long long)r->count, (unsigned long long)r->item_bytes,
                     (unsigned long long)r->bytes, (double)r->bytes / (1024.0 * 1024.0));
        write_all(fd, line, (size_t)n);
    }
    n = snprintf(line, sizeof line, "%-32s %12s %14s %16llu %10.2f\n", "total", "", "",
                 (unsigned long long)l->total_bytes, (double)l->total_bytes / (1024.0 * 1024.0));
    write_all(fd, line, (size_t)n);
}
