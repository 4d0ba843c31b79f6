/* The software accelerator (accel/sim/) through accel.h: rounding against the plain formula,
 * small layers worked out by hand, resident segments, and every refusal with its status and a
 * message naming the place. The bulk of the arithmetic is checked against the TypeScript
 * executor (test/unit/exec-differential.test.ts) and the golden data. */
#include <string.h>

#include "accel.h"
#include "harness.h"
#include "sim/sim.h"
#include "sim/sim_layer.h"

static const syn_chip *chip(const char *name)
{
    const syn_chip *c = syn_chip_find(name);
    CHECK(c != NULL);
    return c;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* floor(0.5 + acc * 2^s / 128) = floor((acc * 2^s + 64) / 128) as a rational, clamped. */
static int32_t plain_requant(int64_t acc, int s)
{
    int64_t y = s >= 0 ? floor_div(acc * ((int64_t)1 << s) + 64, 128)
                       : floor_div(acc + ((int64_t)64 << -s), (int64_t)128 << -s);
    return y < -128 ? -128 : y > 127 ? 127 : (int32_t)y;
}

static void requant_matches_formula(void)
{
    static const int64_t accs[] = { 0, 1, -1, 63, 64, 65, -63, -64, -65, 127, 128, -128, -129, 191, 192, -192,
                                    -193, 16256, 16320, -16320, -16384, 1000003, -1000003, 268435456, -268435456 };
    int bad = 0;
    for (int s = -30; s <= 30; s++) {
        for (size_t k = 0; k < sizeof accs / sizeof accs[0]; k++) {
            /* Each value and the exact ties around it at this shift. */
            int64_t a = accs[k];
            int64_t tie = s < 7 ? ((int64_t)1 << (6 - (s < -20 ? -20 : s))) : 0;
            int64_t probes[3] = { a, a + tie, a - tie };
            for (int p = 0; p < 3; p++)
                if (syn_sim_requantize(probes[p], s) != plain_requant(probes[p], s) && bad++ < 5)
                    FAIL("requantize(%lld, %d) = %d, formula %d", (long long)probes[p], s,
                         (int)syn_sim_requantize(probes[p], s), (int)plain_requant(probes[p], s));
        }
    }
    CHECK_EQ(bad, 0);
    /* Far shifts: everything saturates, or rounds to 0. */
    CHECK_EQ(syn_sim_requantize(1, 127), 127);
    CHECK_EQ(syn_sim_requantize(-1, 127), (uint64_t)(int64_t)-128);
    CHECK_EQ(syn_sim_requantize(0, 127), 0);
    CHECK_EQ(syn_sim_requantize(1000000, -128), 0);
    CHECK_EQ(syn_sim_requantize(-1000000, -128), 0);
}

/* ---- a tiny network built by hand ------------------------------------------------------------ */

static accel_layer base_layer(uint16_t index, accel_op op, accel_shape in, accel_shape out)
{
    accel_layer l;
    memset(&l, 0, sizeof l);
    l.index = index;
    strcpy(l.name, "t");
    l.op = op;
    l.operands = 1;
    l.pool_first = true;
    l.kernel[0] = l.kernel[1] = 1;
    l.stride[0] = l.stride[1] = 1;
    l.dilation[0] = l.dilation[1] = 1;
    l.groups = 1;
    l.pool_size[0] = l.pool_size[1] = 1;
    l.pool_stride[0] = l.pool_stride[1] = 1;
    l.output_width = 8;
    l.n_sources = 1;
    l.sources[0] = (int16_t)(index - 1);
    l.input_shape = l.operand_shape = l.pooled_shape = in;
    l.output_shape = out;
    l.weight_bits = op == OP_PASSTHROUGH ? 0 : 8;
    return l;
}

static accel_segment segment_of(accel_layer *layers, accel_params *params, uint16_t first, uint16_t count,
                                accel_tensor in, accel_tensor out)
{
    accel_segment s;
    memset(&s, 0, sizeof s);
    strcpy(s.model, "hand");
    s.first = first;
    s.count = count;
    s.n_inputs = 1;
    s.inputs[0] = in;
    s.n_outputs = 1;
    s.outputs[0] = out;
    s.layers = layers;
    s.params = params;
    return s;
}

typedef struct {
    int calls;
    uint16_t positions[8];
    int8_t first_values[8];
} seen;

static void record(void *user, const accel_layer_report *r)
{
    seen *s = user;
    if (s->calls < 8) {
        s->positions[s->calls] = r->position;
        s->first_values[s->calls] = r->output ? ((const int8_t *)r->output->data)[0] : 0;
    }
    s->calls++;
}

/* Layer 0: 2x2 max pool of a 1x4x4 input, then a 1x1 conv (weight 100, bias -1, shift 1);
 * layer 1: element-wise add of layer 0's output with itself (two sources, two operands). */
static void hand_network(void)
{
    accel_error err;
    accel_ctx *ctx = syn_accel_open(&syn_accel_engine_layer, chip("max78000"), &err);
    CHECK(ctx != NULL);
    accel_shape in = { 1, 4, 4 }, pooled = { 1, 2, 2 }, two = { 2, 2, 2 };
    accel_layer layers[2];
    layers[0] = base_layer(0, OP_CONV2D, in, pooled);
    layers[0].sources[0] = -1;
    layers[0].pooled_shape = pooled;
    layers[0].pool_type = POOL_MAX;
    layers[0].pool_size[0] = layers[0].pool_size[1] = 2;
    layers[0].pool_stride[0] = layers[0].pool_stride[1] = 2;
    layers[0].output_shift = 1;           /* s = 1: y = floor(0.5 + acc / 64) */
    layers[0].bias_present = true;
    layers[1] = base_layer(1, OP_PASSTHROUGH, two, pooled);
    layers[1].n_sources = 2;
    layers[1].sources[0] = 0;
    layers[1].sources[1] = 0;
    layers[1].operands = 2;
    layers[1].eltwise = ELT_ADD;
    layers[1].operand_shape = pooled;
    layers[1].pooled_shape = pooled;
    static const uint8_t weight[1] = { 100 };
    static const int8_t bias[1] = { -1 };
    accel_params params[2] = { { weight, 1, 1, bias, 1 }, { NULL, 0, 0, NULL, 0 } };
    accel_tensor tin = { -1, in, 8 }, tout = { 1, pooled, 8 };
    accel_segment seg = segment_of(layers, params, 0, 2, tin, tout);
    uint8_t slot;
    CHECK(syn_accel_load(ctx, &seg, &slot, &err));
    CHECK(syn_accel_sim_peak_bytes(ctx, slot) > 0);

    static const int8_t x[16] = { 1, 2, 3, 4, 5, 6, 7, 8, -9, -10, -11, -12, 13, 14, 15, -16 };
    accel_buffer b = { tin, x, sizeof x };
    seen s = { 0 };
    accel_buffer out;
    CHECK(!syn_accel_output(ctx, 1, &out));   /* nothing run yet */
    CHECK(syn_accel_run(ctx, slot, &b, 1, record, &s, &err));
    CHECK_EQ(s.calls, 2);
    CHECK_EQ(s.positions[0], 0);
    CHECK_EQ(s.positions[1], 1);
    /* Pooled maxima 6, 8, 14, 15; acc = 100 * m - 128 = 472, 672, 1272, 1372;
     * y = floor(0.5 + acc / 64): 7.375 -> 7, 10.5 (a tie, rounds up) -> 11, 20, 21. */
    static const int8_t want0[4] = { 7, 11, 20, 21 };
    CHECK_EQ(s.first_values[0], want0[0]);
    CHECK(syn_accel_output(ctx, 1, &out));
    CHECK_EQ(out.len, 4);
    /* Layer 1: y + y. */
    static const int8_t want1[4] = { 14, 22, 40, 42 };
    CHECK_MEM((const uint8_t *)out.data, out.len, (const uint8_t *)want1, sizeof want1);
    CHECK(!syn_accel_output(ctx, 0, &out));   /* not a segment output */

    /* Split in two resident segments: the same result through the boundary. */
    accel_ctx *c2 = syn_accel_open(&syn_accel_engine_layer, chip("max78000"), &err);
    accel_tensor mid = { 0, pooled, 8 };
    accel_segment a = segment_of(layers, params, 0, 1, tin, mid);
    accel_segment z = segment_of(layers + 1, params + 1, 1, 1, mid, tout);
    uint8_t sa, sz;
    CHECK(syn_accel_load(c2, &a, &sa, &err));
    CHECK(syn_accel_load(c2, &z, &sz, &err));
    CHECK(sa != sz);
    CHECK(syn_accel_run(c2, sa, &b, 1, NULL, NULL, &err));
    accel_buffer m;
    CHECK(syn_accel_output(c2, 0, &m));
    int8_t mid_copy[4];
    memcpy(mid_copy, m.data, 4);
    CHECK_MEM((const uint8_t *)mid_copy, 4, (const uint8_t *)want0, 4);
    accel_buffer mb = { mid, mid_copy, 4 };
    CHECK(syn_accel_run(c2, sz, &mb, 1, NULL, NULL, &err));
    CHECK(syn_accel_output(c2, 1, &out));
    CHECK_MEM((const uint8_t *)out.data, out.len, (const uint8_t *)want1, sizeof want1);
    CHECK(syn_accel_unload(c2, sz));
    CHECK(!syn_accel_output(c2, 1, &out));    /* its outputs went with it */
    CHECK(!syn_accel_unload(c2, sz));
    CHECK(!syn_accel_measured_cycles(c2, NULL, 0));
}

/* ---- refusals ----------------------------------------------------------------------------- */

static void expect_refusal(bool ok, const accel_error *err, accel_status status, const char *needle)
{
    CHECK(!ok);
    CHECK_EQ(err->status, status);
    if (!strstr(err->msg, needle))
        FAIL("message \"%s\" lacks \"%s\"", err->msg, needle);
}

static void refusals(void)
{
    accel_error err;
    accel_ctx *ctx = syn_accel_open(&syn_accel_engine_layer, chip("max78000"), &err);
    accel_shape in = { 4, 3, 3 }, out = { 4, 3, 3 };
    static uint8_t w[4 * 9];
    accel_tensor tin = { -1, in, 8 }, tout = { 0, out, 8 };
    uint8_t slot;

    /* Depthwise on MAX78000, accepted on MAX78002. */
    accel_layer dw = base_layer(0, OP_CONV2D, in, out);
    dw.sources[0] = -1;
    dw.kernel[0] = dw.kernel[1] = 3;
    dw.pad[0] = dw.pad[1] = 1;
    dw.groups = 4;
    dw.depthwise = true;
    accel_params p = { w, sizeof w, 4 * 9, NULL, 0 };
    accel_segment seg = segment_of(&dw, &p, 0, 1, tin, tout);
    expect_refusal(syn_accel_load(ctx, &seg, &slot, &err), &err, ACCEL_ERR_UNSUPPORTED, "layer 0 (t).groups");
    CHECK_EQ(err.layer, 0);
    accel_ctx *c2 = syn_accel_open(&syn_accel_engine_layer, chip("max78002"), &err);
    CHECK(syn_accel_load(c2, &seg, &slot, &err));

    /* Run: wrong size, unknown source, nothing loaded in the slot. */
    static int8_t x[36];
    accel_buffer short_in = { tin, x, 35 };
    expect_refusal(syn_accel_run(c2, slot, &short_in, 1, NULL, NULL, &err), &err, ACCEL_ERR_INPUT, "the network input must be 4x3x3");
    accel_buffer stranger = { { 5, in, 8 }, x, 36 };
    expect_refusal(syn_accel_run(c2, slot, &stranger, 1, NULL, NULL, &err), &err, ACCEL_ERR_INPUT, "not an input of this segment");
    accel_buffer good = { tin, x, 36 };
    expect_refusal(syn_accel_run(c2, (uint8_t)(slot + 1), &good, 1, NULL, NULL, &err), &err, ACCEL_ERR_STATE, "holds no segment");
    expect_refusal(syn_accel_run(c2, slot, &good, 0, NULL, NULL, &err), &err, ACCEL_ERR_INPUT, "0 given, the segment takes 1");
    CHECK(syn_accel_run(c2, slot, &good, 1, NULL, NULL, &err));

    /* Weights too few for the shape. */
    accel_layer conv = base_layer(0, OP_CONV2D, in, out);
    conv.sources[0] = -1;
    accel_params few = { w, 2, 2, NULL, 0 };
    seg = segment_of(&conv, &few, 0, 1, tin, tout);
    expect_refusal(syn_accel_load(ctx, &seg, &slot, &err), &err, ACCEL_ERR_SEGMENT, "weights: 16 weights of 8 bits needed");

    /* Output shape that the operation does not produce. */
    accel_params right = { w, 16, 16, NULL, 0 };
    conv.output_shape.h = 2;
    seg = segment_of(&conv, &right, 0, 1, tin, tout);
    expect_refusal(syn_accel_load(ctx, &seg, &slot, &err), &err, ACCEL_ERR_SEGMENT, "output_shape");
    conv.output_shape.h = 3;

    /* A layer reading itself, a 32-bit tensor feeding a layer. */
    conv.sources[0] = 0;
    seg = segment_of(&conv, &right, 0, 1, tin, tout);
    expect_refusal(syn_accel_load(ctx, &seg, &slot, &err), &err, ACCEL_ERR_SEGMENT, "reads the output of layer 0");
    accel_layer pair[2];
    pair[0] = base_layer(0, OP_CONV2D, in, out);
    pair[0].sources[0] = -1;
    pair[0].output_width = 32;
    pair[1] = base_layer(1, OP_PASSTHROUGH, out, out);
    accel_params pp[2] = { right, { NULL, 0, 0, NULL, 0 } };
    accel_tensor t1 = { 1, out, 8 };
    seg = segment_of(pair, pp, 0, 2, tin, t1);
    expect_refusal(syn_accel_load(ctx, &seg, &slot, &err), &err, ACCEL_ERR_SEGMENT, "32-bit accumulators");

    /* A segment whose live tensors exceed the arena. */
    accel_shape big = { 64, 160, 160 };   /* 1.6 MB; input, working copy and output: 4.9 MB */
    accel_layer pt = base_layer(0, OP_PASSTHROUGH, big, big);
    pt.sources[0] = -1;
    accel_params none = { NULL, 0, 0, NULL, 0 };
    accel_tensor bin = { -1, big, 8 }, bout = { 0, big, 8 };
    seg = segment_of(&pt, &none, 0, 1, bin, bout);
    expect_refusal(syn_accel_load(ctx, &seg, &slot, &err), &err, ACCEL_ERR_MEMORY, "arena");

    /* Too many resident segments. */
    accel_layer ok_layer = base_layer(0, OP_PASSTHROUGH, in, in);
    ok_layer.sources[0] = -1;
    seg = segment_of(&ok_layer, &none, 0, 1, tin, tout);
    ctx = syn_accel_open(&syn_accel_engine_layer, chip("max78000"), &err);
    for (int k = 0; k < SYN_MAX_RESIDENT; k++)
        CHECK(syn_accel_load(ctx, &seg, &slot, &err));
    expect_refusal(syn_accel_load(ctx, &seg, &slot, &err), &err, ACCEL_ERR_STATE, "already resident");
}

void suite_sim(void)
{
    th_run("sim: requantize equals floor(0.5 + acc*2^s/128) at every shift", requant_matches_formula);
    th_run("sim: a hand-worked pool/conv/eltwise network, whole and split", hand_network);
    th_run("sim: refusals carry a status and name the place", refusals);
}
