/* The handlers every board serves: hello, ping, stats, reset (PROTOCOL.md 4.1..4.4). */
#include "msg_handlers.h"

board_result syn_msg_hello(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    (void)req;
    (void)fault;
    syn_board_encode_hello(reply, &ctx->cfg, ctx->session, ctx->boot_reason);
    return BOARD_REPLY;
}

board_result syn_msg_ping(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    (void)ctx;
    cbor_reader v;
    const uint8_t *payload;
    size_t len;
    if (!syn_board_field(req, 0, &v))
        return syn_board_failf(fault, SYN_ERR_BAD_BODY, "ping needs field 0 (payload), a byte string");
    if (!syn_cbor_read_bytes(&v, &payload, &len))
        return syn_board_failf(fault, SYN_ERR_BAD_BODY, "ping field 0 (payload) must be a byte string");
    /* (longer than max_payload was refused before the handler) */
    syn_cbor_write_map(reply, 1);
    syn_cbor_write_uint(reply, 0);
    syn_cbor_write_bytes(reply, payload, len);
    return BOARD_REPLY;
}

board_result syn_msg_stats(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    (void)req;
    (void)fault;
    board_stats s = ctx->stats;
    s.uptime_ms = syn_board_uptime_ms(ctx);
    s.has_stack_peak = ctx->port->stack_peak != NULL;
    s.stack_peak = s.has_stack_peak ? ctx->port->stack_peak(ctx->port->user) : 0;
    syn_board_encode_stats(reply, &s);
    return BOARD_REPLY;
}

board_result syn_msg_reset(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)
{
    (void)req;
    (void)fault;
    syn_cbor_write_map(reply, 0);
    /* The port resets once this answer has left (PROTOCOL.md 4.4). */
    ctx->reset_requested = true;
    return BOARD_REPLY;
}
