#include "kv/cli.h"

#include <string.h>
#include <unistd.h>

#include "kv/layout.h"

void kv_cli_print_help(FILE *out) {
    fprintf(out,
            "usage: stasis-kv [--name value | --name=value]...\n"
            "A Redis-compatible key-value server that reserves all of its memory at start-up.\n\n"
            "  --help                 this text\n"
            "  --print-reservation    print every region of the start-up reservation and exit\n\n");
    static const char *const kinds[] = {"data limits", "protocol limits", "server"};
    for (int kind = KV_OPTION_DATA; kind <= KV_OPTION_SERVER; kind++) {
        fprintf(out, "%s:\n", kinds[kind]);
        kv_config defaults;
        kv_config_defaults(&defaults);
        for (size_t i = 0; i < kv_option_count; i++) {
            const kv_option *o = &kv_options[i];
            if ((int)o->kind != kind) continue;
            char flag[64];
            snprintf(flag, sizeof flag, "--%s", o->name);
            for (char *p = flag; *p != '\0'; p++) {
                if (*p == '_') *p = '-';
            }
            char value[KV_REQUIREPASS_SIZE_MAX + 8];
            kv_option_format(o, &defaults, value, sizeof value);
            fprintf(out, "  %-28s %s\n  %-28s default: %s%s%s\n", flag, o->help, "",
                    o->derived != NULL ? o->derived : (value[0] != '\0' ? value : "(empty)"),
                    o->redis_name != NULL ? "; CONFIG GET also as " : "",
                    o->redis_name != NULL ? o->redis_name : "");
        }
        fprintf(out, "\n");
    }
}

kv_cli_action kv_cli_parse(int argc, char **argv, kv_config *config, FILE *err) {
    kv_config_defaults(config);
    bool print = false;
    int kept = 0;
    char *rest[256];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return KV_CLI_HELP;
        if (strcmp(argv[i], "--print-reservation") == 0) {
            print = true;
        } else if (kept < (int)(sizeof rest / sizeof rest[0])) {
            rest[kept++] = argv[i];
        } else {
            fprintf(err, "stasis-kv: too many arguments\n");
            return KV_CLI_ERROR;
        }
    }
    char error[512];
    if (!kv_config_parse_args(config, kept, rest, error, sizeof error) ||
        !kv_config_finalize(config, error, sizeof error)) {
        fprintf(err, "stasis-kv: %s\n(stasis-kv --help lists every option)\n", error);
        return KV_CLI_ERROR;
    }
    return print ? KV_CLI_PRINT_RESERVATION : KV_CLI_RUN;
}

bool kv_cli_print_reservation(const kv_config *config, int fd) {
    kv_layout mine;
    char error[512];
    if (!kv_layout_compute(config, &mine, error, sizeof error)) {
        dprintf(fd, "stasis-kv: %s\n", error);
        return false;
    }
    kv_layout_print(&mine, "stasis-kv start-up reservation", fd);
    kv_layout seed;
    kv_layout_seed(config, &seed);
    dprintf(fd, "\n");
    kv_layout_print(&seed,
                    "the seed design (nickmonad/kv) for the same C, N, K, V, L "
                    "(its formula; its small headers not counted)",
                    fd);
    dprintf(fd, "\nstasis / seed: %.1f %% (%llu / %llu bytes)\n",
            100.0 * (double)mine.total_bytes / (double)seed.total_bytes,
            (unsigned long long)mine.total_bytes, (unsigned long long)seed.total_bytes);
    return true;
}
