/* COBS: canonical encoding, round trips at the block edges, the incremental receiver. */
#include <string.h>

#include "cobs.h"
#include "harness.h"
#include "support.h"

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    return test_xorshift32(&rng);
}

/* Feeds `wire` to a receiver in pieces of `step` bytes (0: random pieces) and expects exactly one
 * run ending with `want`, whose decoded bytes are returned. */
static bool rx_one(const uint8_t *wire, size_t n, size_t step, cobs_rx_result want, uint8_t *buf, size_t cap,
                   size_t *len)
{
    cobs_rx rx;
    syn_cobs_rx_init(&rx, buf, cap);
    size_t i = 0;
    int runs = 0;
    while (i < n) {
        size_t piece = step != 0 ? step : 1 + rnd() % 300;
        if (piece > n - i)
            piece = n - i;
        size_t done = 0;
        while (done < piece) {
            bool ended;
            cobs_rx_result res;
            done += syn_cobs_rx_feed(&rx, wire + i + done, piece - done, &ended, &res);
            if (ended) {
                runs++;
                if (!CHECK_EQ(res, want))
                    return false;
                *len = rx.len;
            }
        }
        i += piece;
    }
    return CHECK_EQ(runs, 1);
}

static void round_trip(const uint8_t *in, size_t n)
{
    static uint8_t enc[20000], dec[20000];
    size_t e = syn_cobs_encode(in, n, enc, sizeof enc);
    if (!CHECK(e > 0 && e <= COBS_ENCODED_MAX(n)))
        return;
    CHECK(memchr(enc, 0, e) == NULL);
    size_t d;
    CHECK(syn_cobs_decode(enc, e, dec, sizeof dec, &d));
    CHECK_MEM(dec, d, in, n);
    /* and through the receiver, byte by byte and in random pieces */
    enc[e] = 0;
    for (size_t step = 0; step < 2; step++) {
        size_t got = 0;
        /* (an empty frame is the run 0x01 0x00: a frame of no bytes, not an empty run) */
        if (rx_one(enc, e + 1, step, COBS_RX_FRAME, dec, sizeof dec, &got))
            CHECK_MEM(dec, got, in, n);
    }
}

static void test_round_trips(void)
{
    static uint8_t buf[9000];
    /* every length up to 800 and the block edges, with no zeros, all zeros, and random bytes */
    for (size_t n = 0; n <= 800; n++) {
        memset(buf, 0x55, n);
        round_trip(buf, n);
        memset(buf, 0, n);
        round_trip(buf, n);
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)(rnd() % 4 == 0 ? 0 : rnd());
        round_trip(buf, n);
    }
    for (size_t n = 8180; n <= 8192; n++) {
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)rnd();
        round_trip(buf, n);
    }
}

static void test_block_edges(void)
{
    uint8_t in[600], enc[700];
    memset(in, 0xAB, sizeof in);
    /* 253 non-zero bytes: one short block */
    CHECK_EQ(syn_cobs_encode(in, 253, enc, sizeof enc), 254);
    CHECK_EQ(enc[0], 254);
    /* 254: one full block and, canonically, no trailing 0x01 */
    CHECK_EQ(syn_cobs_encode(in, 254, enc, sizeof enc), 255);
    CHECK_EQ(enc[0], 0xFF);
    /* 255: a full block, then a block of one byte */
    CHECK_EQ(syn_cobs_encode(in, 255, enc, sizeof enc), 257);
    CHECK_EQ(enc[0], 0xFF);
    CHECK_EQ(enc[255], 2);
    /* 254 bytes then a zero: the zero is a block of its own (code 1), then the end block */
    in[254] = 0;
    CHECK_EQ(syn_cobs_encode(in, 255, enc, sizeof enc), 257);
    CHECK_EQ(enc[255], 1);
    CHECK_EQ(enc[256], 1);
    /* The receiver also takes the non-canonical trailing 0x01 after a full block. */
    uint8_t wire[300], dec[300];
    memset(in, 0xAB, 254);
    size_t e = syn_cobs_encode(in, 254, wire, sizeof wire);
    wire[e] = 1;
    wire[e + 1] = 0;
    size_t got = 0;
    if (rx_one(wire, e + 2, 1, COBS_RX_FRAME, dec, sizeof dec, &got))
        CHECK_MEM(dec, got, in, 254);
    size_t d;
    CHECK(syn_cobs_decode(wire, e + 1, dec, sizeof dec, &d));
    CHECK_EQ(d, 254);
    /* empty input encodes as one code byte */
    CHECK_EQ(syn_cobs_encode(in, 0, enc, sizeof enc), 1);
    CHECK_EQ(enc[0], 1);
    /* too small an output buffer is refused, not overrun */
    CHECK_EQ(syn_cobs_encode(in, 254, enc, 254), 0);
}

static void test_streaming_encoder_pieces(void)
{
    uint8_t in[1000], one[1100], pieces[1100];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i % 7 == 0 ? 0 : i);
    size_t n1 = syn_cobs_encode(in, sizeof in, one, sizeof one);
    cobs_encoder e;
    syn_cobs_encoder_init(&e, pieces, sizeof pieces);
    syn_cobs_encoder_put(&e, in, 8);
    syn_cobs_encoder_put(&e, in + 8, 500);
    syn_cobs_encoder_put(&e, in + 508, 492);
    size_t n2 = syn_cobs_encoder_finish(&e, true);
    CHECK_EQ(n2, n1 + 1);
    CHECK_MEM(pieces, n2 - 1, one, n1);
    CHECK_EQ(pieces[n2 - 1], 0);
}

static void test_receiver_runs(void)
{
    uint8_t buf[64];
    cobs_rx rx;
    syn_cobs_rx_init(&rx, buf, sizeof buf);
    bool ended;
    cobs_rx_result res;
    /* empty runs (a line held low) */
    const uint8_t zeros[3] = { 0, 0, 0 };
    size_t used = syn_cobs_rx_feed(&rx, zeros, 3, &ended, &res);
    CHECK_EQ(used, 1);
    CHECK(ended);
    CHECK_EQ(res, COBS_RX_EMPTY);
    /* a code byte pointing past the delimiter */
    const uint8_t bad[4] = { 9, 1, 2, 0 };
    syn_cobs_rx_init(&rx, buf, sizeof buf);
    used = syn_cobs_rx_feed(&rx, bad, 4, &ended, &res);
    CHECK_EQ(used, 4);
    CHECK(ended);
    CHECK_EQ(res, COBS_RX_BAD);
    /* a partial run is not reported until its delimiter */
    const uint8_t part[3] = { 3, 7, 8 };
    syn_cobs_rx_init(&rx, buf, sizeof buf);
    used = syn_cobs_rx_feed(&rx, part, 3, &ended, &res);
    CHECK_EQ(used, 3);
    CHECK(!ended);
    const uint8_t delim[1] = { 0 };
    syn_cobs_rx_feed(&rx, delim, 1, &ended, &res);
    CHECK(ended);
    CHECK_EQ(res, COBS_RX_FRAME);
    CHECK_EQ(rx.len, 2);
}

static void test_resync_after_garbage(void)
{
    /* Garbage (without zeros) then a delimiter, then a good frame: the garbage run is bad or a
     * frame of junk, and the good frame decodes exactly. */
    uint8_t wire[600], buf[600];
    size_t n = 0;
    for (int i = 0; i < 100; i++)
        wire[n++] = (uint8_t)(1 + rnd() % 255);
    wire[n++] = 0;
    const uint8_t msg[5] = { 1, 0, 2, 0, 3 };
    n += syn_cobs_encode(msg, 5, wire + n, sizeof wire - n);
    wire[n++] = 0;
    cobs_rx rx;
    syn_cobs_rx_init(&rx, buf, sizeof buf);
    size_t i = 0;
    int frames = 0;
    while (i < n) {
        bool ended;
        cobs_rx_result res;
        i += syn_cobs_rx_feed(&rx, wire + i, n - i, &ended, &res);
        if (ended && i == n) {
            CHECK_EQ(res, COBS_RX_FRAME);
            CHECK_MEM(rx.buf, rx.len, msg, sizeof msg);
            frames++;
        }
    }
    CHECK_EQ(frames, 1);
}

static void test_receiver_oversize(void)
{
    /* A run that decodes to more than cap: too large, the first cap bytes kept, nothing
     * written past the buffer (ASan watches), and the next run is fine. */
    static uint8_t in[300], wire[700];
    uint8_t buf[100 + 16];
    memset(buf + 100, 0xEE, 16);
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i + 1);
    in[50] = 0;
    size_t e = syn_cobs_encode(in, sizeof in, wire, sizeof wire);
    wire[e++] = 0;
    const uint8_t small[3] = { 2, 9, 0 };
    memcpy(wire + e, small, 3);
    cobs_rx rx;
    syn_cobs_rx_init(&rx, buf, 100);
    bool ended;
    cobs_rx_result res;
    size_t used = syn_cobs_rx_feed(&rx, wire, e + 3, &ended, &res);
    CHECK_EQ(used, e);
    CHECK_EQ(res, COBS_RX_TOO_LARGE);
    CHECK_EQ(rx.len, 100);
    CHECK_MEM(rx.buf, 6, in, 6);
    for (int i = 100; i < 116; i++)
        CHECK_EQ(buf[i], 0xEE);
    used = syn_cobs_rx_feed(&rx, wire + e, 3, &ended, &res);
    CHECK_EQ(res, COBS_RX_FRAME);
    CHECK_EQ(rx.len, 1);
    CHECK_EQ(rx.buf[0], 9);
    /* exactly cap bytes is not too large */
    e = syn_cobs_encode(in, 100, wire, sizeof wire);
    wire[e++] = 0;
    syn_cobs_rx_feed(&rx, wire, e, &ended, &res);
    CHECK_EQ(res, COBS_RX_FRAME);
    CHECK_EQ(rx.len, 100);
}

static void test_decode_refuses(void)
{
    uint8_t out[16];
    size_t n;
    const uint8_t past[2] = { 5, 1 };
    CHECK(!syn_cobs_decode(past, 2, out, sizeof out, &n));
    const uint8_t inner_zero[3] = { 3, 0, 1 };
    CHECK(!syn_cobs_decode(inner_zero, 3, out, sizeof out, &n));
    const uint8_t long_out[6] = { 6, 1, 2, 3, 4, 5 };
    CHECK(!syn_cobs_decode(long_out, 6, out, 4, &n));
}

void suite_cobs(void)
{
    th_run("cobs: round trips of every length to 800 and near 8192", test_round_trips);
    th_run("cobs: 253/254/255-byte runs, canonical end", test_block_edges);
    th_run("cobs: streaming encoder equals one-shot", test_streaming_encoder_pieces);
    th_run("cobs: receiver reports empty, bad and partial runs", test_receiver_runs);
    th_run("cobs: receiver resynchronises after garbage", test_resync_after_garbage);
    th_run("cobs: receiver stops storing past the maximum", test_receiver_oversize);
    th_run("cobs: decode refuses malformed runs", test_decode_refuses);
}
