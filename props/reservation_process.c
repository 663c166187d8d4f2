/* reservation's check of the real process (see reservation_process.h). */
#include "reservation_process.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc/stasis_assert.h"
#include "kv_case.h"
#include "kv_process.h"
#include "props.h"
/* after kv_case.h: its choice.h names a parameter as table.h names a type */
#include "kv/server_internal.h"

#define PRINT_TEXT_MAX 4096

/* ASan's runtime maps for itself, more or less as it goes: no fixed rest to compare. */
#ifdef STASIS_SANITIZED
#define MAPS_ARE_FIXED false
#else
#define MAPS_ARE_FIXED true
#endif

typedef struct mapped_memory {
    uint64_t anonymous_bytes; /* private, anonymous, no name: rw-p with inode 0 */
    uint64_t longest_span;    /* the longest run of such lines, each starting where one ends */
} mapped_memory;

static uint64_t page_round(uint64_t bytes) {
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    return (bytes + page - 1) / page * page;
}

/* The layout's table as --print-reservation prints it, made in-process. */
static size_t layout_text(const kv_layout *l, char *out, size_t size) {
    int fds[2];
    PROP_CHECK(pipe(fds) == 0, "pipe");
    kv_layout_print(l, "stasis-kv start-up reservation", fds[1]); /* ~1 KiB: fits a pipe */
    close(fds[1]);
    ssize_t n = read(fds[0], out, size - 1);
    close(fds[0]);
    PROP_CHECK(n > 0, "the layout printed nothing");
    out[n] = '\0';
    return (size_t)n;
}

/* 3: --print-reservation's first table is the in-process layout's, byte for byte. */
static void check_print(const char *const *settings, const kv_layout *l) {
    static kvp_args a;
    kvp_args_init(&a);
    kvp_args_settings(&a, settings);
    kvp_args_add(&a, "--print-reservation");
    static char have[PRINT_TEXT_MAX], want[PRINT_TEXT_MAX];
    int status = kvp_capture(a.argv, have, sizeof have);
    PROP_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
               "stasis-kv --print-reservation failed (wait status %d): %s", status, have);
    size_t n = layout_text(l, want, sizeof want);
    if (strncmp(have, want, n) == 0 && (have[n] == '\n' || have[n] == '\0')) return;
    fprintf(stderr, "--print-reservation printed:\n%s\nthe layout in-process:\n%s", have, want);
    prop_fail("--print-reservation's regions are the layout's",
              "the process's table differs from the one computed in-process (above)");
}

static mapped_memory read_maps(pid_t pid) {
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    PROP_CHECK(f != NULL, "cannot open %s", path);
    mapped_memory m = {0};
    uint64_t span = 0, span_end = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        uint64_t lo = 0, hi = 0, inode = 1;
        char perms[8] = "", name[256] = "";
        int got = sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %" SCNu64 " %255s", &lo, &hi,
                         perms, &inode, name);
        if (got < 4 || strcmp(perms, "rw-p") != 0 || inode != 0 || got == 5) continue;
        m.anonymous_bytes += hi - lo;
        span = lo == span_end ? span + (hi - lo) : hi - lo;
        span_end = hi;
        if (span > m.longest_span) m.longest_span = span;
    }
    fclose(f);
    return m;
}

/* What the process says and maps. */
typedef struct process_view {
    unsigned long long total; /* its start-up line: "reservation N bytes ... in K regions" */
    size_t regions;
    mapped_memory maps; /* /proc/PID/maps after the ready line */
} process_view;

/* Starts the server with the settings, reads what it says and maps, kills it. */
static process_view run_server(const char *const *settings) {
    static kvp_args a;
    kvp_args_init(&a);
    kvp_args_settings(&a, settings);
    kvp_args_setting(&a, "port", "0");
    kvp_start(&a);
    process_view v = {.maps = read_maps(kvp_srv.pid)};
    const char *at = strstr(kvp_srv.ready_text, "stasis-kv: reservation ");
    PROP_CHECK(at != NULL && sscanf(at, "stasis-kv: reservation %llu bytes (%*u MiB) in %zu regions",
                                    &v.total, &v.regions) == 2,
               "no reservation line before the ready line:\n%s", kvp_srv.ready_text);
    kvp_kill_wait(); /* a clean stop is memory_server's and capacity's check */
    return v;
}

/* What the reference process maps beside its reservation; UINT64_MAX: not measured. */
static uint64_t reference_rest = UINT64_MAX;

void reservation_process_setup(void) {
    static bool tried;
    if (tried || !MAPS_ARE_FIXED) return;
    tried = true;
    int fds[2];
    ST_ASSERT(pipe(fds) == 0);
    fflush(stdout);
    pid_t pid = fork();
    ST_ASSERT(pid >= 0);
    if (pid == 0) { /* a failure here (prop_fail) ends this child only */
        close(fds[0]);
        process_view ref = run_server(kvw_config_settings(0));
        uint64_t rest = ref.maps.anonymous_bytes - page_round(ref.total);
        _exit(write(fds[1], &rest, sizeof rest) == (ssize_t)sizeof rest ? 0 : 1);
    }
    close(fds[1]);
    uint64_t rest = UINT64_MAX;
    if (read(fds[0], &rest, sizeof rest) != (ssize_t)sizeof rest) rest = UINT64_MAX;
    close(fds[0]);
    while (waitpid(pid, NULL, 0) < 0) ST_ASSERT(errno == EINTR);
    reference_rest = rest;
}

/* 1: the process maps its reservation, page-rounded, and nothing else that grows. */
static void check_maps(const mapped_memory *m, const kv_layout *l) {
    uint64_t rounded = page_round(l->total_bytes);
    PROP_CHECK(m->longest_span >= rounded,
               "/proc/PID/maps has no anonymous mapping of %" PRIu64 " bytes (the reservation, "
               "page-rounded); the longest is %" PRIu64,
               rounded, m->longest_span);
    uint64_t rest = reference_rest;
    PROP_CHECK(rest != UINT64_MAX, "the reference stasis-kv (tiny configuration) could not be "
                                   "measured: what it printed is above the runner's first line");
    PROP_CHECK(m->anonymous_bytes == rounded + rest,
               "/proc/PID/maps: %" PRIu64 " bytes of anonymous memory, not the reservation (%" PRIu64
               " page-rounded) plus the %" PRIu64 " bytes the process has beside it (measured "
               "with the tiny configuration)",
               m->anonymous_bytes, rounded, rest);
}

/* Whether the server can start here: it needs connections_max + KV_SERVER_FDS_RESERVED
 * descriptors and refuses, before mapping anything, when the hard limit is lower. */
static bool descriptors_suffice(const kv_config *config) {
    struct rlimit limit;
    PROP_CHECK(getrlimit(RLIMIT_NOFILE, &limit) == 0, "getrlimit: %s", strerror(errno));
    return limit.rlim_max == RLIM_INFINITY ||
           config->connections_max + KV_SERVER_FDS_RESERVED <= limit.rlim_max;
}

void reservation_process_check(const char *const *settings, const kv_config *config,
                               const kv_layout *l) {
    if (!descriptors_suffice(config)) return;
    process_view v = run_server(settings);
    if (MAPS_ARE_FIXED) check_maps(&v.maps, l);
    PROP_CHECK(v.total == l->total_bytes && v.regions == l->region_count,
               "the process says its reservation is %llu bytes in %zu regions; the layout: %" PRIu64
               " bytes in %zu regions",
               v.total, v.regions, l->total_bytes, l->region_count);
    check_print(settings, l);
}
