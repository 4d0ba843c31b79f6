/* The register engine behind accel.h (accel/reg/reg_engine.c) and its parts, without the
 * protocol: the golden images loaded with syn_accel_load_image give the tool's outputs through
 * syn_accel_output_into and the cycle model's per-layer cycles through syn_accel_measured_cycles; the
 * exact memo serves it; each engine refuses the other's calls by name; configure tables (their
 * refusals, and a move there and back); the format 2 header decoder's refusals; and compaction
 * from a scrambled placement (chains and cycles of column moves) to the fit's, word for word. */
#include <stdio.h>
#include <string.h>

#include "accel.h"
#include "accel_memo.h"
#include "cnn_driver.h"
#include "cycles.h"
#include "golden.h"
#include "harness.h"
#include "reg/reg_compact.h"
#include "reg/reg_table.h"
#include "seg2_golden.h"

static golden_set G;
static accel_layer hw[GOLDEN_MAX_LAYERS];
static uint32_t table[4u * CNN_LR_COUNT * GOLDEN_MAX_LAYERS];
static accel_segment seg;
static reg_image img;
static int32_t out32[1u << 16];
static fit_ctx fctx;
static fit_result fres;

static const char *const SETS[] = { "mnist", "kws20_v3", "cifar100-ressimplenet-synth" };

static bool load(const char *name)
{
    char why[300];
    if (!golden_load(name, &G, why, sizeof why) || !G.have_image) {
        FAIL("golden %s: %s", name, G.have_image ? why : "no hw-image.json");
        return false;
    }
    seg2_hardware_layers(&G, hw);
    memset(&seg, 0, sizeof seg);
    snprintf(seg.model, sizeof seg.model, "%s", G.name);
    seg.count = G.n_layers;
    seg.layers = hw;
    seg.n_inputs = 1;
    seg.inputs[0] = (accel_tensor){ -1, G.input_shape, 8 };
    const accel_layer *last = &hw[G.n_layers - 1];
    seg.n_outputs = 1;
    seg.outputs[0] = (accel_tensor){ (int16_t)last->index, last->output_shape, last->output_width };
    cnn_error ce;
    if (!CHECK(syn_reg_table_from_writes(G.chip, G.image.configure, G.image.n_configure, G.n_layers, table, &ce)))
        return false;
    img = G.image;
    img.table = table;
    fit_segment self = { hw, G.n_layers };
    return CHECK(syn_fit_run(&fctx, G.chip, &self, 1, &fres));
}

static uint32_t out_len(void)
{
    const accel_tensor *t = &seg.outputs[0];
    return (uint32_t)t->shape.c * t->shape.h * t->shape.w * (t->width / 8u);
}

static bool same_as_expected(const void *out)
{
    bool wide = seg.outputs[0].width == 32;
    for (uint32_t i = 0; i < G.n_expected; i++) {
        int32_t v = wide ? ((const int32_t *)out)[i] : ((const int8_t *)out)[i];
        if (v != G.expected[i]) {
            FAIL("%s: output %lu is %ld, the tool's %ld", G.name, (unsigned long)i, (long)v, (long)G.expected[i]);
            return false;
        }
    }
    return true;
}

static bool run(accel_ctx *ctx, uint8_t slot, const int8_t *input)
{
    accel_error err;
    accel_buffer in = { seg.inputs[0], input, (uint32_t)G.input_shape.c * G.input_shape.h * G.input_shape.w };
    if (!syn_accel_run(ctx, slot, &in, 1, NULL, NULL, &err)) {
        FAIL("%s: run: %s", G.name, err.msg);
        return false;
    }
    if (!syn_accel_output_into(ctx, seg.outputs[0].source, out32, out_len(), &err)) {
        FAIL("%s: output: %s", G.name, err.msg);
        return false;
    }
    return true;
}

static void golden_images(void)
{
    for (size_t s = 0; s < sizeof SETS / sizeof SETS[0]; s++) {
        accel_error err;
        accel_ctx *ctx = syn_accel_open(&syn_accel_engine_register, syn_chip_find("max78000"), &err);
        if (!CHECK(ctx != NULL) || !load(SETS[s]))
            continue;
        uint8_t slot;
        if (!syn_accel_load_image(ctx, &seg, &img, &slot, &err)) {
            FAIL("%s: load: %s", G.name, err.msg);
            continue;
        }
        if (!run(ctx, slot, G.input) || !same_as_expected(out32))
            continue;
        uint32_t cycles[GOLDEN_MAX_LAYERS];
        CHECK(syn_accel_measured_cycles(ctx, cycles, G.n_layers));
        CHECK(!syn_accel_measured_cycles(ctx, cycles, G.n_layers - 1u));   /* not this segment's count */
        for (uint16_t k = 0; k < G.n_layers; k++) {
            uint64_t want = syn_accel_layer_cycles(&hw[k], G.chip, fres.per_layer[k].kernel_start);
            if (cycles[k] != want)
                FAIL("%s layer %u: %lu cycles measured, the model's %llu", G.name, k, (unsigned long)cycles[k],
                     (unsigned long long)want);
        }
        /* A second run (configure table already in place) gives the same bytes. */
        static int32_t first[1u << 16];
        memcpy(first, out32, out_len());
        CHECK(run(ctx, slot, G.input) && memcmp(first, out32, out_len()) == 0);
        /* No view of the outputs (they are in data memory), and only real outputs are gathered. */
        accel_buffer view;
        CHECK(!syn_accel_output(ctx, seg.outputs[0].source, &view));
        CHECK(!syn_accel_output_into(ctx, seg.outputs[0].source, out32, out_len() - 1u, &err));
        CHECK(strstr(err.msg, "bytes") != NULL);
        CHECK(!syn_accel_output_into(ctx, 0, out32, out_len(), &err) || seg.outputs[0].source == 0);
        CHECK(syn_accel_unload(ctx, slot));
        CHECK(!syn_accel_run(ctx, slot, NULL, 0, NULL, NULL, &err));
        CHECK_EQ(err.status, ACCEL_ERR_STATE);
    }
}

static void engines_refuse_each_other(void)
{
    if (!load("mnist"))
        return;
    accel_error err;
    const syn_chip *chip = syn_chip_find("max78000");
    accel_ctx *reg = syn_accel_open(&syn_accel_engine_register, chip, &err);
    uint8_t slot;
    CHECK(!syn_accel_load(reg, &seg, &slot, &err));
    CHECK_EQ(err.status, ACCEL_ERR_UNSUPPORTED);
    CHECK_STR(err.msg, "segment format 1 (layer descriptions): the register engine runs format 2 segments");
    accel_ctx *layer = syn_accel_open(&syn_accel_engine_layer, chip, &err);
    CHECK(!syn_accel_load_image(layer, &seg, &img, &slot, &err));
    CHECK_STR(err.msg, "segment format 2 (register program): the layer engine runs format 1 segments");
    CHECK(!syn_accel_stream_begin(layer, &img, &fctx, &fres, 0, 1, 0, 0, &err));
    CHECK_STR(err.msg, "the layer engine takes no register segments");
    CHECK(!syn_accel_relocate(layer, &fctx, NULL, 0, NULL, &err));
    CHECK(syn_accel_open(&syn_accel_engine_register, syn_chip_find("max78002"), &err) == NULL);
    CHECK_STR(err.msg, "register engine: max78002 is not covered (its per-layer registers differ)");
    CHECK_STR(syn_accel_engine_name(&syn_accel_engine_register), "register");
    CHECK_EQ(syn_accel_engine_format(&syn_accel_engine_register), 2);
    CHECK_STR(syn_accel_engine_name(&syn_accel_engine_layer), "layer");
    CHECK_EQ(syn_accel_engine_format(&syn_accel_engine_layer), 1);
    /* An image whose table programs other layers than the segment has: refused at load. */
    img.layers = (uint16_t)(seg.count + 1u);
    CHECK(!syn_accel_load_image(reg, &seg, &img, &slot, &err));
    CHECK(strstr(err.msg, "the image programs 6 layers, the segment has 5") != NULL);
}

static uint8_t memo_mem[4u << 20];

static void memo_serves_the_register_engine(void)
{
    if (!load("kws20_v3"))
        return;
    accel_error err;
    accel_ctx *ctx = syn_accel_open(&syn_accel_engine_register, G.chip, &err);
    CHECK(syn_accel_memo_use(memo_mem, sizeof memo_mem));
    uint8_t slot;
    if (!CHECK(syn_accel_load_image(ctx, &seg, &img, &slot, &err)))
        return;
    static int32_t computed[1u << 16];
    static int8_t other[1u << 16];
    uint32_t in_len = (uint32_t)G.input_shape.c * G.input_shape.h * G.input_shape.w;
    for (uint32_t i = 0; i < in_len; i++)
        other[i] = (int8_t)(G.input[i] ^ 0x15);
    CHECK(run(ctx, slot, G.input) && same_as_expected(out32));
    memcpy(computed, out32, out_len());
    accel_memo_stats st;
    syn_accel_memo_stats_get(&st);
    CHECK_EQ(st.misses, 1);
    CHECK_EQ(st.stored, 1);
    CHECK(run(ctx, slot, other));   /* another input: computed, stored */
    memset(out32, 0, out_len());
    CHECK(run(ctx, slot, G.input));   /* the first input again: from the memo, the same bytes */
    CHECK(memcmp(computed, out32, out_len()) == 0);
    syn_accel_memo_stats_get(&st);
    CHECK_EQ(st.hits, 1);
    CHECK_EQ(st.misses, 2);
    uint32_t cycles[GOLDEN_MAX_LAYERS];
    CHECK(syn_accel_measured_cycles(ctx, cycles, G.n_layers));
    /* A reload is a new load: its first run computes. */
    CHECK(syn_accel_unload(ctx, slot));
    CHECK(syn_accel_load_image(ctx, &seg, &img, &slot, &err));
    CHECK(run(ctx, slot, G.input) && memcmp(computed, out32, out_len()) == 0);
    syn_accel_memo_stats_get(&st);
    CHECK_EQ(st.hits, 1);
    CHECK_EQ(st.misses, 3);
    syn_accel_memo_use(NULL, 0);
}

static void tables(void)
{
    if (!load("cifar100-ressimplenet-synth"))
        return;
    const syn_chip *chip = G.chip;
    cnn_error ce;
    reg_write bad[1];
    static uint32_t t2[4u * CNN_LR_COUNT * GOLDEN_MAX_LAYERS];
    bad[0] = (reg_write){ syn_cnn_layer_address(chip, 1, CNN_LR_POST, 3) + 2u, 1 };
    CHECK(!syn_reg_table_from_writes(chip, bad, 1, G.n_layers, t2, &ce));
    CHECK_STR(ce.msg, "configure[0]: 0x5050079e is not 32-bit aligned");
    bad[0] = (reg_write){ syn_cnn_control_address(chip, 0, 2), 1 };
    CHECK(!syn_reg_table_from_writes(chip, bad, 1, G.n_layers, t2, &ce));
    CHECK_STR(ce.msg, "configure[0]: 0x50100008 is not a per-layer register");
    bad[0] = (reg_write){ 0x40000000u, 1 };
    CHECK(!syn_reg_table_from_writes(chip, bad, 1, G.n_layers, t2, &ce));
    CHECK_STR(ce.msg, "configure[0]: 0x40000000 is outside the CNN windows");
    bad[0] = (reg_write){ syn_cnn_layer_address(chip, 2, CNN_LR_MCNT, 20), 1 };
    CHECK(!syn_reg_table_from_writes(chip, bad, 1, G.n_layers, t2, &ce));
    CHECK_STR(ce.msg, "configure[0]: MCNT of slot 20, the segment has 17 layers");

    /* Every layer moved to other columns and another bias quadrant and back: the same table, and
     * the place checks pass where the registers say. */
    uint8_t groups = syn_reg_groups_of(chip, G.image.init, G.image.n_init);
    memcpy(t2, table, sizeof table);
    for (uint16_t k = 0; k < G.n_layers; k++) {
        const fit_layer_result *p = &fres.per_layer[k];
        reg_place at = { p->kernel_start, p->bias_quadrant, p->bias_offset };
        reg_place moved = { p->kernel_start + 37u, p->bias_quadrant >= 0 ? (int8_t)((p->bias_quadrant + 1) % 4) : -1,
                            (uint16_t)(p->bias_offset + 3u) };
        CHECK(syn_reg_table_check_place(chip, t2, G.n_layers, k, groups, &at, &ce));
        CHECK(syn_reg_table_move(chip, t2, G.n_layers, k, groups, &at, &moved, &ce));
        if (!syn_reg_table_check_place(chip, t2, G.n_layers, k, groups, &moved, &ce))
            FAIL("layer %u moved: %s", k, ce.msg);
        CHECK(!syn_reg_table_check_place(chip, t2, G.n_layers, k, groups, &at, &ce) || !syn_reg_table_is_conv(chip, t2, G.n_layers, k));
        CHECK(syn_reg_table_move(chip, t2, G.n_layers, k, groups, &moved, &at, &ce));
    }
    CHECK_MEM((const uint8_t *)t2, sizeof table, (const uint8_t *)table, sizeof table);
}

/* ---- compaction from a scrambled placement ----------------------------------------------------- */

static uint32_t want_kernel[64u * 768u * 3u], got_kernel[64u * 768u * 3u];
static uint32_t want_bias[4u * 512u], got_bias[4u * 512u];

static void snapshot(uint32_t *kernel, uint32_t *bias)
{
    const syn_chip *chip = syn_chip_find("max78000");
    cnn_error ce;
    for (unsigned p = 0; p < 64; p++)
        for (uint32_t c = 0; c < 768; c++)
            for (unsigned i = 0; i < 3; i++)
                syn_cnn_read(syn_cnn_kernel_base(chip, p) + 16u * c + 4u * i, &kernel[(p * 768u + c) * 3u + i], &ce);
    for (unsigned q = 0; q < 4; q++)
        for (uint32_t i = 0; i < 512; i++)
            syn_cnn_read(syn_cnn_bias_address(chip, q, i), &bias[q * 512u + i], &ce);
}

/* The golden image loaded where the fit puts it (the tool's own placement), its memories noted;
 * then every layer's kernels and bias written instead where the layers would lie in reverse order,
 * and syn_reg_compact moves them back: the same memories, and the tool's outputs. */
static bool compaction_from_reverse(const char *name)
{
    if (!load(name))
        return false;
    const syn_chip *chip = G.chip;
    cnn_error ce;
    CHECK(syn_cnn_open(chip, &ce) && syn_reg_program_load(&img, &ce));
    snapshot(want_kernel, want_bias);

    /* Scrambled: layers in reverse order from column 64, each by its extent over every
     * processor; biases likewise from byte 0 of the quadrant after the fit's. */
    static reg_place from[GOLDEN_MAX_LAYERS];
    int64_t next_column = 64;
    uint32_t next_bias[4] = { 0, 0, 0, 0 };
    for (int k = G.n_layers - 1; k >= 0; k--) {
        const fit_layer_result *p = &fres.per_layer[k];
        int64_t lo = INT64_MAX, hi = 0;
        for (unsigned q = 0; q < 64; q++) {
            const int32_t *runs;
            uint16_t n = syn_fit_layer_columns(&fctx, &fres, (uint16_t)k, q, &runs);
            for (uint16_t i = 0; i < n; i++) {
                lo = runs[2 * i] < lo ? runs[2 * i] : lo;
                hi = runs[2 * i + 1] > hi ? runs[2 * i + 1] : hi;
            }
        }
        from[k].kernel_start = p->kernel_start;
        if (hi > lo) {
            from[k].kernel_start = (uint32_t)(next_column + (int64_t)p->kernel_start - lo);
            next_column += hi - lo;
        }
        from[k].bias_quadrant = p->bias_quadrant;
        from[k].bias_offset = p->bias_offset;
        if (p->bias_quadrant >= 0 && p->bias_quadrant < 4) {
            unsigned q = (unsigned)(p->bias_quadrant + 1) % 4u;
            from[k].bias_quadrant = (int8_t)q;
            from[k].bias_offset = (uint16_t)next_bias[q];
            next_bias[q] += p->bias_length;
        }
    }
    if (next_column > 768)
        return false;   /* this network's layers do not fit one after another: not a case here */
    /* Write the scrambled memories (the packed loader off: the direct form). */
    CHECK(syn_cnn_open(chip, &ce) && syn_reg_write_list(img.init, img.n_init, &ce));
    for (unsigned q = 0; q < 4; q++)
        CHECK(syn_cnn_write(syn_cnn_control_address(chip, q, 0), 0x8u, &ce));
    unsigned moved_layers = 0;
    for (uint16_t k = 0; k < G.n_layers; k++) {
        int32_t d = (int32_t)from[k].kernel_start - (int32_t)fres.per_layer[k].kernel_start;
        moved_layers += d != 0 ? 1u : 0u;
        for (unsigned p = 0; p < 64; p++) {
            const int32_t *runs;
            uint16_t n = syn_fit_layer_columns(&fctx, &fres, k, p, &runs);
            for (uint16_t i = 0; i < n; i++)
                for (int32_t c = runs[2 * i]; c < runs[2 * i + 1]; c++) {
                    uint32_t w[4] = { 0, 0, 0, 0 };
                    for (unsigned j = 0; j < 3; j++)
                        w[j] = want_kernel[(p * 768u + (uint32_t)c) * 3u + j];
                    CHECK(syn_cnn_write_block(syn_cnn_kernel_base(chip, p) + 16u * (uint32_t)(c + d), w, 4, &ce));
                }
        }
        const fit_layer_result *r = &fres.per_layer[k];
        if (r->bias_quadrant >= 0 && r->bias_quadrant < 4)
            for (uint32_t i = 0; i < r->bias_length; i++)
                CHECK(syn_cnn_write(syn_cnn_bias_address(chip, (unsigned)from[k].bias_quadrant, from[k].bias_offset + i),
                                want_bias[(unsigned)r->bias_quadrant * 512u + r->bias_offset + i], &ce));
    }
    CHECK(moved_layers > 1);
    CHECK(syn_reg_write_list(img.init, img.n_init, &ce));   /* the packed loader back on */
    if (!syn_reg_compact(chip, &fctx, &fres, 0, from, &ce)) {
        FAIL("%s: compaction: %s", name, ce.msg);
        return true;
    }
    snapshot(got_kernel, got_bias);
    CHECK_MEM((const uint8_t *)got_kernel, sizeof got_kernel, (const uint8_t *)want_kernel, sizeof want_kernel);
    CHECK_MEM((const uint8_t *)got_bias, sizeof got_bias, (const uint8_t *)want_bias, sizeof want_bias);
    const void *in[1] = { G.input };
    void *out[1] = { out32 };
    CHECK(syn_reg_program_run(&img, (uint16_t)(G.n_layers - 1u), in, out, &ce));
    same_as_expected(out32);
    return true;
}

static void compaction_scrambled(void)
{
    unsigned cases = 0;
    for (size_t s = 0; s < sizeof SETS / sizeof SETS[0]; s++)
        cases += compaction_from_reverse(SETS[s]) ? 1u : 0u;
    CHECK(cases >= 2);
}

/* ---- the format 2 header decoder ----------------------------------------------------------------- */

static seg2_parts P;
static uint8_t header[1u << 17];
static accel_layer dec_layers[GOLDEN_MAX_LAYERS];

static void expect_header_refusal(const char *what, const char *message)
{
    size_t n = seg2_header(&P, header, sizeof header);
    accel_segment s;
    static accel_segment2 h;
    char err[SYN_ACCEL_ERR_MAX];
    if (!CHECK(n > 0))
        return;
    if (syn_accel_segment2_decode(header, n, dec_layers, GOLDEN_MAX_LAYERS, &s, &h, err, sizeof err)) {
        FAIL("%s: decoded", what);
        return;
    }
    if (strcmp(err, message) != 0)
        FAIL("%s: \"%s\", expected \"%s\"", what, err, message);
}

static void header_decoder(void)
{
    if (!load("mnist"))
        return;
    char why[300];
    static seg2_parts base;
    if (!CHECK(seg2_from_golden(&G, NULL, 0, &base, why, sizeof why)))
        return;
    P = base;
    size_t n = seg2_header(&P, header, sizeof header);
    accel_segment s;
    static accel_segment2 h;
    char err[SYN_ACCEL_ERR_MAX];
    if (!CHECK(syn_accel_segment2_decode(header, n, dec_layers, GOLDEN_MAX_LAYERS, &s, &h, err, sizeof err)))
        printf("  %s\n", err);
    CHECK_STR(h.chip, "max78000");
    CHECK_EQ(h.n_init, base.n_init);
    CHECK_EQ(h.n_configure, base.n_configure);
    CHECK_EQ(h.n_start, base.n_start);
    CHECK_EQ(syn_accel_segment2_write_addr(h.configure, 1), base.configure[1].addr);
    CHECK_EQ(syn_accel_segment2_write_value(h.configure, 1), base.configure[1].value);
    CHECK_EQ(h.kernel_records, base.n_kernels);
    CHECK(s.params == NULL && s.count == 5);

    P = base;
    P.output_layout.source = 3;
    expect_header_refusal("an output layout for a tensor that is not an output",
                          "output_layouts[0].source: 3 is not one of the segment's outputs");
    P = base;
    P.input_layout.shape.c = 2;
    expect_header_refusal("an input layout of another shape",
                          "input_layouts[0].shape: [2, 28, 28]/8 bits differs from the tensor's [1, 28, 28]/8");
    P = base;
    P.omit_input_layout = true;
    expect_header_refusal("no layout for an input the layers read",
                          "inputs[0].source: -1 is read by the segment's layers and has no input layout");
    /* a header that is a format 1 description */
    P = base;
    n = seg2_header(&P, header, sizeof header);
    header[2] = 0x01;   /* {0: 2, ...} -> {0: 1, ...} */
    if (CHECK(!syn_accel_segment2_decode(header, n, dec_layers, GOLDEN_MAX_LAYERS, &s, &h, err, sizeof err)))
        CHECK_STR(err, "format: segment format 1 is not 2");
}

void suite_reg_engine(void)
{
    if (!golden_available())
        return;
    th_run("register engine: the golden images through accel.h: outputs gathered into the caller's buffer bit for bit, "
           "cycles by LCNT_MAX differencing equal the cycle model",
           golden_images);
    th_run("engines: each refuses the other's segments and calls by name", engines_refuse_each_other);
    th_run("register engine: the exact memo replays a run on the same input bytes, a reload computes", memo_serves_the_register_engine);
    th_run("configure tables: refusals by name; every layer moved and back is the same table", tables);
    th_run("compaction: from a reversed placement (chains and cycles of moves) back to the fit's, word for word",
           compaction_scrambled);
    th_run("format 2 header decoder: layouts checked against the segment, format named", header_decoder);
}
