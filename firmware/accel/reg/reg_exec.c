/* The register model's executor: one decoded layer (reg_decode.c) computed on data memory with
 * the arithmetic of arith.h. The layer's input is first gathered (element-wise combined and
 * pooled) into a working copy, pixel-major with channels innermost, so that a kernel tap reads
 * its channels contiguously; then each output channel's weights are unpacked from kernel memory
 * once and swept over the output pixels; results go straight to data memory. Reading every
 * input before the first write is what the hardware's streaming gives a program whose output
 * does not overlap its input (the tool refuses programs where it does). */
#include <string.h>

#include "arith.h"
#include "reg_internal.h"

#define WRITE_PTR_SHIFT 13u     /* MAX78000: a 17-bit write pointer is instance << 13 | word */

static int8_t work[REG_WORK_BYTES];
static int8_t weights[REG_WEIGHTS_PER_SLOT];

/* ---- reading the input ---------------------------------------------------------------------- */

typedef struct {
    const uint8_t *mem;     /* the processor's instance */
    unsigned lane;
    uint32_t rptr;
    uint32_t pass_words;    /* J x E: words per pixel */
    uint32_t first;         /* this pass's first word offset (j x E) */
    uint16_t cols;
    bool chw;
} source;

/* Operand op of pixel (r, c). */
static inline int element(const source *s, unsigned r, unsigned c, unsigned op)
{
    uint32_t pix = (uint32_t)r * s->cols + c;
    if (s->chw)
        return (int8_t)s->mem[s->rptr * 4u + pix];
    return (int8_t)s->mem[(s->rptr + pix * s->pass_words + s->first + op) * 4u + s->lane];
}

/* Max or truncated average over a window of one operand (a 1x1 window: the element). */
static int pooled(const reg_layer *l, const source *s, unsigned r0, unsigned c0, unsigned op)
{
    if (!l->pool_en)
        return element(s, r0, c0, op);
    int best = -128, sum = 0;
    for (unsigned a = 0; a < l->pool_r; a++) {
        for (unsigned b = 0; b < l->pool_c; b++) {
            int v = element(s, r0 + a, c0 + b, op);
            sum += v;
            if (v > best)
                best = v;
        }
    }
    return l->pool_max ? best : accel_average(sum, l->pool_r * l->pool_c);
}

/* Element-wise first (each window element clamped), then pooled. */
static int combined_then_pooled(const reg_layer *l, const source *s, unsigned r0, unsigned c0)
{
    unsigned rows = l->pool_en ? l->pool_r : 1, cols = l->pool_en ? l->pool_c : 1;
    int best = -128, sum = 0;
    for (unsigned a = 0; a < rows; a++) {
        for (unsigned b = 0; b < cols; b++) {
            int v = element(s, r0 + a, c0 + b, 0);
            for (unsigned op = 1; op < l->operands; op++)
                v = accel_combine(l->eltwise, v, element(s, r0 + a, c0 + b, op));
            v = accel_clamp8(v);
            sum += v;
            if (v > best)
                best = v;
        }
    }
    return l->pool_en && !l->pool_max ? accel_average(sum, (int)(rows * cols)) : best;
}

static void gather(const reg_layer *l)
{
    const unsigned np = l->np, nch = np * l->passes;
    const unsigned out_r = l->deconv ? l->rows : l->pooled_r, out_c = l->deconv ? l->cols : l->pooled_c;
    const unsigned step = l->deconv ? 1u : l->stride;
    const bool plain = !l->pool_en && step == 1 && l->operands == 1;
    for (unsigned k = 0; k < np; k++) {
        unsigned p = l->proc[k];
        source s = { syn_reg_the.data[p / 4u], p % 4u, l->rptr, (uint32_t)l->passes * l->operands, 0, l->cols, l->chw };
        for (unsigned j = 0; j < l->passes; j++) {
            s.first = j * l->operands;
            int8_t *dst = work + (size_t)j * np + k;
            if (plain && !l->chw) {
                const uint8_t *src = s.mem + ((size_t)s.rptr + s.first) * 4u + s.lane;
                size_t npix = (size_t)out_r * out_c, stride = (size_t)s.pass_words * 4u;
                for (size_t q = 0; q < npix; q++)
                    dst[q * nch] = (int8_t)src[q * stride];
                continue;
            }
            for (unsigned py = 0; py < out_r; py++) {
                for (unsigned px = 0; px < out_c; px++) {
                    unsigned r0 = py * step, c0 = px * step;
                    int v;
                    if (l->operands == 1) {
                        v = pooled(l, &s, r0, c0, 0);
                    } else if (l->prepool) {
                        v = pooled(l, &s, r0, c0, 0);
                        for (unsigned op = 1; op < l->operands; op++)
                            v = accel_combine(l->eltwise, v, pooled(l, &s, r0, c0, op));
                        v = accel_clamp8(v);
                    } else {
                        v = combined_then_pooled(l, &s, r0, c0);
                    }
                    dst[((size_t)py * out_c + px) * nch] = (int8_t)v;
                }
            }
        }
    }
}

/* ---- weights ------------------------------------------------------------------------------------ */

/* Output slot o's weights into weights[tap * nch + j * np + k]. Slot s = o x J + j of a processor
 * holds its ks taps; 8 / bits consecutive slots share each byte (slot s in bits
 * (s mod (8 / bits)) x bits up), and the bytes run in the loader's fill order: stream byte n is
 * byte 8 - n mod 9 of column n / 9, a slot's last tap first. */
static void unpack(const reg_layer *l, uint32_t o)
{
    const unsigned np = l->np, nch = np * l->passes, ks = l->ks, bits = l->bits, per_byte = 8u / bits;
    const unsigned sign = 1u << (bits - 1u);
    const unsigned mask = (1u << bits) - 1u;
    for (unsigned k = 0; k < np; k++) {
        const uint8_t (*km)[REG_KERNEL_WORD_BYTES] = syn_reg_the.kernel[l->proc[k]];
        for (unsigned j = 0; j < l->passes; j++) {
            uint32_t s = o * l->passes + j;
            uint32_t b0 = l->kstart + s / per_byte * ks + ks - 1u;
            unsigned shift = s % per_byte * bits;
            int8_t *dst = weights + j * np + k;
            for (unsigned t = 0; t < ks; t++) {
                uint32_t b = b0 - t;
                unsigned byte = km[b / REG_KERNEL_WORD_BYTES][REG_KERNEL_WORD_BYTES - 1u - b % REG_KERNEL_WORD_BYTES];
                int v;
                if (bits == 8) {
                    v = (int8_t)byte;
                } else {
                    unsigned f = (byte >> shift) & mask;
                    v = f & sign ? (int)f - (int)(1u << bits) : (int)f;
                }
                dst[(size_t)t * nch] = (int8_t)v;
            }
        }
    }
}

/* ---- writing ------------------------------------------------------------------------------------ */

static inline void put8(uint32_t word_address, unsigned lane, int8_t v)
{
    syn_reg_the.data[word_address >> WRITE_PTR_SHIFT][(word_address & ((1u << WRITE_PTR_SHIFT) - 1u)) * 4u + lane] = (uint8_t)v;
}

static inline void put32(uint32_t word_address, uint32_t v)
{
    uint8_t *b = &syn_reg_the.data[word_address >> WRITE_PTR_SHIFT][(word_address & ((1u << WRITE_PTR_SHIFT) - 1u)) * 4u];
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}

static void passthrough(const reg_layer *l)
{
    const unsigned np = l->np, nch = np * l->passes;
    const size_t npix = (size_t)l->pooled_r * l->pooled_c;
    unsigned in_quadrant[REG_QUADRANTS] = { 0 };
    for (unsigned k = 0; k < np; k++) {
        unsigned q = l->proc[k] / 16u, kq = in_quadrant[q]++;
        uint32_t base = l->wbase[q] + (kq / 4u) * l->wtoff;
        for (size_t pix = 0; pix < npix; pix++)
            for (unsigned j = 0; j < l->passes; j++)
                put8(base + (uint32_t)((pix * l->passes + j) * (l->winc + 1u)), kq % 4u, work[pix * nch + j * np + k]);
    }
}

static void convolve(const reg_layer *l)
{
    const long nch = (long)l->np * l->passes;
    const long h = l->deconv ? l->rows : l->pooled_r, w = l->deconv ? l->cols : l->pooled_c;
    const long ho = l->out_r, wo = l->out_c, kr = l->kr, kc = l->kc, pr = l->pad_r, pc = l->pad_c;
    const uint32_t pix_step = (l->winc + 1u) * (l->wide ? 4u : 1u);
    const uint8_t *bias = syn_reg_the.bias[l->bias_q];
    for (uint32_t o = 0; o < l->slots; o++) {
        unpack(l, o);
        uint32_t e = o / l->span, pos = o % l->span;
        uint32_t base = l->wbase[0] + (pos / 4u) * l->wmoff + e * l->wchoff + (l->wide ? pos % 4u : 0u);
        unsigned lane = pos % 4u;
        const uint32_t at = l->bias_off + o;   /* past the memory only for unused slots (reg_decode.c) */
        const int64_t start = l->bias_en && at < syn_reg_the.chip->bias_per_quadrant ? (int64_t)(int8_t)bias[at] * 128 : 0;
        for (long y = 0; y < ho; y++) {
            for (long x = 0; x < wo; x++) {
                int64_t acc = start;
                for (long a = 0; a < kr; a++) {
                    long iy, ix;
                    if (!accel_conv_tap(y + a - pr, l->deconv, h, &iy))
                        continue;
                    for (long b = 0; b < kc; b++) {
                        if (!accel_conv_tap(x + b - pc, l->deconv, w, &ix))
                            continue;
                        const int8_t *px = work + (iy * w + ix) * nch;
                        const int8_t *pk = weights + (a * kc + b) * nch;
                        int32_t dot = 0;   /* nch <= 16,384 products of |v| <= 2^14: fits */
                        for (long c = 0; c < nch; c++)
                            dot += pk[c] * px[c];
                        acc += dot;
                    }
                }
                uint32_t at = base + (uint32_t)(y * wo + x) * pix_step;
                if (l->wide)
                    put32(at, (uint32_t)acc);   /* the raw accumulator, modulo 2^32 */
                else
                    put8(at, lane, accel_output8(acc, l->shift, l->act));
            }
        }
    }
}

void syn_reg_exec_layer(const reg_layer *l)
{
    gather(l);
    if (l->passthrough)
        passthrough(l);
    else
        convolve(l);
}
