/* `replay_kv_ops --describe --quiet FILE` text as a sequence. Only the operation lines are
 * read (`#N "cmd" "arg"...`, `#N clock +X ms`, `#N active expiry over every slot`,
 * `#N K SCAN step(s)..., options: ...`); header lines of any wording are skipped, so the
 * decoder's rework on another branch does not break this. The fuzz target's clock is
 * simulated; here it is real time, so:
 *   - a clock step is slept for real, but only once some key may have a TTL (before that it
 *     changes nothing either server can show), and DR_CLOCK_MARGIN_MS longer than the step:
 *     fuzz inputs put deadlines exactly on clock steps ("PEXPIRE k 100", "clock +100 ms"),
 *     an instant at which two real servers a few milliseconds apart would race;
 *   - active expiry, and every DBSIZE once a TTL may be pending, become a settle step (a
 *     full SCAN on both, uncompared: lazy expiry removes every expired key on both, so
 *     counts do not depend on when each server's active expiry ran);
 *   - SCAN steps become one full iteration with the same options (cursors differ by design).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dr.h"

#define DR_CLOCK_MARGIN_MS 25

static bool sets_ttl(const dr_cmd *cmd) {
    static const char *const names[] = {"expire", "pexpire", "expireat", "pexpireat", "setex",
                                        "psetex", "getex"};
    static const char *const options[] = {"ex", "px", "exat", "pxat"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(cmd->argv[0].ptr, names[i]) == 0) return true;
    for (int a = 1; a < cmd->argc; a++)
        for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
            if (strcasecmp(cmd->argv[a].ptr, options[i]) == 0) return true;
    return false;
}

/* One operation line (after "#N "). Returns false when it is not replayable. */
static bool load_op(const char *op, dr_seq *seq, bool *ttl_pending) {
    long ms = 0;
    unsigned steps = 0;
    int used = 0;
    if (sscanf(op, "clock +%ld ms%n", &ms, &used) == 1 && op[used] == '\0') {
        if (*ttl_pending)
            dr_group_add(dr_seq_new_group(seq), DR_STEP_SLEEP, 0)->sleep_ms = (int)ms + DR_CLOCK_MARGIN_MS;
        return true;
    }
    if (strcmp(op, "active expiry over every slot") == 0) {
        dr_group_add(dr_seq_new_group(seq), DR_STEP_SETTLE, 0);
        return true;
    }
    const char *options = strstr(op, "options:");
    if (sscanf(op, "%u SCAN step%n", &steps, &used) == 1 && options != NULL) {
        dr_cmd *cmd = &dr_group_add(dr_seq_new_group(seq), DR_STEP_CMD, 0)->cmd;
        dr_cmd_adds(cmd, "scan");
        dr_cmd_adds(cmd, "0");
        return dr_parse_words(options + strlen("options:"), cmd) >= 0;
    }
    dr_cmd cmd = {0};
    if (op[0] != '"' || dr_parse_words(op, &cmd) <= 0) {
        dr_cmd_free(&cmd);
        return false;
    }
    *ttl_pending = *ttl_pending || sets_ttl(&cmd);
    dr_group *g = dr_seq_new_group(seq);
    if (*ttl_pending && strcasecmp(cmd.argv[0].ptr, "dbsize") == 0) dr_group_add(g, DR_STEP_SETTLE, 0);
    dr_cmd_copy(&dr_group_add(g, DR_STEP_CMD, 0)->cmd, &cmd);
    dr_cmd_free(&cmd);
    return true;
}

long dr_kv_ops_load(const char *path, dr_seq *seq) {
    FILE *f = fopen(path, "r");
    if (f == NULL) return -1;
    char *line = NULL;
    size_t size = 0;
    long skipped = 0;
    bool ttl_pending = false;
    while (getline(&line, &size, f) >= 0) {
        line[strcspn(line, "\r\n")] = '\0';
        unsigned index = 0;
        int used = 0;
        if (line[0] != '#' || sscanf(line, "#%u %n", &index, &used) != 1 || used == 0) continue;
        if (!load_op(line + used, seq, &ttl_pending)) {
            fprintf(stderr, "diff_redis: %s: not replayable: %s\n", path, line);
            skipped++;
        }
    }
    free(line);
    fclose(f);
    return skipped;
}
