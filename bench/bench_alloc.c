/*
 * bench_alloc: nanoseconds per alloc+free pair for each allocator of the set and for glibc
 * malloc, on the same three workloads, through each allocator's own API ("direct") and
 * through the generic allocator interface ("iface"):
 *
 *   churn 64 B     16 blocks of 64 bytes allocated, then freed in reverse (LIFO), repeated.
 *                  Every allocator can serve it, the bump ones included.
 *   mixed 16-1024  256 live blocks; each step frees a random one and allocates a random size
 *                  from 16 to 1024 bytes in its place. For the allocators that reuse any
 *                  freed block (malloc, block allocator, and the wrappers over it).
 *   many + reset   1000 blocks of 16 to 256 bytes, then one reset (malloc: 1000 frees, in
 *                  allocation order). A "pair" is one allocation and its share of the reset.
 *
 * Every block is written (one byte) when allocated and read back before it is freed. Each
 * measurement is the best of BENCH_REPEATS runs after a warm-up run; the random sizes and
 * slots come from one fixed-seed generator shared by all. Build: the `release` preset (gcc
 * -O2, ST_ASSERT still on). Run: `ci/bench alloc`, or `ci/bench alloc NAME` for the cases
 * whose allocator's name contains NAME (and malloc's), without the goal lines.
 */
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc/arena.h"
#include "alloc/block_allocator.h"
#include "alloc/byte_pool.h"
#include "alloc/checking.h"
#include "alloc/failing.h"
#include "alloc/fixed_buffer.h"
#include "alloc/object_pool.h"
#include "alloc/stack_fallback.h"

#define BENCH_REPEATS      5
#define CHURN_BATCH        16
#define CHURN_ROUNDS       (1u << 17) /* x 16 pairs */
#define MIXED_LIVE         256
#define MIXED_STEPS        (1u << 20)
#define MIXED_LEN_MIN      16u
#define MIXED_LEN_MAX      1024u
#define MANY_BLOCKS        1000
#define MANY_LEN_MIN       16u
#define MANY_LEN_MAX       256u
#define MANY_ROUNDS        1000u
#define HEAP_BLOCK_BYTES   16u
#define HEAP_BLOCKS        65536u /* 1 MiB of 16-byte blocks */
#define ARENA_CHUNK_BYTES  ((size_t)64 * 1024)
#define FIXED_BUFFER_BYTES ((size_t)1 << 20)
#define STACK_BYTES        ((size_t)4096)
#define POOL_ITEMS         1024u
#define CHECK_GUARD_BYTES  8u
#define CHECK_BLOCKS_MAX   1024u

/* ---- fixed inputs ---- */

static uint16_t mixed_len[MIXED_STEPS];
static uint8_t mixed_slot[MIXED_STEPS];
static uint16_t mixed_first_len[MIXED_LIVE];
static uint16_t many_len[MANY_BLOCKS];

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng_next(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint16_t rng_between(unsigned lo, unsigned hi) {
    return (uint16_t)(lo + rng_next() % (hi - lo + 1u));
}

static void make_inputs(void) {
    for (size_t i = 0; i < MIXED_STEPS; i++) {
        mixed_len[i] = rng_between(MIXED_LEN_MIN, MIXED_LEN_MAX);
        mixed_slot[i] = (uint8_t)rng_next();
    }
    for (size_t i = 0; i < MIXED_LIVE; i++)
        mixed_first_len[i] = rng_between(MIXED_LEN_MIN, MIXED_LEN_MAX);
    for (size_t i = 0; i < MANY_BLOCKS; i++)
        many_len[i] = rng_between(MANY_LEN_MIN, MANY_LEN_MAX);
}

/* ---- the allocators, in static memory ---- */

/* Blocks plus room for the metadata (bitmaps and summary tree: 40 KiB here); setup checks. */
#define HEAP_MEMORY_BYTES (HEAP_BLOCKS * HEAP_BLOCK_BYTES + 64u * 1024u)

static uint8_t heap_memory[HEAP_MEMORY_BYTES] __attribute__((aligned(4096)));
static uint8_t fixed_memory[FIXED_BUFFER_BYTES] __attribute__((aligned(4096)));
static uint8_t stack_memory[STACK_BYTES] __attribute__((aligned(64)));
static uint8_t pool_memory[POOL_ITEMS * 1024u + POOL_ITEMS] __attribute__((aligned(4096)));
static checking_block check_table[2 * CHECK_BLOCKS_MAX];

static block_allocator heap;
static fixed_buffer fb;
static arena ar;
static object_pool op;
static byte_pool bp;
static stack_fallback sf;
static failing_allocator fa;
static checking ck;
static allocator iface;

static void setup_heap(void) {
    block_allocator_params p = {.block_count = HEAP_BLOCKS, .block_bytes = HEAP_BLOCK_BYTES};
    size_t bytes = block_allocator_memory_bytes(p);
    if (bytes > sizeof heap_memory) {
        fprintf(stderr, "bench_alloc: the heap needs %zu bytes\n", bytes);
        exit(1);
    }
    block_allocator_init(&heap, heap_memory, bytes, p);
    iface = block_allocator_allocator(&heap);
}

static void setup_fixed_buffer(void) {
    fixed_buffer_init(&fb, fixed_memory, FIXED_BUFFER_BYTES);
    iface = fixed_buffer_allocator(&fb);
}

static void setup_arena(void) {
    setup_heap();
    arena_init(&ar, block_allocator_allocator(&heap), ARENA_CHUNK_BYTES);
    iface = arena_allocator(&ar);
}

static void setup_object_pool(size_t item_bytes) {
    object_pool_params p = {.item_bytes = item_bytes, .item_align = 8, .item_count = POOL_ITEMS};
    object_pool_init(&op, pool_memory, object_pool_memory_bytes(p), p);
    iface = object_pool_allocator(&op);
}

static void setup_object_pool_64(void) { setup_object_pool(64); }
static void setup_object_pool_256(void) { setup_object_pool(256); }

static void setup_byte_pool(uint32_t slot_bytes) {
    byte_pool_params p = {.slot_count = POOL_ITEMS, .slot_bytes = slot_bytes};
    byte_pool_init(&bp, pool_memory, byte_pool_memory_bytes(p), p);
    iface = byte_pool_allocator(&bp);
}

static void setup_byte_pool_64(void) { setup_byte_pool(64); }
static void setup_byte_pool_256(void) { setup_byte_pool(256); }

static void setup_stack_fallback(void) {
    setup_heap();
    stack_fallback_init(&sf, stack_memory, STACK_BYTES, block_allocator_allocator(&heap));
    iface = stack_fallback_allocator(&sf);
}

static void setup_failing(void) {
    setup_heap();
    failing_init(&fa, block_allocator_allocator(&heap));
    iface = failing_allocator_iface(&fa);
}

static void setup_checking(void) {
    setup_heap();
    checking_params p = {.blocks_max = CHECK_BLOCKS_MAX,
                         .guard_bytes = CHECK_GUARD_BYTES,
                         .limit_bytes = CHECKING_NO_LIMIT,
                         .on_error = CHECKING_ABORT};
    checking_init(&ck, block_allocator_allocator(&heap), check_table, checking_memory_bytes(p), p);
    iface = checking_allocator(&ck);
}

static void setup_nothing(void) {}

/* ---- the workloads, one instance per allocator API (macros, so direct calls stay direct) ---- */

_Noreturn static void out_of_memory(const char *what) {
    fprintf(stderr, "bench_alloc: %s ran out of memory\n", what);
    exit(1);
}

static uint8_t *live[MIXED_LIVE > MANY_BLOCKS ? MIXED_LIVE : MANY_BLOCKS];
static uint32_t live_slot[MIXED_LIVE > MANY_BLOCKS ? MIXED_LIVE : MANY_BLOCKS];
static size_t live_len[MIXED_LIVE];
static volatile uint64_t sink;

#define TAKE(p, expr, i)                                                                           \
    do {                                                                                           \
        (p) = (expr);                                                                              \
        if (__builtin_expect((p) == NULL, 0)) out_of_memory(__func__);                             \
        (p)[0] = (uint8_t)(i);                                                                     \
    } while (0)

#define DEFINE_CHURN(name, ALLOC, FREE)                                                            \
    static void name(void) {                                                                       \
        uint64_t sum = 0;                                                                          \
        for (uint32_t r = 0; r < CHURN_ROUNDS; r++) {                                              \
            for (uint32_t i = 0; i < CHURN_BATCH; i++)                                             \
                TAKE(live[i], ALLOC(64), i);                                                       \
            for (uint32_t i = CHURN_BATCH; i-- > 0;) {                                             \
                sum += live[i][0];                                                                 \
                FREE(live[i], 64);                                                                 \
            }                                                                                      \
        }                                                                                          \
        sink = sum;                                                                                \
    }

#define DEFINE_MIXED(name, ALLOC, FREE)                                                            \
    static void name(void) {                                                                       \
        uint64_t sum = 0;                                                                          \
        for (uint32_t i = 0; i < MIXED_LIVE; i++) {                                                \
            live_len[i] = mixed_first_len[i];                                                      \
            TAKE(live[i], ALLOC(live_len[i]), i);                                                  \
        }                                                                                          \
        for (uint32_t s = 0; s < MIXED_STEPS; s++) {                                               \
            uint32_t k = mixed_slot[s];                                                            \
            sum += live[k][0];                                                                     \
            FREE(live[k], live_len[k]);                                                            \
            live_len[k] = mixed_len[s];                                                            \
            TAKE(live[k], ALLOC(live_len[k]), s);                                                  \
        }                                                                                          \
        for (uint32_t i = 0; i < MIXED_LIVE; i++)                                                  \
            FREE(live[i], live_len[i]);                                                            \
        sink = sum;                                                                                \
    }

#define DEFINE_MANY(name, ALLOC, RESET)                                                            \
    static void name(void) {                                                                       \
        uint64_t sum = 0;                                                                          \
        for (uint32_t r = 0; r < MANY_ROUNDS; r++) {                                               \
            for (uint32_t i = 0; i < MANY_BLOCKS; i++)                                             \
                TAKE(live[i], ALLOC(many_len[i]), i);                                              \
            sum += live[MANY_BLOCKS - 1][0];                                                       \
            RESET();                                                                               \
        }                                                                                          \
        sink = sum;                                                                                \
    }

/* glibc malloc */
#define MALLOC_ALLOC(len)   malloc(len)
#define MALLOC_FREE(p, len) free(p)
static void malloc_free_all(void) {
    for (uint32_t i = 0; i < MANY_BLOCKS; i++)
        free(live[i]);
}
DEFINE_CHURN(malloc_churn, MALLOC_ALLOC, MALLOC_FREE)
DEFINE_MIXED(malloc_mixed, MALLOC_ALLOC, MALLOC_FREE)
DEFINE_MANY(malloc_many, MALLOC_ALLOC, malloc_free_all)

/* any allocator through the interface */
#define IFACE_ALLOC(len)   ((uint8_t *)allocator_alloc(iface, (len), 8))
#define IFACE_FREE(p, len) allocator_free(iface, (p), (len), 8)
DEFINE_CHURN(iface_churn, IFACE_ALLOC, IFACE_FREE)
DEFINE_MIXED(iface_mixed, IFACE_ALLOC, IFACE_FREE)

/* fixed buffer */
#define FB_ALLOC(len)   ((uint8_t *)fixed_buffer_alloc(&fb, (len), 8))
#define FB_FREE(p, len) fixed_buffer_free(&fb, (p), (len), 8)
static void fb_reset(void) { fixed_buffer_reset(&fb); }
DEFINE_CHURN(fb_churn, FB_ALLOC, FB_FREE)
DEFINE_MANY(fb_many, FB_ALLOC, fb_reset)
DEFINE_MANY(fb_iface_many, IFACE_ALLOC, fb_reset)

/* block allocator */
#define BA_ALLOC(len)   ((uint8_t *)block_allocator_alloc(&heap, (len), 8))
#define BA_FREE(p, len) block_allocator_free(&heap, (p), (len), 8)
static void ba_reset(void) { block_allocator_reset(&heap); }
DEFINE_CHURN(ba_churn, BA_ALLOC, BA_FREE)
DEFINE_MIXED(ba_mixed, BA_ALLOC, BA_FREE)
DEFINE_MANY(ba_many, BA_ALLOC, ba_reset)
DEFINE_MANY(ba_iface_many, IFACE_ALLOC, ba_reset)

/* arena over the block allocator */
#define AR_ALLOC(len)   ((uint8_t *)arena_alloc(&ar, (len), 8))
#define AR_FREE(p, len) arena_free(&ar, (p), (len), 8)
static void ar_reset(void) { arena_reset(&ar, ARENA_RETAIN_CAPACITY, 0); }
DEFINE_CHURN(ar_churn, AR_ALLOC, AR_FREE)
DEFINE_MANY(ar_many, AR_ALLOC, ar_reset)
DEFINE_MANY(ar_iface_many, IFACE_ALLOC, ar_reset)

/* object pool: the typed API ignores the length (the items are large enough) */
#define OP_ALLOC(len)   ((void)(len), (uint8_t *)object_pool_create(&op))
#define OP_FREE(p, len) ((void)(len), object_pool_destroy(&op, (p)))
static void op_reset(void) { object_pool_reset(&op); }
DEFINE_CHURN(op_churn, OP_ALLOC, OP_FREE)
DEFINE_MANY(op_many, OP_ALLOC, op_reset)
DEFINE_MANY(op_iface_many, IFACE_ALLOC, op_reset)

/* byte pool: the slot API deals in indexes, so its workloads keep those */
static void bp_churn(void) {
    uint64_t sum = 0;
    for (uint32_t r = 0; r < CHURN_ROUNDS; r++) {
        for (uint32_t i = 0; i < CHURN_BATCH; i++) {
            live_slot[i] = byte_pool_reserve(&bp);
            if (live_slot[i] == BYTE_POOL_NONE) out_of_memory(__func__);
            byte_pool_bytes(&bp, live_slot[i])[0] = (uint8_t)i;
        }
        for (uint32_t i = CHURN_BATCH; i-- > 0;) {
            sum += byte_pool_bytes(&bp, live_slot[i])[0];
            byte_pool_release(&bp, live_slot[i]);
        }
    }
    sink = sum;
}

static void bp_many(void) {
    uint64_t sum = 0;
    for (uint32_t r = 0; r < MANY_ROUNDS; r++) {
        for (uint32_t i = 0; i < MANY_BLOCKS; i++) {
            live_slot[i] = byte_pool_reserve(&bp);
            if (live_slot[i] == BYTE_POOL_NONE) out_of_memory(__func__);
            byte_pool_bytes(&bp, live_slot[i])[0] = (uint8_t)i;
        }
        sum += byte_pool_bytes(&bp, live_slot[MANY_BLOCKS - 1])[0];
        byte_pool_reset(&bp);
    }
    sink = sum;
}

static void bp_reset(void) { byte_pool_reset(&bp); }
DEFINE_MANY(bp_iface_many, IFACE_ALLOC, bp_reset)

/* stack fallback over the block allocator */
#define SF_ALLOC(len)   ((uint8_t *)stack_fallback_alloc(&sf, (len), 8))
#define SF_FREE(p, len) stack_fallback_free(&sf, (p), (len), 8)
DEFINE_CHURN(sf_churn, SF_ALLOC, SF_FREE)
DEFINE_MIXED(sf_mixed, SF_ALLOC, SF_FREE)

/* ---- running and printing ---- */

typedef enum workload { CHURN, MIXED, MANY } workload;

static const char *const workload_names[] = {"churn 64 B", "mixed 16-1024 B", "many + reset"};

static const double pairs_per_run[] = {
    (double)CHURN_ROUNDS * CHURN_BATCH,
    (double)MIXED_STEPS + MIXED_LIVE,
    (double)MANY_ROUNDS *MANY_BLOCKS,
};

typedef struct bench_case {
    workload workload;
    const char *allocator;
    const char *api;
    void (*setup)(void);
    void (*run)(void);
} bench_case;

static const bench_case cases[] = {
    {CHURN, "glibc malloc", "-", setup_nothing, malloc_churn},
    {CHURN, "fixed buffer", "direct", setup_fixed_buffer, fb_churn},
    {CHURN, "fixed buffer", "iface", setup_fixed_buffer, iface_churn},
    {CHURN, "object pool (64 B items)", "direct", setup_object_pool_64, op_churn},
    {CHURN, "object pool (64 B items)", "iface", setup_object_pool_64, iface_churn},
    {CHURN, "byte pool (64 B slots)", "direct", setup_byte_pool_64, bp_churn},
    {CHURN, "byte pool (64 B slots)", "iface", setup_byte_pool_64, iface_churn},
    {CHURN, "block allocator", "direct", setup_heap, ba_churn},
    {CHURN, "block allocator", "iface", setup_heap, iface_churn},
    {CHURN, "arena (over blocks)", "direct", setup_arena, ar_churn},
    {CHURN, "arena (over blocks)", "iface", setup_arena, iface_churn},
    {CHURN, "stack fallback (4 KiB)", "direct", setup_stack_fallback, sf_churn},
    {CHURN, "stack fallback (4 KiB)", "iface", setup_stack_fallback, iface_churn},
    {CHURN, "failing (over blocks)", "iface", setup_failing, iface_churn},
    {CHURN, "checking (over blocks)", "iface", setup_checking, iface_churn},
    {MIXED, "glibc malloc", "-", setup_nothing, malloc_mixed},
    {MIXED, "block allocator", "direct", setup_heap, ba_mixed},
    {MIXED, "block allocator", "iface", setup_heap, iface_mixed},
    {MIXED, "stack fallback (4 KiB)", "direct", setup_stack_fallback, sf_mixed},
    {MIXED, "stack fallback (4 KiB)", "iface", setup_stack_fallback, iface_mixed},
    {MIXED, "failing (over blocks)", "iface", setup_failing, iface_mixed},
    {MIXED, "checking (over blocks)", "iface", setup_checking, iface_mixed},
    {MANY, "glibc malloc", "-", setup_nothing, malloc_many},
    {MANY, "fixed buffer", "direct", setup_fixed_buffer, fb_many},
    {MANY, "fixed buffer", "iface", setup_fixed_buffer, fb_iface_many},
    {MANY, "arena (over blocks)", "direct", setup_arena, ar_many},
    {MANY, "arena (over blocks)", "iface", setup_arena, ar_iface_many},
    {MANY, "block allocator", "direct", setup_heap, ba_many},
    {MANY, "block allocator", "iface", setup_heap, ba_iface_many},
    {MANY, "object pool (256 B items)", "direct", setup_object_pool_256, op_many},
    {MANY, "object pool (256 B items)", "iface", setup_object_pool_256, op_iface_many},
    {MANY, "byte pool (256 B slots)", "direct", setup_byte_pool_256, bp_many},
    {MANY, "byte pool (256 B slots)", "iface", setup_byte_pool_256, bp_iface_many},
};

#define CASE_COUNT (sizeof cases / sizeof cases[0])

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Best of BENCH_REPEATS timed runs after one warm-up, in ns per pair. */
static double measure(const bench_case *c) {
    double best = 0;
    for (int rep = -1; rep < BENCH_REPEATS; rep++) {
        c->setup();
        double t0 = now_ns();
        c->run();
        double ns = (now_ns() - t0) / pairs_per_run[c->workload];
        if (rep == 0 || (rep > 0 && ns < best)) best = ns;
    }
    return best;
}

static double results[CASE_COUNT];

static double result_of(workload w, const char *name, const char *api) {
    for (size_t i = 0; i < CASE_COUNT; i++) {
        if (cases[i].workload == w && strcmp(cases[i].allocator, name) == 0 &&
            strcmp(cases[i].api, api) == 0) {
            return results[i];
        }
    }
    return 0;
}

static void print_machine(void) {
    char model[128] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f != NULL) {
        char line[256];
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, "model name", 10) == 0) {
                const char *colon = strchr(line, ':');
                if (colon != NULL) snprintf(model, sizeof model, "%s", colon + 2);
                model[strcspn(model, "\n")] = '\0';
                break;
            }
        }
        fclose(f);
    }
    printf("bench_alloc: %s, glibc %s, gcc %d.%d, best of %d runs\n", model, gnu_get_libc_version(),
           __GNUC__, __GNUC_MINOR__, BENCH_REPEATS);
}

static void print_goal(const char *what, double ratio, double goal, bool at_least) {
    bool met = at_least ? ratio >= goal : ratio <= goal;
    printf("goal: %-58s %5.2fx  (%s %.0fx) %s\n", what, ratio, at_least ? ">=" : "<=", goal,
           met ? "met" : "NOT met");
}

/* The block allocator's first-fit search on the mixed workload, measured separately: what a
 * search costs, against its bound (one round on the hint's fast path, else the tree's
 * height, log2(L / 64) + 1). */
static void print_search_cost(void) {
    setup_heap();
    ba_mixed();
    block_allocator_search_stats s = block_allocator_search(&heap);
    printf("block allocator, mixed workload, %u blocks of %u B: per allocation %.2f search "
           "rounds (hint fast path: 1; summary tree: its levels, at most %u) and %.2f bitmap "
           "words\n",
           HEAP_BLOCKS, HEAP_BLOCK_BYTES, (double)s.rounds / (double)s.searches,
           1u + (unsigned)__builtin_ctz(HEAP_BLOCKS / 64u), (double)s.words / (double)s.searches);
}

/* With an argument, only the cases whose allocator's name contains it (and malloc) run. */
static bool selected(const bench_case *c, const char *filter) {
    return filter == NULL || strstr(c->allocator, filter) != NULL ||
           strcmp(c->allocator, "glibc malloc") == 0;
}

int main(int argc, char **argv) {
    const char *filter = argc > 1 ? argv[1] : NULL;
    make_inputs();
    print_machine();
    printf("%-16s %-26s %-7s %9s %9s %8s\n", "workload", "allocator", "api", "ns/pair", "x malloc",
           "speedup");
    for (size_t i = 0; i < CASE_COUNT; i++) {
        if (!selected(&cases[i], filter)) continue;
        results[i] = measure(&cases[i]);
        double base = result_of(cases[i].workload, "glibc malloc", "-");
        printf("%-16s %-26s %-7s %9.2f %9.2f %7.2fx\n", workload_names[cases[i].workload],
               cases[i].allocator, cases[i].api, results[i], results[i] / base, base / results[i]);
    }
    if (filter != NULL) return 0;
    print_search_cost();
    double churn_malloc = result_of(CHURN, "glibc malloc", "-");
    print_goal("object pool, direct, churn 64 B: faster than malloc by",
               churn_malloc / result_of(CHURN, "object pool (64 B items)", "direct"), 3, true);
    print_goal("fixed buffer, direct, churn 64 B: faster than malloc by",
               churn_malloc / result_of(CHURN, "fixed buffer", "direct"), 3, true);
    print_goal("block allocator, direct, mixed: time relative to malloc",
               result_of(MIXED, "block allocator", "direct") /
                   result_of(MIXED, "glibc malloc", "-"),
               2, false);
    return 0;
}
