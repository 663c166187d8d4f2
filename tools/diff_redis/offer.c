/* What stasis offers, asked of stasis itself at start: COMMAND LIST, COMMAND INFO (arity
 * and key positions), CONFIG GET *. A command added to stasis joins the generator without
 * a change here. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dr.h"

static redisReply *ask(dr_server *server, const char *const *words, int count) {
    dr_reply r = dr_call_words(server, words, count);
    if (r.value == NULL || r.value->type != REDIS_REPLY_ARRAY) {
        fprintf(stderr, "diff_redis: %s: %s answered %s\n", server->name, words[0], r.raw.ptr);
        exit(2);
    }
    redisReply *value = r.value;
    r.value = NULL;
    dr_reply_free(&r);
    return value;
}

static long integer_at(const redisReply *info, size_t i) {
    return i < info->elements && info->element[i]->type == REDIS_REPLY_INTEGER
               ? (long)info->element[i]->integer : 0;
}

uint64_t dr_config_number(dr_ctx *ctx, int server, const char *name) {
    redisReply *pair = ask(&ctx->server[server], (const char *const[]){"config", "get", name}, 3);
    uint64_t n = pair->elements == 2 && pair->element[1]->type == REDIS_REPLY_STRING
                     ? strtoull(pair->element[1]->str, NULL, 10) : 0;
    freeReplyObject(pair);
    return n;
}

void dr_offer_discover(dr_ctx *ctx, dr_offer *offer) { dr_offer_discover_at(ctx, DR_STASIS, offer); }

void dr_offer_discover_at(dr_ctx *ctx, int server, dr_offer *offer) {
    dr_server *stasis = &ctx->server[server];
    redisReply *list = ask(stasis, (const char *const[]){"command", "list"}, 2);
    offer->commands = calloc(list->elements + 1, sizeof offer->commands[0]);
    ST_ASSERT(offer->commands != NULL);
    for (size_t i = 0; i < list->elements; i++) {
        const char *name = list->element[i]->str;
        redisReply *info = ask(stasis, (const char *const[]){"command", "info", name}, 3);
        dr_offered *o = &offer->commands[offer->count];
        if (info->elements != 1 || info->element[0]->type != REDIS_REPLY_ARRAY ||
            strlen(name) >= sizeof o->name) {
            fprintf(stderr, "diff_redis: stasis: COMMAND INFO %s gave no entry; not generated\n", name);
            freeReplyObject(info);
            continue;
        }
        const redisReply *e = info->element[0];
        snprintf(o->name, sizeof o->name, "%s", name);
        o->arity = integer_at(e, 1);
        o->first_key = integer_at(e, 3);
        o->last_key = integer_at(e, 4);
        o->step = integer_at(e, 5);
        offer->count++;
        freeReplyObject(info);
    }
    freeReplyObject(list);
    redisReply *config = ask(stasis, (const char *const[]){"config", "get", "*"}, 3);
    offer->config_params = calloc(config->elements / 2 + 1, sizeof(char *));
    offer->config_values = calloc(config->elements / 2 + 1, sizeof(char *));
    ST_ASSERT(offer->config_params != NULL && offer->config_values != NULL);
    for (size_t i = 0; i + 1 < config->elements; i += 2) {
        offer->config_params[offer->config_count] = strdup(config->element[i]->str);
        offer->config_values[offer->config_count++] = strdup(config->element[i + 1]->str);
    }
    freeReplyObject(config);
}

bool dr_offer_has(const dr_offer *offer, const char *name) {
    for (size_t i = 0; i < offer->count; i++)
        if (strcmp(offer->commands[i].name, name) == 0) return true;
    return false;
}

static bool has_category(const redisReply *entry, const char *category) {
    if (entry->elements < 7 || entry->element[6]->type != REDIS_REPLY_ARRAY) return false;
    const redisReply *cats = entry->element[6];
    for (size_t i = 0; i < cats->elements; i++)
        if ((cats->element[i]->type == REDIS_REPLY_STRING || cats->element[i]->type == REDIS_REPLY_STATUS) && strcmp(cats->element[i]->str, category) == 0)
            return true;
    return false;
}

void dr_offer_report_missing(dr_ctx *ctx, const dr_offer *offer) {
    redisReply *all = ask(&ctx->server[DR_REDIS], (const char *const[]){"command", "info"}, 2);
    static const char *const families[] = {"@string", "@keyspace", "@list"};
    for (size_t f = 0; f < 3; f++) {
        size_t total = 0, missing = 0;
        char names[4096] = "";
        for (size_t i = 0; i < all->elements; i++) {
            const redisReply *e = all->element[i];
            if (e->type != REDIS_REPLY_ARRAY || e->elements < 7 || !has_category(e, families[f])) continue;
            total++;
            if (dr_offer_has(offer, e->element[0]->str)) continue;
            missing++;
            size_t n = strlen(names);
            snprintf(names + n, sizeof names - n, " %s", e->element[0]->str);
        }
        printf("redis %s commands: %zu, not offered by stasis (not sent): %zu:%s\n",
               families[f], total, missing, names);
    }
    freeReplyObject(all);
}

void dr_offer_filter(dr_offer *offer, const char *names, bool keep) {
    size_t kept = 0;
    for (size_t i = 0; i < offer->count; i++) {
        const char *name = offer->commands[i].name;
        size_t len = strlen(name);
        bool excluded = false;
        for (const char *p = names; *p != '\0'; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
            size_t word = strcspn(p, ",");
            excluded = excluded || (word == len && strncasecmp(p, name, len) == 0);
        }
        if (excluded == keep) offer->commands[kept++] = offer->commands[i];
    }
    offer->count = kept;
}

void dr_offer_free(dr_offer *offer) {
    for (size_t i = 0; i < offer->config_count; i++) {
        free(offer->config_params[i]);
        free(offer->config_values[i]);
    }
    free(offer->config_params);
    free(offer->config_values);
    free(offer->commands);
    memset(offer, 0, sizeof *offer);
}
