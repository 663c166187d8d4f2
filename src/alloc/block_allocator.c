#include "alloc/block_allocator.h"

#include <string.h>

#include "alloc/bits.h"
#include "alloc/free_runs.h"
#include "alloc/poison.h"

/* Returned by find_run when no run fits. */
#define BLOCK_NONE SIZE_MAX

bool block_allocator_params_valid(block_allocator_params params) {
    if (params.block_count == 0 || params.block_count > BLOCK_ALLOCATOR_BLOCK_COUNT_MAX) {
        return false;
    }
    if (params.block_bytes == 0 || params.block_bytes > BLOCK_ALLOCATOR_BLOCK_BYTES_MAX) {
        return false;
    }
    if ((params.block_bytes & (params.block_bytes - 1u)) != 0u) return false;
    return (size_t)params.block_count <= (SIZE_MAX / 2) / params.block_bytes;
}

/* Offset of the bitmaps in the memory: right after the blocks, 8-aligned. */
static size_t bitmap_offset(block_allocator_params params) {
    return (size_t)align_forward((size_t)params.block_count * params.block_bytes, 8);
}

size_t block_allocator_memory_bytes(block_allocator_params params) {
    ST_ASSERT(block_allocator_params_valid(params));
    size_t words = bits_word_count(params.block_count);
    return bitmap_offset(params) + 2u * words * sizeof(uint64_t) +
           free_runs_node_count(words) * sizeof(free_runs_node);
}

size_t block_allocator_memory_align(block_allocator_params params) {
    ST_ASSERT(block_allocator_params_valid(params));
    size_t align = params.block_bytes;
    if (align > ALLOCATOR_ALIGN_MAX_BYTES) align = ALLOCATOR_ALIGN_MAX_BYTES;
    if (align < 8u) align = 8u;
    return align;
}

void block_allocator_init(block_allocator *ba, void *memory, size_t memory_bytes,
                          block_allocator_params params) {
    ST_ASSERT(ba != NULL);
    ST_ASSERT(memory != NULL);
    ST_ASSERT(memory_bytes == block_allocator_memory_bytes(params));
    ST_ASSERT((uintptr_t)memory % block_allocator_memory_align(params) == 0);
    memset(ba, 0, sizeof *ba);
    size_t words = bits_word_count(params.block_count);
    ba->blocks = memory;
    ba->used = (uint64_t *)(void *)(ba->blocks + bitmap_offset(params));
    ba->starts = ba->used + words;
    free_runs_node *nodes = (free_runs_node *)(void *)(ba->starts + words);
    ba->block_bytes = params.block_bytes;
    ba->block_shift = (uint32_t)__builtin_ctzll(params.block_bytes);
    ba->block_count = params.block_count;
    /* The memory is ours now: whatever an earlier owner poisoned, the metadata is written. */
    size_t metadata = 2u * words * sizeof(uint64_t) + free_runs_node_count(words) * sizeof *nodes;
    mem_unpoison(ba->used, metadata);
    memset(ba->used, 0, 2u * words * sizeof(uint64_t));
    free_runs_init(&ba->runs, nodes, ba->used, params.block_count);
    mem_poison(ba->blocks, (size_t)params.block_count << ba->block_shift);
}

STASIS_FAST_PATH size_t block_allocator_blocks_for(const block_allocator *ba, size_t len) {
    return (len >> ba->block_shift) + ((len & (ba->block_bytes - 1u)) != 0u);
}

STASIS_FAST_PATH bool block_allocator_owns(const block_allocator *ba, const void *ptr) {
    uintptr_t p = (uintptr_t)ptr;
    uintptr_t base = (uintptr_t)ba->blocks;
    return p >= base && p - base < ((size_t)ba->block_count << ba->block_shift);
}

static inline uint8_t *block_address(const block_allocator *ba, size_t index) {
    return ba->blocks + (index << ba->block_shift);
}

/* The index of the block ptr starts; asserts ptr is a block boundary inside the heap. */
static inline size_t block_index_of(const block_allocator *ba, const void *ptr) {
    ST_ASSERT(block_allocator_owns(ba, ptr));
    size_t offset = (size_t)((const uint8_t *)ptr - ba->blocks);
    ST_ASSERT((offset & (ba->block_bytes - 1u)) == 0u);
    return offset >> ba->block_shift;
}

/* ---- finding a run ---- */

/* The block-index step and phase that `align` imposes: index % step == phase. */
typedef struct run_alignment {
    size_t step;
    size_t phase;
} run_alignment;

static inline run_alignment alignment_in_blocks(const block_allocator *ba, size_t align) {
    if (align <= ba->block_bytes) return (run_alignment){.step = 1, .phase = 0};
    /* align > B, so B < page size and the blocks start B-aligned (memory alignment). */
    size_t step = align >> ba->block_shift;
    size_t base_blocks = (size_t)((uintptr_t)ba->blocks >> ba->block_shift);
    return (run_alignment){.step = step, .phase = (0u - base_blocks) & (step - 1u)};
}

/* Bitmap words a scan of bits [from, to] touches (to inclusive, clamped by the caller). */
static uint64_t words_spanned(size_t from, size_t to) {
    return to < from ? 1u : (uint64_t)(to / BITS_PER_WORD - from / BITS_PER_WORD + 1u);
}

/* The first run of n free blocks at an aligned index, or BLOCK_NONE. *first_free gets the
 * first free block at or after the hint (for the hint update). */
static size_t find_run(block_allocator *ba, size_t n, run_alignment a, size_t *first_free) {
    size_t count = ba->block_count;
    size_t i = bits_find_clear(ba->used, ba->first_free_hint, count);
    ba->search_words += words_spanned(ba->first_free_hint, i);
    *first_free = i;
    for (;;) {
        ba->search_rounds++;
        i += (a.phase - i) & (a.step - 1u);
        if (i >= count || n > count - i) return BLOCK_NONE;
        size_t used = bits_find_set(ba->used, i, i + n);
        ba->search_words += words_spanned(i, used < i + n ? used : i + n - 1u);
        if (used == i + n) return i;
#ifdef STASIS_CANARY_BLOCK_ALLOCATOR_SCAN_SKIPS_BLOCK
        /* Planted bug: the scan resumes one block too far past a used run. */
        i = bits_find_clear(ba->used, used + 2u < count ? used + 2u : count, count);
#else
        i = bits_find_clear(ba->used, used + 1u, count);
#endif
        ba->search_words += words_spanned(used + 1u, i);
    }
}

/* The lowest run of n free blocks (any start will do: align <= B). Every block below the
 * first free one at or past the hint is used, so if a run of n starts there, it is the
 * lowest: O(1) in a compact heap. Otherwise the summary tree finds it. */
static inline size_t find_run_in_tree(block_allocator *ba, size_t n) {
    size_t count = ba->block_count;
    size_t f = bits_find_clear(ba->used, ba->first_free_hint, count);
    ba->search_words += words_spanned(ba->first_free_hint, f);
    if (f < count && n <= count - f && bits_find_set(ba->used, f, f + n) == f + n) {
        ba->search_rounds++;
        return f;
    }
    uint32_t levels = 0;
    size_t i = free_runs_find(&ba->runs, n, &levels);
    ba->search_rounds += levels;
    ba->search_words += 1u; /* the leaf's word, looked at once */
    return i == SIZE_MAX ? BLOCK_NONE : i;
}

/* Marks blocks [from, to) used and keeps the hint and high water true. */
static inline void take_blocks(block_allocator *ba, size_t from, size_t to) {
    bits_assign_range(ba->used, from, to, true);
    free_runs_changed(&ba->runs, from / BITS_PER_WORD, (to - 1u) / BITS_PER_WORD);
    ba->used_blocks += (uint32_t)(to - from);
    if (ba->used_blocks > ba->peak_blocks) ba->peak_blocks = ba->used_blocks;
    if (to > ba->high_water) ba->high_water = (uint32_t)to;
    if (ba->first_free_hint >= from && ba->first_free_hint < to) ba->first_free_hint = (uint32_t)to;
}

/* Marks blocks [from, to) free. */
static inline void give_back_blocks(block_allocator *ba, size_t from, size_t to) {
    ST_ASSERT(ba->used_blocks >= to - from);
    bits_assign_range(ba->used, from, to, false);
    free_runs_changed(&ba->runs, from / BITS_PER_WORD, (to - 1u) / BITS_PER_WORD);
    ba->used_blocks -= (uint32_t)(to - from);
    if (from < ba->first_free_hint) ba->first_free_hint = (uint32_t)from;
    mem_poison(block_address(ba, from), (to - from) << ba->block_shift);
}

STASIS_FAST_PATH void *block_allocator_alloc(block_allocator *ba, size_t len, size_t align) {
    ST_ASSERT(allocator_align_valid(align));
    if (len == 0) return ALLOCATOR_ZERO_LENGTH(align);
    size_t n = block_allocator_blocks_for(ba, len);
    run_alignment a = alignment_in_blocks(ba, align);
    size_t first_free = SIZE_MAX;
    size_t i = BLOCK_NONE;
    if (n <= ba->block_count) {
        ba->searches++;
        i = a.step == 1u ? find_run_in_tree(ba, n) : find_run(ba, n, a, &first_free);
    }
    if (i == BLOCK_NONE) {
        ba->oom_count++;
        return NULL;
    }
    take_blocks(ba, i, i + n); /* moves the hint past the run if the run starts at it */
    if (first_free != SIZE_MAX) {
        /* The word scan passed free blocks below the run it took: the hint may drop there. */
        if (first_free < i) ba->first_free_hint = (uint32_t)first_free;
    }
    bits_set(ba->starts, i);
    ba->live_count++;
    uint8_t *block = block_address(ba, i);
    mem_unpoison_undefined(block, len);
    ST_ASSERT(((uintptr_t)block & (align - 1u)) == 0u);
    ST_ASSERT(ba->used_blocks <= ba->block_count);
    return block;
}

/* Asserts that an allocation of exactly n blocks starts at block i. O(n / 64). */
static inline void assert_live_run(const block_allocator *ba, size_t i, size_t n) {
    ST_ASSERT(n >= 1);
    ST_ASSERT(n <= ba->block_count - i);
    ST_ASSERT(bits_test(ba->starts, i));                          /* not a double free */
    ST_ASSERT(bits_find_clear(ba->used, i, i + n) == i + n);      /* every block live */
    ST_ASSERT(bits_find_set(ba->starts, i + 1u, i + n) == i + n); /* length not too long */
    ST_ASSERT(i + n == ba->block_count || !bits_test(ba->used, i + n) ||
              bits_test(ba->starts, i + n)); /* length not too short */
}

static bool grow_in_place(block_allocator *ba, size_t i, size_t old_n, size_t new_n) {
    size_t end = i + new_n;
    bool room = new_n <= ba->block_count - i;
#ifdef STASIS_CANARY_BLOCK_ALLOCATOR_GROW_OVERLAP
    /* Planted bug: only the first block past the run is checked, not all of them. */
    room = room && !bits_test(ba->used, i + old_n);
#else
    room = room && bits_find_set(ba->used, i + old_n, end) == end;
#endif
    if (!room) {
        ba->oom_count++;
        return false;
    }
    take_blocks(ba, i + old_n, end);
    return true;
}

bool block_allocator_resize(block_allocator *ba, void *ptr, size_t old_len, size_t new_len,
                            size_t align) {
    ST_ASSERT(allocator_align_valid(align));
    ST_ASSERT(new_len > 0);
    ST_ASSERT(((uintptr_t)ptr & (align - 1u)) == 0u);
    size_t i = block_index_of(ba, ptr);
    size_t old_n = block_allocator_blocks_for(ba, old_len);
    assert_live_run(ba, i, old_n);
    size_t new_n = block_allocator_blocks_for(ba, new_len);
    uint8_t *block = ptr;
    if (new_n > old_n && !grow_in_place(ba, i, old_n, new_n)) return false;
    if (new_n < old_n) give_back_blocks(ba, i + new_n, i + old_n);
    if (new_len > old_len) {
        mem_unpoison_undefined(block + old_len, new_len - old_len);
    } else {
        mem_poison(block + new_len, old_len - new_len);
    }
    return true;
}

STASIS_FAST_PATH void block_allocator_free(block_allocator *ba, void *ptr, size_t len,
                                           size_t align) {
    ST_ASSERT(allocator_align_valid(align));
    ST_ASSERT(len > 0);
    ST_ASSERT(((uintptr_t)ptr & (align - 1u)) == 0u);
    size_t i = block_index_of(ba, ptr);
    size_t n = block_allocator_blocks_for(ba, len);
    assert_live_run(ba, i, n);
    ST_ASSERT(ba->live_count > 0);
    bits_clear(ba->starts, i);
    ba->live_count--;
    give_back_blocks(ba, i, i + n);
}

void block_allocator_reset(block_allocator *ba) {
    size_t words = bits_word_count(ba->high_water);
    memset(ba->used, 0, words * sizeof(uint64_t));
    memset(ba->starts, 0, words * sizeof(uint64_t));
    /* Every pending word is below the high water: the range update covers them all. */
    ba->runs.pending_count = 0;
    if (words != 0) free_runs_update(&ba->runs, 0, words - 1u);
    mem_poison(ba->blocks, (size_t)ba->high_water << ba->block_shift);
    ba->used_blocks = 0;
    ba->peak_blocks = 0;
    ba->live_count = 0;
    ba->first_free_hint = 0;
    ba->high_water = 0;
}

bool block_allocator_is_oom(const block_allocator *ba) {
    return ba->used_blocks == ba->block_count;
}

bool block_allocator_is_empty(const block_allocator *ba) { return ba->used_blocks == 0; }

uint32_t block_allocator_live_count(const block_allocator *ba) { return ba->live_count; }

block_allocator_search_stats block_allocator_search(const block_allocator *ba) {
    return (block_allocator_search_stats){
        .searches = ba->searches, .rounds = ba->search_rounds, .words = ba->search_words};
}

allocator_diagnostics block_allocator_diagnostics(const block_allocator *ba) {
    return (allocator_diagnostics){
        .capacity_bytes = (size_t)ba->block_count << ba->block_shift,
        .allocated_bytes = (size_t)ba->used_blocks << ba->block_shift,
        .peak_allocated_bytes = (size_t)ba->peak_blocks << ba->block_shift,
        .oom_count = ba->oom_count,
    };
}

static void *block_allocator_vtable_alloc(void *ctx, size_t len, size_t align) {
    return block_allocator_alloc(ctx, len, align);
}

static bool block_allocator_vtable_resize(void *ctx, void *ptr, size_t old_len, size_t new_len,
                                          size_t align) {
    return block_allocator_resize(ctx, ptr, old_len, new_len, align);
}

static void block_allocator_vtable_free(void *ctx, void *ptr, size_t len, size_t align) {
    block_allocator_free(ctx, ptr, len, align);
}

static const allocator_vtable block_allocator_vtable = {
    .alloc = block_allocator_vtable_alloc,
    .resize = block_allocator_vtable_resize,
    .free = block_allocator_vtable_free,
};

allocator block_allocator_allocator(block_allocator *ba) {
    return (allocator){.ctx = ba, .vtable = &block_allocator_vtable};
}

bool block_allocator_invariants_hold(const block_allocator *ba) {
    if (ba->blocks == NULL || ba->used == NULL || ba->starts == NULL) return false;
    if (ba->block_bytes != (size_t)1 << ba->block_shift) return false;
    if (ba->used_blocks > ba->peak_blocks || ba->peak_blocks > ba->block_count) return false;
    if (ba->live_count > ba->used_blocks) return false;
    if ((ba->live_count == 0) != (ba->used_blocks == 0)) return false;
    if (ba->first_free_hint > ba->block_count) return false;
    if (ba->high_water > ba->block_count || ba->used_blocks > ba->high_water) return false;
    return true;
}

/* Under ASan: every whole 8-byte granule inside a free block is poisoned. */
static bool free_blocks_poisoned(const block_allocator *ba) {
#if STASIS_ASAN
    for (size_t i = 0; i < ba->block_count; i++) {
        if (bits_test(ba->used, i)) continue;
        uintptr_t from = align_forward((uintptr_t)block_address(ba, i), 8);
        uintptr_t to = (uintptr_t)block_address(ba, i + 1u);
        for (uintptr_t g = from; g + 8u <= to; g += 8u) {
            if (!mem_is_poisoned((const void *)g)) return false;
        }
    }
#else
    (void)ba;
#endif
    return true;
}

bool block_allocator_invariants_hold_full(const block_allocator *ba) {
    if (!block_allocator_invariants_hold(ba)) return false;
    size_t count = ba->block_count;
    size_t words = bits_word_count(count);
    if (bits_count(ba->used, count) != ba->used_blocks) return false;
    if (bits_count(ba->starts, count) != ba->live_count) return false;
    for (size_t w = 0; w < words; w++) {
        if ((ba->starts[w] & ~ba->used[w]) != 0u) return false; /* a start is a used block */
    }
    if (count % BITS_PER_WORD != 0u) {
        uint64_t beyond = ~bits_word_mask(0, count % BITS_PER_WORD);
        if (((ba->used[words - 1u] | ba->starts[words - 1u]) & beyond) != 0u) return false;
    }
    if (bits_find_clear(ba->used, 0, ba->first_free_hint) != ba->first_free_hint) return false;
    if (bits_find_set(ba->used, ba->high_water, count) != count) return false;
    if (ba->used_blocks != 0 && !bits_test(ba->starts, bits_find_set(ba->used, 0, count))) {
        return false; /* the lowest used block begins an allocation */
    }
    if (!free_runs_hold(&ba->runs)) return false;
    return free_blocks_poisoned(ba);
}
