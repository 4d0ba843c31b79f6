/* synergy-accel cycles: per-layer and total cycles of each segment (firmware/accel/cycles.c).
 *
 *   args = {
 *     ? 0 => [* [* uint]],   ; kernel start column per layer, per segment (default 0)
 *     ? 1 => bool,           ; also print each layer's estimator inputs
 *   }
 *   answer = {"chip", "clock_hz", "calibrated", "segments": [{"model", "first",
 *             "layers": [{"index", "name", "cycles", ?"inputs"}], "total_cycles"}]}
 * total_cycles is the segment run as a network of its own: 1 + the sum of its layers. */
#include "accel_tool.h"

#include <stdio.h>

#include "cbor.h"
#include "cycles.h"

static uint32_t kernel_starts[TOOL_MAX_SEGMENTS][TOOL_MAX_LAYERS];

static bool read_args(const tool_request *req, bool *with_inputs, char *err, size_t cap)
{
    for (size_t s = 0; s < TOOL_MAX_SEGMENTS; s++)
        for (size_t k = 0; k < TOOL_MAX_LAYERS; k++)
            kernel_starts[s][k] = 0;
    *with_inputs = false;
    tool_map m;
    uint64_t key;
    if (!syn_tool_args_map(req, &m, NULL, err, cap))
        return false;
    while (syn_tool_next_key(&m, &key, err, cap)) {
        if (key == 0) {
            size_t ns;
            if (!syn_cbor_read_array(&m.r, &ns) || ns != req->n_segments) {
                snprintf(err, cap, "args.kernel_starts: must be an array with one entry per segment (%zu)", req->n_segments);
                return false;
            }
            for (size_t s = 0; s < ns; s++) {
                size_t nl;
                if (!syn_cbor_read_array(&m.r, &nl) || nl != req->segments[s].count) {
                    snprintf(err, cap, "args.kernel_starts[%zu]: must be an array with one entry per layer (%u)", s,
                             (unsigned)req->segments[s].count);
                    return false;
                }
                for (size_t k = 0; k < nl; k++) {
                    if (!syn_cbor_read_u32(&m.r, &kernel_starts[s][k])) {
                        snprintf(err, cap, "args.kernel_starts[%zu][%zu]: must be an unsigned 32-bit integer", s, k);
                        return false;
                    }
                }
            }
        } else if (key == 1) {
            if (!syn_cbor_read_bool(&m.r, with_inputs)) {
                snprintf(err, cap, "args.inputs: must be true or false");
                return false;
            }
        } else if (!syn_tool_skip(&m, err, cap)) {
            return false;
        }
    }
    return err[0] == '\0';
}

#define IF(kind, member) TOOL_FIELD(#member, accel_cycle_inputs, member, kind)
/* The estimator's inputs (cycles.h) in the output's order. */
static const tool_json_field input_fields[] = {
    IF(JF_INT, m), IF(JF_INT, e), IF(JF_INT, ph), IF(JF_INT, pw), IF(JF_INT, hp), IF(JF_INT, wp),
    IF(JF_INT, kr), IF(JF_INT, kc), IF(JF_INT, pr), IF(JF_INT, pc), IF(JF_INT, wo), IF(JF_INT, co),
    IF(JF_INT, t), IF(JF_BOOL, passthrough), IF(JF_BOOL, pool_first), IF(JF_BOOL, flatten),
    IF(JF_BOOL, streaming), IF(JF_INT, preread),
};

static void inputs(tool_json *j, const accel_cycle_inputs *in)
{
    syn_json_key(j, "inputs");
    syn_json_obj_begin(j);
    TOOL_JSON_FIELDS(j, in, input_fields);
    syn_json_obj_end(j);
}

bool syn_tool_cycles(const tool_request *req, tool_json *j, char *err, size_t err_cap)
{
    bool with_inputs;
    if (!read_args(req, &with_inputs, err, err_cap))
        return false;
    syn_json_obj_begin(j);
    syn_json_key(j, "chip"); syn_json_str(j, req->chip->name);
    syn_json_key(j, "clock_hz"); syn_json_uint(j, req->chip->cnn_clock_hz);
    syn_json_key(j, "calibrated"); syn_json_bool(j, req->chip->cycles_calibrated);
    syn_json_key(j, "segments");
    syn_json_arr_begin(j);
    for (size_t s = 0; s < req->n_segments; s++) {
        const accel_segment *seg = &req->segments[s];
        uint64_t total = 1;
        syn_json_obj_begin(j);
        syn_json_key(j, "model"); syn_json_str(j, seg->model);
        syn_json_key(j, "first"); syn_json_uint(j, seg->first);
        syn_json_key(j, "layers");
        syn_json_arr_begin(j);
        for (unsigned k = 0; k < seg->count; k++) {
            const accel_layer *l = &seg->layers[k];
            accel_cycle_inputs in = syn_accel_cycle_inputs_of(l, req->chip, kernel_starts[s][k]);
            uint64_t c = syn_accel_cycles_from(&in);
            total += c;
            syn_json_obj_begin(j);
            syn_json_key(j, "index"); syn_json_uint(j, l->index);
            syn_json_key(j, "name"); syn_json_str(j, l->name);
            syn_json_key(j, "cycles"); syn_json_uint(j, c);
            if (with_inputs)
                inputs(j, &in);
            syn_json_obj_end(j);
        }
        syn_json_arr_end(j);
        syn_json_key(j, "total_cycles"); syn_json_uint(j, total);
        syn_json_obj_end(j);
    }
    syn_json_arr_end(j);
    syn_json_obj_end(j);
    return true;
}
