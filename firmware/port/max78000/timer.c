/* The MAX78000FTHR's time: TMR0 counts PCLK (50 MHz) as one 32-bit timer, extended to 64 bits
 * here (it wraps every 85.9 s; the loop reads it at least every SysTick period); SysTick is the
 * main loop's wake-up alarm. See fthr.h. */
#include "fthr.h"
#include "max78000_regs.h"

#define TICKS_PER_US (MAX78000_PCLK_HZ / 1000000u)
#define CPU_TICKS_PER_US (MAX78000_IPO_HZ / 1000000u)

static cm4_counter64 tmr0;

void syn_fthr_timer_init(void)
{
    /* Continuous mode from PCLK, 32-bit cascade, compare at the top: stop, configure, clock on
     * and ready, count from 1, start (MSDK tmr_revb.c MXC_TMR_RevB_Init, _ConfigGeneric,
     * _Start). */
    TMR_CTRL0 = 0;
    while ((TMR_CTRL1 & TMR_CTRL1_CLKRDY_A) != 0) {
    }
    TMR_CTRL1 = TMR_CTRL1_CASCADE | TMR_CTRL1_CLKSEL_PCLK;
    TMR_INTFL = TMR_INTFL_IRQ_A;
    TMR_CTRL0 = TMR_CTRL0_MODE_CONTINUOUS | TMR_CTRL0_CLKDIV_1;
    TMR_CTRL0 |= TMR_CTRL0_CLKEN_A;
    while ((TMR_CTRL1 & TMR_CTRL1_CLKRDY_A) == 0) {
    }
    TMR_CNT = 1u;
    while ((TMR_INTFL & TMR_INTFL_WRDONE_A) == 0) {
    }
    TMR_CMP = 0xFFFFFFFFu;
    TMR_CTRL1 &= ~TMR_CTRL1_OUTEN_A;
    TMR_CTRL0 |= TMR_CTRL0_EN_A;
    while ((TMR_CTRL1 & TMR_CTRL1_CLKEN_A) == 0) {
    }
    tmr0 = (cm4_counter64){ TMR_CNT, 0 };
}

uint64_t syn_fthr_now_us(void)
{
    return cm4_counter64_read(&tmr0, &TMR_CNT) / TICKS_PER_US;
}

void syn_fthr_wake_at(uint64_t deadline_us)
{
    uint64_t now = syn_fthr_now_us();
    uint64_t wait = deadline_us > now ? deadline_us - now : 1u;
    uint64_t ticks = wait * CPU_TICKS_PER_US;
    if (ticks > SYST_RVR_MAX)
        ticks = SYST_RVR_MAX;   /* 167 ms: the loop looks again then */
    SYST_CSR = 0;
    SYST_RVR = (uint32_t)ticks;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
}

void syn_fthr_systick_irq(void)
{
    SYST_CSR = 0;   /* one shot: the interrupt itself is the wake-up */
}
