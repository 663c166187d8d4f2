/* Commands, steps, groups and sequences, and their redis-cli-style text. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dr.h"

static void *xrealloc(void *ptr, size_t size) {
    void *p = realloc(ptr, size);
    if (p == NULL) {
        fprintf(stderr, "diff_redis: out of memory\n");
        exit(2);
    }
    return p;
}

void dr_cmd_add(dr_cmd *cmd, const void *ptr, size_t len) {
    ST_ASSERT(cmd->argc >= 0);
    ST_ASSERT(cmd->argc < DR_ARGS_MAX);
    dr_bytes *b = &cmd->argv[cmd->argc++];
    b->ptr = xrealloc(NULL, len + 1);
    if (len > 0) memcpy(b->ptr, ptr, len);
    b->ptr[len] = '\0';
    b->len = len;
}

void dr_cmd_adds(dr_cmd *cmd, const char *text) { dr_cmd_add(cmd, text, strlen(text)); }

void dr_cmd_free(dr_cmd *cmd) {
    for (int i = 0; i < cmd->argc; i++) free(cmd->argv[i].ptr);
    cmd->argc = 0;
}

void dr_cmd_copy(dr_cmd *dst, const dr_cmd *src) {
    dst->argc = 0;
    for (int i = 0; i < src->argc; i++) dr_cmd_add(dst, src->argv[i].ptr, src->argv[i].len);
}

void dr_cmd_name(const dr_cmd *cmd, char *out, size_t size) {
    ST_ASSERT(size > 0);
    size_t n = 0;
    if (cmd->argc > 0) {
        for (; n + 1 < size && n < cmd->argv[0].len; n++)
            out[n] = (char)tolower((unsigned char)cmd->argv[0].ptr[n]);
    }
    out[n] = '\0';
}

dr_group *dr_seq_new_group(dr_seq *seq) {
    if (seq->count == seq->capacity) {
        seq->capacity = seq->capacity ? seq->capacity * 2 : 64;
        seq->groups = xrealloc(seq->groups, seq->capacity * sizeof seq->groups[0]);
    }
    dr_group *g = &seq->groups[seq->count++];
    g->steps = NULL;
    g->count = 0;
    return g;
}

dr_step *dr_group_add(dr_group *group, dr_step_kind kind, int client) {
    ST_ASSERT(client >= 0 && client < DR_CLIENTS);
    group->steps = xrealloc(group->steps, (group->count + 1) * sizeof group->steps[0]);
    dr_step *s = &group->steps[group->count++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->client = client;
    return s;
}

void dr_seq_free(dr_seq *seq) {
    for (size_t g = 0; g < seq->count; g++) {
        for (size_t s = 0; s < seq->groups[g].count; s++) dr_cmd_free(&seq->groups[g].steps[s].cmd);
        free(seq->groups[g].steps);
    }
    free(seq->groups);
    memset(seq, 0, sizeof *seq);
}

size_t dr_seq_commands(const dr_seq *seq) {
    size_t n = 0;
    for (size_t g = 0; g < seq->count; g++)
        for (size_t s = 0; s < seq->groups[g].count; s++) {
            dr_step_kind k = seq->groups[g].steps[s].kind;
            n += k == DR_STEP_CMD || k == DR_STEP_DEFER || k == DR_STEP_BLOCK ||
                 k == DR_STEP_LIMIT || k == DR_STEP_INLINE;
        }
    return n;
}

/* ---- escaped text ----------------------------------------------------------------------- */

char *dr_escape(const void *ptr, size_t len) {
    const unsigned char *p = ptr;
    char *out = xrealloc(NULL, len * 4 + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char b = p[i];
        const char *esc = b == '\r' ? "\\r" : b == '\n' ? "\\n" : b == '\t' ? "\\t"
                        : b == '"' ? "\\\"" : b == '\\' ? "\\\\" : NULL;
        if (esc != NULL) {
            memcpy(out + n, esc, 2);
            n += 2;
        } else if (b >= 0x20 && b < 0x7f) {
            out[n++] = (char)b;
        } else {
            static const char hex[] = "0123456789abcdef";
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[b >> 4];
            out[n++] = hex[b & 15];
        }
    }
    out[n] = '\0';
    return out;
}

void dr_print_escaped(FILE *out, const void *ptr, size_t len) {
    char *text = dr_escape(ptr, len);
    fprintf(out, "\"%s\"", text);
    free(text);
}

char *dr_cmd_line(const dr_cmd *cmd) {
    size_t size = 1, n = 0;
    for (int i = 0; i < cmd->argc; i++) size += cmd->argv[i].len * 4 + 3;
    char *out = xrealloc(NULL, size);
    for (int i = 0; i < cmd->argc; i++) {
        char *word = dr_escape(cmd->argv[i].ptr, cmd->argv[i].len);
        n += (size_t)snprintf(out + n, size - n, "%s\"%s\"", i ? " " : "", word);
        free(word);
    }
    out[n] = '\0';
    return out;
}

static void print_cmd(FILE *out, const dr_cmd *cmd) {
    char *line = dr_cmd_line(cmd);
    fputs(line, out);
    free(line);
}

void dr_print_step(FILE *out, const dr_step *step) {
    switch (step->kind) {
    case DR_STEP_CMD:
        if (step->client != 0) fprintf(out, "@client %d ", step->client);
        print_cmd(out, &step->cmd);
        break;
    case DR_STEP_DEFER:
        fprintf(out, "@defer %d ", step->client);
        print_cmd(out, &step->cmd);
        break;
    case DR_STEP_COLLECT: fputs("@collect", out); break;
    case DR_STEP_SLEEP: fprintf(out, "@sleep %d", step->sleep_ms); break;
    case DR_STEP_SETTLE: fputs("@settle", out); break;
    case DR_STEP_BLOCK: fputs("@block ", out); print_cmd(out, &step->cmd); break;
    case DR_STEP_LIMIT: fputs("@limit ", out); print_cmd(out, &step->cmd); break;
    case DR_STEP_INLINE: fputs("@inline ", out); print_cmd(out, &step->cmd); break;
    }
    fputc('\n', out);
}

/* ---- parsing ---------------------------------------------------------------------------- */

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* One quoted word from *p (just past its opening quote) into buf; *p ends past the
 * closing quote. Returns its length or -1. */
static long parse_quoted(const char **p, char *buf) {
    const char *s = *p;
    long n = 0;
    for (;;) {
        char c = *s++;
        if (c == '\0') return -1;
        if (c == '"') break;
        if (c != '\\') {
            buf[n++] = c;
            continue;
        }
        c = *s++;
        switch (c) {
        case 'r': buf[n++] = '\r'; break;
        case 'n': buf[n++] = '\n'; break;
        case 't': buf[n++] = '\t'; break;
        case 'a': buf[n++] = '\a'; break;
        case 'b': buf[n++] = '\b'; break;
        case '"': case '\\': case '\'': buf[n++] = c; break;
        case 'x': {
            int hi = hex_value(s[0]), lo = hi < 0 ? -1 : hex_value(s[1]);
            if (lo < 0) return -1;
            buf[n++] = (char)(hi * 16 + lo);
            s += 2;
            break;
        }
        default: return -1;
        }
    }
    *p = s;
    return n;
}

int dr_parse_words(const char *text, dr_cmd *cmd) {
    char *buf = xrealloc(NULL, strlen(text) + 1);
    const char *p = text;
    int words = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
        if (*p == '\0') break;
        long len;
        if (*p == '"') {
            p++;
            len = parse_quoted(&p, buf);
            if (len < 0 || (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')) {
                free(buf);
                return -1;
            }
        } else {
            len = 0;
            while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') buf[len++] = *p++;
        }
        if (cmd->argc == DR_ARGS_MAX) {
            free(buf);
            return -1;
        }
        dr_cmd_add(cmd, buf, (size_t)len);
        words++;
    }
    free(buf);
    return words;
}

/* The directives followed by a command alone: @block, @limit, @inline. */
static const struct {
    const char *word;
    dr_step_kind kind;
} command_directives[] = {
    {"@block ", DR_STEP_BLOCK}, {"@limit ", DR_STEP_LIMIT}, {"@inline ", DR_STEP_INLINE}};

static int parse_directive(dr_group *g, const char *line, char *err, size_t err_size) {
    int client = 0, ms = 0, used = 0;
    for (size_t i = 0; i < sizeof command_directives / sizeof command_directives[0]; i++) {
        size_t n = strlen(command_directives[i].word);
        if (strncmp(line, command_directives[i].word, n) != 0) continue;
        dr_step *s = dr_group_add(g, command_directives[i].kind, 0);
        if (dr_parse_words(line + n, &s->cmd) > 0) return 1;
        snprintf(err, err_size, "malformed command after the directive");
        return -1;
    }
    if (strcmp(line, "@collect") == 0) {
        dr_group_add(g, DR_STEP_COLLECT, 0);
    } else if (strcmp(line, "@settle") == 0) {
        dr_group_add(g, DR_STEP_SETTLE, 0);
    } else if (sscanf(line, "@sleep %d%n", &ms, &used) == 1 && line[used] == '\0' && ms >= 0) {
        dr_group_add(g, DR_STEP_SLEEP, 0)->sleep_ms = ms;
    } else if ((sscanf(line, "@defer %d %n", &client, &used) == 1 ||
                sscanf(line, "@client %d %n", &client, &used) == 1) &&
               client >= 0 && client < DR_CLIENTS) {
        dr_step *s = dr_group_add(g, line[1] == 'd' ? DR_STEP_DEFER : DR_STEP_CMD, client);
        if (dr_parse_words(line + used, &s->cmd) <= 0) {
            snprintf(err, err_size, "malformed command after the directive");
            return -1;
        }
    } else {
        snprintf(err, err_size, "unknown directive (@sleep MS, @defer C, @client C, @collect, @settle, "
                                "@block, @limit, @inline)");
        return -1;
    }
    return 1;
}

int dr_parse_line(dr_seq *seq, const char *line, char *err, size_t err_size) {
    while (*line == ' ' || *line == '\t') line++;
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ')) len--;
    if (len == 0 || line[0] == '#') return 0;
    char *copy = xrealloc(NULL, len + 1);
    memcpy(copy, line, len);
    copy[len] = '\0';
    dr_group *g = dr_seq_new_group(seq);
    int result;
    if (copy[0] == '@') {
        result = parse_directive(g, copy, err, err_size);
    } else {
        dr_step *s = dr_group_add(g, DR_STEP_CMD, 0);
        result = dr_parse_words(copy, &s->cmd) > 0 ? 1 : -1;
        if (result < 0) snprintf(err, err_size, "malformed quoted word");
    }
    free(copy);
    return result;
}
