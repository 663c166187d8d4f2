#ifndef STASIS_KV_COMMAND_DOCS_H
#define STASIS_KV_COMMAND_DOCS_H

/*
 * COMMAND DOCS's facts about each command: Redis 7.0.15's summary, since, group, complexity,
 * doc flags, deprecation, history and argument tree, so a client reading them sees what
 * Redis says of the same command. Internal to src/kv. Const data only (command_docs_*.c,
 * one file per Redis command group, generated from Redis's published command metadata:
 * src/commands/<name>.json of a Redis 7.0.15 tree, where "config|get" is config-get.json),
 * looked up by full name; cmd_command.c writes the reply in Redis's field order.
 */

#include <stddef.h>
#include <stdint.h>

/* Argument types, in Redis's order (the names COMMAND DOCS gives them). */
typedef enum {
    KV_DOC_ARG_STRING,
    KV_DOC_ARG_INTEGER,
    KV_DOC_ARG_DOUBLE,
    KV_DOC_ARG_KEY,
    KV_DOC_ARG_PATTERN,
    KV_DOC_ARG_UNIX_TIME,
    KV_DOC_ARG_PURE_TOKEN,
    KV_DOC_ARG_ONEOF,
    KV_DOC_ARG_BLOCK,
    KV_DOC_ARG_TYPE_COUNT,
} kv_doc_arg_type;

/* Argument flags, in the order COMMAND DOCS lists them. */
enum {
    KV_DOC_ARG_OPTIONAL = 1u << 0,
    KV_DOC_ARG_MULTIPLE = 1u << 1,
    KV_DOC_ARG_MULTIPLE_TOKEN = 1u << 2,
    KV_DOC_ARG_FLAG_COUNT = 3,
};

/* Command doc flags, in the order COMMAND DOCS lists them. */
enum {
    KV_DOC_DEPRECATED = 1u << 0,
    KV_DOC_SYSCMD = 1u << 1,
    KV_DOC_FLAG_COUNT = 2,
};

typedef struct kv_doc_arg {
    const char *name;
    kv_doc_arg_type type;
    int32_t key_spec_index; /* -1: not a key */
    const char *token;      /* each of these four: NULL when Redis has none */
    const char *since;
    const char *deprecated_since;
    uint32_t flags;                /* KV_DOC_ARG_* */
    const struct kv_doc_arg *args; /* a oneof's or block's own arguments */
    uint32_t arg_count;
} kv_doc_arg;

typedef struct kv_doc_history {
    const char *since;
    const char *changes;
} kv_doc_history;

typedef struct kv_command_doc {
    const char *name; /* as the command table's: "get", "config|get" */
    const char *summary;
    const char *since;
    const char *group;
    const char *complexity;
    uint32_t doc_flags;           /* KV_DOC_DEPRECATED, KV_DOC_SYSCMD */
    const char *deprecated_since; /* or NULL */
    const char *replaced_by;      /* or NULL */
    const kv_doc_history *history;
    uint32_t history_count; /* 0: COMMAND DOCS has no "history" field */
    const kv_doc_arg *args;
    uint32_t arg_count; /* 0: no "arguments" field */
} kv_command_doc;

/* The entry for a command's full name, or NULL. O(name length) expected, through an index
 * (name_index.h) the first call builds in O(entries). */
const kv_command_doc *kv_command_doc_find(const char *name);

/* How many entries the tables hold (one per command and subcommand). */
size_t kv_command_doc_count(void);

/* The tables of command_docs_<group>.c. */
#define KV_DOCS_GROUP(g)                                                                           \
    extern const kv_command_doc kv_docs_##g[];                                                     \
    extern const size_t kv_docs_##g##_count
KV_DOCS_GROUP(bitmap);
KV_DOCS_GROUP(connection);
KV_DOCS_GROUP(generic);
KV_DOCS_GROUP(list);
KV_DOCS_GROUP(scripting);
KV_DOCS_GROUP(server);
KV_DOCS_GROUP(string);
KV_DOCS_GROUP(transactions);
#undef KV_DOCS_GROUP

#endif
