/* Frames (proto/PROTOCOL.md section 2): the 8-byte header, the receive checks in the order of
 * section 2.2, and building COBS(header | body | CRC) 0x00 into a bounded buffer. */
#ifndef SYNERGY_FRAME_H
#define SYNERGY_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbor.h"
#include "cobs.h"
#include "proto.h"

typedef struct {
    uint8_t version;
    uint8_t kind;
    uint16_t id;
    uint16_t type;
    uint16_t length;   /* body bytes */
} syn_header;

void syn_header_pack(const syn_header *h, uint8_t out[SYN_HEADER_SIZE]);
void syn_header_parse(const uint8_t in[SYN_HEADER_SIZE], syn_header *h);

/* Which counter a run lands in (stats, section 4.3). */
typedef enum {
    SYN_RX_DROPPED = 0,  /* empty run: counted nowhere */
    SYN_RX_OVERSIZE,     /* longer than max_frame */
    SYN_RX_FRAMING,      /* bad COBS, too short, or a lying length field */
    SYN_RX_CRC,          /* CRC mismatch */
    SYN_RX_REJECTED,     /* good CRC, refused by a later check */
    SYN_RX_OK            /* passed checks 1..7 */
} syn_rx_stage;

/* The outcome of checks 1..7 of section 2.2 on one run. */
typedef struct {
    syn_rx_stage stage;
    uint8_t error;             /* 0 when stage is SYN_RX_OK or SYN_RX_DROPPED, else SYN_ERR_* */
    uint16_t id;               /* what an answer echoes */
    uint16_t type;
    bool crc_ok;               /* the frame had a good CRC (counts as frames_in) */
    syn_header header;         /* valid when crc_ok */
    const uint8_t *body;       /* points into the decoded run; valid when stage is SYN_RX_OK */
    size_t body_len;
    char message[SYN_ERR_MSG_MAX + 1];
} syn_rx_check;

/* Runs checks 1..7 on a run the COBS receiver ended: `raw` and `len` are its decoded bytes (for
 * COBS_RX_TOO_LARGE, the first bytes kept). With want_request the kind must be a request (the
 * board side). */
void syn_rx_check_run(const uint8_t *raw, size_t len, cobs_rx_result result, bool want_request,
                      syn_rx_check *out);

/* Builds COBS(header | body | CRC-32 LE) 0x00 into out; the header's length is body_len.
 * Returns the wire length, or 0 when the raw frame would pass SYN_MAX_FRAME or out is short. */
size_t syn_frame_build(uint8_t *out, size_t cap, uint8_t kind, uint16_t id, uint16_t type,
                       const uint8_t *body, size_t body_len);

/* The one error shape {0: code, 1: message}; the message is cut to SYN_ERR_MSG_MAX bytes at a
 * UTF-8 character boundary. */
bool syn_encode_error(cbor_writer *w, uint8_t code, const char *message);

/* "bad_frame", "bad_crc", ...; "unknown" for codes outside 1..15. */
const char *syn_err_name(uint8_t code);

#endif
