/* COMMAND INFO, DOCS, LIST and GETKEYSANDFLAGS from the command table and its Redis metadata
 * (command_meta.c, command_docs_*.c): every command has exactly one entry of each, its flags
 * agree with the table's, and the replies are Redis 7.0.15's bytes (taken from a real
 * redis-server). */
#include "test_support.h"

#include "kv/command.h"
#include "kv/command_docs.h"
#include "kv/command_meta.h"
#include "kv_harness.h"

KV_HARNESS_FIXTURES

/* Prints and counts the ways a command's table flags disagree with Redis's. */
static int disagreements(const kv_command *cmd) {
    const kv_command_meta *m = kv_command_meta_find(cmd->name);
    if (m == NULL) {
        print_message("no metadata for %s\n", cmd->name);
        return 1;
    }
    static const struct {
        uint32_t table;
        uint32_t redis;
        const char *name;
    } pairs[] = {{KV_CMD_WRITE, KV_RF_WRITE, "write"},
                 {KV_CMD_READONLY, KV_RF_READONLY, "readonly"},
                 {KV_CMD_FAST, KV_RF_FAST, "fast"},
                 {KV_CMD_NO_AUTH, KV_RF_NO_AUTH, "no_auth"}};
    int n = 0;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        bool in_table = (cmd->flags & pairs[i].table) != 0;
        bool redis = (m->flags & pairs[i].redis) != 0;
        if (in_table == redis) continue;
        print_message("%s: %s is %d in the table, %d in Redis\n", cmd->name, pairs[i].name,
                      in_table, redis);
        n++;
    }
    bool movable = (m->flags & KV_RF_MOVABLEKEYS) != 0;
    if (movable != (cmd->key_count_arg != 0)) {
        print_message("%s: movable keys disagree\n", cmd->name);
        n++;
    }
    return n;
}

static void test_every_command_has_its_metadata(void **state) {
    (void)state;
    size_t commands = 0;
    int bad = 0;
    for (size_t f = 0; kv_families[f] != NULL; f++) {
        for (size_t i = 0; i < kv_families[f]->count; i++) {
            const kv_command *cmd = &kv_families[f]->commands[i];
            bad += disagreements(cmd);
            commands++;
            for (size_t s = 0; s < cmd->subcommand_count; s++, commands++)
                bad += disagreements(&cmd->subcommands[s]);
        }
    }
    assert_int_equal(bad, 0);
    assert_int_equal(commands, kv_command_meta_count()); /* and no entry without a command */
}

static void test_command_info_bytes(void **state) {
    (void)state;
    assert_string_equal(
        KV_CMD(h, "COMMAND", "INFO", "get"),
        "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@"
        "read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$"
        "12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r"
        "\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nl"
        "astkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n");
    assert_string_equal(
        KV_CMD(h, "COMMAND", "INFO", "lmpop"),
        "*1\r\n*10\r\n$5\r\nlmpop\r\n:-4\r\n*2\r\n+write\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n*3\r"
        "\n+@write\r\n+@list\r\n+@slow\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n"
        "+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$"
        "5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$6\r\nkeynum\r\n$4\r\nspec\r\n*"
        "6\r\n$9\r\nkeynumidx\r\n:0\r\n$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n*0\r\n");
    assert_string_equal(
        KV_CMD(h, "COMMAND", "INFO", "config|get"),
        "*1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+"
        "stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n");
    /* INFO: loading and stale, not readonly; its tips. */
    assert_string_equal(
        KV_CMD(h, "COMMAND", "INFO", "info"),
        "*1\r\n*10\r\n$4\r\ninfo\r\n:-1\r\n*2\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@"
        "slow\r\n+@dangerous\r\n*3\r\n$23\r\nnondeterministic_output\r\n$25\r\nrequest_policy:all_"
        "shards\r\n$23\r\nresponse_policy:special\r\n*0\r\n*0\r\n");
    /* A key spec with notes, and denyoom. */
    assert_string_equal(
        KV_CMD(h, "COMMAND", "INFO", "set"),
        "*1\r\n*10\r\n$3\r\nset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@"
        "write\r\n+@string\r\n+@slow\r\n*0\r\n*1\r\n*8\r\n$5\r\nnotes\r\n$48\r\nRW and ACCESS due "
        "to the optional `GET` argument\r\n$5\r\nflags\r\n*4\r\n+RW\r\n+access\r\n+update\r\n+"
        "variable_flags\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r"
        "\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\n"
        "spec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n");
}

/* Every command and subcommand has its COMMAND DOCS entry, and no entry lacks a command. */
static void test_every_command_has_its_docs(void **state) {
    (void)state;
    size_t commands = 0;
    for (size_t f = 0; kv_families[f] != NULL; f++) {
        for (size_t i = 0; i < kv_families[f]->count; i++) {
            const kv_command *cmd = &kv_families[f]->commands[i];
            for (size_t s = 0; s <= cmd->subcommand_count; s++, commands++) {
                const char *name = s == 0 ? cmd->name : cmd->subcommands[s - 1].name;
                const kv_command_doc *d = kv_command_doc_find(name);
                if (d == NULL) print_message("no docs for %s\n", name);
                assert_non_null(d);
                assert_non_null(d->summary);
                assert_non_null(d->since);
                assert_non_null(d->complexity);
            }
        }
    }
    assert_int_equal(commands, kv_command_doc_count());
}

/* Redis 7.0.15's bytes: arguments with a key spec, tokens, flags, a oneof nested, history,
 * per-argument since, and a subcommand by its full name. */
static void test_command_docs_bytes(void **state) {
    (void)state;
    assert_string_equal(
        KV_CMD(h, "COMMAND", "DOCS", "get"),
        "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n"
        "$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity"
        "\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4"
        "\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n");
    assert_string_equal(
        KV_CMD(h, "COMMAND", "DOCS", "flushall"),
        "*2\r\n$8\r\nflushall\r\n*12\r\n$7\r\nsummary\r\n$34\r\nRemove all keys from all "
        "databases\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncompl"
        "exity\r\n$57\r\nO(N) where N is the total number of keys in all databases\r\n$7\r\nhisto"
        "ry\r\n*2\r\n*2\r\n$5\r\n4.0.0\r\n$41\r\nAdded the `ASYNC` flushing mode modifier.\r\n*2"
        "\r\n$5\r\n6.2.0\r\n$40\r\nAdded the `SYNC` flushing mode modifier.\r\n$9\r\narguments\r\n"
        "*1\r\n*8\r\n$4\r\nname\r\n$5\r\nasync\r\n$4\r\ntype\r\n$5\r\noneof\r\n$5\r\nflags\r\n*1"
        "\r\n+optional\r\n$9\r\narguments\r\n*2\r\n*8\r\n$4\r\nname\r\n$5\r\nasync\r\n$4\r\ntyp"
        "e\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$5\r\nASYNC\r\n$5\r\nsince\r\n$5\r\n4.0.0\r\n*8"
        "\r\n$4\r\nname\r\n$4\r\nsync\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$4\r\n"
        "SYNC\r\n$5\r\nsince\r\n$5\r\n6.2.0\r\n");
    /* A deprecated command: doc_flags, deprecated_since, replaced_by. */
    assert_string_equal(
        KV_CMD(h, "COMMAND", "DOCS", "rpoplpush"),
        "*2\r\n$9\r\nrpoplpush\r\n*16\r\n$7\r\nsummary\r\n$75\r\nRemove the last element in a "
        "list, prepend it to another list and return it\r\n$5\r\nsince\r\n$5\r\n1.2.0\r\n$5\r\ng"
        "roup\r\n$4\r\nlist\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\ndoc_flags\r\n*1\r\n+depr"
        "ecated\r\n$16\r\ndeprecated_since\r\n$5\r\n6.2.0\r\n$11\r\nreplaced_by\r\n$45\r\n`LMOVE"
        "` with the `RIGHT` and `LEFT` arguments\r\n$9\r\narguments\r\n*2\r\n*6\r\n$4\r\nname\r\n"
        "$6\r\nsource\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n*6\r\n$4\r\nn"
        "ame\r\n$11\r\ndestination\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:1\r\n");
    /* Unknown names are left out; a subcommand is found by its full name. */
    assert_string_equal(KV_CMD(h, "COMMAND", "DOCS", "nosuch"), "*0\r\n");
    assert_string_equal(
        KV_CMD(h, "COMMAND", "DOCS", "nosuch", "config|resetstat"),
        "*2\r\n$16\r\nconfig|resetstat\r\n*8\r\n$7\r\nsummary\r\n$32\r\nReset "
        "the stats returned by INFO\r\n$5\r\nsince\r\n$5\r\n2.0.0\r\n$5\r\ngroup\r\n$"
        "6\r\nserver\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n");
}

/* GETKEYSANDFLAGS: each key with its spec's flags (SET's follow its GET option), and the
 * errors in Redis's order. */
static void test_command_getkeysandflags(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "COMMAND", "GETKEYSANDFLAGS", "set", "k", "v"),
                        "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+OW\r\n+update\r\n");
    assert_string_equal(KV_CMD(h, "COMMAND", "GETKEYSANDFLAGS", "set", "k", "v", "get"),
                        "*1\r\n*2\r\n$1\r\nk\r\n*3\r\n+RW\r\n+access\r\n+update\r\n");
    assert_string_equal(KV_CMD(h, "COMMAND", "GETKEYSANDFLAGS", "lmove", "a", "b", "left", "right"),
                        "*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n*2\r\n$1\r\nb"
                        "\r\n*2\r\n+RW\r\n+insert\r\n");
    assert_string_equal(KV_CMD(h, "COMMAND", "GETKEYSANDFLAGS", "lmpop", "2", "a", "b", "left"),
                        "*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n*2\r\n$1\r\nb"
                        "\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n");
    assert_string_equal(KV_CMD(h, "COMMAND", "GETKEYSANDFLAGS", "mset", "a", "1", "b"),
                        "*2\r\n*2\r\n$1\r\na\r\n*2\r\n+OW\r\n+update\r\n*2\r\n$1\r\nb\r\n*2"
                        "\r\n+OW\r\n+update\r\n");
    assert_string_equal(KV_CMD(h, "COMMAND", "GETKEYSANDFLAGS", "lmpop", "0", "a", "b", "left"),
                        "-ERR Invalid arguments specified for command\r\n");
    assert_string_equal(KV_CMD(h, "COMMAND", "GETKEYSANDFLAGS", "ping", "x"),
                        "-ERR The command has no key arguments\r\n");
    assert_string_equal(KV_CMD(h, "COMMAND", "GETKEYSANDFLAGS", "nosuch", "a"),
                        "-ERR Invalid command specified\r\n");
    assert_string_equal(KV_CMD(h, "COMMAND", "GETKEYSANDFLAGS", "get", "a", "b"),
                        "-ERR Invalid number of arguments specified for command\r\n");
    assert_string_equal(KV_CMD(h, "COMMAND", "GETKEYSANDFLAGS", "ping"),
                        "-ERR wrong number of arguments for 'command|getkeysandflags' command\r\n");
}

static void test_command_list_by_acl_category(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "BITMAP"),
                        "*4\r\n$6\r\nsetbit\r\n$6\r\ngetbit\r\n$8\r\nbitcount\r\n$6\r\nbitpos\r\n");
    assert_string_equal(KV_CMD(h, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "@bitmap"), "*0\r\n");
    assert_string_equal(KV_CMD(h, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"), "*0\r\n");
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, open_harness, close_harness)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_command_has_its_metadata),
        T(test_command_info_bytes),
        T(test_command_list_by_acl_category),
        cmocka_unit_test(test_every_command_has_its_docs),
        T(test_command_docs_bytes),
        T(test_command_getkeysandflags),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
