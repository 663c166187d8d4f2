#ifndef STASIS_CHECKING_H
#define STASIS_CHECKING_H

/*
 * Checking wrapper: passes allocations to a child allocator and checks how the caller uses
 * them, as Zig's DebugAllocator does in its safe modes.
 *
 *  - Guard bytes: each block gets guard_bytes of a known pattern right before and right after
 *    it (the child is asked for more); they are verified when the block is resized or freed,
 *    and by checking_verify_guards(). This covers what ASan's 8-byte granules miss: a write
 *    one byte past a 5-byte block lands in a granule ASan must leave addressable. Under ASan
 *    the guards are poisoned as well, so a write past them is reported on the spot.
 *  - Every live block is recorded (address, length, alignment, serial number) in a table in
 *    caller memory, so free and resize detect: a pointer that was never handed out
 *    (invalid), one freed recently (double free: the last CHECKING_FREED_HISTORY frees are
 *    remembered), and a length or alignment other than the block's.
 *  - Poison on free: the block's bytes are overwritten with CHECKING_FREED_BYTE before the
 *    child gets it back, so a use after free reads garbage even without ASan.
 *  - Leak report: checking_live_blocks() lists the live blocks, checking_report_leaks()
 *    writes them to a file descriptor (write(2), nothing allocated).
 *  - Memory limit: an allocation or growth that would bring the bytes live (lengths as asked)
 *    above limit_bytes is refused, as is one past blocks_max live blocks.
 *
 * What a detected error does depends on params.on_error: CHECKING_ABORT (the default for
 * a server) writes a line naming the error and the block and aborts like ST_ASSERT;
 * CHECKING_REPORT counts it and records it (checking_last_error) and otherwise ignores the
 * offending free or resize: nothing is freed, nothing resized (tests and fuzz targets use
 * it to see the detection). A guard found overwritten is reported, and the free or resize
 * then goes ahead: the block itself is valid.
 *
 * Cost: O(1) expected per call (open addressing on the block's address, linear probing,
 * the table at most half full) plus O(guard_bytes) and, on free, O(len) for the poison fill,
 * plus the child's cost. Init is O(table entries).
 * Accounting: capacity = limit_bytes (SIZE_MAX without a limit); allocated = bytes live as
 * the callers asked them, guards excluded; oom_count = allocations refused (limit, table, or
 * the child) and growths refused by the limit.
 *
 * Fields are private: read them through the functions below.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/allocator.h"

#define CHECKING_BLOCKS_MAX      ((uint32_t)1 << 24)
#define CHECKING_GUARD_BYTES_MAX ((uint32_t)256)
#define CHECKING_FREED_HISTORY   16u
#define CHECKING_NO_LIMIT        SIZE_MAX

/* The guard pattern, and what a freed block is overwritten with. */
#define CHECKING_GUARD_BYTE ((uint8_t)0xab)
#define CHECKING_FREED_BYTE ((uint8_t)0xdd)

typedef enum checking_error {
    CHECKING_OK = 0,
    CHECKING_DOUBLE_FREE = 1,     /* free or resize of a block freed recently */
    CHECKING_INVALID_POINTER = 2, /* free or resize of a pointer that is not a live block */
    CHECKING_WRONG_LENGTH = 3,    /* free or resize with another length than the block's */
    CHECKING_WRONG_ALIGNMENT = 4, /* free or resize with another alignment than the block's */
    CHECKING_GUARD_BEFORE = 5,    /* the guard before the block was overwritten */
    CHECKING_GUARD_AFTER = 6,     /* the guard after the block was overwritten */
} checking_error;

typedef enum checking_on_error {
    CHECKING_ABORT = 0,
    CHECKING_REPORT = 1,
} checking_on_error;

typedef struct checking_params {
    uint32_t blocks_max;  /* live blocks it can track, 1 ..= CHECKING_BLOCKS_MAX */
    uint32_t guard_bytes; /* before and after each block, 0 ..= CHECKING_GUARD_BYTES_MAX */
    size_t limit_bytes;   /* most bytes live at once; CHECKING_NO_LIMIT for none */
    checking_on_error on_error;
} checking_params;

/* One live block, as checking_live_blocks() lists it. */
typedef struct checking_block {
    void *ptr;
    size_t len;
    size_t align;
    uint64_t serial; /* 1 for the first block handed out since init, and so on */
} checking_block;

typedef struct checking_freed {
    const void *ptr;
    uint64_t serial;
} checking_freed;

typedef struct checking {
    allocator child;
    checking_block *table; /* open addressing on ptr; ptr NULL = empty */
    uint32_t table_mask;
    uint32_t blocks_max;
    uint32_t guard_bytes;
    checking_on_error on_error;
    size_t limit_bytes;
    uint32_t live_count;
    size_t live_bytes;
    size_t peak_bytes;
    uint64_t next_serial;
    uint64_t oom_count;
    uint64_t error_count;
    checking_error last_error;
    const void *last_error_ptr;
    checking_freed freed[CHECKING_FREED_HISTORY]; /* ring of the latest frees */
    uint32_t freed_next;
} checking;

/* True iff the parameters are within the limits above. */
bool checking_params_valid(checking_params params);

/*
 * The exact bytes checking_init needs for its table: the smallest power of two >= 2 *
 * blocks_max entries of sizeof(checking_block). The memory must be aligned to
 * _Alignof(checking_block). Pure, O(1).
 */
size_t checking_memory_bytes(checking_params params);

/* Wraps `child`, with memory[0, memory_bytes) for its table. Preconditions: params valid,
 * memory_bytes == checking_memory_bytes(params), memory aligned. O(table entries). */
void checking_init(checking *c, allocator child, void *memory, size_t memory_bytes,
                   checking_params params);

allocator checking_allocator(checking *c);

/* Verifies every live block's guards; reports each overwritten one (see on_error) and returns
 * how many there were. O(table entries + live blocks * guard_bytes). */
size_t checking_verify_guards(checking *c);

/* Writes up to out_max live blocks to out (any order); returns how many are live. */
size_t checking_live_blocks(const checking *c, checking_block *out, size_t out_max);

/* Writes one line per live block ("checking: leak: block #<serial> <address> len <n> align
 * <a>") and a summary to fd; returns the number of live blocks. O(table entries). */
size_t checking_report_leaks(const checking *c, int fd);

uint32_t checking_live_count(const checking *c);

/* Errors detected since init, and the latest (CHECKING_OK if none) with its pointer. */
uint64_t checking_error_count(const checking *c);
checking_error checking_last_error(const checking *c);
const void *checking_last_error_pointer(const checking *c);

/* The error as words ("double free", ...). */
const char *checking_error_name(checking_error error);

allocator_diagnostics checking_diagnostics(const checking *c);

/* Counters within their limits (live <= blocks_max, live bytes <= limit, peak >= live). O(1). */
bool checking_invariants_hold(const checking *c);

/* invariants_hold, plus a walk of the table: its live records number live_count and sum to
 * live_bytes, and each is found where a lookup looks. O(table entries). */
bool checking_invariants_hold_full(const checking *c);

#endif
