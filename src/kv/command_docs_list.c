/*
 * COMMAND DOCS's documentation of the list commands stasis offers, as Redis 7.0.15 gives it
 * (summary, since, group, complexity, doc flags, history, arguments), so that clients and
 * tools reading it see the same facts. Data only, generated from Redis's published command
 * metadata by tools/command_docs_gen.py; test_kv_command_info checks that every command of
 * the table has exactly one entry. The texts are Redis's reply data, reproduced for wire
 * compatibility like its error texts: Redis 7.0.15 src/commands/ (its JSON files), Copyright (c)
 * 2009-2022 Redis Ltd. and contributors, BSD 3-Clause licence.
 */
#include "kv/command_docs.h"

static const kv_doc_arg args_lindex[] = {
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "index", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
};
static const kv_doc_arg args_linsert_1[] = {
    {.name = "before", .type = KV_DOC_ARG_PURE_TOKEN, .key_spec_index = -1, .token = "BEFORE"},
    {.name = "after", .type = KV_DOC_ARG_PURE_TOKEN, .key_spec_index = -1, .token = "AFTER"},
};
static const kv_doc_arg args_linsert[] = {
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "where",
     .type = KV_DOC_ARG_ONEOF,
     .key_spec_index = -1,
     .args = args_linsert_1,
     .arg_count = 2},
    {.name = "pivot", .type = KV_DOC_ARG_STRING, .key_spec_index = -1},
    {.name = "element", .type = KV_DOC_ARG_STRING, .key_spec_index = -1},
};
static const kv_doc_arg args_llen[] = {
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
};
static const kv_doc_arg args_lmove_2[] = {
    {.name = "left", .type = KV_DOC_ARG_PURE_TOKEN, .key_spec_index = -1, .token = "LEFT"},
    {.name = "right", .type = KV_DOC_ARG_PURE_TOKEN, .key_spec_index = -1, .token = "RIGHT"},
};
static const kv_doc_arg args_lmove[] = {
    {.name = "source", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "destination", .type = KV_DOC_ARG_KEY, .key_spec_index = 1},
    {.name = "wherefrom",
     .type = KV_DOC_ARG_ONEOF,
     .key_spec_index = -1,
     .args = args_lmove_2,
     .arg_count = 2},
    {.name = "whereto",
     .type = KV_DOC_ARG_ONEOF,
     .key_spec_index = -1,
     .args = args_lmove_2,
     .arg_count = 2},
};
static const kv_doc_arg args_lmpop[] = {
    {.name = "numkeys", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0, .flags = KV_DOC_ARG_MULTIPLE},
    {.name = "where",
     .type = KV_DOC_ARG_ONEOF,
     .key_spec_index = -1,
     .args = args_lmove_2,
     .arg_count = 2},
    {.name = "count",
     .type = KV_DOC_ARG_INTEGER,
     .key_spec_index = -1,
     .token = "COUNT",
     .flags = KV_DOC_ARG_OPTIONAL},
};
static const kv_doc_history history_lpop[] = {
    {"6.2.0", "Added the `count` argument."},
};
static const kv_doc_arg args_lpop[] = {
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "count",
     .type = KV_DOC_ARG_INTEGER,
     .key_spec_index = -1,
     .since = "6.2.0",
     .flags = KV_DOC_ARG_OPTIONAL},
};
static const kv_doc_arg args_lpos[] = {
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "element", .type = KV_DOC_ARG_STRING, .key_spec_index = -1},
    {.name = "rank",
     .type = KV_DOC_ARG_INTEGER,
     .key_spec_index = -1,
     .token = "RANK",
     .flags = KV_DOC_ARG_OPTIONAL},
    {.name = "num-matches",
     .type = KV_DOC_ARG_INTEGER,
     .key_spec_index = -1,
     .token = "COUNT",
     .flags = KV_DOC_ARG_OPTIONAL},
    {.name = "len",
     .type = KV_DOC_ARG_INTEGER,
     .key_spec_index = -1,
     .token = "MAXLEN",
     .flags = KV_DOC_ARG_OPTIONAL},
};
static const kv_doc_history history_lpush[] = {
    {"2.4.0", "Accepts multiple `element` arguments."},
};
static const kv_doc_arg args_lpush[] = {
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "element",
     .type = KV_DOC_ARG_STRING,
     .key_spec_index = -1,
     .flags = KV_DOC_ARG_MULTIPLE},
};
static const kv_doc_history history_lpushx[] = {
    {"4.0.0", "Accepts multiple `element` arguments."},
};
static const kv_doc_arg args_lrange[] = {
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "start", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
    {.name = "stop", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
};
static const kv_doc_arg args_lrem[] = {
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "count", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
    {.name = "element", .type = KV_DOC_ARG_STRING, .key_spec_index = -1},
};
static const kv_doc_arg args_lset[] = {
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "index", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
    {.name = "element", .type = KV_DOC_ARG_STRING, .key_spec_index = -1},
};
static const kv_doc_arg args_rpoplpush[] = {
    {.name = "source", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "destination", .type = KV_DOC_ARG_KEY, .key_spec_index = 1},
};
static const kv_doc_history history_blpop[] = {
    {"6.0.0", "`timeout` is interpreted as a double instead of an integer."},
};
static const kv_doc_arg args_blpop[] = {
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0, .flags = KV_DOC_ARG_MULTIPLE},
    {.name = "timeout", .type = KV_DOC_ARG_DOUBLE, .key_spec_index = -1},
};
static const kv_doc_arg args_blmove[] = {
    {.name = "source", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "destination", .type = KV_DOC_ARG_KEY, .key_spec_index = 1},
    {.name = "wherefrom",
     .type = KV_DOC_ARG_ONEOF,
     .key_spec_index = -1,
     .args = args_lmove_2,
     .arg_count = 2},
    {.name = "whereto",
     .type = KV_DOC_ARG_ONEOF,
     .key_spec_index = -1,
     .args = args_lmove_2,
     .arg_count = 2},
    {.name = "timeout", .type = KV_DOC_ARG_DOUBLE, .key_spec_index = -1},
};
static const kv_doc_arg args_brpoplpush[] = {
    {.name = "source", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "destination", .type = KV_DOC_ARG_KEY, .key_spec_index = 1},
    {.name = "timeout", .type = KV_DOC_ARG_DOUBLE, .key_spec_index = -1},
};
static const kv_doc_arg args_blmpop[] = {
    {.name = "timeout", .type = KV_DOC_ARG_DOUBLE, .key_spec_index = -1},
    {.name = "numkeys", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0, .flags = KV_DOC_ARG_MULTIPLE},
    {.name = "where",
     .type = KV_DOC_ARG_ONEOF,
     .key_spec_index = -1,
     .args = args_lmove_2,
     .arg_count = 2},
    {.name = "count",
     .type = KV_DOC_ARG_INTEGER,
     .key_spec_index = -1,
     .token = "COUNT",
     .flags = KV_DOC_ARG_OPTIONAL},
};

const kv_command_doc kv_docs_list[] = {
    {.name = "lindex",
     .summary = "Get an element from a list by its index",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(N) where N is the number of elements to traverse to get to the element at "
                   "index. This makes asking for the first or the last element of the list O(1).",
     .args = args_lindex,
     .arg_count = 2},
    {.name = "linsert",
     .summary = "Insert an element before or after another element in a list",
     .since = "2.2.0",
     .group = "list",
     .complexity =
         "O(N) where N is the number of elements to traverse before seeing the value pivot. This "
         "means that inserting somewhere on the left end on the list (head) can be considered O(1) "
         "and inserting somewhere on the right end (tail) is O(N).",
     .args = args_linsert,
     .arg_count = 4},
    {.name = "llen",
     .summary = "Get the length of a list",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(1)",
     .args = args_llen,
     .arg_count = 1},
    {.name = "lmove",
     .summary = "Pop an element from a list, push it to another list and return it",
     .since = "6.2.0",
     .group = "list",
     .complexity = "O(1)",
     .args = args_lmove,
     .arg_count = 4},
    {.name = "lmpop",
     .summary = "Pop elements from a list",
     .since = "7.0.0",
     .group = "list",
     .complexity =
         "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
     .args = args_lmpop,
     .arg_count = 4},
    {.name = "lpop",
     .summary = "Remove and get the first elements in a list",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(N) where N is the number of elements returned",
     .history = history_lpop,
     .history_count = 1,
     .args = args_lpop,
     .arg_count = 2},
    {.name = "lpos",
     .summary = "Return the index of matching elements on a list",
     .since = "6.0.6",
     .group = "list",
     .complexity = "O(N) where N is the number of elements in the list, for the average case. When "
                   "searching for elements near the head or the tail of the list, or when the "
                   "MAXLEN option is provided, the command may run in constant time.",
     .args = args_lpos,
     .arg_count = 5},
    {.name = "lpush",
     .summary = "Prepend one or multiple elements to a list",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is "
                   "called with multiple arguments.",
     .history = history_lpush,
     .history_count = 1,
     .args = args_lpush,
     .arg_count = 2},
    {.name = "lpushx",
     .summary = "Prepend an element to a list, only if the list exists",
     .since = "2.2.0",
     .group = "list",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is "
                   "called with multiple arguments.",
     .history = history_lpushx,
     .history_count = 1,
     .args = args_lpush,
     .arg_count = 2},
    {.name = "lrange",
     .summary = "Get a range of elements from a list",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, from "
                   "nearest end (HEAD or TAIL) for large lists; and N is the number of elements in "
                   "the specified range.",
     .args = args_lrange,
     .arg_count = 3},
    {.name = "lrem",
     .summary = "Remove elements from a list",
     .since = "1.0.0",
     .group = "list",
     .complexity =
         "O(N+M) where N is the length of the list and M is the number of elements removed.",
     .args = args_lrem,
     .arg_count = 3},
    {.name = "lset",
     .summary = "Set the value of an element in a list by its index",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(N) where N is the length of the list. Setting either the first or the last "
                   "element of the list is O(1).",
     .args = args_lset,
     .arg_count = 3},
    {.name = "ltrim",
     .summary = "Trim a list to the specified range",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(N) where N is the number of elements to be removed by the operation.",
     .args = args_lrange,
     .arg_count = 3},
    {.name = "rpop",
     .summary = "Remove and get the last elements in a list",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(N) where N is the number of elements returned",
     .history = history_lpop,
     .history_count = 1,
     .args = args_lpop,
     .arg_count = 2},
    {.name = "rpoplpush",
     .summary = "Remove the last element in a list, prepend it to another list and return it",
     .since = "1.2.0",
     .group = "list",
     .complexity = "O(1)",
     .doc_flags = KV_DOC_DEPRECATED,
     .deprecated_since = "6.2.0",
     .replaced_by = "`LMOVE` with the `RIGHT` and `LEFT` arguments",
     .args = args_rpoplpush,
     .arg_count = 2},
    {.name = "rpush",
     .summary = "Append one or multiple elements to a list",
     .since = "1.0.0",
     .group = "list",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is "
                   "called with multiple arguments.",
     .history = history_lpush,
     .history_count = 1,
     .args = args_lpush,
     .arg_count = 2},
    {.name = "rpushx",
     .summary = "Append an element to a list, only if the list exists",
     .since = "2.2.0",
     .group = "list",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command is "
                   "called with multiple arguments.",
     .history = history_lpushx,
     .history_count = 1,
     .args = args_lpush,
     .arg_count = 2},
    {.name = "blpop",
     .summary = "Remove and get the first element in a list, or block until one is available",
     .since = "2.0.0",
     .group = "list",
     .complexity = "O(N) where N is the number of provided keys.",
     .history = history_blpop,
     .history_count = 1,
     .args = args_blpop,
     .arg_count = 2},
    {.name = "brpop",
     .summary = "Remove and get the last element in a list, or block until one is available",
     .since = "2.0.0",
     .group = "list",
     .complexity = "O(N) where N is the number of provided keys.",
     .history = history_blpop,
     .history_count = 1,
     .args = args_blpop,
     .arg_count = 2},
    {.name = "blmove",
     .summary = "Pop an element from a list, push it to another list and return it; or block until "
                "one is available",
     .since = "6.2.0",
     .group = "list",
     .complexity = "O(1)",
     .args = args_blmove,
     .arg_count = 5},
    {.name = "brpoplpush",
     .summary = "Pop an element from a list, push it to another list and return it; or block until "
                "one is available",
     .since = "2.2.0",
     .group = "list",
     .complexity = "O(1)",
     .doc_flags = KV_DOC_DEPRECATED,
     .deprecated_since = "6.2.0",
     .replaced_by = "`BLMOVE` with the `RIGHT` and `LEFT` arguments",
     .history = history_blpop,
     .history_count = 1,
     .args = args_brpoplpush,
     .arg_count = 3},
    {.name = "blmpop",
     .summary = "Pop elements from a list, or block until one is available",
     .since = "7.0.0",
     .group = "list",
     .complexity =
         "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
     .args = args_blmpop,
     .arg_count = 5},
};
const size_t kv_docs_list_count = sizeof kv_docs_list / sizeof kv_docs_list[0];
