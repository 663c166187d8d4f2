/*
 * What COMMAND INFO answers for each command beyond its arity and keys: Redis 7.0.15's
 * command flags, ACL categories (explicit and implicit, as Redis derives them), tips and
 * key specifications, transcribed from Redis's published command metadata so clients see
 * the same facts. Data only, one entry per command name (a subcommand as "container|sub");
 * test_kv_command_info checks that every command has exactly one entry and that the flags
 * agree with the command table's.
 */
#include "kv/command_meta.h"

#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/name_index.h"

/* One key spec: flags, the key's index, then the range's last key and step. */
#define KEY_SPEC(flags, index, last, step)                                                         \
    {                                                                                              \
        NULL, (flags), KV_BS_INDEX, (index), NULL, KV_FK_RANGE, { (last), (step), 0 }              \
    }

/* Key specs and tips several commands share, named by what a command does with its keys. */
/* inserts into its key (APPEND, the pushes, LINSERT) */
static const kv_key_spec key_insert[] = {
    KEY_SPEC(KV_KEY_RW | KV_KEY_INSERT, 1, 0, 1),
};
/* reads its key's value */
static const kv_key_spec key_read[] = {
    KEY_SPEC(KV_KEY_RO | KV_KEY_ACCESS, 1, 0, 1),
};
/* reads and updates its key (INCR and kin, GETSET, SETBIT) */
static const kv_key_spec key_read_update[] = {
    KEY_SPEC(KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_UPDATE, 1, 0, 1),
};
/* removes every key it names (DEL, UNLINK) */
static const kv_key_spec keys_all_remove[] = {
    KEY_SPEC(KV_KEY_RM | KV_KEY_DELETE, 1, -1, 1),
};
/* looks at every key it names, not at values (EXISTS, TOUCH, WATCH) */
static const kv_key_spec keys_all_metadata[] = {
    KEY_SPEC(KV_KEY_RO, 1, -1, 1),
};
/* updates its key without reading it (the expiries, LSET, SETRANGE) */
static const kv_key_spec key_update[] = {
    KEY_SPEC(KV_KEY_RW | KV_KEY_UPDATE, 1, 0, 1),
};
/* takes from its key (the pops, GETDEL) */
static const kv_key_spec key_pop[] = {
    KEY_SPEC(KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_DELETE, 1, 0, 1),
};
/* looks at its key, not at its value (LLEN, STRLEN, TYPE) */
static const kv_key_spec key_metadata[] = {
    KEY_SPEC(KV_KEY_RO, 1, 0, 1),
};
/* pops from the first key, pushes to the second (LMOVE, RPOPLPUSH and their blocking forms) */
static const kv_key_spec keys_pop_then_push[] = {
    KEY_SPEC(KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_DELETE, 1, 0, 1),
    KEY_SPEC(KV_KEY_RW | KV_KEY_INSERT, 2, 0, 1),
};
/* removes elements from its key (LREM, LTRIM) */
static const kv_key_spec key_remove_elements[] = {
    KEY_SPEC(KV_KEY_RW | KV_KEY_DELETE, 1, 0, 1),
};
/* a subcommand looking at its key (OBJECT ...) */
static const kv_key_spec subcommand_key_metadata[] = {
    KEY_SPEC(KV_KEY_RO, 2, 0, 1),
};
/* overwrites its key (SETEX, PSETEX) */
static const kv_key_spec key_overwrite[] = {
    KEY_SPEC(KV_KEY_OW | KV_KEY_UPDATE, 1, 0, 1),
};
static const char *const tips_output_order[] = {"nondeterministic_output_order"};
static const char *const tips_multi_shard_sum[] = {"request_policy:multi_shard",
                                                   "response_policy:agg_sum"};
static const char *const tips_all_shards_succeeded[] = {"request_policy:all_shards",
                                                        "response_policy:all_succeeded"};
static const char *const tips_nondeterministic[] = {"nondeterministic_output"};

static const char *const tips_config_set[] = {"request_policy:all_nodes",
                                              "response_policy:all_succeeded"};
static const kv_key_spec specs_copy[] = {
    KEY_SPEC(KV_KEY_RO | KV_KEY_ACCESS, 1, 0, 1),
    KEY_SPEC(KV_KEY_OW | KV_KEY_UPDATE, 2, 0, 1),
};
static const char *const tips_dbsize[] = {"request_policy:all_shards", "response_policy:agg_sum"};
static const kv_key_spec specs_getex[] = {
    {"RW and UPDATE because it changes the TTL",
     KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_UPDATE,
     KV_BS_INDEX,
     1,
     NULL,
     KV_FK_RANGE,
     {0, 1, 0}},
};
static const char *const tips_info[] = {"nondeterministic_output", "request_policy:all_shards",
                                        "response_policy:special"};
static const char *const tips_keys[] = {"request_policy:all_shards",
                                        "nondeterministic_output_order"};
static const kv_key_spec specs_lcs[] = {
    KEY_SPEC(KV_KEY_RO | KV_KEY_ACCESS, 1, 1, 1),
};
static const kv_key_spec specs_lmpop[] = {
    {NULL,
     KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_DELETE,
     KV_BS_INDEX,
     1,
     NULL,
     KV_FK_KEYNUM,
     {0, 1, 1}},
};
static const char *const tips_mget[] = {"request_policy:multi_shard"};
static const kv_key_spec specs_mget[] = {
    KEY_SPEC(KV_KEY_RO | KV_KEY_ACCESS, 1, -1, 1),
};
static const char *const tips_mset[] = {"request_policy:multi_shard",
                                        "response_policy:all_succeeded"};
static const kv_key_spec specs_mset[] = {
    KEY_SPEC(KV_KEY_OW | KV_KEY_UPDATE, 1, -1, 2),
};
static const char *const tips_msetnx[] = {"request_policy:multi_shard", "response_policy:agg_min"};
static const kv_key_spec specs_msetnx[] = {
    KEY_SPEC(KV_KEY_OW | KV_KEY_INSERT, 1, -1, 2),
};
static const char *const tips_randomkey[] = {"request_policy:all_shards",
                                             "nondeterministic_output"};
static const kv_key_spec specs_rename[] = {
    KEY_SPEC(KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_DELETE, 1, 0, 1),
    KEY_SPEC(KV_KEY_OW | KV_KEY_UPDATE, 2, 0, 1),
};
static const kv_key_spec specs_renamenx[] = {
    KEY_SPEC(KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_DELETE, 1, 0, 1),
    KEY_SPEC(KV_KEY_OW | KV_KEY_INSERT, 2, 0, 1),
};
static const char *const tips_scan[] = {"nondeterministic_output", "request_policy:special"};
static const kv_key_spec specs_set[] = {
    {"RW and ACCESS due to the optional `GET` argument",
     KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_UPDATE | KV_KEY_VARIABLE_FLAGS,
     KV_BS_INDEX,
     1,
     NULL,
     KV_FK_RANGE,
     {0, 1, 0}},
};
static const kv_key_spec specs_setnx[] = {
    KEY_SPEC(KV_KEY_OW | KV_KEY_INSERT, 1, 0, 1),
};

/* The blocking list commands (cmd_blocking.c): their sources are popped from. */
#define KEYS_POPPED (KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_DELETE)
static const kv_key_spec specs_bpop[] = {
    KEY_SPEC(KEYS_POPPED, 1, -2, 1),
};
static const kv_key_spec specs_blmpop[] = {
    {NULL, KEYS_POPPED, KV_BS_INDEX, 2, NULL, KV_FK_KEYNUM, {0, 1, 1}},
};
static const kv_command_meta metas[] = {
    {"append", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST,
     NULL, 0, key_insert, 1},
    {"auth",
     KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST | KV_RF_NO_AUTH | KV_RF_ALLOW_BUSY,
     KV_ACL_FAST | KV_ACL_CONNECTION, NULL, 0, NULL, 0},
    {"bitcount", KV_RF_READONLY, KV_ACL_READ | KV_ACL_BITMAP | KV_ACL_SLOW, NULL, 0, key_read, 1},
    {"bitpos", KV_RF_READONLY, KV_ACL_READ | KV_ACL_BITMAP | KV_ACL_SLOW, NULL, 0, key_read, 1},
    {"command", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_CONNECTION, tips_output_order, 1,
     NULL, 0},
    {"command|count", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_CONNECTION, NULL, 0, NULL,
     0},
    {"command|docs", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_CONNECTION,
     tips_output_order, 1, NULL, 0},
    {"command|getkeys", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_CONNECTION, NULL, 0, NULL,
     0},
    {"command|getkeysandflags", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_CONNECTION, NULL,
     0, NULL, 0},
    {"command|help", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_CONNECTION, NULL, 0, NULL,
     0},
    {"command|info", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_CONNECTION,
     tips_output_order, 1, NULL, 0},
    {"command|list", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_CONNECTION,
     tips_output_order, 1, NULL, 0},
    {"config", 0, KV_ACL_SLOW, NULL, 0, NULL, 0},
    {"config|get", KV_RF_ADMIN | KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE,
     KV_ACL_ADMIN | KV_ACL_SLOW | KV_ACL_DANGEROUS, NULL, 0, NULL, 0},
    {"config|help", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW, NULL, 0, NULL, 0},
    {"config|resetstat", KV_RF_ADMIN | KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE,
     KV_ACL_ADMIN | KV_ACL_SLOW | KV_ACL_DANGEROUS, NULL, 0, NULL, 0},
    {"config|set", KV_RF_ADMIN | KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE,
     KV_ACL_ADMIN | KV_ACL_SLOW | KV_ACL_DANGEROUS, tips_config_set, 2, NULL, 0},
    {"copy", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_SLOW, NULL, 0,
     specs_copy, 2},
    {"dbsize", KV_RF_READONLY | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_FAST,
     tips_dbsize, 2, NULL, 0},
    {"decr", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST,
     NULL, 0, key_read_update, 1},
    {"decrby", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST,
     NULL, 0, key_read_update, 1},
    {"del", KV_RF_WRITE, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_SLOW, tips_multi_shard_sum, 2,
     keys_all_remove, 1},
    {"echo", KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST, KV_ACL_FAST | KV_ACL_CONNECTION, NULL, 0,
     NULL, 0},
    {"exists", KV_RF_READONLY | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_FAST,
     tips_multi_shard_sum, 2, keys_all_metadata, 1},
    {"expire", KV_RF_WRITE | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_FAST, NULL, 0,
     key_update, 1},
    {"expireat", KV_RF_WRITE | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_FAST, NULL, 0,
     key_update, 1},
    {"expiretime", KV_RF_READONLY | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_FAST, NULL,
     0, key_read, 1},
    {"flushall", KV_RF_WRITE, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_SLOW | KV_ACL_DANGEROUS,
     tips_all_shards_succeeded, 2, NULL, 0},
    {"flushdb", KV_RF_WRITE, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_SLOW | KV_ACL_DANGEROUS,
     tips_all_shards_succeeded, 2, NULL, 0},
    {"function", 0, KV_ACL_SLOW, NULL, 0, NULL, 0},
    {"function|flush", KV_RF_NOSCRIPT | KV_RF_WRITE, KV_ACL_WRITE | KV_ACL_SLOW | KV_ACL_SCRIPTING,
     tips_all_shards_succeeded, 2, NULL, 0},
    {"get", KV_RF_READONLY | KV_RF_FAST, KV_ACL_READ | KV_ACL_STRING | KV_ACL_FAST, NULL, 0,
     key_read, 1},
    {"getbit", KV_RF_READONLY | KV_RF_FAST, KV_ACL_READ | KV_ACL_BITMAP | KV_ACL_FAST, NULL, 0,
     key_read, 1},
    {"getdel", KV_RF_WRITE | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST, NULL, 0,
     key_pop, 1},
    {"getex", KV_RF_WRITE | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST, NULL, 0,
     specs_getex, 1},
    {"getrange", KV_RF_READONLY, KV_ACL_READ | KV_ACL_STRING | KV_ACL_SLOW, NULL, 0, key_read, 1},
    {"getset", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST,
     NULL, 0, key_read_update, 1},
    {"hello",
     KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST | KV_RF_NO_AUTH | KV_RF_ALLOW_BUSY,
     KV_ACL_FAST | KV_ACL_CONNECTION, NULL, 0, NULL, 0},
    {"incr", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST,
     NULL, 0, key_read_update, 1},
    {"incrby", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST,
     NULL, 0, key_read_update, 1},
    {"incrbyfloat", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST,
     KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST, NULL, 0, key_read_update, 1},
    {"info", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_DANGEROUS, tips_info, 3, NULL, 0},
    {"keys", KV_RF_READONLY, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_SLOW | KV_ACL_DANGEROUS,
     tips_keys, 2, NULL, 0},
    {"lcs", KV_RF_READONLY, KV_ACL_READ | KV_ACL_STRING | KV_ACL_SLOW, NULL, 0, specs_lcs, 1},
    {"lindex", KV_RF_READONLY, KV_ACL_READ | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0, key_read, 1},
    {"linsert", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0,
     key_insert, 1},
    {"llen", KV_RF_READONLY | KV_RF_FAST, KV_ACL_READ | KV_ACL_LIST | KV_ACL_FAST, NULL, 0,
     key_metadata, 1},
    {"lmove", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0,
     keys_pop_then_push, 2},
    {"lmpop", KV_RF_WRITE | KV_RF_MOVABLEKEYS, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0,
     specs_lmpop, 1},
    {"lpop", KV_RF_WRITE | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_FAST, NULL, 0, key_pop,
     1},
    {"lpos", KV_RF_READONLY, KV_ACL_READ | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0, key_read, 1},
    {"lpush", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_FAST,
     NULL, 0, key_insert, 1},
    {"lpushx", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_FAST,
     NULL, 0, key_insert, 1},
    {"lrange", KV_RF_READONLY, KV_ACL_READ | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0, key_read, 1},
    {"lrem", KV_RF_WRITE, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0, key_remove_elements,
     1},
    {"lset", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0,
     key_update, 1},
    {"ltrim", KV_RF_WRITE, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0, key_remove_elements,
     1},
    {"mget", KV_RF_READONLY | KV_RF_FAST, KV_ACL_READ | KV_ACL_STRING | KV_ACL_FAST, tips_mget, 1,
     specs_mget, 1},
    {"mset", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_SLOW, tips_mset, 2,
     specs_mset, 1},
    {"msetnx", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_SLOW, tips_msetnx,
     2, specs_msetnx, 1},
    {"object", 0, KV_ACL_SLOW, NULL, 0, NULL, 0},
    {"object|encoding", KV_RF_READONLY, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_SLOW,
     tips_nondeterministic, 1, subcommand_key_metadata, 1},
    {"object|freq", KV_RF_READONLY, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_SLOW,
     tips_nondeterministic, 1, subcommand_key_metadata, 1},
    {"object|help", KV_RF_LOADING | KV_RF_STALE, KV_ACL_KEYSPACE | KV_ACL_SLOW, NULL, 0, NULL, 0},
    {"object|idletime", KV_RF_READONLY, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_SLOW,
     tips_nondeterministic, 1, subcommand_key_metadata, 1},
    {"object|refcount", KV_RF_READONLY, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_SLOW,
     tips_nondeterministic, 1, subcommand_key_metadata, 1},
    {"persist", KV_RF_WRITE | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_FAST, NULL, 0,
     key_update, 1},
    {"pexpire", KV_RF_WRITE | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_FAST, NULL, 0,
     key_update, 1},
    {"pexpireat", KV_RF_WRITE | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_FAST, NULL, 0,
     key_update, 1},
    {"pexpiretime", KV_RF_READONLY | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_FAST, NULL,
     0, key_read, 1},
    {"ping", KV_RF_FAST, KV_ACL_FAST | KV_ACL_CONNECTION, tips_all_shards_succeeded, 2, NULL, 0},
    {"psetex", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_SLOW, NULL, 0,
     key_overwrite, 1},
    {"pttl", KV_RF_READONLY | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_FAST,
     tips_nondeterministic, 1, key_read, 1},
    {"quit",
     KV_RF_ALLOW_BUSY | KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST | KV_RF_NO_AUTH,
     KV_ACL_FAST | KV_ACL_CONNECTION, NULL, 0, NULL, 0},
    {"randomkey", KV_RF_READONLY, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_SLOW, tips_randomkey, 2,
     NULL, 0},
    {"rename", KV_RF_WRITE, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_SLOW, NULL, 0, specs_rename, 2},
    {"renamenx", KV_RF_WRITE | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_FAST, NULL, 0,
     specs_renamenx, 2},
    {"rpop", KV_RF_WRITE | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_FAST, NULL, 0, key_pop,
     1},
    {"rpoplpush", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0,
     keys_pop_then_push, 2},
    {"rpush", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_FAST,
     NULL, 0, key_insert, 1},
    {"rpushx", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_FAST,
     NULL, 0, key_insert, 1},
    {"scan", KV_RF_READONLY, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_SLOW, tips_scan, 2, NULL, 0},
    {"select", KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST, KV_ACL_FAST | KV_ACL_CONNECTION, NULL, 0,
     NULL, 0},
    {"set", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_SLOW, NULL, 0,
     specs_set, 1},
    {"setbit", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_BITMAP | KV_ACL_SLOW, NULL, 0,
     key_read_update, 1},
    {"setex", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_SLOW, NULL, 0,
     key_overwrite, 1},
    {"setnx", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST,
     NULL, 0, specs_setnx, 1},
    {"setrange", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_SLOW, NULL, 0,
     key_update, 1},
    {"strlen", KV_RF_READONLY | KV_RF_FAST, KV_ACL_READ | KV_ACL_STRING | KV_ACL_FAST, NULL, 0,
     key_metadata, 1},
    {"time", KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST, KV_ACL_FAST, tips_nondeterministic, 1, NULL,
     0},
    {"touch", KV_RF_READONLY | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_FAST,
     tips_multi_shard_sum, 2, keys_all_metadata, 1},
    {"ttl", KV_RF_READONLY | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_FAST,
     tips_nondeterministic, 1, key_read, 1},
    {"type", KV_RF_READONLY | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_FAST, NULL, 0,
     key_metadata, 1},
    {"unlink", KV_RF_WRITE | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_FAST,
     tips_multi_shard_sum, 2, keys_all_remove, 1},
    /* transactions (cmd_multi.c) */
    {"multi", KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST | KV_RF_ALLOW_BUSY,
     KV_ACL_FAST | KV_ACL_TRANSACTION, NULL, 0, NULL, 0},
    {"exec", KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_SKIP_SLOWLOG,
     KV_ACL_SLOW | KV_ACL_TRANSACTION, NULL, 0, NULL, 0},
    {"discard", KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST | KV_RF_ALLOW_BUSY,
     KV_ACL_FAST | KV_ACL_TRANSACTION, NULL, 0, NULL, 0},
    {"watch", KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST | KV_RF_ALLOW_BUSY,
     KV_ACL_FAST | KV_ACL_TRANSACTION, NULL, 0, keys_all_metadata, 1},
    {"unwatch", KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST | KV_RF_ALLOW_BUSY,
     KV_ACL_FAST | KV_ACL_TRANSACTION, NULL, 0, NULL, 0},
    {"blpop", KV_RF_WRITE | KV_RF_NOSCRIPT | KV_RF_BLOCKING,
     KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW | KV_ACL_BLOCKING, NULL, 0, specs_bpop, 1},
    {"brpop", KV_RF_WRITE | KV_RF_NOSCRIPT | KV_RF_BLOCKING,
     KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW | KV_ACL_BLOCKING, NULL, 0, specs_bpop, 1},
    {"blmove", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_NOSCRIPT | KV_RF_BLOCKING,
     KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW | KV_ACL_BLOCKING, NULL, 0, keys_pop_then_push, 2},
    {"brpoplpush", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_NOSCRIPT | KV_RF_BLOCKING,
     KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW | KV_ACL_BLOCKING, NULL, 0, keys_pop_then_push, 2},
    {"blmpop", KV_RF_WRITE | KV_RF_BLOCKING | KV_RF_MOVABLEKEYS,
     KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW | KV_ACL_BLOCKING, NULL, 0, specs_blmpop, 1},
};

static const char *meta_name(size_t position) { return metas[position].name; }

/* COMMAND, COMMAND INFO and COMMAND LIST FILTERBY ACLCAT look up every command: hashed. */
static kv_name_index meta_index;

const kv_command_meta *kv_command_meta_find(const char *name) {
    kv_name_index_build(&meta_index, meta_name, sizeof metas / sizeof metas[0]);
    size_t p = kv_name_index_find(&meta_index, meta_name, name);
    return p == SIZE_MAX ? NULL : &metas[p];
}

size_t kv_command_meta_count(void) { return sizeof metas / sizeof metas[0]; }
