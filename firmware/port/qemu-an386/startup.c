/* Start-up of the QEMU board: the vector table, the reset handler (FPU on, .data copied, .bss
 * zeroed in both RAMs, the stack painted) and the fault handler, which reports and ends QEMU
 * (a fault is a bug: exit status 3 with the faulting address on stderr). */
#include <stdint.h>
#include <string.h>

#include "an386.h"
#include "mcu_facts.h"
#include "qemu_board.h"
#include "semihost.h"

extern uint32_t __stack_top[];
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __psram_bss_start[], __psram_bss_end[];

int main(void);
void reset_handler(void);
void fault_entry(void);
void unexpected_irq(void);

__attribute__((noreturn)) void reset_handler(void)
{
    cm4_fpu_enable();
    memcpy(__data_start, __data_load, (size_t)((uintptr_t)__data_end - (uintptr_t)__data_start));
    memset(__bss_start, 0, (size_t)((uintptr_t)__bss_end - (uintptr_t)__bss_start));
    memset(__psram_bss_start, 0, (size_t)((uintptr_t)__psram_bss_end - (uintptr_t)__psram_bss_start));
    mcu_stack_paint();
    main();
    semihost_exit(1);
}

/* The stacked frame of the faulting code: r0-r3, r12, lr, pc, xpsr. */
__attribute__((used, noreturn)) static void fault_report(const uint32_t *frame)
{
    semihost_log(qemu_board_id(), "fault: pc 0x%08lx lr 0x%08lx cfsr 0x%08lx hfsr 0x%08lx mmfar 0x%08lx bfar 0x%08lx",
                 (unsigned long)frame[6], (unsigned long)frame[5], (unsigned long)CM4_CFSR,
                 (unsigned long)CM4_HFSR, (unsigned long)CM4_MMFAR, (unsigned long)CM4_BFAR);
    semihost_exit(3);
}

/* Picks the stack the fault was stacked on (EXC_RETURN bit 2) and reports. */
__attribute__((naked)) void fault_entry(void)
{
    __asm__ volatile("tst lr, #4\n\t"
                     "ite eq\n\t"
                     "mrseq r0, msp\n\t"
                     "mrsne r0, psp\n\t"
                     "b fault_report\n\t");
}

__attribute__((noreturn)) void unexpected_irq(void)
{
    uint32_t active = CM4_ICSR & 0x1FFu;
    semihost_log(qemu_board_id(), "unexpected exception %lu", (unsigned long)active);
    semihost_exit(3);
}

typedef void (*vector)(void);

#define IRQ_VECTORS (16u + AN386_IRQ_COUNT)

__attribute__((section(".vectors"), used)) static const vector vectors[IRQ_VECTORS] = {
    [0] = (vector)(uintptr_t)__stack_top,
    [1] = reset_handler,
    [2] = fault_entry,                                  /* NMI */
    [3] = fault_entry,                                  /* HardFault */
    [4] = fault_entry,                                  /* MemManage */
    [5] = fault_entry,                                  /* BusFault */
    [6] = fault_entry,                                  /* UsageFault */
    [11] = unexpected_irq,                              /* SVCall */
    [12] = unexpected_irq,                              /* DebugMonitor */
    [14] = unexpected_irq,                              /* PendSV */
    [15] = unexpected_irq,                              /* SysTick */
    [16 + AN386_IRQ_UART0_RX] = qemu_uart_rx_irq,
    [16 + AN386_IRQ_UART0_TX] = qemu_uart_tx_irq,
    [16 + AN386_IRQ_TIMER0] = qemu_timer_irq,
};
