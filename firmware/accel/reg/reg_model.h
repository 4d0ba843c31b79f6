/* The register-level model of the CNN accelerator: what the emulated board and the tests put
 * behind the driver (cnn_driver.h, cnn_backend.h) instead of silicon. It holds the four
 * quadrants' control and per-layer registers, the kernel memory (72-bit words), the bias memory
 * (one byte per word) and the data memory at the chip's addresses and sizes, and computes
 * whatever program they hold when the master quadrant's CTRL.cnn_en goes 0 -> 1. It never reads
 * a layer description: every fact comes from registers and memories (docs/registers.md, "The
 * register model", says how each field is read).
 *
 * Start (a CTRL write that sets cnn_en with ext_sync clear): the running quadrants are this
 * master and every quadrant whose CTRL has cnn_en and ext_sync with this master's number. The
 * model decodes layers 0 .. LCNT_MAX[4:0] from the registers first; a program it cannot run
 * exactly (streaming, FIFOs, one-shot, rounding average pools, calcx4, depthwise, registers that
 * contradict each other or run past a memory) is refused by that write with a cnn_error naming
 * the layer, the register and the reason, and nothing is computed. Otherwise every layer runs
 * with the bit-exact arithmetic of arith.h, reading and writing data memory, and cnn_irq (CTRL
 * bit 12) is set in the running quadrants: done. Until cnn_en is cleared again (as the tool's
 * interrupt handler does) a quadrant counts as running, and writes to its LCNT_MAX or per-layer
 * registers are refused.
 *
 * Cycles: each layer's CNN cycles are the project's cycle model (cycles.c) applied to what the
 * registers say (reg_decode.c maps them to accel_cycle_inputs); a run takes 1 + the sum over
 * the layers it ran, so running with LCNT_MAX = k for k = 0..n-1 and differencing gives each
 * layer's figure, as on a board.
 *
 * Executes MAX78000 programs. MAX78002 has its windows and memories here (addresses and sizes),
 * but its per-layer registers are laid out and encoded differently (NXTLYR, MCNT1/2, OCHAN, the
 * row/column counters' differences); a start on it is refused as not implemented.
 *
 * Storage is static, sized for the larger chip: 2.9 MB of kernel memory (64 x 5120 x 9 bytes),
 * 1.25 MiB of data memory, 8 KiB of bias memory, 43 KB of registers, and the executor's
 * working buffers (reg_exec.c). */
#ifndef SYNERGY_ACCEL_REG_MODEL_H
#define SYNERGY_ACCEL_REG_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip.h"
#include "cnn_driver.h"

/* The model behind the backend interface (port/host/emu_cnn_backend.c binds these). */
bool syn_reg_model_reset(const syn_chip *chip, cnn_error *err);
bool syn_reg_model_store32(uint32_t addr, uint32_t value, cnn_error *err);
bool syn_reg_model_store8(uint32_t addr, uint8_t value, cnn_error *err);
bool syn_reg_model_load32(uint32_t addr, uint32_t *value, cnn_error *err);
bool syn_reg_model_cycles(uint64_t *cycles, cnn_error *err);

/* Per-layer cycles of the last completed run (layers 0..n-1 of it); returns n, 0 if none. */
size_t syn_reg_model_layer_cycles(uint64_t *cycles, size_t cap);

#endif
