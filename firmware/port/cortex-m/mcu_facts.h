/* What a bare-metal port knows about its own run, from the symbols its linker script defines:
 *
 *   __image_start, __image_end    the bytes of the image as flashed (the .bin: vector table,
 *                                 code, constants, then the initial values of .data)
 *   __stack_bottom, __stack_top   the main stack (it grows down from __stack_top)
 *   __retained                    16 bytes of RAM no section covers: neither the loader nor the
 *                                 startup code writes them, so they survive a system reset
 *
 * The build id is the first 8 bytes of the SHA-256 of the image, as 16 lowercase hex digits:
 * what `synergy flash` computes from the .bin (or the .elf's loadable bytes), so the host can
 * tell whether a board runs the file it has. */
#ifndef SYNERGY_MCU_FACTS_H
#define SYNERGY_MCU_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"

/* The C run-time's start, first thing in the reset handler: the FPU on (the core is built for
 * it), .data copied from flash, .bss zeroed (the linker script's __data_load, __data_start,
 * __data_end, __bss_start, __bss_end). */
void syn_mcu_crt_init(void);
/* Fills stack bytes below the caller's frame with a pattern (call first thing at boot). */
void syn_mcu_stack_paint(void);
/* Bytes of stack ever used since the paint: the lowest word no longer holding the pattern. */
uint32_t syn_mcu_stack_peak(void);
uint32_t syn_mcu_stack_size(void);

/* The image's build id (SYN_BUILD_ID_MAX hex digits and a NUL). */
void syn_mcu_build_id(char out[SYN_BUILD_ID_MAX + 1]);
uint32_t syn_mcu_image_bytes(void);

/* The reset word: a reason the firmware records just before it resets itself, read back (and
 * cleared) at the next boot; "running" once the board is up, so that a reset nobody recorded
 * but that kept the RAM shows as one from outside (a reset pin, a debugger, QEMU's
 * system_reset). Power loss leaves garbage, which the check word rejects. */
typedef enum { MCU_RETAINED_NONE = 0, MCU_RETAINED_SOFTWARE, MCU_RETAINED_BREAK, MCU_RETAINED_RUNNING } mcu_retained_reason;
void syn_mcu_retained_set(mcu_retained_reason reason);
mcu_retained_reason syn_mcu_retained_take(void);
/* Why this boot happened by the reset word (software, break, pin, else power-on), and marks the
 * board running. */
board_boot_reason syn_mcu_boot_reason(void);
/* Records `reason` (software or break) and resets the system. */
__attribute__((noreturn)) void syn_mcu_reset(board_boot_reason reason);

#endif
