/* One case in a child process, and the shrinker (see case_exec.h). */
#include "case_exec.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc/stasis_assert.h"
#include "harness/choice.h"

double case_now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the child ---- */

static const prop_property *child_property;
static size_t child_op;
static const uint8_t *child_payload;
static bool child_refused;
static size_t refused_at;     /* payload byte */
static uint32_t refused_id;
static uint32_t refused_count; /* the table's assigned ids */

uint32_t prop_choice(cursor *c, const choice_table *table) {
    size_t at = c->pos;
    uint32_t id = choice_read(c, table);
    if (id == CHOICE_REFUSED && !child_refused && c->data == child_payload) {
        child_refused = true;
        refused_at = at;
        refused_id = c->refused_id;
        refused_count = table->count;
    }
    return id;
}

static void (*fail_cleanup)(void);

void prop_set_op(size_t op_index) { child_op = op_index; }

void prop_on_fail(void (*cleanup)(void)) { fail_cleanup = cleanup; }

_Noreturn void prop_fail(const char *check, const char *fmt, ...) {
    fflush(stdout);
    fprintf(stderr, "check: %s\n", check);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "why:   ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    fprintf(stderr, "at:    operation #%zu of property %s\n", child_op,
            child_property != NULL ? child_property->name : "?");
    fflush(stderr);
    if (fail_cleanup != NULL) fail_cleanup();
    _exit(PROP_EXIT_FAILED);
}

_Noreturn static void child_main(const prop_property *p, const uint8_t *data, size_t size,
                                 int out_fd) {
    if (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(out_fd, STDERR_FILENO) < 0) _exit(127);
    close(out_fd);
    alarm(CASE_TIMEOUT_S);
    signal(SIGPIPE, SIG_IGN); /* a peer that closed is an error to see, not a death */
    child_property = p;
    child_payload = data + 1;
    int r = p->run(data + 1, size - 1);
    if (r == PROP_REFUSED && child_refused) {
        printf("props: refused at payload byte %zu: id %u of %u assigned\n", refused_at,
               refused_id, refused_count);
    }
    fflush(stdout);
    fflush(stderr);
    /* _exit: no atexit handlers; each case is its own process, so nothing can leak on. */
    _exit(r == PROP_REFUSED ? PROP_EXIT_REFUSED : PROP_EXIT_PASSED);
}

/* ---- the parent ---- */

static void read_all(int fd, case_outcome *out) {
    char scratch[4096];
    for (;;) {
        ssize_t n = read(fd, scratch, sizeof scratch);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        size_t room = sizeof out->text - 1 - out->text_len;
        size_t take = (size_t)n < room ? (size_t)n : room;
        memcpy(out->text + out->text_len, scratch, take);
        out->text_len += take;
    }
    out->text[out->text_len] = '\0';
}

/* The first line that names the failure: a property check, an assertion, a sanitizer. */
static void find_signature(case_outcome *out, int status) {
    static const char *const marks[] = {"check: ", "assertion failed", "ERROR: AddressSanitizer",
                                        "ERROR: MemorySanitizer", "runtime error:"};
    for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++) {
        const char *at = strstr(out->text, marks[m]);
        if (at == NULL) continue;
        while (at > out->text && at[-1] != '\n') at--;
        size_t len = strcspn(at, "\n");
        if (len >= sizeof out->signature) len = sizeof out->signature - 1;
        memcpy(out->signature, at, len);
        out->signature[len] = '\0';
        return;
    }
    if (WIFSIGNALED(status)) {
        snprintf(out->signature, sizeof out->signature, "killed by signal %d (%s)",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else {
        snprintf(out->signature, sizeof out->signature, "exit status %d",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
}

void case_run(const prop_property *p, const uint8_t *data, size_t size, case_outcome *out) {
    memset(out, 0, sizeof *out);
    if (size == 0 || data[0] != p->format_version) {
        out->verdict = CASE_REFUSED;
        return;
    }
    if (p->setup != NULL) p->setup();
    int fds[2];
    ST_ASSERT(pipe(fds) == 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    ST_ASSERT(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child_main(p, data, size, fds[1]);
    }
    close(fds[1]);
    read_all(fds[0], out);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) ST_ASSERT(errno == EINTR);
    if (WIFEXITED(status) && WEXITSTATUS(status) == PROP_EXIT_PASSED) {
        out->verdict = CASE_PASSED;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == PROP_EXIT_REFUSED) {
        out->verdict = CASE_REFUSED;
    } else {
        out->verdict = CASE_FAILED;
        find_signature(out, status);
    }
}

bool case_repair(uint8_t *data, size_t size, const case_outcome *refused) {
    const char *line = strstr(refused->text, "props: refused at payload byte ");
    size_t at = 0;
    unsigned id = 0;
    unsigned count = 0;
    if (line == NULL || sscanf(line, "props: refused at payload byte %zu: id %u of %u", &at, &id,
                               &count) != 3) {
        return false;
    }
    if (at + 1 >= size || count == 0 || id < count || data[at + 1] < id) return false;
    data[at + 1] = (uint8_t)(data[at + 1] - (id - id % count));
    return true;
}

/* ---- shrinking ---- */

typedef struct shrinker {
    const prop_property *p;
    uint8_t *data;
    size_t *size;
    const char *signature;
    size_t runs_max;
    double deadline;
    shrink_stats stats;
    uint8_t candidate[CASE_BYTES_MAX];
    case_outcome outcome;
} shrinker;

static bool budget_left(const shrinker *s) {
    return s->stats.runs < s->runs_max && case_now_seconds() < s->deadline;
}

/* Runs the candidate; adopts it iff it fails with the same signature. */
static bool try_candidate(shrinker *s, size_t len) {
    if (!budget_left(s)) return false;
    s->stats.runs++;
    case_run(s->p, s->candidate, len, &s->outcome);
    if (s->outcome.verdict != CASE_FAILED) return false;
    if (strcmp(s->outcome.signature, s->signature) != 0) return false;
    memcpy(s->data, s->candidate, len);
    *s->size = len;
    s->stats.accepted++;
    return true;
}

/* Deletes spans of `span` bytes (never the version byte), left to right. */
static bool delete_spans(shrinker *s, size_t span) {
    bool progress = false;
    for (size_t at = 1; at + span <= *s->size && budget_left(s);) {
        size_t len = *s->size;
        memcpy(s->candidate, s->data, at);
        memcpy(s->candidate + at, s->data + at + span, len - at - span);
        if (try_candidate(s, len - span)) {
            progress = true; /* the same position now holds the next bytes */
        } else {
            at++;
        }
    }
    return progress;
}

/* Tries the byte's low bits alone, fewest first: a choice is byte % id_space with a power
 * of two for id_space, so this finds the smallest byte naming the same entry. */
static bool keep_low_bits(shrinker *s, size_t at) {
    for (unsigned mask = 1; mask < 0x80u; mask = mask * 2 + 1) {
        uint8_t v = (uint8_t)(s->data[at] & mask);
        if (v >= s->data[at]) return false;
        memcpy(s->candidate, s->data, *s->size);
        s->candidate[at] = v;
        if (try_candidate(s, *s->size)) return true;
    }
    return false;
}

/* Lowers each byte as far as it keeps failing: its low bits, then a binary search. */
static bool lower_bytes(shrinker *s) {
    bool progress = false;
    for (size_t at = 1; at < *s->size && budget_left(s); at++) {
        progress |= keep_low_bits(s, at);
        uint8_t lo = 0;
        uint8_t hi = s->data[at]; /* hi fails; find the least value that still does */
        while (lo < hi && budget_left(s)) {
            uint8_t mid = (uint8_t)(lo + (hi - lo) / 2);
            memcpy(s->candidate, s->data, *s->size);
            s->candidate[at] = mid;
            if (try_candidate(s, *s->size)) {
                hi = mid;
                progress = true;
            } else {
                lo = (uint8_t)(mid + 1);
            }
        }
    }
    return progress;
}

shrink_stats case_shrink(const prop_property *p, uint8_t *data, size_t *size,
                         const char *signature, size_t runs_max, double seconds_max) {
    ST_ASSERT(*size >= 1 && *size <= CASE_BYTES_MAX);
    static shrinker s;
    double start = case_now_seconds();
    s = (shrinker){.p = p,
                   .data = data,
                   .size = size,
                   .signature = signature,
                   .runs_max = runs_max,
                   .deadline = start + seconds_max};
    bool progress = true;
    while (progress && budget_left(&s)) {
        progress = false;
        /* The version byte alone first: the smallest case there is. */
        if (*size > 1) {
            s.candidate[0] = data[0];
            if (try_candidate(&s, 1)) break;
        }
        for (size_t span = (*size - 1) / 2; span >= 1; span /= 2) {
            progress |= delete_spans(&s, span);
        }
        progress |= lower_bytes(&s);
    }
    s.stats.seconds = case_now_seconds() - start;
    return s.stats;
}
