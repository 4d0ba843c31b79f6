/* A segment's configure program as a table of every per-layer register, and the register facts
 * that tie it to where the segment's kernels and biases lie.
 *
 * The table: the value of each per-layer register (cnn_layer_reg 0 .. syn_cnn_layer_reg_count - 1)
 * of hardware layer slots 0 .. layers - 1 in each of the four quadrants, zero where the program
 * writes nothing. The tool's configure writes only non-zero values and relies on the reset state;
 * several resident segments share one chip's layer registers, so the register engine writes a
 * segment's whole table when it switches to it, and nothing another segment left there
 * survives. Word (q * nregs + reg) * layers + slot, so each register array of a quadrant is a run
 * of consecutive words (one block write on MAX78000).
 *
 * Placement (MAX78000; the generator's rules, host/synth/layer-regs.ts, and docs/registers.md):
 *  - a convolution's kernels start at column c: MCNT = s << 16 | e with s = floor(9c / taps) * 8
 *    and ONED.oned_sad [7:4] = 9c mod taps (the first kernel byte is 9c), the same in every
 *    quadrant the segment uses (taps from ONED: oned_en [12] with oned_width [11:8], else width
 *    1 = 1x1, width 0 = 3x3); e - s is the kernel count and does not depend on c;
 *  - a bias at quadrant b, offset o: POST of quadrant b has bptr_en [12] and bptr_sad [11:0] = o,
 *    no other quadrant's POST has bptr_en; the first quadrant's LCTRL0.cnnsi_en [15:12] adds
 *    quadrant b (unless b is that quadrant) besides the quadrants with processors.
 * syn_reg_table_check_place demands exactly that of a table and a fit's placement; syn_reg_table_move
 * rewrites a layer's registers for a new placement (what unloading an earlier segment does). */
#ifndef SYNERGY_ACCEL_REG_TABLE_H
#define SYNERGY_ACCEL_REG_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip.h"
#include "cnn_driver.h"
#include "reg_program.h"

/* Words of a table of `layers` slots. */
size_t syn_reg_table_words(const syn_chip *chip, uint16_t layers);

/* The table word of (quadrant, register, slot). */
static inline size_t reg_table_index(const syn_chip *chip, uint16_t layers, unsigned q, unsigned reg, unsigned slot)
{
    return ((size_t)q * syn_cnn_layer_reg_count(chip) + reg) * layers + slot;
}

/* Fills table (syn_reg_table_words) from configure writes: each must be an aligned, whitelisted
 * per-layer register of a slot below `layers` (a later write of a register replaces an earlier
 * one, as on the chip). False with the write named in err. */
bool syn_reg_table_from_writes(const syn_chip *chip, const reg_write *w, size_t n, uint16_t layers, uint32_t *table,
                           cnn_error *err);

/* Writes every register of the table through the driver (reg_program.c: the functions here
 * touch no hardware). */
bool syn_reg_table_write(const syn_chip *chip, const uint32_t *table, uint16_t layers, cnn_error *err);

/* Where one layer's kernels and bias lie: the fit's kernel_start (columns, on every processor of
 * the layer) and bias quadrant (-1 none) and offset. */
typedef struct {
    uint32_t kernel_start;
    int8_t bias_quadrant;
    uint16_t bias_offset;
} reg_place;

/* Quadrants a segment uses (bit q): those whose CTRL its init writes. */
uint8_t syn_reg_groups_of(const syn_chip *chip, const reg_write *init, size_t n_init);

/* Whether slot `slot` holds a convolution (its EN enables kernels). */
bool syn_reg_table_is_conv(const syn_chip *chip, const uint32_t *table, uint16_t layers, uint16_t slot);

/* Checks that slot `slot` reads its kernels and bias where `place` says (see the top of this
 * file); `groups` are the segment's quadrants. False with "<register>: <what>, the fit gave
 * <what>" in err. MAX78000 only (another chip is refused). */
bool syn_reg_table_check_place(const syn_chip *chip, const uint32_t *table, uint16_t layers, uint16_t slot, uint8_t groups,
                           const reg_place *place, cnn_error *err);

/* Rewrites slot `slot`'s MCNT, ONED, POST and LCTRL0 for kernels and bias moved from `from` to
 * `to` (a table that passed syn_reg_table_check_place for `from`). */
bool syn_reg_table_move(const syn_chip *chip, uint32_t *table, uint16_t layers, uint16_t slot, uint8_t groups,
                    const reg_place *from, const reg_place *to, cnn_error *err);

#endif
