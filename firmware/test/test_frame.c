/* Frame header, building, and checks 1..7 of PROTOCOL.md 2.2 in their order. */
#include <string.h>

#include "crc32.h"
#include "frame.h"
#include "harness.h"

static void test_header(void)
{
    syn_header h = { 1, 3, 0xBEEF, 0x0777, 0x1234 }, back;
    uint8_t b[SYN_HEADER_SIZE];
    syn_header_pack(&h, b);
    const uint8_t want[8] = { 1, 3, 0xEF, 0xBE, 0x77, 0x07, 0x34, 0x12 };
    CHECK_MEM(b, 8, want, 8);
    syn_header_parse(b, &back);
    CHECK(memcmp(&h, &back, sizeof h) == 0);
}

/* Builds a raw frame by hand (so each field can be made wrong), then runs the checks. */
static void check_raw(uint8_t version, uint8_t kind, uint16_t length_field, size_t body_len, bool break_crc,
                      syn_rx_stage stage, uint8_t error)
{
    uint8_t raw[64];
    syn_header h = { version, kind, 42, SYN_MSG_PING, length_field };
    syn_header_pack(&h, raw);
    memset(raw + 8, 0xA0, body_len);
    uint32_t crc = syn_crc32(0, raw, 8 + body_len);
    if (break_crc)
        crc ^= 1;
    for (int i = 0; i < 4; i++)
        raw[8 + body_len + (size_t)i] = (uint8_t)(crc >> (8 * i));
    syn_rx_check chk;
    syn_rx_check_run(raw, 12 + body_len, COBS_RX_FRAME, true, &chk);
    CHECK_EQ(chk.stage, stage);
    CHECK_EQ(chk.error, error);
    if (stage != SYN_RX_FRAMING || error != SYN_ERR_BAD_FRAME || length_field != body_len) {
        CHECK_EQ(chk.id, 42);
        CHECK_EQ(chk.type, SYN_MSG_PING);
    }
    CHECK(chk.message[0] != '\0' || stage == SYN_RX_OK);
}

static void test_check_order(void)
{
    check_raw(1, 0, 1, 1, false, SYN_RX_OK, 0);
    /* CRC before length, length before version, version before kind */
    check_raw(9, 1, 7, 1, true, SYN_RX_CRC, SYN_ERR_BAD_CRC);
    check_raw(9, 1, 7, 1, false, SYN_RX_FRAMING, SYN_ERR_BAD_FRAME);
    check_raw(9, 1, 1, 1, false, SYN_RX_REJECTED, SYN_ERR_BAD_VERSION);
    check_raw(1, 1, 1, 1, false, SYN_RX_REJECTED, SYN_ERR_BAD_KIND);
    check_raw(1, 3, 0, 0, false, SYN_RX_REJECTED, SYN_ERR_BAD_KIND);
    /* too short: 11 bytes, id and type 0 */
    uint8_t raw[11] = { 1, 0, 5, 0, 2, 0, 0, 0, 0, 0, 0 };
    syn_rx_check chk;
    syn_rx_check_run(raw, sizeof raw, COBS_RX_FRAME, true, &chk);
    CHECK_EQ(chk.error, SYN_ERR_BAD_FRAME);
    CHECK_EQ(chk.id, 0);
    CHECK_EQ(chk.type, 0);
    CHECK_STR(chk.message, "frame of 11 bytes is shorter than header and CRC (12)");
    /* too large echoes the first six bytes; fewer than six: zeros */
    syn_rx_check_run(raw, sizeof raw, COBS_RX_TOO_LARGE, true, &chk);
    CHECK_EQ(chk.error, SYN_ERR_TOO_LARGE);
    CHECK_EQ(chk.id, 5);
    CHECK_EQ(chk.type, 2);
    CHECK_STR(chk.message, "frame of more than 8192 bytes exceeds max_frame 8192");
    syn_rx_check_run(raw, 5, COBS_RX_TOO_LARGE, true, &chk);
    CHECK_EQ(chk.id, 0);
    syn_rx_check_run(raw, 0, COBS_RX_EMPTY, true, &chk);
    CHECK_EQ(chk.stage, SYN_RX_DROPPED);
    syn_rx_check_run(raw, 3, COBS_RX_BAD, true, &chk);
    CHECK_EQ(chk.stage, SYN_RX_FRAMING);
    CHECK_EQ(chk.error, SYN_ERR_BAD_FRAME);
}

static void test_build(void)
{
    static uint8_t body[SYN_MAX_FRAME], wire[SYN_MAX_WIRE + 8], raw[SYN_MAX_FRAME + 8];
    memset(body, 0x11, sizeof body);
    /* the largest body fits the worst-case wire size */
    size_t n = syn_frame_build(wire, sizeof wire, SYN_KIND_RESPONSE, 1, 2, body, SYN_MAX_BODY);
    CHECK(n > 0 && n <= SYN_MAX_WIRE);
    size_t rn;
    CHECK(syn_cobs_decode(wire, n - 1, raw, sizeof raw, &rn));
    CHECK_EQ(rn, SYN_MAX_FRAME);
    syn_rx_check chk;
    syn_rx_check_run(raw, rn, COBS_RX_FRAME, false, &chk);
    CHECK_EQ(chk.stage, SYN_RX_OK);
    CHECK_EQ(chk.body_len, SYN_MAX_BODY);
    /* one byte more is refused, as is a short output buffer */
    CHECK_EQ(syn_frame_build(wire, sizeof wire, SYN_KIND_RESPONSE, 1, 2, body, SYN_MAX_BODY + 1), 0);
    CHECK_EQ(syn_frame_build(wire, 20, SYN_KIND_RESPONSE, 1, 2, body, 100), 0);
}

static void test_error_shape(void)
{
    uint8_t buf[128];
    cbor_writer w;
    syn_cbor_writer_init(&w, buf, sizeof buf);
    /* a message over 64 bytes is cut at a character boundary (here a 2-byte character at 63) */
    char msg[80];
    memset(msg, 'x', sizeof msg);
    msg[63] = (char)0xC3;
    msg[64] = (char)0xA9;
    msg[79] = '\0';
    CHECK(syn_encode_error(&w, SYN_ERR_INTERNAL, msg));
    CHECK_EQ(syn_cbor_validate(buf, w.len), CBOR_OK);
    cbor_reader r;
    syn_cbor_reader_init(&r, buf, w.len);
    size_t pairs, len;
    uint64_t k, code;
    const char *t;
    CHECK(syn_cbor_read_map(&r, &pairs) && pairs == 2);
    CHECK(syn_cbor_read_uint(&r, &k) && syn_cbor_read_uint(&r, &code) && code == SYN_ERR_INTERNAL);
    CHECK(syn_cbor_read_uint(&r, &k) && syn_cbor_read_text(&r, &t, &len));
    CHECK_EQ(len, 63);
    CHECK_STR(syn_err_name(SYN_ERR_DOES_NOT_FIT), "does_not_fit");
    CHECK_STR(syn_err_name(0), "unknown");
}

void suite_frame(void)
{
    th_run("frame: header is little-endian, fields in order", test_header);
    th_run("frame: checks 1..7 in the order of PROTOCOL.md 2.2", test_check_order);
    th_run("frame: largest body builds, one more is refused", test_build);
    th_run("frame: error shape, message cut at 64 bytes", test_error_shape);
}
