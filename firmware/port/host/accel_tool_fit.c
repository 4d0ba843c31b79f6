/* synergy-accel fit: the C fit rules (firmware/accel/fit.c) on slices of the request's
 * segments, many cases per request so a cross-check needs one process.
 *
 *   args = {
 *     ? 0 => [* [* [uint, uint, uint]]],  ; cases: each a list of slices [segment, first, count]
 *   }                                      ; of the request's segments (first: offset into it);
 *                                          ; default one case with every segment whole
 *   answer = {"chip", "results": [* result]}   ; one per case
 *   result = {"ok": true, "chip", "layers", "hardware_layers", "kernel": {"columns_per_processor",
 *             "max_columns", "busiest_processor", "words", "bytes"}, "bias": {"per_quadrant",
 *             "bytes"}, "data_memory": {"instance_bytes", "max_input_end", "max_output_end"},
 *             "weight_bytes", "per_layer": [{"segment", "model_layer", "kernel_start",
 *             "kernel_length", "bias_quadrant", "bias_offset", "in_expand", "out_expand",
 *             "input_bytes", "output_bytes"}]}
 *          | {"ok": false, "chip", "limit", "layer", "segment", "model_layer", "message", "numbers": {}}
 * (host/model/fit.ts gives the same shape with camelCase keys; -1 layer/segment print as null.) */
#include "accel_tool.h"

#include <stdio.h>

#include "cbor.h"
#include "fit.h"

#define MAX_SLICES TOOL_MAX_SEGMENTS

static fit_ctx ctx;
static fit_result result;

static void int_or_null(tool_json *j, const char *key, int v)
{
    syn_json_key(j, key);
    if (v < 0)
        syn_json_null(j);
    else
        syn_json_int(j, v);
}

#define RF(key, member) TOOL_FIELD(key, fit_result, member, JF_UINT)
static const tool_json_field kernel_fields[] = {
    RF("max_columns", max_columns), RF("busiest_processor", busiest_processor),
    RF("words", kernel_words), RF("bytes", kernel_bytes),
};
static const tool_json_field data_memory_fields[] = {
    RF("instance_bytes", instance_bytes), RF("max_input_end", max_input_end), RF("max_output_end", max_output_end),
};
#define PF(kind, member) TOOL_FIELD(#member, fit_layer_result, member, kind)
static const tool_json_field layer_fields[] = {
    PF(JF_UINT, segment), PF(JF_UINT, model_layer), PF(JF_UINT, kernel_start), PF(JF_UINT, kernel_length),
    PF(JF_INT, bias_quadrant), PF(JF_UINT, bias_offset), PF(JF_UINT, in_expand), PF(JF_UINT, out_expand),
    PF(JF_UINT, input_bytes), PF(JF_UINT, output_bytes),
};

static void print_result(tool_json *j, const syn_chip *chip, const fit_result *r)
{
    syn_json_obj_begin(j);
    syn_json_key(j, "ok"); syn_json_bool(j, r->ok);
    syn_json_key(j, "chip"); syn_json_str(j, chip->name);
    if (!r->ok) {
        syn_json_key(j, "limit"); syn_json_str(j, syn_fit_limit_name(r->limit));
        int_or_null(j, "layer", r->layer);
        int_or_null(j, "segment", r->segment);
        int_or_null(j, "model_layer", r->model_layer);
        syn_json_key(j, "message"); syn_json_str(j, r->message);
        syn_json_key(j, "numbers");
        syn_json_obj_begin(j);
        for (unsigned k = 0; k < r->n_numbers; k++) {
            syn_json_key(j, r->number_keys[k]);
            syn_json_int(j, r->number_values[k]);
        }
        syn_json_obj_end(j);
        syn_json_obj_end(j);
        return;
    }
    syn_json_key(j, "layers"); syn_json_uint(j, r->layers);
    syn_json_key(j, "hardware_layers"); syn_json_uint(j, r->hardware_layers);
    syn_json_key(j, "kernel");
    syn_json_obj_begin(j);
    syn_json_uint_array(j, "columns_per_processor", r->columns, sizeof r->columns[0], FIT_PROCESSORS);
    TOOL_JSON_FIELDS(j, r, kernel_fields);
    syn_json_obj_end(j);
    syn_json_key(j, "bias");
    syn_json_obj_begin(j);
    syn_json_uint_array(j, "per_quadrant", r->bias_per_quadrant, sizeof r->bias_per_quadrant[0], FIT_QUADRANTS);
    syn_json_key(j, "bytes"); syn_json_uint(j, r->bias_bytes);
    syn_json_obj_end(j);
    syn_json_key(j, "data_memory");
    syn_json_obj_begin(j);
    TOOL_JSON_FIELDS(j, r, data_memory_fields);
    syn_json_obj_end(j);
    syn_json_key(j, "weight_bytes"); syn_json_uint(j, r->weight_bytes);
    syn_json_key(j, "per_layer");
    syn_json_arr_begin(j);
    for (unsigned i = 0; i < r->layers; i++) {
        syn_json_obj_begin(j);
        TOOL_JSON_FIELDS(j, &r->per_layer[i], layer_fields);
        syn_json_obj_end(j);
    }
    syn_json_arr_end(j);
    syn_json_obj_end(j);
}

/* Reads one case's slices into segs; false with a message in err. */
static bool read_case(cbor_reader *r, const tool_request *req, size_t c, fit_segment *segs, size_t *n_segs, char *err,
                      size_t cap)
{
    size_t n;
    if (!syn_cbor_read_array(r, &n) || n > MAX_SLICES) {
        snprintf(err, cap, "args.cases[%zu]: must be an array of at most %d slices", c, MAX_SLICES);
        return false;
    }
    for (size_t k = 0; k < n; k++) {
        size_t three;
        uint64_t v[3];
        if (!syn_cbor_read_array(r, &three) || three != 3 || !syn_cbor_read_uint(r, &v[0]) || !syn_cbor_read_uint(r, &v[1])
            || !syn_cbor_read_uint(r, &v[2])) {
            snprintf(err, cap, "args.cases[%zu][%zu]: must be [segment, first, count]", c, k);
            return false;
        }
        if (v[0] >= req->n_segments) {
            snprintf(err, cap, "args.cases[%zu][%zu]: segment %llu does not exist (the request has %zu)", c, k,
                     (unsigned long long)v[0], req->n_segments);
            return false;
        }
        const accel_segment *s = &req->segments[v[0]];
        if (v[1] > s->count || v[2] > s->count - v[1]) {
            snprintf(err, cap, "args.cases[%zu][%zu]: layers %llu..+%llu are outside segment %llu's %u layers", c, k,
                     (unsigned long long)v[1], (unsigned long long)v[2], (unsigned long long)v[0], (unsigned)s->count);
            return false;
        }
        segs[k].layers = s->layers + v[1];
        segs[k].count = (uint16_t)v[2];
    }
    *n_segs = n;
    return true;
}

bool syn_tool_fit(const tool_request *req, tool_json *j, char *err, size_t cap)
{
    fit_segment segs[MAX_SLICES];
    syn_json_obj_begin(j);
    syn_json_key(j, "chip"); syn_json_str(j, req->chip->name);
    syn_json_key(j, "results");
    syn_json_arr_begin(j);
    if (!req->args) {
        size_t n = req->n_segments < MAX_SLICES ? req->n_segments : MAX_SLICES;
        for (size_t s = 0; s < n; s++) {
            segs[s].layers = req->segments[s].layers;
            segs[s].count = req->segments[s].count;
        }
        syn_fit_run(&ctx, req->chip, segs, n, &result);
        print_result(j, req->chip, &result);
    } else {
        tool_map m;
        uint64_t key;
        size_t n_cases = 0;
        if (!syn_tool_args_map(req, &m, NULL, err, cap))
            return false;
        while (syn_tool_next_key(&m, &key, err, cap)) {
            if (key != 0) {
                if (!syn_tool_skip(&m, err, cap))
                    return false;
                continue;
            }
            if (!syn_cbor_read_array(&m.r, &n_cases)) {
                snprintf(err, cap, "args.cases: must be an array");
                return false;
            }
            for (size_t c = 0; c < n_cases; c++) {
                size_t n_segs;
                if (!read_case(&m.r, req, c, segs, &n_segs, err, cap))
                    return false;
                syn_fit_run(&ctx, req->chip, segs, n_segs, &result);
                print_result(j, req->chip, &result);
            }
        }
    }
    syn_json_arr_end(j);
    syn_json_obj_end(j);
    return err[0] == '\0';
}
