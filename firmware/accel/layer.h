/* One hardware layer of a CNN on the MAX78000/MAX78002 accelerator: the C twin of
 * host/model/layer.ts. The fit rules, the cycle model and the bit-exact simulator all read this
 * struct; the board fills it from a segment description it was sent (see PROTOCOL.md). */
#ifndef SYNERGY_ACCEL_LAYER_H
#define SYNERGY_ACCEL_LAYER_H

#include <stdbool.h>
#include <stdint.h>

#include "syn_config.h"

typedef enum { OP_CONV1D = 0, OP_CONV2D = 1, OP_CONVTRANSPOSE2D = 2, OP_LINEAR = 3, OP_PASSTHROUGH = 4 } accel_op;
typedef enum { ELT_NONE = 0, ELT_ADD = 1, ELT_SUB = 2, ELT_OR = 3, ELT_XOR = 4 } accel_eltwise;
typedef enum { ACT_NONE = 0, ACT_RELU = 1, ACT_ABS = 2 } accel_activation;
typedef enum { POOL_NONE = 0, POOL_MAX = 1, POOL_AVG = 2 } accel_pool;
typedef enum { FMT_HWC = 0, FMT_CHW = 1 } accel_format;

typedef struct { uint16_t c, h, w; } accel_shape;   /* 1-D data is [C, L, 1] */

typedef struct {
    uint16_t index;                   /* position in the unsplit model */
    char name[SYN_NAME_MAX];
    accel_op op;
    accel_eltwise eltwise;
    uint8_t operands;                 /* 1 when no element-wise operation */
    bool pool_first;
    uint8_t kernel[2];                /* [kh, kw]; conv1d [k, 1] */
    uint8_t pad[2];
    uint8_t stride[2];
    uint8_t dilation[2];
    uint8_t output_pad;               /* transposed conv: 1 */
    uint16_t groups;
    bool depthwise;
    accel_activation activation;
    accel_pool pool_type;
    uint8_t pool_size[2];
    uint8_t pool_stride[2];
    bool flatten;
    uint8_t output_width;             /* 8 or 32 */
    uint8_t n_sources;
    int16_t sources[SYN_MAX_SOURCES]; /* -1 = network (segment) input */
    accel_shape input_shape;          /* concatenated */
    accel_shape operand_shape;
    accel_shape pooled_shape;
    accel_shape output_shape;
    uint8_t weight_bits;              /* 0 = no weights (passthrough), else 1/2/4/8 */
    bool bias_present;
    int8_t output_shift;              /* checkpoint shift; hardware applies + 8 - weight_bits */
    bool streaming;
    /* hw layout */
    uint64_t processors;
    uint64_t output_processors;
    uint32_t in_offset;
    uint32_t out_offset;
    accel_format data_format;
    uint8_t write_gap;
} accel_layer;

#endif
