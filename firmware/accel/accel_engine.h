/* What an engine behind accel.h provides: one static table of its functions and a context that
 * begins with struct accel_ctx (accel.c dispatches through it). Engines only; the core sees
 * accel.h. */
#ifndef SYNERGY_ACCEL_ENGINE_H
#define SYNERGY_ACCEL_ENGINE_H

#include "accel.h"
#include "accel_memo.h"
#include "text.h"

struct accel_ctx {
    const accel_engine *engine;    /* first member of every engine's context */
};

struct accel_engine {
    const char *name;              /* hello's engine */
    uint8_t format;                /* the segment format its boards take */
    accel_ctx *(*open)(const syn_chip *chip, accel_error *err);
    bool (*load)(accel_ctx *ctx, const accel_segment *seg, uint8_t *slot, accel_error *err);
    bool (*load_image)(accel_ctx *ctx, const accel_segment *seg, const reg_image *img, uint8_t *slot, accel_error *err);
    bool (*unload)(accel_ctx *ctx, uint8_t slot);
    bool (*run)(accel_ctx *ctx, uint8_t slot, const accel_buffer *inputs, size_t n_inputs, accel_layer_fn on_layer,
                void *user, accel_error *err);
    bool (*output)(accel_ctx *ctx, int16_t source, accel_buffer *out);
    bool (*output_into)(accel_ctx *ctx, int16_t source, void *dst, uint32_t len, accel_error *err);
    bool (*measured_cycles)(accel_ctx *ctx, uint32_t *cycles, size_t n);
    /* format 2 only (NULL otherwise) */
    bool (*stream_begin)(accel_ctx *ctx, const reg_image *program, fit_ctx *fit, fit_result *out, uint16_t u0,
                         uint16_t count, uint32_t kernel_records, uint32_t bias_records, accel_error *err);
    bool (*stream_bytes)(accel_ctx *ctx, const uint8_t *data, size_t n, accel_error *err);
    bool (*stream_end)(accel_ctx *ctx, accel_error *err);
    bool (*relocate)(accel_ctx *ctx, fit_ctx *fit, fit_result *out, uint16_t first_moved, const reg_place *from,
                     accel_error *err);
};

/* Fills err (if not NULL) and returns false. */
bool syn_accel_fail(accel_error *err, accel_status status, int16_t layer, const char *fmt, ...) SYN_PRINTF(4, 5);
void syn_accel_ok(accel_error *err);

/* What both engines check and compute the same way. */

/* "the network input" / "the output of layer 7", for messages. */
const char *syn_accel_source_name(char *buf, size_t cap, int16_t source);
/* Checks a run's inputs against the segment's (want, n_want): one buffer per input, none twice,
 * each of its input's shape, width and bytes (`bytes` of it); given[k] is then the buffer of
 * input k. */
bool syn_accel_match_inputs(const accel_tensor *want, unsigned n_want, const accel_buffer *inputs, size_t n_inputs,
                            size_t given[SYN_MAX_CUT_TENSORS], accel_error *err);
/* The memo key of a run (accel_memo.h): the slot, its load's generation, and the SHA-256 of the
 * inputs in the engine's order (input k is inputs[given[k]]). */
void syn_accel_memo_key_of(accel_memo_key *key, uint8_t slot, uint64_t generation, const accel_buffer *inputs,
                           const size_t *given, unsigned n);

#endif
