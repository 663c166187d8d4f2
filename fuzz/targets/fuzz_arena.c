/*
 * fuzz_arena: random alloc / resize / free / reset sequences on an arena whose chunks come
 * from a block allocator (optionally through a failing wrapper, so the parent refuses chunks),
 * through the arena's own API or its allocator interface (optionally behind another failing
 * wrapper). Checked after every operation against a model of the arena's chunk list and of the
 * parent's first-fit heap (models/model_block.h): the exact address of every allocation (or that
 * the parent refuses its chunk), which resizes succeed, what each reset mode keeps and returns
 * to the parent, the arena's and the parent's diagnostics, chunk count, invariants_hold();
 * blocks inside, aligned, disjoint and intact (shadow heap). At the end, both allocators'
 * full invariants.
 *
 * Input: u8 parent block count - 1, u8 log2(parent block bytes / 16) (0..2), u16 minimum chunk
 * bytes (0..AR_CHUNK_MIN_MAX_BYTES), two bytes for the parent-side failing wrapper, two for the
 * interface-side one, then operations (harness/alloc_harness.h, with the interface flag):
 * table `ops` below, id space 8; reset retain_with_limit reads a u16 limit.
 */
#include <inttypes.h>
#include <stdio.h>

#include "alloc/arena.h"
#include "alloc/block_allocator.h"
#include "alloc/failing.h"
#include "harness/alloc_harness.h"
#include "harness/cursor.h"
#include "drivers/fuzz_target.h"

#define AR_PARENT_BLOCKS_MAX   256u
#define AR_PARENT_SHIFT_MAX    2u /* blocks of 16 << shift bytes */
#define AR_CHUNK_MIN_MAX_BYTES 4096u
#define AR_BACKING_BYTES       ((size_t)AR_PARENT_BLOCKS_MAX * 64u + 512u) /* + metadata */
#define AR_LEN_MAX_BYTES       2048u
#define AR_ALIGN_LOG2_MAX      8u

/* Operation ids: append only (harness/choice.h). The resets are in arena_reset_mode's
 * order, from OP_RESET_FREE_ALL. */
enum {
    OP_RESET_FREE_ALL = HARNESS_OP_OWN_FIRST,
    OP_RESET_RETAIN_CAPACITY,
    OP_RESET_RETAIN_WITH_LIMIT,
    OP_CAPACITY_QUERY
};
static const char *const op_names[] = {"alloc",
                                       "resize",
                                       "free",
                                       "reset free_all",
                                       "reset retain_capacity",
                                       "reset retain_with_limit",
                                       "capacity query"};
static const choice_table ops = CHOICE_TABLE_INIT(op_names, 8);

typedef struct config {
    block_allocator_params parent;
    size_t chunk_bytes_min;
    failing_config parent_failing;
    failing_config failing;
} config;

static uint8_t backing[AR_BACKING_BYTES] __attribute__((aligned(4096)));
static config cfg;
static harness_block_layer parent = {.name = "parent"};
static arena ar;

typedef struct model_chunk {
    uint8_t *addr;
    size_t bytes;
} model_chunk;

/* The model: the chunk list in order and the bump position (the parent's is its layer's). */
static struct {
    model_chunk chunks[AR_PARENT_BLOCKS_MAX];
    size_t count;
    size_t current; /* SIZE_MAX: no chunk */
    size_t end;
    size_t chunk_bytes_min;
    size_t held;
    size_t allocated;
    size_t peak;
    uint64_t oom;
} m;

/* False iff a choice in the config is unassigned. */
FUZZ_NO_COVERAGE static bool decode_config(cursor *c) {
    cfg.parent.block_count = cursor_range(c, 1, AR_PARENT_BLOCKS_MAX);
    cfg.parent.block_bytes = (uint32_t)16 << cursor_range(c, 0, AR_PARENT_SHIFT_MAX);
    cfg.chunk_bytes_min = cursor_range(c, 0, AR_CHUNK_MIN_MAX_BYTES);
    return failing_config_decode(c, &cfg.parent_failing) && failing_config_decode(c, &cfg.failing);
}

FUZZ_NO_COVERAGE static void describe_config(FILE *out) {
    fprintf(out,
            "arena: chunks of at least %zu bytes from a block allocator of %" PRIu32
            " blocks of %" PRIu32 " bytes\n",
            cfg.chunk_bytes_min, cfg.parent.block_count, cfg.parent.block_bytes);
}

FUZZ_NO_COVERAGE static void decode_own(cursor *c, harness_op *o) {
    if (o->id == OP_RESET_RETAIN_WITH_LIMIT) o->value = cursor_u16(c);
}

FUZZ_NO_COVERAGE static void describe_own(FILE *out, const harness_op *o) {
    if (o->id == OP_RESET_RETAIN_WITH_LIMIT) fprintf(out, " %u bytes", o->value);
}

/* ---- the subject ---- */

HARNESS_DIRECT_SUBJECT(arena, ar);

/* ---- the model ---- */

FUZZ_NO_COVERAGE static uint8_t *model_data(size_t k) {
    return m.chunks[k].addr + ARENA_CHUNK_HEADER_BYTES;
}

FUZZ_NO_COVERAGE static size_t model_usable(size_t k) {
    return m.chunks[k].bytes - ARENA_CHUNK_HEADER_BYTES;
}

/* Where a block would start in chunk k at offset, or SIZE_MAX. */
FUZZ_NO_COVERAGE static size_t model_fit(size_t k, size_t offset, size_t len, size_t align) {
    size_t at = (size_t)(uintptr_t)(model_data(k) + offset);
    size_t start = offset + (align - at % align) % align;
    return start + len <= model_usable(k) ? start : SIZE_MAX;
}

FUZZ_NO_COVERAGE static uint8_t *model_bump(size_t k, size_t start, size_t len) {
    size_t before = k == m.current ? m.end : 0;
    m.current = k;
    m.end = start + len;
    m.allocated += m.end - before;
    if (m.allocated > m.peak) m.peak = m.allocated;
    return model_data(k) + start;
}

FUZZ_NO_COVERAGE static uint8_t *model_alloc(size_t len, size_t align, bool via_interface) {
    (void)via_interface;
    if (m.current != SIZE_MAX) {
        for (size_t k = m.current; k < m.count; k++) {
            size_t start = model_fit(k, k == m.current ? m.end : 0, len, align);
            if (start != SIZE_MAX) return model_bump(k, start, len);
        }
    }
    size_t slack = align > ARENA_CHUNK_ALIGN_BYTES ? align - ARENA_CHUNK_ALIGN_BYTES : 0;
    size_t bytes = ARENA_CHUNK_HEADER_BYTES + slack + len;
    if (bytes < m.chunk_bytes_min) bytes = m.chunk_bytes_min;
    uint8_t *addr = harness_block_layer_model_alloc(&parent, bytes, ARENA_CHUNK_ALIGN_BYTES);
    if (addr == NULL) {
        m.oom++;
        return NULL;
    }
    m.chunks[m.count] = (model_chunk){.addr = addr, .bytes = bytes};
    m.held += bytes - ARENA_CHUNK_HEADER_BYTES;
    size_t k = m.count++;
    return model_bump(k, model_fit(k, 0, len, align), len);
}

FUZZ_NO_COVERAGE static bool model_is_last(const shadow_block *b) {
    return m.current != SIZE_MAX && b->ptr + b->len == model_data(m.current) + m.end;
}

FUZZ_NO_COVERAGE static bool model_resize(const shadow_block *b, size_t new_len,
                                          bool via_interface) {
    (void)via_interface;
    if (!model_is_last(b)) return new_len <= b->len;
    size_t start = (size_t)(b->ptr - model_data(m.current));
    if (start + new_len > model_usable(m.current)) {
        m.oom++;
        return false;
    }
    m.allocated = m.allocated - b->len + new_len;
    if (m.allocated > m.peak) m.peak = m.allocated;
    m.end = start + new_len;
    return true;
}

FUZZ_NO_COVERAGE static void model_free(const shadow_block *b, bool via_interface) {
    (void)via_interface;
    if (!model_is_last(b)) return;
    m.end -= b->len;
    m.allocated -= b->len;
}

FUZZ_NO_COVERAGE static void model_reset(arena_reset_mode mode, size_t limit) {
    size_t budget = mode == ARENA_FREE_ALL ? 0 : mode == ARENA_RETAIN_CAPACITY ? SIZE_MAX : limit;
    size_t kept = 0;
    size_t n = 0;
    for (size_t k = 0; k < m.count; k++) {
        size_t usable = model_usable(k);
        if (usable <= budget - kept) {
            kept += usable;
            m.chunks[n++] = m.chunks[k];
        } else {
            harness_block_layer_model_free(&parent, m.chunks[k].addr, m.chunks[k].bytes);
        }
    }
    m.count = n;
    m.held = kept;
    m.current = n > 0 ? 0 : SIZE_MAX;
    m.end = 0;
    m.allocated = 0;
    m.peak = 0;
}

FUZZ_NO_COVERAGE static void model_check(void) {
    allocator_diagnostics d = arena_diagnostics(&ar);
    FUZZ_CHECK(d.capacity_bytes == m.held, "capacity %zu, model %zu", d.capacity_bytes, m.held);
    FUZZ_CHECK(d.allocated_bytes == m.allocated, "allocated %zu, model %zu", d.allocated_bytes,
               m.allocated);
    FUZZ_CHECK(d.peak_allocated_bytes == m.peak, "peak %zu, model %zu", d.peak_allocated_bytes,
               m.peak);
    FUZZ_CHECK(d.oom_count == m.oom, "oom_count %" PRIu64 ", model %" PRIu64, d.oom_count, m.oom);
    FUZZ_CHECK(arena_chunk_count(&ar) == m.count, "chunks %zu, model %zu", arena_chunk_count(&ar),
               m.count);
    FUZZ_CHECK(arena_invariants_hold(&ar), "arena_invariants_hold() is false");
    harness_block_layer_check(&parent);
}

FUZZ_NO_COVERAGE static void model_check_full(void) {
    FUZZ_CHECK(arena_invariants_hold_full(&ar), "arena_invariants_hold_full() is false");
    harness_block_layer_check_full(&parent);
}

HARNESS_MODEL(model_check_full);

FUZZ_NO_COVERAGE static void run_own(const harness_op *o) {
    if (o->id == OP_CAPACITY_QUERY) {
        FUZZ_CHECK(arena_capacity_bytes(&ar) == m.held, "capacity query %zu, model %zu",
                   arena_capacity_bytes(&ar), m.held);
        return;
    }
    static const arena_reset_mode modes[3] = {ARENA_FREE_ALL, ARENA_RETAIN_CAPACITY,
                                              ARENA_RETAIN_WITH_LIMIT};
    arena_reset_mode mode = modes[o->id - OP_RESET_FREE_ALL];
    arena_reset(&ar, mode, o->value);
    model_reset(mode, o->value);
    harness_forget_all();
}

FUZZ_NO_COVERAGE static harness_span start(void) {
    allocator parent_iface =
        harness_block_layer_init(&parent, backing, sizeof backing, cfg.parent, &cfg.parent_failing);
    arena_init(&ar, parent_iface, cfg.chunk_bytes_min);
    m.count = 0;
    m.current = SIZE_MAX;
    m.end = 0;
    m.chunk_bytes_min = cfg.chunk_bytes_min;
    m.held = 0;
    m.allocated = 0;
    m.peak = 0;
    m.oom = 0;
    return (harness_span){backing, (size_t)cfg.parent.block_count * cfg.parent.block_bytes};
}

/* free_all returns every chunk to the parent. */
FUZZ_NO_COVERAGE static void finish(void) {
    arena_reset(&ar, ARENA_FREE_ALL, 0);
    FUZZ_CHECK(block_allocator_is_empty(&parent.ba), "free_all left blocks in the parent");
}

static const harness_target target = {
    HARNESS_TARGET_PARTS(run_own),
    .ops = &ops,
    .interface_flag = true,
    .limits = {.len_max = AR_LEN_MAX_BYTES, .align_log2_max = AR_ALIGN_LOG2_MAX},
    .layers = {{"parent calls", &cfg.parent_failing}, {"interface calls", &cfg.failing}},
    .layer_count = 2,
    .start = start,
    .finish = finish,
};

HARNESS_FUZZ_TARGET("arena", 1, target);
