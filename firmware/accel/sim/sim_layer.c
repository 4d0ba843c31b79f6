/* One accelerator layer in software; see sim_layer.h. The order of the arithmetic is
 * MAX78000.md section 2: element-wise (full precision, clamped), pooling (max, or average
 * truncated toward zero), exact accumulation with bias*128, shift-form rounding and clamp,
 * activation; a 32-bit output layer keeps the raw accumulator. */
#include "sim_layer.h"

#include <string.h>

#include "arith.h"
#include "text.h"

#define LIMIT_ELEMENTS 0x3FFFFFFFu   /* any tensor beyond this is refused before sizes overflow */

int32_t syn_sim_requantize(int64_t acc, int shift_total)
{
    return accel_requantize(acc, shift_total);
}

/* ---- checks --------------------------------------------------------------------------------- */

static accel_status say(char *msg, size_t cap, const char *text)
{
    syn_format(msg, cap, "%s", text);
    return ACCEL_ERR_SEGMENT;
}

static uint64_t elems(accel_shape s)
{
    return (uint64_t)s.c * s.h * s.w;
}

static bool same(accel_shape a, uint64_t c, uint64_t h, uint64_t w)
{
    return a.c == c && a.h == h && a.w == w;
}

/* The accumulated size of weights the operation needs; 0 for passthrough. */
static uint64_t weights_needed(const accel_layer *l)
{
    uint64_t cin = l->pooled_shape.c, cout = l->output_shape.c;
    switch (l->op) {
    case OP_LINEAR:
        return l->flatten ? cout * elems(l->pooled_shape) : cout * (cin / l->groups);
    case OP_CONV1D:
    case OP_CONV2D:
    case OP_CONVTRANSPOSE2D:
        return cout * (cin / l->groups) * l->kernel[0] * l->kernel[1];
    default:
        return 0;
    }
}

accel_status syn_sim_layer_check(const syn_chip *chip, const accel_layer *l, const accel_params *p,
                             const sim_source_info *sources, char *msg, size_t cap)
{
    if (l->op > OP_PASSTHROUGH)
        return say(msg, cap, "op: unknown operation");
    if (l->eltwise > ELT_XOR || l->activation > ACT_ABS || l->pool_type > POOL_AVG)
        return say(msg, cap, "eltwise/activation/pool_type: unknown value");
    if (l->output_width != 8 && l->output_width != 32)
        return say(msg, cap, "output_width: must be 8 or 32");
    if (l->n_sources < 1 || l->n_sources > SYN_MAX_SOURCES)
        return say(msg, cap, "sources: 1..8 input sources needed");
    if (elems(l->input_shape) == 0 || elems(l->pooled_shape) == 0 || elems(l->output_shape) == 0
        || elems(l->input_shape) > LIMIT_ELEMENTS || elems(l->output_shape) > LIMIT_ELEMENTS)
        return say(msg, cap, "shapes: a dimension is 0 or a tensor is too large");

    /* Concatenation: same rows and columns, channels add up, int8 only. */
    uint64_t channels = 0;
    for (unsigned k = 0; k < l->n_sources; k++) {
        if (sources[k].width != 8) {
            syn_format(msg, cap, "sources[%u]: source %u holds 32-bit accumulators; only int8 tensors feed a layer",
                       k, (unsigned)(uint16_t)l->sources[k]);
            return ACCEL_ERR_SEGMENT;
        }
        if (sources[k].shape.h != l->input_shape.h || sources[k].shape.w != l->input_shape.w) {
            syn_format(msg, cap, "sources[%u]: %ux%u does not match the input's %ux%u", k,
                       sources[k].shape.h, sources[k].shape.w, l->input_shape.h, l->input_shape.w);
            return ACCEL_ERR_SEGMENT;
        }
        channels += sources[k].shape.c;
    }
    if (channels != l->input_shape.c) {
        syn_format(msg, cap, "input_shape: sources give %lu channels, not %u", (unsigned long)channels, l->input_shape.c);
        return ACCEL_ERR_SEGMENT;
    }

    /* Operands. */
    if (l->operands < 1 || l->operands > 16)
        return say(msg, cap, "operands: must be 1..16");
    if ((l->operands > 1) != (l->eltwise != ELT_NONE))
        return say(msg, cap, "operands: an element-wise operation needs 2..16 operands, and only it");
    if (l->input_shape.c % l->operands != 0
        || !same(l->operand_shape, l->input_shape.c / l->operands, l->input_shape.h, l->input_shape.w))
        return say(msg, cap, "operand_shape: the input does not split into that many operands of this shape");

    /* Pooling: out = (n - size) / stride + 1, no padding. */
    unsigned ph = l->pool_size[0], pw = l->pool_size[1], sh = l->pool_stride[0], sw = l->pool_stride[1];
    if (ph < 1 || pw < 1 || sh < 1 || sw < 1 || ph > l->operand_shape.h || pw > l->operand_shape.w)
        return say(msg, cap, "pool_size: window or stride is 0, or the window is larger than the input");
    if (l->pool_type == POOL_NONE && (ph != 1 || pw != 1))
        return say(msg, cap, "pool_size: a window larger than 1x1 needs a pool type");
    if (!same(l->pooled_shape, l->operand_shape.c, (l->operand_shape.h - ph) / sh + 1, (l->operand_shape.w - pw) / sw + 1))
        return say(msg, cap, "pooled_shape: does not follow from the operand shape and the pooling");

    /* The operation. */
    unsigned cin = l->pooled_shape.c, cout = l->output_shape.c;
    int64_t hp = l->pooled_shape.h, wp = l->pooled_shape.w;
    if (l->stride[0] != 1 || l->stride[1] != 1)
        return say(msg, cap, "stride: the accelerator convolves with stride 1 only (pooling strides)");
    if (l->groups < 1 || cin % l->groups != 0 || cout % l->groups != 0)
        return say(msg, cap, "groups: must divide the input and output channels");
    if ((l->groups > 1 || l->depthwise) && !chip->depthwise) {
        say(msg, cap, "groups: depthwise/grouped convolution is not available on this chip");
        return ACCEL_ERR_UNSUPPORTED;
    }
    int64_t ho = 0, wo = 0;
    unsigned kh = l->kernel[0], kw = l->kernel[1];
    switch (l->op) {
    case OP_CONV1D:
    case OP_CONV2D:
        if (kh < 1 || kw < 1 || l->dilation[0] < 1 || l->dilation[1] < 1)
            return say(msg, cap, "kernel: kernel and dilation must be at least 1");
        ho = hp + 2 * l->pad[0] - (int64_t)l->dilation[0] * (kh - 1);
        wo = wp + 2 * l->pad[1] - (int64_t)l->dilation[1] * (kw - 1);
        break;
    case OP_CONVTRANSPOSE2D:
        if (kh < 1 || kw < 1 || l->dilation[0] != 1 || l->dilation[1] != 1)
            return say(msg, cap, "kernel: transposed convolution needs a kernel of at least 1 and no dilation");
        /* Zeros between pixels (2n - 1), padded by k-1-pad before and k-1-pad+output_pad after. */
        ho = 2 * hp + kh - 2 - 2 * l->pad[0] + l->output_pad;
        wo = 2 * wp + kw - 2 - 2 * l->pad[1] + l->output_pad;
        break;
    case OP_LINEAR:
        if (l->flatten && l->groups != 1)
            return say(msg, cap, "groups: a flattening linear layer has none");
        ho = l->flatten ? 1 : hp;
        wo = l->flatten ? 1 : wp;
        break;
    case OP_PASSTHROUGH:
        if (cout != cin)
            return say(msg, cap, "output_shape: a passthrough keeps its channels");
        if (l->output_width != 8)
            return say(msg, cap, "output_width: a passthrough layer outputs int8");
        ho = hp;
        wo = wp;
        break;
    }
    if (ho < 1 || wo < 1 || !same(l->output_shape, cout, (uint64_t)ho, (uint64_t)wo)) {
        syn_format(msg, cap, "output_shape: %ux%ux%u does not follow from the pooled input and the operation",
                   l->output_shape.c, l->output_shape.h, l->output_shape.w);
        return ACCEL_ERR_SEGMENT;
    }

    /* Parameters. */
    if (l->op == OP_PASSTHROUGH) {
        if (p->weights || p->bias)
            return say(msg, cap, "weights: a passthrough layer has no parameters");
        return ACCEL_OK;
    }
    if (l->weight_bits != 1 && l->weight_bits != 2 && l->weight_bits != 4 && l->weight_bits != 8)
        return say(msg, cap, "weight_bits: must be 1, 2, 4 or 8");
    uint64_t need = weights_needed(l);
    uint64_t per_output = need / cout;
    if (per_output > SYN_SIM_MAX_WEIGHTS_PER_OUTPUT) {
        syn_format(msg, cap, "weights: %lu weights per output channel exceed the simulator's %u",
                   (unsigned long)per_output, SYN_SIM_MAX_WEIGHTS_PER_OUTPUT);
        return ACCEL_ERR_UNSUPPORTED;
    }
    if (!p->weights || p->weight_count != need || (uint64_t)p->weights_len * 8 < need * l->weight_bits) {
        syn_format(msg, cap, "weights: %lu weights of %u bits needed, %lu given in %lu bytes", (unsigned long)need,
                   l->weight_bits, (unsigned long)p->weight_count, (unsigned long)p->weights_len);
        return ACCEL_ERR_SEGMENT;
    }
    if (l->bias_present != (p->bias != NULL) || (p->bias && p->bias_len != cout)) {
        syn_format(msg, cap, "bias: %s, %lu values given for %u output channels", l->bias_present ? "present" : "absent",
                   (unsigned long)p->bias_len, cout);
        return ACCEL_ERR_SEGMENT;
    }
    return ACCEL_OK;
}

uint32_t syn_sim_layer_work_bytes(const accel_layer *l)
{
    return (uint32_t)elems(l->pooled_shape);
}

uint32_t syn_sim_layer_output_bytes(const accel_layer *l)
{
    return (uint32_t)elems(l->output_shape) * (l->output_width == 32 ? 4u : 1u);
}

/* ---- stage 1: concatenate, pool, combine into the HWC working copy ------------------------- */

/* Channel `ch` of the concatenated input: a CHW plane of one source. */
static const int8_t *plane_of(const int8_t *const *sources, const uint16_t *source_channels, unsigned n,
                              unsigned ch, size_t plane)
{
    for (unsigned k = 0; k < n; k++) {
        if (ch < source_channels[k])
            return sources[k] + (size_t)ch * plane;
        ch -= source_channels[k];
    }
    return NULL;   /* unreachable for a checked layer */
}

/* The pooled value at (py, px) of one plane. */
static int pool_at(const accel_layer *l, const int8_t *plane, unsigned w, unsigned py, unsigned px)
{
    const int8_t *top = plane + (size_t)py * l->pool_stride[0] * w + (size_t)px * l->pool_stride[1];
    if (l->pool_type == POOL_NONE)
        return top[0];
    int best = -128, sum = 0;
    for (unsigned a = 0; a < l->pool_size[0]; a++) {
        for (unsigned b = 0; b < l->pool_size[1]; b++) {
            int e = top[(size_t)a * w + b];
            sum += e;
            if (e > best)
                best = e;
        }
    }
    if (l->pool_type == POOL_MAX)
        return best;
    return accel_average(sum, (int)(l->pool_size[0] * l->pool_size[1]));
}

/* Element-wise first, then pooling: each window element is the clamped combination. */
static int combined_pool_at(const accel_layer *l, const int8_t *const *planes, unsigned w, unsigned py, unsigned px)
{
    size_t top = (size_t)py * l->pool_stride[0] * w + (size_t)px * l->pool_stride[1];
    unsigned rows = l->pool_type == POOL_NONE ? 1 : l->pool_size[0];
    unsigned cols = l->pool_type == POOL_NONE ? 1 : l->pool_size[1];
    int best = -128, sum = 0;
    for (unsigned a = 0; a < rows; a++) {
        for (unsigned b = 0; b < cols; b++) {
            size_t at = top + (size_t)a * w + b;
            int v = planes[0][at];
            for (unsigned k = 1; k < l->operands; k++)
                v = accel_combine(l->eltwise, v, planes[k][at]);
            v = accel_clamp8(v);
            sum += v;
            if (v > best)
                best = v;
        }
    }
    return l->pool_type == POOL_AVG ? accel_average(sum, (int)(rows * cols)) : best;
}

static void prepare(const accel_layer *l, const int8_t *const *sources, const uint16_t *source_channels, int8_t *work)
{
    unsigned c = l->operand_shape.c, w = l->operand_shape.w;
    unsigned hp = l->pooled_shape.h, wp = l->pooled_shape.w;
    size_t plane = (size_t)l->operand_shape.h * w;
    const int8_t *planes[16];
    for (unsigned j = 0; j < c; j++) {
        for (unsigned k = 0; k < l->operands; k++)
            planes[k] = plane_of(sources, source_channels, l->n_sources, k * c + j, plane);
        for (unsigned py = 0; py < hp; py++) {
            for (unsigned px = 0; px < wp; px++) {
                int v;
                if (l->operands == 1) {
                    v = pool_at(l, planes[0], w, py, px);
                } else if (l->pool_first) {
                    v = pool_at(l, planes[0], w, py, px);
                    for (unsigned k = 1; k < l->operands; k++)
                        v = accel_combine(l->eltwise, v, pool_at(l, planes[k], w, py, px));
                    v = accel_clamp8(v);
                } else {
                    v = combined_pool_at(l, planes, w, py, px);
                }
                work[((size_t)py * wp + px) * c + j] = (int8_t)v;
            }
        }
    }
}

/* ---- stage 2: the operation ---------------------------------------------------------------- */

static int8_t kernel_scratch[SYN_SIM_MAX_WEIGHTS_PER_OUTPUT];

static void store(const accel_layer *l, void *out, size_t at, int64_t acc)
{
    if (l->output_width == 32) {
        uint32_t word = (uint32_t)acc;   /* the 32-bit output word: acc modulo 2^32 */
        memcpy((uint8_t *)out + at * 4, &word, 4);
        return;
    }
    ((int8_t *)out)[at] = accel_output8(acc, l->output_shift + 8 - l->weight_bits, l->activation);
}

/* Convolution (also conv1d as [C, L, 1], transposed, and linear as 1x1) over the HWC input;
 * one output channel at a time, its weights unpacked into tap-major, channel-minor order. */
static void convolve(const accel_layer *l, const accel_params *p, const int8_t *x, void *out)
{
    const bool linear = l->op == OP_LINEAR, transposed = l->op == OP_CONVTRANSPOSE2D;
    const long c = l->pooled_shape.c, h = l->pooled_shape.h, w = l->pooled_shape.w;
    const long co = l->output_shape.c, ho = l->output_shape.h, wo = l->output_shape.w;
    const long kh = linear ? 1 : l->kernel[0], kw = linear ? 1 : l->kernel[1];
    const long padh = linear ? 0 : l->pad[0], padw = linear ? 0 : l->pad[1];
    const long dh = linear ? 1 : l->dilation[0], dw = linear ? 1 : l->dilation[1];
    const long cg = c / l->groups, cog = co / l->groups;
    /* Transposed: output row y meets stretched row y + a - lead; real pixels sit at even rows. */
    const long leadh = kh - 1 - padh, leadw = kw - 1 - padw;
    for (long o = 0; o < co; o++) {
        const long g = o / cog;
        for (long j = 0; j < cg; j++)
            for (long a = 0; a < kh; a++)
                for (long b = 0; b < kw; b++)
                    kernel_scratch[(a * kw + b) * cg + j] =
                        syn_accel_weight_at(p, l->weight_bits, (uint32_t)(((o * cg + j) * kh + a) * kw + b));
        const int64_t base = p->bias ? (int64_t)p->bias[o] * 128 : 0;
        for (long y = 0; y < ho; y++) {
            for (long xo = 0; xo < wo; xo++) {
                int64_t acc = base;
                for (long a = 0; a < kh; a++) {
                    long iy, ix;
                    if (!accel_conv_tap(transposed ? y + a - leadh : y + a * dh - padh, transposed, h, &iy))
                        continue;
                    for (long b = 0; b < kw; b++) {
                        if (!accel_conv_tap(transposed ? xo + b - leadw : xo + b * dw - padw, transposed, w, &ix))
                            continue;
                        const int8_t *px = x + (iy * w + ix) * c + g * cg;
                        const int8_t *pk = kernel_scratch + (a * kw + b) * cg;
                        int32_t dot = 0;   /* cg <= 32,768 products of |v| <= 2^14: fits */
                        for (long j = 0; j < cg; j++)
                            dot += pk[j] * px[j];
                        acc += dot;
                    }
                }
                store(l, out, (size_t)((o * ho + y) * wo + xo), acc);
            }
        }
    }
}

/* Linear on flattened data: feature c*H*W + h*W + w (CHW order) meets HWC element (h*W+w)*C + c. */
static void linear_flat(const accel_layer *l, const accel_params *p, const int8_t *x, void *out)
{
    const uint32_t c = l->pooled_shape.c, hw = (uint32_t)l->pooled_shape.h * l->pooled_shape.w;
    const uint32_t features = c * hw;
    for (uint32_t o = 0; o < l->output_shape.c; o++) {
        for (uint32_t ch = 0; ch < c; ch++)
            for (uint32_t q = 0; q < hw; q++)
                kernel_scratch[q * c + ch] = syn_accel_weight_at(p, l->weight_bits, o * features + ch * hw + q);
        int64_t acc = p->bias ? (int64_t)p->bias[o] * 128 : 0;
        int32_t dot = 0;
        for (uint32_t f = 0; f < features; f++)
            dot += kernel_scratch[f] * x[f];
        store(l, out, o, acc + dot);
    }
}

void syn_sim_layer_compute(const accel_layer *l, const accel_params *p, const int8_t *const *sources,
                       const uint16_t *source_channels, int8_t *work, void *out)
{
    prepare(l, sources, source_channels, work);
    if (l->op == OP_PASSTHROUGH) {
        /* Back to CHW; an activation, if the layer has one, applies to the int8 values. */
        const size_t c = l->pooled_shape.c, plane = (size_t)l->pooled_shape.h * l->pooled_shape.w;
        int8_t *o = out;
        for (size_t ch = 0; ch < c; ch++)
            for (size_t q = 0; q < plane; q++)
                o[ch * plane + q] = (int8_t)accel_activate(l->activation, work[q * c + ch]);
    } else if (l->op == OP_LINEAR && l->flatten) {
        linear_flat(l, p, work, out);
    } else {
        convolve(l, p, work, out);
    }
}
