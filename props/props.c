/* The list of properties, and what every property shares. */
#include "props.h"

#include <ctype.h>

extern const prop_property prop_memory_bound;
extern const prop_property prop_capacity;
extern const prop_property prop_reservation;
extern const prop_property prop_rejected_unchanged;
extern const prop_property prop_allocator_algebra;
extern const prop_property prop_memory_sim;
#ifdef PROPS_SERVER
extern const prop_property prop_memory_server;
#endif

const prop_property *const prop_all[] = {
    &prop_memory_bound,       &prop_capacity,          &prop_reservation,
    &prop_rejected_unchanged, &prop_allocator_algebra, &prop_memory_sim,
#ifdef PROPS_SERVER
    &prop_memory_server,
#endif
};
const size_t prop_count = sizeof prop_all / sizeof prop_all[0];

uint64_t prop_random(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

#define RUN_SHOWN_MIN 9

void prop_print_bytes(FILE *out, const uint8_t *bytes, size_t len) {
    size_t run = 1;
    while (run < len && bytes[run] == bytes[0]) run++;
    if (len >= RUN_SHOWN_MIN && run == len) {
        if (isprint(bytes[0]) && bytes[0] != '\'' && bytes[0] != '\\') {
            fprintf(out, "'%c'*%zu", bytes[0], len);
        } else {
            fprintf(out, "'\\x%02x'*%zu", bytes[0], len);
        }
        return;
    }
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        uint8_t b = bytes[i];
        if (b == '"' || b == '\\') {
            fprintf(out, "\\%c", b);
        } else if (isprint(b)) {
            fputc(b, out);
        } else {
            fprintf(out, "\\x%02x", b);
        }
    }
    fputc('"', out);
}
