#include "alloc/arena.h"

#include <string.h>

#include "alloc/poison.h"

struct arena_chunk {
    arena_chunk *next;
    size_t bytes; /* the length the parent handed out, header included */
};

ST_STATIC_ASSERT(sizeof(arena_chunk) == ARENA_CHUNK_HEADER_BYTES);
ST_STATIC_ASSERT(ARENA_CHUNK_HEADER_BYTES % ARENA_CHUNK_ALIGN_BYTES == 0);

void arena_init(arena *a, allocator parent, size_t chunk_bytes_min) {
    ST_ASSERT(a != NULL);
    ST_ASSERT(parent.vtable != NULL);
    memset(a, 0, sizeof *a);
    a->parent = parent;
    a->chunk_bytes_min = chunk_bytes_min;
}

static inline uint8_t *chunk_data(const arena_chunk *c) {
    return (uint8_t *)(uintptr_t)c + ARENA_CHUNK_HEADER_BYTES;
}

static inline size_t chunk_usable(const arena_chunk *c) {
    return c->bytes - ARENA_CHUNK_HEADER_BYTES;
}

/* The offset of a len-byte block aligned to align placed at `offset` in c, or SIZE_MAX if it
 * does not fit. */
static inline size_t fit_in_chunk(const arena_chunk *c, size_t offset, size_t len, size_t align) {
    uintptr_t at = (uintptr_t)(chunk_data(c) + offset);
    size_t padding = (size_t)((0u - at) & ((uintptr_t)align - 1u));
    size_t left = chunk_usable(c) - offset;
    if (padding > left || len > left - padding) return SIZE_MAX;
    return offset + padding;
}

/* Hands out [start, start + len) of the current chunk. */
static inline void *bump(arena *a, size_t start, size_t len) {
    size_t before = a->end_index;
    a->end_index = start + len;
    a->allocated_bytes += a->end_index - before;
    if (a->allocated_bytes > a->peak_bytes) a->peak_bytes = a->allocated_bytes;
    uint8_t *block = chunk_data(a->current) + start;
    mem_unpoison_undefined(block, len);
    ST_ASSERT(a->end_index <= chunk_usable(a->current));
    return block;
}

/* Takes a chunk for a len-byte block aligned to align from the parent and appends it; NULL
 * (and nothing changed) iff the size overflows or the parent refuses. */
static arena_chunk *new_chunk(arena *a, size_t len, size_t align) {
    /* The data starts 16-aligned: a larger alignment needs at most align - 16 bytes more. */
    size_t slack = align > ARENA_CHUNK_ALIGN_BYTES ? align - ARENA_CHUNK_ALIGN_BYTES : 0;
    if (len > SIZE_MAX - ARENA_CHUNK_HEADER_BYTES - slack) return NULL;
    size_t bytes = ARENA_CHUNK_HEADER_BYTES + slack + len;
    if (bytes < a->chunk_bytes_min) bytes = a->chunk_bytes_min;
    arena_chunk *c = allocator_alloc(a->parent, bytes, ARENA_CHUNK_ALIGN_BYTES);
    if (c == NULL) return NULL;
    c->next = NULL;
    c->bytes = bytes;
    mem_poison(chunk_data(c), chunk_usable(c));
    if (a->last != NULL) {
        a->last->next = c;
    } else {
        a->first = c;
    }
    a->last = c;
    a->chunk_count++;
    a->held_bytes += chunk_usable(c);
    return c;
}

STASIS_FAST_PATH void *arena_alloc(arena *a, size_t len, size_t align) {
    ST_ASSERT(allocator_align_valid(align));
    if (len == 0) return ALLOCATOR_ZERO_LENGTH(align);
    if (a->current != NULL) {
        size_t start = fit_in_chunk(a->current, a->end_index, len, align);
        if (start != SIZE_MAX) return bump(a, start, len);
        /* A retained chunk after the current one is empty: the first it fits in. */
        for (arena_chunk *c = a->current->next; c != NULL; c = c->next) {
            start = fit_in_chunk(c, 0, len, align);
            if (start == SIZE_MAX) continue;
            a->current = c;
            a->end_index = 0;
            return bump(a, start, len);
        }
    }
    arena_chunk *c = new_chunk(a, len, align);
    if (c == NULL) {
        a->oom_count++;
        return NULL;
    }
    a->current = c;
    a->end_index = 0;
    size_t start = fit_in_chunk(c, 0, len, align);
    ST_ASSERT(start != SIZE_MAX); /* sized for it */
    return bump(a, start, len);
}

/* True iff [ptr, ptr + len) ends at the current chunk's end index. */
static inline bool is_last(const arena *a, const void *ptr, size_t len) {
    return a->current != NULL &&
           (const uint8_t *)ptr + len == chunk_data(a->current) + a->end_index;
}

bool arena_resize(arena *a, void *ptr, size_t old_len, size_t new_len, size_t align) {
    ST_ASSERT(allocator_align_valid(align));
    ST_ASSERT(new_len > 0);
    ST_ASSERT(((uintptr_t)ptr & (align - 1u)) == 0u);
    uint8_t *block = ptr;
    if (!is_last(a, ptr, old_len)) {
        if (new_len > old_len) return false;
        mem_poison(block + new_len, old_len - new_len);
        return true;
    }
    size_t start = (size_t)(block - chunk_data(a->current));
    if (new_len > chunk_usable(a->current) - start) {
        a->oom_count++;
        return false;
    }
    if (new_len > old_len) {
        mem_unpoison_undefined(block + old_len, new_len - old_len);
        a->allocated_bytes += new_len - old_len;
        if (a->allocated_bytes > a->peak_bytes) a->peak_bytes = a->allocated_bytes;
    } else {
        mem_poison(block + new_len, old_len - new_len);
        a->allocated_bytes -= old_len - new_len;
    }
    a->end_index = start + new_len;
    return true;
}

STASIS_FAST_PATH void arena_free(arena *a, void *ptr, size_t len, size_t align) {
    ST_ASSERT(allocator_align_valid(align));
    ST_ASSERT(len > 0);
    ST_ASSERT(((uintptr_t)ptr & (align - 1u)) == 0u);
    mem_poison(ptr, len);
    if (!is_last(a, ptr, len)) return;
    ST_ASSERT(a->allocated_bytes >= len);
    a->end_index -= len;
    a->allocated_bytes -= len;
}

/* Returns a chunk to the parent as the parent handed it out: whole and addressable. */
static void give_back_chunk(arena *a, arena_chunk *c) {
    size_t bytes = c->bytes;
    mem_unpoison(c, bytes);
    a->chunk_count--;
    a->held_bytes -= bytes - ARENA_CHUNK_HEADER_BYTES;
    allocator_free(a->parent, c, bytes, ARENA_CHUNK_ALIGN_BYTES);
}

/* Keeps chunks, in order, while their usable bytes fit the budget; returns the rest. */
static void keep_within(arena *a, size_t budget) {
    arena_chunk *c = a->first;
    a->first = NULL;
    a->last = NULL;
    size_t kept = 0;
    while (c != NULL) {
        arena_chunk *next = c->next;
#ifdef STASIS_CANARY_ARENA_LIMIT_OVERSHOOT
        /* Planted bug: a chunk is kept while the total before it is under the limit. */
        bool keep = kept < budget;
#else
        bool keep = chunk_usable(c) <= budget - kept;
#endif
        if (keep) {
            kept += chunk_usable(c);
            c->next = NULL;
            if (a->last != NULL) {
                a->last->next = c;
            } else {
                a->first = c;
            }
            a->last = c;
        } else {
            give_back_chunk(a, c);
        }
        c = next;
    }
}

void arena_reset(arena *a, arena_reset_mode mode, size_t limit_bytes) {
    ST_ASSERT(mode == ARENA_FREE_ALL || mode == ARENA_RETAIN_CAPACITY ||
              mode == ARENA_RETAIN_WITH_LIMIT);
    /* Chunks up to the current one were bumped through: poison what they handed out. Those
     * after it were never used since the last reset, and are poisoned already. */
    for (arena_chunk *c = a->first; a->current != NULL && c != NULL; c = c->next) {
        mem_poison(chunk_data(c), chunk_usable(c));
        if (c == a->current) break;
    }
    size_t budget = mode == ARENA_FREE_ALL          ? 0
                    : mode == ARENA_RETAIN_CAPACITY ? SIZE_MAX
                                                    : limit_bytes;
    keep_within(a, budget);
    a->current = a->first;
    a->end_index = 0;
    a->allocated_bytes = 0;
    a->peak_bytes = 0;
}

size_t arena_capacity_bytes(const arena *a) { return a->held_bytes; }

size_t arena_chunk_count(const arena *a) { return a->chunk_count; }

allocator_diagnostics arena_diagnostics(const arena *a) {
    return (allocator_diagnostics){
        .capacity_bytes = a->held_bytes,
        .allocated_bytes = a->allocated_bytes,
        .peak_allocated_bytes = a->peak_bytes,
        .oom_count = a->oom_count,
    };
}

static void *arena_vtable_alloc(void *ctx, size_t len, size_t align) {
    return arena_alloc(ctx, len, align);
}

static bool arena_vtable_resize(void *ctx, void *ptr, size_t old_len, size_t new_len,
                                size_t align) {
    return arena_resize(ctx, ptr, old_len, new_len, align);
}

static void arena_vtable_free(void *ctx, void *ptr, size_t len, size_t align) {
    arena_free(ctx, ptr, len, align);
}

static const allocator_vtable arena_vtable = {
    .alloc = arena_vtable_alloc,
    .resize = arena_vtable_resize,
    .free = arena_vtable_free,
};

allocator arena_allocator(arena *a) { return (allocator){.ctx = a, .vtable = &arena_vtable}; }

bool arena_invariants_hold(const arena *a) {
    if (a->parent.vtable == NULL) return false;
    bool empty = a->chunk_count == 0;
    if ((a->first == NULL) != empty || (a->last == NULL) != empty) return false;
    if ((a->current == NULL) != empty) return false;
    if (empty && (a->held_bytes != 0 || a->end_index != 0)) return false;
    if (!empty && a->end_index > chunk_usable(a->current)) return false;
    if (a->allocated_bytes > a->held_bytes) return false;
    if (a->peak_bytes < a->allocated_bytes) return false;
    return true;
}

bool arena_invariants_hold_full(const arena *a) {
    if (!arena_invariants_hold(a)) return false;
    size_t count = 0;
    size_t held = 0;
    bool past_current = false;
    const arena_chunk *tail = NULL;
    for (const arena_chunk *c = a->first; c != NULL; c = c->next) {
        if (count++ == a->chunk_count) return false; /* longer than counted: a cycle? */
        if (c->bytes < ARENA_CHUNK_HEADER_BYTES) return false;
        if ((uintptr_t)c % ARENA_CHUNK_ALIGN_BYTES != 0) return false;
        held += chunk_usable(c);
        const uint8_t *unused = past_current ? chunk_data(c) : chunk_data(c) + a->end_index;
        if ((past_current || c == a->current) &&
            !mem_granules_poisoned(unused, chunk_data(c) + chunk_usable(c))) {
            return false;
        }
        if (c == a->current) past_current = true;
        tail = c;
    }
    if (count != a->chunk_count || held != a->held_bytes) return false;
    return tail == a->last && (a->current == NULL || past_current);
}
