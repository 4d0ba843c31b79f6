/* Analog Devices' golden networks (../shared/golden/<set>/, README there) read into C: the layer
 * table of model.json as accel_layer/accel_params (for the layer-level simulator, the fit rules
 * and the cycle model), the hardware image of hw-image.json as a reg_image, the input, the
 * expected output and every layer's output of intermediate.json, and the tensor layouts the
 * layers' `hw` fields give. Test and benchmark code only (host, static pools, one set at a time).
 *
 * The shared folder is $SYNERGY_SHARED if set, else ../shared from the working directory (the
 * repo root, where `make test-c` runs), as host/model/zoo.ts sharedDir() finds it. */
#ifndef SYNERGY_TEST_GOLDEN_H
#define SYNERGY_TEST_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layer.h"
#include "reg/reg_layout.h"
#include "reg/reg_program.h"
#include "segment_decode.h"

#define GOLDEN_MAX_LAYERS 32
#define GOLDEN_MAX_UNLOAD 64

typedef struct {
    uint32_t addr, words;
} golden_unload;

typedef struct {
    char name[64];
    const syn_chip *chip;
    accel_shape input_shape;
    uint16_t n_layers;
    accel_layer layers[GOLDEN_MAX_LAYERS];
    accel_params params[GOLDEN_MAX_LAYERS];
    const int8_t *input;                          /* CHW */
    const int32_t *expected;                      /* the last layer's output */
    uint32_t n_expected;
    const int32_t *outputs[GOLDEN_MAX_LAYERS];    /* intermediate.json: every layer's output, CHW */
    uint32_t n_outputs[GOLDEN_MAX_LAYERS];
    reg_layout input_layout;                      /* layer 0's processors, in_offset, data_format */
    reg_layout output_layout[GOLDEN_MAX_LAYERS];  /* each layer's output_processors, out_offset, write_gap */
    bool have_image;
    reg_image image;
    golden_unload unload[GOLDEN_MAX_UNLOAD];
    size_t n_unload;
} golden_set;

/* The golden folder ($SYNERGY_SHARED/golden or ../shared/golden). */
const char *golden_dir(void);
/* Whether the golden sets with hardware images are there; says SKIPPED once if not. */
bool golden_available(void);

/* Reads set `name`; false with the reason in why. The set's arrays live until the next load. */
bool golden_load(const char *name, golden_set *g, char *why, size_t cap);

/* Reads a max78000-hw-image/1 file of one input and one output (synergy synth --out) into g's
 * image, layer count, chip and layouts (no layers, weights or data). Same pools as golden_load. */
bool golden_image_file(const char *path, golden_set *g, char *why, size_t cap);

#endif
