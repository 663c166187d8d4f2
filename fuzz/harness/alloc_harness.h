#ifndef STASIS_FUZZ_ALLOC_HARNESS_H
#define STASIS_FUZZ_ALLOC_HARNESS_H

/*
 * What allocator fuzz targets share: one run loop (decode an operation, run it, check it
 * against the model, check the invariants), the three generic operations (alloc, resize,
 * free) decoded the same way everywhere from the target's numbered operation table, and run
 * either through the allocator's own API or through its allocator interface, optionally
 * behind a failing wrapper armed from the input. A target adds its own operations (reset,
 * queries, misuse) to the table after the generic ones.
 *
 * Each operation is checked against the target's model, which predicts the exact address an
 * allocation must return (or NULL) and whether a resize succeeds, and against the shadow heap
 * (inside, aligned, disjoint, intact). A failing wrapper's refusals are predicted by
 * fuzz/models/model_failing.h; a refused call must leave the model, and so the allocator,
 * unchanged. After every operation the target's O(1) check runs (diagnostics against the
 * model, invariants_hold); at the end of the input, its full check and every block's contents.
 *
 * The harness also reads each input's config (through the target's decode_config), describes
 * it and runs it, so a target's fuzz_target is HARNESS_FUZZ_TARGET(name, version, target).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alloc/allocator.h"
#include "alloc/block_allocator.h"
#include "alloc/failing.h"
#include "drivers/fuzz_target.h"
#include "harness/choice.h"
#include "harness/cursor.h"
#include "models/model_block.h"
#include "models/model_failing.h"
#include "models/shadow_heap.h"

/*
 * Every allocator target's operation table (a harness/choice.h table) starts with the three
 * generic operations at ids 0-2; the target's own operations (reset, its API's queries,
 * misuse) follow from id 3. Their names are the target's (a reservation "carve"s).
 */
typedef enum harness_op_kind { HOP_ALLOC, HOP_RESIZE, HOP_FREE, HOP_OWN } harness_op_kind;

#define HARNESS_OP_OWN_FIRST 3u

typedef struct harness_op {
    uint32_t id;          /* the entry of the target's operation table */
    harness_op_kind kind; /* id for ids 0-2, HOP_OWN from HARNESS_OP_OWN_FIRST on */
    bool via_interface;   /* the tag's bit 7 (targets with an interface flag), else true */
    uint32_t len;         /* alloc: length (may be 0); resize: new length (>= 1) */
    size_t align;         /* alloc */
    uint8_t block;        /* resize, free: a live block, modulo the live count */
    /* Own operations' arguments, read by the target's decode_own. */
    uint8_t which;
    uint16_t value;
    const uint8_t *data;
    size_t data_len;
} harness_op;

/* Ranges of decoded arguments. */
typedef struct harness_limits {
    uint32_t len_max;
    uint32_t align_log2_max;
} harness_limits;

/*
 * The allocator under test, seen directly and through its interface. Direct calls may be NULL
 * when the allocator has no own API for that operation; then the interface is used.
 */
typedef struct harness_subject {
    void *(*alloc)(size_t len, size_t align);
    bool (*resize)(void *ptr, size_t old_len, size_t new_len, size_t align);
    void (*free)(void *ptr, size_t len, size_t align);
    allocator (*iface)(void);
} harness_subject;

/*
 * Defines `subject` for an allocator whose own API is PREFIX_alloc / _resize / _free /
 * _allocator over the static object OBJECT (the Zig-style signatures of allocator.h).
 */
#define HARNESS_DIRECT_SUBJECT(PREFIX, OBJECT)                                                     \
    static void *subject_alloc(size_t len, size_t align) {                                         \
        return PREFIX##_alloc(&(OBJECT), len, align);                                              \
    }                                                                                              \
    static bool subject_resize(void *ptr, size_t old_len, size_t new_len, size_t align) {          \
        return PREFIX##_resize(&(OBJECT), ptr, old_len, new_len, align);                           \
    }                                                                                              \
    static void subject_free(void *ptr, size_t len, size_t align) {                                \
        PREFIX##_free(&(OBJECT), ptr, len, align);                                                 \
    }                                                                                              \
    static allocator subject_iface(void) { return PREFIX##_allocator(&(OBJECT)); }                 \
    static const harness_subject subject = {                                                       \
        .alloc = subject_alloc,                                                                    \
        .resize = subject_resize,                                                                  \
        .free = subject_free,                                                                      \
        .iface = subject_iface,                                                                    \
    }

/*
 * The model. Each callback predicts and applies one operation that reaches the allocator
 * (refused ones never get here): alloc returns the exact address expected, or NULL; resize
 * returns whether it must succeed (and applies it if so); free applies.
 * check runs after every operation, check_full at the end of the input (may be NULL).
 */
typedef struct harness_model {
    uint8_t *(*alloc)(size_t len, size_t align, bool via_interface);
    bool (*resize)(const shadow_block *b, size_t new_len, bool via_interface);
    void (*free)(const shadow_block *b, bool via_interface);
    void (*check)(void);
    void (*check_full)(void);
} harness_model;

/* Defines `model_ops` from the target's model_alloc, model_resize, model_free and
 * model_check, with CHECK_FULL (a function, or NULL) at the end of the input. */
#define HARNESS_MODEL(CHECK_FULL)                                                                  \
    static const harness_model model_ops = {                                                       \
        .alloc = model_alloc,                                                                      \
        .resize = model_resize,                                                                    \
        .free = model_free,                                                                        \
        .check = model_check,                                                                      \
        .check_full = (CHECK_FULL),                                                                \
    }

/* The members of a harness_target every target with own operations and a decoded config
 * names the same way: subject, model_ops (HARNESS_MODEL), decode_own, describe_own,
 * decode_config, describe_config, and RUN_OWN, the function that runs its own operations.
 *   static const harness_target target = {HARNESS_TARGET_PARTS(run_own), .ops = &ops, ...};
 */
#define HARNESS_TARGET_PARTS(RUN_OWN)                                                              \
    .subject = &subject, .model = &model_ops, .decode_own = decode_own,                            \
    .describe_own = describe_own, .run_own = (RUN_OWN), .decode_config = decode_config,            \
    .describe_config = describe_config

/* Where a failing layer sits ("interface calls", "parent calls") and its config. */
typedef struct harness_layer {
    const char *side;
    const failing_config *cfg;
} harness_layer;

/* At most: one failing layer beneath the allocator under test, one in front of it. */
#define HARNESS_LAYERS_MAX 2u

/* The memory an input's allocator hands blocks out of (the shadow heap's region). */
typedef struct harness_span {
    const void *region;
    size_t len;
} harness_span;

/*
 * One allocator target, as the run loop and the describer see it.
 *
 * Operation format: a tag byte, its id = tag % ops->id_space (harness/choice.h: an
 * unassigned id refuses the input). With interface_flag, bit 7 of the tag sends alloc,
 * resize and free through the allocator interface (so the id space is a power of two, at
 * most 128, and the bits between are ignored); without it they always go through it. Then
 * the arguments: alloc: length (cursor_range 0..len_max) and log2 alignment
 * (0..align_log2_max); resize: a block byte and the new length (1..len_max); free: a block
 * byte; own operations: whatever decode_own reads.
 */
typedef struct harness_target {
    const choice_table *ops;
    bool interface_flag;
    harness_limits limits;
    const harness_subject *subject;
    const harness_model *model;
    /* Own operations (ids from HARNESS_OP_OWN_FIRST). decode_own may be NULL (no
     * arguments); describe_own prints the rest of the line after "#i NAME". */
    void (*decode_own)(cursor *c, harness_op *o);
    void (*describe_own)(FILE *out, const harness_op *o);
    void (*run_own)(const harness_op *o);
    /* Optional: false when the operation must be skipped in the current state (the
     * allocator's contract aborts it; its death tests cover that). */
    bool (*runs)(const harness_op *o);
    /* The input's config, the bytes before the operations, read into the target's own
     * static config. decode_config may be NULL (no config bytes); it returns false iff a
     * choice in the config is unassigned (the input is refused) and fills the fields
     * before that choice either way. describe_config prints the config's line, even for a
     * refused config. */
    bool (*decode_config)(cursor *c);
    void (*describe_config)(FILE *out);
    /* The failing layers in the config, in the order the describe prints them; the last
     * one, if any, wraps the interface (the harness's own wrapper). */
    harness_layer layers[HARNESS_LAYERS_MAX];
    size_t layer_count;
    /* Makes the allocator and its model for the decoded config; returns its span. */
    harness_span (*start)(void);
    /* Optional: after the last operation and harness_end (e.g. return everything). */
    void (*finish)(void);
    /* Optional: a line (with its newline) the describe prints after the operations. */
    const char *describe_note;
} harness_target;

/* An input described: the config's line, the failing layers' lines and the operations, or
 * where a refusal stops them. Independent of any state. */
void harness_describe_input(const harness_target *t, const uint8_t *data, size_t size, FILE *out);

/* An input run: its config decoded, the allocator and model started, harness_begin, then
 * harness_run and finish. Returns 0, or -1 when an unassigned choice refuses the input. */
int harness_run_input(const harness_target *t, const uint8_t *data, size_t size);

/* Defines the `fuzz_target` of an allocator target whose harness_target is TARGET:
 * NAME and the input format VERSION (drivers/fuzz_target.h), run and described by the
 * harness. */
#define HARNESS_FUZZ_TARGET(NAME, VERSION, TARGET)                                                 \
    FUZZ_NO_COVERAGE static void describe_input(const uint8_t *data, size_t size, FILE *out) {     \
        harness_describe_input(&(TARGET), data, size, out);                                        \
    }                                                                                              \
    static int run_input(const uint8_t *data, size_t size) {                                       \
        return harness_run_input(&(TARGET), data, size);                                           \
    }                                                                                              \
    const fuzz_target_info fuzz_target = {                                                         \
        .name = (NAME), .format_version = (VERSION), .run = run_input, .describe = describe_input}

/* Reads one operation. False iff its id is unassigned (the cursor is then refused). */
bool harness_decode_op(const harness_target *t, cursor *c, harness_op *o);

/* Starts an input: an empty shadow heap over [region, region + region_len), the failing
 * wrapper (if the config enables it) around the subject's interface, armed. */
void harness_begin(const harness_target *t, const failing_config *failing, const void *region,
                   size_t region_len);

/* The run loop: every operation left in the cursor decoded, run (alloc, resize and free
 * checked against the model and the shadow heap) and followed by harness_check(); at the
 * end harness_end(). Returns 0, or -1 at the first operation with an unassigned id. */
int harness_run(const harness_target *t, cursor *c);

void harness_alloc(const harness_op *o);
void harness_resize(const harness_op *o);
void harness_free(const harness_op *o);

/* After the target reset its allocator: forget every block (the model resets itself). */
void harness_forget_all(void);

/* The O(1) checks: the model's, and the failing wrapper's against its model. */
void harness_check(void);

/* End of the input: every block intact, the model's full check. */
void harness_end(void);

/* The live blocks, for targets' own operations. */
shadow_heap *harness_shadow(void);

/* ---- the failing layer's two config bytes ----
 * Byte 1: id = byte % 4 from the table {alloc, resize, alloc+resize} (which calls the trigger
 * counts; id 3 unassigned), bit 2 = the wrapper is there, bit 3 = persistent. Byte 2: nth,
 * the call that fails (0 = disarmed). False iff the kind id is unassigned. */
bool failing_config_decode(cursor *c, failing_config *cfg);

/* The describe line for a config whose failing kind id refused the input. */
void failing_config_print_refused(FILE *out, const cursor *c);

/* One line: `side` says where the wrapper sits ("interface calls", "parent calls"). */
void failing_config_describe(FILE *out, const char *side, const failing_config *cfg);

/* An allocator's interface, or a failing wrapper around it (initialised and armed) when the
 * config has one. The wrapper is initialised either way, so its counters read zero. */
allocator failing_wrap(failing_allocator *f, allocator inner, const failing_config *cfg);

/* ---- a block allocator beneath the allocator under test ----
 * The arena's parent, the stack fallback's fallback, the checking wrapper's child: a block
 * allocator, behind a failing wrapper when the input's config has one, with its first-fit
 * model and the wrapper's model. Initialise `name` ("parent") statically; it names the
 * layer in failure reports. */
typedef struct harness_block_layer {
    const char *name;
    block_allocator ba;
    failing_allocator failing;
    block_model model;
    failing_model failing_model;
} harness_block_layer;

/* Makes the block allocator over memory (its size checked against memory_cap), the
 * wrapper and both models. Returns the interface to give the allocator under test: the
 * wrapper's if the config has one, else the block allocator's. */
allocator harness_block_layer_init(harness_block_layer *l, uint8_t *memory, size_t memory_cap,
                                   block_allocator_params params, const failing_config *cfg);

/* The models' answer to an allocation asked of the layer (and applied to them): the exact
 * address, or NULL when the wrapper refuses or no run of blocks fits. */
uint8_t *harness_block_layer_model_alloc(harness_block_layer *l, size_t len, size_t align);

/* The models' answer to resizing the layer's block at addr from old_len to new_len bytes
 * (applied if it succeeds): false when the wrapper refuses or the blocks cannot grow. */
bool harness_block_layer_model_resize(harness_block_layer *l, const uint8_t *addr, size_t old_len,
                                      size_t new_len);

/* The model freeing the layer's block of len bytes at addr. */
void harness_block_layer_model_free(harness_block_layer *l, const uint8_t *addr, size_t len);

/* O(1): allocated bytes and oom count against the model, invariants_hold. */
void harness_block_layer_check(const harness_block_layer *l);

/* End of the input: invariants_hold_full, the wrapper's induced failures against its model. */
void harness_block_layer_check_full(const harness_block_layer *l);

#endif
