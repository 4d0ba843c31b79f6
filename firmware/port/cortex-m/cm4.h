/* The Cortex-M4 core peripherals both bare-metal ports use (QEMU's mps2-an386 and the MAX78000),
 * from the ARMv7-M Architecture Reference Manual (ARM DDI 0403E): the System Control Block
 * (B3.2), the NVIC (B3.4), the coprocessor access register (B3.2.20), and the few instructions C
 * cannot say. Written here rather than taken from CMSIS: a port needs a dozen definitions. */
#ifndef SYNERGY_CM4_H
#define SYNERGY_CM4_H

#include <stdint.h>

#define CM4_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* System Control Block, ARMv7-M ARM table B3-4. */
#define CM4_ICSR   CM4_REG(0xE000ED04u)   /* Interrupt Control and State */
#define CM4_VTOR   CM4_REG(0xE000ED08u)   /* Vector Table Offset */
#define CM4_AIRCR  CM4_REG(0xE000ED0Cu)   /* Application Interrupt and Reset Control */
#define CM4_SCR    CM4_REG(0xE000ED10u)   /* System Control */
#define CM4_CCR    CM4_REG(0xE000ED14u)   /* Configuration and Control */
#define CM4_CFSR   CM4_REG(0xE000ED28u)   /* Configurable Fault Status (B3.2.15) */
#define CM4_HFSR   CM4_REG(0xE000ED2Cu)   /* HardFault Status */
#define CM4_MMFAR  CM4_REG(0xE000ED34u)
#define CM4_BFAR   CM4_REG(0xE000ED38u)
#define CM4_CPACR  CM4_REG(0xE000ED88u)   /* Coprocessor Access Control (B3.2.20) */

/* AIRCR: writes need VECTKEY 0x05FA in bits 31:16; SYSRESETREQ is bit 2 (B3.2.6). */
#define CM4_AIRCR_VECTKEY     (0x05FAu << 16)
#define CM4_AIRCR_SYSRESETREQ (1u << 2)
/* CPACR: CP10 and CP11 (the FPU) full access, bits 23:20 (B3.2.20). */
#define CM4_CPACR_FPU_FULL    (0xFu << 20)
/* CCR: DIV_0_TRP traps a division by zero (B3.2.8). */
#define CM4_CCR_DIV_0_TRP     (1u << 4)

/* NVIC, ARMv7-M ARM table B3-8: one bit per external interrupt, 32 per register. */
#define CM4_NVIC_ISER(n) CM4_REG(0xE000E100u + 4u * (n))   /* set-enable */
#define CM4_NVIC_ICER(n) CM4_REG(0xE000E180u + 4u * (n))   /* clear-enable */
#define CM4_NVIC_ICPR(n) CM4_REG(0xE000E280u + 4u * (n))   /* clear-pending */
#define CM4_NVIC_IPR8(irq) (*(volatile uint8_t *)(uintptr_t)(0xE000E400u + (irq)))   /* priority bytes */

static inline void cm4_irq_enable(unsigned irq)
{
    CM4_NVIC_ICPR(irq / 32u) = 1u << (irq % 32u);
    CM4_NVIC_ISER(irq / 32u) = 1u << (irq % 32u);
}

static inline void cm4_irq_disable(unsigned irq)
{
    CM4_NVIC_ICER(irq / 32u) = 1u << (irq % 32u);
}

static inline void cm4_disable_irq(void)
{
    __asm__ volatile("cpsid i" ::: "memory");
}

static inline void cm4_enable_irq(void)
{
    __asm__ volatile("cpsie i" ::: "memory");
}

/* PRIMASK as it was, and interrupts off: for a short critical section that may nest. */
static inline uint32_t cm4_irq_save(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    return primask;
}

static inline void cm4_irq_restore(uint32_t primask)
{
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
}

/* Waits for an interrupt. With PRIMASK set a pending interrupt still ends the wait (B1.5.19),
 * which is what makes "interrupts off, check, WFI, interrupts on" free of lost wake-ups. */
static inline void cm4_wfi(void)
{
    __asm__ volatile("dsb\n\twfi" ::: "memory");
}

static inline void cm4_dsb_isb(void)
{
    __asm__ volatile("dsb\n\tisb" ::: "memory");
}

static inline uint32_t cm4_sp(void)
{
    uint32_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Turns the FPU on (CP10/CP11 full access); before any floating-point instruction runs. */
static inline void cm4_fpu_enable(void)
{
    CM4_CPACR |= CM4_CPACR_FPU_FULL;
    cm4_dsb_isb();
}

/* A free-running 32-bit up-counter read as 64 bits: its wraps are counted here, so it must be
 * read at least once per wrap. Safe against interrupts that read it too. */
typedef struct {
    uint32_t last;
    uint64_t wraps;
} cm4_counter64;

static inline uint64_t cm4_counter64_read(cm4_counter64 *c, const volatile uint32_t *counter)
{
    uint32_t s = cm4_irq_save();
    uint32_t now = *counter;
    if (now < c->last)
        c->wraps++;
    c->last = now;
    uint64_t ticks = (c->wraps << 32) | now;
    cm4_irq_restore(s);
    return ticks;
}

/* Requests a system reset and waits for it. */
__attribute__((noreturn)) static inline void cm4_system_reset(void)
{
    __asm__ volatile("dsb" ::: "memory");
    CM4_AIRCR = CM4_AIRCR_VECTKEY | CM4_AIRCR_SYSRESETREQ;
    __asm__ volatile("dsb" ::: "memory");
    for (;;)
        __asm__ volatile("nop");
}

#endif
