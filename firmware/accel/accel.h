/* The accelerator interface the board core calls: load a model segment (layers + weights), run
 * it on the tensors that enter it, read the tensors that leave it. One implementation per port:
 * the bit-exact software simulator (accel/sim/, the emulated board) and, later, a register-level
 * driver for the real MAX78000/MAX78002 (MAX78000.md section 5). The core sees only this file.
 *
 * Tensors cross this interface in CHW order (index c*H*W + h*W + w); int8 values, or int32
 * raw accumulators (native byte order) for a layer with 32-bit output. They are named by source
 * id as in accel_layer.sources: -1 the network input, k the output of layer k of the unsplit
 * model (segment_decode.h).
 *
 * No allocation: a port owns its context and every buffer, sized at build time; a segment that
 * does not fit is refused at load with ACCEL_ERR_MEMORY, never at run. Several segments may be
 * resident at once (the fit rules decide whether they fit the chip together); runs are one at a
 * time. None of these functions may be called from inside a layer callback. */
#ifndef SYNERGY_ACCEL_H
#define SYNERGY_ACCEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip.h"
#include "layer.h"
#include "segment_decode.h"

#define ACCEL_MAX_RESIDENT 8    /* segments loaded at once */
#define ACCEL_ERR_MSG_MAX 160   /* an error message, NUL included, fits this */

typedef enum {
    ACCEL_OK = 0,
    ACCEL_ERR_SEGMENT,      /* the description is inconsistent (shapes, sources, weights) */
    ACCEL_ERR_UNSUPPORTED,  /* this chip cannot compute it (e.g. depthwise on MAX78000) */
    ACCEL_ERR_MEMORY,       /* tensors or working buffers exceed the port's memory */
    ACCEL_ERR_INPUT,        /* run inputs missing, duplicated or of the wrong shape/size */
    ACCEL_ERR_STATE,        /* no such resident segment, no outputs yet, too many resident */
} accel_status;

typedef struct {
    accel_status status;
    int16_t layer;                  /* model index of the layer at fault; -1 if none */
    char msg[ACCEL_ERR_MSG_MAX];    /* names the thing, the place and the reason */
} accel_error;

/* Tensor data at the interface. */
typedef struct {
    accel_tensor desc;              /* source id, shape, width (8 or 32) */
    const void *data;               /* CHW values: int8_t, or int32_t for width 32 */
    uint32_t len;                   /* bytes: C*H*W * width/8 */
} accel_buffer;

/* What a port tells about each layer as a run goes. */
typedef struct {
    uint16_t position;              /* 0-based within the segment */
    const accel_layer *layer;
    /* The layer's output, valid only during the callback; NULL on a port that cannot observe
     * intermediate outputs (the hardware overwrites them in place). */
    const accel_buffer *output;
} accel_layer_report;

typedef void (*accel_layer_fn)(void *user, const accel_layer_report *report);

typedef struct accel_ctx accel_ctx;   /* each port defines it; one static instance per port */

/* Resets the port's accelerator for `chip` (every resident segment is dropped) and returns its
 * context; NULL with err filled if the port cannot act as that chip. */
accel_ctx *accel_open(const syn_chip *chip, accel_error *err);

/* Checks a segment and makes it resident in slot *slot. The segment's layers, params and the
 * weight bytes they point to must stay valid until accel_unload (a port may use them in place);
 * the accel_segment struct itself may be discarded. */
bool accel_load(accel_ctx *ctx, const accel_segment *seg, uint8_t *slot, accel_error *err);

/* Drops a resident segment; false if the slot holds none. */
bool accel_unload(accel_ctx *ctx, uint8_t slot);

/* Runs a resident segment. `inputs` must hold every tensor of the segment's inputs exactly once
 * (same source, shape and width, len bytes). on_layer (may be NULL) is called after each layer. */
bool accel_run(accel_ctx *ctx, uint8_t slot, const accel_buffer *inputs, size_t n_inputs,
               accel_layer_fn on_layer, void *user, accel_error *err);

/* After a successful run: the segment output with this source id (a view valid until the next
 * load, unload or run). False if the last run has no such output. */
bool accel_output(accel_ctx *ctx, int16_t source, accel_buffer *out);

/* Per-layer CNN cycles the port measured in the last run (on hardware: by running the first k
 * layers for k = 1..n and differencing). False when the port cannot measure, as the simulator
 * cannot: the core then takes the cycle model's figures. */
bool accel_measured_cycles(accel_ctx *ctx, uint32_t *cycles, size_t n);

#endif
