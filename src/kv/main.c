/* stasis-kv: parse the options, then print, or run the server. */
#include <stdio.h>
#include <unistd.h>

#include "kv/cli.h"
#include "kv/server.h"

int main(int argc, char **argv) {
    static kv_config config;
    switch (kv_cli_parse(argc, argv, &config, stderr)) {
    case KV_CLI_HELP: kv_cli_print_help(stdout); return 0;
    case KV_CLI_ERROR: return 2;
    case KV_CLI_PRINT_RESERVATION: return kv_cli_print_reservation(&config, STDOUT_FILENO) ? 0 : 2;
    case KV_CLI_RUN: break;
    }
    return kv_server_run(&config);
}
