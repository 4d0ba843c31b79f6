/* Start-up of the MAX78000FTHR: the vector table at the start of flash (where the boot ROM
 * looks), the reset handler (FPU on, .data copied, .bss zeroed, the stack painted, then main)
 * and the fault handler: a fault lights the LED red and stops feeding the watchdog, which resets
 * the chip 2.7 s later (the next hello says "watchdog"). */
#include <stdint.h>

#include "fthr.h"
#include "max78000_regs.h"
#include "mcu_facts.h"

extern uint32_t __stack_top[];

int main(void);
void syn_reset_handler(void);
void syn_fault_handler(void);

__attribute__((noreturn)) void syn_reset_handler(void)
{
    syn_mcu_crt_init();
    syn_mcu_stack_paint();
    main();
    for (;;)
        cm4_wfi();
}

__attribute__((noreturn)) void syn_fault_handler(void)
{
    cm4_disable_irq();
    syn_fthr_led_show(1u);
    for (;;) {
    }
}

typedef void (*vector)(void);

__attribute__((section(".vectors"), used)) static const vector vectors[16u + MAX78000_IRQ_COUNT] = {
    [0] = (vector)(uintptr_t)__stack_top,
    [1] = syn_reset_handler,
    [2] = syn_fault_handler,    /* NMI */
    [3] = syn_fault_handler,    /* HardFault */
    [4] = syn_fault_handler,    /* MemManage */
    [5] = syn_fault_handler,    /* BusFault */
    [6] = syn_fault_handler,    /* UsageFault */
    [11] = syn_fault_handler,   /* SVCall: never used */
    [14] = syn_fault_handler,   /* PendSV: never used */
    [15] = syn_fthr_systick_irq,
    [16 + MAX78000_IRQ_UART0] = syn_fthr_uart_irq,
};
