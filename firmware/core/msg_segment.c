/* segment.* handlers; see msg_segment.h and segstore.h. */
#include "msg_segment.h"

#include <string.h>

#include "msg_fields.h"

void syn_msg_segment_init(board_ctx *ctx)
{
    syn_segstore_init(&ctx->segments, &ctx->cfg.mem.segments, ctx->cfg.chip, ctx->cfg.engine);
}

static board_result refuse(board_fault *fault, const syn_fault *f)
{
    return syn_board_failf(fault, f->code != 0 ? f->code : SYN_ERR_INTERNAL, "%s", f->message);
}

bool syn_board_encode_fit(cbor_writer *w, const segstore_fit *fit)
{
    const uint32_t head[6] = { fit->layers, fit->hardware_layers, fit->max_columns, fit->busiest_processor,
                               fit->kernel_words, fit->weight_bytes };
    syn_cbor_write_map(w, 10);
    for (unsigned k = 0; k < 6; k++) {
        syn_cbor_write_uint(w, k);
        syn_cbor_write_uint(w, head[k]);
    }
    syn_cbor_write_uint(w, 6);
    syn_cbor_write_array(w, FIT_QUADRANTS);
    for (unsigned q = 0; q < FIT_QUADRANTS; q++)
        syn_cbor_write_uint(w, fit->bias_per_quadrant[q]);
    syn_cbor_write_uint(w, 7); syn_cbor_write_uint(w, fit->bias_bytes);
    syn_cbor_write_uint(w, 8); syn_cbor_write_uint(w, fit->max_input_end);
    syn_cbor_write_uint(w, 9);
    return syn_cbor_write_uint(w, fit->max_output_end);
}

bool syn_board_encode_next_offset(cbor_writer *w, uint32_t next)
{
    syn_cbor_write_map(w, 1);
    syn_cbor_write_uint(w, 0);
    return syn_cbor_write_uint(w, next);
}

bool syn_board_encode_segment_commit(cbor_writer *w, const char *id, const segstore_fit *fit)
{
    syn_cbor_write_map(w, 2);
    syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, id);
    syn_cbor_write_uint(w, 1);
    return syn_board_encode_fit(w, fit);
}

bool syn_board_encode_segment_list(cbor_writer *w, const board_segment_info *segments, size_t n, const segstore_fit *fit)
{
    syn_cbor_write_map(w, 2);
    syn_cbor_write_uint(w, 0);
    syn_cbor_write_array(w, n);
    for (size_t i = 0; i < n; i++) {
        const board_segment_info *s = &segments[i];
        syn_cbor_write_map(w, 5);
        const char *const texts[2] = { s->id, s->model };            /* keys 0, 1 */
        const uint64_t numbers[3] = { s->first, s->count, s->weight_bytes };   /* keys 2..4 */
        for (unsigned k = 0; k < 5; k++) {
            syn_cbor_write_uint(w, k);
            if (k < 2)
                syn_cbor_write_cstr(w, texts[k]);
            else
                syn_cbor_write_uint(w, numbers[k - 2]);
        }
    }
    syn_cbor_write_uint(w, 1);
    return syn_board_encode_fit(w, fit);
}

board_result syn_msg_segment_begin(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    const char *id;
    size_t id_len, sha_len;
    uint64_t size;
    const uint8_t *sha;
    if (!syn_field_segment_id(req, 0, "id", &id, &id_len, fault) || !syn_field_uint(req, 1, "size", UINT32_MAX, &size, fault)
        || !syn_field_bytes(req, 2, "sha256", &sha, &sha_len, fault))
        return BOARD_FAIL;
    if (sha_len != SHA256_BYTES)
        return syn_board_failf(fault, SYN_ERR_BAD_BODY, "segment.begin field 2 (sha256) must be 32 bytes, not %lu",
                           (unsigned long)sha_len);
    uint32_t next;
    syn_fault f;
    if (!syn_segstore_begin(&ctx->segments, id, id_len, (uint32_t)size, sha, &next, &f))
        return refuse(fault, &f);
    syn_board_encode_next_offset(reply, next);
    return BOARD_REPLY;
}

board_result syn_msg_segment_chunk(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    uint64_t offset;
    const uint8_t *data;
    size_t len;
    if (!syn_field_uint(req, 0, "offset", UINT32_MAX, &offset, fault) || !syn_field_bytes(req, 1, "data", &data, &len, fault))
        return BOARD_FAIL;
    uint32_t next;
    syn_fault f;
    if (!syn_segstore_chunk(&ctx->segments, (uint32_t)offset, data, len, &next, &f))
        return refuse(fault, &f);
    syn_board_encode_next_offset(reply, next);
    return BOARD_REPLY;
}

board_result syn_msg_segment_commit(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    (void)req;
    syn_fault f;
    if (!syn_segstore_commit(&ctx->segments, &f))
        return refuse(fault, &f);
    const segstore *s = &ctx->segments;
    syn_board_encode_segment_commit(reply, s->entries[s->n - 1].id, &s->fit);
    return BOARD_REPLY;
}

board_result syn_msg_segment_abort(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    (void)req;
    (void)fault;
    syn_segstore_abort(&ctx->segments);
    syn_cbor_write_map(reply, 0);
    return BOARD_REPLY;
}

board_result syn_msg_segment_list(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    (void)req;
    (void)fault;
    const segstore *s = &ctx->segments;
    board_segment_info info[SYN_MAX_RESIDENT];
    for (unsigned i = 0; i < s->n; i++) {
        const segstore_entry *e = &s->entries[i];
        info[i] = (board_segment_info){ e->id, e->seg.model, e->seg.first, e->seg.count, e->weight_bytes };
    }
    syn_board_encode_segment_list(reply, info, s->n, &s->fit);
    return BOARD_REPLY;
}

board_result syn_msg_segment_unload(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    const char *id;
    size_t id_len;
    if (!syn_field_segment_id(req, 0, "id", &id, &id_len, fault))
        return BOARD_FAIL;
    syn_fault f;
    if (!syn_segstore_unload(&ctx->segments, id, id_len, &f))
        return refuse(fault, &f);
    syn_cbor_write_map(reply, 1);
    syn_cbor_write_uint(reply, 0);
    syn_board_encode_fit(reply, &ctx->segments.fit);
    return BOARD_REPLY;
}
