/* Keyspace commands: DEL UNLINK EXISTS TYPE (the rest of the family: RENAME KEYS SCAN and
 * the expiry commands, follow the same pattern). */
#include "alloc/stasis_assert.h"
#include "kv/command.h"

/* DEL / UNLINK key [key ...]: both free at once (O(the keys' chunks)). */
static void cmd_del(kv_ctx *c) {
    int64_t deleted = 0;
    for (uint32_t i = 1; i < c->argc; i++) {
        uint32_t id = kv_lookup(c, i);
        if (id == KV_RECORD_NONE) continue;
        kv_store_delete(c->store, id);
        deleted++;
    }
    kv_reply_integer(c, deleted);
}

/* EXISTS key [key ...]: a key named twice counts twice. */
static void cmd_exists(kv_ctx *c) {
    int64_t count = 0;
    for (uint32_t i = 1; i < c->argc; i++)
        count += kv_lookup(c, i) != KV_RECORD_NONE;
    kv_reply_integer(c, count);
}

static void cmd_type(kv_ctx *c) {
    uint32_t id = kv_lookup(c, 1);
    if (id == KV_RECORD_NONE) {
        kv_reply_simple(c, "none");
    } else if (kv_store_record(c->store, id)->type == KV_TYPE_STRING) {
        kv_reply_simple(c, "string");
    } else {
        kv_reply_simple(c, "list");
    }
}

#define W (KV_CMD_WRITE)
#define R (KV_CMD_READONLY)
#define F (KV_CMD_FAST)

static const kv_command commands[] = {
    {"del", -2, W, cmd_del, 1, -1, 1, NULL, 0, "Delete a key"},
    {"unlink", -2, W | F, cmd_del, 1, -1, 1, NULL, 0, "Delete a key (freed at once in stasis)"},
    {"exists", -2, R | F, cmd_exists, 1, -1, 1, NULL, 0, "Determine if a key exists"},
    {"type", 2, R | F, cmd_type, 1, 1, 1, NULL, 0, "Determine the type stored at key"},
};

const kv_command_family kv_key_family = {
    .group = "generic", .commands = commands, .count = sizeof commands / sizeof commands[0]};
