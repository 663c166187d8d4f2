/*
 * Replay driver: runs files and folders through a fuzz target without a fuzzing engine.
 *
 *   replay_<target> [--describe | --list-refused] [--quiet] PATH...
 *
 * Each PATH is a file or a folder (its regular files, sorted by name, dotfiles and the
 * decoded texts `*.txt` skipped; not recursive). An input whose format version byte is not
 * the target's, or that the target refuses (an unassigned choice id), is refused with a
 * message and counts as a failure. Every input is copied into a buffer of exactly its size,
 * so ASan reports any read past its end, as under libFuzzer. A failed check aborts the
 * process; the driver then names the input it was running. Exit status: 0 iff every input
 * ran.
 * --describe prints each input's decoded operations instead of running it.
 * --list-refused runs every input and prints the path of each refused one on stdout, one a
 * line, instead of failing on it (the corpus merges drop what it lists: AFL++ keeps inputs
 * libFuzzer would have dropped); exit status 0 iff no input failed or was unreadable.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc/poison.h"
#include "drivers/fuzz_target.h"

#if STASIS_SANITIZED
#include <sanitizer/common_interface_defs.h>
#endif

/* Inputs longer than this are refused: a corpus file is never this big by accident. */
#define REPLAY_INPUT_SIZE_MAX_BYTES  ((size_t)64 << 20)
#define REPLAY_PATH_LENGTH_MAX_BYTES 4096

static char current_path[REPLAY_PATH_LENGTH_MAX_BYTES];
static bool describe_only;
static bool list_refused;
static bool quiet;
static size_t inputs_run;
static size_t inputs_refused;

/* A refused input: listed (--list-refused, not a failure) or reported (a failure). */
static int refuse(const char *path, const uint8_t *data, size_t len) {
    inputs_refused++;
    if (list_refused) {
        printf("%s\n", path);
        return 0;
    }
    fprintf(stderr, "replay: %s: ", path);
    if (!fuzz_version_matches(data, len, stderr)) return 1;
    /* -1: the target refused the input (an unassigned choice id, harness/choice.h). */
    fprintf(stderr,
            "refused by target '%s': it names a choice id that format version %u does "
            "not assign (see --describe)\n",
            fuzz_target.name, fuzz_target.format_version);
    return 1;
}

static void say_current_input(void) {
    if (current_path[0] == '\0') return;
    static const char prefix[] = "replay: failing input: ";
    ssize_t ignored = write(STDERR_FILENO, prefix, sizeof prefix - 1);
    ignored = write(STDERR_FILENO, current_path, strlen(current_path));
    ignored = write(STDERR_FILENO, "\n", 1);
    (void)ignored;
}

static void on_fatal_signal(int sig) {
    say_current_input();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int read_file(const char *path, uint8_t **out, size_t *out_len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return -errno;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0 ||
        (size_t)st.st_size > REPLAY_INPUT_SIZE_MAX_BYTES) {
        fclose(f);
        return -EFBIG;
    }
    size_t len = (size_t)st.st_size;
    uint8_t *buf = malloc(len == 0 ? 1 : len);
    if (buf == NULL) {
        fclose(f);
        return -ENOMEM;
    }
    size_t got = fread(buf, 1, len, f);
    fclose(f);
    if (got != len) {
        free(buf);
        return -EIO;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

static int run_file(const char *path) {
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = read_file(path, &data, &len);
    if (rc != 0) {
        fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(-rc));
        return 1;
    }
    snprintf(current_path, sizeof current_path, "%s", path);
    int failed = 0;
    bool ran = true;
    if (describe_only) {
        if (!quiet) printf("== %s (%zu bytes)\n", path, len);
        fflush(stdout);
        if (!fuzz_describe_input(data, len, stdout)) failed = 1;
    } else {
        if (!quiet) fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
        /* The entry point refuses (-1) an input of another version before the target. */
        if (LLVMFuzzerTestOneInput(data, len) != 0) {
            failed = refuse(path, data, len);
            ran = false;
        }
    }
    current_path[0] = '\0';
    free(data);
    if (ran && !failed) inputs_run++;
    return failed;
}

/* The decoded text committed beside a regression (NAME.txt) is not an input. */
static bool is_decoded_text(const char *name) {
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".txt") == 0;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int run_folder(const char *path) {
    DIR *dir = opendir(path);
    if (dir == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    char **names = NULL;
    size_t count = 0;
    size_t cap = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        if (is_decoded_text(entry->d_name)) continue;
        if (count == cap) {
            cap = cap == 0 ? 64 : cap * 2;
            char **grown = realloc(names, cap * sizeof *names);
            if (grown == NULL) abort();
            names = grown;
        }
        names[count] = strdup(entry->d_name);
        if (names[count] == NULL) abort();
        count++;
    }
    closedir(dir);
    if (count > 1) qsort(names, count, sizeof *names, compare_names);
    int failures = 0;
    char child[REPLAY_PATH_LENGTH_MAX_BYTES];
    for (size_t i = 0; i < count; i++) {
        snprintf(child, sizeof child, "%s/%s", path, names[i]);
        struct stat st;
        if (stat(child, &st) == 0 && S_ISREG(st.st_mode)) failures += run_file(child);
        free(names[i]);
    }
    free(names);
    return failures;
}

static void usage(const char *argv0) {
    fprintf(stderr,
            "usage: %s [--describe | --list-refused] [--quiet] PATH...\n"
            "Runs each file, and each regular file of each folder, through fuzz target '%s'.\n"
            "  --describe  print each input's decoded operations instead of running it\n"
            "  --list-refused  print the path of each input the target refuses (another format\n"
            "              version, an unassigned choice id), one a line, and do not count them\n"
            "              as failures\n"
            "  --quiet     do not name each input as it runs (with --describe: no header line,\n"
            "              which is the text committed beside a regression as NAME.txt)\n",
            argv0, fuzz_target.name);
}

int main(int argc, char **argv) {
    signal(SIGABRT, on_fatal_signal);
    signal(SIGSEGV, on_fatal_signal);
    signal(SIGBUS, on_fatal_signal);
#if STASIS_SANITIZED
    __sanitizer_set_death_callback(say_current_input);
#endif
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--describe") == 0) {
            describe_only = true;
        } else if (strcmp(argv[first], "--list-refused") == 0) {
            list_refused = true;
        } else if (strcmp(argv[first], "--quiet") == 0) {
            quiet = true;
        } else {
            usage(argv[0]);
            return 2;
        }
    }
    if (first == argc || (describe_only && list_refused)) {
        usage(argv[0]);
        return 2;
    }
    int failures = 0;
    for (int i = first; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            failures++;
        } else if (S_ISDIR(st.st_mode)) {
            failures += run_folder(argv[i]);
        } else {
            failures += run_file(argv[i]);
        }
    }
    fflush(stdout);
    if (list_refused) {
        fprintf(stderr, "replay: %s: %zu input(s) ran, %zu refused (listed), %d unreadable\n",
                fuzz_target.name, inputs_run, inputs_refused, failures);
    } else {
        fprintf(stderr, "replay: %s: %zu input(s) %s, %d refused or unreadable\n", fuzz_target.name,
                inputs_run, describe_only ? "described" : "ran", failures);
    }
    return failures == 0 ? 0 : 1;
}
