/* sense, deliver, outputs; see syn_msg_sense.h and sensors.h. */
#include "msg_sense.h"

#include <string.h>

#include "crc32.h"
#include "msg_fields.h"
#include "msg_infer.h"

bool syn_board_encode_sense(cbor_writer *w, uint64_t frame, uint64_t t_us, const uint32_t shape[3])
{
    syn_cbor_write_map(w, 3);
    syn_cbor_write_uint(w, 0); syn_cbor_write_uint(w, frame);
    syn_cbor_write_uint(w, 1); syn_cbor_write_uint(w, t_us);
    syn_cbor_write_uint(w, 2); syn_cbor_write_array(w, 3);
    syn_cbor_write_uint(w, shape[0]); syn_cbor_write_uint(w, shape[1]);
    return syn_cbor_write_uint(w, shape[2]);
}

bool syn_board_encode_deliver(cbor_writer *w, uint32_t count)
{
    syn_cbor_write_map(w, 1);
    syn_cbor_write_uint(w, 0);
    return syn_cbor_write_uint(w, count);
}

bool syn_board_encode_outputs(cbor_writer *w, const char *const *kinds, const output_record *records, size_t n)
{
    syn_cbor_write_map(w, 1);
    syn_cbor_write_uint(w, 0);
    syn_cbor_write_array(w, n);
    for (size_t i = 0; i < n; i++) {
        syn_cbor_write_map(w, 4);
        syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, kinds[i]);
        syn_cbor_write_uint(w, 1); syn_cbor_write_uint(w, records[i].count);
        syn_cbor_write_uint(w, 2); syn_cbor_write_uint(w, records[i].last_crc32);
        syn_cbor_write_uint(w, 3); syn_cbor_write_uint(w, records[i].last_bytes);
    }
    return w->err == CBOR_OK;
}

/* Reads sense's and deliver's {0: a sensor or output (`what`) of the `have` there are, 1: slot};
 * false with the refusal in fault. */
static bool index_and_slot(const board_request *req, const char *msg, const char *what, size_t have, uint64_t *index,
                           uint64_t *slot, board_fault *fault)
{
    if (!syn_field_uint(req, 0, what, UINT32_MAX, index, fault) || !syn_field_uint(req, 1, "slot", SYN_TENSOR_SLOTS - 1u, slot, fault))
        return false;
    if (*index < have)
        return true;
    syn_board_failf(fault, SYN_ERR_NOT_FOUND, "%s: no %s %lu (this board has %lu)", msg, what, (unsigned long)*index,
                    (unsigned long)have);
    return false;
}

board_result syn_msg_sense(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    (void)reply;
    uint64_t index, slot;
    if (!index_and_slot(req, "sense", "sensor", ctx->cfg.n_sensors, &index, &slot, fault))
        return BOARD_FAIL;
    const board_sensor *s = &ctx->cfg.sensors[index];
    if (s->rate_mhz == 0)
        return syn_board_failf(fault, SYN_ERR_UNSUPPORTED, "sense: sensor %lu has no frame rate", (unsigned long)index);
    /* A slow sensor must not gather every ticket: past the queue, busy at once (PROTOCOL.md 10). */
    unsigned waiting = syn_jobs_count(ctx, JOB_SENSE);
    if (waiting >= SYN_SENSE_QUEUE)
        return syn_board_failf(fault, SYN_ERR_BUSY, "sense: %u senses wait already, the sense queue holds %u", waiting,
                           (unsigned)SYN_SENSE_QUEUE);
    if (ctx->tensors.slots[slot].job >= 0)
        return syn_refuse_held_slot(ctx, (unsigned)slot, "sense", fault);
    uint64_t bytes = (uint64_t)s->shape[0] * s->shape[1] * s->shape[2];
    if (!syn_jobs_have_room(ctx, fault))
        return BOARD_FAIL;
    syn_fault f;
    if (bytes > UINT32_MAX)
        return syn_board_failf(fault, SYN_ERR_DOES_NOT_FIT, "sense: a frame of sensor %lu is over 4 GB", (unsigned long)index);
    if (!syn_tensors_resize(&ctx->tensors, (unsigned)slot, (uint32_t)bytes, &f))
        return syn_board_failf(fault, f.code, "%s", f.message);

    /* The next frame: the first one at or after now that was not taken yet. */
    uint64_t now_us = ctx->port->now_us(ctx->port->user);
    uint64_t elapsed = now_us > ctx->boot_us ? now_us - ctx->boot_us : 0;
    uint64_t frame = syn_sensor_frame_at_or_after(elapsed, s->rate_mhz);
    if (frame < ctx->sensing.next_frame[index])
        frame = ctx->sensing.next_frame[index];
    ctx->sensing.next_frame[index] = frame + 1u;
    uint64_t t_us = syn_sensor_frame_time_us(frame, s->rate_mhz);

    uint8_t *dest = syn_tensors_data(&ctx->tensors, (unsigned)slot);
    uint32_t frames_given = s->data != NULL ? s->data_len / (uint32_t)bytes : 0;
    if (frames_given > 0)
        memcpy(dest, s->data + (frame % frames_given) * bytes, (size_t)bytes);
    else
        syn_sensor_synthesize((int8_t *)dest, s->shape, ctx->cfg.board_id, (unsigned)index, frame);

    tl_phase capture = { TL_CPU, bytes * ctx->cfg.chip->cpu_sense_ns_per_byte };
    int j = syn_jobs_add(ctx, (ctx->boot_us + t_us) * 1000u, &capture, 1);
    board_job *job = &ctx->jobs[j];
    job->kind = JOB_SENSE;
    job->frame = frame;
    job->t_us = t_us;
    memcpy(job->shape, s->shape, sizeof job->shape);
    tensor_slot *sl = &ctx->tensors.slots[slot];
    sl->filled = sl->total;
    sl->job = (int8_t)j;
    job->ticket = syn_board_defer(ctx, req);
    return BOARD_DEFER;
}

board_result syn_msg_deliver(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    uint64_t index, slot;
    if (!index_and_slot(req, "deliver", "output", ctx->cfg.n_outputs, &index, &slot, fault))
        return BOARD_FAIL;
    const tensor_slot *sl = &ctx->tensors.slots[slot];
    if (sl->job >= 0)
        return syn_refuse_held_slot(ctx, (unsigned)slot, "deliver", fault);
    if (!syn_tensors_ready(&ctx->tensors, (unsigned)slot))
        return syn_board_failf(fault, SYN_ERR_BAD_STATE, "deliver: slot %u holds %lu of %lu bytes", (unsigned)slot,
                           (unsigned long)sl->filled, (unsigned long)sl->total);
    output_record *o = &ctx->sensing.outputs[index];
    o->count++;
    o->last_crc32 = syn_crc32(0, syn_tensors_data(&ctx->tensors, (unsigned)slot), sl->total);
    o->last_bytes = sl->total;
    if (ctx->port->deliver != NULL)
        ctx->port->deliver(ctx->port->user, (size_t)index, ctx->cfg.outputs[index], syn_tensors_data(&ctx->tensors, (unsigned)slot),
                           sl->total);
    syn_board_encode_deliver(reply, o->count);
    return BOARD_REPLY;
}

board_result syn_msg_outputs(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    (void)req;
    (void)fault;
    const char *kinds[SYN_MAX_OUTPUTS];
    for (size_t i = 0; i < ctx->cfg.n_outputs; i++)
        kinds[i] = ctx->cfg.outputs[i];
    syn_board_encode_outputs(reply, kinds, ctx->sensing.outputs, ctx->cfg.n_outputs);
    return BOARD_REPLY;
}
