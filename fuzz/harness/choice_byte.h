#ifndef STASIS_FUZZ_CHOICE_BYTE_H
#define STASIS_FUZZ_CHOICE_BYTE_H

/*
 * Helpers beside harness/choice.h for decoders whose choice byte also carries flags in
 * the bits the id space leaves over (a power-of-two id space of 2^k uses bits 0..k-1; a flag
 * in bit 7 never changes the id when 2^k <= 128), and for describing a refused input.
 */

#include <stdio.h>

#include "harness/choice.h"
#include "harness/cursor.h"

/*
 * CHOICE_TABLE's initializer for a table at file scope: CHOICE_TABLE is a compound literal,
 * which C11 (gcc -Wpedantic) does not accept as a static object's initializer.
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

#endif
