/*
 * The server's memory, shared by every backend: the layout computed from the
 * configuration, ONE reservation of exactly its total, every region carved in the layout's
 * order, the engine, the connection slots and the large buffers initialised over it.
 * I/O-free (the simulator and the fuzz targets link it from the core library).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/server_internal.h"

#ifdef STASIS_CANARY_PROPS_UNRESERVED_MAP
#include <sys/mman.h>
#endif

#define MIB ((uint64_t)1024 * 1024)

/* Until kv_server_attach gives the real ones. */
static const kv_server_hooks no_hooks;

/* ---- memory ---- */

static void *carve_region(kv_server *s, size_t region) {
    const kv_region *r = &s->layout.regions[region];
    void *p = reservation_carve(&s->memory, r->bytes, KV_REGION_ALIGN_BYTES);
    ST_ASSERT(p != NULL); /* the reservation is the layout's total */
    return p;
}

/* Carves every region in the layout's order: the store (three regions, one block), then
 * the connection slots, their buffers, the large buffers, argv, names, the inline scratch,
 * the LCS scratch, the transactions' regions, the blocked clients' waits. */
static void carve_all(kv_server *s, siphash_key seed) {
    const kv_config *c = s->config;
    kv_store_params sp = {.keys_max = c->keys_max,
                          .chunk_count = (uint32_t)s->layout.chunk_count,
                          .chunk_size = (uint32_t)c->chunk_size};
    size_t store_bytes = kv_store_memory_bytes(sp);
    ST_ASSERT(store_bytes == s->layout.regions[KV_REGION_STORE_TABLE].bytes +
                                 s->layout.regions[KV_REGION_STORE_RECORDS].bytes +
                                 s->layout.regions[KV_REGION_STORE_CHUNKS].bytes);
    void *store = reservation_carve(&s->memory, store_bytes, KV_REGION_ALIGN_BYTES);
    ST_ASSERT(store != NULL);
    kv_engine_init(&s->engine, c, store, store_bytes, sp.chunk_count, seed);
    s->engine.server = &s->info;
    ST_ASSERT(s->layout.regions[KV_REGION_CONNECTIONS].item_bytes == sizeof(kv_connection));
    s->conns = carve_region(s, KV_REGION_CONNECTIONS);
    s->conn_buffers = carve_region(s, KV_REGION_CONNECTION_BUFFERS);
    s->large_buffers = carve_region(s, KV_REGION_LARGE_BUFFERS);
    s->argv = carve_region(s, KV_REGION_ARGV);
    s->client_names = carve_region(s, KV_REGION_CLIENT_NAMES);
    s->inline_scratch = carve_region(s, KV_REGION_INLINE_SCRATCH);
    kv_engine_give_lcs_scratch(&s->engine, carve_region(s, KV_REGION_LCS_SCRATCH),
                               kv_engine_lcs_scratch_bytes(c));
    /* One statement per carve: the regions are carved in the layout's order. */
    kv_txn_memory txn;
    txn.state = carve_region(s, KV_REGION_TXN_STATE);
    txn.queues = carve_region(s, KV_REGION_TXN_QUEUES);
    txn.watches = carve_region(s, KV_REGION_TXN_WATCHES);
    txn.index = carve_region(s, KV_REGION_TXN_WATCH_INDEX);
    txn.argv = carve_region(s, KV_REGION_TXN_ARGV);
    kv_engine_give_transactions(&s->engine, txn);
    s->blocks = carve_region(s, KV_REGION_BLOCKED_CLIENTS);
    ST_ASSERT(reservation_diagnostics(&s->memory).allocated_bytes == s->layout.total_bytes);
}

/* The fields every reservation starts from; false (reason in `error`) when the layout
 * cannot be computed. */
static bool begin(kv_server *s, const kv_config *config, char *error, size_t error_size) {
    ST_ASSERT(config->connections_max <= KV_IO_INDEX_MAX - 1);
    ST_ASSERT(config->connection_buffer_size >= KV_REPLY_ROOM_MIN_BYTES);
    memset(s, 0, sizeof *s);
    s->config = config;
    s->listen_fd = -1;
    s->hooks = &no_hooks;
    return kv_layout_compute(config, &s->layout, error, error_size);
}

/* Over the reservation made: the regions, the limits, the slots, the large buffers. */
static void finish(kv_server *s, siphash_key seed) {
    const kv_config *config = s->config;
    carve_all(s, seed);
#ifdef STASIS_CANARY_PROPS_UNRESERVED_MAP
    /* canary (props/CMakeLists.txt): 4 KiB per connection mapped beside the reservation,
     * not in it; reservation's process check must see it in /proc/PID/maps */
    void *beside = mmap(NULL, config->connections_max * 4096, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    ST_ASSERT(beside != MAP_FAILED);
#endif
    s->limits = (resp_limits){.command_args_max = config->command_args_max,
                              .bulk_size_max = config->bulk_size_max,
                              .inline_size_max = config->inline_size_max,
                              .request_size_max = config->request_size_max};
    kv_conn_init_all(s);
    kv_large_init(s);
    kv_block_init(s);
    s->info.reservation_bytes = s->layout.total_bytes;
}

int kv_server_reserve(kv_server *s, const kv_config *config, bool lock, siphash_key seed,
                      char *error, size_t error_size) {
    if (!begin(s, config, error, error_size)) return -EOVERFLOW;
    int r = reservation_map(&s->memory, s->layout.total_bytes, lock ? RESERVATION_LOCK : 0u);
    if (r != 0) {
        snprintf(error, error_size, "%s %llu bytes (%llu MiB): %s",
                 lock ? "cannot reserve and lock" : "cannot reserve",
                 (unsigned long long)s->layout.total_bytes,
                 (unsigned long long)(s->layout.total_bytes / MIB), strerrordesc_np(-r));
        return r;
    }
    finish(s, seed);
    return 0;
}

int kv_server_reserve_in(kv_server *s, const kv_config *config, void *memory,
                         size_t memory_bytes, siphash_key seed, char *error, size_t error_size) {
    ST_ASSERT(((uintptr_t)memory & (KV_REGION_ALIGN_BYTES - 1)) == 0);
    if (!begin(s, config, error, error_size)) return -EOVERFLOW;
    if (s->layout.total_bytes > memory_bytes) {
        snprintf(error, error_size, "the layout needs %llu bytes, the memory given holds %zu",
                 (unsigned long long)s->layout.total_bytes, memory_bytes);
        return -ENOSPC;
    }
    memset(memory, 0, s->layout.total_bytes); /* what a fresh mapping holds */
    reservation_init_buffer(&s->memory, memory, s->layout.total_bytes);
    finish(s, seed);
    return 0;
}

void kv_server_release(kv_server *s) {
    if (reservation_get_state(&s->memory) == RESERVATION_STATIC) {
        reservation_begin_deinit(&s->memory);
    }
    reservation_unmap(&s->memory);
}

