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
 * `lifecycle` runs a second, scratch reservation through its whole life: made over one of
 * four backings (mapped; mapped and locked; mapped and locked with the lock refused, an
 * injected failure; caller memory), carved once, sealed, begun to deinit, unmapped; checked
 * at every step against the contract: map's result (0, or -EPERM and r unwritten for the
 * refused lock), is_locked, the state, diagnostics, invariants, the carve at the base,
 * everything past it poisoned (exactly when poisoning is compiled in), r zeroed by unmap.
 *
 * Input: operations only (harness/alloc_harness.h, with the interface flag): table `ops`
 * below, id space 8. Resize and free always go through the interface (there is no other).
 * `lifecycle` reads a backing byte (table `backings`, id space 4, all assigned) and a u16,
 * the scratch reservation's capacity (1 + value % RES_SCRATCH_CAPACITY_MAX_BYTES).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "alloc/poison.h"
#include "alloc/reservation.h"
#include "drivers/fuzz_target.h"
#include "harness/alloc_harness.h"
#include "harness/cursor.h"

#define RES_CAPACITY_BYTES      ((size_t)64 * 1024)
#define RES_CARVE_LEN_MAX_BYTES 16384u
#define RES_ALIGN_LOG2_MAX      12u
/* The scratch reservation of `lifecycle`: at most this big (a caller buffer of this size). */
#define RES_SCRATCH_CAPACITY_MAX_BYTES 8192u

/* Operation ids: append only (harness/choice.h). */
enum { OP_SEAL = HARNESS_OP_OWN_FIRST, OP_BEGIN_DEINIT, OP_RESET, OP_LIFECYCLE };
static const char *const op_names[] = {
    "carve", "resize", "free", "seal", "begin_deinit", "reset_for_testing", "lifecycle"};
static const choice_table ops = CHOICE_TABLE_INIT(op_names, 8);

/* `lifecycle`'s backings: append only. */
enum { BACKING_MAPPED, BACKING_LOCKED, BACKING_LOCK_REFUSED, BACKING_BUFFER };
static const char *const backing_names[] = {
    "mapped", "mapped+locked", "mapped+locked, lock refused (injected)", "caller buffer"};

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

FUZZ_NO_COVERAGE static void decode_own(cursor *c, harness_op *o) {
    if (o->id != OP_LIFECYCLE) return;
    o->which = (uint8_t)(cursor_u8(c) % 4u);
    o->value = cursor_u16(c);
}

FUZZ_NO_COVERAGE static size_t scratch_capacity(const harness_op *o) {
    return 1u + o->value % RES_SCRATCH_CAPACITY_MAX_BYTES;
}

FUZZ_NO_COVERAGE static void describe_own(FILE *out, const harness_op *o) {
    if (o->id == OP_LIFECYCLE) {
        fprintf(out, " %s, capacity %zu bytes", backing_names[o->which], scratch_capacity(o));
    }
}

/* The scratch reservation's state, diagnostics and invariants after carving `used` bytes. */
FUZZ_NO_COVERAGE static void check_scratch(const reservation *r, reservation_state state,
                                           size_t capacity, size_t used, bool locked) {
    allocator_diagnostics d = reservation_diagnostics(r);
    FUZZ_CHECK(reservation_get_state(r) == state, "scratch state %d, want %d",
               (int)reservation_get_state(r), (int)state);
    FUZZ_CHECK(d.capacity_bytes == capacity && d.allocated_bytes == used &&
                   d.peak_allocated_bytes == used && d.oom_count == 0,
               "scratch diagnostics %zu/%zu/%zu/%" PRIu64 ", want %zu/%zu/%zu/0", d.capacity_bytes,
               d.allocated_bytes, d.peak_allocated_bytes, d.oom_count, capacity, used, used);
    FUZZ_CHECK(reservation_carve_count(r) == (used == 0 ? 0u : 1u), "scratch carve_count %zu",
               reservation_carve_count(r));
    FUZZ_CHECK(reservation_is_locked(r) == locked, "scratch is_locked %d, want %d",
               (int)reservation_is_locked(r), (int)locked);
    FUZZ_CHECK(reservation_invariants_hold(r), "scratch reservation_invariants_hold() is false");
    if (r->mapped_bytes != 0 && capacity > 1) {
        /* The self-check, seen to fail: a copy claiming a mapping shorter than its capacity. */
        reservation broken = *r;
        broken.mapped_bytes = 1;
        FUZZ_CHECK(!reservation_invariants_hold(&broken),
                   "reservation_invariants_hold() holds with 1 byte mapped of %zu", capacity);
    }
    /* Under ASan nothing past the carved part may be touched: its first whole granule. */
    const uint8_t *granule = r->base + ((used + 7u) & ~(size_t)7u);
    if (granule + 8 <= r->base + capacity) {
        FUZZ_CHECK(mem_is_poisoned(granule) == mem_poisoning_enabled(),
                   "scratch byte %zu past the carved part: poisoned %d, poisoning compiled in %d",
                   (size_t)(granule - r->base), (int)mem_is_poisoned(granule),
                   (int)mem_poisoning_enabled());
    }
}

/* Makes the scratch reservation over the backing: false iff the map is refused as the
 * backing requires (then r must be unwritten). */
FUZZ_NO_COVERAGE static bool scratch_make(reservation *r, uint8_t which, size_t capacity,
                                          uint8_t *buffer) {
    static const unsigned flags[] = {
        [BACKING_MAPPED] = 0u,
        [BACKING_LOCKED] = RESERVATION_LOCK,
        [BACKING_LOCK_REFUSED] = RESERVATION_LOCK | RESERVATION_LOCK_REFUSED_FOR_TESTING,
    };
    if (which == BACKING_BUFFER) {
        reservation_init_buffer(r, buffer, capacity);
        return true;
    }
    static const reservation untouched;
    int rc = reservation_map(r, capacity, flags[which]);
    if (which == BACKING_LOCK_REFUSED) {
        FUZZ_CHECK(rc == -EPERM, "map with the lock refused returned %d, want %d", rc, -EPERM);
        FUZZ_CHECK(memcmp(r, &untouched, sizeof *r) == 0, "a refused map wrote the reservation");
        return false;
    }
    /* A real mlock may be refused too (RLIMIT_MEMLOCK), with the same contract. */
    if (which == BACKING_LOCKED && (rc == -EPERM || rc == -ENOMEM || rc == -EAGAIN)) {
        FUZZ_CHECK(memcmp(r, &untouched, sizeof *r) == 0, "a refused mlock wrote the reservation");
        return false;
    }
    FUZZ_CHECK(rc == 0, "reservation_map(%zu, %s) returned %d", capacity, backing_names[which], rc);
    return true;
}

/* The scratch reservation's whole life, checked at every step. Its own memory: the
 * harness's reservation and model are untouched. */
FUZZ_NO_COVERAGE static void lifecycle(const harness_op *o) {
    static _Alignas(64) uint8_t buffer[RES_SCRATCH_CAPACITY_MAX_BYTES];
    size_t capacity = scratch_capacity(o);
    reservation r = {0};
    if (!scratch_make(&r, o->which, capacity, buffer)) return;
    bool locked = o->which == BACKING_LOCKED;
    check_scratch(&r, RESERVATION_INIT, capacity, 0, locked);
    size_t len = capacity / 2u + 1u;
    uint8_t *block = reservation_carve(&r, len, 1);
    FUZZ_CHECK(block == r.base, "the first carve of %zu bytes at %p, want the base %p", len,
               (void *)block, (void *)r.base);
    FUZZ_CHECK(!mem_is_poisoned(block) && !mem_is_poisoned(block + len - 1),
               "a carved block is poisoned");
    memset(block, 0xa5, len);
    check_scratch(&r, RESERVATION_INIT, capacity, len, locked);
    reservation_seal(&r);
    check_scratch(&r, RESERVATION_STATIC, capacity, len, locked);
    reservation_begin_deinit(&r);
    check_scratch(&r, RESERVATION_DEINIT, capacity, len, locked);
    reservation_unmap(&r);
    static const reservation gone;
    FUZZ_CHECK(memcmp(&r, &gone, sizeof r) == 0, "unmap left fields set");
}

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
    case OP_LIFECYCLE: lifecycle(o); break;
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
    .decode_own = decode_own,
    .describe_own = describe_own,
    .run_own = run_own,
    .runs = runs,
    .describe_config = describe_config,
    .start = start,
    .describe_note = "(carve outside INIT, seal outside INIT, begin_deinit outside STATIC and "
                     "free in STATIC abort by contract and are skipped)\n",
};

HARNESS_FUZZ_TARGET("reservation", 1, target);
