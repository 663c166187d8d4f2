#ifndef STASIS_KV_SIPHASH_H
#define STASIS_KV_SIPHASH_H

/*
 * SipHash-2-4 (Aumasson and Bernstein): a keyed 64-bit hash. The store keys its hash table
 * with a seed chosen at start-up, so a client that picks key names cannot predict where
 * they land and cannot pile them into one probe run. Fuzz targets inject a fixed seed to
 * stay deterministic. O(len).
 */

#include <stddef.h>
#include <stdint.h>

typedef struct siphash_key {
    uint64_t k0;
    uint64_t k1;
} siphash_key;

uint64_t siphash24(siphash_key key, const void *data, size_t len);

#endif
