/*
 * props/run: runs every property (or --only one) on seeded random byte streams; on a
 * failure shrinks the case, prints it decoded, writes it (and its decoded text) under
 * corpus/regressions/props/<property>/, prints the command that replays it and exits 1.
 *
 *   run [--seed N] [--cases K] [--seconds S] [--only NAME] [--out DIR]
 *   run [--only NAME] --replay FILE|DIR...      every file must pass (and its NAME.txt
 *                                              must be what --describe prints today)
 *   run [--only NAME] --describe FILE           the case decoded, without running it
 *   run --list
 *
 * Deterministic for a seed: case i of property p is made from splitmix64 seeded with
 * (seed, p's name, i), and its length grows with i, small cases first (as Hypothesis does);
 * a property may bias every other case toward its class of failure (props.h, generate).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "alloc/stasis_assert.h"
#include "case_exec.h"
#include "props.h"

#ifndef PROPS_CORPUS_DIR
#error "PROPS_CORPUS_DIR (corpus/regressions/props in the source tree) must be defined"
#endif

#define SHRINK_RUNS_MAX    4000
#define REPAIRS_MAX        64
#define SHRINK_SECONDS_MAX 60.0

typedef struct options {
    uint64_t seed;
    uint64_t cases;
    double seconds; /* per property; 0: no limit */
    const char *only;
    const char *out_dir;
    const char *describe;
    int replay_first; /* argv index of the first --replay path, 0 if none */
    int argc;
    char **argv;
    bool list;
} options;

/* ---- the random streams ---- */

static uint64_t name_hash(const char *name) {
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (; *name != '\0'; name++) h = (h ^ (uint8_t)*name) * 0x100000001b3u;
    return h;
}

/* Case i: the version byte, then a payload whose length bound grows with i: uniform bytes,
 * or (odd i, when the property has one) its biased generator's. */
static size_t make_case(const prop_property *p, uint64_t seed, uint64_t i, uint8_t *out) {
    uint64_t state = seed ^ name_hash(p->name) ^ (i * 0xd1b54a32d192ed03u);
    uint64_t bound = 8 + 4 * i;
    if (bound > p->payload_max) bound = p->payload_max;
    ST_ASSERT(bound + 1 <= CASE_BYTES_MAX);
    out[0] = p->format_version;
    if (p->generate != NULL && i % 2 == 1) {
        size_t len = p->generate(&state, (size_t)bound, out + 1);
        ST_ASSERT(len <= bound);
        return len + 1;
    }
    size_t len = (size_t)(prop_random(&state) % (bound + 1));
    for (size_t k = 0; k < len; k++) out[1 + k] = (uint8_t)prop_random(&state);
    return len + 1;
}

/* ---- reports ---- */

static void describe_case(const prop_property *p, const uint8_t *data, size_t size, FILE *out) {
    fprintf(out, "property %s, format version %u, payload %zu bytes\n", p->name, data[0],
            size - 1);
    p->describe(data + 1, size - 1, out);
}

static void indent(const char *text, FILE *out) {
    for (const char *at = text; *at != '\0';) {
        size_t n = strcspn(at, "\n");
        fprintf(out, "    %.*s\n", (int)n, at);
        at += n + (at[n] == '\n');
    }
}

static bool write_file(const char *path, const void *bytes, size_t len) {
    FILE *f = fopen(path, "wb");
    if (f == NULL) return false;
    bool ok = fwrite(bytes, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

/* Writes the case and NAME.txt beside it; returns false (message printed) on an error. */
static bool save_case(const prop_property *p, const options *o, uint64_t i, const uint8_t *data,
                      size_t size, char *path, size_t path_size) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", o->out_dir, p->name);
    (void)mkdir(o->out_dir, 0755);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "props: cannot create %s: %s\n", dir, strerror(errno));
        return false;
    }
    snprintf(path, path_size, "%s/seed-%" PRIu64 "-case-%" PRIu64, dir, o->seed, i);
    char text_path[4200];
    snprintf(text_path, sizeof text_path, "%s.txt", path);
    static char text[CASE_TEXT_BYTES_MAX];
    FILE *mem = fmemopen(text, sizeof text, "w");
    ST_ASSERT(mem != NULL);
    describe_case(p, data, size, mem);
    long text_len = ftell(mem);
    fclose(mem);
    if (!write_file(path, data, size) || !write_file(text_path, text, (size_t)text_len)) {
        fprintf(stderr, "props: cannot write %s: %s\n", path, strerror(errno));
        return false;
    }
    return true;
}

static void report_failure(const prop_property *p, const options *o, uint64_t i, uint8_t *data,
                           size_t size, const case_outcome *first, double seconds) {
    printf("props: %-22s FAILED at case %" PRIu64 " (%.2f s), seed %" PRIu64 "\n", p->name, i,
           seconds, o->seed);
    printf("  failure: %s\n", first->signature);
    size_t before = size;
    shrink_stats st = case_shrink(p, data, &size, first->signature, SHRINK_RUNS_MAX,
                                  SHRINK_SECONDS_MAX);
    static case_outcome confirm;
    case_run(p, data, size, &confirm);
    printf("  shrunk: %zu bytes before, %zu after (%zu runs, %zu smaller cases, %.2f s)%s\n",
           before, size, st.runs, st.accepted, st.seconds,
           confirm.verdict == CASE_FAILED ? "" : "; the shrunk case no longer fails (flaky)");
    printf("  the shrunk case, decoded:\n");
    static char text[CASE_TEXT_BYTES_MAX];
    FILE *mem = fmemopen(text, sizeof text, "w");
    describe_case(p, data, size, mem);
    fclose(mem);
    indent(text, stdout);
    printf("  what it printed:\n");
    indent(confirm.text, stdout);
    char path[4096];
    if (save_case(p, o, i, data, size, path, sizeof path)) {
        printf("  written: %s (and %s.txt)\n", path, path);
        printf("  replay:  %s --only %s --replay %s\n", o->argv[0], p->name, path);
    }
    fflush(stdout);
}

/* Runs one property; returns true iff it passed. */
static bool run_property(const prop_property *p, const options *o) {
    static uint8_t data[CASE_BYTES_MAX];
    static case_outcome outcome;
    double start = case_now_seconds();
    uint64_t refused = 0;
    uint64_t i = 0;
    for (; i < o->cases; i++) {
        if (o->seconds > 0 && case_now_seconds() - start >= o->seconds) break;
        size_t size = make_case(p, o->seed, i, data);
        case_run(p, data, size, &outcome);
        for (int k = 0; k < REPAIRS_MAX && outcome.verdict == CASE_REFUSED; k++) {
            if (!case_repair(data, size, &outcome)) break;
            case_run(p, data, size, &outcome);
        }
        if (outcome.verdict == CASE_REFUSED) refused++;
        if (outcome.verdict != CASE_FAILED) continue;
        report_failure(p, o, i, data, size, &outcome, case_now_seconds() - start);
        return false;
    }
    printf("props: %-22s passed %6" PRIu64 " cases (%" PRIu64 " refused) %7.2f s  seed %" PRIu64
           "\n",
           p->name, i, refused, case_now_seconds() - start, o->seed);
    fflush(stdout);
    return true;
}

/* ---- replay and describe ---- */

static const prop_property *find_property(const char *name) {
    for (size_t k = 0; k < prop_count; k++) {
        if (strcmp(prop_all[k]->name, name) == 0) return prop_all[k];
    }
    return NULL;
}

/* The property a case file belongs to: --only, or the name of the folder holding it. */
static const prop_property *property_of(const options *o, const char *path) {
    if (o->only != NULL) return find_property(o->only);
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    return find_property(basename(dirname(copy)));
}

static size_t read_case(const char *path, uint8_t *data) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return 0;
    size_t n = fread(data, 1, CASE_BYTES_MAX, f);
    fclose(f);
    return n;
}

/* The committed NAME.txt must equal today's decoding (a decoder change shows here). */
static bool text_current(const prop_property *p, const char *path, const uint8_t *data,
                         size_t size) {
    char text_path[4200];
    snprintf(text_path, sizeof text_path, "%s.txt", path);
    static char want[CASE_TEXT_BYTES_MAX];
    static char have[CASE_TEXT_BYTES_MAX];
    FILE *f = fopen(text_path, "rb");
    if (f == NULL) return true; /* a case without text (e.g. a hand-made one) */
    size_t want_len = fread(want, 1, sizeof want - 1, f);
    fclose(f);
    FILE *mem = fmemopen(have, sizeof have, "w");
    describe_case(p, data, size, mem);
    size_t have_len = (size_t)ftell(mem);
    fclose(mem);
    if (want_len == have_len && memcmp(want, have, have_len) == 0) return true;
    printf("props: %s: the decoded text differs from what --describe prints today:\n%.*s",
           text_path, (int)have_len, have);
    return false;
}

static bool replay_file(const options *o, const char *path) {
    static uint8_t data[CASE_BYTES_MAX];
    static case_outcome outcome;
    const prop_property *p = property_of(o, path);
    size_t size = read_case(path, data);
    if (p == NULL || size == 0) {
        printf("props: %s: %s\n", path, p == NULL ? "no such property (use --only NAME)"
                                                  : "cannot read it, or it is empty");
        return false;
    }
    if (data[0] != p->format_version) {
        printf("props: %s: format version %u is not the one property '%s' reads (version %u)\n",
               path, data[0], p->name, p->format_version);
        return false;
    }
    case_run(p, data, size, &outcome);
    bool ok = outcome.verdict == CASE_PASSED && text_current(p, path, data, size);
    printf("props: replay %s: %s\n", path,
           outcome.verdict == CASE_PASSED ? "passed"
           : outcome.verdict == CASE_REFUSED ? "REFUSED (names an unassigned choice)"
                                             : "FAILED");
    if (outcome.verdict == CASE_PASSED && outcome.text_len > 0) indent(outcome.text, stdout);
    if (outcome.verdict != CASE_PASSED) {
        printf("  failure: %s\n  the case, decoded:\n", outcome.signature);
        describe_case(p, data, size, stdout);
        printf("  what it printed:\n");
        indent(outcome.text, stdout);
    }
    return ok;
}

static bool replay_path(const options *o, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("props: %s: %s\n", path, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) return replay_file(o, path);
    struct dirent **names = NULL;
    int n = scandir(path, &names, NULL, alphasort);
    bool ok = n >= 0;
    for (int k = 0; k < n; k++) {
        const char *name = names[k]->d_name;
        size_t len = strlen(name);
        bool text = len > 4 && strcmp(name + len - 4, ".txt") == 0;
        if (name[0] != '.' && !text) {
            char file[4096];
            snprintf(file, sizeof file, "%s/%s", path, name);
            ok &= replay_file(o, file);
        }
        free(names[k]);
    }
    free(names);
    return ok;
}

/* ---- options ---- */

static _Noreturn void usage(const char *why) {
    fprintf(stderr,
            "props/run: %s\n"
            "usage: run [--seed N] [--cases K] [--seconds S] [--only NAME] [--out DIR]\n"
            "       run [--only NAME] --replay FILE|DIR...\n"
            "       run [--only NAME] --describe FILE\n"
            "       run --list\n",
            why);
    exit(2);
}

static uint64_t number(const char *text, const char *flag) {
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0') {
        fprintf(stderr, "props/run: %s: expected a number, got '%s'\n", flag, text);
        exit(2);
    }
    return v;
}

static options parse(int argc, char **argv) {
    options o = {.seed = (uint64_t)time(NULL), .cases = 200, .out_dir = PROPS_CORPUS_DIR,
                 .argc = argc, .argv = argv};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--list") == 0) {
            o.list = true;
        } else if (strcmp(a, "--replay") == 0 && has_value) {
            o.replay_first = i + 1;
            break; /* every later argument is a path */
        } else if (!has_value) {
            usage("an option is missing its value, or is unknown");
        } else if (strcmp(a, "--seed") == 0) {
            o.seed = number(argv[++i], a);
        } else if (strcmp(a, "--cases") == 0) {
            o.cases = number(argv[++i], a);
        } else if (strcmp(a, "--seconds") == 0) {
            o.seconds = (double)number(argv[++i], a);
        } else if (strcmp(a, "--only") == 0) {
            o.only = argv[++i];
        } else if (strcmp(a, "--out") == 0) {
            o.out_dir = argv[++i];
        } else if (strcmp(a, "--describe") == 0) {
            o.describe = argv[++i];
        } else {
            usage("unknown option");
        }
    }
    if (o.only != NULL && find_property(o.only) == NULL) usage("--only: no such property");
    return o;
}

int main(int argc, char **argv) {
    options o = parse(argc, argv);
    if (o.list) {
        for (size_t k = 0; k < prop_count; k++)
            printf("%-22s %s\n", prop_all[k]->name, prop_all[k]->summary);
        return 0;
    }
    if (o.describe != NULL) {
        static uint8_t data[CASE_BYTES_MAX];
        const prop_property *p = property_of(&o, o.describe);
        size_t size = read_case(o.describe, data);
        if (p == NULL || size == 0 || data[0] != p->format_version) usage("cannot describe it");
        describe_case(p, data, size, stdout);
        return 0;
    }
    if (o.replay_first > 0) {
        bool ok = true;
        for (int i = o.replay_first; i < argc; i++) ok &= replay_path(&o, argv[i]);
        return ok ? 0 : 1;
    }
    bool ok = true;
    for (size_t k = 0; k < prop_count; k++) {
        if (o.only != NULL && strcmp(o.only, prop_all[k]->name) != 0) continue;
        ok &= run_property(prop_all[k], &o);
    }
    return ok ? 0 : 1;
}
