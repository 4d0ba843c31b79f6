/* UART0 of the MAX78000FTHR: P0.0/P0.1, wired to the DAPLink's USB serial port; see fthr.h.
 *
 * Receive: the interrupt fires for every byte (threshold 1: this UART has no receive timeout, so
 * a higher threshold would leave a frame's last bytes in the FIFO) or on an error, and moves
 * everything the 8-byte FIFO holds into the receive ring. At 921,600 baud a byte arrives every
 * 10.9 us, so the handler has the time of 7 more bytes (76 us, 7,600 cycles) before the FIFO
 * overruns; nothing in this firmware masks interrupts for that long (the loop's critical
 * sections are a few instructions, the rings need none). A byte that meets a full ring is
 * counted as dropped: the ring holds more than the host may have in flight (max_in_flight whole
 * frames), so that happens only to a host that ignores its credits.
 *
 * A serial BREAK (the line held low for longer than a character) arrives as a framing error with
 * the RX pin still low: the board records "break" and resets, as a DAPLink bridge's BREAK does.
 *
 * Transmit: the core's answers go into the transmit ring; the "half empty" interrupt refills the
 * FIFO from it. */
#include "fthr.h"
#include "max78000_regs.h"
#include "proto.h"

#define RX_THRESHOLD 1u
#define RX_BYTES 16384u
#define TX_BYTES 16384u

_Static_assert(RX_BYTES >= SYN_MAX_IN_FLIGHT * SYN_MAX_WIRE, "the receive ring holds every request the host may have in flight");

static uint8_t rx_buf[RX_BYTES], tx_buf[TX_BYTES];
byte_ring syn_fthr_uart_rx, syn_fthr_uart_tx;
static volatile uint32_t dropped;

void syn_fthr_uart_init(uint32_t baud)
{
    byte_ring_init(&syn_fthr_uart_rx, rx_buf, RX_BYTES);
    byte_ring_init(&syn_fthr_uart_tx, tx_buf, TX_BYTES);
    dropped = 0;

    /* Pins P0.0 and P0.1 to alternate function 1 (EN0, EN1, EN2 clear), input enabled (MSDK
     * gpio_reva.c MXC_GPIO_RevA_SetAF). */
    GPIO_INEN(GPIO0_BASE) |= UART0_PINS;
    GPIO_EN2_CLR(GPIO0_BASE) = UART0_PINS;
    GPIO_EN1_CLR(GPIO0_BASE) = UART0_PINS;
    GPIO_EN0_CLR(GPIO0_BASE) = UART0_PINS;

    /* 8N1, no flow control, clocked by the IBRO: CLKDIV = IBRO / baud, rounded to nearest (MSDK
     * uart_revb.c MXC_UART_RevB_SetFrequency with MXC_UART_REVB_CLK2). */
    UART_INT_EN = 0;
    UART_CTRL = 0;
    uint32_t div = MAX78000_IBRO_HZ / baud;
    if (div == 0 || MAX78000_IBRO_HZ % baud > baud / 2u)
        div++;
    UART_OSR = UART_OSR_DEFAULT;
    UART_CLKDIV = div;
    UART_CTRL = UART_CTRL_CHAR_SIZE_8 | UART_CTRL_BCLKSRC_CLK2 | UART_CTRL_RX_THD_VAL(RX_THRESHOLD) | UART_CTRL_TX_FLUSH |
                UART_CTRL_RX_FLUSH;
    UART_CTRL |= UART_CTRL_BCLKEN;
    while ((UART_CTRL & UART_CTRL_BCLKRDY) == 0) {
    }
    UART_INT_FL = 0xFFFFFFFFu;
    UART_INT_EN = UART_INT_RX_THD | UART_INT_RX_FERR | UART_INT_RX_OV | UART_INT_RX_PAR;
    cm4_irq_enable(MAX78000_IRQ_UART0);
}

uint32_t syn_fthr_uart_rx_dropped(void)
{
    return dropped;
}

static void fill_fifo(void)
{
    uint8_t b;
    while ((UART_STATUS & UART_STATUS_TX_FULL) == 0 && byte_ring_get(&syn_fthr_uart_tx, &b))
        UART_FIFO = b;
    if (byte_ring_count(&syn_fthr_uart_tx) == 0)
        UART_INT_EN &= ~UART_INT_TX_HE;
    else
        UART_INT_EN |= UART_INT_TX_HE;
}

void syn_fthr_uart_irq(void)
{
    uint32_t flags = UART_INT_FL;
    UART_INT_FL = flags;
    if ((flags & UART_INT_RX_FERR) != 0 && (GPIO_IN(GPIO0_BASE) & UART0_RX_PIN) == 0)
        syn_fthr_reset(BOARD_BOOT_BREAK);
    while ((UART_STATUS & UART_STATUS_RX_EM) == 0) {
        uint8_t b = (uint8_t)UART_FIFO;
        if (!byte_ring_put(&syn_fthr_uart_rx, b))
            dropped++;
    }
    if ((flags & UART_INT_RX_OV) != 0)
        dropped++;   /* the FIFO overran: at least one byte is gone */
    if ((UART_INT_EN & UART_INT_TX_HE) != 0)
        fill_fifo();
}

void syn_fthr_uart_tx_kick(void)
{
    uint32_t s = cm4_irq_save();
    fill_fifo();
    cm4_irq_restore(s);
}

bool syn_fthr_uart_tx_idle(void)
{
    return byte_ring_count(&syn_fthr_uart_tx) == 0 && (UART_STATUS & UART_STATUS_TX_EM) != 0 &&
           (UART_STATUS & UART_STATUS_TX_BUSY) == 0;
}
