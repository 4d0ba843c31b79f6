/* Chip facts; see chip.h. */
#include "chip.h"

#include <string.h>

static const syn_chip chips[] = {
    {
        .name = "max78000",
        .cnn_clock_hz = 50000000u,
        .weight_mem = 442368u,          /* 64 processors x 768 words x 9 bytes */
        .bias_mem = 2048u,              /* 4 quadrants x 512 bytes */
        .data_mem = 524288u,            /* 16 instances x 32 KiB */
        .max_layers = 32u,
        .processors = 64u,
        .quadrants = 4u,
        .processors_per_quadrant = 16u,
        .processors_per_instance = 4u,
        .data_instances = 16u,
        .max_start_layer = 0u,
        .max_channels = 1024u,
        .max_passes = 16u,
        .max_row_col = 1024u,
        .kernel_words = 768u,
        .kernel_words_large = 768u,
        .kernel_word_bytes = 9u,
        .kernel_start_align = 4u,
        .bias_per_quadrant = 512u,
        .instance_bytes = 32768u,
        .hwc_pixels = 8192u,
        .chw_pixels = 32768u,
        .pingpong_offset = 0x4000u,
        .out_offset_limit = 0x20000u,
        .frame_limit = 2097152u,        /* 2^21 */
        .max_streaming_layers = 8u,
        .max_pool_passes = 1u,
        .max_dilation_1d = 1023u,
        .flatten_max_pixels = 256u,
        .depthwise = false,
        .flatten_bias_first = true,
        .kernel_instance_words = 768u,
        .kernel_instance_words_large = 768u,
        .depthwise_kernel_in_one_instance = false,
        .eltwise_multipass_limit = true,
        .padded_conv1d_multipass = true,
        .avg_pool_reset_layer = false,
        .eltwise_conv_bias = true,
        .cycles_calibrated = true,
        .cycles_preread_term = true,
        .cycles_passthrough_pool_extra_passes = true,
        .cpu_clock_hz = 100000000u,
        .cpu_load_ns_per_byte = 40u,
        .cpu_unload_ns_per_byte = 35u,
        .cpu_sense_ns_per_byte = 20u,
    },
    {
        .name = "max78002",
        .cnn_clock_hz = 200000000u,
        .weight_mem = 2396160u,         /* (4 x 5120 + 60 x 4096) words x 9 bytes = 2340 KiB */
        .bias_mem = 8192u,
        .data_mem = 1310720u,           /* 16 instances x 80 KiB */
        .max_layers = 128u,
        .processors = 64u,
        .quadrants = 4u,
        .processors_per_quadrant = 16u,
        .processors_per_instance = 4u,
        .data_instances = 16u,
        .max_start_layer = 127u,
        .max_channels = 1024u,          /* the izer's limit; the README says 2048 */
        .max_passes = 16u,
        .max_row_col = 2048u,
        .kernel_words = 4096u,
        .kernel_words_large = 5120u,
        .kernel_word_bytes = 9u,
        .kernel_start_align = 4u,
        .bias_per_quadrant = 2048u,
        .instance_bytes = 81920u,
        .hwc_pixels = 20480u,
        .chw_pixels = 81920u,
        .pingpong_offset = 0xA000u,
        .out_offset_limit = 0x50000u,
        .frame_limit = 2097152u,
        .max_streaming_layers = 8u,
        .max_pool_passes = 65536u,
        .max_dilation_1d = 2047u,
        .flatten_max_pixels = 256u,
        .depthwise = true,
        .flatten_bias_first = false,
        .kernel_instance_words = 1024u,
        .kernel_instance_words_large = 256u,
        .depthwise_kernel_in_one_instance = true,
        .eltwise_multipass_limit = false,
        .padded_conv1d_multipass = false,
        .avg_pool_reset_layer = true,
        .eltwise_conv_bias = false,
        /* Analog Devices publishes the estimator for MAX78000 only: same formula, own clock,
         * an assumption until calibrated on a board. */
        .cycles_calibrated = false,
        .cycles_preread_term = false,
        .cycles_passthrough_pool_extra_passes = false,
        .cpu_clock_hz = 120000000u,
        .cpu_load_ns_per_byte = 33u,
        .cpu_unload_ns_per_byte = 29u,
        .cpu_sense_ns_per_byte = 17u,
    },
};

const syn_chip *syn_chip_find(const char *name)
{
    for (size_t i = 0; i < sizeof chips / sizeof chips[0]; i++) {
        if (strcmp(chips[i].name, name) == 0)
            return &chips[i];
    }
    return NULL;
}

const syn_chip *syn_chip_at(size_t index)
{
    return index < sizeof chips / sizeof chips[0] ? &chips[index] : NULL;
}
