/*
 * COMMAND DOCS's documentation of the scripting commands stasis offers, as Redis 7.0.15 gives it
 * (summary, since, group, complexity, doc flags, history, arguments), so that clients and
 * tools reading it see the same facts. Data only, generated from Redis's published command
 * metadata by tools/command_docs_gen.py; test_kv_command_info checks that every command of
 * the table has exactly one entry. The texts are Redis's reply data, reproduced for wire
 * compatibility like its error texts: Redis 7.0.15 src/commands/ (its JSON files), Copyright (c)
 * 2009-2022 Redis Ltd. and contributors, BSD 3-Clause licence.
 */
#include "kv/command_docs.h"

static const kv_doc_arg args_function_flush_0[] = {
    {.name = "async", .type = KV_DOC_ARG_PURE_TOKEN, .key_spec_index = -1, .token = "ASYNC"},
    {.name = "sync", .type = KV_DOC_ARG_PURE_TOKEN, .key_spec_index = -1, .token = "SYNC"},
};
static const kv_doc_arg args_function_flush[] = {
    {.name = "async",
     .type = KV_DOC_ARG_ONEOF,
     .key_spec_index = -1,
     .flags = KV_DOC_ARG_OPTIONAL,
     .args = args_function_flush_0,
     .arg_count = 2},
};

const kv_command_doc kv_docs_scripting[] = {
    {.name = "function",
     .summary = "A container for function commands",
     .since = "7.0.0",
     .group = "scripting",
     .complexity = "Depends on subcommand."},
    {.name = "function|flush",
     .summary = "Deleting all functions",
     .since = "7.0.0",
     .group = "scripting",
     .complexity = "O(N) where N is the number of functions deleted",
     .args = args_function_flush,
     .arg_count = 1},
};
const size_t kv_docs_scripting_count = sizeof kv_docs_scripting / sizeof kv_docs_scripting[0];
