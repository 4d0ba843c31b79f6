/* The backend of the CNN driver (cnn_driver.h): what a port provides, by link time, to carry the
 * driver's accesses to an accelerator. On the chip each function is one volatile access and
 * never fails; on the emulated board and in the tests they land in the register model
 * (accel/reg/, bound by port/host/emu_cnn_backend.c), which may refuse an access the silicon
 * would misbehave on (e.g. LCNT_MAX written while the CNN runs) and says why in err.
 *
 * The driver calls these only with addresses it has checked against the chip's whitelist
 * (cnn_driver.h), so a backend needs no checks of its own to stay inside the CNN's windows. */
#ifndef SYNERGY_ACCEL_CNN_BACKEND_H
#define SYNERGY_ACCEL_CNN_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "chip.h"

typedef struct cnn_error cnn_error;

/* The accelerator is (re)started as this chip with every memory and register at its reset value
 * (the chip: nothing to do; the model: zeroes everything). False if the backend cannot be it. */
bool syn_cnn_backend_reset(const syn_chip *chip, cnn_error *err);

/* One 32-bit store to a word-aligned address. */
bool syn_cnn_backend_store32(uint32_t addr, uint32_t value, cnn_error *err);

/* One 8-bit store: only the packed kernel loader's "set address" (byte 0x01 to a kernel-memory
 * address with its two low bits 01) uses it. */
bool syn_cnn_backend_store8(uint32_t addr, uint8_t value, cnn_error *err);

/* One 32-bit load from a word-aligned address. */
bool syn_cnn_backend_load32(uint32_t addr, uint32_t *value, cnn_error *err);

/* CNN clock cycles of the last completed run (start to done): the chip's port times it, the
 * model counts it with the cycle model. False if no run completed since the reset. */
bool syn_cnn_backend_cycles(uint64_t *cycles, cnn_error *err);

#endif
