/* tensor.put, tensor.get, infer, profile and the jobs module; see syn_msg_infer.h.
 *
 * An infer or profile runs on the accelerator when it arrives (the simulator has no clock; a
 * real port's run takes its own time), its outputs go into their slots at once, and the job
 * then spends its modelled time on the timeline: CPU load, CNN, CPU unload. The answer leaves
 * when the job completes, and until then the output slots refuse every use (bad_state). */
#include "msg_infer.h"

#include <string.h>

#include "crc32.h"
#include "cycles.h"
#include "msg_fields.h"
#include "msg_segment.h"
#include "msg_sense.h"

/* Tensors cross accel.h as native int32 and the wire as little-endian: the same bytes on both
 * targets (x86-64 and Cortex-M4). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "32-bit tensors are copied as little-endian bytes: a big-endian port must convert them"
#endif

uint64_t syn_board_now_ns(const board_ctx *ctx)
{
    return ctx->port->now_us(ctx->port->user) * 1000u;
}

/* cycles at clock_hz, in ns, rounded up (never faster than the model), without overflow. */
static uint64_t cycles_ns(uint64_t cycles, uint32_t clock_hz)
{
    uint64_t whole = cycles / clock_hz, rest = cycles % clock_hz;
    return whole * 1000000000u + (rest * 1000000000u + clock_hz - 1u) / clock_hz;
}

void syn_jobs_init(board_ctx *ctx)
{
    syn_tensors_init(&ctx->tensors, ctx->cfg.mem.tensor_arena, ctx->cfg.mem.tensor_bytes);
    syn_timeline_init(&ctx->time, syn_board_now_ns(ctx));
    memset(ctx->jobs, 0, sizeof ctx->jobs);
}

int syn_jobs_add(board_ctx *ctx, uint64_t ready_ns, const tl_phase *phases, size_t n)
{
    syn_timeline_advance(&ctx->time, syn_board_now_ns(ctx));   /* the schedule up to now is final */
    int j = syn_timeline_add(&ctx->time, ready_ns, phases, n);
    if (j >= 0) {
        memset(&ctx->jobs[j], 0, sizeof ctx->jobs[j]);
        ctx->jobs[j].ticket = -1;
    }
    return j;
}

board_result syn_refuse_held_slot(board_ctx *ctx, unsigned slot, const char *role, board_fault *fault)
{
    int j = ctx->tensors.slots[slot].job;
    uint64_t now = syn_board_now_ns(ctx), done = syn_timeline_projected_done(&ctx->time, j);
    uint64_t wait_us = done != TIMELINE_NEVER && done > now ? (done - now + 999u) / 1000u : 0;
    return syn_board_failf(fault, SYN_ERR_BAD_STATE, "%s slot %u is busy until its %s ends, in %llu us", role, slot,
                       ctx->jobs[j].kind == JOB_SENSE ? "sense" : ctx->jobs[j].kind == JOB_PROFILE ? "profile" : "infer",
                       (unsigned long long)wait_us);
}

static bool slot_held(const board_ctx *ctx, unsigned slot)
{
    return ctx->tensors.slots[slot].job >= 0;
}

/* ---- tensor.put, tensor.get ---------------------------------------------------------------- */

board_result syn_msg_tensor_put(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    uint64_t slot, offset, total;
    const uint8_t *data;
    size_t len;
    if (!syn_field_uint(req, 0, "slot", SYN_TENSOR_SLOTS - 1u, &slot, fault) || !syn_field_uint(req, 1, "offset", UINT32_MAX, &offset, fault)
        || !syn_field_uint(req, 2, "total", UINT32_MAX, &total, fault) || !syn_field_bytes(req, 3, "data", &data, &len, fault))
        return BOARD_FAIL;
    tensor_store *ts = &ctx->tensors;
    tensor_slot *sl = &ts->slots[slot];
    if (slot_held(ctx, (unsigned)slot))
        return syn_refuse_held_slot(ctx, (unsigned)slot, "tensor.put", fault);
    if (offset == 0) {
        if (total == 0)
            return syn_board_failf(fault, SYN_ERR_BAD_ARGUMENT, "tensor.put slot %u: total must be at least 1", (unsigned)slot);
        if (len > total)
            return syn_board_failf(fault, SYN_ERR_BAD_ARGUMENT, "tensor.put slot %u: %lu bytes pass total %lu", (unsigned)slot,
                               (unsigned long)len, (unsigned long)total);
        syn_fault f;
        if (!syn_tensors_resize(ts, (unsigned)slot, (uint32_t)total, &f))
            return syn_board_failf(fault, f.code, "%s", f.message);
    } else {
        if (sl->total == 0)
            return syn_board_failf(fault, SYN_ERR_BAD_STATE, "tensor.put slot %u is empty: start at offset 0", (unsigned)slot);
        if (total != sl->total)
            return syn_board_failf(fault, SYN_ERR_BAD_ARGUMENT, "tensor.put slot %u: total %lu, the slot holds %lu",
                               (unsigned)slot, (unsigned long)total, (unsigned long)sl->total);
        if (offset != sl->filled)
            return syn_board_failf(fault, SYN_ERR_BAD_STATE, "tensor.put slot %u: offset %lu, the next offset is %lu",
                               (unsigned)slot, (unsigned long)offset, (unsigned long)sl->filled);
        if (len > sl->total - sl->filled)
            return syn_board_failf(fault, SYN_ERR_BAD_ARGUMENT, "tensor.put slot %u: %lu bytes at %lu pass total %lu",
                               (unsigned)slot, (unsigned long)len, (unsigned long)offset, (unsigned long)sl->total);
    }
    if (len > 0)
        memcpy(syn_tensors_data(ts, (unsigned)slot) + sl->filled, data, len);
    sl->filled += (uint32_t)len;
    syn_board_encode_next_offset(reply, sl->filled);
    return BOARD_REPLY;
}

bool syn_board_encode_tensor_get(cbor_writer *w, const uint8_t *data, size_t n, uint32_t total)
{
    syn_cbor_write_map(w, 2);
    syn_cbor_write_uint(w, 0); syn_cbor_write_bytes(w, data, n);
    syn_cbor_write_uint(w, 1);
    return syn_cbor_write_uint(w, total);
}

/* A slot that a request reads must be ready: bad_state naming what it is instead. */
static board_result refuse_unready(board_ctx *ctx, unsigned slot, const char *role, board_fault *fault)
{
    const tensor_slot *sl = &ctx->tensors.slots[slot];
    if (sl->job >= 0)
        return syn_refuse_held_slot(ctx, slot, role, fault);
    if (sl->total == 0)
        return syn_board_failf(fault, SYN_ERR_BAD_STATE, "%s: slot %u is empty", role, slot);
    return syn_board_failf(fault, SYN_ERR_BAD_STATE, "%s: slot %u holds %lu of %lu bytes", role, slot,
                       (unsigned long)sl->filled, (unsigned long)sl->total);
}

board_result syn_msg_tensor_get(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    uint64_t slot, offset, max;
    if (!syn_field_uint(req, 0, "slot", SYN_TENSOR_SLOTS - 1u, &slot, fault) || !syn_field_uint(req, 1, "offset", UINT32_MAX, &offset, fault)
        || !syn_field_uint(req, 2, "max", UINT32_MAX, &max, fault))
        return BOARD_FAIL;
    if (!syn_tensors_ready(&ctx->tensors, (unsigned)slot))
        return refuse_unready(ctx, (unsigned)slot, "tensor.get", fault);
    const tensor_slot *sl = &ctx->tensors.slots[slot];
    if (offset > sl->total)
        return syn_board_failf(fault, SYN_ERR_BAD_ARGUMENT, "tensor.get slot %u: offset %lu is past its %lu bytes",
                           (unsigned)slot, (unsigned long)offset, (unsigned long)sl->total);
    uint64_t n = sl->total - offset;
    if (n > max)
        n = max;
    if (n > SYN_MAX_PAYLOAD)
        n = SYN_MAX_PAYLOAD;
    syn_board_encode_tensor_get(reply, syn_tensors_data(&ctx->tensors, (unsigned)slot) + offset, (size_t)n, sl->total);
    return BOARD_REPLY;
}

/* ---- infer and profile: shared checks ------------------------------------------------------ */

static const segstore_entry *find_segment(board_ctx *ctx, const board_request *req, board_fault *fault)
{
    const char *id;
    size_t id_len;
    if (!syn_field_segment_id(req, 0, "segment", &id, &id_len, fault))
        return NULL;
    const segstore_entry *e = syn_segstore_find(&ctx->segments, id, id_len);
    if (e == NULL) {
        char name[SYN_SEGMENT_ID_MAX + 1];
        syn_board_failf(fault, SYN_ERR_NOT_FOUND, "%s: no resident segment '%s'", syn_request_name(req),
                    syn_text_copy(name, sizeof name, id, id_len));
    }
    return e;
}

/* Each input slot ready and holding exactly its tensor's bytes; fills the accelerator's view. */
static bool check_inputs(board_ctx *ctx, const board_request *req, const segstore_entry *e, const uint8_t *slots,
                         size_t n, accel_buffer *bufs, uint32_t *in_bytes, board_fault *fault)
{
    const accel_segment *seg = &e->seg;
    if (n != seg->n_inputs) {
        syn_board_failf(fault, SYN_ERR_BAD_ARGUMENT, "%s: segment '%s' takes %u inputs, %lu slots given", syn_request_name(req),
                    e->id, (unsigned)seg->n_inputs, (unsigned long)n);
        return false;
    }
    *in_bytes = 0;
    for (size_t k = 0; k < n; k++) {
        const accel_tensor *t = &seg->inputs[k];
        const tensor_slot *sl = &ctx->tensors.slots[slots[k]];
        uint32_t want = syn_segstore_tensor_bytes(t);
        if (sl->job >= 0) {
            syn_refuse_held_slot(ctx, slots[k], "input", fault);
            return false;
        }
        if (!syn_tensors_ready(&ctx->tensors, slots[k]) || sl->total != want) {
            syn_board_failf(fault, SYN_ERR_BAD_ARGUMENT, "input %u (slot %u) holds %lu bytes, expected %ux%ux%u (%lu)",
                        (unsigned)k, (unsigned)slots[k], (unsigned long)(sl->total == sl->filled ? sl->total : sl->filled),
                        t->shape.c, t->shape.h, t->shape.w, (unsigned long)want);
            return false;
        }
        bufs[k] = (accel_buffer){ *t, syn_tensors_data(&ctx->tensors, slots[k]), want };
        *in_bytes += want;
    }
    return true;
}

static board_result accel_refusal(const accel_error *err, board_fault *fault)
{
    uint8_t code = SYN_ERR_INTERNAL;
    if (err->status == ACCEL_ERR_INPUT || err->status == ACCEL_ERR_SEGMENT)
        code = SYN_ERR_BAD_ARGUMENT;
    else if (err->status == ACCEL_ERR_MEMORY)
        code = SYN_ERR_DOES_NOT_FIT;
    else if (err->status == ACCEL_ERR_UNSUPPORTED)
        code = SYN_ERR_UNSUPPORTED;
    char cut[SYN_ERR_MSG_MAX + 1];
    syn_copy_utf8(cut, sizeof cut, err->msg);
    return syn_board_failf(fault, code, "%s", cut);
}

/* Per-layer cycles of the last run: measured by the port if it can, else the cycle model. */
static uint64_t layer_cycles(board_ctx *ctx, const segstore_entry *e, uint32_t *cycles)
{
    const accel_segment *seg = &e->seg;
    uint64_t total = 1;   /* the network's leading cycle (MAX78000.md section 3) */
    if (syn_accel_measured_cycles(ctx->segments.accel, cycles, seg->count)) {
        for (unsigned k = 0; k < seg->count; k++)
            total += cycles[k];
        return total;
    }
    for (unsigned k = 0; k < seg->count; k++) {
        uint64_t c = syn_accel_layer_cycles(&seg->layers[k], ctx->cfg.chip, syn_segstore_kernel_start(&ctx->segments, e, k));
        cycles[k] = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
        total += c;
    }
    return total;
}

unsigned syn_jobs_count(const board_ctx *ctx, job_kind kind)
{
    unsigned n = 0;
    for (int j = 0; j < TIMELINE_JOBS; j++)
        n += ctx->time.jobs[j].used && ctx->jobs[j].kind == kind ? 1u : 0u;
    return n;
}

bool syn_jobs_have_room(board_ctx *ctx, board_fault *fault)
{
    for (int j = 0; j < TIMELINE_JOBS; j++) {
        if (!ctx->time.jobs[j].used)
            return true;
    }
    syn_board_failf(fault, SYN_ERR_BUSY, "%u jobs are running already", (unsigned)TIMELINE_JOBS);
    return false;
}

/* ---- infer --------------------------------------------------------------------------------- */

bool syn_board_encode_infer(cbor_writer *w, const board_infer_result *r)
{
    syn_cbor_write_map(w, 7);
    syn_cbor_write_uint(w, 0);
    syn_cbor_write_array(w, r->n_layers);
    for (size_t k = 0; k < r->n_layers; k++)
        syn_cbor_write_uint(w, r->layer_cycles[k]);
    syn_cbor_write_uint(w, 1); syn_cbor_write_uint(w, r->total_cycles);
    syn_cbor_write_uint(w, 2);
    syn_cbor_write_array(w, r->n_outputs);
    for (size_t k = 0; k < r->n_outputs; k++) {
        const board_out_tensor *o = &r->outputs[k];
        syn_cbor_write_map(w, 4);
        syn_cbor_write_uint(w, 0); syn_cbor_write_uint(w, o->slot);
        syn_cbor_write_uint(w, 1); syn_cbor_write_array(w, 3);
        syn_cbor_write_uint(w, o->shape.c); syn_cbor_write_uint(w, o->shape.h); syn_cbor_write_uint(w, o->shape.w);
        syn_cbor_write_uint(w, 2); syn_cbor_write_uint(w, o->width);
        syn_cbor_write_uint(w, 3); syn_cbor_write_uint(w, o->bytes);
    }
    syn_cbor_write_uint(w, 3);
    syn_cbor_write_array(w, r->inline_data != NULL ? r->n_outputs : 0);
    for (size_t k = 0; r->inline_data != NULL && k < r->n_outputs; k++)
        syn_cbor_write_bytes(w, r->inline_data[k], r->outputs[k].bytes);
    syn_cbor_write_uint(w, 4); syn_cbor_write_uint(w, r->cpu_us);
    syn_cbor_write_uint(w, 5); syn_cbor_write_uint(w, r->cnn_us);
    syn_cbor_write_uint(w, 6);
    return syn_cbor_write_uint(w, r->queued_us);
}

/* The input a relayed output is (the same source among the segment's inputs), or -1. */
static int relayed_input(const accel_segment *seg, int16_t source)
{
    for (unsigned m = 0; m < seg->n_inputs; m++)
        if (seg->inputs[m].source == source)
            return (int)m;
    return -1;
}

static bool relayed_output(const accel_segment *seg, int16_t source)
{
    for (unsigned k = 0; k < seg->n_outputs; k++)
        if (seg->outputs[k].source == source)
            return true;
    return false;
}

/* An upper bound of the infer answer's size (CBOR heads at their widest). */
static uint64_t infer_answer_bound(const accel_segment *seg, bool with_inline)
{
    uint64_t n = 16u + 9u * seg->count + 9u + 3u * 9u;
    for (unsigned k = 0; k < seg->n_outputs; k++)
        n += 40u + (with_inline ? 9u + syn_segstore_tensor_bytes(&seg->outputs[k]) : 0u);
    return n;
}

board_result syn_msg_infer(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    (void)reply;
    uint8_t in[SYN_MAX_CUT_TENSORS], out[SYN_MAX_CUT_TENSORS];
    size_t n_in, n_out;
    bool want_inline;
    const segstore_entry *e = find_segment(ctx, req, fault);
    if (e == NULL || !syn_field_slots(req, 1, "inputs", in, SYN_MAX_CUT_TENSORS, &n_in, fault)
        || !syn_field_slots(req, 2, "outputs", out, SYN_MAX_CUT_TENSORS, &n_out, fault)
        || !syn_field_opt_bool(req, 3, "inline", false, &want_inline, fault))
        return BOARD_FAIL;
    const accel_segment *seg = &e->seg;
    accel_buffer bufs[SYN_MAX_CUT_TENSORS];
    uint32_t in_bytes, out_bytes = 0;
    if (!check_inputs(ctx, req, e, in, n_in, bufs, &in_bytes, fault))
        return BOARD_FAIL;
    if (n_out != seg->n_outputs)
        return syn_board_failf(fault, SYN_ERR_BAD_ARGUMENT, "infer: segment '%s' gives %u outputs, %lu slots given", e->id,
                           (unsigned)seg->n_outputs, (unsigned long)n_out);
    for (size_t k = 0; k < n_out; k++) {
        for (size_t j = 0; j < k; j++) {
            if (out[j] == out[k])
                return syn_board_failf(fault, SYN_ERR_BAD_ARGUMENT, "infer outputs: slot %u is listed twice", (unsigned)out[k]);
        }
        if (slot_held(ctx, out[k]))
            return syn_refuse_held_slot(ctx, out[k], "output", fault);
        /* A relayed output is copied from its input's slot after the run, relays first: its slot
         * must not be the slot of another input that is relayed too. */
        int j = relayed_input(seg, seg->outputs[k].source);
        for (unsigned m = 0; j >= 0 && m < seg->n_inputs; m++) {
            if ((int)m != j && in[m] == out[k] && relayed_output(seg, seg->inputs[m].source))
                return syn_board_failf(fault, SYN_ERR_BAD_ARGUMENT, "infer outputs: slot %u holds input %u, relayed too",
                                   (unsigned)out[k], m);
        }
        out_bytes += syn_segstore_tensor_bytes(&seg->outputs[k]);
    }
    if (want_inline) {
        uint64_t bound = infer_answer_bound(seg, true);
        for (unsigned k = 0; k < seg->n_outputs; k++) {
            if (syn_segstore_tensor_bytes(&seg->outputs[k]) > SYN_MAX_PAYLOAD)
                bound = UINT64_MAX;
        }
        if (bound > SYN_MAX_BODY)
            return syn_board_failf(fault, SYN_ERR_TOO_LARGE, "infer: %lu output bytes inline pass max_frame %u",
                               (unsigned long)out_bytes, (unsigned)SYN_MAX_FRAME);
    }
    uint32_t room = syn_tensors_free_if_emptied(&ctx->tensors, out, n_out);
    if (out_bytes > room)
        return syn_board_failf(fault, SYN_ERR_DOES_NOT_FIT, "infer outputs: %lu bytes, %lu free of tensor_mem %lu",
                           (unsigned long)out_bytes, (unsigned long)room, (unsigned long)ctx->tensors.cap);
    if (!syn_jobs_have_room(ctx, fault))
        return BOARD_FAIL;

    accel_error err;
    if (!syn_accel_run(ctx->segments.accel, e->accel_slot, bufs, n_in, NULL, NULL, &err))
        return accel_refusal(&err, fault);
    /* The job: reserve it now so nothing below can fail after the outputs are written. */
    tl_phase phases[3] = {
        { TL_CPU, (uint64_t)in_bytes * ctx->cfg.chip->cpu_load_ns_per_byte },
        { TL_CNN, 0 },
        { TL_CPU, (uint64_t)out_bytes * ctx->cfg.chip->cpu_unload_ns_per_byte },
    };
    static uint32_t cycles[SYN_MAX_LAYERS];   /* (not on the stack: 512 B) */
    uint64_t total = layer_cycles(ctx, e, cycles);
    phases[1].ns = cycles_ns(total, ctx->cfg.chip->cnn_clock_hz);
    int job_index = syn_jobs_add(ctx, syn_board_now_ns(ctx), phases, 3);
    board_job *job = &ctx->jobs[job_index];
    job->kind = JOB_INFER;
    job->n_layers = seg->count;
    memcpy(job->u.layer_cycles, cycles, seg->count * sizeof cycles[0]);
    job->total_cycles = total;
    job->n_outputs = (uint8_t)n_out;
    job->inline_outputs = want_inline;
    /* Relayed outputs first (copied from their input slots, looked up after each resize, as a
     * resize may slide the others), then the engine gathers the others straight into theirs. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < n_out; k++) {
            int j = relayed_input(seg, seg->outputs[k].source);
            if ((pass == 0) != (j >= 0))
                continue;
            uint32_t len = syn_segstore_tensor_bytes(&seg->outputs[k]);
            syn_fault f;
            if (j < 0 || in[j] != out[k])
                syn_tensors_resize(&ctx->tensors, out[k], len, &f);   /* room checked */
            uint8_t *dst = syn_tensors_data(&ctx->tensors, out[k]);
            accel_error oerr;
            if (j >= 0) {
                if (in[j] != out[k])
                    memcpy(dst, syn_tensors_data(&ctx->tensors, in[j]), len);
            } else if (!syn_accel_output_into(ctx->segments.accel, seg->outputs[k].source, dst, len, &oerr)) {
                memset(dst, 0, len);   /* not reached: a successful run has every output */
            }
            tensor_slot *sl = &ctx->tensors.slots[out[k]];
            sl->filled = sl->total;
            sl->job = (int8_t)job_index;
            job->out_slot[k] = out[k];
            job->out[k] = seg->outputs[k];
        }
    }
    job->ticket = syn_board_defer(ctx, req);
    return BOARD_DEFER;
}

/* ---- profile ------------------------------------------------------------------------------- */

bool syn_board_encode_profile(cbor_writer *w, const job_spread *layers, size_t n, const job_spread64 *total, uint32_t runs)
{
    syn_cbor_write_map(w, 3);
    syn_cbor_write_uint(w, 0);
    syn_cbor_write_array(w, n);
    for (size_t k = 0; k < n; k++) {
        syn_cbor_write_map(w, 3);
        syn_cbor_write_uint(w, 0); syn_cbor_write_uint(w, layers[k].min);
        syn_cbor_write_uint(w, 1); syn_cbor_write_uint(w, layers[k].median);
        syn_cbor_write_uint(w, 2); syn_cbor_write_uint(w, layers[k].max);
    }
    syn_cbor_write_uint(w, 1);
    syn_cbor_write_map(w, 3);
    syn_cbor_write_uint(w, 0); syn_cbor_write_uint(w, total->min);
    syn_cbor_write_uint(w, 1); syn_cbor_write_uint(w, total->median);
    syn_cbor_write_uint(w, 2); syn_cbor_write_uint(w, total->max);
    syn_cbor_write_uint(w, 2);
    return syn_cbor_write_uint(w, runs);
}

/* Shell sort (Ciura's gaps): in place, no recursion, fine for a thousand values. */
static const size_t gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };

/* One body for both widths (layer cycles are 32-bit, totals 64-bit). */
#define SHELL_SORT(name, type)                                                                    \
    static void name(type *v, size_t n)                                                          \
    {                                                                                            \
        for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {                              \
            for (size_t i = gaps[g]; i < n; i++) {                                               \
                type x = v[i];                                                                   \
                size_t j = i;                                                                    \
                for (; j >= gaps[g] && v[j - gaps[g]] > x; j -= gaps[g])                         \
                    v[j] = v[j - gaps[g]];                                                       \
                v[j] = x;                                                                        \
            }                                                                                    \
        }                                                                                        \
    }
SHELL_SORT(sort_u32, uint32_t)
SHELL_SORT(sort_u64, uint64_t)

board_result syn_msg_profile(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    (void)reply;
    uint64_t warmup, runs;
    uint8_t in[SYN_MAX_CUT_TENSORS];
    size_t n_in;
    const segstore_entry *e = find_segment(ctx, req, fault);
    if (e == NULL || !syn_field_uint(req, 1, "warmup", SYN_PROFILE_MAX_WARMUP, &warmup, fault)
        || !syn_field_uint(req, 2, "runs", SYN_PROFILE_MAX_RUNS, &runs, fault)
        || !syn_field_slots(req, 3, "inputs", in, SYN_MAX_CUT_TENSORS, &n_in, fault))
        return BOARD_FAIL;
    if (runs == 0)
        return syn_board_failf(fault, SYN_ERR_BAD_ARGUMENT, "profile runs: at least 1");
    const accel_segment *seg = &e->seg;
    accel_buffer bufs[SYN_MAX_CUT_TENSORS];
    uint32_t in_bytes;
    if (!check_inputs(ctx, req, e, in, n_in, bufs, &in_bytes, fault) || !syn_jobs_have_room(ctx, fault))
        return BOARD_FAIL;
    /* Every timed run's cycles, layer-major (a row of runs per layer), then the totals: kept in
     * the free part of the tensor arena for the moment the statistics take. */
    uint32_t n = seg->count;
    uint64_t need = (uint64_t)runs * 8u + (uint64_t)runs * n * 4u;
    uint64_t *totals = need <= UINT32_MAX ? syn_tensors_scratch(&ctx->tensors, (uint32_t)need) : NULL;
    if (totals == NULL)
        return syn_board_failf(fault, SYN_ERR_DOES_NOT_FIT, "profile: %lu runs need %lu bytes of free tensor_mem, %lu free",
                           (unsigned long)runs, (unsigned long)need, (unsigned long)syn_tensors_free_bytes(&ctx->tensors));
    uint32_t *per_layer = (uint32_t *)(totals + runs);
    for (size_t k = 0; k < n_in; k++)   /* making room may have slid the slots: look them up again */
        bufs[k].data = syn_tensors_data(&ctx->tensors, in[k]);
    static uint32_t cycles[SYN_MAX_LAYERS];
    accel_error err;
    /* The simulator has no clock: its cycles come from the model and are the same every run,
     * so it runs once (checking the inputs); a port that measures runs every time. */
    bool measuring = false;
    uint64_t syn_cnn_cycles = 0;
    for (uint64_t r = 0; r < warmup + runs; r++) {
        if (r == 0 || measuring) {
            if (!syn_accel_run(ctx->segments.accel, e->accel_slot, bufs, n_in, NULL, NULL, &err))
                return accel_refusal(&err, fault);
            if (r == 0)
                measuring = syn_accel_measured_cycles(ctx->segments.accel, cycles, n);
        }
        uint64_t total = layer_cycles(ctx, e, cycles);
        syn_cnn_cycles += total;
        if (r < warmup)
            continue;
        uint64_t t = r - warmup;
        totals[t] = total;
        for (uint32_t k = 0; k < n; k++)
            per_layer[(uint64_t)k * runs + t] = cycles[k];
    }
    tl_phase phases[2] = {
        { TL_CPU, (uint64_t)in_bytes * ctx->cfg.chip->cpu_load_ns_per_byte },
        { TL_CNN, cycles_ns(syn_cnn_cycles, ctx->cfg.chip->cnn_clock_hz) },
    };
    int j = syn_jobs_add(ctx, syn_board_now_ns(ctx), phases, 2);
    board_job *job = &ctx->jobs[j];
    job->kind = JOB_PROFILE;
    job->n_layers = (uint16_t)n;
    job->runs = (uint32_t)runs;
    size_t mid = (size_t)(runs - 1u) / 2u;   /* the lower median for an even count */
    for (uint32_t k = 0; k < n; k++) {
        uint32_t *row = per_layer + (uint64_t)k * runs;
        sort_u32(row, (size_t)runs);
        job->u.layer_spread[k] = (job_spread){ row[0], row[mid], row[runs - 1u] };
    }
    sort_u64(totals, (size_t)runs);
    job->total_spread = (job_spread64){ totals[0], totals[mid], totals[runs - 1u] };
    job->total_cycles = totals[mid];
    job->ticket = syn_board_defer(ctx, req);
    return BOARD_DEFER;
}

/* ---- the jobs module: answers when the modelled time has passed ---------------------------- */

static void finish_infer(board_ctx *ctx, int j, const tl_job *t)
{
    board_job *job = &ctx->jobs[j];
    board_out_tensor outs[SYN_MAX_CUT_TENSORS];
    const uint8_t *data[SYN_MAX_CUT_TENSORS];
    for (unsigned k = 0; k < job->n_outputs; k++) {
        outs[k] = (board_out_tensor){ job->out_slot[k], job->out[k].shape, job->out[k].width,
                                      syn_segstore_tensor_bytes(&job->out[k]) };
        data[k] = syn_tensors_data(&ctx->tensors, job->out_slot[k]);
    }
    board_infer_result r = {
        .layer_cycles = job->u.layer_cycles,
        .n_layers = job->n_layers,
        .total_cycles = job->total_cycles,
        .outputs = outs,
        .n_outputs = job->n_outputs,
        .inline_data = job->inline_outputs ? data : NULL,
        .cpu_us = t->busy_ns[TL_CPU] / 1000u,
        .cnn_us = t->busy_ns[TL_CNN] / 1000u,
        .queued_us = t->waited_ns / 1000u,
    };
    syn_board_encode_infer(syn_board_reply_writer(ctx), &r);
}

uint64_t syn_jobs_poll(board_ctx *ctx, uint64_t now_us)
{
    syn_timeline_advance(&ctx->time, now_us * 1000u);
    /* Answers leave in the order their jobs completed (a late poll may find several done). */
    for (;;) {
        int j = -1;
        for (int k = 0; k < TIMELINE_JOBS; k++) {
            const tl_job *t = syn_timeline_job(&ctx->time, k), *best = j >= 0 ? syn_timeline_job(&ctx->time, j) : NULL;
            if (t != NULL && t->done
                && (best == NULL || t->done_ns < best->done_ns || (t->done_ns == best->done_ns && t->seq < best->seq)))
                j = k;
        }
        if (j < 0)
            break;
        const tl_job *t = syn_timeline_job(&ctx->time, j);
        board_job *job = &ctx->jobs[j];
        syn_tensors_release_job(&ctx->tensors, j);   /* first: the answer reads the slots */
        if (job->kind == JOB_INFER)
            finish_infer(ctx, j, t);
        else if (job->kind == JOB_PROFILE)
            syn_board_encode_profile(syn_board_reply_writer(ctx), job->u.layer_spread, job->n_layers, &job->total_spread,
                                 job->runs);
        else if (job->kind == JOB_SENSE)
            syn_board_encode_sense(syn_board_reply_writer(ctx), job->frame, job->t_us, job->shape);
        syn_board_finish(ctx, job->ticket);
        job->kind = JOB_NONE;
        syn_timeline_release(&ctx->time, j);
    }
    uint64_t next = syn_timeline_next_event(&ctx->time);
    return next == TIMELINE_NEVER ? BOARD_NEVER : (next + 999u) / 1000u;
}
