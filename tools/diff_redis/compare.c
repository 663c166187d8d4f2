/* Comparison: exact bytes first; then the documented normalisation rules for what must
 * differ between two servers (README "ci/diff-redis"); then the intended-differences file.
 * A rule never hides a difference of kind: an error still has to be the same error, a
 * TTL has to be a TTL, and both replies have to have the shape the rule expects. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dr.h"

const char *const dr_rule_names[DR_RULES] = {
    "exact", "time", "info", "keys-order", "scan-step", "ttl-tolerance",
    "hello-id", "randomkey", "config-pairs", "subcommand-order", "exec", "intended",
};

/* ---- helpers ---------------------------------------------------------------------------- */

static bool arg_is(const dr_cmd *cmd, int i, const char *word) {
    return i < cmd->argc && strlen(word) == cmd->argv[i].len &&
           strncasecmp(cmd->argv[i].ptr, word, cmd->argv[i].len) == 0;
}

static bool is_type(const redisReply *r, int type) { return r != NULL && r->type == type; }

static bool both(const dr_reply *a, const dr_reply *b, int type) {
    return is_type(a->value, type) && is_type(b->value, type);
}

static int cmp_strings(const void *x, const void *y) {
    const redisReply *a = *(redisReply *const *)x, *b = *(redisReply *const *)y;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->str, b->str, n);
    return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

static bool same_string(const redisReply *a, const redisReply *b) {
    return a->type == b->type && a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

/* Arrays of strings equal as multisets (order differs by design: hash tables differ). */
static bool same_multiset(redisReply *a, redisReply *b) {
    if (a->elements != b->elements) return false;
    for (size_t i = 0; i < a->elements; i++)
        if (a->element[i]->type != REDIS_REPLY_STRING || b->element[i]->type != REDIS_REPLY_STRING)
            return false;
    if (a->elements > 1) {
        qsort(a->element, a->elements, sizeof a->element[0], cmp_strings);
        qsort(b->element, b->elements, sizeof b->element[0], cmp_strings);
    }
    for (size_t i = 0; i < a->elements; i++)
        if (!same_string(a->element[i], b->element[i])) return false;
    return true;
}

static long long digits_value(const redisReply *r, bool *ok) {
    char *end = NULL;
    long long v = r->type == REDIS_REPLY_STRING ? strtoll(r->str, &end, 10) : 0;
    *ok = end != NULL && end != r->str && *end == '\0';
    return v;
}

/* ---- the rules -------------------------------------------------------------------------- */

/* TIME: two arrays of two decimal strings whose seconds are within 2 of each other. */
static bool time_agrees(const dr_reply *a, const dr_reply *b) {
    if (!both(a, b, REDIS_REPLY_ARRAY) || a->value->elements != 2 || b->value->elements != 2)
        return false;
    bool ok[4];
    long long s1 = digits_value(a->value->element[0], &ok[0]);
    digits_value(a->value->element[1], &ok[1]);
    long long s2 = digits_value(b->value->element[0], &ok[2]);
    digits_value(b->value->element[1], &ok[3]);
    return ok[0] && ok[1] && ok[2] && ok[3] && llabs(s1 - s2) <= 2;
}

/* The keyspace lines of an INFO text ("db0:keys=3,expires=1"), avg_ttl cut off. */
static void keyspace_lines(const char *text, char *out, size_t size) {
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = strstr(text, "\ndb"); p != NULL; p = strstr(p + 1, "\ndb")) {
        const char *end = p + 1 + strcspn(p + 1, "\r\n");
        const char *avg = strstr(p + 1, ",avg_ttl=");
        if (avg != NULL && avg < end) end = avg;
        size_t len = (size_t)(end - (p + 1));
        if (n + len + 2 >= size) break;
        memcpy(out + n, p + 1, len);
        n += len;
        out[n++] = ';';
        out[n] = '\0';
    }
}

/* INFO: both bulk strings, the same keyspace lines (the rest describes each server). */
static bool info_agrees(const dr_reply *a, const dr_reply *b) {
    if (!both(a, b, REDIS_REPLY_STRING)) return false;
    char ka[512], kb[512];
    keyspace_lines(a->value->str, ka, sizeof ka);
    keyspace_lines(b->value->str, kb, sizeof kb);
    return strcmp(ka, kb) == 0;
}

/* One SCAN step: which keys it returns and the next cursor depend on each server's table;
 * both must be a [cursor, [keys...]] pair, and for a SCAN from 0 that both ended in one
 * step (a whole iteration) the same keys. A SCAN 0 outside MULTI is a whole iteration, compared by
 * run.c; only a step inside EXEC's reply comes here with cursor 0. */
static bool scan_step_agrees(const dr_cmd *cmd, const dr_reply *a, const dr_reply *b) {
    for (int s = 0; s < 2; s++) {
        const redisReply *r = (s == 0 ? a : b)->value;
        if (!is_type(r, REDIS_REPLY_ARRAY) || r->elements != 2) return false;
        if (r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY)
            return false;
    }
    bool ended_a = strcmp(a->value->element[0]->str, "0") == 0;
    bool ended_b = strcmp(b->value->element[0]->str, "0") == 0;
    if (arg_is(cmd, 1, "0") && ended_a && ended_b)
        return same_multiset(a->value->element[1], b->value->element[1]);
    return true;
}

/* TTL-like integers: equal signs (-2, -1) exactly; remaining times within a tolerance,
 * since the two servers see the command a few milliseconds apart. */
static bool ttl_agrees(const dr_cmd *cmd, const dr_reply *a, const dr_reply *b) {
    if (!both(a, b, REDIS_REPLY_INTEGER)) return false;
    long long x = a->value->integer, y = b->value->integer;
    if (x < 0 || y < 0) return false;
    bool millis = arg_is(cmd, 0, "pttl") || arg_is(cmd, 0, "pexpiretime");
    return llabs(x - y) <= (millis ? 250 : 1);
}

/* HELLO's map as an array: the same fields, values equal except the connection's id. */
static bool hello_agrees(const dr_reply *a, const dr_reply *b) {
    if (!both(a, b, REDIS_REPLY_ARRAY) || a->value->elements != b->value->elements) return false;
    const redisReply *x = a->value, *y = b->value;
    for (size_t i = 0; i < x->elements; i++) {
        bool is_id = i % 2 == 1 && x->element[i - 1]->type == REDIS_REPLY_STRING &&
                     strcmp(x->element[i - 1]->str, "id") == 0;
        if (is_id) {
            if (x->element[i]->type != REDIS_REPLY_INTEGER || y->element[i]->type != REDIS_REPLY_INTEGER)
                return false;
            continue;
        }
        if (x->element[i]->type == REDIS_REPLY_ARRAY && y->element[i]->type == REDIS_REPLY_ARRAY &&
            x->element[i]->elements == 0 && y->element[i]->elements == 0)
            continue;
        if (x->element[i]->type != REDIS_REPLY_STRING && x->element[i]->type != REDIS_REPLY_INTEGER)
            return false;
        if (x->element[i]->type != y->element[i]->type) return false;
        if (x->element[i]->type == REDIS_REPLY_INTEGER ? x->element[i]->integer != y->element[i]->integer
                                                       : !same_string(x->element[i], y->element[i]))
            return false;
    }
    return true;
}

/* CONFIG GET: name/value pairs in each server's own order; port is where each listens. */
static bool config_pairs_agree(const dr_reply *a, const dr_reply *b) {
    if (!both(a, b, REDIS_REPLY_ARRAY) || a->value->elements != b->value->elements) return false;
    if (a->value->elements % 2 != 0) return false;
    const redisReply *x = a->value, *y = b->value;
    for (size_t i = 0; i < x->elements; i += 2) {
        size_t j = 0;
        while (j < y->elements && !same_string(x->element[i], y->element[j])) j += 2;
        if (j >= y->elements) return false;
        bool port = strcmp(x->element[i]->str, "port") == 0;
        if (!port && !same_string(x->element[i + 1], y->element[j + 1])) return false;
    }
    return true;
}

/* ---- COMMAND's subcommand order -------------------------------------------------------- */

/* Redis lists a container's subcommands (COMMAND INFO's tenth field, COMMAND DOCS's
 * "subcommands" map) in its command dict's order, which the random hash seed it draws at
 * start-up changes from run to run; stasis lists them in its table's order. The rule
 * compares both replies with every such list sorted, everything else byte for byte. Read
 * as bytes, not with hiredis: COMMAND DOCS nests deeper than hiredis 0.14 reads. */

typedef struct {
    char *ptr;
    size_t len;
} piece;

static int cmp_pieces(const void *x, const void *y) {
    const piece *a = x, *b = y;
    int c = memcmp(a->ptr, b->ptr, a->len < b->len ? a->len : b->len);
    return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

static bool piece_is_bulk(const piece *p, const char *text) {
    char want[64];
    int n = snprintf(want, sizeof want, "$%zu\r\n%s\r\n", strlen(text), text);
    return (size_t)n == p->len && memcmp(p->ptr, want, p->len) == 0;
}

/* Writes the RESP2 value at p[0, len) to out with its subcommand lists sorted; group > 0:
 * this array is one, of entries of `group` values each (1: INFO entries, 2: DOCS name and
 * map). Returns the bytes read, 0 when they are not one whole value. */
static size_t canon(const char *p, size_t len, FILE *out, size_t group) {
    const char *eol = len > 0 ? memmem(p, len, "\r\n", 2) : NULL;
    if (eol == NULL) return 0;
    size_t head = (size_t)(eol - p) + 2;
    long long n = strtoll(p + 1, NULL, 10);
    if (p[0] == '$') {
        size_t total = head + (n >= 0 ? (size_t)n + 2 : 0);
        if (total > len) return 0;
        fwrite(p, 1, total, out);
        return total;
    }
    fwrite(p, 1, head, out);
    if (p[0] != '*' || n <= 0) return head;
    piece *parts = calloc((size_t)n, sizeof *parts);
    ST_ASSERT(parts != NULL);
    size_t at = head, count = (size_t)n;
    for (size_t i = 0; i < count && at > 0; i++) {
        size_t child = 0;
        if (count == 10 && i == 9 && parts[0].ptr[0] == '$' && parts[1].ptr[0] == ':') child = 1;
        if (i % 2 == 1 && piece_is_bulk(&parts[i - 1], "subcommands")) child = 2;
        FILE *m = open_memstream(&parts[i].ptr, &parts[i].len);
        ST_ASSERT(m != NULL);
        size_t used = canon(p + at, len - at, m, child);
        fclose(m);
        at = used == 0 ? 0 : at + used;
    }
    size_t groups = group > 0 && count % group == 0 ? count / group : 0;
    for (size_t g = 0; group == 2 && g < groups; g++) { /* a name and its map, as one */
        parts[g] = parts[2 * g];
        parts[g].ptr = realloc(parts[g].ptr, parts[g].len + parts[2 * g + 1].len);
        ST_ASSERT(parts[g].ptr != NULL);
        memcpy(parts[g].ptr + parts[g].len, parts[2 * g + 1].ptr, parts[2 * g + 1].len);
        parts[g].len += parts[2 * g + 1].len;
        free(parts[2 * g + 1].ptr);
    }
    size_t kept = group == 2 && groups > 0 ? groups : count;
    if (groups > 1) qsort(parts, kept, sizeof *parts, cmp_pieces);
    for (size_t i = 0; i < kept; i++) {
        fwrite(parts[i].ptr, 1, parts[i].len, out);
        free(parts[i].ptr);
    }
    free(parts);
    return at;
}

static bool same_but_subcommand_order(const dr_reply *a, const dr_reply *b) {
    piece x = {0}, y = {0};
    FILE *mx = open_memstream(&x.ptr, &x.len), *my = open_memstream(&y.ptr, &y.len);
    ST_ASSERT(mx != NULL && my != NULL);
    bool whole = canon(a->raw.ptr, a->raw.len, mx, 0) == a->raw.len &&
                 canon(b->raw.ptr, b->raw.len, my, 0) == b->raw.len;
    fclose(mx);
    fclose(my);
    bool same = whole && cmp_pieces(&x, &y) == 0;
    free(x.ptr);
    free(y.ptr);
    return same;
}

static bool rule_agrees(const dr_cmd *cmd, const dr_reply *a, const dr_reply *b, dr_rule *rule) {
    struct { const char *name; dr_rule rule; } table[] = {
        {"time", DR_RULE_TIME}, {"info", DR_RULE_INFO}, {"keys", DR_RULE_KEYS_ORDER},
        {"scan", DR_RULE_SCAN_STEP}, {"ttl", DR_RULE_TTL_TOLERANCE},
        {"pttl", DR_RULE_TTL_TOLERANCE}, {"expiretime", DR_RULE_TTL_TOLERANCE},
        {"pexpiretime", DR_RULE_TTL_TOLERANCE}, {"hello", DR_RULE_HELLO},
        {"randomkey", DR_RULE_RANDOMKEY}, {"config", DR_RULE_CONFIG_PAIRS},
        {"command", DR_RULE_SUBCOMMAND_ORDER},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (!arg_is(cmd, 0, table[i].name)) continue;
        *rule = table[i].rule;
        switch (table[i].rule) {
        case DR_RULE_TIME: return time_agrees(a, b);
        case DR_RULE_INFO: return info_agrees(a, b);
        case DR_RULE_KEYS_ORDER:
            return both(a, b, REDIS_REPLY_ARRAY) && same_multiset(a->value, b->value);
        case DR_RULE_SCAN_STEP: return scan_step_agrees(cmd, a, b);
        case DR_RULE_TTL_TOLERANCE: return ttl_agrees(cmd, a, b);
        case DR_RULE_HELLO: return hello_agrees(a, b);
        case DR_RULE_RANDOMKEY: return both(a, b, REDIS_REPLY_STRING); /* which key: random */
        case DR_RULE_CONFIG_PAIRS: return arg_is(cmd, 1, "get") && config_pairs_agree(a, b);
        case DR_RULE_SUBCOMMAND_ORDER: return same_but_subcommand_order(a, b);
        default: return false;
        }
    }
    return false;
}

/* ---- the intended-differences file ------------------------------------------------------ */

static dr_intended *intended_match(dr_intended_set *set, const dr_cmd *cmd, const dr_reply *redis,
                                   const dr_reply *stasis) {
    char *line = dr_cmd_line(cmd);
    char *redis_reply = dr_escape(redis->raw.ptr, redis->raw.len);
    char *reply = dr_escape(stasis->raw.ptr, stasis->raw.len);
    dr_intended *found = NULL;
    for (size_t i = 0; i < set->count && found == NULL; i++) {
        dr_intended *e = &set->entries[i];
        if (!e->conditional && fnmatch(e->command_glob, line, FNM_NOESCAPE | FNM_CASEFOLD) == 0 &&
            fnmatch(e->redis_glob, redis_reply, FNM_NOESCAPE) == 0 &&
            fnmatch(e->reply_glob, reply, FNM_NOESCAPE) == 0)
            found = e;
    }
    if (found != NULL && found->example == NULL) {
        size_t size = strlen(line) + strlen(reply) + 16;
        found->example = malloc(size);
        ST_ASSERT(found->example != NULL);
        snprintf(found->example, size, "%.200s -> %.200s", line, reply);
    }
    free(line);
    free(redis_reply);
    free(reply);
    return found;
}

/* A reply as RESP2 again (an element of EXEC's array; a null is written $-1 whether it
 * was a null bulk or a null array: hiredis keeps no difference). */
static void serialize(FILE *out, const redisReply *r) {
    switch (r->type) {
    case REDIS_REPLY_STRING: fprintf(out, "$%zu\r\n", r->len); fwrite(r->str, 1, r->len, out); fputs("\r\n", out); break;
    case REDIS_REPLY_STATUS: fprintf(out, "+%s\r\n", r->str); break;
    case REDIS_REPLY_ERROR: fprintf(out, "-%s\r\n", r->str); break;
    case REDIS_REPLY_INTEGER: fprintf(out, ":%lld\r\n", r->integer); break;
    case REDIS_REPLY_ARRAY:
        fprintf(out, "*%zu\r\n", r->elements);
        for (size_t i = 0; i < r->elements; i++) serialize(out, r->element[i]);
        break;
    default: fputs("$-1\r\n", out); break;
    }
}

static dr_reply element_reply(redisReply *r) {
    dr_reply out = {.value = r, .closed = false};
    FILE *mem = open_memstream(&out.raw.ptr, &out.raw.len);
    ST_ASSERT(mem != NULL);
    serialize(mem, r);
    fclose(mem);
    return out;
}

/* EXEC: both arrays of one reply per queued command, each pair agreeing by the rules of
 * its own command (KEYS inside MULTI is still unordered). */
static bool exec_agrees(const dr_queue *queue, const dr_reply *a, const dr_reply *b, dr_intended_set *intended) {
    if (!both(a, b, REDIS_REPLY_ARRAY) || a->value->elements != b->value->elements) return false;
    if (a->value->elements != queue->count) return false;
    bool ok = true;
    for (size_t i = 0; i < queue->count && ok; i++) {
        dr_reply x = element_reply(a->value->element[i]), y = element_reply(b->value->element[i]);
        dr_rule rule;
        dr_intended *which;
        ok = dr_agree(queue->cmd[i], &x, &y, intended, NULL, &rule, &which);
        dr_reply pair[2] = {x, y};
        if (!ok && queue->known != NULL) ok = queue->known(queue->known_context, queue->cmd[i], pair);
        free(x.raw.ptr);
        free(y.raw.ptr);
    }
    return ok;
}

bool dr_agree(const dr_cmd *cmd, const dr_reply *redis, const dr_reply *stasis,
              dr_intended_set *intended, const dr_queue *queue, dr_rule *rule, dr_intended **which) {
    *which = NULL;
    *rule = DR_RULE_EXACT;
    if (redis->raw.len == stasis->raw.len && memcmp(redis->raw.ptr, stasis->raw.ptr, redis->raw.len) == 0)
        return true;
    if (rule_agrees(cmd, redis, stasis, rule)) return true;
    if (queue != NULL && arg_is(cmd, 0, "exec") && exec_agrees(queue, redis, stasis, intended)) {
        *rule = DR_RULE_EXEC;
        return true;
    }
    *which = intended_match(intended, cmd, redis, stasis);
    if (*which == NULL) return false;
    *rule = DR_RULE_INTENDED;
    (*which)->hits++;
    return true;
}

dr_intended *dr_intended_transaction_limit(dr_intended_set *set, const dr_cmd *cmd,
                                           const dr_reply *redis, const dr_reply *stasis) {
    for (size_t i = 0; i < set->count; i++) {
        dr_intended *e = &set->entries[i];
        if (!e->conditional) continue;
        e->conditional = false; /* matched here only */
        dr_intended *found = intended_match(set, cmd, redis, stasis);
        e->conditional = true;
        if (found != e) return NULL;
        e->hits++;
        return e;
    }
    return NULL;
}

static char *dup_trimmed(const char *s, size_t len) {
    while (len > 0 && (*s == ' ' || *s == '\t')) s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n')) len--;
    char *out = malloc(len + 1);
    ST_ASSERT(out != NULL);
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

/* Lines: NAME | COMMAND | REDIS REPLY | STASIS REPLY | REASON (globs but the first and
 * last); '#' starts a comment line. */
void dr_intended_load(dr_intended_set *set, const char *path) {
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "diff_redis: cannot read %s\n", path);
        exit(2);
    }
    char line[2048];
    for (unsigned number = 1; fgets(line, sizeof line, f) != NULL; number++) {
        if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line)) continue;
        char *field[5];
        char *p = line;
        for (int i = 0; i < 5; i++) {
            char *bar = i < 4 ? strstr(p, " | ") : p + strlen(p);
            if (bar == NULL) {
                fprintf(stderr, "diff_redis: %s:%u: want NAME | COMMAND | REDIS REPLY | STASIS REPLY | REASON\n",
                        path, number);
                exit(2);
            }
            field[i] = dup_trimmed(p, (size_t)(bar - p));
            p = i < 4 ? bar + 3 : p;
        }
        set->entries = realloc(set->entries, (set->count + 1) * sizeof set->entries[0]);
        ST_ASSERT(set->entries != NULL);
        set->entries[set->count++] = (dr_intended){field[0], field[1], field[2], field[3], field[4], 0, NULL,
                                                   strcmp(field[0], DR_INTENDED_TRANSACTION_LIMIT) == 0};
    }
    fclose(f);
}

void dr_intended_free(dr_intended_set *set) {
    for (size_t i = 0; i < set->count; i++) {
        dr_intended *e = &set->entries[i];
        free(e->name);
        free(e->command_glob);
        free(e->redis_glob);
        free(e->reply_glob);
        free(e->reason);
        free(e->example);
    }
    free(set->entries);
    memset(set, 0, sizeof *set);
}
