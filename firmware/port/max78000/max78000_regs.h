/* The MAX78000 peripheral registers this port touches, written here (no vendor header is needed
 * or copied). Every address and bit is taken from Analog Devices' MSDK (Apache-2.0), public
 * repository analogdevicesinc/msdk, Libraries/CMSIS/Device/Maxim/MAX78000/Include/: the base
 * addresses and interrupt numbers of max78000.h, the register offsets and fields of the
 * <peripheral>_regs.h named beside each group (the same facts as max78000.svd and the MAX78000
 * User Guide, UG7456, chapters "Global Control Registers", "UART", "Timers", "GPIO", "Windowed
 * Watchdog Timer", "Flash Controller"). A sequence taken from MSDK or ai8x-synthesis code names
 * that code where it is used. */
#ifndef SYNERGY_MAX78000_REGS_H
#define SYNERGY_MAX78000_REGS_H

#include <stdint.h>

#include "cm4.h"

#define MXREG(addr) CM4_REG(addr)

/* Memories (max78000.h: MXC_FLASH_MEM_BASE/SIZE, MXC_SRAM_MEM_BASE/SIZE, MXC_INFO_MEM_BASE). */
#define MAX78000_FLASH_BASE 0x10000000u
#define MAX78000_FLASH_SIZE 0x00080000u   /* 512 KiB */
#define MAX78000_SRAM_BASE  0x20000000u
#define MAX78000_SRAM_SIZE  0x00020000u   /* 128 KiB */
#define MAX78000_INFO_BASE  0x10800000u   /* information block: the USN */

/* Clocks (system_max78000.h / MSDK IPO_FREQ, IBRO_FREQ; PCLK is SYSCLK / 2, UG7456 "Clocks"). */
#define MAX78000_IPO_HZ  100000000u
#define MAX78000_IBRO_HZ 7372800u
#define MAX78000_PCLK_HZ (MAX78000_IPO_HZ / 2u)

/* Interrupt numbers (max78000.h IRQn_Type: table entry - 16). */
#define MAX78000_IRQ_WDT0  1u
#define MAX78000_IRQ_TMR0  5u
#define MAX78000_IRQ_UART0 14u
#define MAX78000_IRQ_CNN   101u
#define MAX78000_IRQ_COUNT 104u    /* PF_IRQn .. LPCMP_IRQn */

/* ---- GCR, global control, 0x40000000 (gcr_regs.h) ---------------------------------------- */
#define GCR_BASE     0x40000000u
#define GCR_SYSCTRL  MXREG(GCR_BASE + 0x00u)
#define GCR_RST0     MXREG(GCR_BASE + 0x04u)
#define GCR_CLKCTRL  MXREG(GCR_BASE + 0x08u)
#define GCR_PCLKDIV  MXREG(GCR_BASE + 0x18u)
#define GCR_PCLKDIS0 MXREG(GCR_BASE + 0x24u)
#define GCR_PCLKDIS1 MXREG(GCR_BASE + 0x48u)
/* GCR_CLKCTRL */
#define GCR_CLKCTRL_SYSCLK_DIV_MASK (7u << 6)      /* SYSCLK_DIV, bits 8:6 (0 = /1) */
#define GCR_CLKCTRL_SYSCLK_SEL_MASK (7u << 9)      /* SYSCLK_SEL, bits 11:9 */
#define GCR_CLKCTRL_SYSCLK_SEL_IPO  (4u << 9)      /* SYSCLK_SEL_IPO = 4 */
#define GCR_CLKCTRL_SYSCLK_RDY      (1u << 13)
#define GCR_CLKCTRL_IPO_EN          (1u << 19)
#define GCR_CLKCTRL_IBRO_EN         (1u << 20)
#define GCR_CLKCTRL_IPO_RDY         (1u << 27)
#define GCR_CLKCTRL_IBRO_RDY        (1u << 28)
/* GCR_PCLKDIV: the CNN clock */
#define GCR_PCLKDIV_CNNCLKDIV_MASK  (7u << 14)     /* CNNCLKDIV, bits 16:14 */
#define GCR_PCLKDIV_CNNCLKDIV_DIV1  (4u << 14)     /* CNNCLKDIV_DIV1 = 4 (0 is /2) */
#define GCR_PCLKDIV_CNNCLKSEL_MASK  (1u << 17)     /* CNNCLKSEL, bit 17 */
#define GCR_PCLKDIV_CNNCLKSEL_PCLK  (0u << 17)     /* CNNCLKSEL_PCLK = 0 */
/* GCR_PCLKDIS0 / PCLKDIS1: 1 stops a peripheral's clock */
#define GCR_PCLKDIS0_GPIO0 (1u << 0)
#define GCR_PCLKDIS0_UART0 (1u << 9)
#define GCR_PCLKDIS0_TMR0  (1u << 15)
#define GCR_PCLKDIS0_CNN   (1u << 25)
#define GCR_PCLKDIS1_TRNG  (1u << 2)
#define GCR_PCLKDIS1_WDT0  (1u << 27)
/* GCR_RST0: write 1 to reset, reads 1 until done */
#define GCR_RST0_CNN       (1u << 25)

/* ---- LPGCR, low-power global control, 0x40080000 (lpgcr_regs.h) -------------------------- */
#define LPGCR_BASE    0x40080000u
#define LPGCR_RST     MXREG(LPGCR_BASE + 0x08u)
#define LPGCR_PCLKDIS MXREG(LPGCR_BASE + 0x0Cu)
#define LPGCR_PCLKDIS_GPIO2 (1u << 0)

/* ---- GCFR, CNN power domains, 0x40005800 (gcfr_regs.h: REG0..REG3) ----------------------- *
 * One bit per CNN quadrant (x16 block) in each: REG0 power, REG1 memory mask, REG2 isolation,
 * REG3 reset. */
#define GCFR_BASE 0x40005800u
#define GCFR_REG0 MXREG(GCFR_BASE + 0x00u)
#define GCFR_REG1 MXREG(GCFR_BASE + 0x04u)
#define GCFR_REG2 MXREG(GCFR_BASE + 0x08u)
#define GCFR_REG3 MXREG(GCFR_BASE + 0x0Cu)
#define GCFR_ALL_QUADRANTS 0xFu

/* ---- SIMO regulator, 0x40004400 (simo_regs.h: VREGO_C at 0x0C) --------------------------- */
#define SIMO_BASE    0x40004400u
#define SIMO_VREGO_C MXREG(SIMO_BASE + 0x0Cu)
/* The CNN supply the MAX78000FTHR board support sets (MSDK Libraries/Boards/MAX78000/
 * FTHR_RevA/Source/board.c, Board_Init: "Set CNN voltage"). */
#define SIMO_VREGO_C_CNN 0x43u

/* ---- ICC0, instruction cache, 0x4002A000 (icc_regs.h) ------------------------------------ */
#define ICC0_BASE       0x4002A000u
#define ICC0_CTRL       MXREG(ICC0_BASE + 0x100u)
#define ICC0_INVALIDATE MXREG(ICC0_BASE + 0x700u)
#define ICC_CTRL_EN  (1u << 0)
#define ICC_CTRL_RDY (1u << 16)

/* ---- FLC, flash controller, 0x40029000 (flc_regs.h: ACTRL at 0x40) ----------------------- */
#define FLC_BASE  0x40029000u
#define FLC_ACTRL MXREG(FLC_BASE + 0x40u)

/* ---- GPIO0 0x40008000, GPIO2 0x40080400 (gpio_regs.h) ------------------------------------ */
#define GPIO0_BASE 0x40008000u
#define GPIO2_BASE 0x40080400u
#define GPIO_EN0_SET(b)   MXREG((b) + 0x04u)
#define GPIO_EN0_CLR(b)   MXREG((b) + 0x08u)
#define GPIO_OUTEN_SET(b) MXREG((b) + 0x10u)
#define GPIO_OUT_SET(b)   MXREG((b) + 0x1Cu)
#define GPIO_OUT_CLR(b)   MXREG((b) + 0x20u)
#define GPIO_IN(b)        MXREG((b) + 0x24u)
#define GPIO_INEN(b)      MXREG((b) + 0x30u)
#define GPIO_EN1_CLR(b)   MXREG((b) + 0x70u)
#define GPIO_EN2_CLR(b)   MXREG((b) + 0x7Cu)
#define GPIO_VSSEL(b)     MXREG((b) + 0xC0u)   /* 1 = VDDIOH */
/* UART0: P0.0 RX, P0.1 TX on alternate function 1 (MSDK
 * mxc_pins.c gpio_cfg_uart0: P0.0 and P0.1, ALT1, VDDIO). */
#define UART0_PINS ((1u << 0) | (1u << 1))
#define UART0_RX_PIN (1u << 0)
/* The FTHR's RGB LED: P2.0 red, P2.1 green, P2.2 blue, lit when driven low (MSDK FTHR_RevA
 * board.c led_pin[], board.h LED_ON 0). */
#define LED_RED   (1u << 0)
#define LED_GREEN (1u << 1)
#define LED_BLUE  (1u << 2)
#define LED_ALL   (LED_RED | LED_GREEN | LED_BLUE)

/* ---- UART0, 0x40042000 (uart_regs.h) ------------------------------------------------------ */
#define UART0_BASE   0x40042000u
#define UART_CTRL    MXREG(UART0_BASE + 0x00u)
#define UART_STATUS  MXREG(UART0_BASE + 0x04u)
#define UART_INT_EN  MXREG(UART0_BASE + 0x08u)
#define UART_INT_FL  MXREG(UART0_BASE + 0x0Cu)   /* write 1 to clear */
#define UART_CLKDIV  MXREG(UART0_BASE + 0x10u)
#define UART_OSR     MXREG(UART0_BASE + 0x14u)
#define UART_FIFO    MXREG(UART0_BASE + 0x20u)
/* UART_CTRL */
#define UART_CTRL_RX_THD_VAL(n)  ((uint32_t)(n) << 0)  /* RX_THD_VAL, bits 3:0 */
#define UART_CTRL_TX_FLUSH       (1u << 8)
#define UART_CTRL_RX_FLUSH       (1u << 9)
#define UART_CTRL_CHAR_SIZE_8    (3u << 10)             /* CHAR_SIZE_8BITS */
#define UART_CTRL_BCLKEN         (1u << 15)
#define UART_CTRL_BCLKSRC_CLK2   (2u << 16)             /* BCLKSRC_CLK2: the IBRO (uart_revb.c) */
#define UART_CTRL_BCLKRDY        (1u << 19)
/* UART_STATUS */
#define UART_STATUS_TX_BUSY      (1u << 0)
#define UART_STATUS_RX_EM        (1u << 4)
#define UART_STATUS_TX_EM        (1u << 6)
#define UART_STATUS_TX_FULL      (1u << 7)
/* UART_INT_EN / UART_INT_FL */
#define UART_INT_RX_FERR (1u << 0)
#define UART_INT_RX_PAR  (1u << 1)
#define UART_INT_RX_OV   (1u << 3)
#define UART_INT_RX_THD  (1u << 4)
#define UART_INT_TX_HE   (1u << 6)
#define UART_FIFO_DEPTH 8u         /* max78000.h MXC_UART_FIFO_DEPTH */
/* OSR 5 with CLKDIV = clock / baud, as MSDK's MXC_UART_RevB_SetFrequency programs them. */
#define UART_OSR_DEFAULT 5u

/* ---- TMR0, 0x40010000 (tmr_regs.h) --------------------------------------------------------- */
#define TMR0_BASE  0x40010000u
#define TMR_CNT    MXREG(TMR0_BASE + 0x00u)
#define TMR_CMP    MXREG(TMR0_BASE + 0x04u)
#define TMR_INTFL  MXREG(TMR0_BASE + 0x0Cu)
#define TMR_CTRL0  MXREG(TMR0_BASE + 0x10u)
#define TMR_CTRL1  MXREG(TMR0_BASE + 0x18u)
#define TMR_CTRL0_MODE_CONTINUOUS (1u << 0)     /* MODE_A = 1, bits 3:0 */
#define TMR_CTRL0_CLKDIV_1        (0u << 4)     /* CLKDIV_A, bits 7:4 */
#define TMR_CTRL0_CLKEN_A         (1u << 14)
#define TMR_CTRL0_EN_A            (1u << 15)
#define TMR_CTRL1_CLKSEL_PCLK     (0u << 0)     /* CLKSEL_A, bits 1:0 */
#define TMR_CTRL1_CLKEN_A         (1u << 2)
#define TMR_CTRL1_CLKRDY_A        (1u << 3)
#define TMR_CTRL1_OUTEN_A         (1u << 13)
#define TMR_CTRL1_CASCADE         (1u << 31)    /* A and B as one 32-bit timer */
#define TMR_INTFL_IRQ_A           (1u << 0)
#define TMR_INTFL_WRDONE_A        (1u << 8)

/* ---- WDT0, windowed watchdog, 0x40003000 (wdt_regs.h) ------------------------------------ */
#define WDT0_BASE   0x40003000u
#define WDT_CTRL    MXREG(WDT0_BASE + 0x00u)
#define WDT_RST     MXREG(WDT0_BASE + 0x04u)
#define WDT_CLKSEL  MXREG(WDT0_BASE + 0x08u)
#define WDT_CTRL_RST_LATE_VAL(n) ((uint32_t)(n) << 4)   /* bits 7:4: 0 = 2^31 .. 15 = 2^16 clocks */
#define WDT_CTRL_EN              (1u << 8)
#define WDT_CTRL_WDT_RST_EN      (1u << 11)
#define WDT_CTRL_RST_EARLY       (1u << 30)             /* this watchdog reset the chip (early) */
#define WDT_CTRL_RST_LATE        (1u << 31)             /* this watchdog reset the chip (late) */
/* Feed: 0xA5 then 0x5A (RST_RESET_SEQ0/SEQ1); enable: 0xFE, 0xED then CTRL.EN (MSDK
 * wdt_revb.c MXC_WDT_RevB_Enable). */

/* ---- TRNG, 0x4004D000 (trng_regs.h: CTRL 0x00, STATUS 0x04 with RDY bit 0, DATA 0x08) ---- */
#define TRNG_BASE   0x4004D000u
#define TRNG_STATUS MXREG(TRNG_BASE + 0x04u)
#define TRNG_DATA   MXREG(TRNG_BASE + 0x08u)
#define TRNG_STATUS_RDY (1u << 0)

/* ---- SysTick (ARMv7-M ARM B3.3): the main loop's wake-up alarm ------------------------------ */
#define SYST_CSR CM4_REG(0xE000E010u)
#define SYST_RVR CM4_REG(0xE000E014u)
#define SYST_CVR CM4_REG(0xE000E018u)
#define SYST_CSR_ENABLE    (1u << 0)
#define SYST_CSR_TICKINT   (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2)    /* the processor clock */
#define SYST_RVR_MAX       0x00FFFFFFu

/* ---- The cycle counter (ARMv7-M ARM C1.6.5 DEMCR, C1.8.7 DWT_CTRL, C1.8.8 DWT_CYCCNT): CNN
 * runs timed in CPU cycles -------------------------------------------------------------------- */
#define DEMCR       CM4_REG(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)             /* enables the DWT */
#define DWT_CTRL    CM4_REG(0xE0001000u)
#define DWT_CTRL_CYCCNTENA (1u << 0)
#define DWT_CYCCNT  CM4_REG(0xE0001004u)

#endif
