/* synergy-accel decode: every field the C decoder filled, per segment and layer, with FNV-1a
 * hashes of the unpacked weights and the biases, so a test can compare the C decode with the
 * TypeScript one (host/model/segment-codec.ts). Arguments: none. */
#include "accel_tool.h"

static const char *const op_names[] = { "conv1d", "conv2d", "convtranspose2d", "linear", "passthrough" };

static void tensors(tool_json *j, const char *key, const accel_tensor *t, unsigned n)
{
    syn_json_key(j, key);
    syn_json_arr_begin(j);
    for (unsigned k = 0; k < n; k++) {
        syn_json_obj_begin(j);
        syn_json_key(j, "source"); syn_json_int(j, t[k].source);
        syn_json_shape(j, "shape", t[k].shape);
        syn_json_key(j, "width"); syn_json_uint(j, t[k].width);
        syn_json_obj_end(j);
    }
    syn_json_arr_end(j);
}

/* FNV-1a, 32 bits, over int8 values as bytes (host/model/tensor.ts tensorHash does the same). */
static uint32_t fnv_step(uint32_t h, int8_t v)
{
    return (h ^ (uint8_t)v) * 0x01000193u;
}

#define LF(kind, member) TOOL_FIELD(#member, accel_layer, member, kind)
/* The layer's plain members after its op, before and after its sources, in the output's order. */
static const tool_json_field layer_head[] = {
    LF(JF_UINT, eltwise), LF(JF_UINT, operands), LF(JF_BOOL, pool_first),
    LF(JF_PAIR, kernel), LF(JF_PAIR, pad), LF(JF_PAIR, stride), LF(JF_PAIR, dilation),
    LF(JF_UINT, output_pad), LF(JF_UINT, groups), LF(JF_BOOL, depthwise), LF(JF_UINT, activation),
    LF(JF_UINT, pool_type), LF(JF_PAIR, pool_size), LF(JF_PAIR, pool_stride), LF(JF_BOOL, flatten),
    LF(JF_UINT, output_width),
};
static const tool_json_field layer_tail[] = {
    LF(JF_SHAPE, input_shape), LF(JF_SHAPE, operand_shape), LF(JF_SHAPE, pooled_shape),
    LF(JF_SHAPE, output_shape), LF(JF_UINT, weight_bits), LF(JF_BOOL, bias_present),
    LF(JF_INT, output_shift), LF(JF_BOOL, streaming), LF(JF_HEX64, processors),
    LF(JF_HEX64, output_processors), LF(JF_UINT, in_offset), LF(JF_UINT, out_offset),
    LF(JF_UINT, data_format), LF(JF_UINT, write_gap),
};
static const tool_json_field params_lengths[] = {
    TOOL_FIELD("weights_len", accel_params, weights_len, JF_UINT),
    TOOL_FIELD("weight_count", accel_params, weight_count, JF_UINT),
};

static void layer(tool_json *j, const accel_layer *l, const accel_params *p)
{
    syn_json_obj_begin(j);
    syn_json_key(j, "index"); syn_json_uint(j, l->index);
    syn_json_key(j, "name"); syn_json_str(j, l->name);
    syn_json_key(j, "op"); syn_json_str(j, op_names[l->op]);
    TOOL_JSON_FIELDS(j, l, layer_head);
    syn_json_key(j, "sources");
    syn_json_arr_begin(j);
    for (unsigned k = 0; k < l->n_sources; k++)
        syn_json_int(j, l->sources[k]);
    syn_json_arr_end(j);
    TOOL_JSON_FIELDS(j, l, layer_tail);
    TOOL_JSON_FIELDS(j, p, params_lengths);
    uint32_t h = 0x811c9dc5u;
    for (uint32_t i = 0; i < p->weight_count; i++)
        h = fnv_step(h, syn_accel_weight_at(p, l->weight_bits, i));
    syn_json_key(j, "weights_fnv"); syn_json_uint(j, h);
    syn_json_key(j, "bias_len"); syn_json_uint(j, p->bias_len);
    h = 0x811c9dc5u;
    for (uint32_t i = 0; i < p->bias_len; i++)
        h = fnv_step(h, p->bias[i]);
    syn_json_key(j, "bias_fnv"); syn_json_uint(j, h);
    syn_json_obj_end(j);
}

bool syn_tool_decode(const tool_request *req, tool_json *j, char *err, size_t err_cap)
{
    (void)err;
    (void)err_cap;
    syn_json_obj_begin(j);
    syn_json_key(j, "segments");
    syn_json_arr_begin(j);
    for (size_t s = 0; s < req->n_segments; s++) {
        const accel_segment *seg = &req->segments[s];
        syn_json_obj_begin(j);
        syn_json_key(j, "model"); syn_json_str(j, seg->model);
        syn_json_key(j, "first"); syn_json_uint(j, seg->first);
        syn_json_key(j, "count"); syn_json_uint(j, seg->count);
        tensors(j, "inputs", seg->inputs, seg->n_inputs);
        tensors(j, "outputs", seg->outputs, seg->n_outputs);
        syn_json_key(j, "layers");
        syn_json_arr_begin(j);
        for (unsigned k = 0; k < seg->count; k++)
            layer(j, &seg->layers[k], &seg->params[k]);
        syn_json_arr_end(j);
        syn_json_obj_end(j);
    }
    syn_json_arr_end(j);
    syn_json_obj_end(j);
    return true;
}
