#ifndef STASIS_FUZZ_KV_FUZZ_ENGINE_H
#define STASIS_FUZZ_KV_FUZZ_ENGINE_H

/*
 * The KV engine as the KV fuzz targets open it for each input: one reservation mapped on
 * the first input and reset for every later one (carving re-poisons only what the last
 * input used, so the reset costs what that input touched), the store carved from it, the
 * engine initialized over the store with a fixed hash key, and one session opened.
 *
 * Header-only on purpose: each target links its own core (a canary build links a planted
 * one), and a static inline function binds to the engine of the binary it is compiled into.
 */

#include "alloc/reservation.h"
#include "drivers/fuzz_target.h"
#include "kv/engine.h"

typedef struct kv_fuzz_engine {
    reservation res;
    bool mapped;
    size_t map_bytes; /* the largest store any input may ask for */
    kv_engine engine;
    kv_session session;
    char session_name[64];
} kv_fuzz_engine;

static inline void kv_fuzz_engine_open(kv_fuzz_engine *f, const kv_config *config,
                                       uint32_t chunk_count) {
    kv_store_params p = {.keys_max = config->keys_max,
                         .chunk_count = chunk_count,
                         .chunk_size = (uint32_t)config->chunk_size};
    size_t store_bytes = kv_store_memory_bytes(p);
    if (!f->mapped) {
        FUZZ_CHECK(reservation_map(&f->res, f->map_bytes, 0) == 0, "cannot map %zu bytes",
                   f->map_bytes);
        f->mapped = true;
    }
    reservation_reset_for_testing(&f->res);
    void *store_memory = reservation_carve(&f->res, store_bytes, 64);
    FUZZ_CHECK(store_memory != NULL, "the store needs %zu bytes", store_bytes);
    kv_engine_init(&f->engine, config, store_memory, store_bytes, chunk_count,
                   (siphash_key){.k0 = 0x0123456789abcdefu, .k1 = 0xfedcba9876543210u});
    kv_engine_open_session(&f->engine, &f->session, f->session_name);
}

#endif
