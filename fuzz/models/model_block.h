#ifndef STASIS_FUZZ_MODEL_BLOCK_H
#define STASIS_FUZZ_MODEL_BLOCK_H

/*
 * The reference model of a first-fit block heap (the block allocator, and the block
 * allocator behind an arena, a stack fallback or a checking wrapper). Written for obviousness,
 * not speed: an array of booleans, and for each request a scan of every candidate index in
 * address order, alignment judged from the candidate's address. O(L) per request; L is at most
 * BLOCK_MODEL_BLOCKS_MAX.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLOCK_MODEL_BLOCKS_MAX 512
#define BLOCK_MODEL_NONE       SIZE_MAX

typedef struct block_model {
    uintptr_t base;
    size_t block_bytes;
    size_t block_count;
    size_t used_blocks;
    size_t peak_blocks;
    uint64_t oom;
    bool used[BLOCK_MODEL_BLOCKS_MAX];
} block_model;

void block_model_init(block_model *m, const void *base, size_t block_count, size_t block_bytes);

/* ceil(len / B). */
size_t block_model_blocks(const block_model *m, size_t len);

/* The index first fit picks for (len > 0, align), or BLOCK_MODEL_NONE; does not change m. */
size_t block_model_find(const block_model *m, size_t len, size_t align);

/* Takes what block_model_find picks; BLOCK_MODEL_NONE (and oom++) if nothing fits. */
size_t block_model_alloc(block_model *m, size_t len, size_t align);

/* Grows or shrinks in place the allocation at index; false (oom++) if it cannot grow. */
bool block_model_resize(block_model *m, size_t index, size_t old_len, size_t new_len);

void block_model_free(block_model *m, size_t index, size_t len);

/* All free, peak 0 (oom kept). */
void block_model_reset(block_model *m);

/* The address of block index. */
static inline uint8_t *block_model_address(const block_model *m, size_t index) {
    return (uint8_t *)(m->base + index * m->block_bytes);
}

/* The index of the block at ptr (which must be one of the model's block addresses). */
size_t block_model_index_of(const block_model *m, const void *ptr);

#endif
