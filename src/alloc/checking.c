#include "alloc/checking.h"

#include <string.h>
#include <unistd.h>

#include "alloc/poison.h"

/* ---- messages without stdio (the checking wrapper may run where nothing may allocate) ---- */

typedef struct text {
    char buf[320];
    size_t len;
} text;

static void text_add(text *t, const char *s) {
    size_t n = strlen(s);
    size_t room = sizeof t->buf - 1 - t->len;
    if (n > room) n = room;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static void text_add_number(text *t, uint64_t value, unsigned base) {
    char digits[24];
    size_t n = 0;
    do {
        digits[sizeof digits - 1 - n] = "0123456789abcdef"[value % base];
        n++;
        value /= base;
    } while (value != 0 && n < sizeof digits - 1);
    char out[25];
    memcpy(out, digits + sizeof digits - n, n);
    out[n] = '\0';
    if (base == 16) text_add(t, "0x");
    text_add(t, out);
}

/* ---- the table of live blocks ---- */

bool checking_params_valid(checking_params params) {
    if (params.blocks_max == 0 || params.blocks_max > CHECKING_BLOCKS_MAX) return false;
    if (params.guard_bytes > CHECKING_GUARD_BYTES_MAX) return false;
    return params.on_error == CHECKING_ABORT || params.on_error == CHECKING_REPORT;
}

static size_t table_entries(checking_params params) {
    size_t entries = 2;
    while (entries < 2u * (size_t)params.blocks_max)
        entries *= 2;
    return entries;
}

size_t checking_memory_bytes(checking_params params) {
    ST_ASSERT(checking_params_valid(params));
    return table_entries(params) * sizeof(checking_block);
}

void checking_init(checking *c, allocator child, void *memory, size_t memory_bytes,
                   checking_params params) {
    ST_ASSERT(c != NULL);
    ST_ASSERT(child.vtable != NULL);
    ST_ASSERT(memory != NULL);
    ST_ASSERT(memory_bytes == checking_memory_bytes(params));
    ST_ASSERT((uintptr_t)memory % _Alignof(checking_block) == 0);
    memset(c, 0, sizeof *c);
    c->child = child;
    c->table = memory;
    c->table_mask = (uint32_t)(table_entries(params) - 1u);
    c->blocks_max = params.blocks_max;
    c->guard_bytes = params.guard_bytes;
    c->limit_bytes = params.limit_bytes;
    c->on_error = params.on_error;
    c->next_serial = 1;
    mem_unpoison(memory, memory_bytes);
    memset(memory, 0, memory_bytes);
}

static uint32_t home_slot(const checking *c, const void *ptr) {
    uint64_t h = ((uint64_t)(uintptr_t)ptr >> 3) * UINT64_C(0x9e3779b97f4a7c15);
    return (uint32_t)(h >> 32) & c->table_mask;
}

/* The record of the live block at ptr, or NULL. The table is at most half full, so a probe
 * always reaches an empty entry. */
static checking_block *find_block(const checking *c, const void *ptr) {
    for (uint32_t i = home_slot(c, ptr);; i = (i + 1u) & c->table_mask) {
        checking_block *b = &c->table[i];
        if (b->ptr == NULL) return NULL;
        if (b->ptr == ptr) return b;
    }
}

static void insert_block(checking *c, checking_block record) {
    uint32_t i = home_slot(c, record.ptr);
    while (c->table[i].ptr != NULL)
        i = (i + 1u) & c->table_mask;
    c->table[i] = record;
}

/* Removes a record, shifting later entries of the probe chain back (no tombstones). */
static void remove_block(checking *c, checking_block *b) {
    uint32_t hole = (uint32_t)(b - c->table);
    for (uint32_t j = (hole + 1u) & c->table_mask; c->table[j].ptr != NULL;
         j = (j + 1u) & c->table_mask) {
        uint32_t home = home_slot(c, c->table[j].ptr);
        /* Entry j may fill the hole iff its home is not cyclically within (hole, j]. */
        bool home_after_hole = ((j - home) & c->table_mask) < ((j - hole) & c->table_mask);
        if (home_after_hole) continue;
        c->table[hole] = c->table[j];
        hole = j;
    }
    c->table[hole] = (checking_block){0};
}

/* ---- errors ---- */

const char *checking_error_name(checking_error error) {
    switch (error) {
    case CHECKING_OK: return "ok";
    case CHECKING_DOUBLE_FREE: return "double free";
    case CHECKING_INVALID_POINTER: return "invalid pointer";
    case CHECKING_WRONG_LENGTH: return "wrong length";
    case CHECKING_WRONG_ALIGNMENT: return "wrong alignment";
    case CHECKING_GUARD_BEFORE: return "guard before the block overwritten";
    case CHECKING_GUARD_AFTER: return "guard after the block overwritten";
    }
    return "?";
}

/* Records an error; in abort mode, names it and the block and stops the process. */
static void report(checking *c, checking_error error, const void *ptr, const checking_block *b,
                   size_t len, size_t align) {
    c->error_count++;
    c->last_error = error;
    c->last_error_ptr = ptr;
    if (c->on_error == CHECKING_REPORT) return;
    text t = {.len = 0};
    text_add(&t, "checking: ");
    text_add(&t, checking_error_name(error));
    text_add(&t, " at ");
    text_add_number(&t, (uintptr_t)ptr, 16);
    text_add(&t, " (called with len ");
    text_add_number(&t, len, 10);
    text_add(&t, " align ");
    text_add_number(&t, align, 10);
    if (b != NULL) {
        text_add(&t, "; block #");
        text_add_number(&t, b->serial, 10);
        text_add(&t, " has len ");
        text_add_number(&t, b->len, 10);
        text_add(&t, " align ");
        text_add_number(&t, b->align, 10);
    }
    text_add(&t, ")");
    stasis_assert_fail(t.buf, __FILE__, __LINE__, __func__);
}

/* ---- guards ---- */

static size_t lead_bytes(const checking *c, size_t align) {
    return c->guard_bytes == 0 ? 0 : (size_t)align_forward(c->guard_bytes, align);
}

/* Guards are poisoned under ASan; the check reads them uninstrumented. */
STASIS_NO_ASAN static bool all_guard(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (p[i] != CHECKING_GUARD_BYTE) return false;
    }
    return true;
}

/* Lays the guards around a block of len bytes at user, and poisons them. */
static void write_guards(const checking *c, uint8_t *user, size_t len, size_t lead) {
    memset(user - lead, CHECKING_GUARD_BYTE, lead);
    mem_poison(user - lead, lead);
    memset(user + len, CHECKING_GUARD_BYTE, c->guard_bytes);
    mem_poison(user + len, c->guard_bytes);
}

/* Checks a block's guards; reports an overwritten one. True iff both are intact. */
static bool guards_intact(checking *c, const checking_block *b) {
    const uint8_t *user = b->ptr;
#ifdef STASIS_CANARY_CHECKING_GUARD_AFTER_UNCHECKED
    /* Planted bug: the guard after the block is never looked at. */
    bool after_ok = true;
#else
    bool after_ok = all_guard(user + b->len, c->guard_bytes);
#endif
    if (!all_guard(user - lead_bytes(c, b->align), lead_bytes(c, b->align))) {
        report(c, CHECKING_GUARD_BEFORE, b->ptr, b, b->len, b->align);
        return false;
    }
    if (!after_ok) {
        report(c, CHECKING_GUARD_AFTER, b->ptr, b, b->len, b->align);
        return false;
    }
    return true;
}

/* ---- the allocator interface ---- */

static void *checking_alloc(void *ctx, size_t len, size_t align) {
    checking *c = ctx;
    size_t lead = lead_bytes(c, align);
    bool refused = c->live_count == c->blocks_max || len > c->limit_bytes - c->live_bytes ||
                   len > SIZE_MAX - lead - c->guard_bytes;
    uint8_t *raw = refused ? NULL : allocator_alloc(c->child, lead + len + c->guard_bytes, align);
    if (raw == NULL) {
        c->oom_count++;
        return NULL;
    }
    uint8_t *user = raw + lead;
    write_guards(c, user, len, lead);
    insert_block(
        c, (checking_block){.ptr = user, .len = len, .align = align, .serial = c->next_serial++});
    c->live_count++;
    c->live_bytes += len;
    if (c->live_bytes > c->peak_bytes) c->peak_bytes = c->live_bytes;
    return user;
}

/* The live record for a free or resize of (ptr, len, align), or NULL after reporting why
 * there is none, or why it does not match. */
static checking_block *block_for(checking *c, const void *ptr, size_t len, size_t align) {
    checking_block *b = find_block(c, ptr);
    if (b == NULL) {
        checking_error why = CHECKING_INVALID_POINTER;
        for (uint32_t i = 0; i < CHECKING_FREED_HISTORY; i++) {
            if (c->freed[i].ptr == ptr) why = CHECKING_DOUBLE_FREE;
        }
        report(c, why, ptr, NULL, len, align);
        return NULL;
    }
    if (b->len != len) {
        report(c, CHECKING_WRONG_LENGTH, ptr, b, len, align);
        return NULL;
    }
    if (b->align != align) {
        report(c, CHECKING_WRONG_ALIGNMENT, ptr, b, len, align);
        return NULL;
    }
    return b;
}

static bool checking_resize(void *ctx, void *ptr, size_t old_len, size_t new_len, size_t align) {
    checking *c = ctx;
    checking_block *b = block_for(c, ptr, old_len, align);
    if (b == NULL) return false;
    (void)guards_intact(c, b);
    if (new_len > old_len && new_len - old_len > c->limit_bytes - c->live_bytes) {
        c->oom_count++;
        return false;
    }
    size_t lead = lead_bytes(c, align);
    uint8_t *user = ptr;
    size_t g = c->guard_bytes;
    /* The child sees its block as it handed it out: the old trailing guard addressable. */
    mem_unpoison(user + old_len, g);
    if (!allocator_resize(c->child, user - lead, lead + old_len + g, lead + new_len + g, align)) {
        mem_poison(user + old_len, g);
        return false;
    }
    if (new_len > old_len) mem_unpoison_undefined(user + old_len, new_len - old_len);
    memset(user + new_len, CHECKING_GUARD_BYTE, g);
    mem_poison(user + new_len, g);
    c->live_bytes = c->live_bytes - old_len + new_len;
    if (c->live_bytes > c->peak_bytes) c->peak_bytes = c->live_bytes;
    b->len = new_len;
    return true;
}

static void checking_free(void *ctx, void *ptr, size_t len, size_t align) {
    checking *c = ctx;
    checking_block *b = block_for(c, ptr, len, align);
    if (b == NULL) return;
    (void)guards_intact(c, b);
    uint64_t serial = b->serial;
    remove_block(c, b);
    ST_ASSERT(c->live_count > 0);
    ST_ASSERT(c->live_bytes >= len);
    c->live_count--;
    c->live_bytes -= len;
    c->freed[c->freed_next] = (checking_freed){.ptr = ptr, .serial = serial};
    c->freed_next = (c->freed_next + 1u) % CHECKING_FREED_HISTORY;
    size_t lead = lead_bytes(c, align);
    uint8_t *raw = (uint8_t *)ptr - lead;
    size_t raw_len = lead + len + c->guard_bytes;
    memset(ptr, CHECKING_FREED_BYTE, len); /* a use after free reads garbage */
    mem_unpoison(raw, raw_len);            /* the child gets its block back as it gave it */
    allocator_free(c->child, raw, raw_len, align);
}

static const allocator_vtable checking_vtable = {
    .alloc = checking_alloc,
    .resize = checking_resize,
    .free = checking_free,
};

allocator checking_allocator(checking *c) {
    return (allocator){.ctx = c, .vtable = &checking_vtable};
}

/* ---- reports and diagnostics ---- */

size_t checking_verify_guards(checking *c) {
    size_t bad = 0;
    for (uint32_t i = 0; i <= c->table_mask; i++) {
        if (c->table[i].ptr != NULL && !guards_intact(c, &c->table[i])) bad++;
    }
    return bad;
}

size_t checking_live_blocks(const checking *c, checking_block *out, size_t out_max) {
    size_t n = 0;
    for (uint32_t i = 0; i <= c->table_mask; i++) {
        if (c->table[i].ptr == NULL) continue;
        if (n < out_max) out[n] = c->table[i];
        n++;
    }
    return n;
}

static void write_text(int fd, const text *t) {
    /* Best effort, as for assertion messages: there is nowhere else to report to. */
    ssize_t ignored = write(fd, t->buf, t->len);
    (void)ignored;
}

size_t checking_report_leaks(const checking *c, int fd) {
    size_t n = 0;
    for (uint32_t i = 0; i <= c->table_mask; i++) {
        const checking_block *b = &c->table[i];
        if (b->ptr == NULL) continue;
        text t = {.len = 0};
        text_add(&t, "checking: leak: block #");
        text_add_number(&t, b->serial, 10);
        text_add(&t, " ");
        text_add_number(&t, (uintptr_t)b->ptr, 16);
        text_add(&t, " len ");
        text_add_number(&t, b->len, 10);
        text_add(&t, " align ");
        text_add_number(&t, b->align, 10);
        text_add(&t, "\n");
        write_text(fd, &t);
        n++;
    }
    text t = {.len = 0};
    text_add(&t, "checking: ");
    text_add_number(&t, n, 10);
    text_add(&t, " live block(s), ");
    text_add_number(&t, c->live_bytes, 10);
    text_add(&t, " bytes\n");
    write_text(fd, &t);
    return n;
}

uint32_t checking_live_count(const checking *c) { return c->live_count; }

uint64_t checking_error_count(const checking *c) { return c->error_count; }

checking_error checking_last_error(const checking *c) { return c->last_error; }

const void *checking_last_error_pointer(const checking *c) { return c->last_error_ptr; }

allocator_diagnostics checking_diagnostics(const checking *c) {
    return (allocator_diagnostics){
        .capacity_bytes = c->limit_bytes,
        .allocated_bytes = c->live_bytes,
        .peak_allocated_bytes = c->peak_bytes,
        .oom_count = c->oom_count,
    };
}

bool checking_invariants_hold(const checking *c) {
    if (c->child.vtable == NULL || c->table == NULL) return false;
    if (c->live_count > c->blocks_max) return false;
    if (2u * (size_t)c->blocks_max > (size_t)c->table_mask + 1u) return false;
    if (c->live_bytes > c->limit_bytes || c->peak_bytes < c->live_bytes) return false;
    if ((c->live_count == 0) && c->live_bytes != 0) return false;
    if (c->freed_next >= CHECKING_FREED_HISTORY) return false;
    return true;
}

bool checking_invariants_hold_full(const checking *c) {
    if (!checking_invariants_hold(c)) return false;
    uint32_t live = 0;
    size_t bytes = 0;
    for (uint32_t i = 0; i <= c->table_mask; i++) {
        const checking_block *b = &c->table[i];
        if (b->ptr == NULL) continue;
        if (find_block(c, b->ptr) != b) return false; /* not where a lookup looks */
        if (!allocator_align_valid(b->align) || (uintptr_t)b->ptr % b->align != 0) return false;
        if (b->serial == 0 || b->serial >= c->next_serial) return false;
        live++;
        bytes += b->len;
    }
    return live == c->live_count && bytes == c->live_bytes;
}
