/* COBS byte stuffing (proto/PROTOCOL.md section 2): an encoder that writes the canonical form
 * and an incremental receiver that decodes 0x00-terminated runs as bytes arrive.
 *
 * Canonical form: a frame that ends exactly after a full 254-byte block (code 0xFF) gets no
 * trailing 0x01 code. The receiver accepts both forms. */
#ifndef SYNERGY_COBS_H
#define SYNERGY_COBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Encoded size of n bytes, without the 0x00 delimiter: one code byte per 254 data bytes, plus
 * one (the canonical form may need one less). */
#define COBS_ENCODED_MAX(n) ((n) + (n) / 254 + 1)

/* Streaming encoder: the frame can be given in pieces (header, body, CRC) without first being
 * copied into one buffer. */
typedef struct {
    uint8_t *out;
    size_t cap;
    size_t len;       /* bytes written so far, including the open block's code byte */
    size_t code_at;   /* index of the open block's code byte */
    uint8_t code;     /* 1 + data bytes in the open block */
    bool overflow;    /* sticky: out was too small */
} cobs_encoder;

void syn_cobs_encoder_init(cobs_encoder *e, uint8_t *out, size_t cap);
void syn_cobs_encoder_put(cobs_encoder *e, const uint8_t *data, size_t n);
/* Closes the last block and appends the 0x00 delimiter when `delimit`. Returns the encoded
 * length, or 0 if out was too small. */
size_t syn_cobs_encoder_finish(cobs_encoder *e, bool delimit);

/* One-shot encode of n bytes (no delimiter). Returns the encoded length, 0 if cap is short. */
size_t syn_cobs_encode(const uint8_t *in, size_t n, uint8_t *out, size_t cap);
/* One-shot decode of one run (without delimiter). Returns false for invalid COBS, a 0x00 inside
 * the run, or an output longer than cap. */
bool syn_cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *out_len);

/* What a run ended as, reported when its 0x00 delimiter arrives. */
typedef enum {
    COBS_RX_FRAME = 0,     /* decoded bytes are in buf[0..len) */
    COBS_RX_EMPTY,         /* 0x00 with nothing before it: drop silently */
    COBS_RX_TOO_LARGE,     /* decoded length passed cap; buf keeps the first cap bytes */
    COBS_RX_BAD            /* a code byte pointed past the end of the run */
} cobs_rx_result;

typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t len;        /* decoded bytes stored, at most cap */
    size_t decoded;    /* decoded bytes of the run so far, also past cap */
    size_t run;        /* encoded bytes of the run so far (delimiter not counted) */
    uint8_t left;      /* data bytes still due in the open block */
    uint8_t code;      /* code byte of the open block, 0 before the first */
    bool done;         /* the previous call ended a run: start afresh on the next byte */
} cobs_rx;

void syn_cobs_rx_init(cobs_rx *rx, uint8_t *buf, size_t cap);
/* Consumes bytes up to and including the first 0x00 in data[0..n). Returns how many bytes it
 * consumed; when the last one was a delimiter, *ended is true and *result tells what the run was
 * (the decoded bytes stay valid until the next call). */
size_t syn_cobs_rx_feed(cobs_rx *rx, const uint8_t *data, size_t n, bool *ended, cobs_rx_result *result);

#endif
