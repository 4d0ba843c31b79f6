/* Facts about the CNN accelerator chips (../shared/docs/MAX78000.md section 1), kept in this
 * one C place; hello reports them and the fit rules and cycle model read them. The TypeScript
 * twin is host/model's chip specs; a cross-language test keeps the two equal. */
#ifndef SYNERGY_CHIP_H
#define SYNERGY_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *name;          /* "max78000", "max78002": as in hello and --chip */
    uint32_t cnn_clock_hz;     /* default CNN clock */
    uint32_t weight_mem;       /* kernel memory, bytes */
    uint32_t bias_mem;         /* bias memory, bytes */
    uint32_t data_mem;         /* data memory, bytes */
    uint16_t max_layers;       /* hardware layers */
    uint16_t processors;       /* CNN processors (4 quadrants x 16) */
    /* The rest: MAX78000.md section 1 and FIT-RULES.md section 0 (the synthesis tool's
     * constants). host/model/chips.ts holds the same table; test/unit/chips.test.ts compares
     * the two field by field through the accel tool's `chips` subcommand. */
    uint8_t quadrants;                 /* 4 */
    uint8_t processors_per_quadrant;   /* 16 */
    uint8_t processors_per_instance;   /* processors sharing one data-memory instance (P_SHARED) */
    uint8_t data_instances;            /* data-memory instances */
    uint16_t max_start_layer;          /* --start-layer maximum (0: option refused) */
    uint16_t max_channels;             /* per layer in and out (MAX_CHANNELS; izer, not README) */
    uint16_t max_passes;               /* in_expand / out_expand maximum */
    uint16_t max_row_col;              /* a row or column count above this is refused */
    uint16_t kernel_words;             /* 72-bit kernel words per processor */
    uint16_t kernel_words_large;       /* ... for processors 0, 16, 32, 48 */
    uint8_t kernel_word_bytes;         /* 9 (72 bits) */
    uint8_t kernel_start_align;        /* a layer's start column is a multiple of this */
    uint16_t bias_per_quadrant;        /* bias bytes per quadrant (BIAS_SIZE) */
    uint32_t instance_bytes;           /* one data-memory instance */
    uint32_t hwc_pixels;               /* HWC pixels per channel in one pass */
    uint32_t chw_pixels;               /* CHW pixels per channel (first layer only) */
    uint32_t pingpong_offset;          /* customary ping-pong offset: half an instance */
    uint32_t out_offset_limit;         /* out_offset must be below this */
    uint32_t frame_limit;              /* H * W * in_expand must be below this */
    uint8_t max_streaming_layers;      /* README; at the start of the network */
    uint32_t max_pool_passes;          /* passes allowed for pooling in a passthrough layer */
    uint16_t max_dilation_1d;          /* conv1d dilation limit */
    uint16_t flatten_max_pixels;       /* pooled H * W of a flatten layer */
    bool depthwise;                    /* depthwise conv, binary weights, next_sequence, calcx4 */
    bool flatten_bias_first;           /* bias allocator places flatten layers first */
    uint16_t kernel_instance_words;    /* one kernel-memory instance in the first kernel_words columns */
    uint16_t kernel_instance_words_large; /* ... in the extra columns of processors 0, 16, 32, 48 */
    bool depthwise_kernel_in_one_instance; /* depthwise kernels stay inside one instance */
    bool eltwise_multipass_limit;      /* multi-pass eltwise may not pool/convolve unless 2 x 2 */
    bool padded_conv1d_multipass;      /* padded Conv1d with more than one input pass */
    bool avg_pool_reset_layer;         /* avg pool right after a multi-operand layer: hidden layer */
    bool eltwise_conv_bias;            /* conv with bias may share a layer with eltwise */
    /* Cycle model (MAX78000.md section 3). */
    bool cycles_calibrated;            /* the estimator is Analog Devices' for this chip */
    bool cycles_preread_term;          /* pool-after-eltwise pre-read term (kernel start) */
    bool cycles_passthrough_pool_extra_passes;  /* passthrough pooling with out_expand > 1: m -> 2m - 1 */
    /* CPU side of the modelled time (PROTOCOL.md 9): the emulated board spends these per byte,
     * and the planner's cost model reads the same numbers from chips.ts. Estimates for the MSDK's
     * way of moving data, at the board's Cortex-M4 clock, to be calibrated on a board:
     *  - load: an infer's inputs from a tensor slot (CHW int8) into CNN data memory, which is HWC,
     *    4 channels per 32-bit word: per word 4 byte loads from 4 channel planes (~8 cycles), 3
     *    shift-and-or merges (3), one store over the AHB to CNN memory with its wait state (~2),
     *    loop and pointers (~2-3): ~16 cycles per 4 bytes, 4 cycles per byte;
     *  - unload: the reverse, per word one load from CNN memory with wait states (~4), 3
     *    extracts (3), 4 byte stores into the planes (~4), loop (~2-3): ~14 cycles per 4 bytes,
     *    3.5 cycles per byte;
     *  - sense: the camera (PCIF) and microphone (I2S) deliver by DMA; the CPU converts each
     *    sample to int8 (subtract the 128 offset, or shift a 24-bit sample down) in place: about
     *    2 cycles per byte.
     * MAX78000FTHR: 100 MHz, so 40, 35, 20 ns per byte. MAX78002 (EV kit): 120 MHz, the same
     * cycle counts: 33, 29, 17 ns per byte. */
    uint32_t cpu_clock_hz;
    uint16_t cpu_load_ns_per_byte;
    uint16_t cpu_unload_ns_per_byte;
    uint16_t cpu_sense_ns_per_byte;
} syn_chip;

/* NULL if the name is not a known chip. */
const syn_chip *syn_chip_find(const char *name);
/* The known chips, for listing them in an error message or a test. */
const syn_chip *syn_chip_at(size_t index);   /* NULL past the end */

#endif
