/* synergy-regbench: host CPU per inference of the two engines behind accel.h, as a board runs
 * them (accel_run, then accel_output_into the caller's buffer): the register engine (the image
 * run through the CNN driver on the register-level model: init, LCNT_MAX, input placement, start,
 * wait, stop, output gathering; its configure table written once, as the same segment runs again)
 * beside the layer engine (the layer-level simulator), on the golden networks that have a hardware
 * image. Both engines' outputs are checked against expected_output.json first.
 *
 *   make bench-regmodel                  (builds with -O2 and runs from the repo root)
 *   firmware/build/host/synergy-regbench [--json] [set ...]
 *
 * Prints one line per network; with --json it ends with one JSON line
 * {"networks": [{"name", "register_us", "layer_us", "ratio"}], "register_cpu_ratio_golden": g}
 * where g is the geometric mean of the ratios. */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime */

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accel.h"
#include "cnn_driver.h"
#include "golden.h"
#include "reg/reg_program.h"
#include "reg/reg_table.h"

#define MIN_SECONDS 0.5
#define MIN_RUNS 5

static golden_set set;
static uint32_t table[4u * CNN_LR_COUNT * GOLDEN_MAX_LAYERS];
static int32_t out_reg[1u << 16];
static int32_t out_layer[1u << 16];

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static bool same_as_expected(const char *engine, const void *out, uint8_t width)
{
    for (uint32_t i = 0; i < set.n_expected; i++) {
        int32_t v = width == 32 ? ((const int32_t *)out)[i] : ((const int8_t *)out)[i];
        if (v != set.expected[i]) {
            fprintf(stderr, "synergy-regbench: %s: the %s engine's output %lu is %ld, not %ld\n", set.name, engine,
                    (unsigned long)i, (long)v, (long)set.expected[i]);
            return false;
        }
    }
    return true;
}

static accel_ctx *reg_ctx;
static uint8_t reg_slot;
static accel_segment seg;

static uint32_t output_len(void)
{
    const accel_layer *last = &set.layers[set.n_layers - 1u];
    return (uint32_t)last->output_shape.c * last->output_shape.h * last->output_shape.w * (last->output_width / 8u);
}

static bool register_run(void)
{
    accel_error err;
    accel_buffer in = { { -1, set.input_shape, 8 }, set.input,
                        (uint32_t)set.input_shape.c * set.input_shape.h * set.input_shape.w };
    if (!accel_run(reg_ctx, reg_slot, &in, 1, NULL, NULL, &err)
        || !accel_output_into(reg_ctx, seg.outputs[0].source, out_reg, output_len(), &err)) {
        fprintf(stderr, "synergy-regbench: %s: register engine: %s\n", set.name, err.msg);
        return false;
    }
    return true;
}

static accel_ctx *ctx;
static uint8_t slot;

static bool layer_run(void)
{
    accel_error err;
    const accel_layer *last = &set.layers[set.n_layers - 1u];
    accel_buffer in = { { -1, set.input_shape, 8 }, set.input,
                        (uint32_t)set.input_shape.c * set.input_shape.h * set.input_shape.w };
    if (!accel_run(ctx, slot, &in, 1, NULL, NULL, &err)
        || !accel_output_into(ctx, (int16_t)last->index, out_layer, output_len(), &err)) {
        fprintf(stderr, "synergy-regbench: %s: layer engine: %s\n", set.name, err.msg);
        return false;
    }
    return true;
}

/* Microseconds of CPU per call of fn, over at least MIN_RUNS calls and MIN_SECONDS. */
static double time_it(bool (*fn)(void))
{
    unsigned runs = 0;
    double start = cpu_seconds(), now = start;
    while (runs < MIN_RUNS || now - start < MIN_SECONDS) {
        if (!fn())
            return -1;
        runs++;
        now = cpu_seconds();
    }
    return (now - start) * 1e6 / runs;
}

int main(int argc, char **argv)
{
    bool as_json = false;
    const char *names[8];
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            as_json = true;
        else if (n < 8)
            names[n++] = argv[i];
    }
    if (n == 0) {
        names[n++] = "mnist";
        names[n++] = "kws20_v3";
        names[n++] = "cifar100-ressimplenet-synth";
    }
    char json[2048];
    size_t jl = (size_t)snprintf(json, sizeof json, "{\"networks\": [");
    double log_sum = 0;
    for (int k = 0; k < n; k++) {
        char why[300];
        if (!golden_load(names[k], &set, why, sizeof why) || !set.have_image) {
            fprintf(stderr, "synergy-regbench: %s\n", set.have_image ? why : "no hw-image.json");
            return 1;
        }
        accel_error aerr;
        memset(&seg, 0, sizeof seg);
        snprintf(seg.model, sizeof seg.model, "%s", set.name);
        seg.count = set.n_layers;
        seg.n_inputs = 1;
        seg.inputs[0] = (accel_tensor){ -1, set.input_shape, 8 };
        const accel_layer *last = &set.layers[set.n_layers - 1u];
        seg.n_outputs = 1;
        seg.outputs[0] = (accel_tensor){ (int16_t)last->index, last->output_shape, last->output_width };
        seg.layers = set.layers;
        seg.params = set.params;
        if ((ctx = accel_open(&accel_engine_layer, set.chip, &aerr)) == NULL || !accel_load(ctx, &seg, &slot, &aerr)) {
            fprintf(stderr, "synergy-regbench: %s: layer engine: %s\n", set.name, aerr.msg);
            return 1;
        }
        cnn_error cerr;
        if (!reg_table_from_writes(set.chip, set.image.configure, set.image.n_configure, set.n_layers, table, &cerr)) {
            fprintf(stderr, "synergy-regbench: %s: %s\n", set.name, cerr.msg);
            return 1;
        }
        reg_image img = set.image;
        img.table = table;
        if ((reg_ctx = accel_open(&accel_engine_register, set.chip, &aerr)) == NULL
            || !accel_load_image(reg_ctx, &seg, &img, &reg_slot, &aerr)) {
            fprintf(stderr, "synergy-regbench: %s: register engine: %s\n", set.name, aerr.msg);
            return 1;
        }
        if (!register_run() || !layer_run() || !same_as_expected("register", out_reg, last->output_width)
            || !same_as_expected("layer", out_layer, last->output_width))
            return 1;
        double reg_us = time_it(register_run), layer_us = time_it(layer_run);
        if (reg_us < 0 || layer_us < 0)
            return 1;
        double ratio = reg_us / layer_us;
        log_sum += log(ratio);
        printf("%-30s register %10.1f us   layer %10.1f us   ratio %.2f\n", set.name, reg_us, layer_us, ratio);
        jl += (size_t)snprintf(json + jl, sizeof json - jl,
                               "%s{\"name\": \"%s\", \"register_us\": %.1f, \"layer_us\": %.1f, \"ratio\": %.3f}",
                               k ? ", " : "", set.name, reg_us, layer_us, ratio);
    }
    double geo = exp(log_sum / n);
    printf("geometric mean of the ratios: %.2f\n", geo);
    if (as_json) {
        snprintf(json + jl, sizeof json - jl, "], \"register_cpu_ratio_golden\": %.3f}", geo);
        puts(json);
    }
    return 0;
}
