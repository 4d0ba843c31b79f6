/* Tensor layouts in CNN data memory: where each value of a CHW tensor (int8, or int32 for a layer
 * with 32-bit output) lies, from a layout descriptor and the chip, as Analog Devices' tool
 * places it. The TypeScript generator (host/synth/) implements the same rules; a cross-test
 * demands identical words. docs/registers.md ("Tensor layouts") states them once more.
 *
 * Passes and processors (the tool's in_expand/out_expand and their thresholds): m = ceil(C / 64)
 * passes; per pass t = C channels if C <= 64, else ceil(C / m) rounded up to a multiple of 4
 * (at most 64); `processors` must have exactly t bits. Channel c goes to pass c / t and to the
 * (c mod t)-th set processor p, which owns byte lane p mod 4 of data-memory instance p / 4
 * (quadrant p / 16).
 *
 * HWC (every tensor a layer writes, and a network input in HWC): pixel x = h * W + w of pass e is
 * word offset / 4 + (x * m + e) * (write_gap + 1) of the instance, channel in lane p mod 4
 * (izer load.py load_input, unload.py verify). A 32-bit tensor gives each value its own word:
 * word offset / 4 + 4 * (x * m + e) * (write_gap + 1) + p mod 4.
 * CHW ("big data", a network input only, m = 1, one processor per instance): channel c's pixels
 * are consecutive bytes from byte `offset` of its instance, 4 per word, pixel x in lane x mod 4.
 *
 * Words (what placing writes): the network input (source -1) is written as the tool's loader
 * writes it, whole words, zero in lanes no channel uses (every pass of every instance that has a
 * processor; CHW: ceil(H * W / 4) words per channel, zero-padded). Any other tensor is written as
 * its producing layer writes it: only the lanes of its own channels (a read-modify-write of the
 * word), 32-bit values as whole words. Gathering reads exactly the lanes placing writes. */
#ifndef SYNERGY_ACCEL_REG_LAYOUT_H
#define SYNERGY_ACCEL_REG_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip.h"
#include "layer.h"
#include "syn_config.h"

typedef struct {
    int16_t source;          /* -1 the network input, j the output of model layer j */
    accel_shape shape;       /* C, H, W */
    uint8_t width;           /* 8, or 32 */
    accel_format format;     /* FMT_HWC, or FMT_CHW (network input only) */
    uint64_t processors;
    uint32_t offset;         /* byte offset in every instance */
    uint8_t write_gap;       /* words skipped after each written word (producers only) */
} reg_layout;


/* Checks a descriptor against the chip: widths, formats, processor count, data memory bounds.
 * False with "<field>: <reason>" in msg. */
bool syn_reg_layout_check(const reg_layout *t, const syn_chip *chip, char *msg, size_t cap);

/* Bytes of the CHW tensor: C * H * W * width / 8. */
uint32_t syn_reg_layout_bytes(const reg_layout *t);

/* One word of a placed tensor: address, value, and which byte lanes of it belong to the tensor
 * (bit i: lane i; 0xF: the whole word). Return false to stop. */
typedef bool (*reg_word_fn)(void *user, uint32_t addr, uint32_t value, uint8_t lanes);
/* Reads one data-memory word. Return false to stop. */
typedef bool (*reg_read_fn)(void *user, uint32_t addr, uint32_t *value);

/* Places a checked layout's tensor (chw: int8_t or int32_t values, CHW order) word by word:
 * instance by instance (ascending), then pass, then pixel. False if emit stopped it. */
bool syn_reg_layout_place(const reg_layout *t, const syn_chip *chip, const void *chw, reg_word_fn emit, void *user);

/* Gathers a checked layout's tensor back into chw (C * H * W values of its width). */
bool syn_reg_layout_gather(const reg_layout *t, const syn_chip *chip, reg_read_fn read, void *user, void *chw);

#endif
