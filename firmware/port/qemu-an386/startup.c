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
extern uint32_t __psram_bss_start[], __psram_bss_end[];

int main(void);
void syn_reset_handler(void);
void syn_fault_entry(void);
void syn_unexpected_irq(void);

__attribute__((noreturn)) void syn_reset_handler(void)
{
    syn_mcu_crt_init();
    memset(__psram_bss_start, 0, (size_t)((uintptr_t)__psram_bss_end - (uintptr_t)__psram_bss_start));
    syn_mcu_stack_paint();
    main();
    syn_semihost_exit(1);
}

/* The stacked frame of the faulting code: r0-r3, r12, lr, pc, xpsr. */
__attribute__((used, noreturn)) static void fault_report(const uint32_t *frame)
{
    syn_semihost_log(syn_qemu_board_id(), "fault: pc 0x%08lx lr 0x%08lx cfsr 0x%08lx hfsr 0x%08lx mmfar 0x%08lx bfar 0x%08lx",
                 (unsigned long)frame[6], (unsigned long)frame[5], (unsigned long)CM4_CFSR,
                 (unsigned long)CM4_HFSR, (unsigned long)CM4_MMFAR, (unsigned long)CM4_BFAR);
    syn_semihost_exit(3);
}

/* Picks the stack the fault was stacked on (EXC_RETURN bit 2) and reports. */
__attribute__((naked)) void syn_fault_entry(void)
{
    __asm__ volatile("tst lr, #4\n\t"
                     "ite eq\n\t"
                     "mrseq r0, msp\n\t"
                     "mrsne r0, psp\n\t"
                     "b fault_report\n\t");
}

__attribute__((noreturn)) void syn_unexpected_irq(void)
{
    uint32_t active = CM4_ICSR & 0x1FFu;
    syn_semihost_log(syn_qemu_board_id(), "unexpected exception %lu", (unsigned long)active);
    syn_semihost_exit(3);
}

typedef void (*vector)(void);

#define IRQ_VECTORS (16u + AN386_IRQ_COUNT)

__attribute__((section(".vectors"), used)) static const vector vectors[IRQ_VECTORS] = {
    [0] = (vector)(uintptr_t)__stack_top,
    [1] = syn_reset_handler,
    [2] = syn_fault_entry,                                  /* NMI */
    [3] = syn_fault_entry,                                  /* HardFault */
    [4] = syn_fault_entry,                                  /* MemManage */
    [5] = syn_fault_entry,                                  /* BusFault */
    [6] = syn_fault_entry,                                  /* UsageFault */
    [11] = syn_unexpected_irq,                              /* SVCall */
    [12] = syn_unexpected_irq,                              /* DebugMonitor */
    [14] = syn_unexpected_irq,                              /* PendSV */
    [15] = syn_unexpected_irq,                              /* SysTick */
    [16 + AN386_IRQ_UART0_RX] = syn_qemu_uart_rx_irq,
    [16 + AN386_IRQ_UART0_TX] = syn_qemu_uart_tx_irq,
    [16 + AN386_IRQ_TIMER0] = syn_qemu_timer_irq,
};
