/* Resynchronisation after an intended difference. When stasis refused a command for one of
 * its own limits and Redis carried it out, the two keyspaces now differ, and every later
 * reply about those keys would differ too: consequences, not new divergences. So the keys
 * the command names (COMMAND INFO's key positions) are copied from stasis to Redis (type,
 * value, remaining time to live); neither server's replies to this are compared. */
#include <stdlib.h>
#include <string.h>

#include "dr.h"

/* Most elements sent to Redis in one RPUSH while copying a list. */
#define DR_RESYNC_PUSH_MAX 50

static dr_reply call2(dr_server *server, const char *name, const dr_bytes *key) {
    dr_cmd cmd = {0};
    dr_cmd_adds(&cmd, name);
    dr_cmd_add(&cmd, key->ptr, key->len);
    dr_reply r = dr_call(server, &cmd);
    dr_cmd_free(&cmd);
    return r;
}

static void call_and_drop(dr_server *server, dr_cmd *cmd) {
    dr_reply r = dr_call(server, cmd);
    dr_reply_free(&r);
    dr_cmd_free(cmd);
}

static void copy_list(dr_ctx *ctx, const dr_bytes *key) {
    dr_cmd range = {0};
    dr_cmd_adds(&range, "lrange");
    dr_cmd_add(&range, key->ptr, key->len);
    dr_cmd_adds(&range, "0");
    dr_cmd_adds(&range, "-1");
    dr_reply r = dr_call(&ctx->server[DR_STASIS], &range);
    dr_cmd_free(&range);
    const redisReply *items = r.value;
    for (size_t i = 0; items != NULL && items->type == REDIS_REPLY_ARRAY && i < items->elements;) {
        dr_cmd push = {0};
        dr_cmd_adds(&push, "rpush");
        dr_cmd_add(&push, key->ptr, key->len);
        for (size_t n = 0; n < DR_RESYNC_PUSH_MAX && i < items->elements; n++, i++)
            dr_cmd_add(&push, items->element[i]->str, items->element[i]->len);
        call_and_drop(&ctx->server[DR_REDIS], &push);
    }
    dr_reply_free(&r);
}

static void copy_key(dr_ctx *ctx, const dr_bytes *key) {
    dr_reply type = call2(&ctx->server[DR_STASIS], "type", key);
    dr_reply pttl = call2(&ctx->server[DR_STASIS], "pttl", key);
    dr_reply del = call2(&ctx->server[DR_REDIS], "del", key);
    dr_reply_free(&del);
    const char *t = type.value != NULL && type.value->type == REDIS_REPLY_STATUS ? type.value->str : "none";
    if (strcmp(t, "string") == 0) {
        dr_reply value = call2(&ctx->server[DR_STASIS], "get", key);
        if (value.value != NULL && value.value->type == REDIS_REPLY_STRING) {
            dr_cmd set = {0};
            dr_cmd_adds(&set, "set");
            dr_cmd_add(&set, key->ptr, key->len);
            dr_cmd_add(&set, value.value->str, value.value->len);
            call_and_drop(&ctx->server[DR_REDIS], &set);
        }
        dr_reply_free(&value);
    } else if (strcmp(t, "list") == 0) {
        copy_list(ctx, key);
    }
    if (pttl.value != NULL && pttl.value->type == REDIS_REPLY_INTEGER && pttl.value->integer > 0) {
        char ms[32];
        snprintf(ms, sizeof ms, "%lld", pttl.value->integer);
        dr_cmd expire = {0};
        dr_cmd_adds(&expire, "pexpire");
        dr_cmd_add(&expire, key->ptr, key->len);
        dr_cmd_adds(&expire, ms);
        call_and_drop(&ctx->server[DR_REDIS], &expire);
    }
    dr_reply_free(&type);
    dr_reply_free(&pttl);
}

static const dr_offered *offered(const dr_offer *offer, const dr_cmd *cmd) {
    char name[64];
    dr_cmd_name(cmd, name, sizeof name);
    for (size_t i = 0; offer != NULL && i < offer->count; i++)
        if (strcmp(offer->commands[i].name, name) == 0) return &offer->commands[i];
    return NULL;
}

void dr_resync(dr_ctx *ctx, const dr_cmd *cmd) {
    const dr_offered *o = offered(ctx->offer, cmd);
    if (o == NULL || o->first_key <= 0) return;
    long last = o->last_key < 0 ? cmd->argc + o->last_key : o->last_key;
    long step = o->step > 0 ? o->step : 1;
    for (long i = o->first_key; i <= last && i < cmd->argc; i += step) copy_key(ctx, &cmd->argv[i]);
    ctx->stats.resyncs++;
}
