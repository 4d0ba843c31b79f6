/* The peripherals of QEMU's mps2-an386 machine this board uses: Arm's MPS2 AN386 memory and
 * interrupt maps and the Cortex-M System Design Kit's APB UART and timer (CMSDK Technical
 * Reference Manual, ARM DDI 0479), as QEMU 7.2 models them (hw/arm/mps2.c,
 * hw/char/cmsdk-apb-uart.c, hw/timer/cmsdk-apb-timer.c, hw/misc/mps2-fpgaio.c).
 * ../shared/docs/QEMU.md has these facts as checked on the machine. */
#ifndef SYNERGY_AN386_H
#define SYNERGY_AN386_H

#include <stdint.h>

#include "cm4.h"

/* Memory map: code SSRAM 4 MiB at 0, data SSRAM 4 MiB at 0x20000000, PSRAM
 * 16 MiB at 0x21000000 (link.ld places the regions). */

/* Peripheral clock: 25 MHz (QEMU's SYSCLK_FRQ for mps2-an386). */
#define AN386_PCLK_HZ 25000000u

/* CMSDK APB UART0 at 0x40004000: DATA, STATE, CTRL, INTSTATUS/INTCLEAR, BAUDDIV (DDI 0479, APB UART). */
#define AN386_UART0 0x40004000u
#define UART_DATA(b)      CM4_REG((b) + 0x000u)
#define UART_STATE(b)     CM4_REG((b) + 0x004u)
#define UART_CTRL(b)      CM4_REG((b) + 0x008u)
#define UART_INTSTATUS(b) CM4_REG((b) + 0x00Cu)   /* reads status; write 1 to clear */
#define UART_BAUDDIV(b)   CM4_REG((b) + 0x010u)
#define UART_STATE_TX_FULL  (1u << 0)
#define UART_STATE_RX_FULL  (1u << 1)
#define UART_STATE_TX_OVR   (1u << 2)
#define UART_STATE_RX_OVR   (1u << 3)
#define UART_CTRL_TX_EN     (1u << 0)
#define UART_CTRL_RX_EN     (1u << 1)
#define UART_CTRL_TX_IE     (1u << 2)
#define UART_CTRL_RX_IE     (1u << 3)
#define UART_INT_TX         (1u << 0)
#define UART_INT_RX         (1u << 1)
/* BAUDDIV must be at least 16 (DDI 0479); QEMU ignores the rate, a real board would not. */
#define UART_BAUDDIV_MIN    16u

/* CMSDK APB timer 0: a 32-bit down counter at PCLK that reloads at zero (DDI 0479, APB timer). */
#define AN386_TIMER0 0x40000000u
#define TIMER_CTRL(b)      CM4_REG((b) + 0x000u)
#define TIMER_VALUE(b)     CM4_REG((b) + 0x004u)
#define TIMER_RELOAD(b)    CM4_REG((b) + 0x008u)
#define TIMER_INTSTATUS(b) CM4_REG((b) + 0x00Cu)  /* write 1 to clear */
#define TIMER_CTRL_EN      (1u << 0)
#define TIMER_CTRL_IE      (1u << 3)

/* FPGA system control block at 0x40028000: COUNTER (+0x18) is a free-running 32-bit up counter
 * at 25 MHz. */
#define AN386_FPGAIO_COUNTER CM4_REG(0x40028018u)

/* Interrupt numbers (AN386 interrupt map; QEMU.md). */
#define AN386_IRQ_UART0_RX 0u
#define AN386_IRQ_UART0_TX 1u
#define AN386_IRQ_TIMER0   8u
#define AN386_IRQ_COUNT    32u

#endif
