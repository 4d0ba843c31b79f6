/* Tensors, inference and profiling (PROTOCOL.md section 9): tensor.put, tensor.get, infer,
 * profile, and the module that answers the deferred jobs (infer, profile, sense) when their
 * modelled time has passed (timeline.h). */
#ifndef SYNERGY_MSG_INFER_H
#define SYNERGY_MSG_INFER_H

#include "board.h"
#include "msg_handlers.h"
#include "syn_config.h"

void syn_jobs_init(board_ctx *ctx);
uint64_t syn_jobs_poll(board_ctx *ctx, uint64_t now_us);

/* Shared with syn_msg_sense.c: the port's clock in ns, a held slot's refusal, a new job. */
uint64_t syn_board_now_ns(const board_ctx *ctx);
board_result syn_refuse_held_slot(board_ctx *ctx, unsigned slot, const char *role, board_fault *fault);
/* Jobs of this kind not yet answered. */
unsigned syn_jobs_count(const board_ctx *ctx, job_kind kind);
/* False (busy) when every job is taken. */
bool syn_jobs_have_room(board_ctx *ctx, board_fault *fault);
/* Advances the timeline to now and adds a job; -1 when every job is taken. */
int syn_jobs_add(board_ctx *ctx, uint64_t ready_ns, const tl_phase *phases, size_t n);

typedef struct {
    uint8_t slot;
    accel_shape shape;
    uint8_t width;
    uint32_t bytes;
} board_out_tensor;

typedef struct {
    const uint32_t *layer_cycles;
    size_t n_layers;
    uint64_t total_cycles;
    const board_out_tensor *outputs;
    size_t n_outputs;
    const uint8_t *const *inline_data;   /* NULL, or one per output (bytes each) */
    uint64_t cpu_us, cnn_us, queued_us;
} board_infer_result;

bool syn_board_encode_infer(cbor_writer *w, const board_infer_result *r);
bool syn_board_encode_profile(cbor_writer *w, const job_spread *layers, size_t n, const job_spread64 *total, uint32_t runs);
bool syn_board_encode_tensor_get(cbor_writer *w, const uint8_t *data, size_t n, uint32_t total);

#endif
