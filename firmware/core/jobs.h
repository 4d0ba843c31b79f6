/* A deferred request while its modelled time passes (PROTOCOL.md 9 and 10): what the answer
 * needs once the job completes. The work itself (the accelerator run, the captured frame) is
 * done when the request arrives; the timeline decides when the answer may leave, and the slots
 * the job writes stay unreadable until then. One per timeline job (at most max_in_flight). */
#ifndef SYNERGY_JOBS_H
#define SYNERGY_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include "fit.h"
#include "segment_decode.h"

typedef enum { JOB_NONE = 0, JOB_INFER, JOB_PROFILE, JOB_SENSE } job_kind;

typedef struct {
    uint32_t min, median, max;
} job_spread;

typedef struct {
    uint64_t min, median, max;
} job_spread64;

typedef struct {
    job_kind kind;
    int ticket;                              /* syn_board_defer's */
    uint16_t n_layers;
    uint64_t total_cycles;
    union {
        uint32_t layer_cycles[SYN_MAX_LAYERS];   /* infer */
        job_spread layer_spread[SYN_MAX_LAYERS]; /* profile */
    } u;
    /* infer */
    uint8_t n_outputs;
    uint8_t out_slot[SYN_MAX_CUT_TENSORS];
    accel_tensor out[SYN_MAX_CUT_TENSORS];
    bool inline_outputs;
    /* profile */
    job_spread64 total_spread;
    uint32_t runs;
    /* sense */
    uint64_t frame, t_us;
    uint32_t shape[3];
} board_job;

#endif
