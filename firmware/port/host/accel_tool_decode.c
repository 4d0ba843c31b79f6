/* synergy-accel decode: every field the C decoder filled, per segment and layer, with FNV-1a
 * hashes of the unpacked weights and the biases, so a test can compare the C decode with the
 * TypeScript one (host/model/segment-codec.ts). Arguments: none. */
#include "accel_tool.h"

static const char *const op_names[] = { "conv1d", "conv2d", "convtranspose2d", "linear", "passthrough" };

static void shape(tool_json *j, const char *key, accel_shape s)
{
    syn_json_key(j, key);
    syn_json_arr_begin(j);
    syn_json_uint(j, s.c);
    syn_json_uint(j, s.h);
    syn_json_uint(j, s.w);
    syn_json_arr_end(j);
}

static void pair(tool_json *j, const char *key, const uint8_t v[2])
{
    syn_json_key(j, key);
    syn_json_arr_begin(j);
    syn_json_uint(j, v[0]);
    syn_json_uint(j, v[1]);
    syn_json_arr_end(j);
}

static void tensors(tool_json *j, const char *key, const accel_tensor *t, unsigned n)
{
    syn_json_key(j, key);
    syn_json_arr_begin(j);
    for (unsigned k = 0; k < n; k++) {
        syn_json_obj_begin(j);
        syn_json_key(j, "source"); syn_json_int(j, t[k].source);
        shape(j, "shape", t[k].shape);
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

static void layer(tool_json *j, const accel_layer *l, const accel_params *p)
{
    syn_json_obj_begin(j);
    syn_json_key(j, "index"); syn_json_uint(j, l->index);
    syn_json_key(j, "name"); syn_json_str(j, l->name);
    syn_json_key(j, "op"); syn_json_str(j, op_names[l->op]);
    syn_json_key(j, "eltwise"); syn_json_uint(j, l->eltwise);
    syn_json_key(j, "operands"); syn_json_uint(j, l->operands);
    syn_json_key(j, "pool_first"); syn_json_bool(j, l->pool_first);
    pair(j, "kernel", l->kernel);
    pair(j, "pad", l->pad);
    pair(j, "stride", l->stride);
    pair(j, "dilation", l->dilation);
    syn_json_key(j, "output_pad"); syn_json_uint(j, l->output_pad);
    syn_json_key(j, "groups"); syn_json_uint(j, l->groups);
    syn_json_key(j, "depthwise"); syn_json_bool(j, l->depthwise);
    syn_json_key(j, "activation"); syn_json_uint(j, l->activation);
    syn_json_key(j, "pool_type"); syn_json_uint(j, l->pool_type);
    pair(j, "pool_size", l->pool_size);
    pair(j, "pool_stride", l->pool_stride);
    syn_json_key(j, "flatten"); syn_json_bool(j, l->flatten);
    syn_json_key(j, "output_width"); syn_json_uint(j, l->output_width);
    syn_json_key(j, "sources");
    syn_json_arr_begin(j);
    for (unsigned k = 0; k < l->n_sources; k++)
        syn_json_int(j, l->sources[k]);
    syn_json_arr_end(j);
    shape(j, "input_shape", l->input_shape);
    shape(j, "operand_shape", l->operand_shape);
    shape(j, "pooled_shape", l->pooled_shape);
    shape(j, "output_shape", l->output_shape);
    syn_json_key(j, "weight_bits"); syn_json_uint(j, l->weight_bits);
    syn_json_key(j, "bias_present"); syn_json_bool(j, l->bias_present);
    syn_json_key(j, "output_shift"); syn_json_int(j, l->output_shift);
    syn_json_key(j, "streaming"); syn_json_bool(j, l->streaming);
    syn_json_key(j, "processors"); syn_json_hex64(j, l->processors);
    syn_json_key(j, "output_processors"); syn_json_hex64(j, l->output_processors);
    syn_json_key(j, "in_offset"); syn_json_uint(j, l->in_offset);
    syn_json_key(j, "out_offset"); syn_json_uint(j, l->out_offset);
    syn_json_key(j, "data_format"); syn_json_uint(j, l->data_format);
    syn_json_key(j, "write_gap"); syn_json_uint(j, l->write_gap);
    syn_json_key(j, "weights_len"); syn_json_uint(j, p->weights_len);
    syn_json_key(j, "weight_count"); syn_json_uint(j, p->weight_count);
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
