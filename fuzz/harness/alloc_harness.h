#ifndef STASIS_FUZZ_ALLOC_HARNESS_H
#define STASIS_FUZZ_ALLOC_HARNESS_H

/*
 * What allocator fuzz targets share: the four generic operations (alloc, resize, free and an
 * "other" operation each target defines, such as reset), decoded from the input the same way
 * everywhere, and run either through the allocator's own API or through its allocator
 * interface, optionally behind a failing wrapper armed from the input.
 *
 * Each operation is checked against the target's model, which predicts the exact address an
 * allocation must return (or NULL) and whether a resize succeeds, and against the shadow heap
 * (inside, aligned, disjoint, intact). A failing wrapper's refusals are predicted by
 * fuzz/models/model_failing.h; a refused call must leave the model, and so the allocator, unchanged.
 * After every operation the target's O(1) check runs (diagnostics against the model,
 * invariants_hold); at the end of the input, its full check and every block's contents.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alloc/allocator.h"
#include "alloc/failing.h"
#include "harness/cursor.h"
#include "models/model_failing.h"
#include "models/shadow_heap.h"

typedef enum harness_op_kind { HOP_ALLOC, HOP_RESIZE, HOP_FREE, HOP_OTHER } harness_op_kind;

typedef struct harness_op {
    harness_op_kind kind;
    bool via_interface; /* tag bit 7 */
    uint32_t len;       /* alloc: length (may be 0); resize: new length (>= 1) */
    size_t align;       /* alloc */
    uint8_t block;      /* resize, free: a live block, modulo the live count */
    uint8_t arg;        /* other: the target's argument byte */
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
#define HARNESS_DIRECT_SUBJECT(PREFIX, OBJECT)                                                    \
    static void *subject_alloc(size_t len, size_t align) {                                        \
        return PREFIX##_alloc(&(OBJECT), len, align);                                             \
    }                                                                                             \
    static bool subject_resize(void *ptr, size_t old_len, size_t new_len, size_t align) {         \
        return PREFIX##_resize(&(OBJECT), ptr, old_len, new_len, align);                          \
    }                                                                                             \
    static void subject_free(void *ptr, size_t len, size_t align) {                               \
        PREFIX##_free(&(OBJECT), ptr, len, align);                                                \
    }                                                                                             \
    static allocator subject_iface(void) { return PREFIX##_allocator(&(OBJECT)); }                \
    static const harness_subject subject = {                                                      \
        .alloc = subject_alloc,                                                                   \
        .resize = subject_resize,                                                                 \
        .free = subject_free,                                                                     \
        .iface = subject_iface,                                                                   \
    }

/*
 * The model. Each callback predicts and applies one operation that reaches the allocator
 * (refused ones never get here): alloc returns the exact address expected, or NULL; resize
 * returns whether it must succeed (and applies it if so); free applies.
 * check runs after every operation, check_full at the end of the input.
 */
typedef struct harness_model {
    uint8_t *(*alloc)(size_t len, size_t align, bool via_interface);
    bool (*resize)(const shadow_block *b, size_t new_len, bool via_interface);
    void (*free)(const shadow_block *b, bool via_interface);
    void (*check)(void);
    void (*check_full)(void);
} harness_model;

/* Reads tag (kind = tag % 8: 0-2 alloc, 3-4 resize, 5-6 free, 7 other; bit 7 interface) and
 * its arguments. Independent of any state. */
harness_op harness_decode_op(cursor *c, const harness_limits *limits);

/* Prints one operation; `other` names the target's operation for an argument byte. */
void harness_describe_op(FILE *out, size_t index, const harness_op *o,
                         void (*other)(FILE *out, uint8_t arg));

/* Starts an input: an empty shadow heap over [region, region + region_len), the failing
 * wrapper (if the config enables it) around the subject's interface, armed. */
void harness_begin(const harness_subject *subject, const harness_model *model,
                   const failing_config *failing, const void *region, size_t region_len);

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

/* A fresh fill byte for a block the target adds to the shadow heap itself. */
uint8_t harness_next_fill(void);

#endif
