/* Header packing, the receive checks of PROTOCOL.md 2.2, frame building; see frame.h. */
#include "frame.h"

#include <string.h>

#include "crc32.h"
#include "text.h"

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void syn_header_pack(const syn_header *h, uint8_t out[SYN_HEADER_SIZE])
{
    out[0] = h->version;
    out[1] = h->kind;
    put_u16(out + 2, h->id);
    put_u16(out + 4, h->type);
    put_u16(out + 6, h->length);
}

void syn_header_parse(const uint8_t in[SYN_HEADER_SIZE], syn_header *h)
{
    h->version = in[0];
    h->kind = in[1];
    h->id = get_u16(in + 2);
    h->type = get_u16(in + 4);
    h->length = get_u16(in + 6);
}

static void refuse(syn_rx_check *out, syn_rx_stage stage, uint8_t code, const char *fmt, ...)
    SYN_PRINTF(4, 5);

static void refuse(syn_rx_check *out, syn_rx_stage stage, uint8_t code, const char *fmt, ...)
{
    out->stage = stage;
    out->error = code;
    SYN_FORMAT_ARGS(out->message, sizeof out->message, fmt);
}

void syn_rx_check_run(const uint8_t *raw, size_t len, cobs_rx_result result, bool want_request,
                      syn_rx_check *out)
{
    memset(out, 0, sizeof *out);
    /* 1: empty runs are line noise, not frames. */
    if (result == COBS_RX_EMPTY) {
        out->stage = SYN_RX_DROPPED;
        return;
    }
    /* 2: too large; echo id and type if the first six bytes arrived. */
    if (result == COBS_RX_TOO_LARGE) {
        if (len >= 6) {
            out->id = get_u16(raw + 2);
            out->type = get_u16(raw + 4);
        }
        refuse(out, SYN_RX_OVERSIZE, SYN_ERR_TOO_LARGE, "frame of more than %u bytes exceeds max_frame %u",
               (unsigned)SYN_MAX_FRAME, (unsigned)SYN_MAX_FRAME);
        return;
    }
    /* 3: COBS and the minimum size; nothing in the bytes can be trusted, so id and type are 0. */
    if (result == COBS_RX_BAD) {
        refuse(out, SYN_RX_FRAMING, SYN_ERR_BAD_FRAME, "run is not valid COBS: a code byte points past its end");
        return;
    }
    if (len < SYN_MIN_FRAME) {
        refuse(out, SYN_RX_FRAMING, SYN_ERR_BAD_FRAME, "frame of %u bytes is shorter than header and CRC (%u)",
               (unsigned)len, (unsigned)SYN_MIN_FRAME);
        return;
    }
    /* 4: CRC; the answer echoes the unverified header. */
    syn_header h;
    syn_header_parse(raw, &h);
    out->id = h.id;
    out->type = h.type;
    size_t covered = len - SYN_CRC_SIZE;
    uint32_t want = (uint32_t)raw[covered] | ((uint32_t)raw[covered + 1] << 8) |
                    ((uint32_t)raw[covered + 2] << 16) | ((uint32_t)raw[covered + 3] << 24);
    uint32_t got = syn_crc32(0, raw, covered);
    if (want != got) {
        refuse(out, SYN_RX_CRC, SYN_ERR_BAD_CRC, "CRC-32 is 0x%08lx but the frame's bytes give 0x%08lx",
               (unsigned long)want, (unsigned long)got);
        return;
    }
    out->crc_ok = true;
    out->header = h;
    /* 5: the length field is a second check beside the CRC. */
    size_t body_len = covered - SYN_HEADER_SIZE;
    if (h.length != body_len) {
        refuse(out, SYN_RX_FRAMING, SYN_ERR_BAD_FRAME, "header says %u body bytes but the frame has %u",
               (unsigned)h.length, (unsigned)body_len);
        return;
    }
    /* 6, 7 */
    if (h.version != SYN_PROTO_VERSION) {
        refuse(out, SYN_RX_REJECTED, SYN_ERR_BAD_VERSION, "protocol version %u is not supported (this board speaks %u)",
               (unsigned)h.version, (unsigned)SYN_PROTO_VERSION);
        return;
    }
    if (want_request && h.kind != SYN_KIND_REQUEST) {
        refuse(out, SYN_RX_REJECTED, SYN_ERR_BAD_KIND, "a board takes requests (kind 0) only, got kind %u",
               (unsigned)h.kind);
        return;
    }
    out->stage = SYN_RX_OK;
    out->body = raw + SYN_HEADER_SIZE;
    out->body_len = body_len;
}

size_t syn_frame_build(uint8_t *out, size_t cap, uint8_t kind, uint16_t id, uint16_t type,
                       const uint8_t *body, size_t body_len)
{
    if (body_len > SYN_MAX_BODY)
        return 0;
    syn_header h = { SYN_PROTO_VERSION, kind, id, type, (uint16_t)body_len };
    uint8_t head[SYN_HEADER_SIZE];
    syn_header_pack(&h, head);
    uint32_t crc = syn_crc32(0, head, sizeof head);
    crc = syn_crc32(crc, body, body_len);
    uint8_t tail[SYN_CRC_SIZE] = { (uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24) };
    /* Encode straight from the three pieces: no raw-frame copy on the board. */
    cobs_encoder e;
    syn_cobs_encoder_init(&e, out, cap);
    syn_cobs_encoder_put(&e, head, sizeof head);
    syn_cobs_encoder_put(&e, body, body_len);
    syn_cobs_encoder_put(&e, tail, sizeof tail);
    return syn_cobs_encoder_finish(&e, true);
}

bool syn_encode_error(cbor_writer *w, uint8_t code, const char *message)
{
    size_t n = strlen(message);
    if (n > SYN_ERR_MSG_MAX) {
        n = SYN_ERR_MSG_MAX;
        /* Do not cut a UTF-8 sequence: back up over continuation bytes. */
        while (n > 0 && ((uint8_t)message[n] & 0xC0u) == 0x80u)
            n--;
    }
    syn_cbor_write_map(w, 2);
    syn_cbor_write_uint(w, 0);
    syn_cbor_write_uint(w, code);
    syn_cbor_write_uint(w, 1);
    return syn_cbor_write_text(w, message, n);
}

const char *syn_err_name(uint8_t code)
{
    static const char *const names[] = {
        "none", "bad_frame", "bad_crc", "too_large", "bad_version", "unknown_type", "bad_body",
        "bad_kind", "busy", "not_found", "bad_state", "does_not_fit", "bad_hash", "bad_argument",
        "internal", "unsupported",
    };
    return code >= 1 && code < sizeof names / sizeof names[0] ? names[code] : "unknown";
}
