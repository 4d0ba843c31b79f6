/* COBS encoder and incremental receiver; see cobs.h. */
#include "cobs.h"

#include <string.h>

void syn_cobs_encoder_init(cobs_encoder *e, uint8_t *out, size_t cap)
{
    e->out = out;
    e->cap = cap;
    e->len = 0;
    e->code_at = 0;
    e->code = 0;      /* 0: no block open yet */
    e->overflow = false;
}

static void enc_byte(cobs_encoder *e, uint8_t b)
{
    if (e->len < e->cap)
        e->out[e->len] = b;
    else
        e->overflow = true;
    e->len++;
}

/* Opens a block: reserve its code byte, filled in when the block closes. */
static void enc_open(cobs_encoder *e)
{
    e->code_at = e->len;
    enc_byte(e, 0);
    e->code = 1;
}

static void enc_close(cobs_encoder *e)
{
    if (e->code_at < e->cap)
        e->out[e->code_at] = e->code;
    e->code = 0;
}

void syn_cobs_encoder_put(cobs_encoder *e, const uint8_t *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        /* Open a block lazily, so a frame that ends right after a full block gets no empty
         * trailing block (the canonical form). */
        if (e->code == 0)
            enc_open(e);
        if (data[i] == 0) {
            enc_close(e);
            enc_open(e);   /* a zero always starts a new block, even at the very end */
        } else {
            enc_byte(e, data[i]);
            if (++e->code == 0xFF)
                enc_close(e);
        }
    }
}

size_t syn_cobs_encoder_finish(cobs_encoder *e, bool delimit)
{
    /* Empty input still needs one code byte; a pending full block was already closed. */
    if (e->code != 0 || e->len == 0) {
        if (e->code == 0)
            enc_open(e);
        enc_close(e);
    }
    if (delimit)
        enc_byte(e, 0);
    return e->overflow ? 0 : e->len;
}

size_t syn_cobs_encode(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    cobs_encoder e;
    syn_cobs_encoder_init(&e, out, cap);
    syn_cobs_encoder_put(&e, in, n);
    return syn_cobs_encoder_finish(&e, false);
}

bool syn_cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t o = 0;
    size_t i = 0;
    while (i < n) {
        uint8_t code = in[i++];
        if (code == 0)
            return false;
        size_t k = (size_t)code - 1u;
        if (k > n - i || k > cap - o)
            return false;
        for (size_t j = 0; j < k; j++) {
            if (in[i + j] == 0)
                return false;
        }
        memcpy(out + o, in + i, k);
        i += k;
        o += k;
        /* A block shorter than 254 stands for its data then a zero, except at the end. */
        if (code != 0xFF && i < n) {
            if (o >= cap)
                return false;
            out[o++] = 0;
        }
    }
    *out_len = o;
    return true;
}

void syn_cobs_rx_init(cobs_rx *rx, uint8_t *buf, size_t cap)
{
    rx->buf = buf;
    rx->cap = cap;
    rx->done = true;
}

static void rx_store(cobs_rx *rx, uint8_t b)
{
    if (rx->len < rx->cap)
        rx->buf[rx->len++] = b;
    rx->decoded++;
}

size_t syn_cobs_rx_feed(cobs_rx *rx, const uint8_t *data, size_t n, bool *ended, cobs_rx_result *result)
{
    *ended = false;
    size_t i = 0;
    while (i < n) {
        if (rx->done) {
            rx->len = 0;
            rx->decoded = 0;
            rx->run = 0;
            rx->left = 0;
            rx->code = 0;
            rx->done = false;
        }
        uint8_t b = data[i++];
        if (b == 0) {
            rx->done = true;
            *ended = true;
            if (rx->run == 0)
                *result = COBS_RX_EMPTY;
            else if (rx->decoded > rx->cap)
                *result = COBS_RX_TOO_LARGE;
            else if (rx->left != 0)
                *result = COBS_RX_BAD;
            else
                *result = COBS_RX_FRAME;
            return i;
        }
        rx->run++;
        if (rx->left > 0) {
            rx_store(rx, b);
            rx->left--;
            continue;
        }
        /* b is a code byte: the previous block, if shorter than 254, ended with a zero that
         * the encoder removed (it was not the last block, since more bytes came). */
        if (rx->code != 0 && rx->code != 0xFF)
            rx_store(rx, 0);
        rx->code = b;
        rx->left = (uint8_t)(b - 1u);
    }
    return i;
}
