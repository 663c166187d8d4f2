/* List commands: LPUSH RPUSH LLEN LRANGE (the rest of the family follows the same pattern:
 * limits and chunks checked for the final state, then the change). */
#include "alloc/stasis_assert.h"
#include "kv/command.h"

/* Checks that `count` elements argv[first..] can join key argv[1]'s list (id: its record
 * or none): element sizes, list_length_max, keys_max and chunks. */
static bool can_push(kv_ctx *c, uint32_t id, uint32_t first, uint32_t count) {
    uint64_t need = 0;
    for (uint32_t i = first; i < first + count; i++) {
        if (!kv_check_value_size(c, c->argv[i].len)) return false;
        need += kv_store_element_chunks(c->store, c->argv[i].len);
    }
    uint64_t length = id == KV_RECORD_NONE ? 0 : kv_store_record(c->store, id)->value_len;
    if (!kv_check_list_length(c, length + count)) return false;
    if (id == KV_RECORD_NONE) return kv_check_new_key(c, 1, need);
    return kv_check_chunks(c, need);
}

static void push(kv_ctx *c, bool at_head, bool only_existing) {
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_LIST);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    if (id == KV_RECORD_NONE && only_existing) {
        kv_reply_integer(c, 0);
        return;
    }
    if (id == KV_RECORD_NONE && !kv_check_key(c, 1)) return;
    if (!can_push(c, id, 2, c->argc - 2)) return;
    if (id == KV_RECORD_NONE)
        id = kv_store_add(c->store, c->argv[1].ptr, c->argv[1].len, KV_TYPE_LIST);
    for (uint32_t i = 2; i < c->argc; i++) {
        uint32_t e = kv_store_element_alloc(c->store, c->argv[i].ptr, c->argv[i].len);
        kv_store_list_push(c->store, id, e, at_head);
    }
    kv_reply_integer(c, kv_store_record(c->store, id)->value_len);
}

static void cmd_lpush(kv_ctx *c) { push(c, true, false); }
static void cmd_rpush(kv_ctx *c) { push(c, false, false); }

static void cmd_llen(kv_ctx *c) {
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_LIST);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    kv_reply_integer(c, id == KV_RECORD_NONE ? 0 : kv_store_record(c->store, id)->value_len);
}

static void cmd_lrange(kv_ctx *c) {
    int64_t start = 0;
    int64_t end = 0;
    if (!kv_arg_int64(c, 2, &start, NULL) || !kv_arg_int64(c, 3, &end, NULL)) return;
    uint32_t id = kv_lookup_typed(c, 1, KV_TYPE_LIST);
    if (id == KV_LOOKUP_WRONGTYPE) return;
    int64_t len = id == KV_RECORD_NONE ? 0 : kv_store_record(c->store, id)->value_len;
    if (start < 0) start = len + start;
    if (end < 0) end = len + end;
    if (start < 0) start = 0;
    if (start > end || start >= len) {
        kv_reply_array(c, 0);
        return;
    }
    if (end >= len) end = len - 1;
    kv_reply_array(c, (uint64_t)(end - start + 1));
    uint32_t e = kv_store_list_at(c->store, id, (uint64_t)start);
    for (int64_t i = start; i <= end; i++) {
        kv_reply_element(c, e);
        e = kv_store_element_next(c->store, e);
    }
}

#define W (KV_CMD_WRITE)
#define R (KV_CMD_READONLY)
#define F (KV_CMD_FAST)

static const kv_command commands[] = {
    {"lpush", -3, W | F, cmd_lpush, 1, 1, 1, NULL, 0, "Prepend one or multiple elements to a list"},
    {"rpush", -3, W | F, cmd_rpush, 1, 1, 1, NULL, 0, "Append one or multiple elements to a list"},
    {"llen", 2, R | F, cmd_llen, 1, 1, 1, NULL, 0, "Get the length of a list"},
    {"lrange", 4, R, cmd_lrange, 1, 1, 1, NULL, 0, "Get a range of elements from a list"},
};

const kv_command_family kv_list_family = {
    .group = "list", .commands = commands, .count = sizeof commands / sizeof commands[0]};
