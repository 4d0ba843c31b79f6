/* SHA-256 (FIPS 180-4), incremental, for the segment upload's final hash check (PROTOCOL.md
 * section 8). Checked against the FIPS test vectors in firmware/test/test_sha256.c. */
#ifndef SYNERGY_SHA256_H
#define SYNERGY_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES 32

typedef struct {
    uint32_t h[8];
    uint64_t total;          /* bytes hashed so far */
    uint8_t block[64];       /* a partial block */
    uint8_t used;            /* bytes in block */
} sha256_ctx;

void syn_sha256_init(sha256_ctx *c);
void syn_sha256_update(sha256_ctx *c, const uint8_t *data, size_t n);
/* Writes the digest; the context is left finished (init it again to reuse it). */
void syn_sha256_final(sha256_ctx *c, uint8_t out[SHA256_BYTES]);
/* One call: digest of data[0..n). */
void syn_sha256(const uint8_t *data, size_t n, uint8_t out[SHA256_BYTES]);

#endif
