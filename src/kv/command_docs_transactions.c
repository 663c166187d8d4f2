/*
 * COMMAND DOCS's documentation of the transactions commands stasis offers, as Redis 7.0.15 gives it
 * (summary, since, group, complexity, doc flags, history, arguments), so that clients and
 * tools reading it see the same facts. Data only, generated from Redis's published command
 * metadata by tools/command_docs_gen.py; test_kv_command_info checks that every command of
 * the table has exactly one entry. The texts are Redis's reply data, reproduced for wire
 * compatibility like its error texts: Redis 7.0.15 src/commands/ (its JSON files), Copyright (c)
 * 2009-2022 Redis Ltd. and contributors, BSD 3-Clause licence.
 */
#include "kv/command_docs.h"

static const kv_doc_arg args_watch[] = {
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0, .flags = KV_DOC_ARG_MULTIPLE},
};

const kv_command_doc kv_docs_transactions[] = {
    {.name = "multi",
     .summary = "Mark the start of a transaction block",
     .since = "1.2.0",
     .group = "transactions",
     .complexity = "O(1)"},
    {.name = "exec",
     .summary = "Execute all commands issued after MULTI",
     .since = "1.2.0",
     .group = "transactions",
     .complexity = "Depends on commands in the transaction"},
    {.name = "discard",
     .summary = "Discard all commands issued after MULTI",
     .since = "2.0.0",
     .group = "transactions",
     .complexity = "O(N), when N is the number of queued commands"},
    {.name = "watch",
     .summary = "Watch the given keys to determine execution of the MULTI/EXEC block",
     .since = "2.2.0",
     .group = "transactions",
     .complexity = "O(1) for every key.",
     .args = args_watch,
     .arg_count = 1},
    {.name = "unwatch",
     .summary = "Forget about all watched keys",
     .since = "2.2.0",
     .group = "transactions",
     .complexity = "O(1)"},
};
const size_t kv_docs_transactions_count =
    sizeof kv_docs_transactions / sizeof kv_docs_transactions[0];
