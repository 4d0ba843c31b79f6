/* The register-level model behind the CNN driver, with Analog Devices' own programs: each golden
 * set with a hw-image.json (../shared/golden/, README there) is loaded through the driver,
 * its input placed by layer 0's layout, and run; the output must equal expected_output.json bit
 * for bit, every layer's output (run with LCNT_MAX = k) must equal intermediate.json, the words
 * the outputs are gathered from must be the ones the tool's cnn_unload() reads, and the
 * per-layer cycles by LCNT_MAX differencing must equal the cycle model (cycles.c) on the layer
 * table with the fit rules' kernel columns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnn_driver.h"
#include "cycles.h"
#include "fit.h"
#include "golden.h"
#include "harness.h"
#include "reg/reg_model.h"
#include "reg/reg_program.h"

static golden_set set;
static int32_t got[1u << 20];
static int8_t got8[1u << 20];

static const char *const with_image[] = { "mnist", "kws20_v3", "cifar100-ressimplenet-synth" };


static bool load_set(const char *name)
{
    char why[300];
    if (!golden_load(name, &set, why, sizeof why)) {
        FAIL("%s", why);
        return false;
    }
    if (!set.have_image) {
        FAIL("%s has no hw-image.json", name);
        return false;
    }
    return true;
}

static bool open_and_load(void)
{
    cnn_error err;
    if (!syn_cnn_open(set.chip, &err) || !syn_reg_program_load(&set.image, &err)) {
        FAIL("%s: load: %s", set.name, err.msg);
        return false;
    }
    return true;
}

/* Runs layers 0..k and gathers layer k's output (int32 values for either width). */
static bool run_through(unsigned k, int32_t *out)
{
    cnn_error err;
    const void *in[1] = { set.input };
    bool wide = set.output_layout[k].width == 32;
    void *dst[1] = { wide ? (void *)out : (void *)got8 };
    reg_image img = set.image;
    img.outputs = &set.output_layout[k];
    if (!syn_reg_program_run(&img, (uint16_t)k, in, dst, &err)) {
        FAIL("%s: run through layer %u: %s", set.name, k, err.msg);
        return false;
    }
    if (!wide) {
        uint32_t n = syn_reg_layout_bytes(&set.output_layout[k]);
        for (uint32_t i = 0; i < n; i++)
            out[i] = got8[i];
    }
    return true;
}

static bool same_values(const char *what, unsigned layer, const int32_t *a, const int32_t *want, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (a[i] != want[i]) {
            const accel_shape s = set.layers[layer].output_shape;
            uint32_t plane = (uint32_t)s.h * s.w;
            FAIL("%s: %s of layer %u (%s) differs first at channel %lu, pixel %lu: %ld, not %ld", set.name, what, layer,
                 set.layers[layer].name, (unsigned long)(i / plane), (unsigned long)(i % plane), (long)a[i], (long)want[i]);
            return false;
        }
    }
    return true;
}

static void golden_outputs(void *arg)
{
    if (!golden_available() || !load_set(arg) || !open_and_load())
        return;
    unsigned n = set.n_layers;
    for (unsigned k = 0; k < n; k++) {
        if (!run_through(k, got))
            return;
        CHECK_EQ(syn_reg_layout_bytes(&set.output_layout[k]) / (set.output_layout[k].width / 8u), set.n_outputs[k]);
        if (!same_values("output", k, got, set.outputs[k], set.n_outputs[k]))
            return;
    }
    CHECK_EQ(set.n_expected, set.n_outputs[n - 1]);
    same_values("final output", n - 1, got, set.expected, set.n_expected);
}

/* The words the final output is gathered from are the ones cnn_unload() reads. */
static uint32_t read_addrs[1u << 16];
static size_t n_read;

static bool note_read(void *user, uint32_t addr, uint32_t *value)
{
    (void)user;
    if (n_read < sizeof read_addrs / sizeof read_addrs[0])
        read_addrs[n_read++] = addr;
    *value = 0;
    return true;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void golden_unload_words(void *arg)
{
    if (!golden_available() || !load_set(arg))
        return;
    const reg_layout *out = &set.output_layout[set.n_layers - 1];
    n_read = 0;
    CHECK(syn_reg_layout_gather(out, set.chip, note_read, NULL, got));
    qsort(read_addrs, n_read, sizeof read_addrs[0], cmp_u32);
    size_t distinct = 0;
    for (size_t i = 0; i < n_read; i++)
        if (distinct == 0 || read_addrs[distinct - 1] != read_addrs[i])
            read_addrs[distinct++] = read_addrs[i];
    static uint32_t want[1u << 16];
    size_t n_want = 0;
    for (size_t r = 0; r < set.n_unload; r++)
        for (uint32_t w = 0; w < set.unload[r].words && n_want < sizeof want / sizeof want[0]; w++)
            want[n_want++] = set.unload[r].addr + 4u * w;
    qsort(want, n_want, sizeof want[0], cmp_u32);
    CHECK_EQ(distinct, n_want);
    CHECK_MEM((const uint8_t *)read_addrs, distinct * 4u, (const uint8_t *)want, n_want * 4u);
}

static void golden_cycles(void *arg)
{
    if (!golden_available() || !load_set(arg) || !open_and_load())
        return;
    static fit_ctx fctx;
    static fit_result fres;
    fit_segment seg = { set.layers, set.n_layers };
    if (!syn_fit_run(&fctx, set.chip, &seg, 1, &fres)) {
        FAIL("%s: the fit rules refuse the golden network: %s", set.name, fres.message);
        return;
    }
    uint64_t cycles[GOLDEN_MAX_LAYERS];
    cnn_error err;
    const void *in[1] = { set.input };
    if (!syn_reg_program_profile(&set.image, in, cycles, &err)) {
        FAIL("%s: profile: %s", set.name, err.msg);
        return;
    }
    for (unsigned k = 0; k < set.n_layers; k++) {
        uint64_t model = syn_accel_layer_cycles(&set.layers[k], set.chip, fres.per_layer[k].kernel_start);
        if (cycles[k] != model)
            FAIL("%s: layer %u (%s): %llu cycles by LCNT_MAX differencing, the cycle model says %llu", set.name, k,
                 set.layers[k].name, (unsigned long long)cycles[k], (unsigned long long)model);
    }
}

void suite_regmodel(void)
{
    for (size_t i = 0; i < sizeof with_image / sizeof with_image[0]; i++) {
        char name[128];
        snprintf(name, sizeof name, "regmodel: %s, every layer's output bit for bit", with_image[i]);
        th_run_arg(name, golden_outputs, (void *)with_image[i]);
        snprintf(name, sizeof name, "regmodel: %s, outputs gathered from the words cnn_unload() reads", with_image[i]);
        th_run_arg(name, golden_unload_words, (void *)with_image[i]);
        snprintf(name, sizeof name, "regmodel: %s, per-layer cycles by LCNT_MAX differencing", with_image[i]);
        th_run_arg(name, golden_cycles, (void *)with_image[i]);
    }
}
