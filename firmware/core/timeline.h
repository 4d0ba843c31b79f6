/* Modelled time of the emulated board (PROTOCOL.md section 9, last bullet): jobs made of phases
 * on two resources, the CPU and the CNN accelerator, each serving one phase at a time, first
 * come first served (a phase "comes" when it becomes ready: when its job arrives, or when the
 * job's previous phase ends; ties go to the job that arrived first). Phases are not pre-empted.
 * So a second infer's input load runs on the CPU while the first job's CNN phase runs, and the
 * first job's output unload waits for that load if it became ready later.
 *
 * The model is pure bookkeeping: no clock of its own. The owner advances it to "now" before
 * adding a job (so the schedule up to now is final) and asks when the next event falls, so its
 * poll can answer a job the moment it completes. Times are nanoseconds on the port's clock. */
#ifndef SYNERGY_TIMELINE_H
#define SYNERGY_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define TIMELINE_JOBS SYN_MAX_WAITING   /* every job holds a deferred answer */
#define TIMELINE_MAX_PHASES 3
#define TIMELINE_NEVER UINT64_MAX

typedef enum { TL_CPU = 0, TL_CNN = 1, TL_RESOURCES = 2 } tl_resource;

typedef struct {
    uint8_t resource;       /* tl_resource */
    uint64_t ns;            /* busy time */
} tl_phase;

typedef struct {
    bool used;
    bool running;           /* the current phase holds its resource */
    bool done;
    uint8_t n_phases, cur;
    uint32_t seq;           /* arrival order */
    tl_phase phases[TIMELINE_MAX_PHASES];
    uint64_t ready_ns;      /* when the current phase became ready */
    uint64_t start_ns;      /* when the current phase started (running) */
    uint64_t done_ns;       /* when the last phase ended (done) */
    uint64_t waited_ns;     /* ready-to-start time, summed over the phases */
    uint64_t busy_ns[TL_RESOURCES];
} tl_job;

typedef struct {
    tl_job jobs[TIMELINE_JOBS];
    int8_t running[TL_RESOURCES];      /* job on the resource, -1 idle */
    uint64_t free_ns[TL_RESOURCES];    /* when the resource last became free */
    uint64_t now_ns;                   /* simulated up to here */
    uint32_t seq;
} timeline;

void syn_timeline_init(timeline *t, uint64_t now_ns);
/* Adds a job whose first phase is ready at ready_ns (no earlier than the time simulated so far).
 * Returns its index, or -1 when every job is taken or the phases are 0 or too many. */
int syn_timeline_add(timeline *t, uint64_t ready_ns, const tl_phase *phases, size_t n);
/* Runs the schedule up to to_ns: phases start and end, jobs complete. */
void syn_timeline_advance(timeline *t, uint64_t to_ns);
/* The next time anything starts or ends, TIMELINE_NEVER if nothing is pending. */
uint64_t syn_timeline_next_event(const timeline *t);
/* When the job completes if no other job arrives (its actual completion once done). */
uint64_t syn_timeline_projected_done(const timeline *t, int job);
const tl_job *syn_timeline_job(const timeline *t, int job);
/* Forgets a completed job (its index may be reused). */
void syn_timeline_release(timeline *t, int job);

#endif
