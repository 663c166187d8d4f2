#include "kv/siphash.h"

#include <string.h>

static inline uint64_t rotl(uint64_t x, unsigned b) { return (x << b) | (x >> (64u - b)); }

static inline uint64_t load_le64(const uint8_t *p) {
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8u * i);
    return v;
}

typedef struct sip_state {
    uint64_t v0, v1, v2, v3;
} sip_state;

static inline void sip_round(sip_state *s) {
    s->v0 += s->v1;
    s->v1 = rotl(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = rotl(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = rotl(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = rotl(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = rotl(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = rotl(s->v2, 32);
}

static inline void sip_compress(sip_state *s, uint64_t m) {
    s->v3 ^= m;
    sip_round(s);
    sip_round(s);
    s->v0 ^= m;
}

uint64_t siphash24(siphash_key key, const void *data, size_t len) {
    const uint8_t *p = data;
    sip_state s = {
        .v0 = key.k0 ^ 0x736f6d6570736575ull,
        .v1 = key.k1 ^ 0x646f72616e646f6dull,
        .v2 = key.k0 ^ 0x6c7967656e657261ull,
        .v3 = key.k1 ^ 0x7465646279746573ull,
    };
    size_t whole = len & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8)
        sip_compress(&s, load_le64(p + i));
    uint8_t tail[8] = {0};
    if (len > whole) memcpy(tail, p + whole, len - whole);
    uint64_t last = load_le64(tail) | ((uint64_t)(len & 0xffu) << 56);
    sip_compress(&s, last);
    s.v2 ^= 0xffu;
    for (int i = 0; i < 4; i++)
        sip_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
