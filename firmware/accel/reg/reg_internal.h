/* Inside the register model (reg_model.h): its state, a layer decoded from the registers, and
 * the decoder and executor that reg_model.c drives at a start. */
#ifndef SYNERGY_ACCEL_REG_INTERNAL_H
#define SYNERGY_ACCEL_REG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip.h"
#include "cnn_driver.h"
#include "cycles.h"
#include "layer.h"
#include "syn_config.h"

#define REG_QUADRANTS 4u
#define REG_PROCESSORS 64u
#define REG_INSTANCES 16u
/* The model's memories are sized by SYN_REG_MAX_* in syn_config.h (a MAX78002; the QEMU board
 * gives a MAX78000's). */
#define REG_KERNEL_WORD_BYTES 9u

/* CTRL bits (REGISTERS.md). */
#define REG_CTRL_EN (1u << 0)
#define REG_CTRL_CLK_EN (1u << 3)
#define REG_CTRL_EXT_SYNC (1u << 11)
#define REG_CTRL_IRQ (1u << 12)
#define REG_CTRL_MEXPRESS (1u << 20)

/* The packed kernel loader of one processor: the column the address counter points at and the
 * bytes of a 72-bit word gathered so far (a word is written when its 9th byte arrives). */
typedef struct {
    bool set;
    uint32_t column;
    uint8_t have;
    uint8_t bytes[REG_KERNEL_WORD_BYTES];
} reg_stream;

/* The direct kernel loader (CTRL.mexpress = 0): words 0..2 of a column's 16 bytes are latched,
 * word 3 writes the 72-bit word. */
typedef struct {
    uint32_t column;
    uint32_t words[3];
    uint8_t have;    /* bit w: word w latched for `column` */
} reg_direct;

typedef struct {
    const syn_chip *chip;
    uint32_t instance_words;
    uint32_t aon;
    uint32_t control[REG_QUADRANTS][3];                      /* CTRL, SRAM, LCNT_MAX */
    uint32_t layer[REG_QUADRANTS][SYN_REG_MAX_LAYERS][CNN_LR_COUNT];
    uint8_t bias[REG_QUADRANTS][SYN_REG_MAX_BIAS];
    /* Byte b of a 72-bit word is the b-th byte the packed loader streams into it (bits 71..64
     * first): the tool's kernel_data[b]. */
    uint8_t kernel[REG_PROCESSORS][SYN_REG_MAX_KERNEL_WORDS][REG_KERNEL_WORD_BYTES];
    /* Byte 4 * w + lane of an instance is bits 8 * lane .. 8 * lane + 7 of its word w. */
    uint8_t data[REG_INSTANCES][SYN_REG_MAX_INSTANCE_WORDS * 4u];
    reg_stream stream[REG_PROCESSORS];
    reg_direct direct[REG_PROCESSORS];
    bool ran;
    uint64_t cycles;                                          /* of the last run */
    uint16_t layers_run;
    uint64_t layer_cycles[SYN_REG_MAX_LAYERS];
} reg_state;

extern reg_state syn_reg_the;

/* One layer as the registers describe it: what the hardware reads, computes and writes. */
typedef struct {
    uint16_t index;
    bool passthrough;
    /* input */
    uint64_t processors;
    uint8_t np;
    uint8_t proc[REG_PROCESSORS];    /* the enabled processors, ascending */
    bool chw;                        /* LCTRL0.parallel: one byte per pixel ("big data") */
    uint32_t rptr;                   /* RPTR_BASE: word in each processor's instance */
    uint16_t passes;                 /* J: words per pixel and operand (input passes, or flattened pixels) */
    uint8_t operands;                /* E */
    accel_eltwise eltwise;
    bool prepool;                    /* ONED.prepool: pool each operand, then combine */
    uint16_t rows, cols;             /* pixels read from memory */
    uint16_t hw_rows, hw_cols;       /* as the row/column counters see them (deconv: stretched) */
    bool pool_en, pool_max;
    uint8_t pool_r, pool_c, stride;
    uint16_t pooled_r, pooled_c;     /* (deconv: the stretched input) */
    /* operation */
    bool conv1d, deconv;
    uint8_t kr, kc, ks;              /* kernel rows, columns, taps */
    uint8_t pad_r, pad_c;
    uint16_t out_r, out_c;
    uint8_t bits;                    /* weight bits */
    int shift;                       /* POST's shift: the total (the tool folds 8 - bits into it) */
    accel_activation act;
    bool wide;                       /* LCTRL0.bigdwrt: raw 32-bit accumulators */
    uint32_t slots;                  /* output channels computed (kernel slots / passes) */
    uint16_t span;                   /* output processors per pass from the first one's instance */
    uint32_t kstart;                 /* first kernel byte (the loader's fill order) on every processor */
    bool bias_en;
    uint8_t bias_q;
    uint16_t bias_off;
    /* output placement (17-bit word addresses: instance << 13 | word on MAX78000) */
    uint32_t wbase[REG_QUADRANTS];   /* conv: [0] only; passthrough: per quadrant */
    uint32_t wmoff, wtoff, wchoff, winc;
    /* cycle model */
    accel_cycle_inputs cyc;
    uint64_t cycles;
} reg_layer;

/* Decodes layer `index` of the program the running quadrants (bit q of `running`, master
 * `master`) hold. False with err filled (CNN_ERR_PROGRAM or CNN_ERR_UNSUPPORTED) if the model
 * cannot compute it exactly. */
bool syn_reg_decode_layer(unsigned index, unsigned master, unsigned running, reg_layer *out, cnn_error *err);

/* Computes a decoded layer: reads data memory, writes its outputs into data memory. */
void syn_reg_exec_layer(const reg_layer *l);

/* Working-buffer limits the decoder checks a layer against (reg_exec.c). */
#define REG_WORK_BYTES (REG_INSTANCES * SYN_REG_MAX_INSTANCE_WORDS * 4u)
#define REG_WEIGHTS_PER_SLOT 32768u

#endif
