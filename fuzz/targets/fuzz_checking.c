/*
 * fuzz_checking: random alloc / resize / free sequences through a checking wrapper (report
 * mode) over a block allocator (optionally behind a failing wrapper, so the child refuses),
 * the checking wrapper's interface itself optionally behind another failing wrapper; mixed
 * with deliberate misuse: double frees, interior pointers, wrong lengths and alignments,
 * overwritten guards. Checked after every operation against a model of the wrapper (the
 * guard layout it asks the child for, its limits, its error rules, the recent-free history)
 * and the child's first-fit model: the exact address of every block (or the refusal), every
 * resize, the exact error each misuse must produce with nothing else changed, diagnostics of
 * both, invariants; blocks inside, aligned, disjoint and intact (shadow heap). On request
 * (and at the end) the leak list against the live blocks; on request the leak report's exact
 * text. At the end, every guard intact, both full invariants.
 *
 * Input: u8 child block count - 1, u8 log2(child block bytes / 16) (0..1), u8 guard bytes
 * (0..CK_GUARD_MAX_BYTES), u8 blocks_max - 1 (..CK_BLOCKS_MAX), u16 limit (0 = none), two
 * bytes for the child-side failing wrapper, two for the interface-side one, then operations
 * (harness/alloc_harness.h, no interface flag: every call uses the interface): table `ops`
 * below, id space 16. Each own operation reads one byte: for a misuse, the block (or the
 * recently freed pointer) it names, modulo how many; the queries ignore it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc/block_allocator.h"
#include "alloc/checking.h"
#include "alloc/failing.h"
#include "alloc/poison.h"
#include "harness/alloc_harness.h"
#include "harness/cursor.h"
#include "drivers/fuzz_target.h"

#define CK_CHILD_BLOCKS_MAX 256u
#define CK_CHILD_SHIFT_MAX  1u
#define CK_GUARD_MAX_BYTES  32u
#define CK_BLOCKS_MAX       64u
#define CK_CHILD_BYTES      ((size_t)CK_CHILD_BLOCKS_MAX * 32u + 512u) /* + metadata */
#define CK_TABLE_BYTES      ((size_t)128 * sizeof(checking_block))
#define CK_LEN_MAX_BYTES    1024u
#define CK_ALIGN_LOG2_MAX   8u

/* Operation ids: append only (harness/choice.h). */
enum {
    OP_DOUBLE_FREE = HARNESS_OP_OWN_FIRST,
    OP_INTERIOR_FREE,
    OP_WRONG_LENGTH_FREE,
    OP_WRONG_ALIGNMENT_FREE,
    OP_GUARD_BEFORE_FREE,
    OP_GUARD_AFTER_FREE,
    OP_VERIFY_GUARDS,
    OP_LIST_LIVE,
    OP_REPORT_LEAKS
};
static const char *const op_names[] = {"alloc",
                                       "resize",
                                       "free",
                                       "double free of recently freed",
                                       "interior-pointer free of block",
                                       "wrong-length free of block",
                                       "wrong-alignment free of block",
                                       "overwrite guard before, free",
                                       "overwrite guard after, free",
                                       "verify guards",
                                       "list live blocks",
                                       "report leaks"};
static const choice_table ops = CHOICE_TABLE_INIT(op_names, 16);

typedef struct config {
    block_allocator_params child;
    checking_params params;
    failing_config child_failing;
    failing_config failing;
} config;

static uint8_t child_memory[CK_CHILD_BYTES] __attribute__((aligned(4096)));
static checking_block table_memory[CK_TABLE_BYTES / sizeof(checking_block)];
static config cfg;
static harness_block_layer child = {.name = "child"};
static checking chk;

/* The model of the wrapper (the child's heap is its layer's). */
static struct {
    uint32_t blocks_max;
    size_t guard;
    size_t limit;
    uint32_t live;
    size_t live_bytes;
    size_t peak;
    uint64_t oom;
    uint64_t errors;
    checking_error last_error;
    const void *last_error_ptr;
    const uint8_t *freed[CHECKING_FREED_HISTORY];
    uint32_t freed_next;
} m;

/* False iff a choice in the config is unassigned. */
FUZZ_NO_COVERAGE static bool decode_config(cursor *c) {
    cfg.child.block_count = cursor_range(c, 1, CK_CHILD_BLOCKS_MAX);
    cfg.child.block_bytes = (uint32_t)16 << cursor_range(c, 0, CK_CHILD_SHIFT_MAX);
    cfg.params.guard_bytes = cursor_range(c, 0, CK_GUARD_MAX_BYTES);
    cfg.params.blocks_max = cursor_range(c, 1, CK_BLOCKS_MAX);
    uint16_t limit = cursor_u16(c);
    cfg.params.limit_bytes = limit == 0 ? CHECKING_NO_LIMIT : limit;
    cfg.params.on_error = CHECKING_REPORT;
    return failing_config_decode(c, &cfg.child_failing) && failing_config_decode(c, &cfg.failing);
}

FUZZ_NO_COVERAGE static void describe_config(FILE *out) {
    fprintf(out,
            "checking (report mode): %" PRIu32 " guard bytes, %" PRIu32 " blocks max, limit %zu, "
            "over a block allocator of %" PRIu32 " blocks of %" PRIu32 " bytes\n",
            cfg.params.guard_bytes, cfg.params.blocks_max, cfg.params.limit_bytes,
            cfg.child.block_count, cfg.child.block_bytes);
}

FUZZ_NO_COVERAGE static void decode_own(cursor *c, harness_op *o) { o->which = cursor_u8(c); }

FUZZ_NO_COVERAGE static void describe_own(FILE *out, const harness_op *o) {
    fprintf(out, " [%u %% n]", o->which);
}

static allocator subject_iface(void) { return checking_allocator(&chk); }

static const harness_subject subject = {.iface = subject_iface};

/* ---- the model ---- */

FUZZ_NO_COVERAGE static size_t model_lead(size_t align) {
    return m.guard == 0 ? 0 : (m.guard + align - 1) / align * align;
}

/* Where the child's block of b starts. */
FUZZ_NO_COVERAGE static const uint8_t *model_child_block(const shadow_block *b) {
    return b->ptr - model_lead(b->align);
}

FUZZ_NO_COVERAGE static uint8_t *model_alloc(size_t len, size_t align, bool via_interface) {
    (void)via_interface;
    if (m.live == m.blocks_max || len > m.limit - m.live_bytes) {
        m.oom++;
        return NULL;
    }
    size_t lead = model_lead(align);
    uint8_t *p = harness_block_layer_model_alloc(&child, lead + len + m.guard, align);
    if (p == NULL) {
        m.oom++;
        return NULL;
    }
    m.live++;
    m.live_bytes += len;
    if (m.live_bytes > m.peak) m.peak = m.live_bytes;
    return p + lead;
}

FUZZ_NO_COVERAGE static bool model_resize(const shadow_block *b, size_t new_len,
                                          bool via_interface) {
    (void)via_interface;
    if (new_len > b->len && new_len - b->len > m.limit - m.live_bytes) {
        m.oom++;
        return false;
    }
    size_t lead = model_lead(b->align);
    if (!harness_block_layer_model_resize(&child, model_child_block(b), lead + b->len + m.guard,
                                          lead + new_len + m.guard)) {
        return false;
    }
    m.live_bytes = m.live_bytes - b->len + new_len;
    if (m.live_bytes > m.peak) m.peak = m.live_bytes;
    return true;
}

FUZZ_NO_COVERAGE static void model_free(const shadow_block *b, bool via_interface) {
    (void)via_interface;
    harness_block_layer_model_free(&child, model_child_block(b),
                                   model_lead(b->align) + b->len + m.guard);
    m.live--;
    m.live_bytes -= b->len;
    m.freed[m.freed_next] = b->ptr;
    m.freed_next = (m.freed_next + 1u) % CHECKING_FREED_HISTORY;
}

FUZZ_NO_COVERAGE static void model_error(checking_error e, const void *ptr) {
    m.errors++;
    m.last_error = e;
    m.last_error_ptr = ptr;
}

FUZZ_NO_COVERAGE static void model_check(void) {
    FUZZ_CHECK(checking_error_count(&chk) == m.errors && checking_last_error(&chk) == m.last_error,
               "errors %" PRIu64 " (last: %s), model %" PRIu64 " (last: %s)",
               checking_error_count(&chk), checking_error_name(checking_last_error(&chk)), m.errors,
               checking_error_name(m.last_error));
    FUZZ_CHECK(checking_last_error_pointer(&chk) == m.last_error_ptr,
               "last error at %p, model %p", checking_last_error_pointer(&chk), m.last_error_ptr);
    allocator_diagnostics d = checking_diagnostics(&chk);
    FUZZ_CHECK(d.capacity_bytes == m.limit, "capacity %zu, model %zu", d.capacity_bytes, m.limit);
    FUZZ_CHECK(d.allocated_bytes == m.live_bytes, "allocated %zu, model %zu", d.allocated_bytes,
               m.live_bytes);
    FUZZ_CHECK(d.peak_allocated_bytes == m.peak, "peak %zu, model %zu", d.peak_allocated_bytes,
               m.peak);
    FUZZ_CHECK(d.oom_count == m.oom, "oom_count %" PRIu64 ", model %" PRIu64, d.oom_count, m.oom);
    FUZZ_CHECK(checking_live_count(&chk) == m.live, "live %" PRIu32 ", model %" PRIu32,
               checking_live_count(&chk), m.live);
    harness_block_layer_check(&child);
    FUZZ_CHECK(checking_invariants_hold(&chk), "checking_invariants_hold() is false");
}

/* Every live block listed, and only those, as the shadow heap has them. */
FUZZ_NO_COVERAGE static void check_live_list(void) {
    static checking_block listed[CK_BLOCKS_MAX];
    const shadow_heap *shadow = harness_shadow();
    size_t n = checking_live_blocks(&chk, listed, CK_BLOCKS_MAX);
    FUZZ_CHECK(n == shadow->count, "%zu blocks listed, %zu live", n, shadow->count);
    for (size_t i = 0; i < n; i++) {
        size_t at = shadow_heap_find(shadow, listed[i].ptr);
        FUZZ_CHECK(at != SIZE_MAX, "listed block %p is not live", listed[i].ptr);
        FUZZ_CHECK(
            shadow->blocks[at].len == listed[i].len && shadow->blocks[at].align == listed[i].align,
            "listed block %p has len %zu align %zu, live %zu %zu", listed[i].ptr, listed[i].len,
            listed[i].align, shadow->blocks[at].len, shadow->blocks[at].align);
    }
}

/* The leak report, read back through a pipe: a line per live block, in the order (and with
 * the serials) of the live list, whose blocks check_live_list() holds to the shadow heap;
 * then the total, as the model counts it. Exact bytes. */
FUZZ_NO_COVERAGE static void check_leak_report(void) {
    static int fds[2] = {-1, -1};
    if (fds[0] < 0) FUZZ_CHECK(pipe2(fds, O_NONBLOCK) == 0, "pipe2: %s", strerror(errno));
    static checking_block listed[CK_BLOCKS_MAX];
    size_t n = checking_live_blocks(&chk, listed, CK_BLOCKS_MAX);
    static char expected[CK_BLOCKS_MAX * 96 + 96];
    size_t at = 0;
    for (size_t i = 0; i < n && i < CK_BLOCKS_MAX; i++) {
        at += (size_t)snprintf(expected + at, sizeof expected - at,
                               "checking: leak: block #%" PRIu64 " %p len %zu align %zu\n",
                               listed[i].serial, listed[i].ptr, listed[i].len, listed[i].align);
    }
    at += (size_t)snprintf(expected + at, sizeof expected - at,
                           "checking: %" PRIu32 " live block(s), %zu bytes\n", m.live, m.live_bytes);
    size_t reported = checking_report_leaks(&chk, fds[1]);
    static char got[sizeof expected + 1];
    ssize_t len = read(fds[0], got, sizeof got - 1);
    FUZZ_CHECK(len >= 0, "read: %s", strerror(errno));
    got[len] = '\0';
    FUZZ_CHECK(reported == m.live, "report_leaks returned %zu, model %" PRIu32, reported, m.live);
    FUZZ_CHECK((size_t)len == at && memcmp(got, expected, at) == 0,
               "leak report:\n%s\nexpected:\n%s", got, expected);
}

FUZZ_NO_COVERAGE static void model_check_full(void) {
    check_live_list();
    FUZZ_CHECK(checking_verify_guards(&chk) == 0, "a guard is overwritten");
    FUZZ_CHECK(checking_invariants_hold_full(&chk), "checking_invariants_hold_full() is false");
    harness_block_layer_check_full(&child);
}

HARNESS_MODEL(model_check_full);

/* ---- misuse ---- */

/* A bug's write into a guard, which ASan keeps poisoned: uninstrumented on purpose. */
STASIS_NO_ASAN FUZZ_NO_COVERAGE static void overwrite_byte(uint8_t *p) {
    *p = (uint8_t)~CHECKING_GUARD_BYTE;
}

FUZZ_NO_COVERAGE static bool recently_freed(const uint8_t *p) {
    for (uint32_t i = 0; i < CHECKING_FREED_HISTORY; i++) {
        if (m.freed[i] == p) return true;
    }
    return false;
}

/* Frees (p, len, align), which is no live block, straight through the checking wrapper: the
 * failing wrapper in front of it counts bytes and must not see a bogus free. */
FUZZ_NO_COVERAGE static void bogus_free(const uint8_t *p, size_t len, size_t align,
                                        checking_error expected) {
    allocator_free(checking_allocator(&chk), (void *)(uintptr_t)p, len, align);
    model_error(expected, p);
}

FUZZ_NO_COVERAGE static void free_with_overwritten_guard(size_t i, bool before) {
    shadow_heap *shadow = harness_shadow();
    const shadow_block *b = &shadow->blocks[i];
    overwrite_byte(before ? b->ptr - 1 : b->ptr + b->len);
    model_error(before ? CHECKING_GUARD_BEFORE : CHECKING_GUARD_AFTER, b->ptr);
    harness_op o = {.kind = HOP_FREE, .via_interface = true, .block = (uint8_t)i};
    harness_free(&o);
}

FUZZ_NO_COVERAGE static void run_misuse(const harness_op *o) {
    shadow_heap *shadow = harness_shadow();
    size_t k = o->which;
    const shadow_block *b = shadow->count > 0 ? &shadow->blocks[k % shadow->count] : NULL;
    switch (o->id) {
    case OP_DOUBLE_FREE: {
        const uint8_t *p = m.freed[k % CHECKING_FREED_HISTORY];
        if (p != NULL && shadow_heap_find(shadow, p) == SIZE_MAX) {
            bogus_free(p, 1, 1, CHECKING_DOUBLE_FREE);
        }
        break;
    }
    case OP_INTERIOR_FREE:
        if (b != NULL && b->len >= 2) {
            bogus_free(b->ptr + 1, 1, 1,
                       recently_freed(b->ptr + 1) ? CHECKING_DOUBLE_FREE
                                                  : CHECKING_INVALID_POINTER);
        }
        break;
    case OP_WRONG_LENGTH_FREE:
        if (b != NULL) bogus_free(b->ptr, b->len + 1, b->align, CHECKING_WRONG_LENGTH);
        break;
    case OP_WRONG_ALIGNMENT_FREE:
        if (b != NULL && b->align < ALLOCATOR_ALIGN_MAX_BYTES) {
            bogus_free(b->ptr, b->len, b->align * 2, CHECKING_WRONG_ALIGNMENT);
        }
        break;
    case OP_GUARD_BEFORE_FREE:
    case OP_GUARD_AFTER_FREE:
        if (b != NULL && m.guard > 0) {
            free_with_overwritten_guard(k % shadow->count, o->id == OP_GUARD_BEFORE_FREE);
        }
        break;
    case OP_VERIFY_GUARDS:
        FUZZ_CHECK(checking_verify_guards(&chk) == 0, "a guard is overwritten");
        break;
    case OP_LIST_LIVE: check_live_list(); break;
    case OP_REPORT_LEAKS:
        check_live_list();
        check_leak_report();
        break;
    }
}

FUZZ_NO_COVERAGE static harness_span start(void) {
    allocator child_iface = harness_block_layer_init(&child, child_memory, sizeof child_memory,
                                                     cfg.child, &cfg.child_failing);
    size_t table_bytes = checking_memory_bytes(cfg.params);
    FUZZ_CHECK(table_bytes <= sizeof table_memory, "table memory too small");
    checking_init(&chk, child_iface, table_memory, table_bytes, cfg.params);
    memset(&m, 0, sizeof m);
    m.blocks_max = cfg.params.blocks_max;
    m.guard = cfg.params.guard_bytes;
    m.limit = cfg.params.limit_bytes;
    return (harness_span){child_memory, (size_t)cfg.child.block_count * cfg.child.block_bytes};
}

static const harness_target target = {
    HARNESS_TARGET_PARTS(run_misuse),
    .ops = &ops,
    .interface_flag = false,
    .limits = {.len_max = CK_LEN_MAX_BYTES, .align_log2_max = CK_ALIGN_LOG2_MAX},
    .layers = {{"child calls", &cfg.child_failing}, {"interface calls", &cfg.failing}},
    .layer_count = 2,
    .start = start,
};

HARNESS_FUZZ_TARGET("checking", 1, target);
