/* The one way firmware touches the CNN accelerator: 32-bit writes, blocks of them and reads,
 * each checked against the chip's whitelist before the backend (cnn_backend.h) carries it out.
 *
 * Whitelist: the windows of cnn_map.h. Anything else (the TRAM, streaming, FIFO, BIST and MLATOR
 * registers, the holes between windows), an address that is not 32-bit aligned, or a block that
 * runs off the window it starts in is refused with a cnn_error naming the address and the
 * reason, and nothing is written.
 *
 * Kernel memory in the packed ("mexpress") form the tool loads by default: syn_cnn_kernel_seek(addr)
 * stores byte 0x01 to addr | 1, which sets the memory's address counter to column
 * (addr - processor base) / 4; words then written anywhere in that processor's window
 * (syn_cnn_write_block from addr on, as the tool's loader does) are unpacked 9 bytes per column.
 *
 * Not thread-safe; one accelerator per firmware image. */
#ifndef SYNERGY_ACCEL_CNN_DRIVER_H
#define SYNERGY_ACCEL_CNN_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip.h"
#include "cnn_backend.h"
#include "cnn_map.h"
#include "syn_config.h"


typedef enum {
    CNN_OK = 0,
    CNN_ERR_NOT_OPEN,       /* syn_cnn_open has not chosen a chip, or the backend cannot be it */
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
    char msg[SYN_CNN_ERR_MAX];      /* names the address or register, the place and the reason */
};

/* Chooses the chip whose whitelist applies and resets the backend to it. */
bool syn_cnn_open(const syn_chip *chip, cnn_error *err);
const syn_chip *syn_cnn_chip(void);   /* NULL before syn_cnn_open */

bool syn_cnn_write(uint32_t addr, uint32_t value, cnn_error *err);
/* n words to addr, addr + 4, ...; the whole block is checked before the first store. */
bool syn_cnn_write_block(uint32_t addr, const uint32_t *words, size_t n, cnn_error *err);
/* n zero words from addr on, in blocks (clearing kernel columns and bias the loader leaves). */
bool syn_cnn_write_zeros(uint32_t addr, uint32_t n, cnn_error *err);
/* Zeroes a processor's kernel columns 0..words-1 (base: its kernel memory) in the direct form,
 * 4 words a column, in runs: the columns whose bit in `row` is `which`, or all when row is NULL. */
bool syn_cnn_zero_columns(uint32_t base, uint32_t words, const uint32_t *row, bool which, cnn_error *err);
bool syn_cnn_read(uint32_t addr, uint32_t *value, cnn_error *err);
/* Sets a processor's kernel-memory address counter for the packed loader; addr is the record
 * address (processor base + column * 4) and must lie in a kernel window. */
bool syn_cnn_kernel_seek(uint32_t addr, cnn_error *err);
/* CNN cycles of the last completed run, as the backend measures them. */
bool syn_cnn_cycles(uint64_t *cycles, cnn_error *err);

/* Fills err (if not NULL) and returns false; for backends and callers that report in kind. */
bool syn_cnn_fail(cnn_error *err, cnn_status status, uint32_t addr, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
