/* The two-resource FIFO model; see timeline.h. */
#include "timeline.h"

#include <string.h>

void syn_timeline_init(timeline *t, uint64_t now_ns)
{
    memset(t, 0, sizeof *t);
    for (unsigned r = 0; r < TL_RESOURCES; r++) {
        t->running[r] = -1;
        t->free_ns[r] = now_ns;
    }
    t->now_ns = now_ns;
}

int syn_timeline_add(timeline *t, uint64_t ready_ns, const tl_phase *phases, size_t n)
{
    if (n == 0 || n > TIMELINE_MAX_PHASES)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (phases[i].resource >= TL_RESOURCES)
            return -1;
    }
    for (int j = 0; j < TIMELINE_JOBS; j++) {
        tl_job *job = &t->jobs[j];
        if (job->used)
            continue;
        memset(job, 0, sizeof *job);
        job->used = true;
        job->seq = t->seq++;
        job->n_phases = (uint8_t)n;
        memcpy(job->phases, phases, n * sizeof *phases);
        /* The schedule before now is final: a job cannot have been ready before it existed. */
        job->ready_ns = ready_ns > t->now_ns ? ready_ns : t->now_ns;
        return j;
    }
    return -1;
}

/* The waiting phase the idle resource r serves next: earliest ready, then earliest arrival. */
static int next_waiting(const timeline *t, unsigned r)
{
    int best = -1;
    for (int j = 0; j < TIMELINE_JOBS; j++) {
        const tl_job *job = &t->jobs[j];
        if (!job->used || job->done || job->running || job->phases[job->cur].resource != r)
            continue;
        if (best < 0 || job->ready_ns < t->jobs[best].ready_ns
            || (job->ready_ns == t->jobs[best].ready_ns && job->seq < t->jobs[best].seq))
            best = j;
    }
    return best;
}

typedef struct {
    uint64_t at;
    bool is_end;       /* a running phase ends (else a waiting one starts) */
    unsigned resource;
    int job;
} tl_event;

/* The earliest event; ends before starts at the same instant, so a resource freed at t serves
 * a phase ready at t. */
static bool next_event(const timeline *t, tl_event *ev)
{
    bool found = false;
    for (unsigned r = 0; r < TL_RESOURCES; r++) {
        int j = t->running[r];
        if (j < 0)
            continue;
        const tl_job *job = &t->jobs[j];
        uint64_t end = job->start_ns + job->phases[job->cur].ns;
        if (!found || end < ev->at) {
            *ev = (tl_event){ end, true, r, j };
            found = true;
        }
    }
    for (unsigned r = 0; r < TL_RESOURCES; r++) {
        if (t->running[r] >= 0)
            continue;
        int j = next_waiting(t, r);
        if (j < 0)
            continue;
        uint64_t start = t->jobs[j].ready_ns > t->free_ns[r] ? t->jobs[j].ready_ns : t->free_ns[r];
        if (!found || start < ev->at) {
            *ev = (tl_event){ start, false, r, j };
            found = true;
        }
    }
    return found;
}

static void apply(timeline *t, const tl_event *ev)
{
    tl_job *job = &t->jobs[ev->job];
    if (!ev->is_end) {
        job->running = true;
        job->start_ns = ev->at;
        job->waited_ns += ev->at - job->ready_ns;
        t->running[ev->resource] = (int8_t)ev->job;
        return;
    }
    job->busy_ns[ev->resource] += job->phases[job->cur].ns;
    job->running = false;
    t->running[ev->resource] = -1;
    t->free_ns[ev->resource] = ev->at;
    job->cur++;
    job->ready_ns = ev->at;
    if (job->cur == job->n_phases) {
        job->done = true;
        job->done_ns = ev->at;
    }
}

void syn_timeline_advance(timeline *t, uint64_t to_ns)
{
    tl_event ev;
    while (next_event(t, &ev) && ev.at <= to_ns)
        apply(t, &ev);
    if (to_ns > t->now_ns)
        t->now_ns = to_ns;
}

uint64_t syn_timeline_next_event(const timeline *t)
{
    tl_event ev;
    return next_event(t, &ev) ? ev.at : TIMELINE_NEVER;
}

uint64_t syn_timeline_projected_done(const timeline *t, int job)
{
    if (job < 0 || job >= TIMELINE_JOBS || !t->jobs[job].used)
        return TIMELINE_NEVER;
    timeline copy = *t;   /* a few hundred bytes: run it to the end without touching the real one */
    tl_event ev;
    while (!copy.jobs[job].done && next_event(&copy, &ev))
        apply(&copy, &ev);
    return copy.jobs[job].done ? copy.jobs[job].done_ns : TIMELINE_NEVER;
}

const tl_job *syn_timeline_job(const timeline *t, int job)
{
    return job >= 0 && job < TIMELINE_JOBS && t->jobs[job].used ? &t->jobs[job] : NULL;
}

void syn_timeline_release(timeline *t, int job)
{
    if (job >= 0 && job < TIMELINE_JOBS && t->jobs[job].done)
        t->jobs[job].used = false;
}
