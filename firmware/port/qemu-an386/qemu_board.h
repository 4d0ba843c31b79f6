/* The QEMU board's own parts (port/qemu-an386): UART0, the clock and the wake-up timer. */
#ifndef SYNERGY_QEMU_BOARD_H
#define SYNERGY_QEMU_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "byte_ring.h"

/* UART0: receive interrupt fills syn_qemu_uart_rx; the transmit interrupt drains syn_qemu_uart_tx. */
extern byte_ring syn_qemu_uart_rx, syn_qemu_uart_tx;
void syn_qemu_uart_init(void);
/* The receive ring had no room and receiving paused (QEMU then holds bytes back): resume once
 * the loop has taken bytes out. */
void syn_qemu_uart_rx_resume(void);
/* Starts sending if the UART is idle. */
void syn_qemu_uart_tx_kick(void);
/* Pacing (mcu_io.tx_allow): once called, the transmit interrupt sends only the bytes allowed. */
uint32_t syn_qemu_uart_tx_allow(uint32_t more);
bool syn_qemu_uart_tx_idle(void);
void syn_qemu_uart_rx_irq(void);
void syn_qemu_uart_tx_irq(void);

/* Microseconds since boot, from the 25 MHz FPGA counter (call at least once every 171 s: the
 * wake-up timer makes sure). */
void syn_qemu_clock_init(void);
uint64_t syn_qemu_now_us(void);
/* Arms TIMER0 to interrupt at `deadline_us` (clamped to a minute ahead); 0 or past: soon. */
void syn_qemu_wake_at(uint64_t deadline_us);
void syn_qemu_timer_irq(void);

/* The board id, for logs from anywhere (faults included). */
const char *syn_qemu_board_id(void);

#endif
