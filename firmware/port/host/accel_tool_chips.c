/* synergy-accel chips: the C chip table (firmware/core/chip.c) as JSON, every field, so a test
 * can compare it with host/model/chips.ts field by field. Reads no requests. */
#include "accel_tool.h"

#define CF(kind, member) TOOL_FIELD(#member, syn_chip, member, kind)
/* Every figure of a chip description after its name, in the output's order. */
static const tool_json_field chip_fields[] = {
    CF(JF_UINT, cnn_clock_hz),
    CF(JF_UINT, weight_mem),
    CF(JF_UINT, bias_mem),
    CF(JF_UINT, data_mem),
    CF(JF_UINT, max_layers),
    CF(JF_UINT, processors),
    CF(JF_UINT, quadrants),
    CF(JF_UINT, processors_per_quadrant),
    CF(JF_UINT, processors_per_instance),
    CF(JF_UINT, data_instances),
    CF(JF_UINT, max_start_layer),
    CF(JF_UINT, max_channels),
    CF(JF_UINT, max_passes),
    CF(JF_UINT, max_row_col),
    CF(JF_UINT, kernel_words),
    CF(JF_UINT, kernel_words_large),
    CF(JF_UINT, kernel_word_bytes),
    CF(JF_UINT, kernel_start_align),
    CF(JF_UINT, bias_per_quadrant),
    CF(JF_UINT, instance_bytes),
    CF(JF_UINT, hwc_pixels),
    CF(JF_UINT, chw_pixels),
    CF(JF_UINT, pingpong_offset),
    CF(JF_UINT, out_offset_limit),
    CF(JF_UINT, frame_limit),
    CF(JF_UINT, max_streaming_layers),
    CF(JF_UINT, max_pool_passes),
    CF(JF_UINT, max_dilation_1d),
    CF(JF_UINT, flatten_max_pixels),
    CF(JF_BOOL, depthwise),
    CF(JF_BOOL, flatten_bias_first),
    CF(JF_UINT, kernel_instance_words),
    CF(JF_UINT, kernel_instance_words_large),
    CF(JF_BOOL, depthwise_kernel_in_one_instance),
    CF(JF_BOOL, eltwise_multipass_limit),
    TOOL_FIELD("padded_conv_1d_multipass", syn_chip, padded_conv1d_multipass, JF_BOOL),
    CF(JF_BOOL, avg_pool_reset_layer),
    CF(JF_BOOL, eltwise_conv_bias),
    CF(JF_BOOL, cycles_calibrated),
    CF(JF_BOOL, cycles_preread_term),
    CF(JF_BOOL, cycles_passthrough_pool_extra_passes),
    CF(JF_UINT, cpu_clock_hz),
    CF(JF_UINT, cpu_load_ns_per_byte),
    CF(JF_UINT, cpu_unload_ns_per_byte),
    CF(JF_UINT, cpu_sense_ns_per_byte),
};

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
        TOOL_JSON_FIELDS(j, c, chip_fields);
        syn_json_obj_end(j);
    }
    syn_json_arr_end(j);
    syn_json_obj_end(j);
    return true;
}
