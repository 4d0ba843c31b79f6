/* synergy-accel decode: every field the C decoder filled, per segment and layer, with FNV-1a
 * hashes of the unpacked weights and the biases, so a test can compare the C decode with the
 * TypeScript one (host/model/segment-codec.ts). Arguments: none. */
#include "accel_tool.h"

static const char *const op_names[] = { "conv1d", "conv2d", "convtranspose2d", "linear", "passthrough" };

static void shape(tool_json *j, const char *key, accel_shape s)
{
    json_key(j, key);
    json_arr_begin(j);
    json_uint(j, s.c);
    json_uint(j, s.h);
    json_uint(j, s.w);
    json_arr_end(j);
}

static void pair(tool_json *j, const char *key, const uint8_t v[2])
{
    json_key(j, key);
    json_arr_begin(j);
    json_uint(j, v[0]);
    json_uint(j, v[1]);
    json_arr_end(j);
}

static void tensors(tool_json *j, const char *key, const accel_tensor *t, unsigned n)
{
    json_key(j, key);
    json_arr_begin(j);
    for (unsigned k = 0; k < n; k++) {
        json_obj_begin(j);
        json_key(j, "source"); json_int(j, t[k].source);
        shape(j, "shape", t[k].shape);
        json_key(j, "width"); json_uint(j, t[k].width);
        json_obj_end(j);
    }
    json_arr_end(j);
}

/* FNV-1a, 32 bits, over int8 values as bytes (host/model/tensor.ts tensorHash does the same). */
static uint32_t fnv_step(uint32_t h, int8_t v)
{
    return (h ^ (uint8_t)v) * 0x01000193u;
}

static void layer(tool_json *j, const accel_layer *l, const accel_params *p)
{
    json_obj_begin(j);
    json_key(j, "index"); json_uint(j, l->index);
    json_key(j, "name"); json_str(j, l->name);
    json_key(j, "op"); json_str(j, op_names[l->op]);
    json_key(j, "eltwise"); json_uint(j, l->eltwise);
    json_key(j, "operands"); json_uint(j, l->operands);
    json_key(j, "pool_first"); json_bool(j, l->pool_first);
    pair(j, "kernel", l->kernel);
    pair(j, "pad", l->pad);
    pair(j, "stride", l->stride);
    pair(j, "dilation", l->dilation);
    json_key(j, "output_pad"); json_uint(j, l->output_pad);
    json_key(j, "groups"); json_uint(j, l->groups);
    json_key(j, "depthwise"); json_bool(j, l->depthwise);
    json_key(j, "activation"); json_uint(j, l->activation);
    json_key(j, "pool_type"); json_uint(j, l->pool_type);
    pair(j, "pool_size", l->pool_size);
    pair(j, "pool_stride", l->pool_stride);
    json_key(j, "flatten"); json_bool(j, l->flatten);
    json_key(j, "output_width"); json_uint(j, l->output_width);
    json_key(j, "sources");
    json_arr_begin(j);
    for (unsigned k = 0; k < l->n_sources; k++)
        json_int(j, l->sources[k]);
    json_arr_end(j);
    shape(j, "input_shape", l->input_shape);
    shape(j, "operand_shape", l->operand_shape);
    shape(j, "pooled_shape", l->pooled_shape);
    shape(j, "output_shape", l->output_shape);
    json_key(j, "weight_bits"); json_uint(j, l->weight_bits);
    json_key(j, "bias_present"); json_bool(j, l->bias_present);
    json_key(j, "output_shift"); json_int(j, l->output_shift);
    json_key(j, "streaming"); json_bool(j, l->streaming);
    json_key(j, "processors"); json_hex64(j, l->processors);
    json_key(j, "output_processors"); json_hex64(j, l->output_processors);
    json_key(j, "in_offset"); json_uint(j, l->in_offset);
    json_key(j, "out_offset"); json_uint(j, l->out_offset);
    json_key(j, "data_format"); json_uint(j, l->data_format);
    json_key(j, "write_gap"); json_uint(j, l->write_gap);
    json_key(j, "weights_len"); json_uint(j, p->weights_len);
    json_key(j, "weight_count"); json_uint(j, p->weight_count);
    uint32_t h = 0x811c9dc5u;
    for (uint32_t i = 0; i < p->weight_count; i++)
        h = fnv_step(h, accel_weight_at(p, l->weight_bits, i));
    json_key(j, "weights_fnv"); json_uint(j, h);
    json_key(j, "bias_len"); json_uint(j, p->bias_len);
    h = 0x811c9dc5u;
    for (uint32_t i = 0; i < p->bias_len; i++)
        h = fnv_step(h, p->bias[i]);
    json_key(j, "bias_fnv"); json_uint(j, h);
    json_obj_end(j);
}

static bool run_decode(const tool_request *req, tool_json *j, char *err, size_t err_cap)
{
    (void)err;
    (void)err_cap;
    json_obj_begin(j);
    json_key(j, "segments");
    json_arr_begin(j);
    for (size_t s = 0; s < req->n_segments; s++) {
        const accel_segment *seg = &req->segments[s];
        json_obj_begin(j);
        json_key(j, "model"); json_str(j, seg->model);
        json_key(j, "first"); json_uint(j, seg->first);
        json_key(j, "count"); json_uint(j, seg->count);
        tensors(j, "inputs", seg->inputs, seg->n_inputs);
        tensors(j, "outputs", seg->outputs, seg->n_outputs);
        json_key(j, "layers");
        json_arr_begin(j);
        for (unsigned k = 0; k < seg->count; k++)
            layer(j, &seg->layers[k], &seg->params[k]);
        json_arr_end(j);
        json_obj_end(j);
    }
    json_arr_end(j);
    json_obj_end(j);
    return true;
}

const tool_command tool_cmd_decode = {
    .name = "decode",
    .summary = "decode segments and print every field (weights as FNV-1a hashes)",
    .reads_requests = true,
    .run = run_decode,
};
