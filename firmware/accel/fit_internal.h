/* Shared by fit.c (the rules), fit_kernel.c and fit_bias.c; not part of the interface. */
#ifndef SYNERGY_ACCEL_FIT_INTERNAL_H
#define SYNERGY_ACCEL_FIT_INTERNAL_H

#include "fit.h"

/* Rule constants of the synthesis tool, the same on every chip (host/model/fit-chip.ts FIT). */
#define FIT_MAX_PAD_EXCLUSIVE 3
#define FIT_POOL_LAST_OPERANDS 2
#define FIT_MAX_DILATION_1D_KERNEL 3

/* A refusal is built in two steps: SYN_FIT_REFUSE (or syn_fit_begin, when it has no numbers)
 * names the limit and the layer (NULL: network wide, with `segment` or -1) and its numbers as
 * { key, value } pairs; syn_fit_msg writes the tool-like message ("Layer N: " first when
 * `prefixed` and a layer is named) and returns false, so rules end with `return syn_fit_msg(...)`.
 * syn_fit_num adds a number computed later. */
typedef struct {
    const char *key;
    int64_t value;
} fit_figure;
void syn_fit_begin(fit_result *out, fit_limit limit, const fit_layer_info *at, int segment);
void syn_fit_num(fit_result *out, const char *key, int64_t value);
void syn_fit_refusal(fit_result *out, fit_limit limit, const fit_layer_info *at, int segment, const fit_figure *figures,
                     size_t n);
#define SYN_FIT_REFUSE(out, limit, at, segment, ...)                                                  \
    syn_fit_refusal((out), (limit), (at), (segment), (const fit_figure[]){ __VA_ARGS__ },             \
                    sizeof((const fit_figure[]){ __VA_ARGS__ }) / sizeof(fit_figure))
bool syn_fit_msg(fit_result *out, bool prefixed, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Bit helpers on 64-bit processor masks. */
int syn_fit_ffs(uint64_t m);          /* lowest set bit, -1 for 0 */
int syn_fit_fls(uint64_t m);          /* highest set bit, -1 for 0 */
int syn_fit_popcount(uint64_t m);
unsigned syn_fit_quadrant_bits(uint64_t m, unsigned g);
/* "%016x" of a 64-bit mask into buf[17] (no 64-bit printf needed on the board). */
const char *syn_fit_hex16(char buf[17], uint64_t m);
/* Kernel words of processor p. */
uint32_t syn_fit_kernel_columns(const syn_chip *chip, unsigned p);
/* Quadrants used by the segment whose first layer is li[start] (bit g = quadrant g). */
unsigned syn_fit_groups_used(const fit_ctx *ctx, unsigned start);

/* Kernel allocation (fit_kernel.c): fills per_layer kernel_start/length and columns[]. */
bool syn_fit_allocate_kernels(fit_ctx *ctx, fit_result *out);
/* Bias allocation (fit_bias.c): fills per_layer bias_quadrant/offset and bias_per_quadrant[]. */
bool syn_fit_allocate_bias(fit_ctx *ctx, fit_result *out);

#endif
