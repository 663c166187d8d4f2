/*
 * Keyspace commands that look at or duplicate whole values: COPY, RANDOMKEY and OBJECT
 * (ENCODING, REFCOUNT, IDLETIME, FREQ, HELP), with Redis 7.0's replies and error texts
 * (db.c, object.c), answering what is true of stasis:
 *  - ENCODING: "raw" for a string (bytes in a chunk chain, never an integer encoding) and
 *    "linkedlist" for a list (a doubly linked list of elements), Redis's names for those
 *    representations;
 *  - REFCOUNT: 1, values are never shared;
 *  - IDLETIME: seconds since the key was created or last touched (the store keeps it);
 *  - FREQ: Redis's error, as maxmemory-policy is noeviction (no LFU counters).
 */
#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/command.h"

/* ---- COPY ---- */

typedef struct copy_options {
    bool replace;
} copy_options;

/* REPLACE and DB n, in any order; only database 0 exists (Redis's error for others). */
static bool parse_copy(kv_ctx *c, copy_options *o) {
    *o = (copy_options){0};
    for (uint32_t j = 3; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (kv_arg_is(c, j, "replace")) {
            o->replace = true;
        } else if (kv_arg_is(c, j, "db") && more) {
            int64_t db = 0;
            if (!kv_arg_int64(c, j + 1, &db, NULL)) return false;
            if (db < INT32_MIN || db > INT32_MAX) {
                kv_reply_error(c, "ERR value is out of range, value must between -2147483648 "
                                  "and 2147483647");
                return false;
            }
            if (db != 0) {
                kv_reply_error(c, "ERR DB index is out of range");
                return false;
            }
            j++;
        } else {
            kv_reply_error(c, KV_ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

/* The chunks a copy of record id under argv[2] needs, less what a replaced destination
 * gives back; and the limits a copy must respect. */
static bool can_copy(kv_ctx *c, uint32_t src, uint32_t dst) {
    const kv_record *r = kv_store_record(c->store, src);
    if (!kv_check_key(c, 2)) return false;
    if (r->type == KV_TYPE_LIST && !kv_check_list_length(c, r->value_len)) return false;
    uint64_t need = kv_store_chunks_for(c->store, c->argv[2].len) + r->value_chunks;
    if (dst == KV_RECORD_NONE) {
        if (!kv_check_key_count(c, 1)) return false;
        return kv_check_chunks(c, need);
    }
    uint64_t freed =
        kv_store_key_chunks(c->store, dst) + kv_store_record(c->store, dst)->value_chunks;
    return kv_check_chunks(c, need > freed ? need - freed : 0);
}

/* COPY source destination [DB 0] [REPLACE]: 1 if copied (value and TTL), 0 if the source
 * is missing or the destination exists without REPLACE. */
static void cmd_copy(kv_ctx *c) {
    copy_options o;
    if (!parse_copy(c, &o)) return;
    if (c->argv[1].len == c->argv[2].len &&
        (c->argv[1].len == 0 || memcmp(c->argv[1].ptr, c->argv[2].ptr, c->argv[1].len) == 0)) {
        kv_reply_error(c, "ERR source and destination objects are the same");
        return;
    }
    uint32_t src = kv_lookup(c, 1);
    if (src == KV_RECORD_NONE) {
        kv_reply_integer(c, 0);
        return;
    }
    uint32_t dst = kv_store_find_quiet(c->store, c->argv[2].ptr, c->argv[2].len, c->now_ms);
    if (dst != KV_RECORD_NONE && !o.replace) {
        kv_reply_integer(c, 0);
        return;
    }
    if (!can_copy(c, src, dst)) return;
    if (dst != KV_RECORD_NONE) kv_store_delete(c->store, dst);
    const kv_record *r = kv_store_record(c->store, src);
    uint32_t id = kv_store_add(c->store, c->argv[2].ptr, c->argv[2].len, (kv_type)r->type);
    kv_store_copy_value(c->store, id, src);
    kv_store_set_expire(c->store, id, kv_store_record(c->store, src)->expire_at_ms);
    kv_reply_integer(c, 1);
}

/* ---- RANDOMKEY ---- */

static uint64_t next_random(kv_engine *e) {
    uint64_t z = (e->random_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* The first record at or after a random slot (wrapping). Precondition: a key exists. */
static uint32_t random_record(kv_ctx *c) {
    const table *t = &c->store->index;
    uint64_t slots = table_slots(t);
    uint64_t at = next_random(c->engine) % slots;
    for (uint64_t n = 0; n < slots; n++) {
        uint32_t id = table_slot_id(t, (at + n) % slots);
        if (id != TABLE_ID_NONE) return id;
    }
    ST_ASSERT(false); /* keys > 0 */
    return KV_RECORD_NONE;
}

/* RANDOMKEY: a key chosen at random, $-1 for none; an expired key drawn is deleted and
 * another drawn, as Redis's dbRandomKey. O(table slots / keys) per draw on average. */
static void cmd_randomkey(kv_ctx *c) {
    while (c->store->keys > 0) {
        uint32_t id = random_record(c);
        if (kv_store_is_expired(c->store, id, c->now_ms)) {
            kv_store_delete_expired(c->store, id, c->now_ms);
            continue;
        }
        const kv_record *r = kv_store_record(c->store, id);
        if (!kv_reply_room(c, kv_bulk_reply_bytes(r->key_len))) return;
        kv_reply_key(c, r);
        return;
    }
    kv_reply_null(c);
}

/* ---- OBJECT ---- */

/* The key of argv[2] for OBJECT (not touched), or none having replied $-1. */
static const kv_record *object_lookup(kv_ctx *c) {
    uint32_t id = kv_lookup_notouch(c, 2);
    if (id != KV_RECORD_NONE) return kv_store_record(c->store, id);
    kv_reply_null(c);
    return NULL;
}

static void cmd_object_encoding(kv_ctx *c) {
    const kv_record *r = object_lookup(c);
    if (r != NULL) kv_reply_bulk_cstr(c, r->type == KV_TYPE_STRING ? "raw" : "linkedlist");
}

static void cmd_object_refcount(kv_ctx *c) {
    if (object_lookup(c) != NULL) kv_reply_integer(c, 1);
}

static void cmd_object_idletime(kv_ctx *c) {
    const kv_record *r = object_lookup(c);
    if (r == NULL) return;
    int64_t idle_ms = c->now_ms > r->accessed_ms ? c->now_ms - r->accessed_ms : 0;
    kv_reply_integer(c, idle_ms / 1000);
}

static void cmd_object_freq(kv_ctx *c) {
    if (object_lookup(c) == NULL) return;
    kv_reply_error(c, "ERR An LFU maxmemory policy is not selected, access frequency not "
                      "tracked. Please note that when switching between policies at runtime "
                      "LRU and LFU data will take some time to adjust.");
}

static void cmd_object_help(kv_ctx *c) {
    static const char *const lines[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    };
    size_t n = sizeof lines / sizeof lines[0];
    kv_reply_array(c, n);
    for (size_t i = 0; i < n; i++)
        kv_reply_simple(c, lines[i]);
}

#define W (KV_CMD_WRITE)
#define R (KV_CMD_READONLY)
#define F (KV_CMD_FAST)

static const kv_command object_subcommands[] = {
    KV_DATA_COMMAND("object|encoding", 3, R, cmd_object_encoding, 2, 2, 1),
    KV_DATA_COMMAND("object|freq", 3, R, cmd_object_freq, 2, 2, 1),
    KV_DATA_COMMAND("object|help", 2, 0, cmd_object_help, 0, 0, 0),
    KV_DATA_COMMAND("object|idletime", 3, R, cmd_object_idletime, 2, 2, 1),
    KV_DATA_COMMAND("object|refcount", 3, R, cmd_object_refcount, 2, 2, 1),
};

static const kv_command commands[] = {
    KV_DATA_COMMAND("copy", -3, W, cmd_copy, 1, 2, 1),
    KV_DATA_COMMAND("randomkey", 1, R, cmd_randomkey, 0, 0, 0),
    {.name = "object",
     .arity = -2,
     .subcommands = object_subcommands,
     .subcommand_count = sizeof object_subcommands / sizeof object_subcommands[0]},
};

const kv_command_family kv_object_family = {.commands = commands,
                                            .count = sizeof commands / sizeof commands[0]};
