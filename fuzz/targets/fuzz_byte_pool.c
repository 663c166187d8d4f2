/*
 * fuzz_byte_pool: random reserve / write / append / release / reset sequences on a byte pool
 * through its slot-index API, mixed with alloc / resize / free through its allocator interface
 * (optionally behind a failing wrapper). Checked after every operation against a model that
 * keeps every slot's expected contents: the exact slot each reserve or alloc must return (LIFO
 * reuse, then never-used slots in order, or none), whether each write, append and resize fits,
 * the contents and length read back, is_live, diagnostics, stored bytes and invariants_hold();
 * interface blocks inside, aligned, disjoint and intact (shadow heap). At the end, every live
 * slot's contents and invariants_hold_full().
 *
 * Input: u8 slot count - 1, u16 slot bytes - 1 (1..BP_SLOT_BYTES_MAX), u8 base offset (in 16s,
 * 0..15), two failing-layer bytes, then operations (harness/alloc_harness.h, no interface
 * flag: every alloc, resize and free uses the interface): table `ops` below, id space 16.
 * The slot API's operations but reserve and reset name a slot held through that API by the
 * next byte (modulo how many; is_live: any slot index, modulo N + 2), and write / append
 * then take a data slice (cursor_bytes, up to BP_DATA_MAX_BYTES).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "alloc/byte_pool.h"
#include "harness/alloc_harness.h"
#include "harness/cursor.h"
#include "drivers/fuzz_target.h"

#define BP_SLOTS_MAX        256u
#define BP_SLOT_BYTES_MAX   512u
#define BP_OFFSET_STEPS_MAX 15u
#define BP_BACKING_BYTES    ((size_t)BP_SLOTS_MAX * BP_SLOT_BYTES_MAX + BP_SLOTS_MAX * 4u + 256u)
#define BP_DATA_MAX_BYTES   (BP_SLOT_BYTES_MAX + 8u)

/* Operation ids: append only (harness/choice.h). */
enum {
    SOP_RESERVE = HARNESS_OP_OWN_FIRST,
    SOP_WRITE,
    SOP_APPEND,
    SOP_RELEASE,
    SOP_READ,
    SOP_RESET,
    SOP_IS_LIVE,
    SOP_SLOT_OF,
};
static const char *const op_names[] = {"alloc",   "resize", "free",  "reserve", "write",  "append",
                                       "release", "read",   "reset", "is_live", "slot_of"};
static const choice_table ops = CHOICE_TABLE_INIT(op_names, 16);

typedef struct config {
    byte_pool_params params;
    size_t offset_steps;
    failing_config failing;
} config;

static uint8_t backing[BP_BACKING_BYTES] __attribute__((aligned(4096)));
static config cfg;
static byte_pool bp;

/* The model: per slot, live or not and its expected contents (slot-API slots) or length
 * (interface blocks, whose contents the shadow heap checks); the LIFO free stack. */
static struct {
    uint8_t *base;
    uint32_t count;
    uint32_t slot_bytes;
    uint32_t fresh;
    uint32_t free_stack[BP_SLOTS_MAX];
    uint32_t free_top;
    bool live[BP_SLOTS_MAX];
    uint32_t len[BP_SLOTS_MAX];
    uint8_t contents[BP_SLOTS_MAX][BP_SLOT_BYTES_MAX];
    uint32_t held[BP_SLOTS_MAX]; /* slots held through the slot API */
    uint32_t held_count;
    uint32_t live_count;
    uint32_t peak;
    size_t stored;
    uint64_t oom;
} m;

/* False iff a choice in the config is unassigned. */
FUZZ_NO_COVERAGE static bool decode_config(cursor *c) {
    cfg.params.slot_count = cursor_range(c, 1, BP_SLOTS_MAX);
    cfg.params.slot_bytes = cursor_range(c, 1, BP_SLOT_BYTES_MAX);
    cfg.offset_steps = cursor_range(c, 0, BP_OFFSET_STEPS_MAX);
    return failing_config_decode(c, &cfg.failing);
}

FUZZ_NO_COVERAGE static void describe_config(FILE *out) {
    fprintf(out, "byte pool: %" PRIu32 " slots of %" PRIu32 " bytes, base offset %zu x 16\n",
            cfg.params.slot_count, cfg.params.slot_bytes, cfg.offset_steps);
}

FUZZ_NO_COVERAGE static void decode_own(cursor *c, harness_op *o) {
    if (o->id != SOP_RESERVE && o->id != SOP_RESET) o->which = cursor_u8(c);
    if (o->id == SOP_WRITE || o->id == SOP_APPEND)
        o->data_len = cursor_bytes(c, BP_DATA_MAX_BYTES, &o->data);
}

FUZZ_NO_COVERAGE static void describe_own(FILE *out, const harness_op *o) {
    if (o->id == SOP_IS_LIVE) {
        fprintf(out, " slot %u %% (N + 2)", o->which);
    } else if (o->id != SOP_RESERVE && o->id != SOP_RESET) {
        fprintf(out, " held[%u %% held]", o->which);
    }
    if (o->id == SOP_WRITE || o->id == SOP_APPEND) {
        fprintf(out, " %zu bytes ", o->data_len);
        fuzz_print_escaped(out, o->data, o->data_len, 32);
    }
}

/* ---- the subject: everything harness-driven goes through the interface ---- */

static allocator subject_iface(void) { return byte_pool_allocator(&bp); }

static const harness_subject subject = {.iface = subject_iface};

/* ---- the model ---- */

FUZZ_NO_COVERAGE static uint32_t model_take(void) {
    uint32_t slot;
    if (m.free_top > 0) {
        slot = m.free_stack[--m.free_top];
    } else if (m.fresh < m.count) {
        slot = m.fresh++;
    } else {
        m.oom++;
        return BYTE_POOL_NONE;
    }
    m.live[slot] = true;
    m.len[slot] = 0;
    m.live_count++;
    if (m.live_count > m.peak) m.peak = m.live_count;
    return slot;
}

FUZZ_NO_COVERAGE static void model_give_back(uint32_t slot) {
    FUZZ_CHECK(m.live[slot], "model: slot %" PRIu32 " released while free", slot);
    m.live[slot] = false;
    m.live_count--;
    m.stored -= m.len[slot];
    m.free_stack[m.free_top++] = slot;
}

FUZZ_NO_COVERAGE static uint32_t model_slot_of(const void *ptr) {
    return (uint32_t)((size_t)((const uint8_t *)ptr - m.base) / m.slot_bytes);
}

FUZZ_NO_COVERAGE static size_t slot_align(void) {
    size_t low = m.slot_bytes & (0u - m.slot_bytes);
    return low < 16u ? low : 16u;
}

FUZZ_NO_COVERAGE static uint8_t *model_alloc(size_t len, size_t align, bool via_interface) {
    (void)via_interface;
    if (len > m.slot_bytes || align > slot_align()) return NULL;
    uint32_t slot = model_take();
    if (slot == BYTE_POOL_NONE) return NULL;
    m.len[slot] = (uint32_t)len;
    m.stored += len;
    return m.base + (size_t)slot * m.slot_bytes;
}

FUZZ_NO_COVERAGE static bool model_resize(const shadow_block *b, size_t new_len,
                                          bool via_interface) {
    (void)via_interface;
    if (new_len > m.slot_bytes) return false;
    uint32_t slot = model_slot_of(b->ptr);
    m.stored = m.stored - m.len[slot] + new_len;
    m.len[slot] = (uint32_t)new_len;
    return true;
}

FUZZ_NO_COVERAGE static void model_free(const shadow_block *b, bool via_interface) {
    (void)via_interface;
    model_give_back(model_slot_of(b->ptr));
}

FUZZ_NO_COVERAGE static void model_reset(void) {
    for (uint32_t i = 0; i < m.count; i++)
        m.live[i] = false;
    m.fresh = 0;
    m.free_top = 0;
    m.held_count = 0;
    m.live_count = 0;
    m.peak = 0;
    m.stored = 0;
}

FUZZ_NO_COVERAGE static void check_slot_contents(uint32_t slot) {
    uint32_t len = byte_pool_length(&bp, slot);
    FUZZ_CHECK(len == m.len[slot], "slot %" PRIu32 " length %" PRIu32 ", model %" PRIu32, slot, len,
               m.len[slot]);
    FUZZ_CHECK(memcmp(byte_pool_bytes(&bp, slot), m.contents[slot], len) == 0,
               "slot %" PRIu32 " contents differ from the model", slot);
}

FUZZ_NO_COVERAGE static void model_check(void) {
    allocator_diagnostics d = byte_pool_diagnostics(&bp);
    size_t s = m.slot_bytes;
    FUZZ_CHECK(d.capacity_bytes == m.count * s, "capacity %zu", d.capacity_bytes);
    FUZZ_CHECK(d.allocated_bytes == m.live_count * s, "allocated %zu, model %zu", d.allocated_bytes,
               m.live_count * s);
    FUZZ_CHECK(d.peak_allocated_bytes == m.peak * s, "peak %zu, model %zu", d.peak_allocated_bytes,
               m.peak * s);
    FUZZ_CHECK(d.oom_count == m.oom, "oom_count %" PRIu64 ", model %" PRIu64, d.oom_count, m.oom);
    FUZZ_CHECK(byte_pool_stored_bytes(&bp) == m.stored, "stored %zu, model %zu",
               byte_pool_stored_bytes(&bp), m.stored);
    FUZZ_CHECK(byte_pool_live_count(&bp) == m.live_count, "live %" PRIu32 ", model %" PRIu32,
               byte_pool_live_count(&bp), m.live_count);
    FUZZ_CHECK(byte_pool_invariants_hold(&bp), "byte_pool_invariants_hold() is false");
}

FUZZ_NO_COVERAGE static void model_check_full(void) {
    for (uint32_t i = 0; i < m.held_count; i++)
        check_slot_contents(m.held[i]);
    FUZZ_CHECK(byte_pool_invariants_hold_full(&bp), "byte_pool_invariants_hold_full() is false");
}

HARNESS_MODEL(model_check_full);

/* ---- the slot API ---- */

FUZZ_NO_COVERAGE static void run_reserve(void) {
    if (m.held_count == BP_SLOTS_MAX) return;
    uint32_t slot = byte_pool_reserve(&bp);
    uint32_t expected = model_take();
    FUZZ_CHECK(slot == expected, "reserve returned %" PRIu32 ", model %" PRIu32, slot, expected);
    if (slot == BYTE_POOL_NONE) return;
    FUZZ_CHECK(byte_pool_length(&bp, slot) == 0, "a reserved slot is not empty");
    m.held[m.held_count++] = slot;
}

FUZZ_NO_COVERAGE static void run_write(const harness_op *o, bool append) {
    if (m.held_count == 0) return;
    uint32_t slot = m.held[o->which % m.held_count];
    uint32_t old = m.len[slot];
    bool ok = append ? byte_pool_append(&bp, slot, o->data, o->data_len)
                     : byte_pool_write(&bp, slot, o->data, o->data_len);
    bool expected = append ? o->data_len <= m.slot_bytes - old : o->data_len <= m.slot_bytes;
    FUZZ_CHECK(ok == expected,
               "%s of %zu bytes to a slot holding %" PRIu32 " returned %d, model %d",
               append ? "append" : "write", o->data_len, old, ok, expected);
    if (ok) {
        size_t at = append ? old : 0;
        memcpy(m.contents[slot] + at, o->data, o->data_len);
        m.len[slot] = (uint32_t)(at + o->data_len);
        m.stored = m.stored - old + m.len[slot];
    }
    check_slot_contents(slot);
}

FUZZ_NO_COVERAGE static void run_release(const harness_op *o) {
    if (m.held_count == 0) return;
    uint32_t k = o->which % m.held_count;
    uint32_t slot = m.held[k];
    check_slot_contents(slot);
    byte_pool_release(&bp, slot);
    model_give_back(slot);
    m.held[k] = m.held[--m.held_count];
}

FUZZ_NO_COVERAGE static void run_slot_op(const harness_op *o) {
    switch (o->id) {
    case SOP_RESERVE: run_reserve(); break;
    case SOP_WRITE: run_write(o, false); break;
    case SOP_APPEND: run_write(o, true); break;
    case SOP_RELEASE: run_release(o); break;
    case SOP_READ:
        if (m.held_count > 0) check_slot_contents(m.held[o->which % m.held_count]);
        break;
    case SOP_RESET:
        byte_pool_reset(&bp);
        model_reset();
        harness_forget_all();
        break;
    case SOP_IS_LIVE: {
        uint32_t slot = o->which % (m.count + 2u);
        bool live = byte_pool_is_live(&bp, slot);
        bool expected = slot < m.count && m.live[slot];
        FUZZ_CHECK(live == expected, "is_live(%" PRIu32 ") %d, model %d", slot, live, expected);
        break;
    }
    case SOP_SLOT_OF:
        if (m.held_count > 0) {
            uint32_t slot = m.held[o->which % m.held_count];
            FUZZ_CHECK(byte_pool_slot_of(&bp, byte_pool_bytes(&bp, slot)) == slot,
                       "slot_of(bytes(%" PRIu32 ")) is another slot", slot);
        }
        break;
    }
}

FUZZ_NO_COVERAGE static harness_span start(void) {
    size_t memory_bytes = byte_pool_memory_bytes(cfg.params);
    uint8_t *memory = backing + cfg.offset_steps * BYTE_POOL_MEMORY_ALIGN_BYTES;
    FUZZ_CHECK(memory + memory_bytes <= backing + sizeof backing, "backing too small");
    byte_pool_init(&bp, memory, memory_bytes, cfg.params);
    m.base = memory;
    m.count = cfg.params.slot_count;
    m.slot_bytes = cfg.params.slot_bytes;
    m.oom = 0;
    model_reset();
    return (harness_span){memory, (size_t)m.count * m.slot_bytes};
}

static const harness_target target = {
    HARNESS_TARGET_PARTS(run_slot_op),
    .ops = &ops,
    .interface_flag = false,
    .limits = {.len_max = BP_SLOT_BYTES_MAX + 16u, .align_log2_max = 5},
    .layers = {{"interface calls", &cfg.failing}},
    .layer_count = 1,
    .start = start,
};

HARNESS_FUZZ_TARGET("byte_pool", 1, target);
