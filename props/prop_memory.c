/*
 * memory_bound (in-process): for every configuration of the matrix (kv_case.h) and a
 * generated workload over every command, not one call to malloc, calloc, realloc, free,
 * aligned_alloc, posix_memalign, mmap, munmap, mremap, brk or sbrk happens after the seal.
 *
 * The count is the server's own (src/kv/seal.c): link-time wrappers in plain builds (every
 * call from the project's code, engine and allocators included), the sanitizer's allocation
 * hooks around each engine call in sanitized builds (malloc and free only: ASan maps for
 * itself). The store and the reply buffer are mapped first, then the seal is armed, as the
 * server does. The engine's self-check runs after operations (every one on small tables).
 */
#include <inttypes.h>

#include "kv/seal.h"
#include "kv_case.h"
#include "props.h"

static int run(const uint8_t *payload, size_t size) {
    static kvw_decoder d;
    static kvw_engine w;
    if (!kvw_open_case(&d, &w, payload, size)) return PROP_REFUSED;
    seal_arm();
    kvw_op op;
    for (size_t i = 0; kvw_decode_op(&d, &op); i++) {
        prop_set_op(i);
        uint64_t before = seal_allocation_calls();
        seal_window_begin();
        kvw_run(&w, &op);
        seal_window_end();
        uint64_t calls = seal_allocation_calls() - before;
        if (calls != 0) kvw_print_op(stderr, i, &op);
        PROP_CHECK(calls == 0,
                   "%" PRIu64 " allocation call(s) after the seal while running the operation "
                   "above (counted by %s)",
                   calls, seal_counts_by_wrapping() ? "link-time wrappers" : "sanitizer hooks");
        /* The self-check is O(table slots): after every operation on small tables, every
         * 16th on large ones (the defaults' 131072 slots), and at the end. */
        bool small = table_slots(&w.engine.store.index) <= 4096;
        PROP_CHECK(!(small || i % 16 == 0) || kv_engine_invariants_hold(&w.engine),
                   "kv_engine_invariants_hold() is false");
    }
    PROP_CHECK(kv_engine_invariants_hold(&w.engine), "kv_engine_invariants_hold() is false");
    return d.c.refused ? PROP_REFUSED : PROP_PASS;
}

const prop_property prop_memory_bound = {
    .name = "memory_bound",
    .format_version = 1,
    .payload_max = 240,
    .summary = "no allocation call after the seal, for the configuration matrix and every "
               "command (in-process, the seal's counting)",
    .run = run,
    .describe = kvw_describe,
    .generate = kvw_generate_any,
};
