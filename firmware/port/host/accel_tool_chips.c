/* synergy-accel chips: the C chip table (firmware/core/chip.c) as JSON, every field, so a test
 * can compare it with host/model/chips.ts field by field. Reads no requests. */
#include "accel_tool.h"

static bool run_chips(const tool_request *req, tool_json *j, char *err, size_t err_cap)
{
    (void)req;
    (void)err;
    (void)err_cap;
    json_obj_begin(j);
    json_key(j, "chips");
    json_arr_begin(j);
    for (size_t i = 0; syn_chip_at(i); i++) {
        const syn_chip *c = syn_chip_at(i);
        json_obj_begin(j);
        json_key(j, "name"); json_str(j, c->name);
        json_key(j, "cnn_clock_hz"); json_uint(j, c->cnn_clock_hz);
        json_key(j, "weight_mem"); json_uint(j, c->weight_mem);
        json_key(j, "bias_mem"); json_uint(j, c->bias_mem);
        json_key(j, "data_mem"); json_uint(j, c->data_mem);
        json_key(j, "max_layers"); json_uint(j, c->max_layers);
        json_key(j, "processors"); json_uint(j, c->processors);
        json_key(j, "quadrants"); json_uint(j, c->quadrants);
        json_key(j, "processors_per_quadrant"); json_uint(j, c->processors_per_quadrant);
        json_key(j, "processors_per_instance"); json_uint(j, c->processors_per_instance);
        json_key(j, "data_instances"); json_uint(j, c->data_instances);
        json_key(j, "max_start_layer"); json_uint(j, c->max_start_layer);
        json_key(j, "max_channels"); json_uint(j, c->max_channels);
        json_key(j, "max_passes"); json_uint(j, c->max_passes);
        json_key(j, "max_row_col"); json_uint(j, c->max_row_col);
        json_key(j, "kernel_words"); json_uint(j, c->kernel_words);
        json_key(j, "kernel_words_large"); json_uint(j, c->kernel_words_large);
        json_key(j, "kernel_word_bytes"); json_uint(j, c->kernel_word_bytes);
        json_key(j, "kernel_start_align"); json_uint(j, c->kernel_start_align);
        json_key(j, "bias_per_quadrant"); json_uint(j, c->bias_per_quadrant);
        json_key(j, "instance_bytes"); json_uint(j, c->instance_bytes);
        json_key(j, "hwc_pixels"); json_uint(j, c->hwc_pixels);
        json_key(j, "chw_pixels"); json_uint(j, c->chw_pixels);
        json_key(j, "pingpong_offset"); json_uint(j, c->pingpong_offset);
        json_key(j, "out_offset_limit"); json_uint(j, c->out_offset_limit);
        json_key(j, "frame_limit"); json_uint(j, c->frame_limit);
        json_key(j, "max_streaming_layers"); json_uint(j, c->max_streaming_layers);
        json_key(j, "max_pool_passes"); json_uint(j, c->max_pool_passes);
        json_key(j, "max_dilation_1d"); json_uint(j, c->max_dilation_1d);
        json_key(j, "flatten_max_pixels"); json_uint(j, c->flatten_max_pixels);
        json_key(j, "depthwise"); json_bool(j, c->depthwise);
        json_key(j, "flatten_bias_first"); json_bool(j, c->flatten_bias_first);
        json_key(j, "kernel_instance_words"); json_uint(j, c->kernel_instance_words);
        json_key(j, "kernel_instance_words_large"); json_uint(j, c->kernel_instance_words_large);
        json_key(j, "depthwise_kernel_in_one_instance"); json_bool(j, c->depthwise_kernel_in_one_instance);
        json_key(j, "eltwise_multipass_limit"); json_bool(j, c->eltwise_multipass_limit);
        json_key(j, "padded_conv_1d_multipass"); json_bool(j, c->padded_conv1d_multipass);
        json_key(j, "avg_pool_reset_layer"); json_bool(j, c->avg_pool_reset_layer);
        json_key(j, "eltwise_conv_bias"); json_bool(j, c->eltwise_conv_bias);
        json_key(j, "cycles_calibrated"); json_bool(j, c->cycles_calibrated);
        json_key(j, "cycles_preread_term"); json_bool(j, c->cycles_preread_term);
        json_key(j, "cycles_passthrough_pool_extra_passes"); json_bool(j, c->cycles_passthrough_pool_extra_passes);
        json_key(j, "cpu_clock_hz"); json_uint(j, c->cpu_clock_hz);
        json_key(j, "cpu_load_ns_per_byte"); json_uint(j, c->cpu_load_ns_per_byte);
        json_key(j, "cpu_unload_ns_per_byte"); json_uint(j, c->cpu_unload_ns_per_byte);
        json_key(j, "cpu_sense_ns_per_byte"); json_uint(j, c->cpu_sense_ns_per_byte);
        json_obj_end(j);
    }
    json_arr_end(j);
    json_obj_end(j);
    return true;
}

const tool_command tool_cmd_chips = {
    .name = "chips",
    .summary = "print the C chip table (no stdin)",
    .reads_requests = false,
    .run = run_chips,
};
