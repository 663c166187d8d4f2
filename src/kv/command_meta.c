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

static const kv_key_spec specs_append[] = {
    {NULL, KV_KEY_RW | KV_KEY_INSERT, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_bitcount[] = {
    {NULL, KV_KEY_RO | KV_KEY_ACCESS, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_bitpos[] = {
    {NULL, KV_KEY_RO | KV_KEY_ACCESS, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const char *const tips_command[] = {"nondeterministic_output_order"};
static const char *const tips_command_docs[] = {"nondeterministic_output_order"};
static const char *const tips_command_info[] = {"nondeterministic_output_order"};
static const char *const tips_command_list[] = {"nondeterministic_output_order"};
static const char *const tips_config_set[] = {"request_policy:all_nodes",
                                              "response_policy:all_succeeded"};
static const kv_key_spec specs_copy[] = {
    {NULL, KV_KEY_RO | KV_KEY_ACCESS, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
    {NULL, KV_KEY_OW | KV_KEY_UPDATE, KV_BS_INDEX, 2, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const char *const tips_dbsize[] = {"request_policy:all_shards", "response_policy:agg_sum"};
static const kv_key_spec specs_decr[] = {
    {NULL, KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_decrby[] = {
    {NULL, KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const char *const tips_del[] = {"request_policy:multi_shard", "response_policy:agg_sum"};
static const kv_key_spec specs_del[] = {
    {NULL, KV_KEY_RM | KV_KEY_DELETE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {-1, 1, 0}},
};
static const char *const tips_exists[] = {"request_policy:multi_shard", "response_policy:agg_sum"};
static const kv_key_spec specs_exists[] = {
    {NULL, KV_KEY_RO, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {-1, 1, 0}},
};
static const kv_key_spec specs_expire[] = {
    {NULL, KV_KEY_RW | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_expireat[] = {
    {NULL, KV_KEY_RW | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_expiretime[] = {
    {NULL, KV_KEY_RO | KV_KEY_ACCESS, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const char *const tips_flushall[] = {"request_policy:all_shards",
                                            "response_policy:all_succeeded"};
static const char *const tips_flushdb[] = {"request_policy:all_shards",
                                           "response_policy:all_succeeded"};
static const char *const tips_function_flush[] = {"request_policy:all_shards",
                                                  "response_policy:all_succeeded"};
static const kv_key_spec specs_get[] = {
    {NULL, KV_KEY_RO | KV_KEY_ACCESS, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_getbit[] = {
    {NULL, KV_KEY_RO | KV_KEY_ACCESS, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_getdel[] = {
    {NULL, KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_DELETE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_getex[] = {
    {"RW and UPDATE because it changes the TTL",
     KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_UPDATE,
     KV_BS_INDEX,
     1,
     NULL,
     KV_FK_RANGE,
     {0, 1, 0}},
};
static const kv_key_spec specs_getrange[] = {
    {NULL, KV_KEY_RO | KV_KEY_ACCESS, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_getset[] = {
    {NULL, KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_incr[] = {
    {NULL, KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_incrby[] = {
    {NULL, KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_incrbyfloat[] = {
    {NULL, KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const char *const tips_info[] = {"nondeterministic_output", "request_policy:all_shards",
                                        "response_policy:special"};
static const char *const tips_keys[] = {"request_policy:all_shards",
                                        "nondeterministic_output_order"};
static const kv_key_spec specs_lcs[] = {
    {NULL, KV_KEY_RO | KV_KEY_ACCESS, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {1, 1, 0}},
};
static const kv_key_spec specs_lindex[] = {
    {NULL, KV_KEY_RO | KV_KEY_ACCESS, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_linsert[] = {
    {NULL, KV_KEY_RW | KV_KEY_INSERT, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_llen[] = {
    {NULL, KV_KEY_RO, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_lmove[] = {
    {NULL, KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_DELETE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
    {NULL, KV_KEY_RW | KV_KEY_INSERT, KV_BS_INDEX, 2, NULL, KV_FK_RANGE, {0, 1, 0}},
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
static const kv_key_spec specs_lpop[] = {
    {NULL, KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_DELETE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_lpos[] = {
    {NULL, KV_KEY_RO | KV_KEY_ACCESS, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_lpush[] = {
    {NULL, KV_KEY_RW | KV_KEY_INSERT, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_lpushx[] = {
    {NULL, KV_KEY_RW | KV_KEY_INSERT, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_lrange[] = {
    {NULL, KV_KEY_RO | KV_KEY_ACCESS, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_lrem[] = {
    {NULL, KV_KEY_RW | KV_KEY_DELETE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_lset[] = {
    {NULL, KV_KEY_RW | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_ltrim[] = {
    {NULL, KV_KEY_RW | KV_KEY_DELETE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const char *const tips_mget[] = {"request_policy:multi_shard"};
static const kv_key_spec specs_mget[] = {
    {NULL, KV_KEY_RO | KV_KEY_ACCESS, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {-1, 1, 0}},
};
static const char *const tips_mset[] = {"request_policy:multi_shard",
                                        "response_policy:all_succeeded"};
static const kv_key_spec specs_mset[] = {
    {NULL, KV_KEY_OW | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {-1, 2, 0}},
};
static const char *const tips_msetnx[] = {"request_policy:multi_shard", "response_policy:agg_min"};
static const kv_key_spec specs_msetnx[] = {
    {NULL, KV_KEY_OW | KV_KEY_INSERT, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {-1, 2, 0}},
};
static const char *const tips_object_encoding[] = {"nondeterministic_output"};
static const kv_key_spec specs_object_encoding[] = {
    {NULL, KV_KEY_RO, KV_BS_INDEX, 2, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const char *const tips_object_freq[] = {"nondeterministic_output"};
static const kv_key_spec specs_object_freq[] = {
    {NULL, KV_KEY_RO, KV_BS_INDEX, 2, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const char *const tips_object_idletime[] = {"nondeterministic_output"};
static const kv_key_spec specs_object_idletime[] = {
    {NULL, KV_KEY_RO, KV_BS_INDEX, 2, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const char *const tips_object_refcount[] = {"nondeterministic_output"};
static const kv_key_spec specs_object_refcount[] = {
    {NULL, KV_KEY_RO, KV_BS_INDEX, 2, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_persist[] = {
    {NULL, KV_KEY_RW | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_pexpire[] = {
    {NULL, KV_KEY_RW | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_pexpireat[] = {
    {NULL, KV_KEY_RW | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_pexpiretime[] = {
    {NULL, KV_KEY_RO | KV_KEY_ACCESS, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const char *const tips_ping[] = {"request_policy:all_shards",
                                        "response_policy:all_succeeded"};
static const kv_key_spec specs_psetex[] = {
    {NULL, KV_KEY_OW | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const char *const tips_pttl[] = {"nondeterministic_output"};
static const kv_key_spec specs_pttl[] = {
    {NULL, KV_KEY_RO | KV_KEY_ACCESS, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const char *const tips_randomkey[] = {"request_policy:all_shards",
                                             "nondeterministic_output"};
static const kv_key_spec specs_rename[] = {
    {NULL, KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_DELETE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
    {NULL, KV_KEY_OW | KV_KEY_UPDATE, KV_BS_INDEX, 2, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_renamenx[] = {
    {NULL, KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_DELETE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
    {NULL, KV_KEY_OW | KV_KEY_INSERT, KV_BS_INDEX, 2, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_rpop[] = {
    {NULL, KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_DELETE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_rpoplpush[] = {
    {NULL, KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_DELETE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
    {NULL, KV_KEY_RW | KV_KEY_INSERT, KV_BS_INDEX, 2, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_rpush[] = {
    {NULL, KV_KEY_RW | KV_KEY_INSERT, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_rpushx[] = {
    {NULL, KV_KEY_RW | KV_KEY_INSERT, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
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
static const kv_key_spec specs_setbit[] = {
    {NULL, KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_setex[] = {
    {NULL, KV_KEY_OW | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_setnx[] = {
    {NULL, KV_KEY_OW | KV_KEY_INSERT, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_setrange[] = {
    {NULL, KV_KEY_RW | KV_KEY_UPDATE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_strlen[] = {
    {NULL, KV_KEY_RO, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const char *const tips_time[] = {"nondeterministic_output"};
static const char *const tips_touch[] = {"request_policy:multi_shard", "response_policy:agg_sum"};
static const kv_key_spec specs_touch[] = {
    {NULL, KV_KEY_RO, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {-1, 1, 0}},
};
static const char *const tips_ttl[] = {"nondeterministic_output"};
static const kv_key_spec specs_ttl[] = {
    {NULL, KV_KEY_RO | KV_KEY_ACCESS, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const kv_key_spec specs_type[] = {
    {NULL, KV_KEY_RO, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {0, 1, 0}},
};
static const char *const tips_unlink[] = {"request_policy:multi_shard", "response_policy:agg_sum"};
static const kv_key_spec specs_unlink[] = {
    {NULL, KV_KEY_RM | KV_KEY_DELETE, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {-1, 1, 0}},
};

static const kv_key_spec specs_watch[] = {
    {NULL, KV_KEY_RO, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {-1, 1, 0}},
};

/* The blocking list commands (cmd_blocking.c): their sources are popped from. */
#define KEYS_POPPED (KV_KEY_RW | KV_KEY_ACCESS | KV_KEY_DELETE)
static const kv_key_spec specs_bpop[] = {
    {NULL, KEYS_POPPED, KV_BS_INDEX, 1, NULL, KV_FK_RANGE, {-2, 1, 0}},
};
static const kv_key_spec specs_blmpop[] = {
    {NULL, KEYS_POPPED, KV_BS_INDEX, 2, NULL, KV_FK_KEYNUM, {0, 1, 1}},
};
static const kv_command_meta metas[] = {
    {"append", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST,
     NULL, 0, specs_append, 1},
    {"auth",
     KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST | KV_RF_NO_AUTH | KV_RF_ALLOW_BUSY,
     KV_ACL_FAST | KV_ACL_CONNECTION, NULL, 0, NULL, 0},
    {"bitcount", KV_RF_READONLY, KV_ACL_READ | KV_ACL_BITMAP | KV_ACL_SLOW, NULL, 0, specs_bitcount,
     1},
    {"bitpos", KV_RF_READONLY, KV_ACL_READ | KV_ACL_BITMAP | KV_ACL_SLOW, NULL, 0, specs_bitpos, 1},
    {"command", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_CONNECTION, tips_command, 1, NULL,
     0},
    {"command|count", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_CONNECTION, NULL, 0, NULL,
     0},
    {"command|docs", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_CONNECTION,
     tips_command_docs, 1, NULL, 0},
    {"command|getkeys", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_CONNECTION, NULL, 0, NULL,
     0},
    {"command|help", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_CONNECTION, NULL, 0, NULL,
     0},
    {"command|info", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_CONNECTION,
     tips_command_info, 1, NULL, 0},
    {"command|list", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_CONNECTION,
     tips_command_list, 1, NULL, 0},
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
     NULL, 0, specs_decr, 1},
    {"decrby", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST,
     NULL, 0, specs_decrby, 1},
    {"del", KV_RF_WRITE, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_SLOW, tips_del, 2, specs_del, 1},
    {"echo", KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST, KV_ACL_FAST | KV_ACL_CONNECTION, NULL, 0,
     NULL, 0},
    {"exists", KV_RF_READONLY | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_FAST,
     tips_exists, 2, specs_exists, 1},
    {"expire", KV_RF_WRITE | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_FAST, NULL, 0,
     specs_expire, 1},
    {"expireat", KV_RF_WRITE | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_FAST, NULL, 0,
     specs_expireat, 1},
    {"expiretime", KV_RF_READONLY | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_FAST, NULL,
     0, specs_expiretime, 1},
    {"flushall", KV_RF_WRITE, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_SLOW | KV_ACL_DANGEROUS,
     tips_flushall, 2, NULL, 0},
    {"flushdb", KV_RF_WRITE, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_SLOW | KV_ACL_DANGEROUS,
     tips_flushdb, 2, NULL, 0},
    {"function", 0, KV_ACL_SLOW, NULL, 0, NULL, 0},
    {"function|flush", KV_RF_NOSCRIPT | KV_RF_WRITE, KV_ACL_WRITE | KV_ACL_SLOW | KV_ACL_SCRIPTING,
     tips_function_flush, 2, NULL, 0},
    {"get", KV_RF_READONLY | KV_RF_FAST, KV_ACL_READ | KV_ACL_STRING | KV_ACL_FAST, NULL, 0,
     specs_get, 1},
    {"getbit", KV_RF_READONLY | KV_RF_FAST, KV_ACL_READ | KV_ACL_BITMAP | KV_ACL_FAST, NULL, 0,
     specs_getbit, 1},
    {"getdel", KV_RF_WRITE | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST, NULL, 0,
     specs_getdel, 1},
    {"getex", KV_RF_WRITE | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST, NULL, 0,
     specs_getex, 1},
    {"getrange", KV_RF_READONLY, KV_ACL_READ | KV_ACL_STRING | KV_ACL_SLOW, NULL, 0, specs_getrange,
     1},
    {"getset", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST,
     NULL, 0, specs_getset, 1},
    {"hello",
     KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST | KV_RF_NO_AUTH | KV_RF_ALLOW_BUSY,
     KV_ACL_FAST | KV_ACL_CONNECTION, NULL, 0, NULL, 0},
    {"incr", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST,
     NULL, 0, specs_incr, 1},
    {"incrby", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST,
     NULL, 0, specs_incrby, 1},
    {"incrbyfloat", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST,
     KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST, NULL, 0, specs_incrbyfloat, 1},
    {"info", KV_RF_LOADING | KV_RF_STALE, KV_ACL_SLOW | KV_ACL_DANGEROUS, tips_info, 3, NULL, 0},
    {"keys", KV_RF_READONLY, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_SLOW | KV_ACL_DANGEROUS,
     tips_keys, 2, NULL, 0},
    {"lcs", KV_RF_READONLY, KV_ACL_READ | KV_ACL_STRING | KV_ACL_SLOW, NULL, 0, specs_lcs, 1},
    {"lindex", KV_RF_READONLY, KV_ACL_READ | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0, specs_lindex, 1},
    {"linsert", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0,
     specs_linsert, 1},
    {"llen", KV_RF_READONLY | KV_RF_FAST, KV_ACL_READ | KV_ACL_LIST | KV_ACL_FAST, NULL, 0,
     specs_llen, 1},
    {"lmove", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0,
     specs_lmove, 2},
    {"lmpop", KV_RF_WRITE | KV_RF_MOVABLEKEYS, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0,
     specs_lmpop, 1},
    {"lpop", KV_RF_WRITE | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_FAST, NULL, 0,
     specs_lpop, 1},
    {"lpos", KV_RF_READONLY, KV_ACL_READ | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0, specs_lpos, 1},
    {"lpush", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_FAST,
     NULL, 0, specs_lpush, 1},
    {"lpushx", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_FAST,
     NULL, 0, specs_lpushx, 1},
    {"lrange", KV_RF_READONLY, KV_ACL_READ | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0, specs_lrange, 1},
    {"lrem", KV_RF_WRITE, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0, specs_lrem, 1},
    {"lset", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0,
     specs_lset, 1},
    {"ltrim", KV_RF_WRITE, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0, specs_ltrim, 1},
    {"mget", KV_RF_READONLY | KV_RF_FAST, KV_ACL_READ | KV_ACL_STRING | KV_ACL_FAST, tips_mget, 1,
     specs_mget, 1},
    {"mset", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_SLOW, tips_mset, 2,
     specs_mset, 1},
    {"msetnx", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_SLOW, tips_msetnx,
     2, specs_msetnx, 1},
    {"object", 0, KV_ACL_SLOW, NULL, 0, NULL, 0},
    {"object|encoding", KV_RF_READONLY, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_SLOW,
     tips_object_encoding, 1, specs_object_encoding, 1},
    {"object|freq", KV_RF_READONLY, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_SLOW, tips_object_freq,
     1, specs_object_freq, 1},
    {"object|help", KV_RF_LOADING | KV_RF_STALE, KV_ACL_KEYSPACE | KV_ACL_SLOW, NULL, 0, NULL, 0},
    {"object|idletime", KV_RF_READONLY, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_SLOW,
     tips_object_idletime, 1, specs_object_idletime, 1},
    {"object|refcount", KV_RF_READONLY, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_SLOW,
     tips_object_refcount, 1, specs_object_refcount, 1},
    {"persist", KV_RF_WRITE | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_FAST, NULL, 0,
     specs_persist, 1},
    {"pexpire", KV_RF_WRITE | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_FAST, NULL, 0,
     specs_pexpire, 1},
    {"pexpireat", KV_RF_WRITE | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_FAST, NULL, 0,
     specs_pexpireat, 1},
    {"pexpiretime", KV_RF_READONLY | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_FAST, NULL,
     0, specs_pexpiretime, 1},
    {"ping", KV_RF_FAST, KV_ACL_FAST | KV_ACL_CONNECTION, tips_ping, 2, NULL, 0},
    {"psetex", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_SLOW, NULL, 0,
     specs_psetex, 1},
    {"pttl", KV_RF_READONLY | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_FAST, tips_pttl, 1,
     specs_pttl, 1},
    {"quit",
     KV_RF_ALLOW_BUSY | KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST | KV_RF_NO_AUTH,
     KV_ACL_FAST | KV_ACL_CONNECTION, NULL, 0, NULL, 0},
    {"randomkey", KV_RF_READONLY, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_SLOW, tips_randomkey, 2,
     NULL, 0},
    {"rename", KV_RF_WRITE, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_SLOW, NULL, 0, specs_rename, 2},
    {"renamenx", KV_RF_WRITE | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_FAST, NULL, 0,
     specs_renamenx, 2},
    {"rpop", KV_RF_WRITE | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_FAST, NULL, 0,
     specs_rpop, 1},
    {"rpoplpush", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW, NULL, 0,
     specs_rpoplpush, 2},
    {"rpush", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_FAST,
     NULL, 0, specs_rpush, 1},
    {"rpushx", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_FAST,
     NULL, 0, specs_rpushx, 1},
    {"scan", KV_RF_READONLY, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_SLOW, tips_scan, 2, NULL, 0},
    {"select", KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST, KV_ACL_FAST | KV_ACL_CONNECTION, NULL, 0,
     NULL, 0},
    {"set", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_SLOW, NULL, 0,
     specs_set, 1},
    {"setbit", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_BITMAP | KV_ACL_SLOW, NULL, 0,
     specs_setbit, 1},
    {"setex", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_SLOW, NULL, 0,
     specs_setex, 1},
    {"setnx", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_FAST, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_FAST,
     NULL, 0, specs_setnx, 1},
    {"setrange", KV_RF_WRITE | KV_RF_DENYOOM, KV_ACL_WRITE | KV_ACL_STRING | KV_ACL_SLOW, NULL, 0,
     specs_setrange, 1},
    {"strlen", KV_RF_READONLY | KV_RF_FAST, KV_ACL_READ | KV_ACL_STRING | KV_ACL_FAST, NULL, 0,
     specs_strlen, 1},
    {"time", KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST, KV_ACL_FAST, tips_time, 1, NULL, 0},
    {"touch", KV_RF_READONLY | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_FAST, tips_touch,
     2, specs_touch, 1},
    {"ttl", KV_RF_READONLY | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_FAST, tips_ttl, 1,
     specs_ttl, 1},
    {"type", KV_RF_READONLY | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_READ | KV_ACL_FAST, NULL, 0,
     specs_type, 1},
    {"unlink", KV_RF_WRITE | KV_RF_FAST, KV_ACL_KEYSPACE | KV_ACL_WRITE | KV_ACL_FAST, tips_unlink,
     2, specs_unlink, 1},
    /* transactions (cmd_multi.c) */
    {"multi", KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST | KV_RF_ALLOW_BUSY,
     KV_ACL_FAST | KV_ACL_TRANSACTION, NULL, 0, NULL, 0},
    {"exec", KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_SKIP_SLOWLOG,
     KV_ACL_SLOW | KV_ACL_TRANSACTION, NULL, 0, NULL, 0},
    {"discard", KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST | KV_RF_ALLOW_BUSY,
     KV_ACL_FAST | KV_ACL_TRANSACTION, NULL, 0, NULL, 0},
    {"watch", KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST | KV_RF_ALLOW_BUSY,
     KV_ACL_FAST | KV_ACL_TRANSACTION, NULL, 0, specs_watch, 1},
    {"unwatch", KV_RF_NOSCRIPT | KV_RF_LOADING | KV_RF_STALE | KV_RF_FAST | KV_RF_ALLOW_BUSY,
     KV_ACL_FAST | KV_ACL_TRANSACTION, NULL, 0, NULL, 0},
    {"blpop", KV_RF_WRITE | KV_RF_NOSCRIPT | KV_RF_BLOCKING,
     KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW | KV_ACL_BLOCKING, NULL, 0, specs_bpop, 1},
    {"brpop", KV_RF_WRITE | KV_RF_NOSCRIPT | KV_RF_BLOCKING,
     KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW | KV_ACL_BLOCKING, NULL, 0, specs_bpop, 1},
    {"blmove", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_NOSCRIPT | KV_RF_BLOCKING,
     KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW | KV_ACL_BLOCKING, NULL, 0, specs_lmove, 2},
    {"brpoplpush", KV_RF_WRITE | KV_RF_DENYOOM | KV_RF_NOSCRIPT | KV_RF_BLOCKING,
     KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW | KV_ACL_BLOCKING, NULL, 0, specs_rpoplpush, 2},
    {"blmpop", KV_RF_WRITE | KV_RF_BLOCKING | KV_RF_MOVABLEKEYS,
     KV_ACL_WRITE | KV_ACL_LIST | KV_ACL_SLOW | KV_ACL_BLOCKING, NULL, 0, specs_blmpop, 1},
};

const kv_command_meta *kv_command_meta_find(const char *name) {
    for (size_t i = 0; i < sizeof metas / sizeof metas[0]; i++) {
        if (strcmp(metas[i].name, name) == 0) return &metas[i];
    }
    return NULL;
}

size_t kv_command_meta_count(void) { return sizeof metas / sizeof metas[0]; }
