#ifndef STASIS_KV_CLI_H
#define STASIS_KV_CLI_H

/*
 * The command line of stasis-kv: --help (from the option table), --print-reservation (the
 * reservation table, and the seed design's for the same limits), and parsing the options
 * into a finalized configuration with a clear message for every mistake.
 */

#include <stdbool.h>
#include <stdio.h>

#include "kv/config.h"

typedef enum kv_cli_action {
    KV_CLI_RUN,               /* start the server with the configuration */
    KV_CLI_HELP,              /* printed; exit 0 */
    KV_CLI_PRINT_RESERVATION, /* print the table; exit 0 */
    KV_CLI_ERROR,             /* message printed; exit 2 */
} kv_cli_action;

/* Parses argv[1..] into config (finalized). Prints errors to `err`. */
kv_cli_action kv_cli_parse(int argc, char **argv, kv_config *config, FILE *err);

void kv_cli_print_help(FILE *out);

/* Prints stasis's reservation, the seed design's, and their ratio. Returns false (message
 * printed) iff the reservation cannot be computed. */
bool kv_cli_print_reservation(const kv_config *config, int fd);

#endif
