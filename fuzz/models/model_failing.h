#ifndef STASIS_FUZZ_MODEL_FAILING_H
#define STASIS_FUZZ_MODEL_FAILING_H

/*
 * The failing layer of allocator fuzz targets: its configuration (decoded from two input
 * bytes by harness/alloc_harness.h) and the reference model of a failing wrapper armed once
 * at the start of an input. The model numbers the calls it counts (1, 2, ...) and refuses call
 * `nth` (transient) or every call from `nth` on (persistent): a comparison of call numbers, not the
 * wrapper's countdown.
 */

#include <stdbool.h>
#include <stdint.h>

#include "alloc/failing.h"
#include "harness/cursor.h" /* FUZZ_NO_COVERAGE */

/* Which calls the trigger counts: the ids of the input's kind table (append only). */
typedef enum failing_kind {
    FAILING_KIND_ALLOC,
    FAILING_KIND_RESIZE,
    FAILING_KIND_ANY
} failing_kind;

typedef struct failing_config {
    bool enabled; /* interface operations go through a failing wrapper */
    failing_mode mode;
    failing_kind kind;
    uint8_t nth;
} failing_config;

typedef struct failing_model {
    failing_config config;
    uint64_t calls;
    uint64_t induced;
} failing_model;

FUZZ_NO_COVERAGE static inline void failing_config_arm(failing_allocator *f,
                                                       const failing_config *cfg) {
    if (cfg->mode == FAILING_OFF) return;
    switch (cfg->kind) {
    case FAILING_KIND_ALLOC: failing_fail_alloc(f, cfg->nth, cfg->mode); break;
    case FAILING_KIND_RESIZE: failing_fail_resize(f, cfg->nth, cfg->mode); break;
    case FAILING_KIND_ANY: failing_fail_any(f, cfg->nth, cfg->mode); break;
    }
}

FUZZ_NO_COVERAGE static inline failing_model failing_model_make(const failing_config *cfg) {
    return (failing_model){.config = *cfg};
}

/* Numbers one call through the wrapper; true iff the wrapper must refuse it. */
FUZZ_NO_COVERAGE static inline bool failing_model_call(failing_model *m, bool is_resize) {
    const failing_config *cfg = &m->config;
    if (!cfg->enabled || cfg->mode == FAILING_OFF) return false;
    if (cfg->kind == FAILING_KIND_ALLOC && is_resize) return false;
    if (cfg->kind == FAILING_KIND_RESIZE && !is_resize) return false;
    m->calls++;
    bool refuse = (cfg->mode == FAILING_TRANSIENT && m->calls == cfg->nth) ||
                  (cfg->mode == FAILING_PERSISTENT && m->calls >= cfg->nth);
    if (refuse) m->induced++;
    return refuse;
}

#endif
