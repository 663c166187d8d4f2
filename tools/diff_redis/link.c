/* The two servers: connections and pipelined writes through hiredis; replies read from
 * the socket, cut at their exact end (resp_length) and parsed by hiredis's reader. The
 * bytes are what is compared; the parsed value serves the normalisation rules. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dr.h"

/* A server that answers nothing for this long is reported, not waited for. */
#define DR_REPLY_TIMEOUT_S 20

static void fail(const dr_server *server, const char *what, const redisContext *c) {
    fprintf(stderr, "diff_redis: %s (%s:%d): %s: %s\n", server->name, server->host, server->port,
            what, c != NULL ? c->errstr : "no context");
    exit(2);
}

void dr_server_connect(dr_server *server, int client) {
    ST_ASSERT(client >= 0 && client < DR_CLIENTS);
    ST_ASSERT(server->client[client] == NULL);
    struct timeval tv = {.tv_sec = DR_REPLY_TIMEOUT_S, .tv_usec = 0};
    redisContext *c = redisConnectWithTimeout(server->host, server->port, tv);
    if (c == NULL || c->err) fail(server, "connect", c);
    if (redisSetTimeout(c, tv) != REDIS_OK) fail(server, "set timeout", c);
    server->client[client] = c;
}

void dr_server_drop(dr_server *server, int client) {
    ST_ASSERT(client >= 0 && client < DR_CLIENTS);
    if (server->client[client] != NULL) redisFree(server->client[client]);
    server->client[client] = NULL;
    free(server->input[client].ptr);
    server->input[client] = (dr_bytes){NULL, 0};
}

void dr_server_disconnect(dr_server *server) {
    for (int i = 0; i < DR_CLIENTS; i++) dr_server_drop(server, i);
}

static redisContext *ctx_of(dr_server *server, int client) {
    ST_ASSERT(client >= 0 && client < DR_CLIENTS);
    if (server->client[client] == NULL) dr_server_connect(server, client);
    return server->client[client];
}

void dr_send(dr_server *server, int client, const dr_cmd *cmd) {
    ST_ASSERT(cmd->argc > 0);
    const char *argv[DR_ARGS_MAX];
    size_t lens[DR_ARGS_MAX];
    for (int i = 0; i < cmd->argc; i++) {
        argv[i] = cmd->argv[i].ptr;
        lens[i] = cmd->argv[i].len;
    }
    if (redisAppendCommandArgv(ctx_of(server, client), cmd->argc, argv, lens) != REDIS_OK)
        fail(server, "queue a command", server->client[client]);
}

void dr_send_inline(dr_server *server, int client, const dr_cmd *cmd) {
    ST_ASSERT(cmd->argc > 0);
    size_t size = 2;
    for (int i = 0; i < cmd->argc; i++) size += cmd->argv[i].len + 1;
    char *line = malloc(size);
    ST_ASSERT(line != NULL);
    size_t n = 0;
    for (int i = 0; i < cmd->argc; i++) {
        if (i > 0) line[n++] = ' ';
        memcpy(line + n, cmd->argv[i].ptr, cmd->argv[i].len);
        n += cmd->argv[i].len;
    }
    memcpy(line + n, "\r\n", 2);
    if (redisAppendFormattedCommand(ctx_of(server, client), line, n + 2) != REDIS_OK)
        fail(server, "queue an inline command", server->client[client]);
    free(line);
}

void dr_flush(dr_server *server, int client) {
    redisContext *c = ctx_of(server, client);
    int done = 0;
    while (!done) {
        if (redisBufferWrite(c, &done) != REDIS_OK) {
            /* The server closed while we wrote (QUIT, a protocol error): the replies it
             * sent before closing are still readable; dr_read reports the close. */
            if (c->err == REDIS_ERR_IO || c->err == REDIS_ERR_EOF) return;
            fail(server, "write", c);
        }
    }
}

static void set_closed(dr_reply *reply) {
    static const char closed[] = "(closed)";
    reply->raw.ptr = malloc(sizeof closed);
    ST_ASSERT(reply->raw.ptr != NULL);
    memcpy(reply->raw.ptr, closed, sizeof closed);
    reply->raw.len = sizeof closed - 1;
    reply->value = NULL;
    reply->closed = true;
}

/* The length of the reply at the start of p, 0 when it is not complete yet, -1 when it is
 * not RESP (RESP3's types too: Redis answers HELLO 3 in RESP3, which stasis does not speak). Iterative: a count of the items still to read, no nesting limit (hiredis
 * 0.14's reader stops at a depth of 7, which COMMAND DOCS passes). */
static long resp_length(const char *p, size_t len) {
    size_t pos = 0;
    long long pending = 1;
    while (pending > 0) {
        const char *eol = pos < len ? memmem(p + pos, len - pos, "\r\n", 2) : NULL;
        if (eol == NULL) return 0;
        size_t line_end = (size_t)(eol - p) + 2;
        char type = p[pos];
        long long n = strtoll(p + pos + 1, NULL, 10);
        pos = line_end;
        pending--;
        if ((type == '$' || type == '=' || type == '!') && n >= 0) { /* RESP3: = ! */
            if (len - pos < (size_t)n + 2) return 0;
            pos += (size_t)n + 2;
        } else if ((type == '*' || type == '~' || type == '>') && n > 0) {
            pending += n;
        } else if ((type == '%' || type == '|') && n > 0) { /* pairs; an attribute, a value */
            pending += 2 * n + (type == '|');
        } else if (strchr("+-:$*_#,(%~>|", type) == NULL || type == '\0') {
            return -1;
        }
    }
    return (long)pos;
}

/* The value hiredis parses from a complete reply; NULL when it cannot (nesting past 7):
 * such a reply is compared by its bytes alone. */
static redisReply *parse(const char *raw, size_t len) {
    redisReader *reader = redisReaderCreate();
    ST_ASSERT(reader != NULL);
    reader->maxbuf = 0;
    void *value = NULL;
    if (redisReaderFeed(reader, raw, len) != REDIS_OK || redisReaderGetReply(reader, &value) != REDIS_OK)
        value = NULL;
    redisReaderFree(reader);
    return value;
}

/* Reads more of the client's socket into its input buffer; false on EOF or reset. */
static bool fill(dr_server *server, int client) {
    dr_bytes *in = &server->input[client];
    char chunk[65536];
    ssize_t n = read(server->client[client]->fd, chunk, sizeof chunk);
    if (n < 0 && errno == EAGAIN) { /* SO_RCVTIMEO, set by redisSetTimeout */
        fprintf(stderr, "diff_redis: %s: no reply within %d s\n", server->name, DR_REPLY_TIMEOUT_S);
        exit(2);
    }
    if (n <= 0) return false;
    in->ptr = realloc(in->ptr, in->len + (size_t)n + 1);
    ST_ASSERT(in->ptr != NULL);
    memcpy(in->ptr + in->len, chunk, (size_t)n);
    in->len += (size_t)n;
    return true;
}

void dr_read(dr_server *server, int client, dr_reply *reply) {
    ctx_of(server, client);
    dr_bytes *in = &server->input[client];
    long len;
    while ((len = resp_length(in->ptr, in->len)) == 0) {
        if (!fill(server, client)) {
            set_closed(reply);
            dr_server_drop(server, client);
            return;
        }
    }
    if (len < 0) {
        fprintf(stderr, "diff_redis: %s: not a RESP2 reply: %.40s\n", server->name, in->ptr);
        exit(2);
    }
    reply->raw.ptr = malloc((size_t)len + 1);
    ST_ASSERT(reply->raw.ptr != NULL);
    memcpy(reply->raw.ptr, in->ptr, (size_t)len);
    reply->raw.ptr[len] = '\0';
    reply->raw.len = (size_t)len;
    reply->value = parse(in->ptr, (size_t)len);
    reply->closed = false;
    memmove(in->ptr, in->ptr + len, in->len - (size_t)len);
    in->len -= (size_t)len;
}

bool dr_read_within(dr_server *server, int client, int ms, dr_reply *reply) {
    ctx_of(server, client);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (resp_length(server->input[client].ptr, server->input[client].len) != 0) break;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        struct pollfd p = {.fd = server->client[client]->fd, .events = POLLIN};
        if (spent >= ms || poll(&p, 1, (int)(ms - spent)) == 0) return false;
        if (!fill(server, client)) break; /* closed: dr_read says so */
    }
    dr_read(server, client, reply);
    return true;
}

dr_reply dr_call(dr_server *server, const dr_cmd *cmd) {
    dr_reply r;
    dr_send(server, 0, cmd);
    dr_flush(server, 0);
    dr_read(server, 0, &r);
    return r;
}

dr_reply dr_call_words(dr_server *server, const char *const *words, int count) {
    dr_cmd cmd = {0};
    for (int i = 0; i < count; i++) dr_cmd_adds(&cmd, words[i]);
    dr_reply r = dr_call(server, &cmd);
    dr_cmd_free(&cmd);
    return r;
}

void dr_reply_free(dr_reply *reply) {
    free(reply->raw.ptr);
    if (reply->value != NULL) freeReplyObject(reply->value);
    memset(reply, 0, sizeof *reply);
}
