/* The CNN accelerator's address map on each chip: the windows the driver whitelists
 * (cnn_driver.h) and where an address falls in one. MAX78000.md section 5 and REGISTERS.md;
 * izer tornadocnn.py for MAX78002.
 *
 * The windows, per chip:
 *  - the AON control word the tool writes: 0x5000_1000;
 *  - per quadrant q: CTRL, SRAM and LCNT_MAX; the per-layer registers (MAX78000: 16 arrays of
 *    32 words from +0x010, RCNT .. POST, and LCTRL1 at +0xA10; MAX78002: 20 words per layer,
 *    0x100 apart, from +0x10_0000); the bias memory (one byte per 32-bit word); the kernel memory
 *    of each of its 16 processors (one 72-bit word per 16 bytes of address space); the data
 *    memory instances.
 *    MAX78000: register base 0x5010_0000 + q * 0x40_0000, bias +0x8000 (512 words), kernels
 *    +0x8_0000 + p * 0x4000 (768 words), data 0x5040_0000 + q * 0x40_0000, 4 instances of
 *    32 KiB. MAX78002: base 0x5100_0000 + q * 0x100_0000, bias +0x18_0000 (2048 words), kernels
 *    +0x40_0000 + p * 0x2_0000 (5120 words for processors 0, 16, 32, 48, else 4096), data
 *    +0x80_0000, 4 instances of 80 KiB each 0x2_0000 apart.
 * A block access must stay inside one window: one register array (MAX78000) or one layer's
 * registers (MAX78002), one bias memory, one processor's kernel memory, one data-memory instance. */
#ifndef SYNERGY_ACCEL_CNN_MAP_H
#define SYNERGY_ACCEL_CNN_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "chip.h"

/* The kinds of window, and where an address falls in one. */
typedef enum {
    CNN_WIN_NONE = 0,
    CNN_WIN_AON,
    CNN_WIN_CONTROL,        /* reg: 0 CTRL, 1 SRAM, 2 LCNT_MAX */
    CNN_WIN_LAYER,          /* reg: a cnn_layer_reg, layer: 0 .. max_layers - 1 */
    CNN_WIN_BIAS,
    CNN_WIN_KERNEL,         /* processor: 0..63 */
    CNN_WIN_DATA,           /* instance: 0..15 (quadrant * 4 + instance in the quadrant) */
} cnn_window_kind;

/* The per-layer registers, by name (the chips number them differently). */
typedef enum {
    CNN_LR_RCNT = 0, CNN_LR_CCNT, CNN_LR_ONED, CNN_LR_PRCNT, CNN_LR_PCCNT, CNN_LR_STRIDE,
    CNN_LR_WPTR_BASE, CNN_LR_WPTR_TOFF, CNN_LR_WPTR_MOFF, CNN_LR_WPTR_CHOFF, CNN_LR_RPTR_BASE,
    CNN_LR_LCTRL0, CNN_LR_MCNT, CNN_LR_TPTR, CNN_LR_EN, CNN_LR_POST, CNN_LR_LCTRL1,
    /* MAX78002 only */
    CNN_LR_NXTLYR, CNN_LR_MCNT1, CNN_LR_MCNT2, CNN_LR_OCHAN,
    CNN_LR_COUNT
} cnn_layer_reg;

typedef struct {
    cnn_window_kind kind;
    uint8_t quadrant;
    uint8_t processor;
    uint8_t instance;
    uint8_t reg;
    uint16_t layer;
    uint32_t base, size;    /* the window [base, base + size) that a block must stay inside */
    uint32_t offset;        /* addr - base */
} cnn_window;

/* Where addr falls on this chip; false (kind CNN_WIN_NONE) outside every window. Alignment is
 * not checked here. */
bool syn_cnn_window_of(const syn_chip *chip, uint32_t addr, cnn_window *w);

/* Names for messages: "RCNT", "CTRL", ... */
const char *syn_cnn_layer_reg_name(cnn_layer_reg reg);
const char *syn_cnn_control_reg_name(unsigned reg);

/* Data-memory geometry of a chip (bytes of address space per instance, real words in it) and
 * the byte address of word `word` of instance `instance` (0..15). */
uint32_t syn_cnn_instance_words(const syn_chip *chip);
uint32_t syn_cnn_data_address(const syn_chip *chip, unsigned instance, uint32_t word);
/* Kernel memory: the processor's window base and its 72-bit words. */
uint32_t syn_cnn_kernel_base(const syn_chip *chip, unsigned processor);
uint32_t syn_cnn_kernel_words(const syn_chip *chip, unsigned processor);
/* Control and layer register addresses. */
uint32_t syn_cnn_control_address(const syn_chip *chip, unsigned quadrant, unsigned reg);
uint32_t syn_cnn_layer_address(const syn_chip *chip, unsigned quadrant, cnn_layer_reg reg, unsigned layer);
/* The per-layer registers the chip has: cnn_layer_reg 0 .. n-1 (MAX78000 17: RCNT .. LCTRL1;
 * MAX78002 21); 0 for a chip without a map. */
unsigned syn_cnn_layer_reg_count(const syn_chip *chip);
uint32_t syn_cnn_bias_address(const syn_chip *chip, unsigned quadrant, unsigned index);
#define CNN_AON_ADDRESS 0x50001000u

#endif
