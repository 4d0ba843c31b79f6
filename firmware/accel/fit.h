/* Fit: does a set of segments (layer ranges) fit one MAX78000/MAX78002, and with what
 * resources? The verdict is the one Analog Devices' synthesis tool gives, as FIT-RULES.md
 * restates it; the board checks every load with it. The TypeScript twin is host/model/fit.ts,
 * and test/unit/fit-cross.test.ts demands identical verdicts, limit names, messages and numbers
 * over every contiguous layer range of every zoo model on both chips.
 *
 * The segments are read as one network, their union in the given order: the layer limit counts
 * all their layers; kernel and bias memory are allocated segment by segment in load order, each
 * segment by the tool's rule in what the earlier ones left (a later segment never moves an
 * earlier one); the data-memory size checks are per layer. Each segment is still its own
 * program (its first layer gets the first-layer rules, it must use quadrant 0, its biases go to
 * its own quadrants). The tool's order of evaluation decides which limit is reported. Not
 * modelled: weight de-duplication, all-zero bias vectors (a present bias counts), and the
 * word-exact data-overwrite simulation of FIT-RULES.md 6.3 (the size checks of 6.2 are done).
 *
 * No allocation: the caller provides a fit_ctx (large: keep it static) and a fit_result. */
#ifndef SYNERGY_ACCEL_FIT_H
#define SYNERGY_ACCEL_FIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip.h"
#include "layer.h"
#include "syn_config.h"

/* The union's layers (SYN_MAX_LAYERS) and the occupancy map's kernel columns per processor
 * (SYN_MAX_COLUMNS) are sized in syn_config.h. A union with more layers is refused by the layer
 * limit before any of these fill up. */
#define FIT_PROCESSORS 64
#define FIT_QUADRANTS 4
#define FIT_MAX_NUMBERS 6
/* Column runs of one processor's footprint: at most one per output step (16 passes x 64, plus
 * 2), and, as columns past the map are not kept, at most one per two columns of the map. */
#define FIT_MAX_RUNS_STEPS 1026
#define FIT_MAX_RUNS_MAP (SYN_MAX_COLUMNS / 2 + 3)
#define FIT_MAX_RUNS (FIT_MAX_RUNS_STEPS < FIT_MAX_RUNS_MAP ? FIT_MAX_RUNS_STEPS : FIT_MAX_RUNS_MAP)

typedef enum {
    FIT_LIMIT_NONE = 0,
    FIT_LIMIT_LAYERS,
    FIT_LIMIT_KERNEL_SIZE,
    FIT_LIMIT_STRIDE,
    FIT_LIMIT_DILATION,
    FIT_LIMIT_POOLING,
    FIT_LIMIT_PADDING,
    FIT_LIMIT_FLATTEN,
    FIT_LIMIT_STREAMING,
    FIT_LIMIT_DATA_FORMAT,
    FIT_LIMIT_DIMENSIONS,
    FIT_LIMIT_ACTIVATION,
    FIT_LIMIT_OUTPUT_WIDTH,
    FIT_LIMIT_OUTPUT_SHIFT,
    FIT_LIMIT_PROCESSORS,
    FIT_LIMIT_FRAME_SIZE,
    FIT_LIMIT_DATA_MEMORY_INPUT,
    FIT_LIMIT_DATA_MEMORY_OUTPUT,
    FIT_LIMIT_ELTWISE,
    FIT_LIMIT_DEPTHWISE,
    FIT_LIMIT_CHANNELS,
    FIT_LIMIT_QUADRANT_0,
    FIT_LIMIT_KERNEL_MEMORY,
    FIT_LIMIT_BIAS_MEMORY,
    FIT_LIMIT_INVALID,           /* malformed input the IR cannot hold (the decoder should have refused it) */
    FIT_LIMIT_COUNT
} fit_limit;

/* The stable name ("kernel_memory", ...), as host/model/fit-types.ts FIT_LIMITS. */
const char *syn_fit_limit_name(fit_limit limit);

/* A segment: count layers of one model, contiguous, layers[i].index ascending by one. */
typedef struct {
    const accel_layer *layers;
    uint16_t count;
} fit_segment;

/* Where one layer of the union landed. */
typedef struct {
    uint16_t segment;
    uint16_t model_layer;
    uint32_t kernel_start;       /* first kernel column (same on every input processor); 0 without weights */
    uint32_t kernel_length;      /* columns reserved per input processor (the tool's "Kernel length") */
    int8_t bias_quadrant;        /* -1 none, 0..3, 4 = depthwise copy in every quadrant */
    uint16_t bias_offset;
    uint16_t bias_length;        /* bias bytes from bias_offset (a regular layer's; 0 otherwise) */
    uint8_t in_expand, out_expand;
    uint32_t input_bytes;        /* data-memory bytes per instance, all operands and passes */
    uint32_t output_bytes;
} fit_layer_result;

typedef struct {
    bool ok;
    /* Refusal: the first limit broken, the union layer (-1 if network-wide), its segment and
     * model layer (-1 if none), the tool-like message and its numbers. */
    fit_limit limit;
    int16_t layer;
    int16_t segment;
    int16_t model_layer;
    char message[SYN_FIT_MESSAGE_MAX];
    uint8_t n_numbers;
    const char *number_keys[FIT_MAX_NUMBERS];
    int64_t number_values[FIT_MAX_NUMBERS];
    /* Resources (when ok). */
    uint16_t layers;
    uint16_t hardware_layers;    /* with the tool's hidden layers (MAX78002 avg-pool resets) */
    uint32_t columns[FIT_PROCESSORS];   /* kernel columns marked per processor */
    uint32_t max_columns;
    uint8_t busiest_processor;
    uint32_t kernel_words;
    uint32_t kernel_bytes;
    uint16_t bias_per_quadrant[FIT_QUADRANTS];
    uint32_t bias_bytes;
    uint32_t instance_bytes;
    uint32_t max_input_end;
    uint32_t max_output_end;
    uint32_t weight_bytes;       /* the tool's statistic: elements x bits / 8 per layer */
    fit_layer_result per_layer[SYN_MAX_LAYERS];
} fit_result;

/* One layer of the union with what the rules derive from it. */
typedef struct {
    const accel_layer *l;
    uint16_t u, r, seg_start, segment;
    bool passthrough, weighted;
    uint16_t cin, cout;
    uint16_t in_dim[2], pooled[2], out_dim[2];
    uint8_t in_expand, in_thresh, out_expand, out_thresh;
    uint8_t bits, q;
    uint16_t groups;
    uint16_t ksize;              /* hardware kernel bytes at 8 bits (3x3 = 9) */
    uint32_t out_pad;            /* dilated Conv1d on 3x3 hardware */
} fit_layer_info;

/* A regular layer's bias waiting for its quadrant (the bias allocator's sort). */
typedef struct {
    uint16_t u;
    uint16_t blen;
    uint8_t allowed;             /* quadrant bits of its segment */
    int32_t key;
} fit_bias_entry;

#define FIT_MAP_WORDS ((SYN_MAX_COLUMNS + 31) / 32)

/* Working storage (about 62 KB with 5120 columns and 128 layers, 13 KB with 768 and 32). */
typedef struct {
    const syn_chip *chip;
    fit_layer_info li[SYN_MAX_LAYERS];
    uint16_t n;
    uint16_t hidden;
    uint32_t kmap[FIT_PROCESSORS][FIT_MAP_WORDS];
    int32_t runs[2][2 * FIT_MAX_RUNS];
    uint16_t n_runs[2];
    int32_t run_end[2];
    uint16_t order[SYN_MAX_LAYERS];
    fit_bias_entry regular[SYN_MAX_LAYERS];
    uint16_t fill[FIT_QUADRANTS];
    uint16_t valid_end[FIT_QUADRANTS];
} fit_ctx;

/* Fits the segments on the chip. Returns out->ok; on false, out holds the refusal. */
bool syn_fit_run(fit_ctx *ctx, const syn_chip *chip, const fit_segment *segments, size_t n_segments, fit_result *out);

/* After syn_fit_run succeeded on ctx and out: the kernel columns layer u of the union holds on
 * processor p, as ascending [start, end) pairs of columns in *runs (valid until the next call
 * or syn_fit_run); returns the pair count, 0 where the layer holds none. */
uint16_t syn_fit_layer_columns(fit_ctx *ctx, fit_result *out, uint16_t u, unsigned p, const int32_t **runs);

/* The fit's occupancy map (FIT_PROCESSORS rows of FIT_MAP_WORDS words, bit c of a row: column c
 * marked). Between syn_fit_run calls it is free for a caller's use: the segment store keeps one
 * segment's columns in it while that segment's kernels stream in. */
static inline uint32_t *fit_map_rows(fit_ctx *ctx)
{
    return &ctx->kmap[0][0];
}

#endif
