/* One layer of the CNN accelerator in software, bit for bit (MAX78000.md section 2 and the
 * golden `rules`): the checks a layer must pass before it can be computed safely, and the
 * computation itself. Written from the documentation, independently of the TypeScript
 * reference executor (host/model/exec.ts); a differential test holds the two equal.
 *
 * Data layout inside the simulator: a layer's sources arrive CHW (the interface order); the
 * "prepared" input (concatenated, pooled, element-wise combined) is built HWC, channels
 * innermost, as the accelerator's data memory holds it, so a kernel tap reads its channels
 * contiguously; the output is written CHW. */
#ifndef SYNERGY_ACCEL_SIM_LAYER_H
#define SYNERGY_ACCEL_SIM_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel.h"
#include "syn_config.h"

/* SYN_SIM_MAX_WEIGHTS_PER_OUTPUT (syn_config.h): the weights of one output channel the simulator
 * unpacks at a time (in/groups x kh x kw, or the features of a flattening linear layer). */

/* The shape and width of one source as the layer will receive it. */
typedef struct {
    accel_shape shape;
    uint8_t width;
} sim_source_info;

/* Checks everything the computation relies on: enums, source shapes and widths, operand split,
 * pooling and operation shapes, weights and bias sizes, chip support (depthwise). On failure
 * writes "<field>: <reason>" into msg and returns ACCEL_ERR_SEGMENT, or ACCEL_ERR_UNSUPPORTED
 * when the layer is sound but this chip or the simulator's buffers cannot take it. */
accel_status syn_sim_layer_check(const syn_chip *chip, const accel_layer *l, const accel_params *p,
                             const sim_source_info *sources, char *msg, size_t cap);

/* Bytes of the HWC working copy a layer needs (pooled_shape, int8). */
uint32_t syn_sim_layer_work_bytes(const accel_layer *l);

/* Bytes of a layer's output (int8, or 4 per value for 32-bit output). */
uint32_t syn_sim_layer_output_bytes(const accel_layer *l);

/* Computes a checked layer: sources[k] are CHW int8 tensors in l->sources order with
 * source_channels[k] channels each, `work` holds syn_sim_layer_work_bytes, `out`
 * syn_sim_layer_output_bytes. */
void syn_sim_layer_compute(const accel_layer *l, const accel_params *p, const int8_t *const *sources,
                       const uint16_t *source_channels, int8_t *work, void *out);

/* floor(0.5 + acc * 2^s / 128) clamped to int8, s = shift_total, by the hardware's shift form. */
int32_t syn_sim_requantize(int64_t acc, int shift_total);

#endif
