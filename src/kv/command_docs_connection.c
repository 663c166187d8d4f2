/*
 * COMMAND DOCS's documentation of the connection commands stasis offers, as Redis 7.0.15 gives it
 * (summary, since, group, complexity, doc flags, history, arguments), so that clients and
 * tools reading it see the same facts. Data only, generated from Redis's published command
 * metadata by tools/command_docs_gen.py; test_kv_command_info checks that every command of
 * the table has exactly one entry. The texts are Redis's reply data, reproduced for wire
 * compatibility like its error texts: Redis 7.0.15 src/commands/ (its JSON files), Copyright (c)
 * 2009-2022 Redis Ltd. and contributors, BSD 3-Clause licence.
 */
#include "kv/command_docs.h"

static const kv_doc_history history_auth[] = {
    {"6.0.0", "Added ACL style (username and password)."},
};
static const kv_doc_arg args_auth[] = {
    {.name = "username",
     .type = KV_DOC_ARG_STRING,
     .key_spec_index = -1,
     .since = "6.0.0",
     .flags = KV_DOC_ARG_OPTIONAL},
    {.name = "password", .type = KV_DOC_ARG_STRING, .key_spec_index = -1},
};
static const kv_doc_arg args_echo[] = {
    {.name = "message", .type = KV_DOC_ARG_STRING, .key_spec_index = -1},
};
static const kv_doc_history history_hello[] = {
    {"6.2.0", "`protover` made optional; when called without arguments the command reports the "
              "current connection's context."},
};
static const kv_doc_arg args_hello_0_1[] = {
    {.name = "username", .type = KV_DOC_ARG_STRING, .key_spec_index = -1},
    {.name = "password", .type = KV_DOC_ARG_STRING, .key_spec_index = -1},
};
static const kv_doc_arg args_hello_0[] = {
    {.name = "protover", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
    {.name = "username_password",
     .type = KV_DOC_ARG_BLOCK,
     .key_spec_index = -1,
     .token = "AUTH",
     .flags = KV_DOC_ARG_OPTIONAL,
     .args = args_hello_0_1,
     .arg_count = 2},
    {.name = "clientname",
     .type = KV_DOC_ARG_STRING,
     .key_spec_index = -1,
     .token = "SETNAME",
     .flags = KV_DOC_ARG_OPTIONAL},
};
static const kv_doc_arg args_hello[] = {
    {.name = "arguments",
     .type = KV_DOC_ARG_BLOCK,
     .key_spec_index = -1,
     .flags = KV_DOC_ARG_OPTIONAL,
     .args = args_hello_0,
     .arg_count = 3},
};
static const kv_doc_arg args_ping[] = {
    {.name = "message",
     .type = KV_DOC_ARG_STRING,
     .key_spec_index = -1,
     .flags = KV_DOC_ARG_OPTIONAL},
};
static const kv_doc_arg args_select[] = {
    {.name = "index", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
};

const kv_command_doc kv_docs_connection[] = {
    {.name = "auth",
     .summary = "Authenticate to the server",
     .since = "1.0.0",
     .group = "connection",
     .complexity = "O(N) where N is the number of passwords defined for the user",
     .history = history_auth,
     .history_count = 1,
     .args = args_auth,
     .arg_count = 2},
    {.name = "echo",
     .summary = "Echo the given string",
     .since = "1.0.0",
     .group = "connection",
     .complexity = "O(1)",
     .args = args_echo,
     .arg_count = 1},
    {.name = "hello",
     .summary = "Handshake with Redis",
     .since = "6.0.0",
     .group = "connection",
     .complexity = "O(1)",
     .history = history_hello,
     .history_count = 1,
     .args = args_hello,
     .arg_count = 1},
    {.name = "ping",
     .summary = "Ping the server",
     .since = "1.0.0",
     .group = "connection",
     .complexity = "O(1)",
     .args = args_ping,
     .arg_count = 1},
    {.name = "quit",
     .summary = "Close the connection",
     .since = "1.0.0",
     .group = "connection",
     .complexity = "O(1)"},
    {.name = "select",
     .summary = "Change the selected database for the current connection",
     .since = "1.0.0",
     .group = "connection",
     .complexity = "O(1)",
     .args = args_select,
     .arg_count = 1},
};
const size_t kv_docs_connection_count = sizeof kv_docs_connection / sizeof kv_docs_connection[0];
