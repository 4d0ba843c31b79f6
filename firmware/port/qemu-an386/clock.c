/* The QEMU board's time: microseconds from the FPGA's 25 MHz counter, and TIMER0 as the wake-up
 * alarm of the main loop's sleep; see qemu_board.h. */
#include "an386.h"
#include "qemu_board.h"

#define TICKS_PER_US (AN386_PCLK_HZ / 1000000u)
/* The counter wraps every 2^32 / 25 MHz = 171.8 s; the loop wakes at least this often. */
#define MAX_SLEEP_US 60000000u

static cm4_counter64 counter;
static uint32_t base_count;    /* the counter at boot */

void syn_qemu_clock_init(void)
{
    base_count = AN386_FPGAIO_COUNTER;
    counter = (cm4_counter64){ base_count, 0 };
    TIMER_CTRL(AN386_TIMER0) = 0;
    TIMER_INTSTATUS(AN386_TIMER0) = 1u;
    cm4_irq_enable(AN386_IRQ_TIMER0);
}

uint64_t syn_qemu_now_us(void)
{
    return (cm4_counter64_read(&counter, &AN386_FPGAIO_COUNTER) - base_count) / TICKS_PER_US;
}

void syn_qemu_wake_at(uint64_t deadline_us)
{
    uint64_t now = syn_qemu_now_us();
    uint64_t wait = deadline_us > now ? deadline_us - now : 1u;
    if (wait > MAX_SLEEP_US)
        wait = MAX_SLEEP_US;
    uint32_t ticks = (uint32_t)wait * TICKS_PER_US;
    TIMER_CTRL(AN386_TIMER0) = 0;
    TIMER_INTSTATUS(AN386_TIMER0) = 1u;
    TIMER_RELOAD(AN386_TIMER0) = ticks;
    TIMER_VALUE(AN386_TIMER0) = ticks;
    TIMER_CTRL(AN386_TIMER0) = TIMER_CTRL_EN | TIMER_CTRL_IE;
}

void syn_qemu_timer_irq(void)
{
    /* One shot: the interrupt itself is the wake-up. */
    TIMER_CTRL(AN386_TIMER0) = 0;
    TIMER_INTSTATUS(AN386_TIMER0) = 1u;
}
