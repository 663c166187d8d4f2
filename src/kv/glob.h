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

#endif
