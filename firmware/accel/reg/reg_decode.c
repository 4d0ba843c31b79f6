/* The register model's decoder: one layer's registers (MAX78000 encoding) read back into what
 * the hardware does, by inverting how Analog Devices' tool computes each field (izer
 * backend/max7800x.py, kernels.py, kbias.py, unload.py); docs/registers.md, "The register
 * model", lists every field. Anything the model cannot compute exactly is refused here, before
 * a start touches memory. */
#include <string.h>

#include "reg_internal.h"
#include "text.h"

typedef struct {
    unsigned index, master, running;
    cnn_error *err;
} ctx;

static uint32_t reg(unsigned q, unsigned y, cnn_layer_reg r)
{
    return syn_reg_the.layer[q][y][r];
}

static uint32_t addr_of(unsigned q, unsigned y, cnn_layer_reg r)
{
    return syn_cnn_layer_address(syn_reg_the.chip, q, r, y);
}

/* A refusal about register r of quadrant q. */
static bool bad(const ctx *c, cnn_status st, unsigned q, cnn_layer_reg r, const char *why)
{
    return syn_cnn_fail(c->err, st, addr_of(q, c->index, r), "layer %u: %s (quadrant %u, 0x%08lx) %s", c->index,
                    syn_cnn_layer_reg_name(r), q, (unsigned long)reg(q, c->index, r), why);
}

static bool unknown_bits(const ctx *c, unsigned q, cnn_layer_reg r, uint32_t known)
{
    uint32_t v = reg(q, c->index, r) & ~known;
    if (v == 0)
        return false;
    char why[120];
    syn_format(why, sizeof why, "sets bits 0x%08lx the register model does not implement", (unsigned long)v);
    bad(c, CNN_ERR_UNSUPPORTED, q, r, why);
    return true;
}

static unsigned popcount64(uint64_t v)
{
    unsigned n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* The registers every quadrant with processors must agree on (they describe one layer). */
static const cnn_layer_reg shared_conv[] = {
    CNN_LR_RCNT, CNN_LR_CCNT, CNN_LR_ONED, CNN_LR_PRCNT, CNN_LR_PCCNT, CNN_LR_STRIDE, CNN_LR_WPTR_BASE,
    CNN_LR_WPTR_TOFF, CNN_LR_WPTR_MOFF, CNN_LR_WPTR_CHOFF, CNN_LR_RPTR_BASE, CNN_LR_MCNT, CNN_LR_LCTRL1,
};
/* Passthrough layers write per quadrant (WPTR_BASE, WPTR_TOFF) and count their own timeslots. */
static const cnn_layer_reg shared_pass[] = {
    CNN_LR_RCNT, CNN_LR_CCNT, CNN_LR_PRCNT, CNN_LR_PCCNT, CNN_LR_STRIDE, CNN_LR_WPTR_MOFF, CNN_LR_WPTR_CHOFF,
    CNN_LR_RPTR_BASE, CNN_LR_LCTRL1,
};
/* LCTRL0 and POST without the bits that differ by quadrant (cnnsi_en; the bias pointer). */
#define LCTRL0_SHARED (~(0xFu << 12))
#define POST_SHARED (~0x1FFFu)

static bool agree(const ctx *c, unsigned lead, unsigned q, cnn_layer_reg r, uint32_t mask)
{
    uint32_t a = reg(lead, c->index, r) & mask, b = reg(q, c->index, r) & mask;
    if (a == b)
        return true;
    return syn_cnn_fail(c->err, CNN_ERR_PROGRAM, addr_of(q, c->index, r),
                    "layer %u: %s is 0x%08lx in quadrant %u but 0x%08lx in quadrant %u; one layer needs one value",
                    c->index, syn_cnn_layer_reg_name(r), (unsigned long)b, q, (unsigned long)a, lead);
}

static bool check_reads(const ctx *c, reg_layer *l, unsigned lead)
{
    uint64_t words_needed;
    if (l->chw)
        words_needed = ((uint64_t)l->rptr * 4u + (uint64_t)l->rows * l->cols + 3u) / 4u;
    else
        words_needed = l->rptr + (uint64_t)l->rows * l->cols * l->passes * l->operands;
    if (words_needed > syn_reg_the.instance_words) {
        char why[160];
        syn_format(why, sizeof why, "with %ux%u pixels, %u passes and %u operands reads up to word %lu of a %lu-word instance",
                   l->rows, l->cols, l->passes, l->operands, (unsigned long)(words_needed - 1u),
                   (unsigned long)syn_reg_the.instance_words);
        return bad(c, CNN_ERR_PROGRAM, lead, CNN_LR_RPTR_BASE, why);
    }
    uint64_t work = (uint64_t)l->pooled_r * l->pooled_c * l->np * l->passes;
    if (l->deconv)
        work = (uint64_t)l->rows * l->cols * l->np * l->passes;
    if (work > REG_WORK_BYTES) {
        char why[120];
        syn_format(why, sizeof why, "needs a %lu-byte working copy of its input; the model has %lu",
                   (unsigned long)work, (unsigned long)REG_WORK_BYTES);
        return bad(c, CNN_ERR_PROGRAM, lead, CNN_LR_EN, why);
    }
    return true;
}

/* The highest 17-bit word address a write reaches must stay inside the 16 instances. */
static bool check_write_end(const ctx *c, unsigned q, uint64_t last)
{
    uint64_t limit = (uint64_t)REG_INSTANCES << 13;
    if (last < limit && (last & 0x1FFFu) < syn_reg_the.instance_words)
        return true;
    char why[120];
    syn_format(why, sizeof why, "makes the layer write word address 0x%05lx, past data memory", (unsigned long)last);
    return bad(c, CNN_ERR_PROGRAM, q, CNN_LR_WPTR_BASE, why);
}

static bool decode_conv(const ctx *c, reg_layer *l, unsigned lead, uint32_t oned, uint32_t lctrl1)
{
    unsigned y = c->index;
    /* Weights: MCNT counts kernel slots (one output channel of one input pass) in units of a
     * ks-bit plane; a slot of b-bit weights is b units, so K = (max - start) / b + 1 slots, and
     * the start is kernel column 9 * start / (8 * ks) plus ONED.oned_sad bytes. */
    uint32_t mcnt = reg(lead, y, CNN_LR_MCNT);
    uint32_t sad = mcnt >> 16, max = mcnt & 0xFFFFu;
    unsigned oned_sad = (oned >> 4) & 0xFu;
    if (max < sad || (max - sad) % l->bits != 0 || sad % 8u != 0)
        return bad(c, CNN_ERR_PROGRAM, lead, CNN_LR_MCNT, "is not a start and an end a whole number of kernel slots apart");
    if (oned_sad >= l->ks)
        return bad(c, CNN_ERR_PROGRAM, lead, CNN_LR_ONED, "has an oned_sad byte offset past the kernel's taps");
    uint32_t slots = (max - sad) / l->bits + 1u;
    if (slots % l->passes != 0)
        return bad(c, CNN_ERR_PROGRAM, lead, CNN_LR_MCNT, "counts kernel slots that are not a whole number per input pass");
    l->slots = slots / l->passes;
    l->kstart = sad / 8u * l->ks + oned_sad;
    unsigned per_byte = 8u / l->bits;
    uint64_t last_byte = l->kstart + (uint64_t)((slots - 1u) / per_byte) * l->ks + l->ks - 1u;
    for (unsigned k = 0; k < l->np; k++) {
        uint32_t words = syn_cnn_kernel_words(syn_reg_the.chip, l->proc[k]);
        if (last_byte >= (uint64_t)words * REG_KERNEL_WORD_BYTES) {
            char why[120];
            syn_format(why, sizeof why, "makes processor %u read kernel column %lu of its %lu", l->proc[k],
                       (unsigned long)(last_byte / REG_KERNEL_WORD_BYTES), (unsigned long)words);
            return bad(c, CNN_ERR_PROGRAM, lead, CNN_LR_MCNT, why);
        }
    }
    if ((uint64_t)l->np * l->passes * l->ks > REG_WEIGHTS_PER_SLOT)
        return bad(c, CNN_ERR_PROGRAM, lead, CNN_LR_MCNT, "needs more weights per output channel than the model holds");
    /* Output processors: LCTRL1.xpch_max = (last - first rounded down to 4) x bits. */
    uint32_t xpch = (lctrl1 >> 8) & 0x1FFu;
    if (xpch % l->bits != 0 || xpch / l->bits >= REG_PROCESSORS)
        return bad(c, CNN_ERR_PROGRAM, lead, CNN_LR_LCTRL1, "has an xpch_max that is not a processor span times the weight bits");
    l->span = (uint16_t)(xpch / l->bits + 1u);

    /* Bias: POST.bptr_en in exactly one running quadrant; slot o reads byte bptr_sad + o. */
    int bias_q = -1;
    for (unsigned q = 0; q < REG_QUADRANTS; q++) {
        if (!(c->running & (1u << q)) || !(reg(q, y, CNN_LR_POST) & (1u << 12)))
            continue;
        if (bias_q >= 0)
            return bad(c, CNN_ERR_UNSUPPORTED, q, CNN_LR_POST,
                       "enables the bias in a second quadrant (per-quadrant biases are depthwise, which MAX78000 lacks)");
        bias_q = (int)q;
    }
    if (bias_q >= 0) {
        l->bias_en = true;
        l->bias_q = (uint8_t)bias_q;
        l->bias_off = (uint16_t)(reg(bias_q, y, CNN_LR_POST) & 0xFFFu);
        /* The tool gives a layer bias bytes for its channels only (C_out plus the lead of an
         * unaligned first output processor), so the last pass's unused slots of a layer placed at
         * the end of a quadrant's bias memory point past it: they compute nothing anyone reads,
         * and their bias reads as 0 here (reg_exec.c). The layer's first byte must be inside. */
        if (l->bias_off >= syn_reg_the.chip->bias_per_quadrant)
            return bad(c, CNN_ERR_PROGRAM, (unsigned)bias_q, CNN_LR_POST, "points the bias past the quadrant's bias memory");
    }
    /* Sums: the master adds the partial products of every other quadrant with processors (and
     * the bias quadrant's) only if its LCTRL0.cnnsi_en says so. */
    uint32_t cnnsi = (reg(c->master, y, CNN_LR_LCTRL0) >> 12) & 0xFu;
    for (unsigned q = 0; q < REG_QUADRANTS; q++) {
        bool needed = q != c->master && (((l->processors >> (16u * q)) & 0xFFFFu) != 0 || (int)q == bias_q);
        if (needed && !(cnnsi & (1u << q))) {
            char why[120];
            syn_format(why, sizeof why, "does not add quadrant %u's products (cnnsi_en lacks bit %u)", q, 12u + q);
            return bad(c, CNN_ERR_PROGRAM, c->master, CNN_LR_LCTRL0, why);
        }
    }

    /* Writes: slot o is pass e = o / span, position o % span from the first output instance;
     * 4 positions share an instance (WPTR_MOFF apart), one per byte lane (32-bit: one per word). */
    bool one_by_one = l->ks == 1 && !l->conv1d;
    uint32_t toff = reg(lead, y, CNN_LR_WPTR_TOFF);
    if (toff != (one_by_one ? 1u : 0u))
        return bad(c, CNN_ERR_UNSUPPORTED, lead, CNN_LR_WPTR_TOFF,
                   "is not the tool's timeslot offset (1 for a 1x1 convolution, else 0), the only one the model implements");
    l->wbase[0] = reg(lead, y, CNN_LR_WPTR_BASE);
    l->wmoff = reg(lead, y, CNN_LR_WPTR_MOFF);
    l->wchoff = reg(lead, y, CNN_LR_WPTR_CHOFF);
    l->winc = (lctrl1 >> 4) & 0xFu;
    if (unknown_bits(c, lead, CNN_LR_WPTR_BASE, 0x1FFFFu) || unknown_bits(c, lead, CNN_LR_WPTR_MOFF, 0x1FFFFu)
        || unknown_bits(c, lead, CNN_LR_WPTR_CHOFF, 0xFFFFu))
        return false;
    uint32_t passes_out = (uint32_t)ceil_div(l->slots, l->span);
    uint32_t groups = ((l->slots < l->span ? l->slots : l->span) + 3u) / 4u;
    uint64_t pix = (uint64_t)l->out_r * l->out_c;
    uint64_t last = l->wbase[0] + (uint64_t)(groups - 1u) * l->wmoff + (pix - 1u) * (l->winc + 1u) * (l->wide ? 4u : 1u)
                    + (uint64_t)(passes_out - 1u) * l->wchoff + (l->wide ? 3u : 0u);
    if (!check_write_end(c, lead, last))
        return false;

    /* The cycle model's inputs. */
    accel_cycle_inputs *in = &l->cyc;
    in->co = (int64_t)passes_out * l->span;
    return true;
}

static bool decode_passthrough(const ctx *c, reg_layer *l, unsigned lead, uint32_t post, uint32_t lctrl1)
{
    unsigned y = c->index;
    if (!(post & (1u << 24)))
        return bad(c, CNN_ERR_UNSUPPORTED, lead, CNN_LR_POST,
                   "enables no kernels (EN mask_en = 0) and no timeslots (ts_en): neither a convolution nor a passthrough");
    if (l->act != ACT_NONE || l->wide)
        return bad(c, CNN_ERR_UNSUPPORTED, lead, l->wide ? CNN_LR_LCTRL0 : CNN_LR_POST,
                   "asks a passthrough layer for an activation or 32-bit output, which the tool never programs");
    if (l->pad_r || l->pad_c)
        return bad(c, CNN_ERR_UNSUPPORTED, lead, CNN_LR_RCNT, "pads a passthrough layer");
    for (unsigned q = 0; q < REG_QUADRANTS; q++)
        if ((c->running & (1u << q)) && (reg(q, y, CNN_LR_POST) & (1u << 12)))
            return bad(c, CNN_ERR_UNSUPPORTED, q, CNN_LR_POST, "enables a bias in a passthrough layer");
    if (reg(c->master, y, CNN_LR_LCTRL0) & (0xFu << 12))
        return bad(c, CNN_ERR_UNSUPPORTED, c->master, CNN_LR_LCTRL0, "sums quadrants (cnnsi_en) in a passthrough layer");
    l->winc = (lctrl1 >> 4) & 0xFu;
    l->wmoff = reg(lead, y, CNN_LR_WPTR_MOFF);
    l->wchoff = reg(lead, y, CNN_LR_WPTR_CHOFF);
    if (l->wmoff != 0)
        return bad(c, CNN_ERR_UNSUPPORTED, lead, CNN_LR_WPTR_MOFF, "is set in a passthrough layer (the tool leaves it 0)");
    if (l->passes > 1 && l->wchoff != l->winc + 1u)
        return bad(c, CNN_ERR_UNSUPPORTED, lead, CNN_LR_WPTR_CHOFF,
                   "is not the write step (wptr_inc + 1) of a multi-pass passthrough, the only scheme the model implements");
    /* Each quadrant writes its own processors' channels: the k-th enabled processor of the
     * quadrant to byte lane k % 4 of timeslot k / 4, WPTR_TOFF words apart, from its WPTR_BASE. */
    uint64_t pix = (uint64_t)l->pooled_r * l->pooled_c;
    unsigned tscnt = 0;
    for (unsigned q = 0; q < REG_QUADRANTS; q++) {
        unsigned n = popcount64((l->processors >> (16u * q)) & 0xFFFFu);
        if (n == 0)
            continue;
        if (unknown_bits(c, q, CNN_LR_WPTR_BASE, 0x1FFFFu) || unknown_bits(c, q, CNN_LR_WPTR_TOFF, 0x1FFFFu))
            return false;
        l->wbase[q] = reg(q, y, CNN_LR_WPTR_BASE);
        uint32_t toff = reg(q, y, CNN_LR_WPTR_TOFF);
        if (q == lead)
            l->wtoff = toff;
        else if (n > 4 && toff != l->wtoff && !agree(c, lead, q, CNN_LR_WPTR_TOFF, ~0u))
            return false;
        if ((n - 1u) / 4u > tscnt)
            tscnt = (n - 1u) / 4u;
        uint64_t last = l->wbase[q] + (uint64_t)((n - 1u) / 4u) * toff + (pix * l->passes - 1u) * (l->winc + 1u);
        if (!check_write_end(c, q, last))
            return false;
    }
    l->slots = 0;
    l->cyc.t = tscnt + 1u;
    l->cyc.co = 0;
    return true;
}

bool syn_reg_decode_layer(unsigned index, unsigned master, unsigned running, reg_layer *l, cnn_error *err)
{
    ctx c = { index, master, running, err };
    unsigned y = index;
    memset(l, 0, sizeof *l);
    l->index = (uint16_t)y;

    /* Processors: EN.pro_en of every quadrant; kernels (EN.mask_en) make it a convolution. */
    uint64_t mask = 0;
    for (unsigned q = 0; q < REG_QUADRANTS; q++) {
        uint32_t en = reg(q, y, CNN_LR_EN);
        if (en == 0)
            continue;
        if (!(running & (1u << q)))
            return bad(&c, CNN_ERR_PROGRAM, q, CNN_LR_EN, "enables processors in a quadrant that is not running (CTRL.cnn_en)");
        l->processors |= (uint64_t)(en & 0xFFFFu) << (16u * q);
        mask |= (uint64_t)(en >> 16) << (16u * q);
    }
    if (l->processors == 0)
        return syn_cnn_fail(err, CNN_ERR_PROGRAM, addr_of(master, y, CNN_LR_EN),
                        "layer %u: EN enables no processor in any running quadrant (LCNT_MAX runs it)", y);
    l->passthrough = mask == 0;
    if (!l->passthrough && mask != l->processors) {
        for (unsigned q = 0; q < REG_QUADRANTS; q++)
            if (((mask ^ l->processors) >> (16u * q)) & 0xFFFFu)
                return bad(&c, CNN_ERR_UNSUPPORTED, q, CNN_LR_EN,
                           "enables kernels (mask_en) of other processors than it enables (pro_en)");
    }
    for (unsigned p = 0; p < REG_PROCESSORS; p++)
        if (l->processors >> p & 1u)
            l->proc[l->np++] = (uint8_t)p;
    unsigned lead = l->proc[0] / 16u;

    /* One layer, one description: the quadrants with processors agree. */
    const cnn_layer_reg *shared = l->passthrough ? shared_pass : shared_conv;
    size_t n_shared = l->passthrough ? sizeof shared_pass / sizeof shared_pass[0] : sizeof shared_conv / sizeof shared_conv[0];
    for (unsigned q = lead + 1; q < REG_QUADRANTS; q++) {
        if (((l->processors >> (16u * q)) & 0xFFFFu) == 0)
            continue;
        for (size_t i = 0; i < n_shared; i++)
            if (!agree(&c, lead, q, shared[i], ~0u))
                return false;
        if (!agree(&c, lead, q, CNN_LR_LCTRL0, LCTRL0_SHARED) || !agree(&c, lead, q, CNN_LR_POST, POST_SHARED)
            || (l->passthrough && !agree(&c, lead, q, CNN_LR_ONED, ~0xFu)))
            return false;
    }

    uint32_t rcnt = reg(lead, y, CNN_LR_RCNT), ccnt = reg(lead, y, CNN_LR_CCNT), oned = reg(lead, y, CNN_LR_ONED);
    uint32_t lctrl0 = reg(lead, y, CNN_LR_LCTRL0), lctrl1 = reg(lead, y, CNN_LR_LCTRL1), post = reg(lead, y, CNN_LR_POST);
    if (unknown_bits(&c, lead, CNN_LR_RCNT, 0x303FFu) || unknown_bits(&c, lead, CNN_LR_CCNT, 0x303FFu)
        || unknown_bits(&c, lead, CNN_LR_ONED, 0x3FFFFFu) || unknown_bits(&c, lead, CNN_LR_PRCNT, 0xFu)
        || unknown_bits(&c, lead, CNN_LR_PCCNT, 0xFu) || unknown_bits(&c, lead, CNN_LR_STRIDE, 0xFu)
        || unknown_bits(&c, lead, CNN_LR_RPTR_BASE, 0x1FFFFu) || unknown_bits(&c, lead, CNN_LR_LCTRL1, 0x1FFFFu)
        || unknown_bits(&c, lead, CNN_LR_POST, 0x1FFFFFFFu))
        return false;
    /* LCTRL0: cpad_only (10), mslave (4) and sslave (3:0) are not implemented; sramlsrc (11),
     * the global write bus, is what the tool always sets. */
    if (unknown_bits(&c, lead, CNN_LR_LCTRL0, 0x1FBE0u))
        return false;
    if (!(lctrl0 & (1u << 11)))
        return bad(&c, CNN_ERR_UNSUPPORTED, lead, CNN_LR_LCTRL0, "writes through the local bus (sramlsrc = 0), which the model does not implement");

    /* Rows and columns: [9:0] = rows - 1 + 2 x pad, [17:16] = pad. */
    l->pad_r = (uint8_t)((rcnt >> 16) & 3u);
    l->pad_c = (uint8_t)((ccnt >> 16) & 3u);
    int hw_rows = (int)(rcnt & 0x3FFu) - 2 * l->pad_r + 1, hw_cols = (int)(ccnt & 0x3FFu) - 2 * l->pad_c + 1;
    if (hw_rows < 1 || hw_cols < 1)
        return bad(&c, CNN_ERR_PROGRAM, lead, hw_rows < 1 ? CNN_LR_RCNT : CNN_LR_CCNT, "counts fewer than one row or column besides the padding");
    l->hw_rows = (uint16_t)hw_rows;
    l->hw_cols = (uint16_t)hw_cols;

    /* Layer control and post-processing. */
    l->wide = (lctrl0 >> 16) & 1u;
    l->pool_en = (lctrl0 >> 7) & 1u;
    l->pool_max = (lctrl0 >> 8) & 1u;
    l->chw = (lctrl0 >> 6) & 1u;
    bool relu = (lctrl0 >> 9) & 1u, absolute = (post >> 26) & 1u;
    if (relu && absolute)
        return bad(&c, CNN_ERR_PROGRAM, lead, CNN_LR_POST, "asks for Abs (out_abs) while LCTRL0 asks for ReLU");
    l->act = relu ? ACT_RELU : absolute ? ACT_ABS : ACT_NONE;
    static const uint8_t bits_of[4] = { 8, 1, 2, 4 };
    l->bits = bits_of[(post >> 22) & 3u];
    unsigned magnitude = (post >> 13) & 0xFu;
    l->shift = (post >> 17) & 1u ? -(int)magnitude : (int)magnitude;
    l->deconv = (post >> 28) & 1u;
    bool flatten = (post >> 27) & 1u;
    unsigned xpmp = (post >> 18) & 0xFu;
    if (!flatten && xpmp != 0)
        return bad(&c, CNN_ERR_PROGRAM, lead, CNN_LR_POST, "sets xpmp_cnt without flatten_en");
    /* Passes: LCTRL1.inpchexp + 1, and xpmp_cnt x 16 more when flattening (the tool flattens H x W
     * pixels of m passes into m x H x W passes of one pixel). */
    l->passes = (uint16_t)(((flatten ? xpmp << 4 : 0u) | (lctrl1 & 0xFu)) + 1u);

    /* Element-wise: ONED ewise_en (13), function (15:14), operands - 1 (21:18), prepool (16). */
    if ((oned >> 13) & 1u) {
        static const accel_eltwise funcs[4] = { ELT_SUB, ELT_ADD, ELT_OR, ELT_XOR };
        l->operands = (uint8_t)(((oned >> 18) & 0xFu) + 1u);
        l->eltwise = funcs[(oned >> 14) & 3u];
        l->prepool = (oned >> 16) & 1u;
        if (l->operands < 2)
            return bad(&c, CNN_ERR_PROGRAM, lead, CNN_LR_ONED, "enables an element-wise operation of one operand");
        if (((oned >> 17) & 1u) != (l->passthrough ? 0u : 1u))
            return bad(&c, CNN_ERR_UNSUPPORTED, lead, CNN_LR_ONED,
                       "sets the convolve-after-element-wise bit (17) other than the tool does (set with kernels, clear without)");
    } else {
        l->operands = 1;
        if (oned & (0xFu << 14))
            return bad(&c, CNN_ERR_PROGRAM, lead, CNN_LR_ONED, "sets element-wise fields without ewise_en");
    }

    /* The operation's kernel: ONED oned_en (12) with oned_width taps = conv1d, width 1 = 1x1,
     * width 0 = 3x3; POST.deconv = transposed 3x3 over the input stretched 2x. */
    unsigned width = (oned >> 8) & 0xFu;
    if (!l->passthrough) {
        if ((oned >> 12) & 1u) {
            if (width == 0 || hw_cols != 1 || l->pad_c != 0 || l->deconv)
                return bad(&c, CNN_ERR_PROGRAM, lead, CNN_LR_ONED,
                           "asks for a 1D convolution without taps, over more than one column, or transposed");
            l->conv1d = true;
            l->kr = (uint8_t)width;
            l->kc = 1;
        } else if (width == 1) {
            l->kr = l->kc = 1;
        } else if (width == 0) {
            l->kr = l->kc = 3;
        } else {
            return bad(&c, CNN_ERR_UNSUPPORTED, lead, CNN_LR_ONED, "asks for a 2D kernel other than 1x1 or 3x3");
        }
        l->ks = (uint8_t)(l->kr * l->kc);
        if ((post >> 24) & 3u)
            return bad(&c, CNN_ERR_UNSUPPORTED, lead, CNN_LR_POST, "sets ts_en or onexone_en in a layer with kernels");
        if (l->deconv && l->ks != 9)
            return bad(&c, CNN_ERR_UNSUPPORTED, lead, CNN_LR_POST, "transposes a kernel other than 3x3");
    } else if (l->deconv || flatten) {
        return bad(&c, CNN_ERR_PROGRAM, lead, CNN_LR_POST, "transposes or flattens a layer without kernels");
    }

    /* Pooling (PRCNT/PCCNT = size - 1 when LCTRL0.pool_en) and the stride (STRIDE + 1, which
     * subsamples without pooling too). */
    uint32_t prcnt = reg(lead, y, CNN_LR_PRCNT), pccnt = reg(lead, y, CNN_LR_PCCNT);
    if (!l->pool_en && (prcnt || pccnt))
        return bad(&c, CNN_ERR_PROGRAM, lead, CNN_LR_PRCNT, "gives a pooling window while LCTRL0.pool_en is off");
    l->pool_r = (uint8_t)(prcnt + 1u);
    l->pool_c = (uint8_t)(pccnt + 1u);
    l->stride = (uint8_t)(reg(lead, y, CNN_LR_STRIDE) + 1u);
    if (l->deconv) {
        if (l->pool_en || l->stride != 1 || (hw_rows & 1) || (hw_cols & 1))
            return bad(&c, CNN_ERR_UNSUPPORTED, lead, CNN_LR_POST,
                       "transposes with pooling, a stride, or an odd stretched size");
        l->rows = (uint16_t)(hw_rows / 2);
        l->cols = (uint16_t)(hw_cols / 2);
        l->pooled_r = l->hw_rows;
        l->pooled_c = l->hw_cols;
    } else {
        if (l->pool_r > hw_rows || l->pool_c > hw_cols)
            return bad(&c, CNN_ERR_PROGRAM, lead, CNN_LR_PRCNT, "pools a window larger than the input");
        if (l->conv1d && l->pool_c != 1)
            return bad(&c, CNN_ERR_PROGRAM, lead, CNN_LR_PCCNT, "pools columns of a 1D layer");
        l->rows = l->hw_rows;
        l->cols = l->hw_cols;
        l->pooled_r = (uint16_t)((hw_rows - l->pool_r) / l->stride + 1);
        l->pooled_c = (uint16_t)((hw_cols - l->pool_c) / l->stride + 1);
    }
    if (!l->passthrough) {
        int out_r = (int)l->pooled_r + 2 * l->pad_r - l->kr + 1, out_c = (int)l->pooled_c + 2 * l->pad_c - l->kc + 1;
        if (out_r < 1 || out_c < 1)
            return bad(&c, CNN_ERR_PROGRAM, lead, CNN_LR_RCNT, "leaves no output pixel after the kernel");
        l->out_r = (uint16_t)out_r;
        l->out_c = (uint16_t)out_c;
    } else {
        l->out_r = l->pooled_r;
        l->out_c = l->pooled_c;
    }

    /* Reading: RPTR_BASE is the word of the input in each processor's own instance. */
    l->rptr = reg(lead, y, CNN_LR_RPTR_BASE);
    if (l->chw && (l->passes != 1 || l->operands != 1))
        return bad(&c, CNN_ERR_UNSUPPORTED, lead, CNN_LR_LCTRL0, "reads one byte per pixel (parallel) with several passes or operands");
    if (!check_reads(&c, l, lead))
        return false;

    if (!(l->passthrough ? decode_passthrough(&c, l, lead, post, lctrl1) : decode_conv(&c, l, lead, oned, lctrl1)))
        return false;

    /* The cycle model (MAX78000.md section 3) on what the registers say. A flattening layer
     * is the hardware's 1x1 over one pixel with m x H x W passes (its registers hold only that
     * product); a layer with one operand or no pooling is counted pool-first, the default,
     * since no register holds the difference. */
    accel_cycle_inputs *in = &l->cyc;
    in->m = l->passes;
    in->e = l->operands;
    in->ph = l->pool_en ? l->pool_r : 1;
    in->pw = l->pool_en ? l->pool_c : 1;
    in->hp = l->pooled_r;
    in->wp = l->pooled_c;
    in->kr = l->passthrough ? 1 : l->kr;
    in->kc = l->passthrough ? 1 : l->kc;
    in->pr = l->pad_r;
    in->pc = l->pad_c;
    in->wo = l->out_c;
    in->passthrough = l->passthrough;
    in->pool_first = !(l->operands > 1 && l->pool_en && !l->prepool);
    in->flatten = false;
    in->streaming = false;
    if (l->passthrough && syn_reg_the.chip->cycles_passthrough_pool_extra_passes && l->pool_en && l->passes > 1)
        in->m = 2 * in->m - 1;
    if (syn_reg_the.chip->cycles_preread_term && !in->pool_first && (in->m > 1 || in->e > 1)) {
        int64_t kernel_start = l->passthrough ? 0 : l->kstart / REG_KERNEL_WORD_BYTES;
        in->preread = ((in->hp + 2 * in->pr - in->kc + 1) * in->pc + (in->wp + 2 * in->pc - in->kr + 1) * in->pr
                       - in->pr * in->pc) * kernel_start;
    }
    l->cycles = syn_accel_cycles_from(in);
    return true;
}
