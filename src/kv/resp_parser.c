#include "kv/resp_parser.h"

#include <string.h>

#include "alloc/stasis_assert.h"
#include "kv/resp_number.h"

enum parser_state {
    STATE_START = 0,    /* no byte of the next request seen */
    STATE_INLINE,       /* scanning an inline line for '\n' */
    STATE_COUNT,        /* scanning "*N" for '\r' */
    STATE_BULK_HEADER,  /* scanning "$N" for '\r' */
    STATE_BULK_PAYLOAD, /* waiting for bulk_len + 2 bytes */
    STATE_ERROR,        /* sticky */
};

/* Redis caps a multibulk count at INT_MAX whatever the configuration. */
#define COUNT_HARD_MAX ((uint64_t)INT32_MAX)

void resp_parser_init(resp_parser *p, const resp_limits *limits) {
    ST_ASSERT(limits != NULL);
    ST_ASSERT(limits->command_args_max >= 1);
    ST_ASSERT(limits->inline_size_max >= 1);
    ST_ASSERT(limits->request_size_max >= limits->inline_size_max);
    memset(p, 0, sizeof *p);
    p->limits = limits;
    p->authenticated = true;
}

void resp_parser_reset(resp_parser *p) {
    uint8_t *scratch = p->inline_scratch;
    resp_parser_init(p, p->limits);
    p->inline_scratch = scratch;
}

void resp_parser_set_inline_scratch(resp_parser *p, uint8_t *scratch, size_t scratch_bytes) {
    ST_ASSERT(scratch == NULL || scratch_bytes >= p->limits->inline_size_max);
    p->inline_scratch = scratch;
}

void resp_parser_set_authenticated(resp_parser *p, bool authenticated) {
    p->authenticated = authenticated;
}

resp_error resp_parser_error(const resp_parser *p) { return (resp_error)p->error; }

uint64_t resp_parser_last_request_bytes(const resp_parser *p) { return p->last_bytes; }

bool resp_parser_last_request_inline(const resp_parser *p) { return p->last_inline; }

bool resp_parser_in_request(const resp_parser *p) {
    return p->state != STATE_START && p->state != STATE_ERROR;
}

uint64_t resp_parser_bytes_needed(const resp_parser *p) { return p->need; }

/* Records what an INCOMPLETE return waits for. */
static resp_status wait_for(resp_parser *p, uint64_t bytes) {
    p->need = bytes;
    return RESP_INCOMPLETE;
}

static resp_status fail(resp_parser *p, resp_error error) {
    p->state = STATE_ERROR;
    p->error = (uint8_t)error;
    return RESP_ERROR;
}

/* Starts the next request at offset 0 of the unconsumed data. */
static void begin_request(resp_parser *p) {
    p->state = STATE_START;
    p->pos = 0;
    p->scan = 0;
    p->bulk_len = 0;
    p->args_total = 0;
    p->args_read = 0;
    p->line_has_nul = false;
    p->need = 1;
}

/*
 * Searches data[p->scan, len) for the line terminator, stopping at a NUL (Redis searches
 * with strchr). Returns its offset, or len if it is not there (yet, or ever: NUL).
 */
static size_t find_terminator(resp_parser *p, const uint8_t *data, size_t len, uint8_t term) {
    if (p->line_has_nul) {
        p->scan = len;
        return len;
    }
    if (p->scan >= len) return len;
    const uint8_t *from = data + p->scan;
    size_t span = len - (size_t)p->scan;
    const uint8_t *hit = memchr(from, term, span);
    size_t upto = hit != NULL ? (size_t)(hit - from) : span;
    if (memchr(from, '\0', upto) != NULL) {
        p->line_has_nul = true;
        p->scan = len;
        return len;
    }
    if (hit == NULL) {
        p->scan = len;
        return len;
    }
    p->scan = (uint64_t)(hit - data);
    return (size_t)p->scan;
}

/*
 * The "too big" rule for a line starting at `start` whose terminator is at `end` (or not
 * buffered: end == len): the line is too long once more than inline_size_max bytes precede
 * its terminator; a line holding a NUL never ends, so it is too long once more than that
 * many bytes are buffered from its start.
 */
static bool line_too_long(const resp_parser *p, size_t start, size_t end, size_t len) {
#ifdef STASIS_CANARY_RESP_LIMIT_CUT_DEPENDENT
    /* Planted bug: Redis's own rule, checked only while no terminator is buffered, so the
     * outcome depends on how the bytes were cut. */
    if (end != len) return false;
#else
    (void)len;
#endif
    return end - start > p->limits->inline_size_max;
}

/* ---- inline requests ---- */

static bool is_blank(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int hex_value(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static uint8_t unescape(uint8_t c) {
    switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
    }
}

typedef enum token_end { TOKEN_OK, TOKEN_UNBALANCED } token_end;

/*
 * Decodes one token of line[*r, len) into line[*w, ...) (in place: *w <= *r always), with
 * sdssplitargs's rules. Leaves *r after the token.
 */
static token_end read_token(uint8_t *line, size_t len, size_t *r, size_t *w) {
    bool in_double = false;
    bool in_single = false;
    size_t i = *r;
    size_t o = *w;
    for (;;) {
        bool at_end = i >= len;
        uint8_t c = at_end ? 0 : line[i];
        if (in_double) {
            if (at_end) return TOKEN_UNBALANCED;
            if (c == '\\' && i + 3 < len && line[i + 1] == 'x' && hex_value(line[i + 2]) >= 0 &&
                hex_value(line[i + 3]) >= 0) {
                line[o++] = (uint8_t)(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3]));
                i += 4;
            } else if (c == '\\' && i + 1 < len) {
                line[o++] = unescape(line[i + 1]);
                i += 2;
            } else if (c == '"') {
                if (i + 1 < len && !is_blank(line[i + 1])) return TOKEN_UNBALANCED;
                i++;
                break;
            } else {
                line[o++] = c;
                i++;
            }
        } else if (in_single) {
            if (at_end) return TOKEN_UNBALANCED;
            if (c == '\\' && i + 1 < len && line[i + 1] == '\'') {
                line[o++] = '\'';
                i += 2;
            } else if (c == '\'') {
                if (i + 1 < len && !is_blank(line[i + 1])) return TOKEN_UNBALANCED;
                i++;
                break;
            } else {
                line[o++] = c;
                i++;
            }
        } else {
            if (at_end) break;
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                i++;
                break;
            }
            if (c == '"') {
                in_double = true;
            } else if (c == '\'') {
                in_single = true;
            } else {
                line[o++] = c;
            }
            i++;
        }
    }
    *r = i;
    *w = o;
    return TOKEN_OK;
}

/* Splits an inline line (without its terminator) into arguments, decoding in place. */
static resp_status split_inline(resp_parser *p, uint8_t *line, size_t len, resp_arg *argv,
                                uint32_t capacity, uint32_t *argc) {
    size_t r = 0;
    size_t w = 0;
    uint32_t n = 0;
    for (;;) {
        while (r < len && is_blank(line[r]))
            r++;
        if (r >= len) break;
        if (n == capacity || n >= p->limits->command_args_max) {
            return fail(p, RESP_ERR_INVALID_MULTIBULK_LENGTH);
        }
        size_t start = w;
        if (read_token(line, len, &r, &w) != TOKEN_OK) return fail(p, RESP_ERR_UNBALANCED_QUOTES);
        argv[n++] = (resp_arg){.ptr = line + start, .len = w - start};
    }
    *argc = n;
    return RESP_COMMAND;
}

/* Returns RESP_COMMAND with *argc (0: a blank line to ignore), INCOMPLETE or ERROR;
 * *request_len is the request's size when it completes. */
static resp_status parse_inline(resp_parser *p, uint8_t *data, size_t len, resp_arg *argv,
                                uint32_t capacity, uint32_t *argc, size_t *request_len) {
    size_t lf = find_terminator(p, data, len, '\n');
    if (line_too_long(p, 0, lf, len)) return fail(p, RESP_ERR_TOO_BIG_INLINE);
    if (lf == len) return wait_for(p, len + 1);
    size_t line_len = lf > 0 && data[lf - 1] == '\r' ? lf - 1 : lf;
    *request_len = lf + 1;
    uint8_t *line = data;
    if (p->inline_scratch != NULL) {
        ST_ASSERT(line_len <= p->limits->inline_size_max); /* line_too_long() said so */
        memcpy(p->inline_scratch, data, line_len);
        line = p->inline_scratch;
    }
    return split_inline(p, line, line_len, argv, capacity, argc);
}

/* ---- multibulk requests ---- */

/* The number between the line's first byte and its '\r' at `cr`. */
static bool line_number(const uint8_t *data, size_t start, size_t cr, int64_t *out) {
    return resp_parse_int64(data + start + 1, cr - start - 1, out);
}

static resp_status parse_count(resp_parser *p, const uint8_t *data, size_t len) {
    size_t cr = find_terminator(p, data, len, '\r');
    if (line_too_long(p, 0, cr, len)) return fail(p, RESP_ERR_TOO_BIG_MBULK_COUNT);
    if (cr == len) return wait_for(p, len + 1);
    if (cr + 1 >= len) return wait_for(p, cr + 2); /* the byte after '\r' is needed too */
    int64_t count = 0;
    bool ok = line_number(data, 0, cr, &count);
    bool over_limit = count > 0 && (uint64_t)count > p->limits->command_args_max;
#ifdef STASIS_CANARY_RESP_ARGS_UNCHECKED
    over_limit = false; /* Planted bug: command_args_max is not enforced. */
#endif
    if (!ok || count > (int64_t)COUNT_HARD_MAX) return fail(p, RESP_ERR_INVALID_MULTIBULK_LENGTH);
    /* Redis's own checks first: a count only stasis refuses (command_args_max) gets Redis's
     * unauthenticated text from a client that has not authenticated. */
    if (!p->authenticated && count > (int64_t)RESP_UNAUTH_ARGS_MAX) {
        return fail(p, RESP_ERR_UNAUTH_MULTIBULK_LENGTH);
    }
    if (over_limit) return fail(p, RESP_ERR_INVALID_MULTIBULK_LENGTH);
    p->pos = cr + 2;
    p->scan = p->pos;
    p->args_total = count > 0 ? (uint32_t)count : 0;
    p->state = STATE_BULK_HEADER;
    return RESP_COMMAND; /* header done (args_total 0: an ignored request) */
}

static uint8_t shown_byte(uint8_t c) { return c == '\r' || c == '\n' ? ' ' : c; }

static resp_status parse_bulk_header(resp_parser *p, const uint8_t *data, size_t len) {
    size_t start = (size_t)p->pos;
    size_t cr = find_terminator(p, data, len, '\r');
    if (line_too_long(p, start, cr, len)) return fail(p, RESP_ERR_TOO_BIG_BULK_COUNT);
    if (cr == len) return wait_for(p, len + 1);
    if (cr + 1 >= len) return wait_for(p, cr + 2);
    if (data[start] != '$') {
        p->error_byte = shown_byte(data[start]);
        return fail(p, RESP_ERR_EXPECTED_DOLLAR);
    }
    int64_t bulk = 0;
    bool ok = line_number(data, start, cr, &bulk);
    /* Redis refuses past its proto-max-bulk-len (512 MiB by default, never under 1 MiB)
     * before it looks at authentication; stasis's bulk_size_max may be far smaller, and a
     * client that has not authenticated gets Redis's text for anything Redis would call an
     * unauthenticated bulk length. */
    bool redis_valid = ok && bulk >= 0 && bulk <= (int64_t)RESP_REDIS_BULK_SIZE_MAX;
    if (!p->authenticated && redis_valid && bulk > (int64_t)RESP_UNAUTH_BULK_SIZE_MAX) {
        return fail(p, RESP_ERR_UNAUTH_BULK_LENGTH);
    }
    if (!ok || bulk < 0 || (uint64_t)bulk > p->limits->bulk_size_max) {
        return fail(p, RESP_ERR_INVALID_BULK_LENGTH);
    }
    uint64_t end = (uint64_t)cr + 2 + (uint64_t)bulk + 2;
    if (end > p->limits->request_size_max) return fail(p, RESP_ERR_REQUEST_TOO_BIG);
    p->pos = cr + 2;
    p->bulk_len = (uint64_t)bulk;
    p->state = STATE_BULK_PAYLOAD;
    return RESP_COMMAND;
}

/* Walks the headers of a complete multibulk request again to fill argv: O(argc). */
static void collect_args(const resp_parser *p, const uint8_t *data, resp_arg *argv) {
    const uint8_t *cr = memchr(data, '\r', (size_t)p->pos);
    ST_ASSERT(cr != NULL);
    size_t at = (size_t)(cr - data) + 2;
    for (uint32_t i = 0; i < p->args_total; i++) {
        ST_ASSERT(data[at] == '$');
        cr = memchr(data + at, '\r', (size_t)p->pos - at);
        ST_ASSERT(cr != NULL);
        int64_t bulk = 0;
        bool ok = resp_parse_int64(data + at + 1, (size_t)(cr - data) - at - 1, &bulk);
        ST_ASSERT(ok && bulk >= 0);
        at = (size_t)(cr - data) + 2;
        argv[i] = (resp_arg){.ptr = data + at, .len = (size_t)bulk};
        at += (size_t)bulk + 2;
    }
    ST_ASSERT(at == p->pos);
}

/* Advances a multibulk request as far as the data allows. */
static resp_status parse_multibulk(resp_parser *p, uint8_t *data, size_t len, resp_arg *argv,
                                   uint32_t capacity, uint32_t *argc, size_t *request_len) {
    ST_ASSERT(capacity >= p->limits->command_args_max);
    if (p->state == STATE_COUNT) {
        resp_status s = parse_count(p, data, len);
        if (s != RESP_COMMAND) return s;
    }
    while (p->args_read < p->args_total) {
        if (p->state == STATE_BULK_HEADER) {
            resp_status s = parse_bulk_header(p, data, len);
            if (s != RESP_COMMAND) return s;
        }
        if (p->pos + p->bulk_len + 2 > len) return wait_for(p, p->pos + p->bulk_len + 2);
        p->pos += p->bulk_len + 2; /* the two bytes after the payload are not checked */
        p->scan = p->pos;
        p->args_read++;
        p->state = STATE_BULK_HEADER;
    }
    collect_args(p, data, argv);
    *argc = p->args_total;
    *request_len = (size_t)p->pos;
    return RESP_COMMAND;
}

/* ---- the driver ---- */

resp_status resp_parse(resp_parser *p, uint8_t *data, size_t len, resp_arg *argv,
                       uint32_t argv_capacity, uint32_t *argc, size_t *consumed) {
    ST_ASSERT(data != NULL || len == 0);
    *consumed = 0;
    *argc = 0;
    if (p->state == STATE_ERROR) return RESP_ERROR;
    for (;;) {
        uint8_t *request = data + *consumed;
        size_t have = len - *consumed;
        if (p->state == STATE_START) {
            if (have == 0) return wait_for(p, 1);
            p->state = request[0] == '*' ? STATE_COUNT : STATE_INLINE;
        }
        size_t request_len = 0;
        uint32_t n = 0;
        resp_status s =
            p->state == STATE_INLINE
                ? parse_inline(p, request, have, argv, argv_capacity, &n, &request_len)
                : parse_multibulk(p, request, have, argv, argv_capacity, &n, &request_len);
        if (s != RESP_COMMAND) return s;
        ST_ASSERT(request_len <= have);
        *consumed += request_len;
        bool was_inline = p->state == STATE_INLINE;
        begin_request(p);
        if (n > 0) {
            p->last_inline = was_inline;
            p->last_bytes = request_len;
            *argc = n;
            return RESP_COMMAND;
        }
        /* An ignored request (blank line, *0, *-N): go on with the next one. */
    }
}

/* ---- error replies ---- */

static const char *error_text(resp_error e) {
    switch (e) {
    case RESP_ERR_TOO_BIG_INLINE: return "ERR Protocol error: too big inline request";
    case RESP_ERR_UNBALANCED_QUOTES: return "ERR Protocol error: unbalanced quotes in request";
    case RESP_ERR_TOO_BIG_MBULK_COUNT: return "ERR Protocol error: too big mbulk count string";
    case RESP_ERR_INVALID_MULTIBULK_LENGTH: return "ERR Protocol error: invalid multibulk length";
    case RESP_ERR_UNAUTH_MULTIBULK_LENGTH:
        return "ERR Protocol error: unauthenticated multibulk length";
    case RESP_ERR_TOO_BIG_BULK_COUNT: return "ERR Protocol error: too big bulk count string";
    case RESP_ERR_INVALID_BULK_LENGTH: return "ERR Protocol error: invalid bulk length";
    case RESP_ERR_UNAUTH_BULK_LENGTH: return "ERR Protocol error: unauthenticated bulk length";
    case RESP_ERR_EXPECTED_DOLLAR:
    case RESP_ERR_REQUEST_TOO_BIG:
    case RESP_ERR_NONE: break;
    }
    return NULL;
}

bool resp_write_protocol_error(resp_writer *w, const resp_parser *p) {
    ST_ASSERT(p->state == STATE_ERROR);
    resp_error e = (resp_error)p->error;
    if (e == RESP_ERR_EXPECTED_DOLLAR) {
        char text[] = "ERR Protocol error: expected '$', got 'X'";
        text[sizeof text - 3] = (char)p->error_byte;
        return resp_write_error(w, text, sizeof text - 1);
    }
    if (e == RESP_ERR_REQUEST_TOO_BIG) {
        char text[96] = "ERR Protocol error: request exceeds request_size_max (";
        size_t n = strlen(text);
        n += resp_format_u64(p->limits->request_size_max, text + n, sizeof text - n);
        memcpy(text + n, " bytes)", 7);
        return resp_write_error(w, text, n + 7);
    }
    const char *text = error_text(e);
    ST_ASSERT(text != NULL);
    return resp_write_error(w, text, strlen(text));
}
