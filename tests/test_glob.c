/* Glob matching with Redis's stringmatchlen rules (KEYS, SCAN MATCH, CONFIG GET). */
#include "test_support.h"

#include "kv/glob.h"

static bool m(const char *pattern, const char *string) {
    return glob_match(pattern, strlen(pattern), string, strlen(string), false);
}

static void test_star_and_question(void **state) {
    (void)state;
    assert_true(m("*", ""));
    assert_true(m("*", "anything"));
    assert_true(m("**", ""));
    assert_true(m("a*", "a"));
    assert_true(m("a*c", "abbbc"));
    assert_false(m("a*c", "abbb"));
    assert_true(m("h?llo", "hello"));
    assert_false(m("h?llo", "hllo"));
    assert_true(m("*a*b*c*", "xaybzc"));
    assert_false(m("*a*b*c", "xaybzcx"));
    assert_true(m("", ""));
    assert_false(m("", "a"));
    assert_false(m("a", ""));
}

static void test_classes(void **state) {
    (void)state;
    assert_true(m("h[ae]llo", "hallo"));
    assert_false(m("h[ae]llo", "hillo"));
    assert_true(m("h[^e]llo", "hallo"));
    assert_false(m("h[^e]llo", "hello"));
    assert_true(m("h[a-b]llo", "hbllo"));
    assert_true(m("h[b-a]llo", "hallo")); /* reversed range: swapped, as Redis does */
    assert_false(m("[]", "]"));           /* ']' first closes an empty class */
    assert_true(m("[\\]]", "]"));
    assert_true(m("[abc", "b")); /* unterminated: the class runs to the end */
    assert_false(m("[", "["));
    /* "a-]" is a range from a to ] that swallows the closing bracket, as in Redis. */
    assert_false(m("[a-]", "-"));
    assert_true(m("[a-]", "_"));
}

static void test_escapes(void **state) {
    (void)state;
    assert_true(m("a\\*b", "a*b"));
    assert_false(m("a\\*b", "axb"));
    assert_true(m("\\?", "?"));
    assert_true(m("a\\", "a\\")); /* a trailing backslash is literal */
}

static void test_nocase_and_binary(void **state) {
    (void)state;
    assert_true(glob_match("HeLLo", 5, "hello", 5, true));
    assert_false(glob_match("HeLLo", 5, "hello", 5, false));
    assert_true(glob_match("a?c", 3, "a\0c", 3, false));
    assert_false(glob_match("a*", 2, "b\0", 2, false));
}

static void test_many_stars_do_not_recurse(void **state) {
    (void)state;
    /* A pattern that makes a naive matcher exponential and a recursive one deep. */
    static char pattern[20001];
    static char string[4001];
    for (size_t i = 0; i < 20000; i += 2) {
        pattern[i] = 'a';
        pattern[i + 1] = '*';
    }
    memset(string, 'a', 4000);
    assert_false(glob_match(pattern, 20000, string, 4000, false));
    assert_true(glob_match(pattern, 2, string, 4000, false));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_star_and_question),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_nocase_and_binary),
        cmocka_unit_test(test_many_stars_do_not_recurse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
