/* The CNN accelerator's power and clock, on and off; see fthr.h.
 *
 * The order is the one Analog Devices' generated cnn_enable() and cnn_disable() follow
 * (ai8x-synthesis izer/toplevel.py, MAX78000: GCFR present, no PLL, no load-switch delay by
 * default): every quadrant held in reset, its memories masked, powered, isolation released,
 * reset released; then the CNN clock from PCLK undivided (50 MHz, the MAX78000's default CNN
 * clock) and the clock gate opened. The board's CNN supply is set first, as the FTHR's board
 * support does (MSDK FTHR_RevA board.c). */
#include "fthr.h"
#include "max78000_regs.h"

void syn_fthr_cnn_power_on(void)
{
    SIMO_VREGO_C = SIMO_VREGO_C_CNN;
    GCFR_REG3 = GCFR_ALL_QUADRANTS;   /* reset */
    GCFR_REG1 = GCFR_ALL_QUADRANTS;   /* mask memory */
    GCFR_REG0 = GCFR_ALL_QUADRANTS;   /* power */
    GCFR_REG2 = 0;                    /* isolation off */
    GCFR_REG3 = 0;                    /* out of reset */
    GCR_PCLKDIV = (GCR_PCLKDIV & ~(GCR_PCLKDIV_CNNCLKDIV_MASK | GCR_PCLKDIV_CNNCLKSEL_MASK)) | GCR_PCLKDIV_CNNCLKDIV_DIV1 |
                  GCR_PCLKDIV_CNNCLKSEL_PCLK;
    GCR_PCLKDIS0 &= ~GCR_PCLKDIS0_CNN;
}

void syn_fthr_cnn_power_off(void)
{
    GCR_PCLKDIS0 |= GCR_PCLKDIS0_CNN;
    GCFR_REG3 = GCFR_ALL_QUADRANTS;    /* reset */
    GCFR_REG2 |= GCFR_ALL_QUADRANTS;   /* isolate */
    GCFR_REG0 = 0;                     /* power off */
    GCFR_REG1 = 0;                     /* unmask memory */
    GCFR_REG3 = 0;
}
