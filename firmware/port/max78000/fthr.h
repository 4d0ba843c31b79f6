/* The MAX78000FTHR port's parts (port/max78000): clocks and identity, UART0, time, the CNN's
 * power, the RGB LED, the watchdog and the reset cause. */
#ifndef SYNERGY_FTHR_H
#define SYNERGY_FTHR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "byte_ring.h"

/* system.c: 100 MHz from the IPO, instruction cache, the IBRO for the UART, peripheral clocks. */
void syn_fthr_clocks_init(void);
/* The chip's unique serial number (USN, 11 bytes) as hex: the board id in hello. */
void syn_fthr_usn_hex(char *out, size_t cap);
uint32_t syn_fthr_random32(void);

/* uart.c: UART0 (P0.0 RX, P0.1 TX, through the DAPLink), 8N1 at FTHR_UART_BAUD. */
extern byte_ring syn_fthr_uart_rx, syn_fthr_uart_tx;
void syn_fthr_uart_init(uint32_t baud);
void syn_fthr_uart_tx_kick(void);
bool syn_fthr_uart_tx_idle(void);
/* Bytes that arrived with the receive ring full (lost; the host's credits should prevent it). */
uint32_t syn_fthr_uart_rx_dropped(void);
void syn_fthr_uart_irq(void);

/* timer.c: microseconds from TMR0 (32 bits at PCLK, extended), SysTick as the wake-up alarm. */
void syn_fthr_timer_init(void);
uint64_t syn_fthr_now_us(void);
void syn_fthr_wake_at(uint64_t deadline_us);
void syn_fthr_systick_irq(void);

/* cnn_power.c: the CNN's power domains and clock (and off again). */
void syn_fthr_cnn_power_on(void);
void syn_fthr_cnn_power_off(void);

/* led.c: the RGB LED (P2.0-2.2). */
void syn_fthr_led_init(void);
/* Bit 0 red, bit 1 green, bit 2 blue. */
void syn_fthr_led_show(unsigned rgb);
void syn_fthr_led_deliver(void *user, size_t index, const char *kind, const uint8_t *bytes, uint32_t n);

/* watchdog.c: WDT0 resets the chip if the main loop stops; why the chip last started. */
void syn_fthr_watchdog_start(void);
void syn_fthr_watchdog_feed(void);
board_boot_reason syn_fthr_reset_cause(void);
/* Records `reason` for the next boot and resets the chip. */
__attribute__((noreturn)) void syn_fthr_reset(board_boot_reason reason);

#endif
