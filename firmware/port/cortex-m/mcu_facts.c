/* Stack watermark, build id and the reset word of a bare-metal port; see mcu_facts.h. */
#include "mcu_facts.h"

#include <string.h>

#include "cm4.h"
#include "sha256.h"

extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint8_t __image_start[], __image_end[];
extern uint32_t __stack_bottom[], __stack_top[];
extern volatile uint32_t __retained[4];

#define PAINT 0xC5A5A5C5u
/* Left unpainted below the caller's stack pointer: the painting loop's own frame. */
#define PAINT_MARGIN 64u

void syn_mcu_crt_init(void)
{
    cm4_fpu_enable();
    memcpy(__data_start, __data_load, (size_t)((uintptr_t)__data_end - (uintptr_t)__data_start));
    memset(__bss_start, 0, (size_t)((uintptr_t)__bss_end - (uintptr_t)__bss_start));
}

void syn_mcu_stack_paint(void)
{
    uint32_t *end = (uint32_t *)(uintptr_t)((cm4_sp() - PAINT_MARGIN) & ~3u);
    for (volatile uint32_t *p = __stack_bottom; p < end; p++)
        *p = PAINT;
}

uint32_t syn_mcu_stack_peak(void)
{
    const uint32_t *p = __stack_bottom;
    while (p < __stack_top && *p == PAINT)
        p++;
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

uint32_t syn_mcu_stack_size(void)
{
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)__stack_bottom);
}

uint32_t syn_mcu_image_bytes(void)
{
    return (uint32_t)(__image_end - __image_start);
}

void syn_mcu_build_id(char out[SYN_BUILD_ID_MAX + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t digest[SHA256_BYTES];
    syn_sha256(__image_start, syn_mcu_image_bytes(), digest);
    for (unsigned i = 0; i < SYN_BUILD_ID_MAX / 2u; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15u];
    }
    out[SYN_BUILD_ID_MAX] = '\0';
}

#define RETAINED_MAGIC 0x5359524Eu   /* "SYRN" */

void syn_mcu_retained_set(mcu_retained_reason reason)
{
    __retained[0] = RETAINED_MAGIC;
    __retained[1] = (uint32_t)reason;
    __retained[2] = ~(uint32_t)reason;
}

mcu_retained_reason syn_mcu_retained_take(void)
{
    uint32_t r = __retained[1];
    bool valid = __retained[0] == RETAINED_MAGIC && __retained[2] == ~r &&
                 (r == MCU_RETAINED_SOFTWARE || r == MCU_RETAINED_BREAK || r == MCU_RETAINED_RUNNING);
    __retained[0] = 0;
    __retained[1] = 0;
    __retained[2] = 0;
    return valid ? (mcu_retained_reason)r : MCU_RETAINED_NONE;
}

board_boot_reason syn_mcu_boot_reason(void)
{
    mcu_retained_reason recorded = syn_mcu_retained_take();
    syn_mcu_retained_set(MCU_RETAINED_RUNNING);
    switch (recorded) {
    case MCU_RETAINED_SOFTWARE: return BOARD_BOOT_SOFTWARE;
    case MCU_RETAINED_BREAK: return BOARD_BOOT_BREAK;
    case MCU_RETAINED_RUNNING: return BOARD_BOOT_PIN;
    case MCU_RETAINED_NONE: break;
    }
    return BOARD_BOOT_POWER_ON;
}

void syn_mcu_reset(board_boot_reason reason)
{
    syn_mcu_retained_set(reason == BOARD_BOOT_BREAK ? MCU_RETAINED_BREAK : MCU_RETAINED_SOFTWARE);
    cm4_system_reset();
}
