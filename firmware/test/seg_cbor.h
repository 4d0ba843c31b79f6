/* The pieces of a segment description (PROTOCOL.md 7) as CBOR, for the tests' encoders of both
 * formats (zoo_segment.c, seg2_golden.c). */
#ifndef SYNERGY_TEST_SEG_CBOR_H
#define SYNERGY_TEST_SEG_CBOR_H

#include "cbor.h"
#include "layer.h"
#include "segment_decode.h"

void seg_write_pair(cbor_writer *w, const uint8_t p[2]);
void seg_write_shape(cbor_writer *w, accel_shape s);
/* {0: source, 1: shape, 2: width} */
void seg_write_tensor(cbor_writer *w, const accel_tensor *t);
/* A layer map's head for keys 0..33 plus `extra` more entries, and keys 0..33 (the caller
 * writes the extra ones: 34 weights, 35 bias in format 1). */
void seg_write_layer(cbor_writer *w, const accel_layer *l, unsigned extra);

#endif
