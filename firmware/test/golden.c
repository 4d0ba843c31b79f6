/* Golden networks for the tests and benchmarks; see golden.h. */
#include "golden.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chip.h"
#include "json.h"

#define TEXT_BYTES (4u * 1024u * 1024u)
#define WEIGHT_BYTES (2u * 1024u * 1024u)
#define BIAS_BYTES (64u * 1024u)
#define VALUES (2u * 1024u * 1024u)
#define WRITES 8192u
#define KERNEL_WORDS (512u * 1024u)
#define RECORDS 1024u
#define IMAGE_BIAS_BYTES 8192u

static char text[TEXT_BYTES];
static uint8_t weight_pool[WEIGHT_BYTES];
static size_t weight_used;
static int8_t bias_pool[BIAS_BYTES];
static size_t bias_used;
static int32_t value_pool[VALUES];
static size_t value_used;
static int8_t input_pool[1u << 20];
static reg_write write_pool[WRITES];
static size_t write_used;
static uint32_t kernel_pool[KERNEL_WORDS];
static size_t kernel_used;
static reg_kernel_record kernel_records[RECORDS];
static uint8_t image_bias_pool[IMAGE_BIAS_BYTES];
static size_t image_bias_used;
static reg_bias_record bias_records[64];

const char *golden_dir(void)
{
    static char dir[512];
    const char *shared = getenv("SYNERGY_SHARED");
    snprintf(dir, sizeof dir, "%s/golden", shared != NULL && shared[0] != '\0' ? shared : "../shared");
    return dir;
}

bool golden_available(void)
{
    static int known = -1;
    if (known < 0) {
        char path[600];
        snprintf(path, sizeof path, "%s/mnist/hw-image.json", golden_dir());
        FILE *f = fopen(path, "rb");
        known = f != NULL;
        if (f)
            fclose(f);
        else
            printf("SKIPPED: %s is absent; the golden register tests need Analog Devices' golden data "
                   "(set SYNERGY_SHARED)\n", path);
    }
    return known == 1;
}

static const json_node *parse_path(const char *path, char *why, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(why, cap, "%s: cannot read", path);
        return NULL;
    }
    size_t n = fread(text, 1, sizeof text - 1, f);
    bool whole = feof(f) != 0;
    fclose(f);
    if (!whole) {
        snprintf(why, cap, "%s: larger than %u bytes", path, TEXT_BYTES);
        return NULL;
    }
    text[n] = '\0';
    char err[128];
    const json_node *root = json_parse(text, err, sizeof err);
    if (root == NULL)
        snprintf(why, cap, "%s: %s", path, err);
    return root;
}

static const json_node *parse_file(const char *set, const char *file, char *why, size_t cap)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s/%s", golden_dir(), set, file);
    return parse_path(path, why, cap);
}


/* Up to `max` integers of an array into out; returns how many it has (0 if not an array). */
static size_t ints(const json_node *a, int64_t *out, size_t max)
{
    size_t n = 0;
    if (a == NULL || a->kind != JSON_ARRAY)
        return 0;
    for (const json_node *c = a->child; c != NULL; c = c->next, n++)
        if (n < max)
            out[n] = c->num;
    return n;
}

static bool shape_of(const json_node *o, const char *key, accel_shape *s)
{
    int64_t v[3];
    if (ints(json_get(o, key), v, 3) != 3)
        return false;
    *s = (accel_shape){ (uint16_t)v[0], (uint16_t)v[1], (uint16_t)v[2] };
    return true;
}

static bool pair_of(const json_node *o, const char *key, uint8_t out[2], uint8_t dflt)
{
    int64_t v[2];
    size_t n = ints(json_get(o, key), v, 2);
    if (n == 1)
        v[1] = 1;   /* conv1d: [k] -> k x 1 */
    if (n == 0)
        v[0] = v[1] = dflt;
    out[0] = (uint8_t)v[0];
    out[1] = (uint8_t)v[1];
    return n <= 2;
}

static uint64_t hex(const json_node *o, const char *key, uint64_t dflt)
{
    const char *s = json_str(o, key);
    return s != NULL ? strtoull(s, NULL, 16) : dflt;
}

static int code(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if ((s == NULL && names[i] == NULL) || (s != NULL && names[i] != NULL && strcmp(s, names[i]) == 0))
            return i;
    return -1;
}

static const char *str_or_null(const json_node *o, const char *key)
{
    const json_node *n = json_get(o, key);
    return n != NULL && n->kind == JSON_STRING ? n->str : NULL;
}

/* Copies an integer array into the value pool. */
static const int32_t *values(const json_node *a, uint32_t *n)
{
    *n = 0;
    if (a == NULL || a->kind != JSON_ARRAY)
        return NULL;
    int32_t *at = value_pool + value_used;
    for (const json_node *c = a->child; c != NULL; c = c->next) {
        if (value_used == VALUES)
            return NULL;
        value_pool[value_used++] = (int32_t)c->num;
        (*n)++;
    }
    return at;
}

static bool load_model(const char *set, golden_set *g, char *why, size_t cap)
{
    const json_node *root = parse_file(set, "model.json", why, cap);
    if (root == NULL)
        return false;
    static const char *const ops[] = { "conv1d", "conv2d", "convtranspose2d", "linear", "passthrough" };
    static const char *const elts[] = { NULL, "add", "sub", "or", "xor" };
    static const char *const acts[] = { NULL, "relu", "abs" };
    static const char *const pools[] = { NULL, "max", "avg" };
    if (!shape_of(root, "input_shape", &g->input_shape)) {
        snprintf(why, cap, "%s/model.json: no input_shape", set);
        return false;
    }
    const json_node *ls = json_get(root, "layers");
    g->n_layers = (uint16_t)json_len(ls);
    if (g->n_layers == 0 || g->n_layers > GOLDEN_MAX_LAYERS) {
        snprintf(why, cap, "%s/model.json: %u layers", set, g->n_layers);
        return false;
    }
    unsigned i = 0;
    for (const json_node *j = ls->child; j != NULL; j = j->next, i++) {
        accel_layer *l = &g->layers[i];
        accel_params *p = &g->params[i];
        memset(l, 0, sizeof *l);
        memset(p, 0, sizeof *p);
        l->index = (uint16_t)json_int_or(j, "index", i);
        snprintf(l->name, sizeof l->name, "%s", json_str(j, "name") ? json_str(j, "name") : "");
        const json_node *pool = json_get(j, "pool"), *hw = json_get(j, "hw");
        int op = code(json_str(j, "op"), ops, 5), e = code(str_or_null(j, "eltwise"), elts, 5);
        int a = code(str_or_null(j, "activation"), acts, 3), pt = code(str_or_null(pool, "type"), pools, 3);
        if (op < 0 || e < 0 || a < 0 || pt < 0 || hw == NULL) {
            snprintf(why, cap, "%s/model.json: layer %u: unknown op, eltwise, activation or pool, or no hw", set, i);
            return false;
        }
        l->op = (accel_op)op;
        l->eltwise = (accel_eltwise)e;
        l->activation = (accel_activation)a;
        l->pool_type = (accel_pool)pt;
        l->operands = (uint8_t)json_int_or(j, "operands", 1);
        l->pool_first = json_bool_or(j, "pool_first", true);
        pair_of(j, "kernel", l->kernel, 1);
        pair_of(j, "pad", l->pad, 0);
        pair_of(j, "stride", l->stride, 1);
        pair_of(j, "dilation", l->dilation, 1);
        pair_of(pool, "size", l->pool_size, 1);
        pair_of(pool, "stride", l->pool_stride, 1);
        if (l->op == OP_CONV1D)
            l->pad[1] = 0;
        if (!shape_of(j, "input_shape", &l->input_shape) || !shape_of(j, "pooled_shape", &l->pooled_shape)
            || !shape_of(j, "output_shape", &l->output_shape)) {
            snprintf(why, cap, "%s/model.json: layer %u: a shape is missing", set, i);
            return false;
        }
        if (!shape_of(j, "operand_shape", &l->operand_shape))
            l->operand_shape = (accel_shape){ (uint16_t)(l->input_shape.c / l->operands), l->input_shape.h, l->input_shape.w };
        l->output_pad = l->op == OP_CONVTRANSPOSE2D ? 1 : 0;
        l->groups = (uint16_t)json_int_or(j, "groups", 1);
        l->flatten = json_bool_or(j, "flatten", false);
        l->output_width = (uint8_t)json_int_or(j, "output_width", 8);
        const json_node *src = json_get(j, "input_sources");
        for (const json_node *s = src ? src->child : NULL; s != NULL && l->n_sources < SYN_MAX_SOURCES; s = s->next)
            l->sources[l->n_sources++] = (int16_t)s->num;
        l->weight_bits = (uint8_t)json_int_or(j, "weight_bits", 0);
        l->bias_present = json_bool_or(j, "bias_present", false);
        l->output_shift = (int8_t)json_int_or(j, "output_shift", 0);
        l->processors = hex(hw, "processors", 0);
        l->output_processors = hex(hw, "output_processors", 0);
        l->in_offset = (uint32_t)hex(hw, "in_offset", 0);
        l->out_offset = (uint32_t)hex(hw, "out_offset", 0);
        const char *fmt = json_str(hw, "data_format");
        l->data_format = fmt != NULL && strcmp(fmt, "CHW") == 0 ? FMT_CHW : FMT_HWC;
        l->write_gap = (uint8_t)json_int_or(hw, "write_gap", 0);
        if (l->op == OP_PASSTHROUGH)
            l->weight_bits = 0;

        /* Weights packed LSB-first at weight_bits (syn_accel_weight_at's form), bias as int8. */
        const json_node *w = json_get(j, "weights");
        if (l->weight_bits > 0 && w != NULL && w->kind == JSON_ARRAY) {
            uint32_t count = (uint32_t)json_len(w), bytes = (count * l->weight_bits + 7u) / 8u;
            if (weight_used + bytes > WEIGHT_BYTES) {
                snprintf(why, cap, "%s/model.json: weights exceed the test's pool", set);
                return false;
            }
            uint8_t *out = weight_pool + weight_used;
            memset(out, 0, bytes);
            uint32_t k = 0;
            for (const json_node *c = w->child; c != NULL; c = c->next, k++) {
                uint32_t bit = k * l->weight_bits;
                out[bit / 8u] |= (uint8_t)(((uint32_t)c->num & ((1u << l->weight_bits) - 1u)) << (bit % 8u));
            }
            p->weights = out;
            p->weights_len = bytes;
            p->weight_count = count;
            weight_used += bytes;
        }
        const json_node *b = json_get(j, "bias");
        if (l->bias_present && b != NULL && b->kind == JSON_ARRAY) {
            int8_t *out = bias_pool + bias_used;
            uint32_t n = 0;
            for (const json_node *c = b->child; c != NULL && bias_used < BIAS_BYTES; c = c->next, n++)
                bias_pool[bias_used++] = (int8_t)c->num;
            p->bias = out;
            p->bias_len = n;
        }

        /* Where the layer writes its output. */
        g->output_layout[i] = (reg_layout){ .source = (int16_t)i, .shape = l->output_shape, .width = l->output_width,
                                            .format = FMT_HWC, .processors = l->output_processors,
                                            .offset = l->out_offset, .write_gap = l->write_gap };
    }
    const accel_layer *l0 = &g->layers[0];
    g->input_layout = (reg_layout){ .source = -1, .shape = g->input_shape, .width = 8, .format = l0->data_format,
                                    .processors = l0->processors, .offset = l0->in_offset, .write_gap = 0 };
    return true;
}

static bool load_io(const char *set, golden_set *g, char *why, size_t cap)
{
    const json_node *root = parse_file(set, "input.json", why, cap);
    if (root == NULL)
        return false;
    uint32_t n = 0;
    int8_t *in = input_pool;
    for (const json_node *c = json_get(root, "data") ? json_get(root, "data")->child : NULL; c != NULL; c = c->next)
        if (n < sizeof input_pool)
            in[n++] = (int8_t)c->num;
    if (n != (uint32_t)g->input_shape.c * g->input_shape.h * g->input_shape.w) {
        snprintf(why, cap, "%s/input.json: %lu values for a %ux%ux%u input", set, (unsigned long)n, g->input_shape.c,
                 g->input_shape.h, g->input_shape.w);
        return false;
    }
    g->input = in;
    if ((root = parse_file(set, "expected_output.json", why, cap)) == NULL)
        return false;
    g->expected = values(json_get(root, "data"), &g->n_expected);
    if ((root = parse_file(set, "intermediate.json", why, cap)) == NULL)
        return false;
    const json_node *ls = json_get(root, "layers");
    unsigned i = 0;
    for (const json_node *j = ls ? ls->child : NULL; j != NULL && i < GOLDEN_MAX_LAYERS; j = j->next, i++)
        g->outputs[i] = values(json_get(j, "output"), &g->n_outputs[i]);
    if (i != g->n_layers || g->expected == NULL) {
        snprintf(why, cap, "%s: intermediate.json has %u layers for %u, or no expected output", set, i, g->n_layers);
        return false;
    }
    return true;
}

static bool load_writes(const json_node *list, const reg_write **out, size_t *n)
{
    *out = write_pool + write_used;
    *n = 0;
    for (const json_node *w = list ? list->child : NULL; w != NULL; w = w->next) {
        if (write_used == WRITES || w->kind != JSON_ARRAY || w->child == NULL || w->child->next == NULL)
            return false;
        write_pool[write_used++] = (reg_write){ (uint32_t)w->child->num, (uint32_t)w->child->next->num };
        (*n)++;
    }
    return true;
}

/* The vendor fields of a max78000-hw-image/1 document into g->image (writes, records, unload). */
static bool image_of(const json_node *root, const char *path, golden_set *g, char *why, size_t cap)
{
    reg_image *img = &g->image;
    memset(img, 0, sizeof *img);
    const char *chip = json_str(root, "chip");
    img->chip = syn_chip_find(chip != NULL ? chip : "max78000");
    if (!load_writes(json_get(root, "init"), &img->init, &img->n_init)
        || !load_writes(json_get(root, "configure"), &img->configure, &img->n_configure)
        || !load_writes(json_get(root, "start"), &img->start, &img->n_start)) {
        snprintf(why, cap, "%s: init/configure/start are not lists of [address, value, comment]", path);
        return false;
    }
    img->kernels = kernel_records;
    for (const json_node *r = json_get(root, "kernels") ? json_get(root, "kernels")->child : NULL; r != NULL; r = r->next) {
        const json_node *ws = json_get(r, "words");
        if (img->n_kernels == RECORDS || ws == NULL) {
            snprintf(why, cap, "%s: too many kernel records, or one without words", path);
            return false;
        }
        reg_kernel_record *k = &kernel_records[img->n_kernels++];
        k->addr = (uint32_t)json_int_or(r, "addr", 0);
        k->words = kernel_pool + kernel_used;
        k->n = 0;
        for (const json_node *c = ws->child; c != NULL; c = c->next, k->n++) {
            if (kernel_used == KERNEL_WORDS) {
                snprintf(why, cap, "%s: kernel words exceed the test's pool", path);
                return false;
            }
            kernel_pool[kernel_used++] = (uint32_t)c->num;
        }
    }
    img->bias = bias_records;
    for (const json_node *r = json_get(root, "bias") ? json_get(root, "bias")->child : NULL; r != NULL; r = r->next) {
        reg_bias_record *b = &bias_records[img->n_bias++];
        b->addr = (uint32_t)json_int_or(r, "addr", 0);
        b->bytes = image_bias_pool + image_bias_used;
        b->n = 0;
        for (const json_node *c = json_get(r, "bytes") ? json_get(r, "bytes")->child : NULL;
             c != NULL && image_bias_used < IMAGE_BIAS_BYTES; c = c->next, b->n++)
            image_bias_pool[image_bias_used++] = (uint8_t)c->num;
        if (img->n_bias == 64)
            break;
    }
    g->n_unload = 0;
    for (const json_node *r = json_get(root, "unload") ? json_get(root, "unload")->child : NULL;
         r != NULL && g->n_unload < GOLDEN_MAX_UNLOAD; r = r->next)
        g->unload[g->n_unload++] = (golden_unload){ (uint32_t)json_int_or(r, "addr", 0), (uint32_t)json_int_or(r, "words", 0) };
    return true;
}

static bool load_image(const char *set, golden_set *g, char *why, size_t cap)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s/hw-image.json", golden_dir(), set);
    FILE *f = fopen(path, "rb");
    g->have_image = f != NULL;
    if (f == NULL)
        return true;
    fclose(f);
    const json_node *root = parse_file(set, "hw-image.json", why, cap);
    if (root == NULL || !image_of(root, path, g, why, cap))
        return false;
    reg_image *img = &g->image;
    img->layers = g->n_layers;
    img->inputs = &g->input_layout;
    img->n_inputs = 1;
    img->outputs = &g->output_layout[g->n_layers - 1];
    img->n_outputs = 1;
    return true;
}

/* A layout of the image's "inputs"/"outputs" (host/synth/image.ts layoutJson). */
static bool layout_of(const json_node *t, reg_layout *l)
{
    if (t == NULL || !shape_of(t, "shape", &l->shape))
        return false;
    l->source = (int16_t)json_int_or(t, "source", -1);
    l->width = (uint8_t)json_int_or(t, "width", 8);
    const char *format = json_str(t, "format");
    l->format = format != NULL && strcmp(format, "CHW") == 0 ? FMT_CHW : FMT_HWC;
    const char *procs = json_str(t, "processors");
    l->processors = procs != NULL ? strtoull(procs, NULL, 16) : 0;
    l->offset = (uint32_t)json_int_or(t, "offset", 0);
    l->write_gap = (uint8_t)json_int_or(t, "write_gap", 0);
    return true;
}

bool golden_image_file(const char *path, golden_set *g, char *why, size_t cap)
{
    memset(g, 0, sizeof *g);
    weight_used = bias_used = value_used = write_used = kernel_used = image_bias_used = 0;
    const json_node *root = parse_path(path, why, cap);
    if (root == NULL || !image_of(root, path, g, why, cap))
        return false;
    snprintf(g->name, sizeof g->name, "%s", json_str(root, "model") != NULL ? json_str(root, "model") : path);
    g->chip = g->image.chip;
    g->n_layers = (uint16_t)json_int_or(root, "count", 0);
    const json_node *ins = json_get(root, "inputs"), *outs = json_get(root, "outputs");
    if (g->n_layers == 0 || json_len(ins) != 1 || json_len(outs) != 1 || !layout_of(json_at(ins, 0), &g->input_layout)
        || !layout_of(json_at(outs, 0), &g->output_layout[0])) {
        snprintf(why, cap, "%s: an image of one input and one output layout was expected", path);
        return false;
    }
    g->have_image = true;
    g->image.layers = g->n_layers;
    g->image.inputs = &g->input_layout;
    g->image.n_inputs = 1;
    g->image.outputs = &g->output_layout[0];
    g->image.n_outputs = 1;
    return true;
}

bool golden_load(const char *name, golden_set *g, char *why, size_t cap)
{
    memset(g, 0, sizeof *g);
    weight_used = bias_used = value_used = write_used = kernel_used = image_bias_used = 0;
    snprintf(g->name, sizeof g->name, "%s", name);
    g->chip = syn_chip_find("max78000");   /* every golden set was made for MAX78000 (README) */
    return load_model(name, g, why, cap) && load_io(name, g, why, cap) && load_image(name, g, why, cap);
}
