/* The replies that describe the server (COMMAND and its subcommands, INFO, CONFIG GET,
 * HELLO): well-formed (the harness checks every reply) and exact where the value is known:
 * the command table's names, arities, keys and subcommands (derived from kv_families, not
 * listed here), command_meta's flags, categories, tips and key specs (their exact bytes are
 * test_kv_command_info's), the harness's configuration, the session's id. A missing array header or
 * half a map fails here even though no model covers these commands. */
#include "test_support.h"

#include <hiredis.h>

#include "kv/command.h"
#include "kv/command_docs.h"
#include "kv/command_meta.h"
#include "kv_harness.h"

KV_HARNESS_FIXTURES

/* The number of top-level commands in the table (COMMAND COUNT's answer, as Redis's
 * counts its command dict without subcommands). */
static size_t table_count(void) {
    size_t n = 0;
    for (size_t f = 0; kv_families[f] != NULL; f++)
        n += kv_families[f]->count;
    return n;
}

/* A reply (the one just returned) read back by hiredis into a tree; the harness has already
 * checked that it is exactly one value. Free with freeReplyObject. */
static redisReply *tree(const char *bytes) {
    redisReader *reader = redisReaderCreate();
    assert_non_null(reader);
    assert_int_equal(redisReaderFeed(reader, bytes, kv_harness_reply_len(h)), REDIS_OK);
    void *reply = NULL;
    assert_int_equal(redisReaderGetReply(reader, &reply), REDIS_OK);
    assert_non_null(reply);
    redisReaderFree(reader);
    return reply;
}

static void assert_bulk(const redisReply *r, const char *text) {
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_string_equal(r->str, text);
}

static void assert_array(const redisReply *r, size_t elements) {
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, elements);
}

/* The table entry for a top-level command, and its family. */
static const kv_command *table_command(size_t index, const kv_command_family **family) {
    for (size_t f = 0; kv_families[f] != NULL; f++) {
        if (index < kv_families[f]->count) {
            *family = kv_families[f];
            return &kv_families[f]->commands[index];
        }
        index -= kv_families[f]->count;
    }
    fail_msg("no command %zu in the table", index);
    return NULL;
}

/* ---- COMMAND COUNT, LIST, HELP ---- */

/* COMMAND LIST is every name in table order, each container followed by its subcommands
 * as "container|sub" (Redis 7.0 lists a command's subcommands right after it). */
static void test_command_count_and_list(void **state) {
    (void)state;
    char count[32];
    snprintf(count, sizeof count, ":%zu\r\n", table_count());
    assert_string_equal(KV_CMD(h, "COMMAND", "COUNT"), count);
    static char names[16384];
    size_t at = 0, listed = 0;
    for (size_t i = 0; i < table_count(); i++) {
        const kv_command_family *f = NULL;
        const kv_command *cmd = table_command(i, &f);
        for (size_t s = 0; s <= cmd->subcommand_count; s++, listed++) {
            const char *name = s == 0 ? cmd->name : cmd->subcommands[s - 1].name;
            at += (size_t)snprintf(names + at, sizeof names - at, "$%zu\r\n%s\r\n", strlen(name),
                                   name);
            assert_true(at < sizeof names);
        }
    }
    static char expected[sizeof names + 32];
    snprintf(expected, sizeof expected, "*%zu\r\n%s", listed, names);
    assert_string_equal(KV_CMD(h, "COMMAND", "LIST"), expected);
    assert_string_equal(KV_CMD(h, "command", "list"), expected);
    /* Not only the table walked twice: Redis's shape, a container then its subcommands. */
    assert_non_null(strstr(expected, "$6\r\nconfig\r\n$10\r\nconfig|get\r\n$10\r\nconfig|set\r\n"));
    assert_string_equal(KV_CMD(h, "COMMAND", "COUNT", "x"),
                        "-ERR wrong number of arguments for 'command|count' command\r\n");
}

static void test_command_help(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "COMMAND", "HELP"),
                        "*17\r\n"
                        "+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
                        "+(no subcommand)\r\n"
                        "+    Return details about all commands.\r\n"
                        "+COUNT\r\n"
                        "+    Return the total number of commands.\r\n"
                        "+DOCS [<command-name> ...]\r\n"
                        "+    Return documentary information about commands.\r\n"
                        "+INFO [<command-name> ...]\r\n"
                        "+    Return details about commands.\r\n"
                        "+LIST\r\n"
                        "+    Return a list of all commands.\r\n"
                        "+GETKEYS <full-command>\r\n"
                        "+    Return the keys of a full command.\r\n"
                        "+GETKEYSANDFLAGS <full-command>\r\n"
                        "+    Return the keys of a full command, each with its access flags.\r\n"
                        "+HELP\r\n"
                        "+    Print this help.\r\n");
}

/* ---- COMMAND, COMMAND INFO ---- */

static size_t bits(uint32_t mask) { return (size_t)__builtin_popcount(mask); }

/* One 10-element COMMAND INFO entry: name, arity, keys and subcommands against the table;
 * flags, ACL categories, tips and key specs against command_meta (their exact bytes are
 * test_kv_command_info's). */
static void assert_info_entry(const redisReply *e, const kv_command *cmd) {
    const kv_command_meta *m = kv_command_meta_find(cmd->name);
    assert_non_null(m);
    assert_array(e, 10);
    assert_bulk(e->element[0], cmd->name);
    static const size_t integers[] = {1, 3, 4, 5}; /* arity, first, last, step */
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(e->element[integers[i]]->type, REDIS_REPLY_INTEGER);
    assert_int_equal(e->element[1]->integer, cmd->arity);
    assert_int_equal(e->element[3]->integer, cmd->first_key);
    assert_int_equal(e->element[4]->integer, cmd->last_key);
    assert_int_equal(e->element[5]->integer, cmd->key_step);
    assert_array(e->element[2], bits(m->flags));
    for (size_t i = 0; i < e->element[2]->elements; i++)
        assert_int_equal(e->element[2]->element[i]->type, REDIS_REPLY_STATUS);
    assert_array(e->element[6], bits(m->acl));
    for (size_t i = 0; i < e->element[6]->elements; i++) {
        assert_int_equal(e->element[6]->element[i]->type, REDIS_REPLY_STATUS);
        assert_int_equal(e->element[6]->element[i]->str[0], '@');
    }
    assert_array(e->element[7], m->tip_count);
    for (size_t i = 0; i < m->tip_count; i++)
        assert_bulk(e->element[7]->element[i], m->tips[i]);
    assert_array(e->element[8], m->key_spec_count);
    for (size_t i = 0; i < m->key_spec_count; i++) /* [notes,] flags, begin_search, find_keys */
        assert_array(e->element[8]->element[i], m->key_specs[i].notes != NULL ? 8 : 6);
    assert_array(e->element[9], cmd->subcommand_count);
    for (size_t i = 0; i < cmd->subcommand_count; i++)
        assert_info_entry(e->element[9]->element[i], &cmd->subcommands[i]);
}

static void assert_every_command_described(const char *reply) {
    redisReply *r = tree(reply);
    assert_array(r, table_count());
    for (size_t i = 0; i < table_count(); i++) {
        const kv_command_family *f = NULL;
        assert_info_entry(r->element[i], table_command(i, &f));
    }
    freeReplyObject(r);
}

/* The table entry for a name, "container|sub" included. */
static const kv_command *named(const char *name) {
    for (size_t i = 0; i < table_count(); i++) {
        const kv_command_family *f = NULL;
        const kv_command *cmd = table_command(i, &f);
        if (strcmp(cmd->name, name) == 0) return cmd;
        for (size_t s = 0; s < cmd->subcommand_count; s++)
            if (strcmp(cmd->subcommands[s].name, name) == 0) return &cmd->subcommands[s];
    }
    fail_msg("no command %s in the table", name);
    return NULL;
}

static void test_command_and_command_info_describe_every_command(void **state) {
    (void)state;
    assert_every_command_described(KV_CMD(h, "COMMAND"));
    assert_every_command_described(KV_CMD(h, "COMMAND", "INFO"));
    /* Named ones in the order asked, an unknown one as a null, a subcommand by its full
     * name, a container with its subcommands; names in any case. */
    redisReply *r = tree(KV_CMD(h, "COMMAND", "INFO", "set", "nosuch", "config|get", "CONFIG"));
    assert_array(r, 4);
    assert_info_entry(r->element[0], named("set"));
    assert_int_equal(r->element[1]->type, REDIS_REPLY_NIL);
    assert_info_entry(r->element[2], named("config|get"));
    assert_info_entry(r->element[3], named("config"));
    freeReplyObject(r);
}

/* ---- COMMAND DOCS ---- */

/* A command's COMMAND DOCS entry (its name, then its map) begins with the docs table's
 * summary, since, group and complexity; the fields after them are test_kv_command_info's
 * (their bytes). Compared as bytes: hiredis 0.14 cannot read maps nested as deep as
 * BITPOS's arguments. */
static void assert_docs_entry_begins(const char *entry, size_t len, const kv_command *cmd) {
    const kv_command_doc *d = kv_command_doc_find(cmd->name);
    assert_non_null(d);
    char head[1024];
    int n = snprintf(head, sizeof head, "$%zu\r\n%s\r\n*", strlen(cmd->name), cmd->name);
    assert_true(n > 0 && (size_t)n < len);
    assert_memory_equal(entry, head, (size_t)n);
    const char *map = memchr(entry + n, '\n', len - (size_t)n);
    assert_non_null(map);
    n = snprintf(head, sizeof head,
                 "$7\r\nsummary\r\n$%zu\r\n%s\r\n$5\r\nsince\r\n$%zu\r\n%s\r\n$5\r\ngroup\r\n$%zu"
                 "\r\n%s\r\n$10\r\ncomplexity\r\n$%zu\r\n%s\r\n",
                 strlen(d->summary), d->summary, strlen(d->since), d->since, strlen(d->group),
                 d->group, strlen(d->complexity), d->complexity);
    assert_true(n > 0 && (size_t)n < sizeof head);
    assert_true((size_t)(entry + len - (map + 1)) >= (size_t)n);
    assert_memory_equal(map + 1, head, (size_t)n);
}

/* COMMAND DOCS <name>'s reply without its leading "*2\r\n": the name and its map, as a
 * longer DOCS reply holds them (malloc'd), checked against the docs table; a container's
 * map ends with its subcommands' entries, each as its own COMMAND DOCS gives it. */
static char *docs_entry(const kv_command *cmd, size_t *len) {
    const char *r = KV_CMD(h, "COMMAND", "DOCS", cmd->name);
    size_t n = kv_harness_reply_len(h);
    assert_true(n > 4 && memcmp(r, "*2\r\n", 4) == 0);
    char *entry = malloc(n - 4 + 1);
    assert_non_null(entry);
    memcpy(entry, r + 4, n - 4 + 1);
    *len = n - 4;
    assert_docs_entry_begins(entry, *len, cmd);
    if (cmd->subcommand_count == 0) return entry;
    char subs[64 * 1024];
    int at =
        snprintf(subs, sizeof subs, "$11\r\nsubcommands\r\n*%zu\r\n", 2 * cmd->subcommand_count);
    for (size_t i = 0; i < cmd->subcommand_count; i++) {
        size_t sub_len = 0;
        char *sub = docs_entry(&cmd->subcommands[i], &sub_len);
        assert_true((size_t)at + sub_len < sizeof subs);
        memcpy(subs + at, sub, sub_len);
        at += (int)sub_len;
        free(sub);
    }
    assert_true(*len > (size_t)at);
    assert_memory_equal(entry + *len - (size_t)at, subs, (size_t)at);
    return entry;
}

/* COMMAND DOCS without names: every command's entry in table order, each as its own COMMAND
 * DOCS gives it. */
static void test_command_docs_documents_every_command(void **state) {
    (void)state;
    size_t cap = 512 * 1024, at = 0;
    char *expected = malloc(cap);
    assert_non_null(expected);
    at += (size_t)snprintf(expected, cap, "*%zu\r\n", 2 * table_count());
    for (size_t i = 0; i < table_count(); i++) {
        const kv_command_family *f = NULL;
        size_t len = 0;
        char *entry = docs_entry(table_command(i, &f), &len);
        assert_true(at + len < cap);
        memcpy(expected + at, entry, len);
        at += len;
        free(entry);
    }
    const char *all = KV_CMD(h, "COMMAND", "DOCS");
    assert_int_equal(kv_harness_reply_len(h), at);
    assert_memory_equal(all, expected, at);
    free(expected);
}

/* ---- CONFIG GET ---- */

/* Every option of the harness's configuration (kv_harness_config), then Redis's names that
 * stasis answers with fixed values, then Redis's tunings, in CONFIG GET *'s order. */
static const char *const config_pairs[][2] = {
    {"keys_max", "64"},
    {"key_size_max", "64"},
    {"value_size_max", "256"},
    {"list_length_max", "32"},
    {"capacity_policy", "shared"},
    {"data_budget_bytes", "65536"},
    {"maxmemory", "65536"},
    {"chunk_size", "16"},
    {"reply_size_max", "65536"},
    {"lcs_cells_max", "1048576"},
    {"transaction_commands_max", "64"},
    {"transaction_bytes_max", "4096"},
    {"watched_keys_max", "32"},
    {"command_args_max", "34"},
    {"bulk_size_max", "256"},
    {"proto-max-bulk-len", "256"},
    {"inline_size_max", "65536"},
    {"request_size_max", "65536"},
    {"connections_max", "4"},
    {"maxclients", "4"},
    {"connection_buffer_size", "4096"},
    {"large_buffers_max", "4"},
    {"large_buffer_hold_ms_max", "5000"},
    {"large_buffer_rate_min_bytes_per_s", "65536"},
    {"idle_timeout_s", "0"},
    {"timeout", "0"},
    {"commands_per_turn_max", "64"},
    {"client_name_size_max", "64"},
    {"port", "6379"},
    {"bind", "127.0.0.1"},
    {"requirepass", ""},
    {"lock_memory", "no"},
    {"seal", "count"},
    {"hash_seed", "0"},
    {"save", ""},
    {"appendonly", "no"},
    {"databases", "1"},
    {"maxmemory-policy", "noeviction"},
    /* Redis's encoding tunings (no effect in stasis) at Redis 7.0's defaults, each under its
     * name and its older alias. */
    {"list-max-listpack-size", "-2"},
    {"list-max-ziplist-size", "-2"},
    {"list-compress-depth", "0"},
    {"hash-max-listpack-entries", "512"},
    {"hash-max-ziplist-entries", "512"},
    {"hash-max-listpack-value", "64"},
    {"hash-max-ziplist-value", "64"},
    {"set-max-intset-entries", "512"},
    {"zset-max-listpack-entries", "128"},
    {"zset-max-ziplist-entries", "128"},
    {"zset-max-listpack-value", "64"},
    {"zset-max-ziplist-value", "64"},
    {"stream-node-max-bytes", "4096"},
    {"stream-node-max-entries", "100"},
};
#define CONFIG_PAIR_COUNT (sizeof config_pairs / sizeof config_pairs[0])

static void test_config_get_everything(void **state) {
    (void)state;
    char expected[8192];
    size_t at = (size_t)snprintf(expected, sizeof expected, "*%zu\r\n", 2 * CONFIG_PAIR_COUNT);
    for (size_t i = 0; i < CONFIG_PAIR_COUNT; i++) {
        for (size_t k = 0; k < 2; k++) {
            at += (size_t)snprintf(expected + at, sizeof expected - at, "$%zu\r\n%s\r\n",
                                   strlen(config_pairs[i][k]), config_pairs[i][k]);
        }
    }
    assert_true(at < sizeof expected);
    assert_string_equal(KV_CMD(h, "CONFIG", "GET", "*"), expected);
    /* Several patterns: each match once per pattern, in table order per pattern. */
    assert_string_equal(KV_CMD(h, "CONFIG", "GET", "reply_size_max", "max*s"),
                        "*4\r\n$14\r\nreply_size_max\r\n$5\r\n65536\r\n"
                        "$10\r\nmaxclients\r\n$1\r\n4\r\n");
}

/* ---- INFO ---- */

static void test_info_limits_section_is_the_configuration(void **state) {
    (void)state;
    assert_string_equal(
        KV_CMD(h, "INFO", "limits"),
        "$632\r\n# Limits\r\n"
        "keys_max:64\r\nkey_size_max:64\r\nvalue_size_max:256\r\n"
        "list_length_max:32\r\ncapacity_policy:shared\r\n"
        "data_budget_bytes:65536\r\nchunk_size:16\r\nreply_size_max:65536\r\n"
        "lcs_cells_max:1048576\r\n"
        "transaction_commands_max:64\r\ntransaction_bytes_max:4096\r\nwatched_keys_max:32\r\n"
        "command_args_max:34\r\nbulk_size_max:"
        "256\r\ninline_size_max:65536\r\n"
        "request_size_max:65536\r\nconnections_max:4\r\n"
        "connection_buffer_size:4096\r\nlarge_buffers_max:4\r\n"
        "large_buffer_hold_ms_max:5000\r\n"
        "large_buffer_rate_min_bytes_per_s:65536\r\nidle_timeout_s:0\r\n"
        "commands_per_turn_max:64\r\nclient_name_size_max:64\r\nport:6379\r\n"
        "bind:127.0.0.1\r\nlock_memory:no\r\nseal:count\r\nhash_seed:0\r\n"
        "\r\n");
}

/* Every line of INFO is a section header, a field:value or the blank line ending a section. */
static void test_info_sections_in_order(void **state) {
    (void)state;
    static const char *const sections[] = {"# Server", "# Clients",  "# Memory",
                                           "# Stats",  "# Keyspace", "# Limits"};
    assert_string_equal(KV_CMD(h, "SET", "k", "v"), "+OK\r\n");
    redisReply *r = tree(KV_CMD(h, "INFO"));
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    size_t next = 0;
    bool blank_before = true;
    for (char *line = strtok(r->str, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        size_t n = strlen(line);
        assert_true(n >= 1 && line[n - 1] == '\r');
        line[n - 1] = '\0';
        if (line[0] == '#') {
            assert_true(blank_before);
            assert_true(next < sizeof sections / sizeof sections[0]);
            assert_string_equal(line, sections[next++]);
        } else if (n > 1) {
            const char *colon = strchr(line, ':');
            if (colon == NULL || colon == line || colon[1] == '\0')
                fail_msg("INFO line '%s'", line);
        }
        blank_before = n == 1;
    }
    assert_int_equal(next, sizeof sections / sizeof sections[0]);
    freeReplyObject(r);
    assert_string_equal(KV_CMD(h, "INFO", "keyspace"),
                        "$44\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n");
    assert_string_equal(KV_CMD(h, "INFO", "nosuch"), "$0\r\n\r\n");
}

/* ---- HELLO ---- */

static void test_hello_reply_is_exact(void **state) {
    (void)state;
    static const char hello[] = "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"
                                "$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:1\r\n"
                                "$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n"
                                "$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n";
    assert_string_equal(KV_CMD(h, "HELLO"), hello);
    assert_string_equal(KV_CMD(h, "HELLO", "2"), hello);
    assert_string_equal(KV_CMD(h, "HELLO", "2", "SETNAME", "me"), hello);
    assert_string_equal(KV_CMD(h, "HELLO", "2", "AUTH", "default", "x", "SETNAME", "me"), hello);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, open_harness, close_harness)
    const struct CMUnitTest tests[] = {
        T(test_command_count_and_list),
        T(test_command_help),
        T(test_command_and_command_info_describe_every_command),
        T(test_command_docs_documents_every_command),
        T(test_config_get_everything),
        T(test_info_limits_section_is_the_configuration),
        T(test_info_sections_in_order),
        T(test_hello_reply_is_exact),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
