/* The software accelerator of the emulated board: accel.h computed bit for bit in C (the layer
 * arithmetic is sim_layer.c). Host-only: firmware.mk builds accel/sim/ into the emulator and the
 * tests, never into the Cortex-M4 library, whose accelerator is the silicon.
 *
 * Memory (all static, sized here):
 *  - the arena, ACCEL_SIM_ARENA_BYTES = 2 x MAX78002 data memory (2 x 1,280 KiB = 2.5 MiB):
 *    a run's tensors (segment inputs, every layer output while something still reads it, the
 *    segment outputs) and each layer's HWC working copy. The hardware streams a layer's input
 *    and output through the same data memory, overlapping them; the simulator keeps them
 *    apart, so it needs more than the chip has: UNet at 88x88 plans a 1,734,656 B peak (a
 *    64-channel input, its working copy and a 64-channel output of 495,616 B each, plus the
 *    skip tensors still alive); the other shared models stay below 530,000 B. Offsets are
 *    planned at load (liveness, first fit); a segment that does not fit is refused then.
 *  - one output channel's unpacked weights, SIM_MAX_WEIGHTS_PER_OUTPUT = 32 KiB;
 *  - ACCEL_MAX_RESIDENT plans of about 1.4 KiB (tensor descriptors and offsets).
 * Weights and biases are not copied: they are read in place from the loaded segment.
 *
 * The exact memo (off unless the port calls accel_sim_memo_use; synergy-emu --memo-mib N): the
 * host's CPU is not the chip, so an emulated board that recomputes a segment it has already
 * computed on the same bytes spends host time the modelled chip would not (the board's
 * timeline charges the modelled cycles either way). With the memo on, a run without a layer
 * callback looks up (resident slot, the load's generation number, SHA-256 of every input's
 * bytes); a hit copies the outputs stored by the computed run into the buffers accel_output
 * returns, byte for byte what computing would leave there. A miss computes and stores. Each
 * load gets a new generation, so an unload and reload never meets an old entry; unload drops
 * the slot's entries and accel_open drops all. Runs with a layer callback always compute. The
 * memory is the port's, handed over once; entries leave oldest first when it is full. */
#ifndef SYNERGY_ACCEL_SIM_H
#define SYNERGY_ACCEL_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel.h"

#ifndef ACCEL_SIM_ARENA_BYTES
#define ACCEL_SIM_ARENA_BYTES (2u * 1310720u)
#endif
#define ACCEL_SIM_MAX_LAYERS 128u     /* MAX78002's hardware layers; MAX78000 has 32 */

/* Arena bytes a resident segment's run uses (its planned peak); 0 if the slot is empty. */
uint32_t accel_sim_peak_bytes(const accel_ctx *ctx, uint8_t slot);

/* Counters of the exact memo since accel_sim_memo_use. */
typedef struct {
    uint64_t hits, misses;    /* lookups of callback-free runs */
    uint64_t stored;          /* computed runs stored */
    uint64_t evicted;         /* entries dropped to make room */
    uint64_t too_large;       /* computed runs whose outputs exceed the byte ring (not stored) */
    uint64_t bytes_held;      /* output bytes of the entries held now */
    uint64_t entries;         /* entries held now */
    uint64_t budget;          /* bytes handed over */
    uint64_t data_capacity;   /* of which the byte ring for outputs (the rest: headers, table) */
} accel_sim_memo_stats;

/* The smallest byte ring the memo accepts (below it accel_sim_memo_use refuses). */
#define ACCEL_SIM_MEMO_MIN_DATA 1024u

/* Turns the exact memo on over `bytes` of the caller's memory at `mem` (it must stay valid while
 * the memo is on), or off with mem NULL or bytes 0. Drops every entry and zeroes the counters.
 * False (and off) if the region cannot hold the headers and ACCEL_SIM_MEMO_MIN_DATA bytes. */
bool accel_sim_memo_use(void *mem, size_t bytes);
void accel_sim_memo_stats_get(accel_sim_memo_stats *out);

#endif
