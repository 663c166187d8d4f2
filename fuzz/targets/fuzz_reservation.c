/*
 * fuzz_reservation: random carve / resize / free / seal / begin_deinit / reset sequences on
 * one small mapped reservation (mapped once, reset between inputs at a cost proportional to
 * what the input carved), checked after every operation against a model: the exact address
 * of every carve (or that the aligned block does not fit), that resize through the interface
 * always fails, blocks inside, aligned, disjoint and intact, the state machine moves as
 * specified, diagnostics equal the model's, and reservation_invariants_hold().
 *
 * Operations that the contract says abort (carving or freeing after the seal, sealing
 * twice) are not run: the cmocka death tests cover them. Describe mode marks them.
 *
 * Input: operations only (harness/alloc_harness.h, with the interface flag): table `ops`
 * below, id space 8. Resize and free always go through the interface (there is no other).
 */
#include <inttypes.h>
#include <stdio.h>

#include "alloc/reservation.h"
#include "drivers/fuzz_target.h"
#include "harness/alloc_harness.h"
#include "harness/cursor.h"

#define RES_CAPACITY_BYTES      ((size_t)64 * 1024)
#define RES_CARVE_LEN_MAX_BYTES 16384u
#define RES_ALIGN_LOG2_MAX      12u

/* Operation ids: append only (harness/choice.h). */
enum { OP_SEAL = HARNESS_OP_OWN_FIRST, OP_BEGIN_DEINIT, OP_RESET };
static const char *const op_names[] = {"carve", "resize",       "free",
                                       "seal",  "begin_deinit", "reset_for_testing"};
static const choice_table ops = CHOICE_TABLE_INIT(op_names, 8);

typedef struct model {
    size_t used;
    size_t peak;
    size_t carves;
    uint64_t oom;
    reservation_state state;
} model;

static reservation res;
static bool mapped;
static model m;

/* ---- the subject: carve is the own API; resize and free exist only in the interface ---- */

static void *subject_carve(size_t len, size_t align) { return reservation_carve(&res, len, align); }

static allocator subject_iface(void) { return reservation_allocator(&res); }

static const harness_subject subject = {.alloc = subject_carve, .iface = subject_iface};

/* ---- the model ---- */

FUZZ_NO_COVERAGE static uint8_t *model_alloc(size_t len, size_t align, bool via_interface) {
    (void)via_interface;
    uintptr_t at = (uintptr_t)(res.base + m.used);
    size_t padding = (size_t)((0u - at) & (align - 1u));
    size_t left = RES_CAPACITY_BYTES - m.used;
    if (padding > left || len > left - padding) {
        m.oom++;
        return NULL;
    }
    uint8_t *p = res.base + m.used + padding;
    m.used += padding + len;
    if (m.used > m.peak) m.peak = m.used;
    m.carves++;
    return p;
}

FUZZ_NO_COVERAGE static bool model_resize(const shadow_block *b, size_t new_len,
                                          bool via_interface) {
    (void)b;
    (void)new_len;
    (void)via_interface;
    return false;
}

FUZZ_NO_COVERAGE static void model_free(const shadow_block *b, bool via_interface) {
    (void)b;
    (void)via_interface; /* memory returns only with the whole region */
}

FUZZ_NO_COVERAGE static void model_check(void) {
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

HARNESS_MODEL(NULL);

/* ---- own operations and the contract's gates ---- */

/* Cost proportional to what the input carved (reservation_reset_for_testing). */
FUZZ_NO_COVERAGE static void reset(void) {
    reservation_reset_for_testing(&res);
    m = (model){.state = RESERVATION_INIT};
}

/* Carving outside INIT, freeing in STATIC, sealing outside INIT and begin_deinit outside
 * STATIC abort by contract. */
FUZZ_NO_COVERAGE static bool runs(const harness_op *o) {
    switch (o->id) {
    case HOP_ALLOC:
    case OP_SEAL: return m.state == RESERVATION_INIT;
    case HOP_FREE: return m.state != RESERVATION_STATIC;
    case OP_BEGIN_DEINIT: return m.state == RESERVATION_STATIC;
    default: return true;
    }
}

FUZZ_NO_COVERAGE static void run_own(const harness_op *o) {
    switch (o->id) {
    case OP_SEAL:
        reservation_seal(&res);
        m.state = RESERVATION_STATIC;
        break;
    case OP_BEGIN_DEINIT:
        reservation_begin_deinit(&res);
        m.state = RESERVATION_DEINIT;
        break;
    case OP_RESET:
        reset();
        harness_forget_all();
        break;
    }
}

FUZZ_NO_COVERAGE static void describe_config(FILE *out) {
    fprintf(out, "reservation: capacity=%zu (mapped once)\n", RES_CAPACITY_BYTES);
}

/* Mapped by the first input, reset by every later one. */
FUZZ_NO_COVERAGE static harness_span start(void) {
    if (!mapped) {
        int rc = reservation_map(&res, RES_CAPACITY_BYTES, 0);
        FUZZ_CHECK(rc == 0, "reservation_map failed: %d", rc);
        mapped = true;
    }
    reset();
    return (harness_span){res.base, RES_CAPACITY_BYTES};
}

static const harness_target target = {
    .ops = &ops,
    .interface_flag = true,
    .limits = {.len_max = RES_CARVE_LEN_MAX_BYTES, .align_log2_max = RES_ALIGN_LOG2_MAX},
    .subject = &subject,
    .model = &model_ops,
    .run_own = run_own,
    .runs = runs,
    .describe_config = describe_config,
    .start = start,
    .describe_note = "(carve outside INIT, seal outside INIT, begin_deinit outside STATIC and "
                     "free in STATIC abort by contract and are skipped)\n",
};

HARNESS_FUZZ_TARGET("reservation", 1, target);
