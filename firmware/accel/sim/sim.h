/* The layer engine (syn_accel_engine_layer): accel.h computed bit for bit in C from layer
 * descriptions (the layer arithmetic is sim_layer.c). Host-only: firmware.mk builds accel/sim/ into the emulator and the
 * tests, never into the Cortex-M4 library, whose accelerator is the silicon.
 *
 * Memory (all static, sized here):
 *  - the arena, SYN_SIM_ARENA_BYTES = 2 x MAX78002 data memory (2 x 1,280 KiB = 2.5 MiB):
 *    a run's tensors (segment inputs, every layer output while something still reads it, the
 *    segment outputs) and each layer's HWC working copy. The hardware streams a layer's input
 *    and output through the same data memory, overlapping them; the simulator keeps them
 *    apart, so it needs more than the chip has: UNet at 88x88 plans a 1,734,656 B peak (a
 *    64-channel input, its working copy and a 64-channel output of 495,616 B each, plus the
 *    skip tensors still alive); the other shared models stay below 530,000 B. Offsets are
 *    planned at load (liveness, first fit); a segment that does not fit is refused then.
 *  - one output channel's unpacked weights, SYN_SIM_MAX_WEIGHTS_PER_OUTPUT = 32 KiB;
 *  - SYN_MAX_RESIDENT plans of about 1.4 KiB (tensor descriptors and offsets).
 * Weights and biases are not copied: they are read in place from the loaded segment.
 *
 * With the exact memo on (accel_memo.h), a run whose inputs this load has seen replays its outputs. */
#ifndef SYNERGY_ACCEL_SIM_H
#define SYNERGY_ACCEL_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel.h"
#include "syn_config.h"


/* Arena bytes a resident segment's run uses (its planned peak); 0 if the slot is empty or the
 * context is not the layer engine's. */
uint32_t syn_accel_sim_peak_bytes(const accel_ctx *ctx, uint8_t slot);

#endif
