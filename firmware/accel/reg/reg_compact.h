/* Compaction of the kernel and bias memories when a resident segment is unloaded (PROTOCOL.md
 * 7.1, the segment store's unload): the later segments' kernels and biases move, through the CNN
 * driver, to where the fit rules place the remaining segments in load order, and the memory no
 * layer holds any more is zeroed, so what is resident sits exactly where a fresh load of the same
 * segments would put it and nothing of the unloaded one is left.
 *
 * Kernels move column by column (72-bit words, read and written in the direct 4-word form with
 * the packed loader turned off in the quadrant meanwhile): each moved layer's columns shift by
 * its own distance on each of its processors, in the order that never overwrites a column still
 * to be read (chains end in a free column; a cycle goes through one column kept aside), so no
 * buffer of kernel memory is needed. Biases go through a copy of the bias memories. */
#ifndef SYNERGY_ACCEL_REG_COMPACT_H
#define SYNERGY_ACCEL_REG_COMPACT_H

#include <stdbool.h>
#include <stdint.h>

#include "chip.h"
#include "cnn_driver.h"
#include "fit.h"
#include "reg_table.h"

/* Moves the union's layers first_moved .. out->layers - 1 from where `from` says (from[U -
 * first_moved]) to where out (syn_fit_run just returned it on ctx) puts them, then zeroes every kernel
 * column out's occupancy map leaves free and every bias byte past each quadrant's fill. With out
 * NULL nothing is resident: everything is zeroed. Layers before first_moved must not move. */
bool syn_reg_compact(const syn_chip *chip, fit_ctx *ctx, fit_result *out, uint16_t first_moved, const reg_place *from,
                 cnn_error *err);

#endif
