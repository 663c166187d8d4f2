#include "kv/glob.h"

#include <stdint.h>

#include "alloc/stasis_assert.h"

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

/* Redis compares range bounds as (signed) char values; keep that for bytes >= 0x80. */
static int as_char(char c) { return (int)(signed char)c; }

static bool same_byte(char a, char b, bool nocase) {
    if (!nocase) return a == b;
    return lower(as_char(a)) == lower(as_char(b));
}

/*
 * Matches one bracket class starting just after '['; *consumed gets the pattern bytes it
 * used, the closing ']' included when present.
 */
static bool class_matches(const char *p, size_t len, char c, bool nocase, size_t *consumed) {
    size_t i = 0;
    bool negate = i < len && p[i] == '^';
    if (negate) i++;
    bool match = false;
    while (i < len) {
        if (p[i] == '\\' && len - i >= 2) {
            if (p[i + 1] == c) match = true;
            i += 2;
        } else if (p[i] == ']') {
            i++;
            *consumed = i;
            return negate ? !match : match;
        } else if (len - i >= 3 && p[i + 1] == '-') {
            int start = as_char(p[i]);
            int end = as_char(p[i + 2]);
            int ch = as_char(c);
            if (start > end) {
                int t = start;
                start = end;
                end = t;
            }
            if (nocase) {
                start = lower(start);
                end = lower(end);
                ch = lower(ch);
            }
            if (ch >= start && ch <= end) match = true;
            i += 3;
        } else {
            if (same_byte(p[i], c, nocase)) match = true;
            i++;
        }
    }
    *consumed = i; /* unterminated: the class runs to the end of the pattern */
    return negate ? !match : match;
}

/* Matches the single-byte token at p[0] against c; *width gets the token's length. */
static bool token_matches(const char *p, size_t len, char c, bool nocase, size_t *width) {
    ST_ASSERT(len > 0);
    switch (p[0]) {
    case '?': *width = 1; return true;
    case '[': {
        size_t used = 0;
        bool m = class_matches(p + 1, len - 1, c, nocase, &used);
        *width = 1 + used;
        return m;
    }
    case '\\':
        if (len >= 2) {
            *width = 2;
            return same_byte(p[1], c, nocase);
        }
        *width = 1;
        return same_byte(p[0], c, nocase);
    default: *width = 1; return same_byte(p[0], c, nocase);
    }
}

/*
 * The matcher proper, over a string read one byte at a time: s only ever advances by one or
 * restarts just after where the last '*' absorbs up to (star_s + 1), and those restart
 * positions only grow, so a reader over non-contiguous storage serves every access by
 * walking forward (see glob_match_by).
 */
static bool match_by(const char *pattern, size_t pattern_len, glob_byte_fn byte_at, void *ctx,
                     size_t string_len, bool nocase) {
    size_t p = 0;
    size_t s = 0;
    bool have_star = false;
    size_t star_p = 0; /* pattern position just after the last '*' */
    size_t star_s = 0; /* string position that '*' currently absorbs up to */
    while (s < string_len) {
        if (p < pattern_len && pattern[p] == '*') {
            while (p < pattern_len && pattern[p] == '*')
                p++;
            if (p == pattern_len) return true;
            have_star = true;
            star_p = p;
            star_s = s;
            continue;
        }
        size_t width = 0;
        if (p < pattern_len &&
            token_matches(pattern + p, pattern_len - p, byte_at(ctx, s), nocase, &width)) {
            p += width;
            s++;
            continue;
        }
        if (!have_star) return false;
        /* Let the last '*' absorb one more byte and retry the rest of the pattern. */
        star_s++;
        s = star_s;
        p = star_p;
    }
    while (p < pattern_len && pattern[p] == '*')
        p++;
    return p == pattern_len;
}

static char contiguous_byte(void *ctx, size_t i) { return ((const char *)ctx)[i]; }

bool glob_match(const char *pattern, size_t pattern_len, const char *string, size_t string_len,
                bool nocase) {
    ST_ASSERT(string != NULL || string_len == 0);
    return match_by(pattern, pattern_len, contiguous_byte, (void *)(uintptr_t)string, string_len,
                    nocase);
}

bool glob_match_by(const char *pattern, size_t pattern_len, glob_byte_fn byte_at, void *ctx,
                   size_t string_len, bool nocase) {
    ST_ASSERT(byte_at != NULL);
    return match_by(pattern, pattern_len, byte_at, ctx, string_len, nocase);
}
