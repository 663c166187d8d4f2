/* Keyspace-wide server commands: DBSIZE, FLUSHALL, FLUSHDB, TIME; and FUNCTION FLUSH. */
#include "alloc/stasis_assert.h"
#include "kv/command.h"
#include "kv/resp_number.h"

static void cmd_dbsize(kv_ctx *c) { kv_reply_integer(c, (int64_t)c->store->keys); }

/* FLUSHALL / FLUSHDB [ASYNC|SYNC]: with one database they are the same; both free
 * everything at once (O(keys + their chunks)), so ASYNC is accepted and runs synchronously. */
static void cmd_flush(kv_ctx *c) {
    if (c->argc == 2 && !kv_arg_is(c, 1, "sync") && !kv_arg_is(c, 1, "async")) {
        kv_reply_error(c, KV_ERR_SYNTAX);
        return;
    }
    if (c->argc > 2) {
        kv_reply_error(c, KV_ERR_SYNTAX);
        return;
    }
    kv_store_flush(c->store);
    kv_reply_ok(c);
}

/* TIME: the engine's clock (ms) as [seconds, microseconds], both bulk strings. */
static void cmd_time(kv_ctx *c) {
    int64_t seconds = c->now_ms / 1000;
    int64_t micros = (c->now_ms % 1000) * 1000;
    char buf[2][24];
    size_t len[2];
    int64_t values[2] = {seconds, micros};
    for (int i = 0; i < 2; i++) {
        len[i] = resp_format_int64(values[i], buf[i], sizeof buf[i]);
    }
    kv_reply_array(c, 2);
    kv_reply_bulk(c, buf[0], len[0]);
    kv_reply_bulk(c, buf[1], len[1]);
}

static const kv_command commands[] = {
    {.name = "dbsize", .arity = 1, .flags = KV_CMD_READONLY | KV_CMD_FAST, .handler = cmd_dbsize},
    {.name = "flushall", .arity = -1, .flags = KV_CMD_WRITE, .handler = cmd_flush},
    {.name = "flushdb", .arity = -1, .flags = KV_CMD_WRITE, .handler = cmd_flush},
    {.name = "time", .arity = 1, .flags = KV_CMD_FAST, .handler = cmd_time},
};

const kv_command_family kv_server_family = {.commands = commands,
                                            .count = sizeof commands / sizeof commands[0]};

/* FUNCTION FLUSH [ASYNC|SYNC]: stasis has no functions, so there is nothing to delete;
 * test suites and clients call it while setting up. */
static void cmd_function_flush(kv_ctx *c) {
    if (c->argc > 3) {
        kv_reply_errorf(c,
                        "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try "
                        "FUNCTION HELP.",
                        (int)c->argv[1].len, (const char *)c->argv[1].ptr);
        return;
    }
    if (c->argc == 3 && !kv_arg_is(c, 2, "sync") && !kv_arg_is(c, 2, "async")) {
        kv_reply_error(c, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    kv_reply_ok(c);
}

static const kv_command function_subcommands[] = {
    {.name = "function|flush", .arity = -2, .flags = KV_CMD_WRITE, .handler = cmd_function_flush},
};

static const kv_command scripting_commands[] = {
    {.name = "function",
     .arity = -2,
     .subcommands = function_subcommands,
     .subcommand_count = sizeof function_subcommands / sizeof function_subcommands[0]},
};

const kv_command_family kv_scripting_family = {.commands = scripting_commands, .count = 1};
