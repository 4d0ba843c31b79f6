/* The exact memo (accel/accel_memo.h) with the layer engine: with it on, every run gives the bytes a
 * computed run gives (zoo segments with seeded weights, random inputs, in random order); an
 * unload and a reload of another segment into the same slot never meets the old outputs; a full
 * budget evicts the oldest entries and an entry larger than the budget is not stored; a run with
 * a layer callback computes. Also the emulator's --memo-mib and --sensor-cycle options. */
#include <stdio.h>
#include <string.h>

#include "accel.h"
#include "emu_options.h"
#include "harness.h"
#include "support.h"
#include "segment_decode.h"
#include "sensors.h"
#include "accel_memo.h"
#include "sim/sim.h"
#include "zoo_segment.h"

#define MAX_SEGS 4
#define MAX_OUT_BYTES (1u << 18)

static uint32_t rng = 0x2545F491u;

static uint32_t next(void)
{
    return test_xorshift32(&rng);
}

/* A decoded zoo segment with its own blob (weights are read from it in place). */
typedef struct {
    uint8_t blob[1u << 20];
    accel_layer layers[SYN_SIM_MAX_LAYERS];
    accel_params params[SYN_SIM_MAX_LAYERS];
    accel_segment seg;
} held_segment;

static held_segment segs[MAX_SEGS];

static bool make_segment(held_segment *h, const char *model, unsigned first, unsigned count, uint32_t seed)
{
    char why[256];
    size_t n = zoo_segment(model, first, count, seed, h->blob, sizeof h->blob, why, sizeof why);
    if (n == 0) {
        FAIL("zoo segment %s %u+%u: %s", model, first, count, why);
        return false;
    }
    char err[SYN_ACCEL_ERR_MAX];
    if (!syn_accel_segment_decode(h->blob, n, h->layers, h->params, SYN_SIM_MAX_LAYERS, &h->seg, err, sizeof err)) {
        FAIL("decode %s %u+%u: %s", model, first, count, err);
        return false;
    }
    return true;
}

static size_t tensor_len(const accel_tensor *t)
{
    return (size_t)t->shape.c * t->shape.h * t->shape.w * (t->width == 32 ? 4u : 1u);
}

/* Random bytes for every input of a segment, from `seed` (the same seed, the same bytes). */
typedef struct {
    uint8_t bytes[SYN_MAX_CUT_TENSORS][1u << 16];
    accel_buffer bufs[SYN_MAX_CUT_TENSORS];
    size_t n;
} run_inputs;

static bool make_inputs(const accel_segment *seg, uint32_t seed, run_inputs *in)
{
    uint32_t s = seed * 2654435761u + 1u;
    in->n = seg->n_inputs;
    for (unsigned k = 0; k < seg->n_inputs; k++) {
        size_t len = tensor_len(&seg->inputs[k]);
        if (len > sizeof in->bytes[k]) {
            FAIL("input %u of %s: %zu bytes, the test holds %zu", k, seg->model, len, sizeof in->bytes[k]);
            return false;
        }
        for (size_t i = 0; i < len; i++) {
            test_xorshift32(&s);
            in->bytes[k][i] = (uint8_t)((int)(s % 97u) - 48);   /* a sensor's spread */
        }
        in->bufs[k] = (accel_buffer){ seg->inputs[k], in->bytes[k], (uint32_t)len };
    }
    /* Given in reverse order: the memo's key must not depend on the order inputs come in. */
    for (size_t a = 0, b = in->n ? in->n - 1u : 0; a < b; a++, b--) {
        accel_buffer t = in->bufs[a];
        in->bufs[a] = in->bufs[b];
        in->bufs[b] = t;
    }
    return true;
}

/* Runs and copies every output, in the segment's order, into out; returns the bytes. */
static size_t run_outputs(accel_ctx *ctx, uint8_t slot, const accel_segment *seg, const run_inputs *in,
                          accel_layer_fn cb, void *user, uint8_t *out)
{
    accel_error err;
    if (!syn_accel_run(ctx, slot, in->bufs, in->n, cb, user, &err)) {
        FAIL("run %s: %s", seg->model, err.msg);
        return 0;
    }
    size_t at = 0;
    for (unsigned k = 0; k < seg->n_outputs; k++) {
        accel_buffer ob;
        if (!CHECK(syn_accel_output(ctx, seg->outputs[k].source, &ob)))
            return 0;
        if (at + ob.len > MAX_OUT_BYTES) {
            FAIL("outputs of %s pass %u bytes", seg->model, MAX_OUT_BYTES);
            return 0;
        }
        memcpy(out + at, ob.data, ob.len);
        at += ob.len;
    }
    return at;
}

/* Segment 0 made of the MAX78000 model's layers first..first+count-1 and loaded on the layer
 * engine: its context, and its slot in *slot; NULL (the test failed) when it cannot be. */
static accel_ctx *load_first(const char *model, unsigned first, unsigned count, uint32_t seed, uint8_t *slot)
{
    if (!make_segment(&segs[0], model, first, count, seed))
        return NULL;
    accel_error err;
    accel_ctx *ctx = syn_accel_open(&syn_accel_engine_layer, syn_chip_find("max78000"), &err);
    if (!CHECK(ctx != NULL) || !CHECK(syn_accel_load(ctx, &segs[0].seg, slot, &err)))
        return NULL;
    return ctx;
}

static _Alignas(8) uint8_t memo_mem[8u << 20];
static run_inputs in_a, in_b;
static uint8_t want[MAX_OUT_BYTES], got[MAX_OUT_BYTES], other[MAX_OUT_BYTES];

static accel_memo_stats stats(void)
{
    accel_memo_stats s;
    syn_accel_memo_stats_get(&s);
    return s;
}

/* ---- memo on = memo off ------------------------------------------------------------------- */

typedef struct {
    const char *model;
    const char *chip;
} zoo_model;

static const zoo_model models[] = {
    { "convnet5_mnist", "max78000" },
    { "kws20_v3", "max78000" },
    { "simplenet_cifar100", "max78000" },
    { "widenet_cifar100", "max78000" },
};

#define PAIRS_MAX 8
static uint8_t truth[PAIRS_MAX][MAX_OUT_BYTES];
static size_t truth_len[PAIRS_MAX];

/* Random segments of zoo models; per segment a few random inputs, their outputs computed with
 * the memo off; then with the memo on, 24 runs in random order (misses first, then hits) must
 * give the same bytes every time. */
static void same_bytes_as_computed(void)
{
    unsigned tried = 0, checked_runs = 0;
    for (unsigned round = 0; round < 10; round++) {
        const zoo_model *m = &models[round % (sizeof models / sizeof models[0])];
        unsigned layers = zoo_layer_count(m->model);
        if (!CHECK(layers > 0))
            return;
        unsigned count = 1u + next() % (layers < 4u ? layers : 4u);
        unsigned first = next() % (layers - count + 1u);
        if (!make_segment(&segs[0], m->model, first, count, 1u + next() % 1000u))
            return;
        accel_error err;
        accel_ctx *ctx = syn_accel_open(&syn_accel_engine_layer, syn_chip_find(m->chip), &err);
        uint8_t slot;
        if (!CHECK(ctx != NULL) || !syn_accel_load(ctx, &segs[0].seg, &slot, &err)) {
            FAIL("load %s %u+%u: %s", m->model, first, count, err.msg);
            return;
        }
        tried++;
        unsigned pairs = 3u + next() % 3u;
        uint32_t seeds[PAIRS_MAX];
        CHECK(syn_accel_memo_use(NULL, 0));
        for (unsigned p = 0; p < pairs; p++) {
            seeds[p] = next();
            if (!make_inputs(&segs[0].seg, seeds[p], &in_a))
                return;
            truth_len[p] = run_outputs(ctx, slot, &segs[0].seg, &in_a, NULL, NULL, truth[p]);
        }
        CHECK(syn_accel_memo_use(memo_mem, sizeof memo_mem));
        for (unsigned r = 0; r < 24; r++) {
            unsigned p = r < pairs ? r : next() % pairs;
            if (!make_inputs(&segs[0].seg, seeds[p], &in_a))
                return;
            size_t n = run_outputs(ctx, slot, &segs[0].seg, &in_a, NULL, NULL, got);
            if (!CHECK_MEM(got, n, truth[p], truth_len[p]))
                FAIL("%s layers %u+%u, input %u, run %u: memo differs from computing", m->model, first, count, p, r);
            checked_runs++;
        }
        accel_memo_stats s = stats();
        CHECK_EQ(s.misses, pairs);
        CHECK_EQ(s.hits, 24u - pairs);
        CHECK_EQ(s.stored, pairs);
        CHECK(s.bytes_held <= s.data_capacity);
        CHECK(syn_accel_unload(ctx, slot));
        CHECK_EQ(stats().entries, 0);
        CHECK_EQ(stats().bytes_held, 0);
    }
    CHECK_EQ(tried, 10);
    CHECK_EQ(checked_runs, 240);
    syn_accel_memo_use(NULL, 0);
}

/* ---- unload and reload -------------------------------------------------------------------- */

/* Segment A (seed 11) computes input X; A is unloaded and B (the same layers, seed 12: other
 * weights, same shapes) loads into the same slot; X on B must give B's outputs. Reloading A
 * itself is a new load too: a miss, then its own outputs. */
static void reload_never_stale(void)
{
    if (!make_segment(&segs[0], "convnet5_mnist", 0, 3, 11u) || !make_segment(&segs[1], "convnet5_mnist", 0, 3, 12u))
        return;
    accel_error err;
    accel_ctx *ctx = syn_accel_open(&syn_accel_engine_layer, syn_chip_find("max78000"), &err);
    uint8_t slot_a, slot_b;
    if (!CHECK(ctx != NULL))
        return;
    /* The truth, memo off: A's and B's outputs for X, which differ. */
    CHECK(syn_accel_memo_use(NULL, 0));
    if (!make_inputs(&segs[0].seg, 5u, &in_a))
        return;
    CHECK(syn_accel_load(ctx, &segs[0].seg, &slot_a, &err));
    size_t na = run_outputs(ctx, slot_a, &segs[0].seg, &in_a, NULL, NULL, want);
    CHECK(syn_accel_unload(ctx, slot_a));
    CHECK(syn_accel_load(ctx, &segs[1].seg, &slot_b, &err));
    size_t nb = run_outputs(ctx, slot_b, &segs[1].seg, &in_a, NULL, NULL, other);
    CHECK(syn_accel_unload(ctx, slot_b));
    CHECK(na == nb && memcmp(want, other, na) != 0);   /* else the test could not tell them apart */

    CHECK(syn_accel_memo_use(memo_mem, sizeof memo_mem));
    CHECK(syn_accel_load(ctx, &segs[0].seg, &slot_a, &err));
    run_outputs(ctx, slot_a, &segs[0].seg, &in_a, NULL, NULL, got);
    run_outputs(ctx, slot_a, &segs[0].seg, &in_a, NULL, NULL, got);
    CHECK_EQ(stats().hits, 1);
    CHECK_EQ(stats().entries, 1);
    CHECK(syn_accel_unload(ctx, slot_a));
    CHECK_EQ(stats().entries, 0);   /* unload drops the slot's entries */
    CHECK(syn_accel_load(ctx, &segs[1].seg, &slot_b, &err));
    CHECK_EQ(slot_b, slot_a);       /* the same slot: only the generation tells them apart */
    size_t n = run_outputs(ctx, slot_b, &segs[1].seg, &in_a, NULL, NULL, got);
    CHECK_MEM(got, n, other, nb);
    CHECK_EQ(stats().hits, 1);
    CHECK_EQ(stats().misses, 2);

    /* Unload without running in between, reload A: a new load, a miss, A's outputs. */
    CHECK(syn_accel_unload(ctx, slot_b));
    CHECK(syn_accel_load(ctx, &segs[0].seg, &slot_a, &err));
    n = run_outputs(ctx, slot_a, &segs[0].seg, &in_a, NULL, NULL, got);
    CHECK_MEM(got, n, want, na);
    CHECK_EQ(stats().misses, 3);

    /* Two segments resident at once, the same input: each its own outputs. */
    CHECK(syn_accel_load(ctx, &segs[1].seg, &slot_b, &err));
    CHECK(slot_b != slot_a);
    for (int r = 0; r < 3; r++) {
        n = run_outputs(ctx, slot_b, &segs[1].seg, &in_a, NULL, NULL, got);
        CHECK_MEM(got, n, other, nb);
        n = run_outputs(ctx, slot_a, &segs[0].seg, &in_a, NULL, NULL, got);
        CHECK_MEM(got, n, want, na);
    }
    /* syn_accel_open (a board reset) drops every entry. */
    CHECK(syn_accel_open(&syn_accel_engine_layer, syn_chip_find("max78000"), &err) == ctx);
    CHECK_EQ(stats().entries, 0);
    syn_accel_memo_use(NULL, 0);
}

/* ---- budget ------------------------------------------------------------------------------- */

/* The smallest region whose byte ring holds `bytes`. */
static size_t region_holding(size_t bytes)
{
    for (size_t r = bytes; r <= sizeof memo_mem; r += 256u) {
        if (syn_accel_memo_use(memo_mem, r) && stats().data_capacity >= bytes)
            return r;
    }
    FAIL("no region up to %zu bytes holds %zu", sizeof memo_mem, bytes);
    return 0;
}

static void budget_evicts_oldest(void)
{
    /* Layers 0..1 of convnet5_mnist: a large output (tens of KiB). */
    uint8_t slot;
    accel_ctx *ctx = load_first("convnet5_mnist", 0, 2, 21u, &slot);
    if (ctx == NULL)
        return;
    size_t L = tensor_len(&segs[0].seg.outputs[0]) * segs[0].seg.n_outputs;
    CHECK(segs[0].seg.n_outputs == 1);
    CHECK(L > 4096u);
    /* Truth for inputs 1..4, memo off. */
    syn_accel_memo_use(NULL, 0);
    for (unsigned p = 0; p < 4; p++) {
        make_inputs(&segs[0].seg, 100u + p, &in_a);
        truth_len[p] = run_outputs(ctx, slot, &segs[0].seg, &in_a, NULL, NULL, truth[p]);
    }
    /* Room for two entries, not three. */
    size_t region = region_holding(2u * L);
    if (region == 0)
        return;
    CHECK(stats().data_capacity < 3u * L);
    for (unsigned p = 0; p < 3; p++) {   /* 0, 1 stored; 2 evicts 0 */
        make_inputs(&segs[0].seg, 100u + p, &in_a);
        size_t n = run_outputs(ctx, slot, &segs[0].seg, &in_a, NULL, NULL, got);
        CHECK_MEM(got, n, truth[p], truth_len[p]);
    }
    accel_memo_stats s = stats();
    CHECK_EQ(s.stored, 3);
    CHECK_EQ(s.evicted, 1);
    CHECK_EQ(s.entries, 2);
    CHECK_EQ(s.bytes_held, 2u * L);
    CHECK(s.bytes_held <= s.data_capacity);
    make_inputs(&segs[0].seg, 102u, &in_a);   /* the newest: a hit */
    size_t n = run_outputs(ctx, slot, &segs[0].seg, &in_a, NULL, NULL, got);
    CHECK_MEM(got, n, truth[2], truth_len[2]);
    CHECK_EQ(stats().hits, 1);
    make_inputs(&segs[0].seg, 100u, &in_a);   /* the oldest was evicted: a miss, computed again */
    n = run_outputs(ctx, slot, &segs[0].seg, &in_a, NULL, NULL, got);
    CHECK_MEM(got, n, truth[0], truth_len[0]);
    CHECK_EQ(stats().hits, 1);
    CHECK_EQ(stats().misses, 4);

    /* A ring smaller than one entry: nothing stored, every run computed and right. */
    region = region_holding(L / 2u);
    if (region == 0)
        return;
    CHECK(stats().data_capacity < L);
    for (int r = 0; r < 2; r++) {
        make_inputs(&segs[0].seg, 103u, &in_a);
        n = run_outputs(ctx, slot, &segs[0].seg, &in_a, NULL, NULL, got);
        CHECK_MEM(got, n, truth[3], truth_len[3]);
    }
    s = stats();
    CHECK_EQ(s.hits, 0);
    CHECK_EQ(s.misses, 2);
    CHECK_EQ(s.too_large, 2);
    CHECK_EQ(s.entries, 0);
    CHECK(!syn_accel_memo_use(memo_mem, 512));   /* no room even for the tables: refused */
    syn_accel_memo_use(NULL, 0);
}

/* Entries of tiny outputs run out of headers before bytes: the oldest leave then too. And a
 * long random mix of four segments, some reloaded, over a ring that wraps many times: every
 * output must be the computed one. */
static void headers_and_wrapping(void)
{
    static const struct { const char *model; unsigned first, count; } pick[MAX_SEGS] = {
        { "convnet5_mnist", 4, 1 }, { "convnet5_mnist", 0, 1 }, { "convnet5_mnist", 1, 2 }, { "kws20_v3", 0, 2 },
    };
    for (unsigned k = 0; k < MAX_SEGS; k++)
        if (!make_segment(&segs[k], pick[k].model, pick[k].first, pick[k].count, 31u + k))
            return;
    accel_error err;
    accel_ctx *ctx = syn_accel_open(&syn_accel_engine_layer, syn_chip_find("max78000"), &err);
    uint8_t slot[MAX_SEGS];
    for (unsigned k = 0; k < MAX_SEGS; k++)
        if (!CHECK(syn_accel_load(ctx, &segs[k].seg, &slot[k], &err)))
            return;
    /* Tiny outputs (segment 0: the classifier, a few bytes) in a region with 4 headers. */
    syn_accel_memo_use(NULL, 0);
    for (unsigned p = 0; p < 6; p++) {
        make_inputs(&segs[0].seg, 200u + p, &in_a);
        truth_len[p] = run_outputs(ctx, slot[0], &segs[0].seg, &in_a, NULL, NULL, truth[p]);
    }
    CHECK(syn_accel_memo_use(memo_mem, 8192));
    for (unsigned p = 0; p < 6; p++) {
        make_inputs(&segs[0].seg, 200u + p, &in_a);
        run_outputs(ctx, slot[0], &segs[0].seg, &in_a, NULL, NULL, got);
    }
    CHECK_EQ(stats().entries, 4);
    CHECK_EQ(stats().evicted, 2);
    make_inputs(&segs[0].seg, 205u, &in_a);
    size_t n = run_outputs(ctx, slot[0], &segs[0].seg, &in_a, NULL, NULL, got);
    CHECK_MEM(got, n, truth[5], truth_len[5]);
    make_inputs(&segs[0].seg, 200u, &in_a);
    n = run_outputs(ctx, slot[0], &segs[0].seg, &in_a, NULL, NULL, got);
    CHECK_MEM(got, n, truth[0], truth_len[0]);
    CHECK_EQ(stats().hits, 1);

    /* The mix: truth per (segment, input) computed with the memo off. */
    enum { INPUTS = 3 };
    static uint8_t mix_truth[MAX_SEGS][INPUTS][MAX_OUT_BYTES / 4];
    static size_t mix_len[MAX_SEGS][INPUTS];
    size_t largest = 0;
    syn_accel_memo_use(NULL, 0);
    for (unsigned k = 0; k < MAX_SEGS; k++) {
        for (unsigned p = 0; p < INPUTS; p++) {
            make_inputs(&segs[k].seg, 300u + p, &in_a);
            mix_len[k][p] = run_outputs(ctx, slot[k], &segs[k].seg, &in_a, NULL, NULL, got);
            if (!CHECK(mix_len[k][p] <= sizeof mix_truth[k][p]))
                return;
            memcpy(mix_truth[k][p], got, mix_len[k][p]);
            if (mix_len[k][p] > largest)
                largest = mix_len[k][p];
        }
    }
    /* A ring of about three of the largest entries: it fills, wraps and evicts all the time. */
    if (region_holding(3u * largest) == 0)
        return;
    unsigned reloads = 0;
    for (unsigned r = 0; r < 300; r++) {
        unsigned k = next() % MAX_SEGS, p = next() % INPUTS;
        if (next() % 25u == 0) {   /* unload and load again: a new generation */
            CHECK(syn_accel_unload(ctx, slot[k]));
            CHECK(syn_accel_load(ctx, &segs[k].seg, &slot[k], &err));
            reloads++;
        }
        make_inputs(&segs[k].seg, 300u + p, &in_a);
        n = run_outputs(ctx, slot[k], &segs[k].seg, &in_a, NULL, NULL, got);
        if (!CHECK_MEM(got, n, mix_truth[k][p], mix_len[k][p])) {
            FAIL("mix run %u: segment %u input %u", r, k, p);
            break;
        }
    }
    accel_memo_stats s = stats();
    CHECK(s.hits > 50u);
    CHECK(s.evicted > 10u);
    CHECK(s.bytes_held <= s.data_capacity);
    CHECK(reloads > 0);
    syn_accel_memo_use(NULL, 0);
}

/* Runs segment 0 once on the inputs of each seed from..to-1. */
static void run_seeds(accel_ctx *ctx, uint8_t slot, uint32_t from, uint32_t to)
{
    for (uint32_t seed = from; seed < to; seed++) {
        make_inputs(&segs[0].seg, seed, &in_a);
        run_outputs(ctx, slot, &segs[0].seg, &in_a, NULL, NULL, got);
    }
}

/* Many small entries in a table under load (collisions, and evictions that delete from probe
 * chains): every entry still held must hit, every evicted one miss. */
static void table_under_load(void)
{
    uint8_t slot;
    accel_ctx *ctx = load_first("convnet5_mnist", 4, 1, 51u, &slot);
    if (ctx == NULL)
        return;
    /* 1 MiB: 256 headers, 512 cells; outputs of 10 bytes never fill the bytes first. */
    CHECK(syn_accel_memo_use(memo_mem, 1u << 20));
    enum { DISTINCT = 400, HELD = 256 };
    run_seeds(ctx, slot, 1000u, 1000u + DISTINCT);
    CHECK_EQ(stats().entries, HELD);
    CHECK_EQ(stats().evicted, DISTINCT - HELD);
    run_seeds(ctx, slot, 1000u + DISTINCT - HELD, 1000u + DISTINCT);
    CHECK_EQ(stats().hits, HELD);
    run_seeds(ctx, slot, 1000u, 1020u);
    CHECK_EQ(stats().hits, HELD);
    CHECK_EQ(stats().misses, DISTINCT + 20u);
    syn_accel_memo_use(NULL, 0);
}

/* ---- a layer callback ----------------------------------------------------------------------- */

static void count_layers(void *user, const accel_layer_report *r)
{
    (void)r;
    (*(int *)user)++;
}

static void callback_computes(void)
{
    uint8_t slot;
    accel_ctx *ctx = load_first("convnet5_mnist", 0, 3, 41u, &slot);
    if (ctx == NULL)
        return;
    CHECK(syn_accel_memo_use(memo_mem, sizeof memo_mem));
    make_inputs(&segs[0].seg, 7u, &in_a);
    size_t n = run_outputs(ctx, slot, &segs[0].seg, &in_a, NULL, NULL, want);
    CHECK_EQ(stats().misses, 1);
    int layers = 0;
    size_t m = run_outputs(ctx, slot, &segs[0].seg, &in_a, count_layers, &layers, got);
    CHECK_EQ(layers, 3);              /* every layer computed and reported */
    CHECK_MEM(got, m, want, n);
    CHECK_EQ(stats().hits, 0);        /* the memo was not asked */
    CHECK_EQ(stats().misses, 1);
    /* Another input, callback first: not stored, so the plain run after it misses. */
    make_inputs(&segs[0].seg, 8u, &in_b);
    layers = 0;
    run_outputs(ctx, slot, &segs[0].seg, &in_b, count_layers, &layers, other);
    CHECK_EQ(layers, 3);
    m = run_outputs(ctx, slot, &segs[0].seg, &in_b, NULL, NULL, got);
    CHECK_MEM(got, m, other, n);
    CHECK_EQ(stats().misses, 2);
    syn_accel_memo_use(NULL, 0);
}

/* ---- the emulator's options ----------------------------------------------------------------- */

static bool parse(const char *const *args, int n, emu_options *o, char *why, size_t cap)
{
    char *argv[16];
    argv[0] = (char *)"synergy-emu";
    for (int i = 0; i < n; i++)
        argv[i + 1] = (char *)args[i];
    return syn_emu_parse_options(n + 1, argv, o, why, cap);
}

static void options(void)
{
    static emu_options o;
    char why[512];
    const char *on[] = { "--memo-mib", "256", "--sensor-cycle=16" };
    CHECK(parse(on, 3, &o, why, sizeof why));
    CHECK_EQ(o.memo_mib, 256);
    CHECK_EQ(o.sensor_cycle, 16);
    const char *none[] = { "--id", "x" };
    CHECK(parse(none, 2, &o, why, sizeof why));
    CHECK_EQ(o.memo_mib, 0);
    CHECK_EQ(o.sensor_cycle, 0);
    static const char *const bad[][2] = {
        { "--memo-mib", "-1" }, { "--memo-mib", "12x" }, { "--memo-mib", "99999999" }, { "--memo-mib", "" },
        { "--sensor-cycle", "abc" }, { "--sensor-cycle", "-3" }, { "--sensor-cycle", "4294967296" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        const char *args[2] = { bad[k][0], bad[k][1] };
        bool okay = parse(args, 2, &o, why, sizeof why);
        CHECK(!okay);
        if (!CHECK(strstr(why, bad[k][0]) != NULL))
            FAIL("%s %s: %s", bad[k][0], bad[k][1], why);
    }
    const char *missing[] = { "--memo-mib" };
    CHECK(!parse(missing, 1, &o, why, sizeof why));
    CHECK(strstr(why, "--memo-mib") != NULL);

    /* The cycle: a made-up sensor's frames 0..N-1 made once; a filed one keeps its file. */
    const char *cyc[] = { "--id", "cyc", "--sensor", "camera:2x3x4@10", "--sensor", "imu:6x8x1@10", "--sensor-cycle", "3" };
    CHECK(parse(cyc, 8, &o, why, sizeof why));
    for (unsigned s = 0; s < 2; s++) {
        const board_sensor *bs = &o.board.sensors[s];
        size_t frame = (size_t)bs->shape[0] * bs->shape[1] * bs->shape[2];
        if (!CHECK(bs->data != NULL) || !CHECK_EQ(bs->data_len, 3u * frame))
            continue;
        int8_t made[64];
        for (unsigned k = 0; k < 3; k++) {
            syn_sensor_synthesize(made, bs->shape, "cyc", s, k);
            CHECK_MEM(bs->data + k * frame, frame, (const uint8_t *)made, frame);
        }
    }
    /* A cycle whose frames do not fit the emulator's sensor buffer is refused, naming it. */
    const char *huge[] = { "--sensor", "camera:3x1024x1024@1", "--sensor-cycle", "100" };
    CHECK(!parse(huge, 4, &o, why, sizeof why));
    CHECK(strstr(why, "--sensor-cycle 100") != NULL);
}

void suite_sim_memo(void)
{
    th_run("sim memo: same bytes as computing, random zoo segments and inputs", same_bytes_as_computed);
    th_run("sim memo: unload and reload never meet old outputs", reload_never_stale);
    th_run("sim memo: a full budget evicts the oldest; too large is not stored", budget_evicts_oldest);
    th_run("sim memo: header limit and a wrapping ring under a random mix", headers_and_wrapping);
    th_run("sim memo: a loaded table finds every entry it holds", table_under_load);
    th_run("sim memo: a run with a layer callback computes", callback_computes);
    th_run("emulator options: --memo-mib and --sensor-cycle", options);
}
