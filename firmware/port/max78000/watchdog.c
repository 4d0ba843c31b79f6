/* WDT0 and the reset cause of the MAX78000FTHR; see fthr.h.
 *
 * The watchdog resets the chip 2^27 PCLK cycles (2.7 s at 50 MHz) after the last feed; the main
 * loop feeds it on every pass, and wakes at least every 167 ms (timer.c).
 *
 * Why the chip started: the watchdog marks its own resets (WDT CTRL RST_LATE / RST_EARLY,
 * cleared here); the firmware records its own resets (software, break) in the reset word
 * (mcu_facts.h), which it also marks "running" once up: a reset that finds "running" and nothing
 * else kept the RAM, so it came from the RSTN pin (the reset button, or the DAPLink resetting
 * the target on a BREAK or a debugger request); anything else, RAM lost, is a power-on. */
#include "fthr.h"
#include "max78000_regs.h"
#include "mcu_facts.h"

#define RST_LATE_2POW27 4u   /* RST_LATE_VAL: 0 is 2^31 clocks, each step halves */

void syn_fthr_watchdog_start(void)
{
    WDT_CLKSEL = 0;   /* PCLK */
    WDT_CTRL = (WDT_CTRL & ~(0xFu << 4)) | WDT_CTRL_RST_LATE_VAL(RST_LATE_2POW27) | WDT_CTRL_WDT_RST_EN;
    WDT_RST = 0xFEu;
    WDT_RST = 0xEDu;
    WDT_CTRL |= WDT_CTRL_EN;
    syn_fthr_watchdog_feed();
}

void syn_fthr_watchdog_feed(void)
{
    WDT_RST = 0xA5u;
    WDT_RST = 0x5Au;
}

board_boot_reason syn_fthr_reset_cause(void)
{
    uint32_t ctrl = WDT_CTRL;
    bool by_watchdog = (ctrl & (WDT_CTRL_RST_LATE | WDT_CTRL_RST_EARLY)) != 0;
    WDT_CTRL = ctrl & ~(WDT_CTRL_RST_LATE | WDT_CTRL_RST_EARLY | WDT_CTRL_EN);
    board_boot_reason recorded = syn_mcu_boot_reason();
    return by_watchdog ? BOARD_BOOT_WATCHDOG : recorded;
}

void syn_fthr_reset(board_boot_reason reason)
{
    syn_mcu_reset(reason);
}
