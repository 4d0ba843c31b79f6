/* The cycle-level latency model: Analog Devices' estimator for the CNN accelerator, as
 * restated in MAX78000.md section 3. The TypeScript twin is host/model/cycles.ts; a
 * cross-language test demands identical cycles for every layer of every zoo model on both chips.
 *
 * The estimator is published for MAX78000; for MAX78002 the same formula runs at that chip's
 * clock, an assumption until calibrated on a board (chip->cycles_calibrated says which). */
#ifndef SYNERGY_ACCEL_CYCLES_H
#define SYNERGY_ACCEL_CYCLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip.h"
#include "layer.h"

/* The estimator's inputs for one layer, after the mapping notes of section 3 are applied. */
typedef struct {
    int64_t m;            /* multipass: ceil(C_in / 64), C_in of one operand (2m - 1 in one case) */
    int64_t e;            /* element-wise operands, 1 if none */
    int64_t ph, pw;       /* pool size */
    int64_t hp, wp;       /* pooled input (doubled for a transposed conv) */
    int64_t kr, kc;       /* kernel rows, columns */
    int64_t pr, pc;       /* padding rows, columns */
    int64_t wo;           /* output columns */
    int64_t co;           /* hardware output channels (out_expand x span; passthrough: C_out) */
    int64_t t;            /* passthrough timeslots */
    bool passthrough;
    bool pool_first;
    bool flatten;         /* the F term; false for linear layers, which are mapped to 1x1 */
    bool streaming;
    int64_t preread;      /* MAX78000 pool-after-eltwise pre-read cycles (0 when not applicable) */
} accel_cycle_inputs;

/* Maps a layer to the estimator's inputs. kernel_start is the layer's start column in kernel
 * memory (it only matters for the MAX78000 pre-read term and comes from kernel allocation,
 * which is the fit rules' business; pass 0 when unknown). */
accel_cycle_inputs syn_accel_cycle_inputs_of(const accel_layer *l, const syn_chip *chip, uint32_t kernel_start);

/* Cycles of one layer from the estimator's inputs (pre-read and streaming factor included). */
uint64_t syn_accel_cycles_from(const accel_cycle_inputs *in);

/* Cycles of one layer. */
uint64_t syn_accel_layer_cycles(const accel_layer *l, const syn_chip *chip, uint32_t kernel_start);

/* Network cycles: 1 + the sum of the layers' cycles. kernel_starts may be NULL (all 0). */
uint64_t syn_accel_network_cycles(const accel_layer *layers, size_t n, const syn_chip *chip, const uint32_t *kernel_starts);

#endif
