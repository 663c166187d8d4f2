/*
 * fuzz_block_allocator: random alloc / resize / free / reset sequences on a block allocator
 * (stalloc semantics), through its own API or its allocator interface, optionally behind a
 * failing wrapper. Checked after every operation against a first-fit model
 * (models/model_block.h): the exact block every allocation must get (or that none fits),
 * whether each resize succeeds in place, diagnostics, is_oom / is_empty, the live count and
 * invariants_hold(); blocks inside, aligned, disjoint and intact (shadow heap). At the end of
 * an input, invariants_hold_full() and every block's contents. The search statistics: one
 * search per allocation of a non-zero length not larger than the heap, at least one round
 * each. `params_valid` asks block_allocator_params_valid() about arbitrary parameters and
 * checks its answer against the contract's rule.
 *
 * Input: u16 block count (1..BA_BLOCKS_MAX), u8 log2 block size (0..BA_BLOCK_SHIFT_MAX),
 * u8 base offset (in units of the memory alignment, 0..15), two failing-layer bytes, then
 * operations (harness/alloc_harness.h, with the interface flag): table `ops` below, id
 * space 8. `params_valid` reads up to 8 bytes: block count then block size, two u32s
 * little-endian (missing bytes are 0).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "alloc/block_allocator.h"
#include "alloc/poison.h"
#include "harness/alloc_harness.h"
#include "harness/cursor.h"
#include "drivers/fuzz_target.h"
#include "models/model_block.h"

#define BA_BLOCKS_MAX       512u
#define BA_BLOCK_SHIFT_MAX  7u /* 128-byte blocks */
#define BA_OFFSET_STEPS_MAX 15u
/* Blocks, bitmaps, summary tree (16 nodes of 12 bytes at most) and the largest offset. */
#define BA_BACKING_BYTES  ((size_t)BA_BLOCKS_MAX * 128u + 512u + BA_OFFSET_STEPS_MAX * 128u)
#define BA_LEN_MAX_BYTES  8192u
#define BA_ALIGN_LOG2_MAX 12u

/* Operation ids: append only (harness/choice.h). */
enum { OP_RESET = HARNESS_OP_OWN_FIRST, OP_PARAMS_VALID };
static const char *const op_names[] = {"alloc", "resize", "free", "reset", "params_valid"};
#define BA_PARAMS_BYTES 8u
static const choice_table ops = CHOICE_TABLE_INIT(op_names, 8);

typedef struct config {
    block_allocator_params params;
    size_t offset_steps;
    failing_config failing;
} config;

static uint8_t backing[BA_BACKING_BYTES] __attribute__((aligned(4096)));
static config cfg;
static block_allocator ba;
static block_model model;
/* Allocations that must have searched since init (block_allocator_search). */
static uint64_t model_searches;

/* False iff a choice in the config is unassigned. */
FUZZ_NO_COVERAGE static bool decode_config(cursor *c) {
    cfg.params.block_count = cursor_range(c, 1, BA_BLOCKS_MAX);
    cfg.params.block_bytes = (uint32_t)1 << cursor_range(c, 0, BA_BLOCK_SHIFT_MAX);
    cfg.offset_steps = cursor_range(c, 0, BA_OFFSET_STEPS_MAX);
    return failing_config_decode(c, &cfg.failing);
}

FUZZ_NO_COVERAGE static void describe_config(FILE *out) {
    fprintf(out,
            "block allocator: %" PRIu32 " blocks of %" PRIu32 " bytes, base offset %zu x %zu\n",
            cfg.params.block_count, cfg.params.block_bytes, cfg.offset_steps,
            block_allocator_memory_align(cfg.params));
}

/* ---- the subject ---- */

HARNESS_DIRECT_SUBJECT(block_allocator, ba);

/* ---- the model ---- */

FUZZ_NO_COVERAGE static uint8_t *model_alloc(size_t len, size_t align, bool via_interface) {
    (void)via_interface;
    size_t blocks = (len + model.block_bytes - 1u) / model.block_bytes;
    if (len != 0 && blocks <= model.block_count) model_searches++;
    size_t i = block_model_alloc(&model, len, align);
    return i == BLOCK_MODEL_NONE ? NULL : block_model_address(&model, i);
}

FUZZ_NO_COVERAGE static bool model_resize(const shadow_block *b, size_t new_len,
                                          bool via_interface) {
    (void)via_interface;
    return block_model_resize(&model, block_model_index_of(&model, b->ptr), b->len, new_len);
}

FUZZ_NO_COVERAGE static void model_free(const shadow_block *b, bool via_interface) {
    (void)via_interface;
    block_model_free(&model, block_model_index_of(&model, b->ptr), b->len);
}

FUZZ_NO_COVERAGE static void model_check(void) {
    allocator_diagnostics d = block_allocator_diagnostics(&ba);
    size_t bb = model.block_bytes;
    FUZZ_CHECK(d.capacity_bytes == model.block_count * bb, "capacity %zu, model %zu",
               d.capacity_bytes, model.block_count * bb);
    FUZZ_CHECK(d.allocated_bytes == model.used_blocks * bb, "allocated %zu, model %zu",
               d.allocated_bytes, model.used_blocks * bb);
    FUZZ_CHECK(d.peak_allocated_bytes == model.peak_blocks * bb, "peak %zu, model %zu",
               d.peak_allocated_bytes, model.peak_blocks * bb);
    FUZZ_CHECK(d.oom_count == model.oom, "oom_count %" PRIu64 ", model %" PRIu64, d.oom_count,
               model.oom);
    FUZZ_CHECK(block_allocator_is_oom(&ba) == (model.used_blocks == model.block_count),
               "is_oom %d with %zu of %zu blocks used", block_allocator_is_oom(&ba),
               model.used_blocks, model.block_count);
    FUZZ_CHECK(block_allocator_is_empty(&ba) == (model.used_blocks == 0),
               "is_empty %d with %zu blocks used", block_allocator_is_empty(&ba),
               model.used_blocks);
    FUZZ_CHECK(block_allocator_live_count(&ba) == harness_shadow()->count,
               "live_count %" PRIu32 ", %zu blocks live", block_allocator_live_count(&ba),
               harness_shadow()->count);
    block_allocator_search_stats st = block_allocator_search(&ba);
    FUZZ_CHECK(st.searches == model_searches && st.rounds >= st.searches,
               "searches %" PRIu64 " in %" PRIu64 " rounds, model %" PRIu64 " searches",
               st.searches, st.rounds, model_searches);
    FUZZ_CHECK(block_allocator_invariants_hold(&ba), "block_allocator_invariants_hold() is false");
}

FUZZ_NO_COVERAGE static void model_check_full(void) {
    FUZZ_CHECK(block_allocator_invariants_hold_full(&ba),
               "block_allocator_invariants_hold_full() is false");
}

HARNESS_MODEL(model_check_full);

FUZZ_NO_COVERAGE static void decode_own(cursor *c, harness_op *o) {
    if (o->id == OP_PARAMS_VALID) o->data_len = cursor_bytes(c, BA_PARAMS_BYTES, &o->data);
}

FUZZ_NO_COVERAGE static block_allocator_params params_of(const harness_op *o) {
    uint8_t bytes[BA_PARAMS_BYTES] = {0};
    memcpy(bytes, o->data, o->data_len);
    uint32_t v[2] = {0, 0};
    for (size_t i = 0; i < BA_PARAMS_BYTES; i++)
        v[i / 4u] |= (uint32_t)bytes[i] << (8u * (i % 4u));
    return (block_allocator_params){.block_count = v[0], .block_bytes = v[1]};
}

FUZZ_NO_COVERAGE static void describe_own(FILE *out, const harness_op *o) {
    if (o->id != OP_PARAMS_VALID) return;
    block_allocator_params p = params_of(o);
    fprintf(out, " %" PRIu32 " blocks of %" PRIu32 " bytes", p.block_count, p.block_bytes);
}

/* The contract's rule (block_allocator.h), written from it. */
FUZZ_NO_COVERAGE static bool model_params_valid(block_allocator_params p) {
    bool count_ok = p.block_count >= 1u && p.block_count <= BLOCK_ALLOCATOR_BLOCK_COUNT_MAX;
    bool bytes_ok = p.block_bytes >= 1u && p.block_bytes <= BLOCK_ALLOCATOR_BLOCK_BYTES_MAX &&
                    __builtin_popcount(p.block_bytes) == 1;
    return count_ok && bytes_ok &&
           (uint64_t)p.block_count * p.block_bytes <= (uint64_t)(SIZE_MAX / 2);
}

FUZZ_NO_COVERAGE static void run_own(const harness_op *o) {
    if (o->id == OP_PARAMS_VALID) {
        block_allocator_params p = params_of(o);
        bool got = block_allocator_params_valid(p);
        FUZZ_CHECK(got == model_params_valid(p),
                   "params_valid(%" PRIu32 " blocks of %" PRIu32 " bytes) is %d", p.block_count,
                   p.block_bytes, (int)got);
        return;
    }
    block_allocator_reset(&ba);
    block_model_reset(&model);
    harness_forget_all();
}

FUZZ_NO_COVERAGE static harness_span start(void) {
    size_t memory_bytes = block_allocator_memory_bytes(cfg.params);
    uint8_t *memory = backing + cfg.offset_steps * block_allocator_memory_align(cfg.params);
    FUZZ_CHECK(memory + memory_bytes <= backing + sizeof backing, "backing too small");
    block_allocator_init(&ba, memory, memory_bytes, cfg.params);
    block_model_init(&model, memory, cfg.params.block_count, cfg.params.block_bytes);
    model_searches = 0;
    return (harness_span){memory, (size_t)cfg.params.block_count * cfg.params.block_bytes};
}

static const harness_target target = {
    HARNESS_TARGET_PARTS(run_own),
    .ops = &ops,
    .interface_flag = true,
    .limits = {.len_max = BA_LEN_MAX_BYTES, .align_log2_max = BA_ALIGN_LOG2_MAX},
    .layers = {{"interface calls", &cfg.failing}},
    .layer_count = 1,
    .start = start,
};

HARNESS_FUZZ_TARGET("block_allocator", 1, target);
