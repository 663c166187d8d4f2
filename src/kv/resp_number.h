#ifndef STASIS_KV_RESP_NUMBER_H
#define STASIS_KV_RESP_NUMBER_H

/*
 * Integers as Redis reads and writes them. Parsing follows Redis's string2ll exactly,
 * because it decides which requests and arguments are valid: the whole slice must be
 * consumed; no sign but one leading '-'; no leading zeros ("0" alone is fine, "-0" is not);
 * no spaces or '+'; at most 20 bytes; the value must fit in int64. Pure, O(len).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest decimal int64 with its sign: "-9223372036854775808". */
#define RESP_INT64_TEXT_SIZE_MAX 20

/* True, with *out set, iff bytes[0, len) is a valid integer by the rules above. */
bool resp_parse_int64(const uint8_t *bytes, size_t len, int64_t *out);

/* Writes v in decimal (no NUL) into out[0, cap); returns its length. cap >= 20. */
size_t resp_format_int64(int64_t v, char *out, size_t cap);
size_t resp_format_u64(uint64_t v, char *out, size_t cap);

/* Decimal digits of v (1 for 0). */
size_t resp_u64_digits(uint64_t v);

#endif
