/* synergy-accel run: the emulated board's simulator (accel.h, accel/sim/) on the request's
 * segments, in order, as consecutive parts of one model. Every segment is loaded first (so up to
 * SYN_MAX_RESIDENT are resident together), then each runs on the tensors known so far: the
 * request's inputs and the outputs of the segments before it (split execution).
 *
 *   args = {
 *     0 => [* tensor],      ; the first segment's inputs (and any later segment's, if not produced)
 *     ? 1 => bool,          ; values: print every tensor's values, not only its hash (default false)
 *     ? 2 => bool,          ; layers: report every layer's output (default true)
 *   }
 *   tensor = {0 => int (source), 1 => [c, h, w], 2 => 8 / 32 (width), 3 => bstr (CHW values,
 *             int8, or int32 little-endian)}
 *   answer = {"segments": [{"first", "count", "peak_bytes",
 *              "layers": [{"index", "shape", "width", "hash", ?"values"}],
 *              "outputs": [{"source", "shape", "width", "hash", ?"values"}]}]}
 * hash is FNV-1a (32 bit) over the values' little-endian bytes (host/model/tensor.ts tensorHash).
 * A refusal names the segment and carries the simulator's message and status. */
#include "accel_tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"
#include "cbor.h"
#include "sim/sim.h"

#define POOL_MAX 64   /* tensors known during one request */

typedef struct {
    accel_tensor desc;
    uint8_t *data;    /* owned copy */
    uint32_t len;
} pooled;

static pooled pool[POOL_MAX];
static size_t pool_n;

static void pool_clear(void)
{
    for (size_t k = 0; k < pool_n; k++)
        free(pool[k].data);
    pool_n = 0;
}

static pooled *pool_find(int16_t source)
{
    for (size_t k = 0; k < pool_n; k++)
        if (pool[k].desc.source == source)
            return &pool[k];
    return NULL;
}

static bool pool_put(const accel_tensor *desc, const void *data, uint32_t len, char *err, size_t cap)
{
    pooled *p = pool_find(desc->source);
    if (!p) {
        if (pool_n == POOL_MAX) {
            snprintf(err, cap, "more than %d tensors in one request", POOL_MAX);
            return false;
        }
        p = &pool[pool_n++];
        p->data = NULL;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        snprintf(err, cap, "out of memory");
        return false;
    }
    memcpy(copy, data, len);
    free(p->data);
    p->desc = *desc;
    p->data = copy;
    p->len = len;
    return true;
}

static uint32_t fnv1a(const accel_tensor *t, const uint8_t *data, uint32_t len)
{
    uint32_t h = 0x811c9dc5u;
    if (t->width == 32) {
        for (uint32_t k = 0; k + 4 <= len; k += 4) {
            int32_t v;
            memcpy(&v, data + k, 4);
            uint32_t u = (uint32_t)v;
            for (unsigned b = 0; b < 4; b++) {
                h ^= (u >> (8 * b)) & 0xffu;
                h *= 0x01000193u;
            }
        }
    } else {
        for (uint32_t k = 0; k < len; k++) {
            h ^= data[k];
            h *= 0x01000193u;
        }
    }
    return h;
}

static void put_tensor(tool_json *j, const char *id_key, const accel_tensor *t, const uint8_t *data, uint32_t len,
                       bool values)
{
    syn_json_obj_begin(j);
    syn_json_key(j, id_key); syn_json_int(j, t->source);
    syn_json_key(j, "shape");
    syn_json_arr_begin(j);
    syn_json_uint(j, t->shape.c); syn_json_uint(j, t->shape.h); syn_json_uint(j, t->shape.w);
    syn_json_arr_end(j);
    syn_json_key(j, "width"); syn_json_uint(j, t->width);
    syn_json_key(j, "hash"); syn_json_uint(j, fnv1a(t, data, len));
    if (values) {
        syn_json_key(j, "values");
        syn_json_arr_begin(j);
        if (t->width == 32) {
            for (uint32_t k = 0; k + 4 <= len; k += 4) {
                int32_t v;
                memcpy(&v, data + k, 4);
                syn_json_int(j, v);
            }
        } else {
            for (uint32_t k = 0; k < len; k++)
                syn_json_int(j, (int8_t)data[k]);
        }
        syn_json_arr_end(j);
    }
    syn_json_obj_end(j);
}

static bool read_shape(cbor_reader *r, accel_shape *s)
{
    size_t n;
    uint32_t v[3];
    if (!syn_cbor_read_array(r, &n) || n != 3)
        return false;
    for (unsigned k = 0; k < 3; k++)
        if (!syn_cbor_read_u32(r, &v[k]) || v[k] < 1 || v[k] > UINT16_MAX)
            return false;
    s->c = (uint16_t)v[0];
    s->h = (uint16_t)v[1];
    s->w = (uint16_t)v[2];
    return true;
}

static bool read_tensor(cbor_reader *r, size_t index, char *err, size_t cap)
{
    size_t n;
    accel_tensor t = { 0 };
    const uint8_t *data = NULL;
    size_t len = 0;
    bool have[4] = { false, false, false, false };
    if (!syn_cbor_read_map(r, &n)) {
        snprintf(err, cap, "args.inputs[%zu]: must be a map", index);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t key;
        int64_t source;
        uint32_t width;
        bool good = syn_cbor_read_uint(r, &key);
        if (good && key == 0) {
            good = syn_cbor_read_int(r, &source) && source >= -1 && source < INT16_MAX;
            t.source = (int16_t)source;
        } else if (good && key == 1) {
            good = read_shape(r, &t.shape);
        } else if (good && key == 2) {
            good = syn_cbor_read_u32(r, &width) && (width == 8 || width == 32);
            t.width = (uint8_t)width;
        } else if (good && key == 3) {
            good = syn_cbor_read_bytes(r, &data, &len);
        } else if (good) {
            good = syn_cbor_skip(r);
        }
        if (!good) {
            snprintf(err, cap, "args.inputs[%zu]: key %llu: wrong type or out of range", index, (unsigned long long)key);
            return false;
        }
        if (key < 4)
            have[key] = true;
    }
    if (!have[0] || !have[1] || !have[2] || !have[3]) {
        snprintf(err, cap, "args.inputs[%zu]: needs source (0), shape (1), width (2) and data (3)", index);
        return false;
    }
    uint64_t want = (uint64_t)t.shape.c * t.shape.h * t.shape.w * (t.width / 8u);
    if (len != want) {
        snprintf(err, cap, "args.inputs[%zu]: %zu data bytes for a %ux%ux%u %u-bit tensor (%llu expected)", index, len,
                 t.shape.c, t.shape.h, t.shape.w, t.width, (unsigned long long)want);
        return false;
    }
    return pool_put(&t, data, (uint32_t)len, err, cap);
}

static bool read_args(const tool_request *req, bool *values, bool *layers, char *err, size_t cap)
{
    *values = false;
    *layers = true;
    tool_map m;
    uint64_t key;
    if (!syn_tool_args_map(req, &m, "the inputs (key 0) are needed", err, cap))
        return false;
    while (syn_tool_next_key(&m, &key, err, cap)) {
        if (key == 0) {
            size_t count;
            if (!syn_cbor_read_array(&m.r, &count)) {
                snprintf(err, cap, "args.inputs: must be an array");
                return false;
            }
            for (size_t k = 0; k < count; k++)
                if (!read_tensor(&m.r, k, err, cap))
                    return false;
        } else if (key == 1 || key == 2) {
            if (!syn_cbor_read_bool(&m.r, key == 1 ? values : layers)) {
                snprintf(err, cap, "args.%s: must be true or false", key == 1 ? "values" : "layers");
                return false;
            }
        } else if (!syn_tool_skip(&m, err, cap)) {
            return false;
        }
    }
    return err[0] == '\0';
}

static const char *status_name(accel_status s)
{
    switch (s) {
    case ACCEL_OK: return "ok";
    case ACCEL_ERR_SEGMENT: return "segment";
    case ACCEL_ERR_UNSUPPORTED: return "unsupported";
    case ACCEL_ERR_MEMORY: return "memory";
    case ACCEL_ERR_INPUT: return "input";
    case ACCEL_ERR_STATE: return "state";
    case ACCEL_ERR_DEVICE: return "device";
    }
    return "?";
}

typedef struct {
    tool_json *j;
    bool values;
} layer_sink;

static void on_layer(void *user, const accel_layer_report *r)
{
    layer_sink *s = user;
    if (r->output)
        put_tensor(s->j, "index", &r->output->desc, r->output->data, r->output->len, s->values);
}

bool syn_tool_run(const tool_request *req, tool_json *j, char *err, size_t cap)
{
    bool values, layers;
    pool_clear();
    if (!read_args(req, &values, &layers, err, cap))
        return false;
    if (req->n_segments < 1 || req->n_segments > SYN_MAX_RESIDENT) {
        snprintf(err, cap, "request.segments: 1..%d segments, %zu given", SYN_MAX_RESIDENT, req->n_segments);
        return false;
    }
    accel_error ae;
    accel_ctx *ctx = syn_accel_open(&syn_accel_engine_layer, req->chip, &ae);
    if (!ctx) {
        snprintf(err, cap, "%s (%s)", ae.msg, status_name(ae.status));
        return false;
    }
    uint8_t slots[SYN_MAX_RESIDENT];
    for (size_t s = 0; s < req->n_segments; s++) {
        if (!syn_accel_load(ctx, &req->segments[s], &slots[s], &ae)) {
            snprintf(err, cap, "segment %zu: %s (%s)", s, ae.msg, status_name(ae.status));
            return false;
        }
    }
    syn_json_obj_begin(j);
    syn_json_key(j, "segments");
    syn_json_arr_begin(j);
    for (size_t s = 0; s < req->n_segments; s++) {
        const accel_segment *seg = &req->segments[s];
        accel_buffer in[SYN_MAX_CUT_TENSORS];
        for (unsigned k = 0; k < seg->n_inputs; k++) {
            pooled *p = pool_find(seg->inputs[k].source);
            if (!p) {
                snprintf(err, cap, "segment %zu: input %d is neither given nor produced by an earlier segment", s,
                         seg->inputs[k].source);
                return false;
            }
            in[k] = (accel_buffer){ p->desc, p->data, p->len };
        }
        syn_json_obj_begin(j);
        syn_json_key(j, "first"); syn_json_uint(j, seg->first);
        syn_json_key(j, "count"); syn_json_uint(j, seg->count);
        syn_json_key(j, "peak_bytes"); syn_json_uint(j, syn_accel_sim_peak_bytes(ctx, slots[s]));
        syn_json_key(j, "layers");
        syn_json_arr_begin(j);
        layer_sink sink = { j, values };
        if (!syn_accel_run(ctx, slots[s], in, seg->n_inputs, layers ? on_layer : NULL, &sink, &ae)) {
            snprintf(err, cap, "segment %zu: %s (%s)", s, ae.msg, status_name(ae.status));
            return false;
        }
        syn_json_arr_end(j);
        syn_json_key(j, "outputs");
        syn_json_arr_begin(j);
        for (unsigned k = 0; k < seg->n_outputs; k++) {
            accel_buffer out;
            if (!syn_accel_output(ctx, seg->outputs[k].source, &out)) {
                snprintf(err, cap, "segment %zu: output %d missing after the run", s, seg->outputs[k].source);
                return false;
            }
            put_tensor(j, "source", &out.desc, out.data, out.len, values);
            if (!pool_put(&out.desc, out.data, out.len, err, cap))
                return false;
        }
        syn_json_arr_end(j);
        syn_json_obj_end(j);
    }
    syn_json_arr_end(j);
    syn_json_obj_end(j);
    pool_clear();
    return true;
}
