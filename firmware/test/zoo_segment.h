/* Segment descriptions (PROTOCOL.md section 7) built in C from the zoo's layer tables
 * (models/<name>.json, run from the repo root), so the board's tests load real layer shapes and
 * hardware layouts: the boundary rule gives the inputs and outputs, weights and biases are drawn
 * from a seeded generator within each layer's bit range, and every layer's output shift is -1 (0 for passthrough).
 * The result decodes with syn_accel_segment_decode (the tests check that too). */
#ifndef SYNERGY_TEST_ZOO_SEGMENT_H
#define SYNERGY_TEST_ZOO_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "layer.h"

/* Encodes layers [first, first + count) of the zoo model into out; returns the bytes, or 0 with
 * the reason in why. */
size_t zoo_segment(const char *model, unsigned first, unsigned count, uint32_t seed, uint8_t *out, size_t cap,
                   char *why, size_t why_cap);

/* When set, called on every layer of the segment before it is encoded (to make bad ones). */
extern void (*zoo_segment_tweak)(accel_layer *layer);

/* Layers in the zoo model, or 0 if it cannot be read. */
unsigned zoo_layer_count(const char *model);

#endif
