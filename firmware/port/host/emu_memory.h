/* The emulated board's big memory regions, per chip and engine (board_memory in board.h): the
 * segment store's, the fit rules' working storage, and the tensor arena (hello's tensor_mem).
 *
 *                 staging     pool        program pool   header_max   tensor arena   layers
 *   layer engine (format 1)
 *     max78000    512 KiB     512 KiB     -              -            2 MiB          1152
 *     max78002    2.5 MiB     2.5 MiB     -              -            2 MiB          1152
 *   register engine (format 2; max78000 only)
 *     max78000    -           -           256 KiB        64 KiB       2 MiB          1152
 *
 * Why these sizes:
 *  - staging and pool (format 1): a segment that fits a chip holds at most the chip's kernel
 *    memory in weights (442,368 B; 2,396,160 B) plus its description (~250 B per layer, at most
 *    32 / 128 layers) and biases; a resident set likewise, as the fit rules admit only unions that
 *    fit the kernel memory together. The zoo's largest fitting segments encode to 415,846 B
 *    (efficientnetv2_cifar100_max78000 layers 21-28 on a MAX78000) and 1,359,837 B (all of
 *    mobilenetv2_075_cifar100 on a MAX78002).
 *  - program pool and header_max (format 2): the weights go straight into the accelerator; a
 *    header holds layer descriptions (~250 B each) and 8 B per register write (at most ~14 per
 *    layer and quadrant), so a whole MAX78000 (32 layers) is under 30 KB; a resident program keeps
 *    272 B of registers per layer plus its init, start and layouts. Generous here: a host is not
 *    a small board (the MAX78000FTHR's sizes are in its port).
 *  - tensor arena: the host double-buffers (the next frame's inputs go in while the CNN works
 *    on the last, the last outputs are read while the next are written), so the arena holds a
 *    segment's inputs and outputs twice. The zoo's worst fitting segment on either chip is UNet
 *    layer 1 alone: a 64x88x88 input and a 64x88x88 output, 495,616 B each; twice both is
 *    1,982,464 B, within 2 MiB. (The layer engine's own working arena is separate: sim.h.)
 *  - layers: a full resident set (at most 128 layers, the fit rules' limit) plus a segment of
 *    the most layers a description may have (1,024), so the decoder never runs out of room and
 *    the fit rules' layer limit is what refuses too many layers. */
#ifndef SYNERGY_EMU_MEMORY_H
#define SYNERGY_EMU_MEMORY_H

#include <stdbool.h>

#include "board.h"

#define EMU_LAYERS (SYN_MAX_LAYERS + 1024u)

/* Fills mem with this chip's regions for the engine; false for a chip the table does not know. */
bool syn_emu_memory_for(const syn_chip *chip, const accel_engine *engine, board_memory *mem);

#endif
