/* The RESP request parser: Redis 7.0's behaviour and texts (tests/unit/protocol.tcl and
 * live checks), every limit at and past its value, streaming and buffer moves. Each case
 * is fed whole and one byte at a time, which must give the same result. */
#include "test_support.h"

#include "resp_feed.h"

#define E(text) "-ERR Protocol error: " text "\r\n"

static void test_multibulk_and_inline(void **state) {
    (void)state;
    assert_string_equal(resp_feed_both("*1\r\n$4\r\nPING\r\n"), "[PING]");
    assert_string_equal(resp_feed_both("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"), "[SET|k|]");
    assert_string_equal(resp_feed_both("PING\r\n"), "[PING]");
    assert_string_equal(resp_feed_both("PING\n"), "[PING]");
    assert_string_equal(resp_feed_both("set a  b\tc\r\n"), "[set|a|b|c]");
    assert_string_equal(resp_feed_both("PING\r\r\n"), "[PING]"); /* one \r stripped, \r blank */
}

static void test_pipelining_and_mixing(void **state) {
    (void)state;
    assert_string_equal(resp_feed_both("PING\r\n*1\r\n$4\r\nPING\r\nPING\n"), "[PING][PING][PING]");
    assert_string_equal(resp_feed_both("SET k1 xyzk\r\nGET k1\r\nPING\r\n"),
                        "[SET|k1|xyzk][GET|k1][PING]");
}

static void test_ignored_requests(void **state) {
    (void)state;
    assert_string_equal(resp_feed_both("\r\nPING\r\n"), "[PING]");
    assert_string_equal(resp_feed_both("\nPING\r\n"), "[PING]");
    assert_string_equal(resp_feed_both("   \t \r\nPING\r\n"), "[PING]");
    assert_string_equal(resp_feed_both("*0\r\nPING\r\n"), "[PING]");
    assert_string_equal(resp_feed_both("*-1\r\nPING\r\n"), "[PING]");
    assert_string_equal(resp_feed_both("*-10\r\nPING\r\n"), "[PING]");
    assert_string_equal(resp_feed_both("\x0bPING\r\n"), "[PING]"); /* VT is blank */
}

static void test_protocol_tcl_errors(void **state) {
    (void)state;
    assert_string_equal(resp_feed_both("*3000000000\r\n"), E("invalid multibulk length"));
    assert_string_equal(resp_feed_both("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n"),
                        "" E("expected '$', got 'f'"));
    assert_string_equal(resp_feed_both("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n"),
                        E("invalid bulk length"));
    assert_string_equal(resp_feed_both("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n"),
                        E("invalid bulk length"));
    assert_string_equal(resp_feed_both("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n"),
                        E("invalid bulk length"));
    assert_string_equal(resp_feed_both("*1\r\nfoo\r\n"), E("expected '$', got 'f'"));
    assert_string_equal(resp_feed_both("set \"\"\"test-key\"\"\" test-value\r\nping\r\n"),
                        E("unbalanced quotes in request"));
}

static void test_errors_after_served_commands(void **state) {
    (void)state;
    assert_string_equal(resp_feed_both("PING\r\nPING\r\n*x\r\nPING\r\n"),
                        "[PING][PING]" E("invalid multibulk length"));
}

static void test_number_rules(void **state) {
    (void)state;
    const char *bad_counts[] = {"*-0\r\n", "*2147483648\r\n", "*\r\n",   "*+1\r\n",
                                "*01\r\n", "* 1\r\n",         "*1 \r\n", "*1\n$4\r\nPING\r\n"};
    for (size_t i = 0; i < sizeof bad_counts / sizeof bad_counts[0]; i++) {
        assert_string_equal(resp_feed_both(bad_counts[i]), E("invalid multibulk length"));
    }
    const char *bad_bulks[] = {"*1\r\n$-1\r\n", "*1\r\n$-0\r\n", "*1\r\n$+4\r\n", "*1\r\n$04\r\n",
                               "*1\r\n$ 4\r\n", "*1\r\n$4x\r\n", "*1\r\n$\r\n"};
    for (size_t i = 0; i < sizeof bad_bulks / sizeof bad_bulks[0]; i++) {
        assert_string_equal(resp_feed_both(bad_bulks[i]), E("invalid bulk length"));
    }
}

static void test_redis_quirks(void **state) {
    (void)state;
    /* The byte after a header's '\r' and the two after a payload are skipped unchecked. */
    assert_string_equal(resp_feed_both("*1\rX$4\r\nPING\r\n"), "[PING]");
    assert_string_equal(resp_feed_both("*1\r\n$4\rXPING\r\n"), "[PING]");
    assert_string_equal(resp_feed_both("*1\r\n$4\r\nPINGxy*1\r\n$4\r\nPING\r\n"), "[PING][PING]");
    /* ...but waited for. */
    assert_string_equal(resp_feed_both("*1\r"), "<incomplete>");
    assert_string_equal(resp_feed_both("*1\r\n$4\r\nPING\r"), "<incomplete>");
    /* A '*' header ends at '\r' only. */
    assert_string_equal(resp_feed_both("*1\n$4\nPING\n"), "<incomplete>");
    /* expected '$' shows CR and LF as a space, and other bytes raw. */
    assert_string_equal(resp_feed_both("*1\r\n\r\n"), E("expected '$', got ' '"));
    assert_string_equal(resp_feed_both("*1\r\n\n\r\n"), E("expected '$', got ' '"));
    assert_string_equal(resp_feed_both("*1\r\n $4\r\n"), E("expected '$', got ' '"));
    assert_string_equal(resp_feed_both("*1\r\n\xff\r\n"), E("expected '$', got '\xff'"));
    /* A NUL stops the search for a line's end. */
    assert_string_equal(resp_feed("PI\0NG\r\n", 7, 0, NULL, true), "<incomplete>");
    assert_string_equal(resp_feed("*1\0\r\n", 5, 0, NULL, true), "<incomplete>");
}

static void test_binary_arguments(void **state) {
    (void)state;
    static const char req[] = "*2\r\n$4\r\nECHO\r\n$5\r\na\0\r\nb\r\n";
    assert_string_equal(resp_feed(req, sizeof req - 1, 0, NULL, true), "[ECHO|a\\x00\\x0d\\x0ab]");
    assert_string_equal(resp_feed(req, sizeof req - 1, 1, NULL, true), "[ECHO|a\\x00\\x0d\\x0ab]");
    assert_string_equal(resp_feed_both("*1\r\n$0\r\n\r\n"), "[]");
}

static void test_inline_quoting(void **state) {
    (void)state;
    assert_string_equal(resp_feed_both("ECHO a\"b c\"\r\n"), "[ECHO|ab c]");
    assert_string_equal(resp_feed_both("ECHO \"\"\r\n"), "[ECHO|]");
    assert_string_equal(resp_feed_both("ECHO ''\r\n"), "[ECHO|]");
    assert_string_equal(resp_feed_both("ECHO \"a\\x41\\n\\t\\r\\b\\a\\\\\\\"\\q\\x4g\"\r\n"),
                        "[ECHO|aA\\x0a\\x09\\x0d\\x08\\x07\\x5c\"qx4g]");
    assert_string_equal(resp_feed_both("ECHO \"\\x4A\\x4a\"\r\n"), "[ECHO|JJ]");
    assert_string_equal(resp_feed_both("ECHO 'a\\'b\\n\"c'\r\n"), "[ECHO|a'b\\x5cn\"c]");
    assert_string_equal(resp_feed_both("ECHO a\x0b"
                                       "b\r\n"),
                        "[ECHO|a\\x0bb]"); /* VT inside */
    assert_string_equal(resp_feed_both("ECHO \"a\"\tx\r\n"), "[ECHO|a|x]");
    assert_string_equal(resp_feed_both("ECHO a\rb\r\n"), "[ECHO|a|b]");
    const char *unbalanced[] = {"ECHO \"a\"b\r\n", "ECHO 'a'b\r\n", "ECHO \"abc\r\n",
                                "ECHO \"ab\\\"\r\n", "ECHO 'ab\r\n"};
    for (size_t i = 0; i < sizeof unbalanced / sizeof unbalanced[0]; i++) {
        assert_string_equal(resp_feed_both(unbalanced[i]), E("unbalanced quotes in request"));
    }
    /* The closing quote may be followed by any blank, vertical tab included. */
    assert_string_equal(resp_feed_both("ECHO \"a\"\x0b\r\n"), "[ECHO|a]");
}

static const resp_limits small = {
    .command_args_max = 4, .bulk_size_max = 8, .inline_size_max = 16, .request_size_max = 64};

static void test_limits_at_and_past(void **state) {
    (void)state;
    assert_string_equal(resp_feed("*4\r\n", 4, 0, &small, true), "<incomplete>");
    assert_string_equal(resp_feed("*5\r\n", 4, 0, &small, true), E("invalid multibulk length"));
    assert_string_equal(resp_feed("*1\r\n$8\r\n", 8, 0, &small, true), "<incomplete>");
    assert_string_equal(resp_feed("*1\r\n$9\r\n", 8, 0, &small, true), E("invalid bulk length"));
    /* Inline: 16 bytes before the '\n' pass; 17 do not, whatever the cuts. */
    assert_string_equal(resp_feed("ECHO 0123456789a\n", 17, 0, &small, true), "[ECHO|0123456789a]");
    assert_string_equal(resp_feed("ECHO 0123456789ab\n", 18, 0, &small, true),
                        E("too big inline request"));
    assert_string_equal(resp_feed("ECHO 0123456789ab\n", 18, 1, &small, true),
                        E("too big inline request"));
    assert_string_equal(resp_feed("ECHO 0123456789ab", 17, 0, &small, true),
                        E("too big inline request"));
    assert_string_equal(resp_feed("ECHO 0123456789a", 16, 0, &small, true), "<incomplete>");
    assert_string_equal(resp_feed("a b c d e\n", 10, 0, &small, true),
                        E("invalid multibulk length"));
    /* Header lines: 16 bytes before the '\r' pass; 17 do not. */
    assert_string_equal(resp_feed("*000000000000001\r\n", 18, 0, &small, true),
                        E("invalid multibulk length"));
    assert_string_equal(resp_feed("*0000000000000001\r\n", 19, 0, &small, true),
                        E("too big mbulk count string"));
    assert_string_equal(resp_feed("*1\r\n$0000000000000001", 21, 0, &small, true),
                        E("too big bulk count string"));
    /* request_size_max counts the whole request, headers included: the third bulk would
     * end at byte 56 of a 48-byte limit, so its header is refused. */
    static const resp_limits tight = {
        .command_args_max = 4, .bulk_size_max = 8, .inline_size_max = 16, .request_size_max = 48};
    static const char fits[] = "*3\r\n$4\r\nECHO\r\n$8\r\n12345678\r\n$8\r\n12345678\r\n";
    assert_string_equal(resp_feed(fits, sizeof fits - 1, 0, &tight, true),
                        "[ECHO|12345678|12345678]");
    static const char over[] = "*4\r\n$4\r\nECHO\r\n$8\r\n12345678\r\n$8\r\n12345678\r\n$8\r\n";
    assert_string_equal(resp_feed(over, sizeof over - 1, 1, &tight, true),
                        "-ERR Protocol error: request exceeds request_size_max (48 bytes)\r\n");
}

static void test_nul_lines_end_only_in_too_big(void **state) {
    (void)state;
    char flood[40];
    memset(flood, 'A', sizeof flood);
    flood[0] = '\0';
    flood[10] = '\n';
    assert_string_equal(resp_feed(flood, 16, 0, &small, true), "<incomplete>");
    assert_string_equal(resp_feed(flood, 17, 0, &small, true), E("too big inline request"));
    flood[0] = '*';
    flood[1] = '\0';
    flood[5] = '\r';
    assert_string_equal(resp_feed(flood, 17, 1, &small, true), E("too big mbulk count string"));
}

static void test_unauthenticated_limits(void **state) {
    (void)state;
    assert_string_equal(resp_feed("*10\r\n", 5, 0, NULL, false), "<incomplete>");
    assert_string_equal(resp_feed("*11\r\n", 5, 0, NULL, false),
                        E("unauthenticated multibulk length"));
    assert_string_equal(resp_feed("*1\r\n$16384\r\n", 12, 0, NULL, false), "<incomplete>");
    assert_string_equal(resp_feed("*1\r\n$16385\r\n", 12, 0, NULL, false),
                        E("unauthenticated bulk length"));
    /* The invalid check comes first, as in Redis. */
    assert_string_equal(resp_feed("*3000000000\r\n", 13, 0, NULL, false),
                        E("invalid multibulk length"));
    /* Ignored requests stay ignored. */
    assert_string_equal(resp_feed("*-1\r\nPING\r\n", 11, 0, NULL, false), "[PING]");
}

static void test_errors_are_sticky(void **state) {
    (void)state;
    resp_limits limits = small;
    resp_parser p;
    resp_parser_init(&p, &limits);
    uint8_t bad[] = "*x\r\n*1\r\n$4\r\nPING\r\n";
    resp_arg argv[4];
    uint32_t argc = 0;
    size_t consumed = 0;
    assert_int_equal(resp_parse(&p, bad, sizeof bad - 1, argv, 4, &argc, &consumed), RESP_ERROR);
    assert_int_equal(resp_parser_error(&p), RESP_ERR_INVALID_MULTIBULK_LENGTH);
    uint8_t good[] = "*1\r\n$4\r\nPING\r\n";
    assert_int_equal(resp_parse(&p, good, sizeof good - 1, argv, 4, &argc, &consumed), RESP_ERROR);
    assert_int_equal(consumed, 0);
}

static void test_state_survives_moving_the_buffer(void **state) {
    (void)state;
    resp_parser p;
    resp_parser_init(&p, &small);
    uint8_t first[64] = "*2\r\n$4\r\nECHO\r\n$3\r\nab";
    size_t have = strlen((char *)first);
    resp_arg argv[4];
    uint32_t argc = 0;
    size_t consumed = 0;
    assert_int_equal(resp_parse(&p, first, have, argv, 4, &argc, &consumed), RESP_INCOMPLETE);
    assert_int_equal(consumed, 0);
    assert_int_equal(resp_parser_bytes_needed(&p), have + 1 + 2);
    uint8_t moved[64];
    memcpy(moved, first, have);
    memset(first, 0xee, sizeof first); /* the old buffer is gone */
    memcpy(moved + have, "c\r\n", 3);
    assert_int_equal(resp_parse(&p, moved, have + 3, argv, 4, &argc, &consumed), RESP_COMMAND);
    assert_int_equal(argc, 2);
    assert_memory_equal(argv[1].ptr, "abc", 3);
    assert_ptr_equal(argv[1].ptr, moved + 18);
    assert_int_equal(consumed, have + 3);
}

static void test_one_byte_feeding_stays_linear(void **state) {
    (void)state;
    /* A 1 MiB bulk fed one byte at a time completes in about a million cheap calls: a
     * parser that rescanned the partial request would take ~10^12 steps (the test's
     * timeout would end it). */
    size_t payload = 1u << 20;
    uint8_t *req = malloc(64 + payload);
    assert_non_null(req);
    int n = snprintf((char *)req, 64, "*2\r\n$4\r\nECHO\r\n$%zu\r\n", payload);
    memset(req + n, 'x', payload);
    memcpy(req + (size_t)n + payload, "\r\n", 2);
    size_t total = (size_t)n + payload + 2;
    resp_limits limits = {.command_args_max = 4,
                          .bulk_size_max = payload,
                          .inline_size_max = 1024,
                          .request_size_max = 2 * payload};
    resp_parser p;
    resp_parser_init(&p, &limits);
    resp_arg argv[4];
    uint32_t argc = 0;
    size_t consumed = 0;
    resp_status s = RESP_INCOMPLETE;
    for (size_t have = 1; have <= total; have++) {
        s = resp_parse(&p, req, have, argv, 4, &argc, &consumed);
        if (have < total) assert_int_equal(s, RESP_INCOMPLETE);
    }
    assert_int_equal(s, RESP_COMMAND);
    assert_int_equal(argc, 2);
    assert_int_equal(argv[1].len, payload);
    assert_int_equal(argv[1].ptr[payload - 1], 'x');
    assert_int_equal(consumed, total);
    free(req);
}

static void test_inline_decoding_touches_only_its_request(void **state) {
    (void)state;
    resp_parser p;
    resp_parser_init(&p, &small);
    uint8_t buf[] = "ECHO \"a\\x41\"\r\nECHO \"b\\x42\"\r\n";
    uint8_t copy[sizeof buf];
    memcpy(copy, buf, sizeof buf);
    resp_arg argv[4];
    uint32_t argc = 0;
    size_t consumed = 0;
    assert_int_equal(resp_parse(&p, buf, sizeof buf - 1, argv, 4, &argc, &consumed), RESP_COMMAND);
    assert_int_equal(argc, 2);
    assert_memory_equal(argv[1].ptr, "aA", 2);
    /* The second request's bytes are exactly as they arrived. */
    assert_memory_equal(buf + consumed, copy + consumed, sizeof buf - 1 - consumed);
}

static void test_many_arguments(void **state) {
    (void)state;
    /* protocol.tcl's "test large number of args": MSET with 20003 arguments. */
    enum { ARGS = 20003 };
    static resp_arg argv[ARGS];
    resp_limits limits = {.command_args_max = ARGS,
                          .bulk_size_max = 16,
                          .inline_size_max = 64,
                          .request_size_max = 1 << 20};
    size_t cap = 16 + (size_t)ARGS * 16;
    uint8_t *req = malloc(cap);
    assert_non_null(req);
    size_t n = (size_t)snprintf((char *)req, cap, "*%d\r\n$4\r\nMSET\r\n", ARGS);
    for (int i = 0; i < 10000; i++)
        n += (size_t)snprintf((char *)req + n, cap - n, "$1\r\nk\r\n$1\r\nv\r\n");
    n += (size_t)snprintf((char *)req + n, cap - n, "$4\r\n{k}2\r\n$2\r\nv2\r\n");
    resp_parser p;
    resp_parser_init(&p, &limits);
    uint32_t argc = 0;
    size_t consumed = 0;
    assert_int_equal(resp_parse(&p, req, n, argv, ARGS, &argc, &consumed), RESP_COMMAND);
    assert_int_equal(argc, ARGS);
    assert_int_equal(consumed, n);
    assert_memory_equal(argv[ARGS - 1].ptr, "v2", 2);
    free(req);
}

static void test_every_error_reply_is_short(void **state) {
    (void)state;
    static const char *const inputs[] = {
        "*x\r\n",
        "*1\r\nfoo\r\n",
        "*1\r\n$-1\r\n",
        "ECHO \"a\r\n",
        "*9\r\n",
        "*1\r\n$17\r\n",
        "ECHO 0123456789abcdefghij\n",
        "*00000000000000000000001\r\n",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        const char *out = resp_feed(inputs[i], strlen(inputs[i]), 0, &small, true);
        assert_int_equal(strncmp(out, "-ERR Protocol error: ", 21), 0);
        assert_true(strlen(out) < 128);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multibulk_and_inline),
        cmocka_unit_test(test_pipelining_and_mixing),
        cmocka_unit_test(test_ignored_requests),
        cmocka_unit_test(test_protocol_tcl_errors),
        cmocka_unit_test(test_errors_after_served_commands),
        cmocka_unit_test(test_number_rules),
        cmocka_unit_test(test_redis_quirks),
        cmocka_unit_test(test_binary_arguments),
        cmocka_unit_test(test_inline_quoting),
        cmocka_unit_test(test_limits_at_and_past),
        cmocka_unit_test(test_nul_lines_end_only_in_too_big),
        cmocka_unit_test(test_unauthenticated_limits),
        cmocka_unit_test(test_errors_are_sticky),
        cmocka_unit_test(test_state_survives_moving_the_buffer),
        cmocka_unit_test(test_one_byte_feeding_stays_linear),
        cmocka_unit_test(test_inline_decoding_touches_only_its_request),
        cmocka_unit_test(test_many_arguments),
        cmocka_unit_test(test_every_error_reply_is_short),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
