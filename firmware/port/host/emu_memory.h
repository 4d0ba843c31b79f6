/* The emulated board's big memory regions, per chip (board_memory in board.h): the staging area
 * and the resident pool of the segment store, the layer store, the fit rules' working storage,
 * and the tensor arena (hello's tensor_mem).
 *
 *                 staging     pool        tensor arena   layers
 *   max78000      512 KiB     512 KiB     2 MiB          1152
 *   max78002      2.5 MiB     2.5 MiB     2 MiB          1152
 *
 * Why these sizes:
 *  - staging and pool: a segment that fits a chip holds at most the chip's kernel memory in
 *    weights (442,368 B; 2,396,160 B) plus its description (~250 B per layer, at most 32 / 128
 *    layers) and biases; a resident set likewise, as the fit rules admit only unions that fit
 *    the kernel memory together. The zoo's largest fitting segments encode to 415,846 B
 *    (efficientnetv2_cifar100_max78000 layers 21-28 on a MAX78000) and 1,359,837 B (all of
 *    mobilenetv2_075_cifar100 on a MAX78002).
 *  - tensor arena: the host double-buffers (the next frame's inputs go in while the CNN works
 *    on the last, the last outputs are read while the next are written), so the arena holds a
 *    segment's inputs and outputs twice. The zoo's worst fitting segment on either chip is UNet
 *    layer 1 alone: a 64x88x88 input and a 64x88x88 output, 495,616 B each; twice both is
 *    1,982,464 B, within 2 MiB. (The simulator's own working arena is separate: sim.h.)
 *  - layers: a full resident set (at most 128 layers, the fit rules' limit) plus a segment of
 *    the most layers a description may have (1,024), so the decoder never runs out of room and
 *    the fit rules' layer limit is what refuses too many layers.
 *
 * A real MAX78000FTHR (128 KiB SRAM) cannot hold a staged segment or a resident pool: its port
 * would decode a segment as it streams in, writing weights straight into kernel memory and
 * keeping only the layer descriptions (~200 B each) and the SHA-256 state; "resident" would be
 * the kernel memory itself, and its tensor arena a few tens of KiB of SRAM (hello tells the
 * host the size). */
#ifndef SYNERGY_EMU_MEMORY_H
#define SYNERGY_EMU_MEMORY_H

#include <stdbool.h>

#include "board.h"

#define EMU_LAYERS (FIT_MAX_LAYERS + 1024u)

/* Fills mem with this chip's regions; false for a chip the table does not know. */
bool emu_memory_for(const syn_chip *chip, board_memory *mem);

#endif
