/*
 * COMMAND DOCS's documentation of the server commands stasis offers, as Redis 7.0.15 gives it
 * (summary, since, group, complexity, doc flags, history, arguments), so that clients and
 * tools reading it see the same facts. Data only, generated from Redis's published command
 * metadata by tools/command_docs_gen.py; test_kv_command_info checks that every command of
 * the table has exactly one entry. The texts are Redis's reply data, reproduced for wire
 * compatibility like its error texts: Redis 7.0.15 src/commands/ (its JSON files), Copyright (c)
 * 2009-2022 Redis Ltd. and contributors, BSD 3-Clause licence.
 */
#include "kv/command_docs.h"

static const kv_doc_arg args_command_docs[] = {
    {.name = "command-name",
     .type = KV_DOC_ARG_STRING,
     .key_spec_index = -1,
     .flags = KV_DOC_ARG_OPTIONAL | KV_DOC_ARG_MULTIPLE},
};
static const kv_doc_history history_command_info[] = {
    {"7.0.0", "Allowed to be called with no argument to get info on all commands."},
};
static const kv_doc_arg args_command_list_0[] = {
    {.name = "module-name", .type = KV_DOC_ARG_STRING, .key_spec_index = -1, .token = "MODULE"},
    {.name = "category", .type = KV_DOC_ARG_STRING, .key_spec_index = -1, .token = "ACLCAT"},
    {.name = "pattern", .type = KV_DOC_ARG_PATTERN, .key_spec_index = -1, .token = "PATTERN"},
};
static const kv_doc_arg args_command_list[] = {
    {.name = "filterby",
     .type = KV_DOC_ARG_ONEOF,
     .key_spec_index = -1,
     .token = "FILTERBY",
     .flags = KV_DOC_ARG_OPTIONAL,
     .args = args_command_list_0,
     .arg_count = 3},
};
static const kv_doc_history history_config_get[] = {
    {"7.0.0", "Added the ability to pass multiple pattern parameters in one call"},
};
static const kv_doc_arg args_config_get_0[] = {
    {.name = "parameter", .type = KV_DOC_ARG_STRING, .key_spec_index = -1},
};
static const kv_doc_arg args_config_get[] = {
    {.name = "parameter",
     .type = KV_DOC_ARG_BLOCK,
     .key_spec_index = -1,
     .flags = KV_DOC_ARG_MULTIPLE,
     .args = args_config_get_0,
     .arg_count = 1},
};
static const kv_doc_history history_config_set[] = {
    {"7.0.0", "Added the ability to set multiple parameters in one call."},
};
static const kv_doc_arg args_config_set_0[] = {
    {.name = "parameter", .type = KV_DOC_ARG_STRING, .key_spec_index = -1},
    {.name = "value", .type = KV_DOC_ARG_STRING, .key_spec_index = -1},
};
static const kv_doc_arg args_config_set[] = {
    {.name = "parameter_value",
     .type = KV_DOC_ARG_BLOCK,
     .key_spec_index = -1,
     .flags = KV_DOC_ARG_MULTIPLE,
     .args = args_config_set_0,
     .arg_count = 2},
};
static const kv_doc_history history_flushall[] = {
    {"4.0.0", "Added the `ASYNC` flushing mode modifier."},
    {"6.2.0", "Added the `SYNC` flushing mode modifier."},
};
static const kv_doc_arg args_flushall_0[] = {
    {.name = "async",
     .type = KV_DOC_ARG_PURE_TOKEN,
     .key_spec_index = -1,
     .token = "ASYNC",
     .since = "4.0.0"},
    {.name = "sync",
     .type = KV_DOC_ARG_PURE_TOKEN,
     .key_spec_index = -1,
     .token = "SYNC",
     .since = "6.2.0"},
};
static const kv_doc_arg args_flushall[] = {
    {.name = "async",
     .type = KV_DOC_ARG_ONEOF,
     .key_spec_index = -1,
     .flags = KV_DOC_ARG_OPTIONAL,
     .args = args_flushall_0,
     .arg_count = 2},
};
static const kv_doc_history history_info[] = {
    {"7.0.0", "Added support for taking multiple section arguments."},
};
static const kv_doc_arg args_info[] = {
    {.name = "section",
     .type = KV_DOC_ARG_STRING,
     .key_spec_index = -1,
     .flags = KV_DOC_ARG_OPTIONAL | KV_DOC_ARG_MULTIPLE},
};

const kv_command_doc kv_docs_server[] = {
    {.name = "command",
     .summary = "Get array of Redis command details",
     .since = "2.8.13",
     .group = "server",
     .complexity = "O(N) where N is the total number of Redis commands"},
    {.name = "command|count",
     .summary = "Get total number of Redis commands",
     .since = "2.8.13",
     .group = "server",
     .complexity = "O(1)"},
    {.name = "command|docs",
     .summary = "Get array of specific Redis command documentation",
     .since = "7.0.0",
     .group = "server",
     .complexity = "O(N) where N is the number of commands to look up",
     .args = args_command_docs,
     .arg_count = 1},
    {.name = "command|getkeys",
     .summary = "Extract keys given a full Redis command",
     .since = "2.8.13",
     .group = "server",
     .complexity = "O(N) where N is the number of arguments to the command"},
    {.name = "command|getkeysandflags",
     .summary = "Extract keys and access flags given a full Redis command",
     .since = "7.0.0",
     .group = "server",
     .complexity = "O(N) where N is the number of arguments to the command"},
    {.name = "command|help",
     .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0",
     .group = "server",
     .complexity = "O(1)"},
    {.name = "command|info",
     .summary = "Get array of specific Redis command details, or all when no argument is given.",
     .since = "2.8.13",
     .group = "server",
     .complexity = "O(N) where N is the number of commands to look up",
     .history = history_command_info,
     .history_count = 1,
     .args = args_command_docs,
     .arg_count = 1},
    {.name = "command|list",
     .summary = "Get an array of Redis command names",
     .since = "7.0.0",
     .group = "server",
     .complexity = "O(N) where N is the total number of Redis commands",
     .args = args_command_list,
     .arg_count = 1},
    {.name = "config",
     .summary = "A container for server configuration commands",
     .since = "2.0.0",
     .group = "server",
     .complexity = "Depends on subcommand."},
    {.name = "config|get",
     .summary = "Get the values of configuration parameters",
     .since = "2.0.0",
     .group = "server",
     .complexity = "O(N) when N is the number of configuration parameters provided",
     .history = history_config_get,
     .history_count = 1,
     .args = args_config_get,
     .arg_count = 1},
    {.name = "config|help",
     .summary = "Show helpful text about the different subcommands",
     .since = "5.0.0",
     .group = "server",
     .complexity = "O(1)"},
    {.name = "config|resetstat",
     .summary = "Reset the stats returned by INFO",
     .since = "2.0.0",
     .group = "server",
     .complexity = "O(1)"},
    {.name = "config|set",
     .summary = "Set configuration parameters to the given values",
     .since = "2.0.0",
     .group = "server",
     .complexity = "O(N) when N is the number of configuration parameters provided",
     .history = history_config_set,
     .history_count = 1,
     .args = args_config_set,
     .arg_count = 1},
    {.name = "dbsize",
     .summary = "Return the number of keys in the selected database",
     .since = "1.0.0",
     .group = "server",
     .complexity = "O(1)"},
    {.name = "flushall",
     .summary = "Remove all keys from all databases",
     .since = "1.0.0",
     .group = "server",
     .complexity = "O(N) where N is the total number of keys in all databases",
     .history = history_flushall,
     .history_count = 2,
     .args = args_flushall,
     .arg_count = 1},
    {.name = "flushdb",
     .summary = "Remove all keys from the current database",
     .since = "1.0.0",
     .group = "server",
     .complexity = "O(N) where N is the number of keys in the selected database",
     .history = history_flushall,
     .history_count = 2,
     .args = args_flushall,
     .arg_count = 1},
    {.name = "info",
     .summary = "Get information and statistics about the server",
     .since = "1.0.0",
     .group = "server",
     .complexity = "O(1)",
     .history = history_info,
     .history_count = 1,
     .args = args_info,
     .arg_count = 1},
    {.name = "time",
     .summary = "Return the current server time",
     .since = "2.6.0",
     .group = "server",
     .complexity = "O(1)"},
};
const size_t kv_docs_server_count = sizeof kv_docs_server / sizeof kv_docs_server[0];
