#include "models/model_block.h"

#include <string.h>

#include "harness/cursor.h"
#include "drivers/fuzz_target.h"

FUZZ_NO_COVERAGE void block_model_init(block_model *m, const void *base, size_t block_count,
                                       size_t block_bytes) {
    FUZZ_CHECK(block_count <= BLOCK_MODEL_BLOCKS_MAX, "model holds at most %d blocks",
               BLOCK_MODEL_BLOCKS_MAX);
    memset(m, 0, sizeof *m);
    m->base = (uintptr_t)base;
    m->block_count = block_count;
    m->block_bytes = block_bytes;
}

FUZZ_NO_COVERAGE size_t block_model_blocks(const block_model *m, size_t len) {
    return (len + m->block_bytes - 1) / m->block_bytes;
}

FUZZ_NO_COVERAGE static bool run_is_free(const block_model *m, size_t from, size_t n) {
    for (size_t i = from; i < from + n; i++) {
        if (m->used[i]) return false;
    }
    return true;
}

FUZZ_NO_COVERAGE size_t block_model_find(const block_model *m, size_t len, size_t align) {
    size_t n = block_model_blocks(m, len);
    if (n > m->block_count) return BLOCK_MODEL_NONE;
    /* free_after[i]: free blocks from i on, up to the next used one; filled right to left so
     * the scan stays O(L). */
    size_t free_after[BLOCK_MODEL_BLOCKS_MAX + 1];
    free_after[m->block_count] = 0;
    for (size_t i = m->block_count; i-- > 0;)
        free_after[i] = m->used[i] ? 0 : free_after[i + 1] + 1;
    for (size_t i = 0; i + n <= m->block_count; i++) {
        if ((uintptr_t)block_model_address(m, i) % align != 0) continue;
        if (free_after[i] >= n) return i;
    }
    return BLOCK_MODEL_NONE;
}

FUZZ_NO_COVERAGE static void mark(block_model *m, size_t from, size_t n, bool used) {
    for (size_t i = from; i < from + n; i++) {
        FUZZ_CHECK(m->used[i] != used, "model: block %zu already %s", i, used ? "used" : "free");
        m->used[i] = used;
    }
    if (used) {
        m->used_blocks += n;
        if (m->used_blocks > m->peak_blocks) m->peak_blocks = m->used_blocks;
    } else {
        m->used_blocks -= n;
    }
}

FUZZ_NO_COVERAGE size_t block_model_alloc(block_model *m, size_t len, size_t align) {
    size_t i = block_model_find(m, len, align);
    if (i == BLOCK_MODEL_NONE) {
        m->oom++;
        return i;
    }
    mark(m, i, block_model_blocks(m, len), true);
    return i;
}

FUZZ_NO_COVERAGE bool block_model_resize(block_model *m, size_t index, size_t old_len,
                                         size_t new_len) {
    size_t old_n = block_model_blocks(m, old_len);
    size_t new_n = block_model_blocks(m, new_len);
    if (new_n <= old_n) {
        mark(m, index + new_n, old_n - new_n, false);
        return true;
    }
    if (index + new_n > m->block_count || !run_is_free(m, index + old_n, new_n - old_n)) {
        m->oom++;
        return false;
    }
    mark(m, index + old_n, new_n - old_n, true);
    return true;
}

FUZZ_NO_COVERAGE void block_model_free(block_model *m, size_t index, size_t len) {
    mark(m, index, block_model_blocks(m, len), false);
}

FUZZ_NO_COVERAGE void block_model_reset(block_model *m) {
    memset(m->used, 0, sizeof m->used);
    m->used_blocks = 0;
    m->peak_blocks = 0;
}

FUZZ_NO_COVERAGE size_t block_model_index_of(const block_model *m, const void *ptr) {
    uintptr_t p = (uintptr_t)ptr;
    FUZZ_CHECK(p >= m->base && (p - m->base) % m->block_bytes == 0,
               "model: %p is not a block address", ptr);
    return (p - m->base) / m->block_bytes;
}
