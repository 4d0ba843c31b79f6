/* UART0 of the QEMU board, interrupt-driven both ways; see qemu_board.h.
 *
 * QEMU's CMSDK UART has a one-byte buffer each way and no FIFO. Receive: the interrupt moves
 * every byte into the ring; with the ring full it stops taking bytes and masks its interrupt,
 * and QEMU holds the host's bytes back meanwhile (the model never overruns), so nothing is lost:
 * the loop resumes it once it has made room. Transmit: the interrupt fires after each byte
 * left and sends the next one from the ring. */
#include "an386.h"
#include "proto.h"
#include "qemu_board.h"

#define RX_BYTES 16384u
#define TX_BYTES 524288u   /* the core's answers queue here: SYN_MAX_IN_FLIGHT of the largest */

static uint8_t rx_buf[RX_BYTES], tx_buf[TX_BYTES];
byte_ring syn_qemu_uart_rx, syn_qemu_uart_tx;

static volatile bool tx_busy;          /* a byte is in the UART; its interrupt sends the next */
static volatile bool paced;
static volatile uint32_t tx_allowed;   /* bytes the pacing lets go (when paced) */

_Static_assert(TX_BYTES >= (SYN_MAX_IN_FLIGHT + 8u) * SYN_MAX_WIRE, "the transmit ring holds every answer in flight");

void syn_qemu_uart_init(void)
{
    byte_ring_init(&syn_qemu_uart_rx, rx_buf, RX_BYTES);
    byte_ring_init(&syn_qemu_uart_tx, tx_buf, TX_BYTES);
    tx_busy = false;
    paced = false;
    UART_CTRL(AN386_UART0) = 0;
    UART_BAUDDIV(AN386_UART0) = AN386_PCLK_HZ / 115200u;   /* ignored by QEMU; >= 16 */
    UART_INTSTATUS(AN386_UART0) = UART_INT_TX | UART_INT_RX;
    UART_CTRL(AN386_UART0) = UART_CTRL_TX_EN | UART_CTRL_RX_EN | UART_CTRL_TX_IE | UART_CTRL_RX_IE;
    cm4_irq_enable(AN386_IRQ_UART0_RX);
    cm4_irq_enable(AN386_IRQ_UART0_TX);
}

void syn_qemu_uart_rx_irq(void)
{
    for (;;) {
        UART_INTSTATUS(AN386_UART0) = UART_INT_RX;
        if ((UART_STATE(AN386_UART0) & UART_STATE_RX_FULL) == 0)
            return;
        if (byte_ring_room(&syn_qemu_uart_rx) == 0) {
            UART_CTRL(AN386_UART0) &= ~UART_CTRL_RX_IE;
            return;
        }
        byte_ring_put(&syn_qemu_uart_rx, (uint8_t)UART_DATA(AN386_UART0));
    }
}

void syn_qemu_uart_rx_resume(void)
{
    /* Interrupts off: the handler below is the ring's only producer and must not run twice. */
    uint32_t s = cm4_irq_save();
    if ((UART_CTRL(AN386_UART0) & UART_CTRL_RX_IE) == 0 && byte_ring_room(&syn_qemu_uart_rx) > 0) {
        UART_CTRL(AN386_UART0) |= UART_CTRL_RX_IE;
        /* A byte that arrived while masked raised no interrupt: look now. */
        syn_qemu_uart_rx_irq();
    }
    cm4_irq_restore(s);
}

/* With interrupts off, or from the transmit interrupt. */
static void send_next(void)
{
    uint8_t b;
    if ((UART_STATE(AN386_UART0) & UART_STATE_TX_FULL) != 0)
        return;
    if ((paced && tx_allowed == 0) || !byte_ring_get(&syn_qemu_uart_tx, &b)) {
        tx_busy = false;
        return;
    }
    if (paced)
        tx_allowed--;
    tx_busy = true;
    UART_DATA(AN386_UART0) = b;
}

void syn_qemu_uart_tx_irq(void)
{
    UART_INTSTATUS(AN386_UART0) = UART_INT_TX;
    send_next();
}

void syn_qemu_uart_tx_kick(void)
{
    uint32_t s = cm4_irq_save();
    if (!tx_busy)
        send_next();
    cm4_irq_restore(s);
}

uint32_t syn_qemu_uart_tx_allow(uint32_t more)
{
    uint32_t s = cm4_irq_save();
    paced = true;
    tx_allowed += more;
    uint32_t now = tx_allowed;
    cm4_irq_restore(s);
    return now;
}

bool syn_qemu_uart_tx_idle(void)
{
    return !tx_busy && byte_ring_count(&syn_qemu_uart_tx) == 0 &&
           (UART_STATE(AN386_UART0) & UART_STATE_TX_FULL) == 0;
}
