/*
 * COMMAND DOCS's documentation of the bitmap commands stasis offers, as Redis 7.0.15 gives it
 * (summary, since, group, complexity, doc flags, history, arguments), so that clients and
 * tools reading it see the same facts. Data only, generated from Redis's published command
 * metadata by tools/command_docs_gen.py; test_kv_command_info checks that every command of
 * the table has exactly one entry. The texts are Redis's reply data, reproduced for wire
 * compatibility like its error texts: Redis 7.0.15 src/commands/ (its JSON files), Copyright (c)
 * 2009-2022 Redis Ltd. and contributors, BSD 3-Clause licence.
 */
#include "kv/command_docs.h"

static const kv_doc_history history_bitcount[] = {
    {"7.0.0", "Added the `BYTE|BIT` option."},
};
static const kv_doc_arg args_bitcount_1_2[] = {
    {.name = "byte", .type = KV_DOC_ARG_PURE_TOKEN, .key_spec_index = -1, .token = "BYTE"},
    {.name = "bit", .type = KV_DOC_ARG_PURE_TOKEN, .key_spec_index = -1, .token = "BIT"},
};
static const kv_doc_arg args_bitcount_1[] = {
    {.name = "start", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
    {.name = "end", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
    {.name = "index_unit",
     .type = KV_DOC_ARG_ONEOF,
     .key_spec_index = -1,
     .since = "7.0.0",
     .flags = KV_DOC_ARG_OPTIONAL,
     .args = args_bitcount_1_2,
     .arg_count = 2},
};
static const kv_doc_arg args_bitcount[] = {
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "index",
     .type = KV_DOC_ARG_BLOCK,
     .key_spec_index = -1,
     .flags = KV_DOC_ARG_OPTIONAL,
     .args = args_bitcount_1,
     .arg_count = 3},
};
static const kv_doc_arg args_bitpos_2_1[] = {
    {.name = "end", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
    {.name = "index_unit",
     .type = KV_DOC_ARG_ONEOF,
     .key_spec_index = -1,
     .since = "7.0.0",
     .flags = KV_DOC_ARG_OPTIONAL,
     .args = args_bitcount_1_2,
     .arg_count = 2},
};
static const kv_doc_arg args_bitpos_2[] = {
    {.name = "start", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
    {.name = "end_index",
     .type = KV_DOC_ARG_BLOCK,
     .key_spec_index = -1,
     .flags = KV_DOC_ARG_OPTIONAL,
     .args = args_bitpos_2_1,
     .arg_count = 2},
};
static const kv_doc_arg args_bitpos[] = {
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "bit", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
    {.name = "index",
     .type = KV_DOC_ARG_BLOCK,
     .key_spec_index = -1,
     .flags = KV_DOC_ARG_OPTIONAL,
     .args = args_bitpos_2,
     .arg_count = 2},
};
static const kv_doc_arg args_getbit[] = {
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "offset", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
};
static const kv_doc_arg args_setbit[] = {
    {.name = "key", .type = KV_DOC_ARG_KEY, .key_spec_index = 0},
    {.name = "offset", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
    {.name = "value", .type = KV_DOC_ARG_INTEGER, .key_spec_index = -1},
};

const kv_command_doc kv_docs_bitmap[] = {
    {.name = "bitcount",
     .summary = "Count set bits in a string",
     .since = "2.6.0",
     .group = "bitmap",
     .complexity = "O(N)",
     .history = history_bitcount,
     .history_count = 1,
     .args = args_bitcount,
     .arg_count = 2},
    {.name = "bitpos",
     .summary = "Find first bit set or clear in a string",
     .since = "2.8.7",
     .group = "bitmap",
     .complexity = "O(N)",
     .history = history_bitcount,
     .history_count = 1,
     .args = args_bitpos,
     .arg_count = 3},
    {.name = "getbit",
     .summary = "Returns the bit value at offset in the string value stored at key",
     .since = "2.2.0",
     .group = "bitmap",
     .complexity = "O(1)",
     .args = args_getbit,
     .arg_count = 2},
    {.name = "setbit",
     .summary = "Sets or clears the bit at offset in the string value stored at key",
     .since = "2.2.0",
     .group = "bitmap",
     .complexity = "O(1)",
     .args = args_setbit,
     .arg_count = 3},
};
const size_t kv_docs_bitmap_count = sizeof kv_docs_bitmap / sizeof kv_docs_bitmap[0];
