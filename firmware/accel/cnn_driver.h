/* The one way firmware touches the CNN accelerator: 32-bit writes, blocks of them and reads,
 * each checked against the chip's whitelist before the backend (cnn_backend.h) carries it out.
 *
 * Whitelist (MAX78000.md section 5, REGISTERS.md; izer tornadocnn.py for MAX78002), per chip:
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
 * Anything else (the TRAM, streaming, FIFO, BIST and MLATOR registers, the holes between
 * windows), an address that is not 32-bit aligned, or a block that runs off the window it starts
 * in (one register array, one bias memory, one processor's kernel memory, one data-memory
 * instance) is refused with a cnn_error naming the address and the reason, and nothing is written.
 *
 * Kernel memory in the packed ("mexpress") form the tool loads by default: cnn_kernel_seek(addr)
 * stores byte 0x01 to addr | 1, which sets the memory's address counter to column
 * (addr - processor base) / 4; words then written anywhere in that processor's window
 * (cnn_write_block from addr on, as the tool's loader does) are unpacked 9 bytes per column.
 *
 * Not thread-safe; one accelerator per firmware image. */
#ifndef SYNERGY_ACCEL_CNN_DRIVER_H
#define SYNERGY_ACCEL_CNN_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip.h"
#include "cnn_backend.h"

#define CNN_ERR_MSG_MAX 200

typedef enum {
    CNN_OK = 0,
    CNN_ERR_NOT_OPEN,       /* cnn_open has not chosen a chip, or the backend cannot be it */
    CNN_ERR_ADDRESS,        /* outside every CNN window of the chip */
    CNN_ERR_ALIGN,          /* not 32-bit aligned */
    CNN_ERR_BLOCK,          /* a block is empty or runs off the window it starts in */
    CNN_ERR_STATE,          /* refused in the accelerator's present state (LCNT_MAX while running) */
    CNN_ERR_UNSUPPORTED,    /* a start asks for a mode the backend does not implement */
    CNN_ERR_PROGRAM,        /* a start finds a program that contradicts itself or the memories */
} cnn_status;

struct cnn_error {
    cnn_status status;
    uint32_t addr;                  /* the address at fault (0 if none) */
    char msg[CNN_ERR_MSG_MAX];      /* names the address or register, the place and the reason */
};

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
bool cnn_window_of(const syn_chip *chip, uint32_t addr, cnn_window *w);

/* Names for messages: "RCNT", "CTRL", ... */
const char *cnn_layer_reg_name(cnn_layer_reg reg);
const char *cnn_control_reg_name(unsigned reg);

/* Data-memory geometry of a chip (bytes of address space per instance, real words in it) and
 * the byte address of word `word` of instance `instance` (0..15). */
uint32_t cnn_instance_words(const syn_chip *chip);
uint32_t cnn_data_address(const syn_chip *chip, unsigned instance, uint32_t word);
/* Kernel memory: the processor's window base and its 72-bit words. */
uint32_t cnn_kernel_base(const syn_chip *chip, unsigned processor);
uint32_t cnn_kernel_words(const syn_chip *chip, unsigned processor);
/* Control and layer register addresses. */
uint32_t cnn_control_address(const syn_chip *chip, unsigned quadrant, unsigned reg);
uint32_t cnn_layer_address(const syn_chip *chip, unsigned quadrant, cnn_layer_reg reg, unsigned layer);
uint32_t cnn_bias_address(const syn_chip *chip, unsigned quadrant, unsigned index);
#define CNN_AON_ADDRESS 0x50001000u

/* Chooses the chip whose whitelist applies and resets the backend to it. */
bool cnn_open(const syn_chip *chip, cnn_error *err);
const syn_chip *cnn_chip(void);   /* NULL before cnn_open */

bool cnn_write(uint32_t addr, uint32_t value, cnn_error *err);
/* n words to addr, addr + 4, ...; the whole block is checked before the first store. */
bool cnn_write_block(uint32_t addr, const uint32_t *words, size_t n, cnn_error *err);
bool cnn_read(uint32_t addr, uint32_t *value, cnn_error *err);
/* Sets a processor's kernel-memory address counter for the packed loader; addr is the record
 * address (processor base + column * 4) and must lie in a kernel window. */
bool cnn_kernel_seek(uint32_t addr, cnn_error *err);
/* CNN cycles of the last completed run, as the backend measures them. */
bool cnn_cycles(uint64_t *cycles, cnn_error *err);

/* Fills err (if not NULL) and returns false; for backends and callers that report in kind. */
bool cnn_fail(cnn_error *err, cnn_status status, uint32_t addr, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
