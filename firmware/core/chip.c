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
    },
    {
        .name = "max78002",
        .cnn_clock_hz = 200000000u,
        .weight_mem = 2396160u,         /* (4 x 5120 + 60 x 4096) words x 9 bytes = 2340 KiB */
        .bias_mem = 8192u,
        .data_mem = 1310720u,           /* 16 instances x 80 KiB */
        .max_layers = 128u,
        .processors = 64u,
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
