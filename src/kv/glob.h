#ifndef STASIS_KV_GLOB_H
#define STASIS_KV_GLOB_H

/*
 * Glob matching with Redis's rules (KEYS, SCAN MATCH, CONFIG GET): `*` any run, `?` one
 * byte, `[abc]`, `[^abc]`, `[a-z]` (reversed ranges are swapped; bytes compare as signed
 * chars, as in Redis), `\x` a literal x (inside brackets too); an unterminated `[` class
 * ends at the end of the pattern. Binary-safe (lengths, not NUL).
 *
 * Iterative, with one backtracking point (the last `*`): O(pattern * string) in the worst
 * case, no recursion, so a client's pattern cannot exhaust the stack (Redis's matcher
 * recurses once per `*`). Every token but `*` matches exactly one byte, which is what makes
 * the single backtracking point give the same answers as Redis's recursive search.
 */

#include <stdbool.h>
#include <stddef.h>

bool glob_match(const char *pattern, size_t pattern_len, const char *string, size_t string_len,
                bool nocase);

/*
 * The same match over a string that is not contiguous (a key stored as a chain of chunks):
 * byte_at(ctx, i) returns byte i (i < string_len). The matcher reads i = 0, 1, 2, ... and,
 * after a mismatch past a '*', restarts at a position larger than every earlier restart
 * position, so a reader that keeps its current position and its last restart position only
 * ever walks forward from one of the two.
 */
typedef char (*glob_byte_fn)(void *ctx, size_t i);
bool glob_match_by(const char *pattern, size_t pattern_len, glob_byte_fn byte_at, void *ctx,
                   size_t string_len, bool nocase);

#endif
