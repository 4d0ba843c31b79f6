/* The accelerator interface the board core calls: make a model segment resident, run it on the
 * tensors that enter it, take the tensors that leave it. Two engines implement it, and a port
 * links one or both and gives each board one (board_config.engine):
 *  - "layer" (accel/sim/): the bit-exact layer-level simulator, computing from the layer
 *    descriptions and weights of a format 1 segment (PROTOCOL.md 7); the reference;
 *  - "register" (accel/reg/reg_engine.c): the segment's register program (a hardware image,
 *    PROTOCOL.md 7.1, format 2) run through the CNN driver (cnn_driver.h) the way the silicon is
 *    driven; behind the driver the register model (emulator, tests) or the chip (a port's
 *    cnn_backend.h).
 *
 * Tensors cross this interface in CHW order (index c*H*W + h*W + w); int8 values, or int32
 * raw accumulators (native byte order) for a layer with 32-bit output. They are named by source
 * id as in accel_layer.sources: -1 the network input, k the output of layer k of the unsplit
 * model (segment_decode.h). A tensor in both a segment's inputs and outputs is relayed: it is the
 * input unchanged, and the caller copies it (engines give no output for it through
 * syn_accel_output_into).
 *
 * No allocation: an engine owns its context and every buffer, sized at build time; a segment that
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
#include "fit.h"
#include "reg/reg_program.h"
#include "reg/reg_table.h"
#include "segment_decode.h"
#include "syn_config.h"


typedef enum {
    ACCEL_OK = 0,
    ACCEL_ERR_SEGMENT,      /* the description is inconsistent (shapes, sources, weights) */
    ACCEL_ERR_UNSUPPORTED,  /* this chip cannot compute it (e.g. depthwise on MAX78000) */
    ACCEL_ERR_MEMORY,       /* tensors or working buffers exceed the port's memory */
    ACCEL_ERR_INPUT,        /* run inputs missing, duplicated or of the wrong shape/size */
    ACCEL_ERR_STATE,        /* no such resident segment, no outputs yet, too many resident */
    ACCEL_ERR_DEVICE,       /* the accelerator refused an access the engine made: its own fault */
} accel_status;

typedef struct {
    accel_status status;
    int16_t layer;                  /* model index of the layer at fault; -1 if none */
    char msg[SYN_ACCEL_ERR_MAX];    /* names the thing, the place and the reason */
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

typedef struct accel_ctx accel_ctx;       /* an engine's context; one static instance per engine */
typedef struct accel_engine accel_engine; /* an engine's functions (accel_engine.h) */

extern const accel_engine syn_accel_engine_layer;      /* accel/sim/sim.c */
extern const accel_engine syn_accel_engine_register;   /* accel/reg/reg_engine.c */

/* "layer" or "register" (hello's engine, key 20). */
const char *syn_accel_engine_name(const accel_engine *engine);
/* The segment format the engine's boards take (PROTOCOL.md 7 and 7.1): 1 layer, 2 register. */
uint8_t syn_accel_engine_format(const accel_engine *engine);

/* Resets the engine's accelerator for `chip` (every resident segment is dropped) and returns its
 * context; NULL with err filled if the engine cannot act as that chip. */
accel_ctx *syn_accel_open(const accel_engine *engine, const syn_chip *chip, accel_error *err);
const accel_engine *syn_accel_engine_of(const accel_ctx *ctx);

/* Format 1 (layer engine): checks a segment and makes it resident in slot *slot. The segment's
 * layers, params and the weight bytes they point to must stay valid until syn_accel_unload (an engine
 * may use them in place); the accel_segment struct itself may be discarded. The register engine
 * refuses (ACCEL_ERR_UNSUPPORTED). */
bool syn_accel_load(accel_ctx *ctx, const accel_segment *seg, uint8_t *slot, accel_error *err);

/* Format 2 (register engine): makes resident the segment `seg` (tensors and layers; no weights)
 * whose register program is `img`: img->table holds its configure program as every per-layer
 * register of slots 0..img->layers-1 (reg_table_*, reg_program.h), and its input and output
 * layouts cover the inputs its layers read and the outputs its layers produce. Kernel and bias
 * records in img are written now (the segment store streams them before and passes none). `seg`,
 * its layers and everything img points to must stay valid until syn_accel_unload. The layer engine
 * refuses (ACCEL_ERR_UNSUPPORTED). */
bool syn_accel_load_image(accel_ctx *ctx, const accel_segment *seg, const reg_image *img, uint8_t *slot, accel_error *err);

/* Format 2 uploads (register engine), as the segment store streams a segment in (PROTOCOL.md
 * 7.1). syn_accel_stream_begin: the segment's layers are the union layers u0 .. u0 + count - 1 of the
 * fit just run (fit and out stay as they are until the stream ends); the engine writes the
 * program's init (the packed kernel loader on), takes the kernel columns and bias bytes the fit
 * gave those layers as the only memory the records may write, and zeroes them.
 * syn_accel_stream_bytes: the records' bytes in any pieces (reg_upload.h: each record checked as it
 * starts, then written). syn_accel_stream_end: whether exactly the announced records came, whole. A
 * refused record (ACCEL_ERR_SEGMENT) ends the stream. The layer engine refuses all three. */
bool syn_accel_stream_begin(accel_ctx *ctx, const reg_image *program, fit_ctx *fit, fit_result *out, uint16_t u0,
                        uint16_t count, uint32_t kernel_records, uint32_t bias_records, accel_error *err);
bool syn_accel_stream_bytes(accel_ctx *ctx, const uint8_t *data, size_t n, accel_error *err);
bool syn_accel_stream_end(accel_ctx *ctx, accel_error *err);

/* After an unload (register engine): moves the kernels and biases of the union layers
 * first_moved .. out->layers - 1 from `from` (one per moved layer) to where `out` (fit just run on
 * `fit` over the remaining segments; NULL when none remain) puts them, and zeroes the memory no
 * layer holds (syn_reg_compact.h). The caller rewrites the moved segments' registers (syn_reg_table_move)
 * and loads them again. */
bool syn_accel_relocate(accel_ctx *ctx, fit_ctx *fit, fit_result *out, uint16_t first_moved, const reg_place *from,
                    accel_error *err);

/* Drops a resident segment; false if the slot holds none. */
bool syn_accel_unload(accel_ctx *ctx, uint8_t slot);

/* Runs a resident segment. `inputs` must hold every tensor of the segment's inputs exactly once
 * (same source, shape and width, len bytes). on_layer (may be NULL) is called after each layer
 * (the register engine observes no intermediate outputs and calls it with output NULL). */
bool syn_accel_run(accel_ctx *ctx, uint8_t slot, const accel_buffer *inputs, size_t n_inputs,
               accel_layer_fn on_layer, void *user, accel_error *err);

/* After a successful run: the segment output with this source id, as a view valid until the next
 * load, unload or run. False if the last run has no such output, or the engine keeps no copy of
 * its outputs (the register engine's are in the accelerator's data memory: use
 * syn_accel_output_into). */
bool syn_accel_output(accel_ctx *ctx, int16_t source, accel_buffer *out);

/* After a successful run: gathers the segment output with this source id (not a relayed one)
 * straight into dst, which holds exactly `len` bytes (C*H*W, times 4 for 32-bit), so a board needs
 * no second copy of it. Valid until the next load, unload or run. */
bool syn_accel_output_into(accel_ctx *ctx, int16_t source, void *dst, uint32_t len, accel_error *err);

/* Per-layer CNN cycles the engine measured for the last run's segment: the register engine runs
 * it with LCNT_MAX = k for k = 0..n-1 and differences the CNN cycles (MAX78000.md section 5), once
 * per load (the CNN's timing does not depend on the values). False when the engine cannot
 * measure, as the layer simulator cannot: the core then takes the cycle model's figures. */
bool syn_accel_measured_cycles(accel_ctx *ctx, uint32_t *cycles, size_t n);

#endif
