/* The parser's inline scratch: inline lines are decoded in a copy, the caller's bytes are
 * never written, so a saved parser parses the same bytes again with the same outcome (the
 * server relies on it to run a command again once it has room). */
#include "test_support.h"

#include "kv/resp_parser.h"

#define ARGS_MAX 16

static const resp_limits limits = {.command_args_max = ARGS_MAX,
                                   .bulk_size_max = 64,
                                   .inline_size_max = 32,
                                   .request_size_max = 256};

typedef struct parsed {
    resp_status status;
    uint32_t argc;
    size_t consumed;
    char args[ARGS_MAX][40];
} parsed;

static parsed parse(resp_parser *p, uint8_t *data, size_t len) {
    resp_arg argv[ARGS_MAX];
    parsed out;
    memset(&out, 0, sizeof out);
    out.status = resp_parse(p, data, len, argv, ARGS_MAX, &out.argc, &out.consumed);
    for (uint32_t i = 0; i < out.argc; i++) {
        assert_true(argv[i].len < sizeof out.args[i]);
        memcpy(out.args[i], argv[i].ptr, argv[i].len);
    }
    return out;
}

static void assert_same(const parsed *a, const parsed *b) {
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->argc, b->argc);
    assert_int_equal(a->consumed, b->consumed);
    for (uint32_t i = 0; i < a->argc; i++)
        assert_string_equal(a->args[i], b->args[i]);
}

static void test_inline_decoded_in_the_scratch(void **state) {
    (void)state;
    uint8_t scratch[32];
    resp_parser p;
    resp_parser_init(&p, &limits);
    resp_parser_set_inline_scratch(&p, scratch, sizeof scratch);
    char text[] = "SET \"a b\" 'c\\'d' \"\\x41\"\r\nPING\r\n";
    uint8_t data[sizeof text];
    memcpy(data, text, sizeof text);
    resp_parser saved = p;
    parsed first = parse(&p, data, sizeof text - 1);
    assert_int_equal(first.status, RESP_COMMAND);
    assert_int_equal(first.argc, 4);
    assert_string_equal(first.args[1], "a b");
    assert_string_equal(first.args[2], "c'd");
    assert_string_equal(first.args[3], "A");
    assert_memory_equal(data, text, sizeof text); /* untouched */
    p = saved;                                    /* run it again: same outcome */
    parsed again = parse(&p, data, sizeof text - 1);
    assert_same(&first, &again);
}

static void test_multibulk_reparse_after_partial_input(void **state) {
    (void)state;
    uint8_t scratch[32];
    resp_parser p;
    resp_parser_init(&p, &limits);
    resp_parser_set_inline_scratch(&p, scratch, sizeof scratch);
    char text[] = "*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n";
    uint8_t data[sizeof text];
    memcpy(data, text, sizeof text);
    parsed part = parse(&p, data, 10); /* a partial request: state kept in offsets */
    assert_int_equal(part.status, RESP_INCOMPLETE);
    resp_parser saved = p;
    parsed first = parse(&p, data, sizeof text - 1);
    assert_int_equal(first.status, RESP_COMMAND);
    assert_string_equal(first.args[1], "hello");
    p = saved;
    parsed again = parse(&p, data, sizeof text - 1);
    assert_same(&first, &again);
}

static void test_reset_keeps_the_scratch(void **state) {
    (void)state;
    uint8_t scratch[32];
    resp_parser p;
    resp_parser_init(&p, &limits);
    resp_parser_set_inline_scratch(&p, scratch, sizeof scratch);
    resp_parser_reset(&p);
    char text[] = "ECHO \"x y\"\n";
    uint8_t data[sizeof text];
    memcpy(data, text, sizeof text);
    parsed r = parse(&p, data, sizeof text - 1);
    assert_int_equal(r.status, RESP_COMMAND);
    assert_string_equal(r.args[1], "x y");
    assert_memory_equal(data, text, sizeof text);
}

static void test_too_long_inline_line_is_an_error_not_a_copy(void **state) {
    (void)state;
    uint8_t scratch[32];
    resp_parser p;
    resp_parser_init(&p, &limits);
    resp_parser_set_inline_scratch(&p, scratch, sizeof scratch);
    uint8_t data[40];
    memset(data, 'a', sizeof data);
    data[39] = '\n';
    parsed r = parse(&p, data, sizeof data);
    assert_int_equal(r.status, RESP_ERROR);
    assert_int_equal(resp_parser_error(&p), RESP_ERR_TOO_BIG_INLINE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inline_decoded_in_the_scratch),
        cmocka_unit_test(test_multibulk_reparse_after_partial_input),
        cmocka_unit_test(test_reset_keeps_the_scratch),
        cmocka_unit_test(test_too_long_inline_line_is_an_error_not_a_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
