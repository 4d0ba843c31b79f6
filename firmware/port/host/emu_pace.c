/* Wire-rate pacing and the transmit queue; see emu_pace.h. Portable (no OS calls): the QEMU
 * board (port/qemu-an386) paces its UART with the same code. */
#include "emu_pace.h"

#include <string.h>

/* ---- pacing ------------------------------------------------------------------------------------ */

void syn_emu_bucket_init(emu_bucket *b, uint32_t baud, uint64_t now_us)
{
    /* 10 bits per byte on the wire (start, 8 data, stop). Under load the loop moves bytes in
     * steps of 1 ms of wire time (at least 16 bytes); the bucket holds 8 steps, so a loop that
     * wakes a few milliseconds late loses no wire time. */
    b->rate = baud / 10u;
    b->step = b->rate / 1000u < 16u ? 16u : b->rate / 1000u;
    b->burst = 8u * b->step;
    b->credit = 0;
    b->last_us = now_us;
}

size_t syn_emu_bucket_available(emu_bucket *b, uint64_t now_us)
{
    if (b->rate == 0)
        return SIZE_MAX;
    if (now_us > b->last_us) {
        b->credit += (now_us - b->last_us) * b->rate;
        if (b->credit > b->burst * 1000000u)
            b->credit = b->burst * 1000000u;
        b->last_us = now_us;
    }
    return (size_t)(b->credit / 1000000u);
}

void syn_emu_bucket_take(emu_bucket *b, size_t n)
{
    if (b->rate == 0)
        return;
    uint64_t c = (uint64_t)n * 1000000u;
    b->credit = c > b->credit ? 0 : b->credit - c;
}

void syn_emu_bucket_restart(emu_bucket *b, uint64_t now_us)
{
    b->credit = 0;
    b->last_us = now_us;
}

uint64_t syn_emu_bucket_wait_us(const emu_bucket *b, size_t n)
{
    if (b->rate == 0)
        return 0;
    if (n > b->burst)
        n = (size_t)b->burst;
    uint64_t need = (uint64_t)n * 1000000u;
    if (need <= b->credit)
        return 0;
    return (need - b->credit + b->rate - 1u) / b->rate;
}

/* ---- transmit queue ---------------------------------------------------------------------------- */

bool syn_emu_txq_push(emu_txq *q, const uint8_t *bytes, size_t n)
{
    if (n > syn_emu_txq_room(q))
        return false;
    size_t tail = (q->head + q->len) % EMU_TXQ_BYTES;
    size_t first = EMU_TXQ_BYTES - tail < n ? EMU_TXQ_BYTES - tail : n;
    memcpy(q->buf + tail, bytes, first);
    memcpy(q->buf, bytes + first, n - first);
    q->len += n;
    return true;
}

size_t syn_emu_txq_room(const emu_txq *q)
{
    return EMU_TXQ_BYTES - q->len;
}

const uint8_t *syn_emu_txq_peek(const emu_txq *q, size_t *n)
{
    size_t run = EMU_TXQ_BYTES - q->head;
    *n = q->len < run ? q->len : run;
    return q->buf + q->head;
}

void syn_emu_txq_drop(emu_txq *q, size_t n)
{
    q->head = (q->head + n) % EMU_TXQ_BYTES;
    q->len -= n;
    if (q->len == 0)
        q->head = 0;
}
