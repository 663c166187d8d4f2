#ifndef STASIS_KV_COMMAND_META_H
#define STASIS_KV_COMMAND_META_H

/*
 * COMMAND INFO's facts about each command that Redis 7.0 reports and stasis's command
 * table does not need to run it: Redis's command flags, ACL categories, tips and key
 * specifications (command_meta.c). Internal to src/kv. Bits are in Redis's reply order,
 * so a reply lists them by walking the bits upward.
 */

#include <stddef.h>
#include <stdint.h>

/* Command flags, in the order COMMAND INFO lists them. */
enum {
    KV_RF_WRITE = 1u << 0,
    KV_RF_READONLY = 1u << 1,
    KV_RF_DENYOOM = 1u << 2,
    KV_RF_MODULE = 1u << 3,
    KV_RF_ADMIN = 1u << 4,
    KV_RF_PUBSUB = 1u << 5,
    KV_RF_NOSCRIPT = 1u << 6,
    KV_RF_BLOCKING = 1u << 7,
    KV_RF_LOADING = 1u << 8,
    KV_RF_STALE = 1u << 9,
    KV_RF_SKIP_MONITOR = 1u << 10,
    KV_RF_SKIP_SLOWLOG = 1u << 11,
    KV_RF_ASKING = 1u << 12,
    KV_RF_FAST = 1u << 13,
    KV_RF_NO_AUTH = 1u << 14,
    KV_RF_NO_MANDATORY_KEYS = 1u << 15,
    KV_RF_NO_ASYNC_LOADING = 1u << 16,
    KV_RF_NO_MULTI = 1u << 17,
    KV_RF_MOVABLEKEYS = 1u << 18,
    KV_RF_ALLOW_BUSY = 1u << 19,
    KV_RF_COUNT = 20,
};

/* ACL categories, in Redis's order (acl.c). */
enum {
    KV_ACL_KEYSPACE = 1u << 0,
    KV_ACL_READ = 1u << 1,
    KV_ACL_WRITE = 1u << 2,
    KV_ACL_SET = 1u << 3,
    KV_ACL_SORTEDSET = 1u << 4,
    KV_ACL_LIST = 1u << 5,
    KV_ACL_HASH = 1u << 6,
    KV_ACL_STRING = 1u << 7,
    KV_ACL_BITMAP = 1u << 8,
    KV_ACL_HYPERLOGLOG = 1u << 9,
    KV_ACL_GEO = 1u << 10,
    KV_ACL_STREAM = 1u << 11,
    KV_ACL_PUBSUB = 1u << 12,
    KV_ACL_ADMIN = 1u << 13,
    KV_ACL_FAST = 1u << 14,
    KV_ACL_SLOW = 1u << 15,
    KV_ACL_BLOCKING = 1u << 16,
    KV_ACL_DANGEROUS = 1u << 17,
    KV_ACL_CONNECTION = 1u << 18,
    KV_ACL_TRANSACTION = 1u << 19,
    KV_ACL_SCRIPTING = 1u << 20,
    KV_ACL_COUNT = 21,
};

/* Key-spec flags, in the order COMMAND INFO lists them. */
enum {
    KV_KEY_RO = 1u << 0,
    KV_KEY_RW = 1u << 1,
    KV_KEY_OW = 1u << 2,
    KV_KEY_RM = 1u << 3,
    KV_KEY_ACCESS = 1u << 4,
    KV_KEY_UPDATE = 1u << 5,
    KV_KEY_INSERT = 1u << 6,
    KV_KEY_DELETE = 1u << 7,
    KV_KEY_NOT_KEY = 1u << 8,
    KV_KEY_INCOMPLETE = 1u << 9,
    KV_KEY_VARIABLE_FLAGS = 1u << 10,
    KV_KEY_COUNT = 11,
};

typedef enum { KV_BS_UNKNOWN, KV_BS_INDEX, KV_BS_KEYWORD } kv_begin_search;
typedef enum { KV_FK_UNKNOWN, KV_FK_RANGE, KV_FK_KEYNUM } kv_find_keys;

typedef struct kv_key_spec {
    const char *notes; /* or NULL */
    uint32_t flags;    /* KV_KEY_* */
    kv_begin_search begin_search;
    int32_t begin;       /* index: the position; keyword: startfrom */
    const char *keyword; /* keyword search only */
    kv_find_keys find_keys;
    int32_t find[3]; /* range: lastkey, keystep, limit; keynum: keynumidx, firstkey, keystep */
} kv_key_spec;

typedef struct kv_command_meta {
    const char *name; /* as the command table's: "get", "config|get" */
    uint32_t flags;   /* KV_RF_* */
    uint32_t acl;     /* KV_ACL_*, the implicit ones included */
    const char *const *tips;
    uint32_t tip_count;
    const kv_key_spec *key_specs;
    uint32_t key_spec_count;
} kv_command_meta;

/* The entry for a command's full name, or NULL. O(name length) expected, through an index
 * (name_index.h) the first call builds in O(entries). */
const kv_command_meta *kv_command_meta_find(const char *name);

size_t kv_command_meta_count(void);

#endif
