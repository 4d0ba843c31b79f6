/* synergy-accel chips: the C chip table (firmware/core/chip.c) as JSON, every field, so a test
 * can compare it with host/model/chips.ts field by field. Reads no requests. */
#include "accel_tool.h"

bool syn_tool_chips(const tool_request *req, tool_json *j, char *err, size_t err_cap)
{
    (void)req;
    (void)err;
    (void)err_cap;
    syn_json_obj_begin(j);
    syn_json_key(j, "chips");
    syn_json_arr_begin(j);
    for (size_t i = 0; syn_chip_at(i); i++) {
        const syn_chip *c = syn_chip_at(i);
        syn_json_obj_begin(j);
        syn_json_key(j, "name"); syn_json_str(j, c->name);
        syn_json_key(j, "cnn_clock_hz"); syn_json_uint(j, c->cnn_clock_hz);
        syn_json_key(j, "weight_mem"); syn_json_uint(j, c->weight_mem);
        syn_json_key(j, "bias_mem"); syn_json_uint(j, c->bias_mem);
        syn_json_key(j, "data_mem"); syn_json_uint(j, c->data_mem);
        syn_json_key(j, "max_layers"); syn_json_uint(j, c->max_layers);
        syn_json_key(j, "processors"); syn_json_uint(j, c->processors);
        syn_json_key(j, "quadrants"); syn_json_uint(j, c->quadrants);
        syn_json_key(j, "processors_per_quadrant"); syn_json_uint(j, c->processors_per_quadrant);
        syn_json_key(j, "processors_per_instance"); syn_json_uint(j, c->processors_per_instance);
        syn_json_key(j, "data_instances"); syn_json_uint(j, c->data_instances);
        syn_json_key(j, "max_start_layer"); syn_json_uint(j, c->max_start_layer);
        syn_json_key(j, "max_channels"); syn_json_uint(j, c->max_channels);
        syn_json_key(j, "max_passes"); syn_json_uint(j, c->max_passes);
        syn_json_key(j, "max_row_col"); syn_json_uint(j, c->max_row_col);
        syn_json_key(j, "kernel_words"); syn_json_uint(j, c->kernel_words);
        syn_json_key(j, "kernel_words_large"); syn_json_uint(j, c->kernel_words_large);
        syn_json_key(j, "kernel_word_bytes"); syn_json_uint(j, c->kernel_word_bytes);
        syn_json_key(j, "kernel_start_align"); syn_json_uint(j, c->kernel_start_align);
        syn_json_key(j, "bias_per_quadrant"); syn_json_uint(j, c->bias_per_quadrant);
        syn_json_key(j, "instance_bytes"); syn_json_uint(j, c->instance_bytes);
        syn_json_key(j, "hwc_pixels"); syn_json_uint(j, c->hwc_pixels);
        syn_json_key(j, "chw_pixels"); syn_json_uint(j, c->chw_pixels);
        syn_json_key(j, "pingpong_offset"); syn_json_uint(j, c->pingpong_offset);
        syn_json_key(j, "out_offset_limit"); syn_json_uint(j, c->out_offset_limit);
        syn_json_key(j, "frame_limit"); syn_json_uint(j, c->frame_limit);
        syn_json_key(j, "max_streaming_layers"); syn_json_uint(j, c->max_streaming_layers);
        syn_json_key(j, "max_pool_passes"); syn_json_uint(j, c->max_pool_passes);
        syn_json_key(j, "max_dilation_1d"); syn_json_uint(j, c->max_dilation_1d);
        syn_json_key(j, "flatten_max_pixels"); syn_json_uint(j, c->flatten_max_pixels);
        syn_json_key(j, "depthwise"); syn_json_bool(j, c->depthwise);
        syn_json_key(j, "flatten_bias_first"); syn_json_bool(j, c->flatten_bias_first);
        syn_json_key(j, "kernel_instance_words"); syn_json_uint(j, c->kernel_instance_words);
        syn_json_key(j, "kernel_instance_words_large"); syn_json_uint(j, c->kernel_instance_words_large);
        syn_json_key(j, "depthwise_kernel_in_one_instance"); syn_json_bool(j, c->depthwise_kernel_in_one_instance);
        syn_json_key(j, "eltwise_multipass_limit"); syn_json_bool(j, c->eltwise_multipass_limit);
        syn_json_key(j, "padded_conv_1d_multipass"); syn_json_bool(j, c->padded_conv1d_multipass);
        syn_json_key(j, "avg_pool_reset_layer"); syn_json_bool(j, c->avg_pool_reset_layer);
        syn_json_key(j, "eltwise_conv_bias"); syn_json_bool(j, c->eltwise_conv_bias);
        syn_json_key(j, "cycles_calibrated"); syn_json_bool(j, c->cycles_calibrated);
        syn_json_key(j, "cycles_preread_term"); syn_json_bool(j, c->cycles_preread_term);
        syn_json_key(j, "cycles_passthrough_pool_extra_passes"); syn_json_bool(j, c->cycles_passthrough_pool_extra_passes);
        syn_json_key(j, "cpu_clock_hz"); syn_json_uint(j, c->cpu_clock_hz);
        syn_json_key(j, "cpu_load_ns_per_byte"); syn_json_uint(j, c->cpu_load_ns_per_byte);
        syn_json_key(j, "cpu_unload_ns_per_byte"); syn_json_uint(j, c->cpu_unload_ns_per_byte);
        syn_json_key(j, "cpu_sense_ns_per_byte"); syn_json_uint(j, c->cpu_sense_ns_per_byte);
        syn_json_obj_end(j);
    }
    syn_json_arr_end(j);
    syn_json_obj_end(j);
    return true;
}
