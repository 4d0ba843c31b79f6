/* Zoo segments for the tests; see zoo_segment.h. */
#include "zoo_segment.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "json.h"
#include "seg_cbor.h"
#include "segment_decode.h"
#include "support.h"

#define MAX_MODEL_LAYERS 128

typedef struct {
    int16_t source;
    accel_shape shape;
    uint8_t width;
} tref;

static accel_layer layers[MAX_MODEL_LAYERS];
static accel_shape input_shape;
static unsigned n_layers;

static int name_code(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) {
        if (s != NULL && names[i] != NULL && strcmp(s, names[i]) == 0)
            return i;
        if (s == NULL && names[i] == NULL)
            return i;
    }
    return -1;
}

static bool pair(const json_node *o, const char *key, uint8_t out[2])
{
    const json_node *a = json_get(o, key);
    if (a == NULL || json_len(a) != 2)
        return false;
    out[0] = (uint8_t)json_at(a, 0)->num;
    out[1] = (uint8_t)json_at(a, 1)->num;
    return true;
}

static bool shape(const json_node *o, const char *key, accel_shape *out)
{
    const json_node *a = json_get(o, key);
    if (a == NULL || json_len(a) != 3)
        return false;
    *out = (accel_shape){ (uint16_t)json_at(a, 0)->num, (uint16_t)json_at(a, 1)->num, (uint16_t)json_at(a, 2)->num };
    return true;
}

static uint64_t hex(const json_node *o, const char *key)
{
    const char *s = json_str(o, key);
    return s != NULL ? strtoull(s, NULL, 16) : 0;
}

/* Reads models/<name>.json into layers[]. */
static bool load(const char *model, char *why, size_t cap)
{
    char path[256];
    snprintf(path, sizeof path, "models/%s.json", model);
    const char *text = read_text_file(path);
    char err[128];
    json_node *root = text != NULL ? json_parse(text, err, sizeof err) : NULL;
    if (root == NULL) {
        snprintf(why, cap, "%s: %s (run the tests from the repo root)", path, text == NULL ? "cannot read" : err);
        return false;
    }
    static const char *const ops[] = { "conv1d", "conv2d", "convtranspose2d", "linear", "passthrough" };
    static const char *const elts[] = { NULL, "add", "sub", "or", "xor" };
    static const char *const acts[] = { NULL, "relu", "abs" };
    static const char *const pools[] = { NULL, "max", "avg" };
    if (!shape(root, "input_shape", &input_shape)) {
        snprintf(why, cap, "%s: no input_shape", path);
        return false;
    }
    const json_node *ls = json_get(root, "layers");
    n_layers = (unsigned)json_len(ls);
    if (n_layers == 0 || n_layers > MAX_MODEL_LAYERS) {
        snprintf(why, cap, "%s: %u layers", path, n_layers);
        return false;
    }
    for (unsigned i = 0; i < n_layers; i++) {
        const json_node *j = json_at(ls, i);
        accel_layer *l = &layers[i];
        memset(l, 0, sizeof *l);
        l->index = (uint16_t)json_int_or(j, "index", i);
        snprintf(l->name, sizeof l->name, "%s", json_str(j, "name") ? json_str(j, "name") : "");
        const json_node *pool = json_get(j, "pool"), *hw = json_get(j, "hw");
        const json_node *elt = json_get(j, "eltwise"), *act = json_get(j, "activation"), *pt = json_get(pool, "type");
        int op = name_code(json_str(j, "op"), ops, 5);
        int e = name_code(elt && elt->kind == JSON_STRING ? elt->str : NULL, elts, 5);
        int a = name_code(act && act->kind == JSON_STRING ? act->str : NULL, acts, 3);
        int p = name_code(pt && pt->kind == JSON_STRING ? pt->str : NULL, pools, 3);
        if (op < 0 || e < 0 || a < 0 || p < 0 || hw == NULL) {
            snprintf(why, cap, "%s: layer %u: unknown op, eltwise, activation or pool, or no hw", path, i);
            return false;
        }
        l->op = (accel_op)op;
        l->eltwise = (accel_eltwise)e;
        l->activation = (accel_activation)a;
        l->pool_type = (accel_pool)p;
        l->operands = (uint8_t)json_int_or(j, "operands", 1);
        l->pool_first = json_bool_or(j, "pool_first", true);
        bool ok = pair(j, "kernel", l->kernel) && pair(j, "pad", l->pad) && pair(j, "stride", l->stride)
                  && pair(j, "dilation", l->dilation) && pair(pool, "size", l->pool_size) && pair(pool, "stride", l->pool_stride)
                  && shape(j, "input_shape", &l->input_shape) && shape(j, "operand_shape", &l->operand_shape)
                  && shape(j, "pooled_shape", &l->pooled_shape) && shape(j, "output_shape", &l->output_shape);
        if (!ok) {
            snprintf(why, cap, "%s: layer %u: a pair or shape is missing", path, i);
            return false;
        }
        l->output_pad = (uint8_t)json_int_or(j, "output_pad", l->op == OP_CONVTRANSPOSE2D ? 1 : 0);
        l->groups = (uint16_t)json_int_or(j, "groups", 1);
        l->depthwise = json_bool_or(j, "depthwise", false);
        l->flatten = json_bool_or(j, "flatten", false);
        l->output_width = (uint8_t)json_int_or(j, "output_width", 8);
        const json_node *src = json_get(j, "input_sources");
        l->n_sources = (uint8_t)json_len(src);
        for (unsigned k = 0; k < l->n_sources && k < SYN_MAX_SOURCES; k++)
            l->sources[k] = (int16_t)json_at(src, k)->num;
        l->weight_bits = (uint8_t)json_int_or(j, "weight_bits", 0);
        l->bias_present = json_bool_or(j, "bias_present", false);
        l->output_shift = l->op == OP_PASSTHROUGH ? 0 : -1;   /* the fit rules want 0 there */
        l->streaming = json_bool_or(j, "streaming", false);
        l->processors = hex(hw, "processors");
        l->output_processors = hex(hw, "output_processors");
        l->in_offset = (uint32_t)hex(hw, "in_offset");
        l->out_offset = (uint32_t)hex(hw, "out_offset");
        const char *fmt = json_str(hw, "data_format");
        l->data_format = fmt != NULL && strcmp(fmt, "CHW") == 0 ? FMT_CHW : FMT_HWC;
        l->write_gap = (uint8_t)json_int_or(hw, "write_gap", 0);
    }
    return true;
}

unsigned zoo_layer_count(const char *model)
{
    char why[200];
    return load(model, why, sizeof why) ? n_layers : 0;
}

static tref tensor_of(int16_t source)
{
    if (source < 0)
        return (tref){ -1, input_shape, 8 };
    const accel_layer *l = &layers[source];
    return (tref){ source, l->output_shape, l->output_width };
}

/* The boundary rule (PROTOCOL.md 7): tensors produced before `cut` that a layer at or after it
 * reads; after the last layer, only the model's output. Ascending source ids. */
static unsigned crossing(unsigned cut, tref *out)
{
    unsigned n = 0;
    if (cut == n_layers) {
        out[n++] = tensor_of((int16_t)(n_layers - 1u));
        return n;
    }
    for (int s = -1; s < (int)cut; s++) {
        bool read = false;
        for (unsigned k = cut; k < n_layers && !read; k++) {
            for (unsigned j = 0; j < layers[k].n_sources; j++)
                read = read || layers[k].sources[j] == s;
        }
        if (read && n < SYN_MAX_CUT_TENSORS)
            out[n++] = tensor_of((int16_t)s);
    }
    return n;
}

static void write_tensors(cbor_writer *w, const tref *t, unsigned n)
{
    syn_cbor_write_array(w, n);
    for (unsigned i = 0; i < n; i++) {
        accel_tensor a = { t[i].source, t[i].shape, t[i].width };
        seg_write_tensor(w, &a);
    }
}

static uint8_t packed[1u << 21];

void (*zoo_segment_tweak)(accel_layer *layer);

size_t zoo_segment(const char *model, unsigned first, unsigned count, uint32_t seed, uint8_t *out, size_t cap,
                   char *why, size_t why_cap)
{
    if (!load(model, why, why_cap))
        return 0;
    if (count == 0 || first + count > n_layers) {
        snprintf(why, why_cap, "%s has %u layers, not %u..%u", model, n_layers, first, first + count - 1u);
        return 0;
    }
    tref ins[SYN_MAX_CUT_TENSORS], outs[SYN_MAX_CUT_TENSORS];
    unsigned n_in = crossing(first, ins), n_out = crossing(first + count, outs);
    uint32_t rnd = seed != 0 ? seed : 1u;
    cbor_writer w;
    syn_cbor_writer_init(&w, out, cap);
    syn_cbor_write_map(&w, 7);
    syn_cbor_write_uint(&w, 0); syn_cbor_write_uint(&w, 1);
    syn_cbor_write_uint(&w, 1); syn_cbor_write_cstr(&w, model);
    syn_cbor_write_uint(&w, 2); syn_cbor_write_uint(&w, first);
    syn_cbor_write_uint(&w, 3); syn_cbor_write_uint(&w, count);
    syn_cbor_write_uint(&w, 4); write_tensors(&w, ins, n_in);
    syn_cbor_write_uint(&w, 5); write_tensors(&w, outs, n_out);
    syn_cbor_write_uint(&w, 6);
    syn_cbor_write_array(&w, count);
    for (unsigned i = first; i < first + count; i++) {
        accel_layer *l = &layers[i];
        if (zoo_segment_tweak != NULL)
            zoo_segment_tweak(l);
        seg_write_layer(&w, l, (l->weight_bits > 0 ? 1u : 0u) + (l->bias_present ? 1u : 0u));
        if (l->weight_bits > 0) {
            /* Values within the bit range, small for 8 bits so outputs do not all saturate. */
            uint64_t count_w = syn_accel_weight_count(l), bytes = (count_w * l->weight_bits + 7u) / 8u;
            if (bytes > sizeof packed) {
                snprintf(why, why_cap, "layer %u: %llu weight bytes", i, (unsigned long long)bytes);
                return 0;
            }
            memset(packed, 0, (size_t)bytes);
            for (uint64_t k = 0; k < count_w; k++) {
                uint32_t r = test_xorshift32(&rnd);
                int v = l->weight_bits == 8 ? (int)(r % 15u) - 7 : (int)(r % (1u << l->weight_bits)) - (1 << (l->weight_bits - 1));
                uint32_t bits = (uint32_t)v & ((1u << l->weight_bits) - 1u);
                uint64_t at = k * l->weight_bits;
                packed[at / 8u] |= (uint8_t)(bits << (at % 8u));
            }
            syn_cbor_write_uint(&w, 34);
            syn_cbor_write_bytes(&w, packed, (size_t)bytes);
        }
        if (l->bias_present) {
            uint8_t bias[1024];
            for (unsigned k = 0; k < l->output_shape.c && k < sizeof bias; k++)
                bias[k] = (uint8_t)((int)(test_xorshift32(&rnd) % 41u) - 20);
            syn_cbor_write_uint(&w, 35);
            syn_cbor_write_bytes(&w, bias, l->output_shape.c);
        }
    }
    if (w.err != CBOR_OK) {
        snprintf(why, why_cap, "encoding: %s", syn_cbor_err_name(w.err));
        return 0;
    }
    return w.len;
}
