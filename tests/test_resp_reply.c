/* The reply checker every harness runs on every reply (resp_reply.h): it accepts exactly one
 * canonical RESP2 value and names what is wrong with anything else. */
#include "test_support.h"

#include "resp_reply.h"

static void assert_good(const char *reply) {
    char why[RESP_REPLY_WHY_MAX];
    if (resp_reply_check(reply, strlen(reply), why) != RESP_REPLY_ONE_VALUE) {
        fail_msg("%s: %s", reply, why);
    }
}

/* Not one value, for the reason given; a value cut short is told apart from a bad one. */
static void assert_bad(const char *reply, const char *reason) {
    char why[RESP_REPLY_WHY_MAX];
    resp_reply_verdict v = resp_reply_check(reply, strlen(reply), why);
    bool short_of_one = strstr(reason, "incomplete") != NULL || strstr(reason, "empty") != NULL;
    assert_int_equal(v, short_of_one ? RESP_REPLY_INCOMPLETE : RESP_REPLY_MALFORMED);
    if (strstr(why, reason) == NULL) {
        fail_msg("%s: why is \"%s\", wanted \"%s\"", reply, why, reason);
    }
}

static void test_one_value_of_each_type(void **state) {
    (void)state;
    assert_good("+OK\r\n");
    assert_good("-ERR syntax error\r\n");
    assert_good(":0\r\n");
    assert_good(":-9223372036854775808\r\n");
    assert_good("$0\r\n\r\n");
    assert_good("$5\r\na\r\nbc\r\n"); /* a bulk may hold CR and LF */
    assert_good("$-1\r\n");
    assert_good("*-1\r\n");
    assert_good("*0\r\n");
    assert_good("*2\r\n*1\r\n:1\r\n$1\r\nx\r\n");
}

static void test_structural_faults(void **state) {
    (void)state;
    assert_bad("", "empty reply");
    assert_bad("$3\r\nget\r\n$3\r\nset\r\n", "trailing bytes"); /* an array without its header */
    assert_bad("*4\r\n$1\r\na\r\n$1\r\nb\r\n", "incomplete");   /* a map with half its entries */
    assert_bad("*1\r\n:1\r\n:2\r\n", "trailing bytes");
    assert_bad("+OK\r", "incomplete");
    assert_bad("?what\r\n", "hiredis: Protocol error");
    assert_bad("$3\r\nab\r\n", "incomplete");
}

/* hiredis refuses malformed numbers itself ... */
static void test_numbers_hiredis_refuses(void **state) {
    (void)state;
    assert_bad(":12x\r\n", "hiredis: Bad integer value");
    assert_bad(":01\r\n", "hiredis: Bad integer value");
    assert_bad("$03\r\nabc\r\n", "hiredis: Bad bulk string length");
    assert_bad("*01\r\n:1\r\n", "hiredis: Bad multi-bulk length");
}

/* ... but 0.14 reads these without complaint; the canonical comparison refuses them. */
static void test_non_canonical_bytes(void **state) {
    (void)state;
    assert_bad("$2\r\nabXY", "canonical form");
    assert_bad("*2\r\n$1\r\naXY:1\r\n", "canonical form");
    assert_bad("+a\rb\r\n", "CR or LF inside a simple string");
    assert_bad("-ERR a\rb\r\n", "CR or LF inside a simple string");
}

/* Deeper than hiredis 0.14 reads (9 levels of arrays and more, as COMMAND DOCS BITPOS):
 * held to the fuzz targets' checker, which still refuses a malformed value. */
static void test_deeper_than_hiredis(void **state) {
    (void)state;
    char deep[256] = "", bad[256];
    for (int i = 0; i < 11; i++)
        strcat(deep, "*1\r\n");
    strcat(strcpy(bad, deep), ":01\r\n");
    strcat(deep, ":1\r\n");
    char why[RESP_REPLY_WHY_MAX];
    assert_int_equal(resp_reply_check(deep, strlen(deep), why), RESP_REPLY_ONE_VALUE);
    assert_bad(bad, "nested deeper than hiredis reads");
    strcat(deep, "+x\r\n");
    assert_bad(deep, "nested deeper than hiredis reads");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_value_of_each_type),
        cmocka_unit_test(test_structural_faults),
        cmocka_unit_test(test_numbers_hiredis_refuses),
        cmocka_unit_test(test_non_canonical_bytes),
        cmocka_unit_test(test_deeper_than_hiredis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
