/* Decoder for a segment description (proto/PROTOCOL.md section 7): a contiguous layer range of
 * a model plus its weights, in the protocol's CBOR subset. The TypeScript twin (encoder and
 * decoder) is host/model/segment-codec.ts; both make the same checks.
 *
 * No copies and no allocation: the caller gives storage for the layers and their parameters,
 * and every weight or bias pointer points into the caller's blob, which must outlive them.
 * Every length, count and range is checked before use, and the shapes must chain (each layer's
 * input is the concatenation of its sources, pooling and the operation give the stated shapes),
 * so code that runs a decoded segment can size its buffers from the shapes alone. */
#ifndef SYNERGY_ACCEL_SEGMENT_DECODE_H
#define SYNERGY_ACCEL_SEGMENT_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layer.h"
#include "reg/reg_layout.h"
#include "syn_config.h"

#define ACCEL_SEG_FORMAT 1

/* A tensor entering or leaving a segment, named by its source id as in accel_layer.sources:
 * -1 is the network input, k the output of layer k of the unsplit model. */
typedef struct {
    int16_t source;
    accel_shape shape;
    uint8_t width;                   /* 8: int8 values; 32: raw accumulators (4 bytes LE) */
} accel_tensor;

/* A layer's parameters, pointing into the blob. */
typedef struct {
    const uint8_t *weights;          /* packed LSB-first, weight_bits each; NULL if none */
    uint32_t weights_len;            /* bytes */
    uint32_t weight_count;           /* weights (syn_accel_weight_count) */
    const int8_t *bias;              /* hardware int8 bias per output channel; NULL if none */
    uint32_t bias_len;
} accel_params;

typedef struct {
    char model[SYN_NAME_MAX];
    uint16_t first;                  /* index of the first layer in the unsplit model */
    uint16_t count;                  /* layers decoded into the caller's array */
    uint8_t n_inputs;
    uint8_t n_outputs;
    accel_tensor inputs[SYN_MAX_CUT_TENSORS];   /* ascending source ids */
    accel_tensor outputs[SYN_MAX_CUT_TENSORS];  /* an id also among inputs is relayed */
    accel_layer *layers;             /* the caller's storage, count entries filled */
    accel_params *params;            /* likewise, one per layer */
} accel_segment;

/* Decodes buf[0..len) into seg, using layers[] and params[] (capacity entries each) for the
 * layers. On failure returns false and writes a message naming the layer and the field
 * ("layer 3 (conv4).pool_size: [3, 3] is larger than the input 2x2") into err (err_cap
 * bytes, NUL-terminated; SYN_ACCEL_ERR_MAX is always enough). */
bool syn_accel_segment_decode(const uint8_t *buf, size_t len, accel_layer *layers, accel_params *params,
                          size_t capacity, accel_segment *seg, char *err, size_t err_cap);

/* Format 2 (PROTOCOL.md 7.1): a register segment starts with ACCEL_SEG2_PREFIX bytes, the magic
 * "SYR2" and the header's length (uint32, little-endian), then the header, then the records. */
#define ACCEL_SEG2_MAGIC "SYR2"
#define ACCEL_SEG2_PREFIX 8u
#define ACCEL_SEG2_RECORD_HEAD 8u    /* a record's address and count (uint32 LE each) */

/* What a format 2 header holds besides the segment description: its chip, the register writes
 * packed as in the header (8 bytes each: address, value; read them with
 * syn_accel_segment2_write_addr/_value; pointers into the header), the tensor layouts and the
 * record counts. */
typedef struct {
    char chip[SYN_NAME_MAX];
    const uint8_t *init, *configure, *start;
    uint32_t n_init, n_configure, n_start;
    reg_layout input_layouts[SYN_MAX_CUT_TENSORS];
    reg_layout output_layouts[SYN_MAX_CUT_TENSORS];
    uint8_t n_input_layouts, n_output_layouts;
    uint32_t kernel_records, bias_records;
} accel_segment2;

/* Decodes a format 2 header (the CBOR map after the prefix) into seg (layers without weights:
 * seg->params is NULL) and h. The section 7 checks of the layers (without weights and bias), then
 * the layouts: each input layout names a segment input some layer reads, each output layout an
 * output a layer produces (ascending, with the tensor's shape and width), and every such output
 * has one. Register values and chip limits are the caller's to check. */
bool syn_accel_segment2_decode(const uint8_t *header, size_t len, accel_layer *layers, size_t capacity, accel_segment *seg,
                           accel_segment2 *h, char *err, size_t err_cap);
uint32_t syn_accel_segment2_write_addr(const uint8_t *packed, uint32_t i);
uint32_t syn_accel_segment2_write_value(const uint8_t *packed, uint32_t i);

/* Weights a layer has, from its shapes: out x in/groups x kernel (linear: out x features);
 * 0 for passthrough. Saturates at UINT32_MAX (such a layer is refused by the decoder). */
uint32_t syn_accel_weight_count(const accel_layer *l);

/* Weight i of a layer (0 <= i < weight_count), sign-extended from weight_bits. */
int8_t syn_accel_weight_at(const accel_params *p, uint8_t weight_bits, uint32_t i);

/* The tensor with source id `source` among the segment's inputs, or NULL. */
const accel_tensor *syn_accel_segment_input(const accel_segment *seg, int source);

#endif
