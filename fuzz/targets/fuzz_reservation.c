/*
 * fuzz_reservation: random carve / seal / begin_deinit / free / reset sequences on one
 * small mapped reservation (mapped once, reset between inputs at a cost proportional to
 * what the input carved), checked after every operation against a model: carve succeeds
 * exactly when the model says the aligned block fits, blocks are inside, aligned, disjoint
 * and intact, the state machine moves as specified, diagnostics equal the model's, and
 * reservation_invariants_hold().
 *
 * Operations that the contract says abort (carving or freeing after the seal, sealing
 * twice) are not run: the cmocka death tests cover them. Describe mode marks them.
 */
#include <inttypes.h>
#include <stdio.h>

#include "alloc/reservation.h"
#include "harness/cursor.h"
#include "drivers/fuzz_target.h"
#include "models/shadow_heap.h"

#define RES_CAPACITY_BYTES      ((size_t)64 * 1024)
#define RES_CARVE_LEN_MAX_BYTES 16384u
#define RES_ALIGN_LOG2_MAX      12u

typedef enum op_kind { OP_CARVE, OP_SEAL, OP_BEGIN_DEINIT, OP_FREE, OP_RESET } op_kind;

typedef struct op {
    op_kind kind;
    bool via_interface;
    uint32_t len;
    size_t align;
    uint8_t block;
} op;

typedef struct model {
    size_t used;
    size_t peak;
    size_t carves;
    uint64_t oom;
    reservation_state state;
} model;

static reservation res;
static bool mapped;
static shadow_heap shadow;
static model m;
static uint8_t next_fill;

FUZZ_NO_COVERAGE static op decode_op(cursor *c) {
    static const op_kind kinds[8] = {OP_CARVE, OP_CARVE,        OP_CARVE, OP_CARVE,
                                     OP_SEAL,  OP_BEGIN_DEINIT, OP_FREE,  OP_RESET};
    uint8_t tag = cursor_u8(c);
    op o = {.kind = kinds[tag % 8u], .via_interface = (tag & 0x80u) != 0, .align = 1};
    if (o.kind == OP_CARVE) {
        o.len = cursor_range(c, 0, RES_CARVE_LEN_MAX_BYTES);
        o.align = (size_t)1 << cursor_range(c, 0, RES_ALIGN_LOG2_MAX);
    } else if (o.kind == OP_FREE) {
        o.block = cursor_u8(c);
    }
    return o;
}

FUZZ_NO_COVERAGE static void describe(const uint8_t *data, size_t size, FILE *out) {
    cursor c = cursor_make(data, size);
    fprintf(out, "reservation: capacity=%zu (mapped once)\n", RES_CAPACITY_BYTES);
    for (size_t i = 0; !cursor_empty(&c); i++) {
        op o = decode_op(&c);
        const char *via = o.via_interface ? " (interface)" : "";
        switch (o.kind) {
        case OP_CARVE:
            fprintf(out, "#%zu carve len=%" PRIu32 " align=%zu%s\n", i, o.len, o.align, via);
            break;
        case OP_SEAL: fprintf(out, "#%zu seal\n", i); break;
        case OP_BEGIN_DEINIT: fprintf(out, "#%zu begin_deinit\n", i); break;
        case OP_FREE: fprintf(out, "#%zu free block[%u %% live] (interface)\n", i, o.block); break;
        case OP_RESET: fprintf(out, "#%zu reset_for_testing\n", i); break;
        }
    }
    fprintf(out, "(carve outside INIT, seal outside INIT, begin_deinit outside STATIC and free "
                 "in STATIC abort by contract and are skipped)\n");
}


FUZZ_NO_COVERAGE static void check_against_model(void) {
    allocator_diagnostics d = reservation_diagnostics(&res);
    FUZZ_CHECK(d.capacity_bytes == RES_CAPACITY_BYTES, "capacity %zu", d.capacity_bytes);
    FUZZ_CHECK(d.allocated_bytes == m.used, "used %zu, model %zu", d.allocated_bytes, m.used);
    FUZZ_CHECK(d.peak_allocated_bytes == m.peak, "peak %zu, model %zu", d.peak_allocated_bytes,
               m.peak);
    FUZZ_CHECK(d.oom_count == m.oom, "oom_count %" PRIu64 ", model %" PRIu64, d.oom_count, m.oom);
    FUZZ_CHECK(reservation_carve_count(&res) == m.carves, "carve_count %zu, model %zu",
               reservation_carve_count(&res), m.carves);
    FUZZ_CHECK(reservation_get_state(&res) == m.state, "state %d, model %d",
               (int)reservation_get_state(&res), (int)m.state);
    FUZZ_CHECK(reservation_invariants_hold(&res), "reservation_invariants_hold() is false");
}

FUZZ_NO_COVERAGE static void run_carve(const op *o) {
    if (m.state != RESERVATION_INIT || shadow_heap_full(&shadow)) return;
    uint8_t *base = res.base;
    uintptr_t at = (uintptr_t)(base + m.used);
    size_t padding = (size_t)((0u - at) & (o->align - 1u));
    size_t left = RES_CAPACITY_BYTES - m.used;
    bool fits = padding <= left && o->len <= left - padding;
    void *p = o->via_interface ? allocator_alloc(reservation_allocator(&res), o->len, o->align)
                               : reservation_carve(&res, o->len, o->align);
    if (o->len == 0) {
        FUZZ_CHECK(p == ALLOCATOR_ZERO_LENGTH(o->align), "zero-length carve returned %p", p);
        return;
    }
    FUZZ_CHECK((p != NULL) == fits, "carve of %" PRIu32 " (align %zu) returned %p, model %s",
               o->len, o->align, p, fits ? "fits" : "has no room");
    if (p == NULL) {
        m.oom++;
        return;
    }
    FUZZ_CHECK((uint8_t *)p == base + m.used + padding, "carved at offset %td, model %zu",
               (uint8_t *)p - base, m.used + padding);
    m.used += padding + o->len;
    if (m.used > m.peak) m.peak = m.used;
    m.carves++;
    shadow_heap_add(&shadow, p, o->len, o->align, next_fill++);
}

FUZZ_NO_COVERAGE static void run_free(const op *o) {
    if (m.state == RESERVATION_STATIC || shadow.count == 0) return;
    size_t i = o->block % shadow.count;
    shadow_block b = shadow.blocks[i];
    shadow_heap_remove(&shadow, i);
    allocator_free(reservation_allocator(&res), b.ptr, b.len, b.align);
}

FUZZ_NO_COVERAGE static void run_reset(void) {
    reservation_reset_for_testing(&res);
    shadow_heap_clear(&shadow);
    m = (model){.state = RESERVATION_INIT};
}

static int run_input(const uint8_t *data, size_t size) {
    if (!mapped) {
        int rc = reservation_map(&res, RES_CAPACITY_BYTES, 0);
        FUZZ_CHECK(rc == 0, "reservation_map failed: %d", rc);
        mapped = true;
    }
    run_reset();
    shadow_heap_init(&shadow, res.base, RES_CAPACITY_BYTES);
    check_against_model();
    cursor c = cursor_make(data, size);
    for (size_t i = 0; !cursor_empty(&c); i++) {
        fuzz_set_op(i);
        op o = decode_op(&c);
        switch (o.kind) {
        case OP_CARVE: run_carve(&o); break;
        case OP_SEAL:
            if (m.state != RESERVATION_INIT) break;
            reservation_seal(&res);
            m.state = RESERVATION_STATIC;
            break;
        case OP_BEGIN_DEINIT:
            if (m.state != RESERVATION_STATIC) break;
            reservation_begin_deinit(&res);
            m.state = RESERVATION_DEINIT;
            break;
        case OP_FREE: run_free(&o); break;
        case OP_RESET: run_reset(); break;
        }
        check_against_model();
    }
    shadow_heap_verify_all(&shadow);
    return 0;
}

const fuzz_target_info fuzz_target = {
    .name = "reservation", .format_version = 1, .run = run_input, .describe = describe};
