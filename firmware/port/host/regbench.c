/* synergy-regbench: host CPU per inference of the two engines behind accel.h, as a board runs
 * them (syn_accel_run, then syn_accel_output_into the caller's buffer): the register engine (the image
 * run through the CNN driver on the register-level model: init, LCNT_MAX, input placement, start,
 * wait, stop, output gathering; its configure table written once, as the same segment runs again)
 * beside the layer engine (the layer-level simulator).
 *
 *   make bench-regmodel                  the golden networks with a hardware image; both engines'
 *                                        outputs checked against expected_output.json first
 *   make bench-regmodel-zoo              every zoo model that fits one MAX78000 whole: the same
 *                                        weights as a format 1 segment and as the register
 *                                        generator's image (tools/bench/regbench-zoo.ts writes
 *                                        them); the two engines' outputs must be equal
 *   firmware/build/host/synergy-regbench [--json] [set ...]
 *   firmware/build/host/synergy-regbench [--json] --zoo DIR
 *
 * Prints one line per network; with --json it ends with one JSON line
 * {"networks": [{"name", "register_us", "layer_us", "ratio"}], "register_cpu_ratio_golden": g}
 * ("register_cpu_ratio_zoo" with --zoo) where g is the geometric mean of the ratios. */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime */

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accel.h"
#include "cnn_driver.h"
#include "golden.h"
#include "reg/reg_program.h"
#include "reg/reg_table.h"

#define MIN_SECONDS 0.5
#define MIN_RUNS 5
#define MAX_NETS 16
#define ZOO_LAYERS 128u

static golden_set set;
static uint32_t table[4u * CNN_LR_COUNT * GOLDEN_MAX_LAYERS];
static int32_t out_reg[1u << 18];
static int32_t out_layer[1u << 18];
/* The network both engines run: its segment (tensors, layers; weights for the layer engine). */
static accel_segment seg;
static const int8_t *input;
static accel_ctx *reg_ctx, *layer_ctx;
static uint8_t reg_slot, layer_slot;
/* zoo inputs */
static uint8_t blob[4u << 20];
static int8_t zoo_input[1u << 20];
static accel_layer zoo_layers[ZOO_LAYERS];
static accel_params zoo_params[ZOO_LAYERS];

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint32_t input_len(void)
{
    return (uint32_t)seg.inputs[0].shape.c * seg.inputs[0].shape.h * seg.inputs[0].shape.w;
}

static uint32_t output_len(void)
{
    const accel_tensor *t = &seg.outputs[0];
    return (uint32_t)t->shape.c * t->shape.h * t->shape.w * (t->width / 8u);
}

static bool run_on(accel_ctx *ctx, uint8_t slot, void *out, const char *engine)
{
    accel_error err;
    accel_buffer in = { seg.inputs[0], input, input_len() };
    if (!syn_accel_run(ctx, slot, &in, 1, NULL, NULL, &err) || !syn_accel_output_into(ctx, seg.outputs[0].source, out, output_len(), &err)) {
        fprintf(stderr, "synergy-regbench: %s: %s engine: %s\n", seg.model, engine, err.msg);
        return false;
    }
    return true;
}

static bool register_run(void)
{
    return run_on(reg_ctx, reg_slot, out_reg, "register");
}

static bool layer_run(void)
{
    return run_on(layer_ctx, layer_slot, out_layer, "layer");
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

static bool same_as_expected(const char *engine, const void *out)
{
    for (uint32_t i = 0; i < set.n_expected; i++) {
        int32_t v = seg.outputs[0].width == 32 ? ((const int32_t *)out)[i] : ((const int8_t *)out)[i];
        if (v != set.expected[i]) {
            fprintf(stderr, "synergy-regbench: %s: the %s engine's output %lu is %ld, not %ld\n", set.name, engine,
                    (unsigned long)i, (long)v, (long)set.expected[i]);
            return false;
        }
    }
    return true;
}

/* Both engines open with the network loaded: the layer engine from seg (weights in its params),
 * the register engine from set.image with its configure program as a table. */
static bool open_engines(void)
{
    accel_error err;
    if ((layer_ctx = syn_accel_open(&syn_accel_engine_layer, set.chip, &err)) == NULL || !syn_accel_load(layer_ctx, &seg, &layer_slot, &err)) {
        fprintf(stderr, "synergy-regbench: %s: layer engine: %s\n", seg.model, err.msg);
        return false;
    }
    cnn_error cerr;
    if (!syn_reg_table_from_writes(set.chip, set.image.configure, set.image.n_configure, seg.count, table, &cerr)) {
        fprintf(stderr, "synergy-regbench: %s: %s\n", seg.model, cerr.msg);
        return false;
    }
    reg_image img = set.image;
    img.table = table;
    if ((reg_ctx = syn_accel_open(&syn_accel_engine_register, set.chip, &err)) == NULL
        || !syn_accel_load_image(reg_ctx, &seg, &img, &reg_slot, &err)) {
        fprintf(stderr, "synergy-regbench: %s: register engine: %s\n", seg.model, err.msg);
        return false;
    }
    return true;
}

static bool golden_network(const char *name)
{
    char why[300];
    if (!golden_load(name, &set, why, sizeof why) || !set.have_image) {
        fprintf(stderr, "synergy-regbench: %s\n", set.have_image ? why : "no hw-image.json");
        return false;
    }
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
    input = set.input;
    return open_engines() && register_run() && layer_run() && same_as_expected("register", out_reg)
           && same_as_expected("layer", out_layer);
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, cap, f);
    bool whole = feof(f) != 0 || fgetc(f) == EOF;
    fclose(f);
    return whole ? n : 0;
}

static bool zoo_network(const char *dir, const char *name)
{
    char path[4400], why[300];
    snprintf(path, sizeof path, "%.4000s/%.255s.image.json", dir, name);
    if (!golden_image_file(path, &set, why, sizeof why)) {
        fprintf(stderr, "synergy-regbench: %s\n", why);
        return false;
    }
    snprintf(path, sizeof path, "%.4000s/%.255s.seg", dir, name);
    size_t n = read_file(path, blob, sizeof blob);
    char err[SYN_ACCEL_ERR_MAX];
    if (n == 0 || !syn_accel_segment_decode(blob, n, zoo_layers, zoo_params, ZOO_LAYERS, &seg, err, sizeof err)) {
        fprintf(stderr, "synergy-regbench: %s: %s\n", path, n == 0 ? "cannot read" : err);
        return false;
    }
    snprintf(path, sizeof path, "%.4000s/%.255s.input.bin", dir, name);
    if (read_file(path, (uint8_t *)zoo_input, sizeof zoo_input) != input_len()) {
        fprintf(stderr, "synergy-regbench: %s: not %lu bytes\n", path, (unsigned long)input_len());
        return false;
    }
    input = zoo_input;
    if (!open_engines() || !register_run() || !layer_run())
        return false;
    if (memcmp(out_reg, out_layer, output_len()) != 0) {
        fprintf(stderr, "synergy-regbench: %s: the register engine's output differs from the layer engine's\n", name);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    bool as_json = false;
    const char *zoo = NULL;
    static char names[MAX_NETS][256];
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            as_json = true;
        else if (strcmp(argv[i], "--zoo") == 0 && i + 1 < argc)
            zoo = argv[++i];
        else if (n < MAX_NETS)
            snprintf(names[n++], sizeof names[0], "%s", argv[i]);
    }
    if (zoo != NULL && n == 0) {
        DIR *d = opendir(zoo);
        if (d == NULL) {
            fprintf(stderr, "synergy-regbench: --zoo %s: cannot read the folder (tools/bench/regbench-zoo.ts fills it)\n", zoo);
            return 1;
        }
        for (struct dirent *e; (e = readdir(d)) != NULL && n < MAX_NETS;) {
            size_t len = strlen(e->d_name);
            const char *suffix = ".image.json";
            if (len > strlen(suffix) && strcmp(e->d_name + len - strlen(suffix), suffix) == 0)
                snprintf(names[n++], sizeof names[0], "%.*s", (int)(len - strlen(suffix)), e->d_name);
        }
        closedir(d);
        qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    }
    if (zoo == NULL && n == 0) {
        snprintf(names[n++], sizeof names[0], "mnist");
        snprintf(names[n++], sizeof names[0], "kws20_v3");
        snprintf(names[n++], sizeof names[0], "cifar100-ressimplenet-synth");
    }
    if (n == 0) {
        fprintf(stderr, "synergy-regbench: no networks in %s\n", zoo);
        return 1;
    }
    char json[4096];
    size_t jl = (size_t)snprintf(json, sizeof json, "{\"networks\": [");
    double log_sum = 0;
    for (int k = 0; k < n; k++) {
        if (!(zoo != NULL ? zoo_network(zoo, names[k]) : golden_network(names[k])))
            return 1;
        double reg_us = time_it(register_run), layer_us = time_it(layer_run);
        if (reg_us < 0 || layer_us < 0)
            return 1;
        double ratio = reg_us / layer_us;
        log_sum += log(ratio);
        printf("%-34s register %10.1f us   layer %10.1f us   ratio %.2f\n", names[k], reg_us, layer_us, ratio);
        jl += (size_t)snprintf(json + jl, sizeof json - jl,
                               "%s{\"name\": \"%s\", \"register_us\": %.1f, \"layer_us\": %.1f, \"ratio\": %.3f}",
                               k ? ", " : "", names[k], reg_us, layer_us, ratio);
    }
    double geo = exp(log_sum / n);
    printf("geometric mean of the ratios: %.2f\n", geo);
    if (as_json) {
        snprintf(json + jl, sizeof json - jl, "], \"register_cpu_ratio_%s\": %.3f}", zoo != NULL ? "zoo" : "golden", geo);
        puts(json);
    }
    return 0;
}
