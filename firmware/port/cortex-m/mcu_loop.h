/* The main loop of a bare-metal board (the QEMU board, the MAX78000FTHR): bytes the UART's
 * receive interrupt put in a ring go to the core a frame at a time; the core's answers go into
 * the transmit ring its interrupt drains. Between interrupts the loop sleeps (WFI) without the
 * lost-wake-up race: interrupts off, look for work, WFI (a pending interrupt still ends it),
 * interrupts on.
 *
 * Back-pressure, not loss: a frame is given to the core only while the transmit ring has
 * `tx_reserve` bytes free, room for every answer that may still come (the answers in flight and
 * an event), so the core's transmit never finds the ring full. While the loop holds back, bytes
 * wait in the receive ring.
 *
 * Pacing (the QEMU board standing in for a device of a given link rate, --baud): both ways at
 * baud/10 bytes per second with the emulator's token buckets (port/host/emu_pace.h). */
#ifndef SYNERGY_MCU_LOOP_H
#define SYNERGY_MCU_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "byte_ring.h"

typedef struct {
    byte_ring *rx;                    /* filled by the receive interrupt */
    byte_ring *tx;                    /* drained by the transmit interrupt */
    void (*rx_resume)(void);          /* receiving paused on a full ring resumes (may be NULL) */
    void (*tx_kick)(void);            /* start sending if the UART is idle */
    /* Pacing: lets the interrupt send `more` bytes beyond those it may already send, and returns
     * how many it may send now (more 0: only asks). NULL on a port that never paces. */
    uint32_t (*tx_allow)(uint32_t more);
    bool (*tx_idle)(void);            /* every queued byte has left the UART */
    uint64_t (*now_us)(void);
    void (*wake_at)(uint64_t deadline_us);   /* arm the wake-up timer (BOARD_NEVER: no deadline) */
    void (*each_pass)(void);          /* called once per pass (a watchdog kick); may be NULL */
    /* The answer to `reset` has left: reset the board (does not return). */
    void (*reset)(void);
    uint32_t pace_baud;               /* 0: unpaced */
    size_t tx_reserve;
} mcu_io;

/* The transmit callback of the port (syn_port.transmit): the whole frame into the ring, or false. */
bool syn_mcu_transmit(void *io, const uint8_t *bytes, size_t n);
/* syn_port.request_reset: the loop resets once the answer has left. */
void syn_mcu_request_reset(void *io);
/* syn_port.now_us and .stack_peak on a bare-metal board (user: the mcu_io). */
uint64_t syn_mcu_port_now(void *io);
uint32_t syn_mcu_port_stack_peak(void *io);
/* The members of the core's port (syn_port) every bare-metal board shares; the board adds its
 * random source and, if it has outputs, .deliver. */
#define SYN_MCU_PORT(io_ptr, random_fn)                                                            \
    .now_us = syn_mcu_port_now, .transmit = syn_mcu_transmit, .random32 = (random_fn),             \
    .request_reset = syn_mcu_request_reset, .stack_peak = syn_mcu_port_stack_peak, .user = (void *)(io_ptr)

/* Runs the board forever. */
__attribute__((noreturn)) void syn_mcu_loop_run(board_ctx *board, const mcu_io *io);

#endif
