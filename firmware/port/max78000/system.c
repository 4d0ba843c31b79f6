/* Clocks and identity of the MAX78000FTHR; see fthr.h. */
#include "fthr.h"
#include "max78000_regs.h"
#include "text.h"

static void wait_set(volatile uint32_t *reg, uint32_t bits)
{
    while ((*reg & bits) != bits) {
    }
}

void syn_fthr_clocks_init(void)
{
    /* Instruction cache: invalidate, wait, enable, wait (MSDK icc_reva.c MXC_ICC_RevA_Enable). */
    ICC0_CTRL &= ~ICC_CTRL_EN;
    ICC0_INVALIDATE = 1u;
    wait_set(&ICC0_CTRL, ICC_CTRL_RDY);
    ICC0_CTRL |= ICC_CTRL_EN;
    wait_set(&ICC0_CTRL, ICC_CTRL_RDY);

    /* 100 MHz: the IPO on and ready, then the system clock switched to it, undivided (MSDK
     * mxc_sys MXC_SYS_Clock_Select(MXC_SYS_CLOCK_IPO)). */
    GCR_CLKCTRL |= GCR_CLKCTRL_IPO_EN;
    wait_set(&GCR_CLKCTRL, GCR_CLKCTRL_IPO_RDY);
    GCR_CLKCTRL = (GCR_CLKCTRL & ~(GCR_CLKCTRL_SYSCLK_SEL_MASK | GCR_CLKCTRL_SYSCLK_DIV_MASK)) | GCR_CLKCTRL_SYSCLK_SEL_IPO;
    wait_set(&GCR_CLKCTRL, GCR_CLKCTRL_SYSCLK_RDY);

    /* The IBRO (7.3728 MHz) clocks the UART: standard rates divide it exactly (MSDK board.c
     * Console_Init uses MXC_UART_IBRO_CLK). */
    GCR_CLKCTRL |= GCR_CLKCTRL_IBRO_EN;
    wait_set(&GCR_CLKCTRL, GCR_CLKCTRL_IBRO_RDY);

    /* Peripheral clocks on: GPIO0 (UART pins), UART0, TMR0, TRNG, WDT0, GPIO2 (the LED). */
    GCR_PCLKDIS0 &= ~(GCR_PCLKDIS0_GPIO0 | GCR_PCLKDIS0_UART0 | GCR_PCLKDIS0_TMR0);
    GCR_PCLKDIS1 &= ~(GCR_PCLKDIS1_TRNG | GCR_PCLKDIS1_WDT0);
    LPGCR_PCLKDIS &= ~LPGCR_PCLKDIS_GPIO2;
}

void syn_fthr_usn_hex(char *out, size_t cap)
{
    /* The USN's 11 bytes sit in 7-bit-shifted fields of the information block's first words,
     * readable once the block is unlocked (MSDK mxc_sys.c MXC_SYS_GetUSN; flc_reva.c
     * MXC_FLC_RevA_UnlockInfoBlock: 0x1234 to lock, then the three-word unlock sequence). */
    const volatile uint32_t *info = (const volatile uint32_t *)(uintptr_t)MAX78000_INFO_BASE;
    FLC_ACTRL = 0x1234u;
    FLC_ACTRL = 0x3a7f5ca3u;
    FLC_ACTRL = 0xa1e34f20u;
    FLC_ACTRL = 0x9608b2c1u;
    uint32_t w0 = info[0], w1 = info[1], w2 = info[2], w3 = info[3];
    FLC_ACTRL = 0x1234u;   /* locked again */
    uint8_t usn[11];
    usn[0] = (uint8_t)((w0 & 0x007F8000u) >> 15);
    usn[1] = (uint8_t)((w0 & 0x7F800000u) >> 23);
    usn[2] = (uint8_t)(((w1 & 0x0000007Fu) << 1) | ((w0 & 0x80000000u) >> 31));
    usn[3] = (uint8_t)((w1 & 0x00007F80u) >> 7);
    usn[4] = (uint8_t)((w1 & 0x007F8000u) >> 15);
    usn[5] = (uint8_t)((w1 & 0x7F800000u) >> 23);
    usn[6] = (uint8_t)((w2 & 0x007F8000u) >> 15);
    usn[7] = (uint8_t)((w2 & 0x7F800000u) >> 23);
    usn[8] = (uint8_t)(((w3 & 0x0000007Fu) << 1) | ((w2 & 0x80000000u) >> 31));
    usn[9] = (uint8_t)((w3 & 0x00007F80u) >> 7);
    usn[10] = (uint8_t)((w3 & 0x007F8000u) >> 15);
    size_t n = syn_format(out, cap, "max78000-");
    for (size_t i = 0; i < sizeof usn && n + 2u < cap; i++)
        n += syn_format(out + n, cap - n, "%02x", (unsigned)usn[i]);
}

uint32_t syn_fthr_random32(void)
{
    wait_set(&TRNG_STATUS, TRNG_STATUS_RDY);
    return TRNG_DATA;
}
