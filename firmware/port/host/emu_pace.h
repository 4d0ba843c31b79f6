/* Wire-rate pacing and the bounded transmit queue of an emulated board: portable, shared by the
 * emulator (port/host) and the QEMU board (port/qemu-an386). */
#ifndef SYNERGY_EMU_PACE_H
#define SYNERGY_EMU_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* A wire of `rate` bytes per second, as a token bucket that earns only while bytes wait: when
 * bytes arrive at an idle wire the bucket restarts empty, so a frame of n bytes takes n/rate
 * seconds to cross, as on a UART, and a busy wire moves exactly `rate` bytes per second. */
typedef struct {
    uint64_t rate;          /* bytes per second; 0 = unpaced */
    uint64_t burst;         /* bytes */
    uint64_t step;          /* bytes the loop waits for under load (1 ms of wire time) */
    uint64_t credit;        /* byte-microseconds: bytes * 1e6 */
    uint64_t last_us;
} emu_bucket;

void syn_emu_bucket_init(emu_bucket *b, uint32_t baud, uint64_t now_us);
/* Bytes that may pass now (SIZE_MAX when unpaced). */
size_t syn_emu_bucket_available(emu_bucket *b, uint64_t now_us);
void syn_emu_bucket_take(emu_bucket *b, size_t n);
/* Bytes arrived at an idle wire: they start crossing now. */
void syn_emu_bucket_restart(emu_bucket *b, uint64_t now_us);
/* Microseconds until `n` bytes (capped at the burst) may pass, counted from the last refill. */
uint64_t syn_emu_bucket_wait_us(const emu_bucket *b, size_t n);

/* Room for SYN_MAX_IN_FLIGHT answers of the largest size, plus events, plus the answer to the
 * frame being read: the loop stops reading while less than EMU_TX_RESERVE is free. */
#define EMU_TXQ_BYTES ((SYN_MAX_IN_FLIGHT + 8) * SYN_MAX_WIRE)
#define EMU_TX_RESERVE ((SYN_MAX_IN_FLIGHT + 2) * SYN_MAX_WIRE)

typedef struct {
    uint8_t buf[EMU_TXQ_BYTES];
    size_t head;            /* next byte to send */
    size_t len;
} emu_txq;

bool syn_emu_txq_push(emu_txq *q, const uint8_t *bytes, size_t n);   /* all or nothing */
size_t syn_emu_txq_room(const emu_txq *q);
/* The contiguous run of queued bytes starting at the head. */
const uint8_t *syn_emu_txq_peek(const emu_txq *q, size_t *n);
void syn_emu_txq_drop(emu_txq *q, size_t n);

#endif
