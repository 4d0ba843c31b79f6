/* Fit rules: see fit.h. The phases follow the synthesis tool's order (FIT-RULES.md section 1)
 * and mirror host/model/fit-rules.ts check for check, message for message. */
#include "fit_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "segment_decode.h"

static const char *const limit_names[FIT_LIMIT_COUNT] = {
    [FIT_LIMIT_NONE] = "none",
    [FIT_LIMIT_LAYERS] = "layers",
    [FIT_LIMIT_KERNEL_SIZE] = "kernel_size",
    [FIT_LIMIT_STRIDE] = "stride",
    [FIT_LIMIT_DILATION] = "dilation",
    [FIT_LIMIT_POOLING] = "pooling",
    [FIT_LIMIT_PADDING] = "padding",
    [FIT_LIMIT_FLATTEN] = "flatten",
    [FIT_LIMIT_STREAMING] = "streaming",
    [FIT_LIMIT_DATA_FORMAT] = "data_format",
    [FIT_LIMIT_DIMENSIONS] = "dimensions",
    [FIT_LIMIT_ACTIVATION] = "activation",
    [FIT_LIMIT_OUTPUT_WIDTH] = "output_width",
    [FIT_LIMIT_OUTPUT_SHIFT] = "output_shift",
    [FIT_LIMIT_PROCESSORS] = "processors",
    [FIT_LIMIT_FRAME_SIZE] = "frame_size",
    [FIT_LIMIT_DATA_MEMORY_INPUT] = "data_memory_input",
    [FIT_LIMIT_DATA_MEMORY_OUTPUT] = "data_memory_output",
    [FIT_LIMIT_ELTWISE] = "eltwise",
    [FIT_LIMIT_DEPTHWISE] = "depthwise",
    [FIT_LIMIT_CHANNELS] = "channels",
    [FIT_LIMIT_QUADRANT_0] = "quadrant_0",
    [FIT_LIMIT_KERNEL_MEMORY] = "kernel_memory",
    [FIT_LIMIT_BIAS_MEMORY] = "bias_memory",
    [FIT_LIMIT_INVALID] = "invalid",
};

const char *syn_fit_limit_name(fit_limit limit)
{
    return (unsigned)limit < FIT_LIMIT_COUNT ? limit_names[limit] : "unknown";
}

/* ---- refusals and small helpers --------------------------------------------------------- */

void syn_fit_begin(fit_result *out, fit_limit limit, const fit_layer_info *at, int segment)
{
    out->ok = false;
    out->limit = limit;
    out->layer = at ? (int16_t)at->u : -1;
    out->segment = at ? (int16_t)at->segment : (int16_t)segment;
    out->model_layer = at ? (int16_t)at->l->index : -1;
    out->n_numbers = 0;
    out->message[0] = '\0';
}

void syn_fit_num(fit_result *out, const char *key, int64_t value)
{
    if (out->n_numbers < FIT_MAX_NUMBERS) {
        out->number_keys[out->n_numbers] = key;
        out->number_values[out->n_numbers] = value;
        out->n_numbers++;
    }
}

void syn_fit_refusal(fit_result *out, fit_limit limit, const fit_layer_info *at, int segment, const fit_figure *figures,
                     size_t n)
{
    syn_fit_begin(out, limit, at, segment);
    for (size_t i = 0; i < n; i++)
        syn_fit_num(out, figures[i].key, figures[i].value);
}

bool syn_fit_msg(fit_result *out, bool prefixed, const char *fmt, ...)
{
    size_t n = 0;
    if (prefixed && out->layer >= 0)
        n = (size_t)snprintf(out->message, sizeof out->message, "Layer %d: ", out->layer);
    if (n < sizeof out->message) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(out->message + n, sizeof out->message - n, fmt, ap);
        va_end(ap);
    }
    return false;
}

int syn_fit_ffs(uint64_t m)
{
    if (!m)
        return -1;
    int i = 0;
    while (!((m >> i) & 1u))
        i++;
    return i;
}

int syn_fit_fls(uint64_t m)
{
    int i = -1;
    while (m) {
        m >>= 1;
        i++;
    }
    return i;
}

int syn_fit_popcount(uint64_t m)
{
    int n = 0;
    for (; m; m &= m - 1)
        n++;
    return n;
}

unsigned syn_fit_quadrant_bits(uint64_t m, unsigned g)
{
    return (unsigned)((m >> (16u * g)) & 0xffffu);
}

const char *syn_fit_hex16(char buf[17], uint64_t m)
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        buf[i] = digits[m & 0xfu];
        m >>= 4;
    }
    buf[16] = '\0';
    return buf;
}

uint32_t syn_fit_kernel_columns(const syn_chip *chip, unsigned p)
{
    return p % chip->processors_per_quadrant == 0 ? chip->kernel_words_large : chip->kernel_words;
}

unsigned syn_fit_groups_used(const fit_ctx *ctx, unsigned start)
{
    uint64_t mask = 0;
    unsigned i = start;
    for (; i < ctx->n && ctx->li[i].segment == ctx->li[start].segment; i++)
        mask |= ctx->li[i].l->processors;
    mask |= ctx->li[i - 1].l->output_processors;
    unsigned groups = 0;
    for (unsigned g = 0; g < ctx->chip->quadrants; g++)
        if (syn_fit_quadrant_bits(mask, g))
            groups |= 1u << g;
    return groups;
}

static const char *plural(unsigned n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static const char *op_name(accel_op op)
{
    switch (op) {
    case OP_CONV1D: return "conv1d";
    case OP_CONV2D: return "conv2d";
    case OP_CONVTRANSPOSE2D: return "convtranspose2d";
    case OP_LINEAR: return "linear";
    case OP_PASSTHROUGH: return "passthrough";
    }
    return "????";
}

static bool pooling(const fit_layer_info *f)
{
    return f->l->pool_size[0] > 1 || f->l->pool_size[1] > 1;
}

/* Passes and processors per pass for a channel count (FIT-RULES.md section 2). */
static void expansion(const syn_chip *chip, unsigned channels, uint8_t *passes, uint8_t *per_pass)
{
    unsigned procs = chip->processors, align = chip->processors_per_instance;
    unsigned x = (channels + procs - 1) / procs;
    unsigned t = x ? (channels + x - 1) / x : 0;
    if (channels > procs) {
        t = (t + align - 1) / align * align;
        if (t > procs)
            t = procs;
    }
    *passes = (uint8_t)x;
    *per_pass = (uint8_t)t;
}

/* ---- phase 0: input the IR cannot hold (the C side only: the wire may carry anything) ---- */

static bool shape_ok(accel_shape s)
{
    return s.c > 0 && s.h > 0 && s.w > 0;
}

static bool check_input(fit_ctx *ctx, const fit_segment *segs, size_t n_segs, fit_result *out)
{
    for (size_t s = 0; s < n_segs; s++) {
        if (segs[s].count == 0 || !segs[s].layers) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_LAYERS, NULL, (int)s, { "segment", (int64_t)s });
            return syn_fit_msg(out, false, "Segment %u has no layers.", (unsigned)s);
        }
        for (unsigned r = 0; r < segs[s].count; r++) {
            const accel_layer *l = &segs[s].layers[r];
            const char *why = NULL;
            if (r > 0 && l->index != segs[s].layers[r - 1].index + 1)
                why = "layer indices are not consecutive";
            else if (l->op > OP_PASSTHROUGH)
                why = "unknown operator";
            else if (l->op != OP_PASSTHROUGH && l->weight_bits != 1 && l->weight_bits != 2 && l->weight_bits != 4
                     && l->weight_bits != 8)
                why = "weight_bits is not 1, 2, 4 or 8";
            else if (!shape_ok(l->input_shape) || !shape_ok(l->operand_shape) || !shape_ok(l->pooled_shape)
                     || !shape_ok(l->output_shape))
                why = "a shape has a zero dimension";
            else if (l->operands < 1 || l->groups < 1 || l->kernel[0] < 1 || l->kernel[1] < 1 || l->pool_size[0] < 1
                     || l->pool_size[1] < 1 || l->pool_stride[0] < 1 || l->pool_stride[1] < 1 || l->stride[0] < 1
                     || l->stride[1] < 1)
                why = "a count is zero";
            else if (!l->processors || !l->output_processors)
                why = "a processor map is empty";
            else if (l->output_width != 8 && l->output_width != 32)
                why = "output_width is neither 8 nor 32";
            if (why) {
                SYN_FIT_REFUSE(out, FIT_LIMIT_INVALID, NULL, (int)s, { "model_layer", l->index });
                return syn_fit_msg(out, false, "Segment %u, model layer %u: %s.", (unsigned)s, (unsigned)l->index, why);
            }
        }
    }
    (void)ctx;
    return true;
}

static void derive(fit_ctx *ctx, const fit_segment *segs, size_t n_segs)
{
    const syn_chip *chip = ctx->chip;
    unsigned u = 0;
    for (size_t s = 0; s < n_segs; s++) {
        unsigned start = u;
        for (unsigned r = 0; r < segs[s].count; r++, u++) {
            if (u >= SYN_MAX_LAYERS)
                continue;       /* past every chip's limit: phase 1 refuses before using these */
            const accel_layer *l = &segs[s].layers[r];
            fit_layer_info *f = &ctx->li[u];
            memset(f, 0, sizeof *f);
            f->l = l;
            f->u = (uint16_t)u;
            f->r = (uint16_t)r;
            f->seg_start = (uint16_t)start;
            f->segment = (uint16_t)s;
            f->passthrough = l->op == OP_PASSTHROUGH;
            f->weighted = !f->passthrough && l->weight_bits != 0;
            f->cin = l->operand_shape.c;
            f->cout = l->output_shape.c;
            f->in_dim[0] = l->operand_shape.h;
            f->in_dim[1] = l->operand_shape.w;
            f->pooled[0] = l->pooled_shape.h;
            f->pooled[1] = l->pooled_shape.w;
            f->out_dim[0] = l->output_shape.h;
            f->out_dim[1] = l->output_shape.w;
            expansion(chip, f->cin, &f->in_expand, &f->in_thresh);
            expansion(chip, f->cout, &f->out_expand, &f->out_thresh);
            f->bits = f->passthrough ? 0 : l->weight_bits;
            f->q = f->bits ? (uint8_t)(8 / f->bits) : 1;
            f->groups = l->groups;
            f->ksize = (uint16_t)(l->kernel[0] * l->kernel[1]);
        }
    }
    ctx->n = (uint16_t)(u < SYN_MAX_LAYERS ? u : SYN_MAX_LAYERS);
}

/* ---- phase 1: the YAML parse --------------------------------------------------------------- */

#define YAML_AT " (found in layer sequence %u in YAML configuration)."

static bool check_parse(fit_ctx *ctx, unsigned total, fit_result *out)
{
    const syn_chip *chip = ctx->chip;
    for (unsigned u = 0; u < total; u++) {
        if (u >= chip->max_layers) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_LAYERS, NULL, -1, { "layers", total }, { "max", chip->max_layers });
            return syn_fit_msg(out, false, "This device supports up to %u layers" YAML_AT, (unsigned)chip->max_layers, u);
        }
        const fit_layer_info *f = &ctx->li[u];
        const accel_layer *l = f->l;
        unsigned kh = l->kernel[0], kw = l->kernel[1];
        bool bad = (l->op == OP_CONV2D && !((kh == 1 && kw == 1) || (kh == 3 && kw == 3)))
                   || (l->op == OP_CONVTRANSPOSE2D && !(kh == 3 && kw == 3));
        if (bad || (l->op == OP_CONV1D && (kh < 1 || kh > 9)) || (l->op == OP_LINEAR && (kh != 1 || kw != 1))) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_KERNEL_SIZE, f, -1, { "kh", kh }, { "kw", kw });
            if (bad)
                return syn_fit_msg(out, false, "Unsupported value `%ux%u` for `kernel_size`" YAML_AT, kh, kw, u);
            if (l->op == OP_CONV1D)
                return syn_fit_msg(out, false, "Unsupported value `%u` for `kernel_size`" YAML_AT, kh, u);
            return syn_fit_msg(out, false, "Cannot configure `kernel_size` for fully connected layers" YAML_AT, u);
        }
        unsigned sh = l->stride[0], sw = l->stride[1];
        const char *stride_err = NULL;
        if (l->op != OP_CONV1D && sh != sw)
            stride_err = "`stride` values must be equal in both dimensions";
        else if (l->pool_type != POOL_NONE && sh != 1 && l->op != OP_CONVTRANSPOSE2D)
            stride_err = "Cannot set `stride` to non-default value when pooling";
        else if (l->op == OP_CONVTRANSPOSE2D && sh != 1 && sh != 2)
            stride_err = "Cannot set `stride` to non-default value for ConvTranspose2D";
        if (stride_err) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_STRIDE, f, -1, { "stride_h", sh }, { "stride_w", sw });
            return syn_fit_msg(out, false, "%s" YAML_AT, stride_err, u);
        }
        if (f->passthrough && (l->dilation[0] > 1 || l->dilation[1] > 1)) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_DILATION, f, -1, { "dilation", l->dilation[0] });
            return syn_fit_msg(out, false, "`dilation` requires a convolution operator" YAML_AT, u);
        }
    }
    for (unsigned u = 0; u < total; u++) {
        const fit_layer_info *f = &ctx->li[u];
        const accel_layer *l = f->l;
        if (!l->pool_first && (l->operands == 1 || (l->pool_size[0] == 1 && l->pool_size[1] == 1))) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_POOLING, f, -1, { "operands", l->operands }, { "pool_h", l->pool_size[0] },
                           { "pool_w", l->pool_size[1] });
            return syn_fit_msg(out, false, "`pool_first: False` requires both pooling and element-wise operations" YAML_AT, u);
        }
    }
    return true;
}

/* ---- phase 3: the network trace ------------------------------------------------------------ */

static bool check_trace(fit_ctx *ctx, fit_result *out)
{
    const syn_chip *chip = ctx->chip;
    ctx->hidden = 0;
    for (unsigned i = 0; i < ctx->n; i++) {
        const fit_layer_info *f = &ctx->li[i];
        const accel_layer *l = f->l;
        const char *op = op_name(l->op);
        if (f->r == 0) {
            unsigned last = i;
            while (last + 1 < ctx->n && ctx->li[last + 1].segment == f->segment)
                last++;
            const accel_layer *fin = ctx->li[last].l;
            /* The tool names the start layer here, not the final one. */
            if (fin->output_width != 8 && fin->activation != ACT_NONE) {
                SYN_FIT_REFUSE(out, FIT_LIMIT_OUTPUT_WIDTH, f, -1, { "output_width", fin->output_width },
                               { "layer", last });
                return syn_fit_msg(out, true, "`output_width` must be 8 when activation is used.");
            }
        }
        const fit_layer_info *prev = f->r > 0 ? &ctx->li[i - 1] : NULL;
        if (prev && l->streaming && !prev->l->streaming) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_STREAMING, f, -1, { "layer", f->u });
            return syn_fit_msg(out, false, "Layer %u is a streaming layer, but the previous layer %u is non-streaming. This is not supported.",
                           (unsigned)f->u, (unsigned)prev->u);
        }
        if (f->r > 0 && l->data_format == FMT_CHW) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_DATA_FORMAT, f, -1, { "layer", f->u });
            return syn_fit_msg(out, true, "`data_format` CHW can only be configured for the first layer.");
        }
        unsigned ph = f->pooled[0], pw = f->pooled[1];
        if (l->op != OP_CONV1D) {
            if (l->pool_stride[0] != l->pool_stride[1]) {
                SYN_FIT_REFUSE(out, FIT_LIMIT_POOLING, f, -1, { "pool_stride_h", l->pool_stride[0] },
                               { "pool_stride_w", l->pool_stride[1] });
                return syn_fit_msg(out, true, "%s does not support non-square pooling stride (currently set to %ux%u).", op,
                               (unsigned)l->pool_stride[0], (unsigned)l->pool_stride[1]);
            }
            /* The tool forces stride 2 on a transposed convolution; the IR may say 1 (its default). */
            unsigned sh = l->op == OP_CONVTRANSPOSE2D ? 2 : l->stride[0];
            unsigned sw = l->op == OP_CONVTRANSPOSE2D ? 2 : l->stride[1];
            if (sh != sw || (l->op != OP_CONVTRANSPOSE2D && sh != 1)) {
                SYN_FIT_REFUSE(out, FIT_LIMIT_STRIDE, f, -1, { "stride_h", sh }, { "stride_w", sw });
                if (sh != sw)
                    return syn_fit_msg(out, true, "%s does not support non-square stride (currently set to %ux%u).", op, sh, sw);
                return syn_fit_msg(out, true, "%s does not support stride other than 1 (currently set to %ux%u).", op, sh, sw);
            }
            if (l->flatten && ph * pw > chip->flatten_max_pixels) {
                SYN_FIT_REFUSE(out, FIT_LIMIT_FLATTEN, f, -1, { "pixels", ph * pw },
                               { "max", chip->flatten_max_pixels });
                return syn_fit_msg(out, true, "`flatten` exceeds supported input dimensions (%u * %u > %u)).", ph, pw,
                               (unsigned)chip->flatten_max_pixels);
            }
            if (l->pad[0] >= FIT_MAX_PAD_EXCLUSIVE) {
                SYN_FIT_REFUSE(out, FIT_LIMIT_PADDING, f, -1, { "pad", l->pad[0] },
                               { "max", FIT_MAX_PAD_EXCLUSIVE - 1 });
                return syn_fit_msg(out, true, "%s does not support `pad` >= 3 (currently set to %u).", op, (unsigned)l->pad[0]);
            }
        } else {
            if (l->pad[0] >= FIT_MAX_PAD_EXCLUSIVE) {
                SYN_FIT_REFUSE(out, FIT_LIMIT_PADDING, f, -1, { "pad", l->pad[0] },
                               { "max", FIT_MAX_PAD_EXCLUSIVE - 1 });
                return syn_fit_msg(out, true, "%s does not support `pad` >= 3 (currently set to %u).", op, (unsigned)l->pad[0]);
            }
            if (l->stride[0] != 1) {
                SYN_FIT_REFUSE(out, FIT_LIMIT_STRIDE, f, -1, { "stride_h", l->stride[0] }, { "stride_w", 1 });
                return syn_fit_msg(out, true, "%s does not support stride other than 1 (currently set to %u).", op,
                               (unsigned)l->stride[0]);
            }
        }
        if (f->passthrough && (l->pad[0] > 0 || l->pad[1] > 0)) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_PADDING, f, -1, { "pad_h", l->pad[0] }, { "pad_w", l->pad[1] });
            return syn_fit_msg(out, true, "Padding ([%u, %u]) can only be used with a convolution operation.", (unsigned)l->pad[0],
                           (unsigned)l->pad[1]);
        }
        if (l->pad[0] >= l->kernel[0] || l->pad[1] >= l->kernel[1]) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_PADDING, f, -1, { "pad_h", l->pad[0] }, { "pad_w", l->pad[1] },
                           { "kernel_h", l->kernel[0] }, { "kernel_w", l->kernel[1] });
            return syn_fit_msg(out, true, "Pad size ([%u, %u]) is greater than or equal to kernel size ([%u, %u]).",
                           (unsigned)l->pad[0], (unsigned)l->pad[1], (unsigned)l->kernel[0], (unsigned)l->kernel[1]);
        }
        for (int which = 0; which < 2; which++) {
            const uint16_t *d = which ? f->out_dim : f->in_dim;
            if (d[0] > chip->max_row_col || d[1] > chip->max_row_col) {
                SYN_FIT_REFUSE(out, FIT_LIMIT_DIMENSIONS, f, -1, { "rows", d[0] }, { "cols", d[1] },
                               { "max", chip->max_row_col });
                return syn_fit_msg(out, true, "%s dimension [%u, %u] exceeds system maximum of %u.", which ? "Output" : "Input",
                               (unsigned)d[0], (unsigned)d[1], (unsigned)chip->max_row_col);
            }
        }
        if (l->activation != ACT_NONE && f->passthrough) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_ACTIVATION, f, -1, { "layer", f->u });
            return syn_fit_msg(out, true, "Activation %s cannot be used in a passthrough layer.",
                           l->activation == ACT_RELU ? "ReLU" : "Abs");
        }
        if (chip->avg_pool_reset_layer && prev && prev->l->operands > 1 && l->pool_type == POOL_AVG)
            ctx->hidden++;
    }
    return true;
}

/* ---- phase 4: the back-end checks ---------------------------------------------------------- */

/* The hardware kernel size and output pad (dilated Conv1d changes both); the dilation rules. */
static bool dilation_rules(fit_ctx *ctx, fit_layer_info *f, fit_result *out)
{
    const accel_layer *l = f->l;
    f->ksize = (uint16_t)(l->kernel[0] * l->kernel[1]);
    f->out_pad = 0;
    unsigned d = l->dilation[0];
    if (d <= 1)
        return true;
    unsigned k = l->kernel[0];
    const char *why = NULL;
    char buf[96];
    if (l->op != OP_CONV1D)
        why = "`dilation` > 1 is supported for Conv1d only.";
    else if (k == 1)
        why = "Kernel length must be greater than 1 to use `dilation` > 1.";
    else if ((k - 1) * d < 9) {
        f->ksize = (uint16_t)((k - 1) * d + 1);
        return true;
    } else if (k > FIT_MAX_DILATION_1D_KERNEL) {
        snprintf(buf, sizeof buf, "Kernel length must be %u or smaller to use `dilation` of %u.", FIT_MAX_DILATION_1D_KERNEL, d);
        why = buf;
    } else if (l->pool_size[0] != 1)
        why = "Pooling must be 1 to use `dilation` > 4.";
    else if (l->pad[0] > 0)
        why = "Padding must be 0 or smaller to use `dilation` > 4.";
    else if (l->operands != 1)
        why = "Operands must be 1 to use `dilation` > 4.";
    else if (l->flatten || l->streaming)
        why = "`bypass`, `flatten`, `rd_ahead`, `streaming` must be False to use `dilation` > 4.";
    else if (d > ctx->chip->max_dilation_1d) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_DILATION, f, -1, { "dilation", d }, { "kernel", k },
                       { "max", ctx->chip->max_dilation_1d });
        return syn_fit_msg(out, true, "`dilation` must be %u or smaller for Conv1d operations.", (unsigned)ctx->chip->max_dilation_1d);
    }
    if (why) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_DILATION, f, -1, { "dilation", d }, { "kernel", k });
        return syn_fit_msg(out, true, "%s", why);
    }
    /* Runs on 3x3 hardware over the input folded into ceil(L / d) rows of d columns. */
    unsigned rows = (f->in_dim[0] + d - 1) / d;
    f->out_pad = rows * d - f->out_dim[0];
    f->ksize = 9;
    if (k == 3) {
        unsigned ignore = 4 * d * f->out_expand;
        if (l->out_offset < ignore) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_DILATION, f, -1, { "dilation", d }, { "kernel", k },
                           { "out_offset", l->out_offset }, { "min", ignore });
            return syn_fit_msg(out, true, "`out_offset` used with dilation of %u must be at least %04x.", d, ignore);
        }
    }
    return true;
}

/* Where an element-wise operand comes from (see fit-rules.ts operandMap). */
static uint64_t operand_map(const fit_ctx *ctx, const fit_layer_info *f, int source)
{
    const accel_layer *first = ctx->li[f->seg_start].l;
    if (source >= (int)first->index && source < (int)f->l->index)
        return ctx->li[f->seg_start + (unsigned)(source - first->index)].l->output_processors;
    return source == -1 && first->index == 0 ? first->processors : f->l->processors;
}

static int source_label(const fit_ctx *ctx, const fit_layer_info *f, int source)
{
    const accel_layer *first = ctx->li[f->seg_start].l;
    return source >= (int)first->index && source < (int)f->l->index ? (int)f->seg_start + (source - first->index) : -1;
}

static bool backend_layer(fit_ctx *ctx, fit_layer_info *f, fit_result *out)
{
    const syn_chip *chip = ctx->chip;
    const accel_layer *l = f->l;
    int total = l->output_shift + (f->weighted ? 8 - f->bits : 0);
    if (total < -15 || total > 15) {
        int implicit = 8 - f->bits;
        SYN_FIT_REFUSE(out, FIT_LIMIT_OUTPUT_SHIFT, f, -1, { "output_shift", total - implicit },
                       { "min", -15 - implicit }, { "max", 15 - implicit });
        return syn_fit_msg(out, true,
                       "%u-bit weight quantization supports an output_shift range of [%d, +%d]. The specified value of "
                       "output_shift is %d which exceeds the system limits.",
                       (unsigned)f->bits, -15 - implicit, 15 - implicit, total - implicit);
    }
    bool chw = l->data_format == FMT_CHW;
    if (chw) {
        uint64_t p = l->processors >> ((unsigned)syn_fit_ffs(l->processors) & ~3u);
        for (; p; p >>= 4) {
            if (syn_fit_popcount(p & 0xfu) > 1) {
                SYN_FIT_REFUSE(out, FIT_LIMIT_PROCESSORS, f, -1, { "layer", f->u });
                return syn_fit_msg(out, true,
                               "CHW input format, but multiple channels share the same memory instance. Modify the processor map.");
            }
        }
    }
    uint32_t h = f->in_dim[0], w = f->in_dim[1];
    uint64_t frame = (uint64_t)h * w * f->in_expand;
    if (frame >= chip->frame_limit) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_FRAME_SIZE, f, -1, { "pixels", (int64_t)frame }, { "max", chip->frame_limit });
        return syn_fit_msg(out, true, "Input frame %lux%lu with %u %s exceeds the frame limit of %lu pixels.", (unsigned long)h,
                       (unsigned long)w, (unsigned)f->in_expand, plural(f->in_expand, "pass", "passes"),
                       (unsigned long)chip->frame_limit);
    }
    uint64_t in_size = frame * l->operands * (chw ? 1u : 4u);
    if (!l->streaming && in_size + l->in_offset > chip->instance_bytes) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_DATA_MEMORY_INPUT, f, -1, { "size", (int64_t)in_size },
                       { "offset", l->in_offset }, { "expansion", f->in_expand },
                       { "instance", chip->instance_bytes });
        return syn_fit_msg(out, true,
                       "%u channel%s/word %lux%lu input (size %lu) with input offset 0x%04lx and expansion %ux exceeds data "
                       "memory instance size of %lu.",
                       chw ? 1u : 4u, chw ? "" : "s", (unsigned long)h, (unsigned long)w, (unsigned long)in_size,
                       (unsigned long)l->in_offset, (unsigned)f->in_expand, (unsigned long)chip->instance_bytes);
    }
    if (l->op == OP_CONV1D) {
        if (l->operands > 1) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_ELTWISE, f, -1, { "operands", l->operands });
            return syn_fit_msg(out, true, "Element-wise operations cannot be combined with Conv1d.");
        }
        if (!chip->padded_conv1d_multipass && l->pad[0] > 0 && f->in_expand > 1) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_PADDING, f, -1, { "pad", l->pad[0] }, { "expansion", f->in_expand });
            return syn_fit_msg(out, true, "This device does not support padded Conv1d with input expansion > 1.");
        }
    }
    if (!l->pool_first && l->operands > FIT_POOL_LAST_OPERANDS && pooling(f)) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_ELTWISE, f, -1, { "operands", l->operands }, { "max", FIT_POOL_LAST_OPERANDS });
        return syn_fit_msg(out, false, "\"pool last\" supports a maximum of %u element-wise operands on this device.",
                       FIT_POOL_LAST_OPERANDS);
    }
    if (!dilation_rules(ctx, f, out))
        return false;
    uint32_t oh = f->out_dim[0], ow = f->out_dim[1];
    uint64_t out_size = ((uint64_t)oh * ow + f->out_pad) * f->out_expand * 4u * (l->output_width / 8u);
    if (!l->streaming && out_size + l->out_offset > chip->instance_bytes) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_DATA_MEMORY_OUTPUT, f, -1, { "size", (int64_t)out_size },
                       { "offset", l->out_offset }, { "expansion", f->out_expand },
                       { "instance", chip->instance_bytes });
        return syn_fit_msg(out, true,
                       "HWC (4 channels/word) %u-bit %lux%lu output (size %lu) with output offset 0x%04lx and expansion %ux "
                       "exceeds data memory instance size of %lu.",
                       (unsigned)l->output_width, (unsigned long)oh, (unsigned long)ow, (unsigned long)out_size,
                       (unsigned long)l->out_offset, (unsigned)f->out_expand, (unsigned long)chip->instance_bytes);
    }
    if (f->passthrough) {
        if (l->output_shift != 0) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_OUTPUT_SHIFT, f, -1, { "output_shift", l->output_shift });
            return syn_fit_msg(out, true, "`output_shift` must be zero for passthrough layers.");
        }
        if (pooling(f) && f->in_expand > chip->max_pool_passes && (f->pooled[0] > 1 || f->pooled[1] > 1)) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_POOLING, f, -1, { "passes", f->in_expand },
                           { "max", chip->max_pool_passes });
            return syn_fit_msg(out, true, "pooling in passthrough layer uses %u %s, which exceeds the maximum of %lu on this device.",
                           (unsigned)f->in_expand, plural(f->in_expand, "pass", "passes"), (unsigned long)chip->max_pool_passes);
        }
    } else if (l->op == OP_CONVTRANSPOSE2D) {
        int hp0 = 2 - (int)l->pad[0], hp1 = 2 - (int)l->pad[1];
        if (hp0 < 0 || hp0 > 2 || hp1 < 0 || hp1 > 2) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_PADDING, f, -1, { "pad_h", l->pad[0] }, { "pad_w", l->pad[1] });
            return syn_fit_msg(out, true, "The selected padding ([%u, %u]) for ConvTranspose2d is not supported on this device.",
                           (unsigned)l->pad[0], (unsigned)l->pad[1]);
        }
        if (l->output_pad != 1) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_PADDING, f, -1, { "output_pad", l->output_pad });
            return syn_fit_msg(out, true, "The selected output padding ([%u, %u]) for ConvTranspose2d is not supported on this device.",
                           (unsigned)l->output_pad, (unsigned)l->output_pad);
        }
    }
    if (l->op != OP_CONVTRANSPOSE2D && l->output_pad != 0) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_PADDING, f, -1, { "output_pad", l->output_pad });
        return syn_fit_msg(out, true, "Output padding must be 0 for this operator.");
    }
    unsigned g = f->groups;
    if (f->cin % g != 0 || f->cout % g != 0) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_DEPTHWISE, f, -1, { "groups", g }, { "cin", f->cin }, { "cout", f->cout });
        return syn_fit_msg(out, true, "convolution groups (%u) does not divide the input channels (%u) or output channels (%u).", g,
                       (unsigned)f->cin, (unsigned)f->cout);
    }
    if (l->flatten && f->passthrough) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_FLATTEN, f, -1, { "layer", f->u });
        return syn_fit_msg(out, true, "`flatten` is not compatible with passthrough layers.");
    }
    if (l->flatten && pooling(f)) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_FLATTEN, f, -1, { "pool_h", l->pool_size[0] }, { "pool_w", l->pool_size[1] });
        return syn_fit_msg(out, true, "`flatten` is not compatible with pooling.");
    }
    if (l->flatten && l->streaming) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_FLATTEN, f, -1, { "layer", f->u });
        return syn_fit_msg(out, true, "`flatten` is not compatible with streaming.");
    }
    if (g > 1) {
        if (!chip->depthwise) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_DEPTHWISE, f, -1, { "groups", g });
            return syn_fit_msg(out, true, "Convolution groups (%u) > 1 are not  supported on this device.", g);
        }
        if (g != f->cin || g != f->cout) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_DEPTHWISE, f, -1, { "groups", g }, { "cin", f->cin }, { "cout", f->cout });
            return syn_fit_msg(out, true,
                           "Convolution groups (%u) must be equal to the number of input channels (%u), and output channels (%u) "
                           "must be equal to input channels.",
                           g, (unsigned)f->cin, (unsigned)f->cout);
        }
        if (l->flatten) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_DEPTHWISE, f, -1, { "groups", g });
            return syn_fit_msg(out, true, "Convolution groups (%u) > 1 are not supported when flattening.", g);
        }
    }
    if (l->operands > 1) {
        uint64_t seen = 0;
        for (unsigned k = 0; k < l->n_sources && k < SYN_MAX_SOURCES; k++) {
            uint64_t emap = operand_map(ctx, f, l->sources[k]);
            if (seen != 0 && seen != emap) {
                char labels[8 * SYN_MAX_SOURCES + 4];
                size_t n = 0;
                labels[n++] = '[';
                for (unsigned j = 0; j < l->n_sources && j < SYN_MAX_SOURCES; j++)
                    n += (size_t)snprintf(labels + n, sizeof labels - n, "%s%d", j ? ", " : "", source_label(ctx, f, l->sources[j]));
                snprintf(labels + n, sizeof labels - n, "]");
                char a[17], b[17];
                int label = source_label(ctx, f, l->sources[k]);
                SYN_FIT_REFUSE(out, FIT_LIMIT_PROCESSORS, f, -1, { "source", label });
                return syn_fit_msg(out, true,
                               "In `in_sequences` %s, an earlier layer in the sequence uses a different output processor map "
                               "(0x%s) than layer %d which uses 0x%s.",
                               labels, syn_fit_hex16(a, seen), label, syn_fit_hex16(b, emap));
            }
            seen = emap;
        }
    }
    if (l->output_width != 8 && f->passthrough) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_OUTPUT_WIDTH, f, -1, { "output_width", l->output_width });
        return syn_fit_msg(out, true, "The passthrough operator requires an output width of 8.");
    }
    return true;
}

/* Channel counts and processor maps (FIT-RULES.md section 2), the tool's second per-layer loop. */
static bool processor_rules(fit_ctx *ctx, const fit_layer_info *f, fit_result *out)
{
    const syn_chip *chip = ctx->chip;
    const accel_layer *l = f->l;
    const char *fl = l->flatten ? " (before flattening)" : "";
    if (f->cin > chip->max_channels || f->cout > chip->max_channels) {
        bool in = f->cin > chip->max_channels;
        SYN_FIT_REFUSE(out, FIT_LIMIT_CHANNELS, f, -1, { "channels", in ? f->cin : f->cout },
                       { "max", chip->max_channels });
        if (in)
            return syn_fit_msg(out, true, "Configured for %u input channels%s, which exceeds the system maximum of %u.",
                           (unsigned)f->cin, fl, (unsigned)chip->max_channels);
        return syn_fit_msg(out, true, "Configured for %u output channels, which exceeds the system maximum of %u.", (unsigned)f->cout,
                       (unsigned)chip->max_channels);
    }
    uint64_t procs = l->processors, om = l->output_processors;
    char a[17], b[17];
    if (syn_fit_popcount(procs) != f->in_thresh) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_PROCESSORS, f, -1, { "bits", syn_fit_popcount(procs) },
                       { "expected", f->in_thresh });
        return syn_fit_msg(out, true,
                       "%u input %s%s using %u %s, and %u %s (%u processors per pass), but the enabled processor map 0x%s has "
                       "%d bits instead of the expected number of %u.",
                       (unsigned)f->cin, plural(f->cin, "channel", "channels"), fl, (unsigned)f->in_expand,
                       plural(f->in_expand, "pass", "passes"), (unsigned)l->operands, plural(l->operands, "operand", "operands"),
                       (unsigned)f->in_thresh, syn_fit_hex16(a, procs), syn_fit_popcount(procs), (unsigned)f->in_thresh);
    }
    if (syn_fit_popcount(om) != f->out_thresh) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_PROCESSORS, f, -1, { "bits", syn_fit_popcount(om) },
                       { "expected", f->out_thresh });
        return syn_fit_msg(out, true,
                       "%u output %s using %u %s (%u processors per pass), but the processor output map 0x%s has %d bits "
                       "instead of the expected number of %u.",
                       (unsigned)f->cout, plural(f->cout, "channel", "channels"), (unsigned)f->out_expand,
                       plural(f->out_expand, "pass", "passes"), (unsigned)f->out_thresh, syn_fit_hex16(a, om), syn_fit_popcount(om),
                       (unsigned)f->out_thresh);
    }
    if (f->passthrough) {
        for (unsigned g = 0; g < chip->quadrants; g++) {
            unsigned in_pro = (1u << syn_fit_popcount(syn_fit_quadrant_bits(procs, g))) - 1u;
            unsigned out_pro = syn_fit_quadrant_bits(om, g);
            if (out_pro)
                out_pro >>= syn_fit_ffs(out_pro);
            if (out_pro != in_pro) {
                SYN_FIT_REFUSE(out, FIT_LIMIT_PROCESSORS, f, -1, { "quadrant", g });
                return syn_fit_msg(out, true,
                               "The output processors for a pass-through layer must be a packed version of the input processors "
                               "for each x16. Configured are: input %s, output %s.",
                               syn_fit_hex16(a, procs), syn_fit_hex16(b, om));
            }
        }
    }
    if (f->groups > 1) {
        if (syn_fit_ffs(om) % chip->processors_per_instance != 0) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_DEPTHWISE, f, -1, { "first_output", syn_fit_ffs(om) });
            return syn_fit_msg(out, true,
                           "Output processors for depth-wise convolutions must be aligned to a multiple of 4. Configured for this "
                           "layer: %s.",
                           syn_fit_hex16(a, om));
        }
        if (syn_fit_ffs(procs) % chip->processors_per_instance != 0 && ((procs >> syn_fit_ffs(procs)) >> 16) > 0) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_DEPTHWISE, f, -1, { "first_input", syn_fit_ffs(procs) });
            return syn_fit_msg(out, true,
                           "When spanning groups for depth-wise convolutions, processors must be aligned to a multiple of 4. "
                           "Configured for this layer: %s.",
                           syn_fit_hex16(a, procs));
        }
    }
    unsigned P = f->in_expand;
    if (chip->eltwise_multipass_limit && l->operands > 1 && P > 1 && l->operands * P != l->operands + P) {
        if (!f->passthrough || pooling(f) || l->pool_stride[0] > 1 || l->pool_stride[1] > 1) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_ELTWISE, f, -1, { "operands", l->operands }, { "passes", P });
            return syn_fit_msg(out, true,
                           "The element-wise operation exceeds a multi-pass of 2 and therefore does not support pooling or "
                           "convolution.");
        }
    }
    return true;
}

static bool check_backend(fit_ctx *ctx, fit_result *out)
{
    const syn_chip *chip = ctx->chip;
    for (unsigned i = 0; i < ctx->n; i++) {
        const fit_layer_info *f = &ctx->li[i];
        if (f->r == 0 && f->l->streaming) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_STREAMING, NULL, f->segment, { "layer", f->u });
            return syn_fit_msg(out, false, "Streaming in the first layer requires use of a FIFO.");
        }
    }
    unsigned adjusted = (unsigned)(ctx->n - 1) + ctx->hidden;
    if (adjusted > chip->max_layers) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_LAYERS, NULL, -1, { "adjusted", adjusted }, { "max", chip->max_layers });
        return syn_fit_msg(out, false, "The adjusted layer count (%u) exceeds the device maximum (%u).", adjusted,
                       (unsigned)chip->max_layers);
    }
    for (unsigned i = 0; i < ctx->n; i++)
        if (!backend_layer(ctx, &ctx->li[i], out))
            return false;
    for (unsigned i = 0; i < ctx->n; i++)
        if (!processor_rules(ctx, &ctx->li[i], out))
            return false;
    for (unsigned i = 0; i < ctx->n; i++) {
        if (ctx->li[i].r != 0)
            continue;
        unsigned groups = syn_fit_groups_used(ctx, i);
        if (!(groups & 1u)) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_QUADRANT_0, NULL, ctx->li[i].segment, { "quadrants", groups });
            return syn_fit_msg(out, false, "Quadrant 0 is not used, this is currently unsupported.");
        }
    }
    return true;
}

/* ---- phase 6: register generation ---------------------------------------------------------- */

static bool check_registers(fit_ctx *ctx, fit_result *out)
{
    const syn_chip *chip = ctx->chip;
    for (unsigned i = 0; i < ctx->n; i++) {
        const fit_layer_info *f = &ctx->li[i];
        const accel_layer *l = f->l;
        int bq = out->per_layer[i].bias_quadrant;
        if (!chip->eltwise_conv_bias && bq >= 0 && bq < (int)chip->quadrants && !f->passthrough && l->operands > 1) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_ELTWISE, f, -1, { "operands", l->operands });
            return syn_fit_msg(out, true,
                           "On this device, multi-pass element-wise operations must be in a separate layer from convolutions "
                           "with bias.");
        }
        if (l->flatten) {
            unsigned pixels = (unsigned)f->pooled[0] * f->pooled[1];
            unsigned count = f->in_expand * pixels;
            if (count > chip->flatten_max_pixels) {
                SYN_FIT_REFUSE(out, FIT_LIMIT_FLATTEN, f, -1, { "steps", count },
                               { "max", chip->flatten_max_pixels });
                return syn_fit_msg(out, true,
                               "`flatten` of %ux%ux%u needs %u %s x %u pixels = %u flatten steps, more than the %u the hardware "
                               "counter holds (C x H x W <= 16384; the synthesis tool does not check this).",
                               (unsigned)f->cin, (unsigned)f->pooled[0], (unsigned)f->pooled[1], (unsigned)f->in_expand,
                               plural(f->in_expand, "pass", "passes"), pixels, count, (unsigned)chip->flatten_max_pixels);
            }
        }
    }
    return true;
}

/* ---- the whole fit ------------------------------------------------------------------------- */

bool syn_fit_run(fit_ctx *ctx, const syn_chip *chip, const fit_segment *segs, size_t n_segs, fit_result *out)
{
    memset(out, 0, sizeof *out);
    out->layer = out->segment = out->model_layer = -1;
    ctx->chip = chip;
    ctx->n = 0;
    if (chip->max_layers > SYN_MAX_LAYERS || chip->kernel_words_large > SYN_MAX_COLUMNS || chip->processors != FIT_PROCESSORS
        || chip->quadrants != FIT_QUADRANTS) {
        syn_fit_begin(out, FIT_LIMIT_INVALID, NULL, -1);
        return syn_fit_msg(out, false, "This build of the fit rules cannot hold %s (%u layers, %u kernel columns).", chip->name,
                       (unsigned)chip->max_layers, (unsigned)chip->kernel_words_large);
    }
    unsigned total = 0;
    for (size_t s = 0; s < n_segs; s++)
        total += segs[s].count;
    if (total == 0) {
        SYN_FIT_REFUSE(out, FIT_LIMIT_LAYERS, NULL, -1, { "layers", 0 }, { "max", chip->max_layers });
        return syn_fit_msg(out, false, "No layers to fit.");
    }
    if (!check_input(ctx, segs, n_segs, out))
        return false;
    derive(ctx, segs, n_segs);
    if (!check_parse(ctx, total, out) || !check_trace(ctx, out) || !check_backend(ctx, out))
        return false;
    for (unsigned i = 0; i < ctx->n; i++) {
        fit_layer_result *p = &out->per_layer[i];
        const fit_layer_info *f = &ctx->li[i];
        p->segment = f->segment;
        p->model_layer = f->l->index;
        p->bias_quadrant = -1;
        p->bias_length = 0;
        p->in_expand = f->in_expand;
        p->out_expand = f->out_expand;
        p->input_bytes = (uint32_t)f->in_dim[0] * f->in_dim[1] * f->in_expand * f->l->operands
                         * (f->l->data_format == FMT_CHW ? 1u : 4u);
        p->output_bytes = ((uint32_t)f->out_dim[0] * f->out_dim[1] + f->out_pad) * f->out_expand * 4u
                          * (f->l->output_width / 8u);
    }
    if (!syn_fit_allocate_kernels(ctx, out) || !syn_fit_allocate_bias(ctx, out) || !check_registers(ctx, out))
        return false;

    out->ok = true;
    out->limit = FIT_LIMIT_NONE;
    out->layers = ctx->n;
    out->hardware_layers = (uint16_t)(ctx->n + ctx->hidden);
    out->busiest_processor = 0;
    out->kernel_words = 0;
    for (unsigned p = 0; p < FIT_PROCESSORS; p++) {
        out->kernel_words += out->columns[p];
        if (out->columns[p] > out->columns[out->busiest_processor])
            out->busiest_processor = (uint8_t)p;
    }
    out->max_columns = out->columns[out->busiest_processor];
    out->kernel_bytes = out->kernel_words * chip->kernel_word_bytes;
    out->bias_bytes = 0;
    for (unsigned g = 0; g < FIT_QUADRANTS; g++)
        out->bias_bytes += out->bias_per_quadrant[g];
    out->instance_bytes = chip->instance_bytes;
    out->max_input_end = out->max_output_end = 0;
    out->weight_bytes = 0;
    for (unsigned i = 0; i < ctx->n; i++) {
        const fit_layer_info *f = &ctx->li[i];
        uint32_t in_end = out->per_layer[i].input_bytes + f->l->in_offset;
        uint32_t out_end = out->per_layer[i].output_bytes + f->l->out_offset;
        if (in_end > out->max_input_end)
            out->max_input_end = in_end;
        if (out_end > out->max_output_end)
            out->max_output_end = out_end;
        if (f->weighted)
            out->weight_bytes += (uint32_t)(((uint64_t)syn_accel_weight_count(f->l) * f->bits) / 8u);
    }
    return true;
}
