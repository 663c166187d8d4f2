#ifndef STASIS_FUZZ_CHOICE_H
#define STASIS_FUZZ_CHOICE_H

/*
 * Numbered, append-only choice tables: how a decoder picks an operation kind, a command or
 * an option word from input bytes so that saved inputs keep their meaning.
 *
 * A table names its entries by number (their index, fixed forever) and has an id space:
 * a constant, chosen once per table, at least the entry count. A choice reads one byte and
 * takes it modulo the id space (so the fuzzer's bytes land on entries densely). An id at or
 * past the table's count is unassigned: the choice is REFUSED, the cursor remembers it, and
 * the target returns -1 for the input (libFuzzer never keeps it; replay says so). No saved
 * input can therefore hold an unassigned id, and appending an entry (which assigns the next
 * id) changes the meaning of no saved input. Removing, reordering or renumbering entries,
 * or changing an id space, does: that needs a new format version (drivers/fuzz_target.h).
 *
 *   static const char *const op_names[] = {"alloc", "resize", "free", "reset"};
 *   static const choice_table ops = CHOICE_TABLE_INIT(op_names, 8);   // ids 4..7 unassigned
 *   uint32_t id = choice_read(&c, &ops);   // CHOICE_REFUSED: return -1 / describe says so
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/cursor.h"

#define CHOICE_REFUSED UINT32_MAX

typedef struct choice_table {
    const char *const *names; /* names[id]: the entry's name in describe output */
    uint32_t count;           /* assigned ids: 0 .. count - 1 */
    uint32_t id_space;        /* ids are byte % id_space; fixed for the format's lifetime */
} choice_table;

#define CHOICE_TABLE(names_array, space)                                                            \
    ((choice_table){.names = (names_array),                                                        \
                    .count = (uint32_t)(sizeof(names_array) / sizeof((names_array)[0])),           \
                    .id_space = (space)})

/*
 * Reads one byte and returns the entry id it chooses, or CHOICE_REFUSED (and marks the
 * cursor refused) when the id is unassigned. An exhausted cursor reads 0: entry 0.
 */
FUZZ_NO_COVERAGE static inline uint32_t choice_read(cursor *c, const choice_table *table) {
    ST_ASSERT(table->count >= 1);
    ST_ASSERT(table->count <= table->id_space);
    ST_ASSERT(table->id_space <= 256);
    uint32_t id = (uint32_t)cursor_u8(c) % table->id_space;
    if (id >= table->count) {
        c->refused = true;
        c->refused_id = id;
        return CHOICE_REFUSED;
    }
    return id;
}

/* The entry's name, or "unassigned" for CHOICE_REFUSED. */
FUZZ_NO_COVERAGE static inline const char *choice_name(const choice_table *table, uint32_t id) {
    return id < table->count ? table->names[id] : "unassigned";
}

/*
 * The initializer of a table at file scope (CHOICE_TABLE is a compound literal, which C11,
 * gcc -Wpedantic, does not accept as a static object's initializer).
 *   static const choice_table ops = CHOICE_TABLE_INIT(op_names, 8);
 */
#define CHOICE_TABLE_INIT(names_array, space)                                                      \
    {                                                                                              \
        .names = (names_array),                                                                    \
        .count = (uint32_t)(sizeof(names_array) / sizeof((names_array)[0])), .id_space = (space)   \
    }

/* choice_read, and the byte it read in *byte (0 when the input is exhausted). */
FUZZ_NO_COVERAGE static inline uint32_t choice_read_byte(cursor *c, const choice_table *table,
                                                         uint8_t *byte) {
    *byte = cursor_empty(c) ? 0 : c->data[c->pos];
    return choice_read(c, table);
}

/* One line for describe output: which table's unassigned id refused the input. */
FUZZ_NO_COVERAGE static inline void
choice_print_refused(FILE *out, const cursor *c, const char *what, const choice_table *table) {
    fprintf(out, "refused: %s id %u is unassigned (ids 0-%u of %u are), so the input is not run\n",
            what, c->refused_id, table->count - 1u, table->id_space);
}

/*
 * A choice byte may also carry flags in the bits the id space leaves over: an id space of
 * 2^k uses bits 0..k-1, so a flag in bit 7 never changes the id while 2^k <= 128.
 */

#endif
