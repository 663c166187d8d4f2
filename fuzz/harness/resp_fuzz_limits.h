#ifndef STASIS_FUZZ_RESP_FUZZ_LIMITS_H
#define STASIS_FUZZ_RESP_FUZZ_LIMITS_H

/*
 * Parser limit sets the RESP targets share: small enough that short inputs breach every
 * limit (SMALL, TINY), and roomy enough that requests of a few hundred bytes parse whole.
 */

#define RESP_FUZZ_LIMITS_SMALL                                                                    \
    {.command_args_max = 8, .bulk_size_max = 16, .inline_size_max = 24, .request_size_max = 96}
#define RESP_FUZZ_LIMITS_TINY                                                                     \
    {.command_args_max = 3, .bulk_size_max = 4, .inline_size_max = 16, .request_size_max = 24}
#define RESP_FUZZ_LIMITS_ROOMY                                                                    \
    {.command_args_max = 64, .bulk_size_max = 512, .inline_size_max = 256, .request_size_max = 4096}

#endif
