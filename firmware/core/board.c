/* The dispatcher: runs every received run through the checks, the handler table, the answer.
 * See board.h. */
#include "board.h"

#include <string.h>

#include "frame.h"
#include "version.h"

static bool send_frame(board_ctx *ctx, uint8_t kind, uint16_t id, uint16_t type,
                       const uint8_t *body, size_t len)
{
    size_t n = syn_frame_build(ctx->wire_buf, sizeof ctx->wire_buf, kind, id, type, body, len);
    if (n == 0 || !ctx->port->transmit(ctx->port->user, ctx->wire_buf, n)) {
        ctx->tx_refused++;
        return false;
    }
    ctx->stats.frames_out++;
    ctx->stats.bytes_out += n;
    return true;
}

static void send_error(board_ctx *ctx, uint16_t id, uint16_t type, uint8_t code, const char *message)
{
    /* An error body is at most ~70 bytes: a small buffer of its own keeps the reply buffer
     * intact for whoever is using it. */
    uint8_t body[8 + SYN_ERR_MSG_MAX];
    cbor_writer w;
    syn_cbor_writer_init(&w, body, sizeof body);
    syn_encode_error(&w, code, message);
    send_frame(ctx, SYN_KIND_ERROR, id, type, body, w.len);
}

static void send_reply(board_ctx *ctx, uint16_t id, uint16_t type)
{
    if (ctx->reply.err != CBOR_OK) {
        char msg[SYN_ERR_MSG_MAX + 1];
        syn_format(msg, sizeof msg, "could not encode the response: %s", syn_cbor_err_name(ctx->reply.err));
        send_error(ctx, id, type, SYN_ERR_INTERNAL, msg);
        return;
    }
    send_frame(ctx, SYN_KIND_RESPONSE, id, type, ctx->reply.buf, ctx->reply.len);
}

/* strnlen is POSIX, not C11. */
static size_t bounded_len(const char *s, size_t cap)
{
    size_t n = 0;
    while (n < cap && s[n] != '\0')
        n++;
    return n;
}

bool syn_board_config_check(const board_config *cfg, char *why, size_t cap)
{
    if (cfg->chip == NULL) {
        syn_format(why, cap, "no chip given");
        return false;
    }
    if (cfg->engine == NULL) {
        syn_format(why, cap, "no accelerator engine given");
        return false;
    }
    size_t id_len = bounded_len(cfg->board_id, sizeof cfg->board_id);
    if (id_len == 0 || id_len > SYN_BOARD_ID_MAX) {
        syn_format(why, cap, "board id must be 1..%u bytes", (unsigned)SYN_BOARD_ID_MAX);
        return false;
    }
    if (cfg->n_sensors > SYN_MAX_SENSORS || cfg->n_outputs > SYN_MAX_OUTPUTS) {
        syn_format(why, cap, "at most %u sensors and %u outputs", (unsigned)SYN_MAX_SENSORS,
                   (unsigned)SYN_MAX_OUTPUTS);
        return false;
    }
    for (size_t i = 0; i < cfg->n_sensors; i++) {
        size_t n = bounded_len(cfg->sensors[i].kind, sizeof cfg->sensors[i].kind);
        if (n == 0 || n > SYN_SENSOR_KIND_MAX) {
            syn_format(why, cap, "sensor %u: kind must be 1..%u bytes", (unsigned)i, (unsigned)SYN_SENSOR_KIND_MAX);
            return false;
        }
    }
    for (size_t i = 0; i < cfg->n_outputs; i++) {
        size_t n = bounded_len(cfg->outputs[i], sizeof cfg->outputs[i]);
        if (n == 0 || n > SYN_SENSOR_KIND_MAX) {
            syn_format(why, cap, "output %u: kind must be 1..%u bytes", (unsigned)i, (unsigned)SYN_SENSOR_KIND_MAX);
            return false;
        }
    }
    return true;
}

void syn_board_init(board_ctx *ctx, const board_config *cfg, const syn_port *port, board_boot_reason reason)
{
    board_config keep = *cfg;   /* cfg may be ctx->cfg itself (a reboot) */
    memset(ctx, 0, sizeof *ctx);
    ctx->cfg = keep;
    ctx->port = port;
    ctx->boot_reason = reason;
    ctx->boot_us = port->now_us(port->user);
    ctx->session = port->random32(port->user);
    syn_cobs_rx_init(&ctx->rx, ctx->rx_buf, sizeof ctx->rx_buf);
    for (size_t i = 0; i < syn_board_module_count; i++) {
        if (syn_board_modules[i].init != NULL)
            syn_board_modules[i].init(ctx);
    }
    cbor_writer *w = syn_board_reply_writer(ctx);
    syn_board_encode_boot(w, reason, ctx->session, ctx->cfg.board_id);
    syn_board_send_event(ctx, SYN_MSG_BOOT);
}

const board_handler *syn_board_find_handler(uint16_t type)
{
    for (size_t i = 0; i < syn_board_handler_count; i++) {
        if (syn_board_handlers[i].type == type)
            return &syn_board_handlers[i];
    }
    return NULL;
}

static void refuse(board_ctx *ctx, const syn_rx_check *chk, uint8_t code, const char *message)
{
    ctx->stats.rejected++;
    send_error(ctx, chk->id, chk->type, code, message);
}

/* The longest byte string anywhere in a validated body. Items follow each other in the bytes
 * whatever their nesting, so a flat scan of heads visits them all. */
static size_t longest_byte_string(const uint8_t *body, size_t len)
{
    cbor_reader r;
    syn_cbor_reader_init(&r, body, len);
    size_t longest = 0;
    while (!syn_cbor_at_end(&r)) {
        const uint8_t *d;
        size_t n;
        bool ok;
        switch (syn_cbor_peek(&r)) {
        case CBOR_BYTES:
            ok = syn_cbor_read_bytes(&r, &d, &n);
            if (ok && n > longest)
                longest = n;
            break;
        case CBOR_ARRAY:
            ok = syn_cbor_read_array(&r, &n);
            break;
        case CBOR_MAP:
            ok = syn_cbor_read_map(&r, &n);
            break;
        default:
            ok = syn_cbor_skip(&r);
            break;
        }
        if (!ok)
            break;
    }
    return longest;
}

/* Checks 8..10 for a frame that passed 1..7. */
static void dispatch(board_ctx *ctx, const syn_rx_check *chk)
{
    char msg[SYN_ERR_MSG_MAX + 1];
    const board_handler *h = syn_board_find_handler(chk->type);
    if (h == NULL) {
        syn_format(msg, sizeof msg, "unknown message type 0x%04x", (unsigned)chk->type);
        refuse(ctx, chk, SYN_ERR_UNKNOWN_TYPE, msg);
        return;
    }
    cbor_err e = syn_cbor_validate(chk->body, chk->body_len);
    if (e != CBOR_OK) {
        syn_format(msg, sizeof msg, "%s body is not subset CBOR: %s", h->name, syn_cbor_err_name(e));
        refuse(ctx, chk, SYN_ERR_BAD_BODY, msg);
        return;
    }
    cbor_reader r;
    syn_cbor_reader_init(&r, chk->body, chk->body_len);
    if (syn_cbor_peek(&r) != CBOR_MAP) {
        syn_format(msg, sizeof msg, "%s body must be a CBOR map", h->name);
        refuse(ctx, chk, SYN_ERR_BAD_BODY, msg);
        return;
    }
    size_t longest = longest_byte_string(chk->body, chk->body_len);
    if (longest > SYN_MAX_PAYLOAD) {
        syn_format(msg, sizeof msg, "%s: byte string of %u bytes exceeds max_payload %u", h->name,
                   (unsigned)longest, (unsigned)SYN_MAX_PAYLOAD);
        refuse(ctx, chk, SYN_ERR_TOO_LARGE, msg);
        return;
    }
    if (h->waits && syn_board_pending_count(ctx) >= SYN_MAX_WAITING) {
        syn_format(msg, sizeof msg, "%s: %u requests wait already, the most a board holds", h->name,
                   (unsigned)syn_board_pending_count(ctx));
        refuse(ctx, chk, SYN_ERR_BUSY, msg);
        return;
    }
    board_request req = {
        .id = chk->id,
        .type = chk->type,
        .body = chk->body,
        .body_len = chk->body_len,
        .now_us = ctx->port->now_us(ctx->port->user),
    };
    board_fault fault = { 0, "" };
    cbor_writer *reply = syn_board_reply_writer(ctx);
    switch (h->handle(ctx, &req, reply, &fault)) {
    case BOARD_REPLY:
        send_reply(ctx, req.id, req.type);
        break;
    case BOARD_FAIL:
        refuse(ctx, chk, fault.code != 0 ? fault.code : SYN_ERR_INTERNAL, fault.message);
        break;
    case BOARD_DEFER:
        break;
    }
    if (ctx->reset_requested) {
        ctx->reset_requested = false;
        ctx->port->request_reset(ctx->port->user);
    }
}

static void handle_run(board_ctx *ctx, cobs_rx_result result)
{
    syn_rx_check chk;
    syn_rx_check_run(ctx->rx.buf, ctx->rx.len, result, true, &chk);
    if (chk.crc_ok)
        ctx->stats.frames_in++;
    switch (chk.stage) {
    case SYN_RX_DROPPED:
        return;
    case SYN_RX_OVERSIZE:
        ctx->stats.oversize++;
        break;
    case SYN_RX_FRAMING:
        ctx->stats.framing_errors++;
        break;
    case SYN_RX_CRC:
        ctx->stats.crc_errors++;
        break;
    case SYN_RX_REJECTED:
        ctx->stats.rejected++;
        break;
    case SYN_RX_OK:
        dispatch(ctx, &chk);
        return;
    }
    send_error(ctx, chk.id, chk.type, chk.error, chk.message);
}

void syn_board_rx_bytes(board_ctx *ctx, const uint8_t *bytes, size_t n)
{
    ctx->stats.bytes_in += n;
    while (n > 0) {
        bool ended;
        cobs_rx_result result;
        size_t used = syn_cobs_rx_feed(&ctx->rx, bytes, n, &ended, &result);
        bytes += used;
        n -= used;
        if (ended)
            handle_run(ctx, result);
    }
}

uint64_t syn_board_poll(board_ctx *ctx, uint64_t now_us)
{
    uint64_t next = BOARD_NEVER;
    for (size_t i = 0; i < syn_board_module_count; i++) {
        if (syn_board_modules[i].poll != NULL) {
            uint64_t t = syn_board_modules[i].poll(ctx, now_us);
            if (t < next)
                next = t;
        }
    }
    return next;
}

uint64_t syn_board_uptime_ms(const board_ctx *ctx)
{
    return (ctx->port->now_us(ctx->port->user) - ctx->boot_us) / 1000u;
}

const char *syn_board_boot_reason_name(board_boot_reason reason)
{
    switch (reason) {
    case BOARD_BOOT_POWER_ON: return "power-on";
    case BOARD_BOOT_SOFTWARE: return "software";
    case BOARD_BOOT_WATCHDOG: return "watchdog";
    case BOARD_BOOT_PIN: return "pin";
    case BOARD_BOOT_BREAK: return "break";
    case BOARD_BOOT_UNKNOWN: break;
    }
    return "unknown";
}

board_result syn_board_failf(board_fault *fault, uint8_t code, const char *fmt, ...)
{
    fault->code = code;
    SYN_FORMAT_ARGS(fault->message, sizeof fault->message, fmt);
    return BOARD_FAIL;
}

bool syn_board_field(const board_request *req, uint64_t key, cbor_reader *value)
{
    cbor_reader r;
    syn_cbor_reader_init(&r, req->body, req->body_len);
    size_t pairs;
    if (!syn_cbor_read_map(&r, &pairs))
        return false;
    for (size_t i = 0; i < pairs; i++) {
        uint64_t k;
        if (!syn_cbor_read_uint(&r, &k) || k > key)
            return false;   /* keys ascend (checked before the handler runs) */
        if (k == key) {
            *value = r;
            return true;
        }
        if (!syn_cbor_skip(&r))
            return false;
    }
    return false;
}

int syn_board_defer(board_ctx *ctx, const board_request *req)
{
    for (size_t i = 0; i < SYN_MAX_WAITING; i++) {
        if (!ctx->pending[i].used) {
            ctx->pending[i] = (board_pending){ true, req->id, req->type };
            return (int)i;
        }
    }
    return -1;   /* not reached: dispatch answers busy while every slot is taken */
}

cbor_writer *syn_board_reply_writer(board_ctx *ctx)
{
    syn_cbor_writer_init(&ctx->reply, ctx->reply_buf, sizeof ctx->reply_buf);
    return &ctx->reply;
}

static board_pending *take_ticket(board_ctx *ctx, int ticket)
{
    if (ticket < 0 || ticket >= SYN_MAX_WAITING || !ctx->pending[ticket].used)
        return NULL;
    ctx->pending[ticket].used = false;
    return &ctx->pending[ticket];
}

void syn_board_finish(board_ctx *ctx, int ticket)
{
    board_pending *p = take_ticket(ctx, ticket);
    if (p != NULL)
        send_reply(ctx, p->id, p->type);
}

void syn_board_finish_error(board_ctx *ctx, int ticket, uint8_t code, const char *fmt, ...)
{
    board_pending *p = take_ticket(ctx, ticket);
    if (p == NULL)
        return;
    char msg[SYN_ERR_MSG_MAX + 1];
    SYN_FORMAT_ARGS(msg, sizeof msg, fmt);
    ctx->stats.rejected++;
    send_error(ctx, p->id, p->type, code, msg);
}

size_t syn_board_pending_count(const board_ctx *ctx)
{
    size_t n = 0;
    for (size_t i = 0; i < SYN_MAX_WAITING; i++)
        n += ctx->pending[i].used ? 1u : 0u;
    return n;
}

bool syn_board_send_event(board_ctx *ctx, uint16_t type)
{
    if (ctx->reply.err != CBOR_OK)
        return false;
    return send_frame(ctx, SYN_KIND_EVENT, ctx->event_seq++, type, ctx->reply.buf, ctx->reply.len);
}

/* ---- encoders of the board's own messages -------------------------------------------------- */

bool syn_board_encode_hello(cbor_writer *w, const board_config *cfg, uint32_t session, board_boot_reason reset_cause)
{
    const syn_chip *c = cfg->chip;
    bool registers = syn_accel_engine_format(cfg->engine) == 2;
    syn_cbor_write_map(w, registers ? 24u : 23u);
    syn_cbor_write_uint(w, 0);  syn_cbor_write_uint(w, SYN_PROTO_VERSION);
    syn_cbor_write_uint(w, 1);  syn_cbor_write_cstr(w, SYN_FIRMWARE_VERSION);
    syn_cbor_write_uint(w, 2);  syn_cbor_write_cstr(w, cfg->board_id);
    syn_cbor_write_uint(w, 3);  syn_cbor_write_cstr(w, c->name);
    syn_cbor_write_uint(w, 4);  syn_cbor_write_uint(w, c->cnn_clock_hz);
    syn_cbor_write_uint(w, 5);  syn_cbor_write_uint(w, c->weight_mem);
    syn_cbor_write_uint(w, 6);  syn_cbor_write_uint(w, c->bias_mem);
    syn_cbor_write_uint(w, 7);  syn_cbor_write_uint(w, c->data_mem);
    syn_cbor_write_uint(w, 8);  syn_cbor_write_uint(w, c->max_layers);
    syn_cbor_write_uint(w, 9);  syn_cbor_write_uint(w, SYN_MAX_FRAME);
    syn_cbor_write_uint(w, 10); syn_cbor_write_uint(w, SYN_MAX_PAYLOAD);
    syn_cbor_write_uint(w, 11); syn_cbor_write_uint(w, SYN_MAX_IN_FLIGHT);
    syn_cbor_write_uint(w, 12); syn_cbor_write_array(w, cfg->n_sensors);
    for (size_t i = 0; i < cfg->n_sensors; i++) {
        const board_sensor *s = &cfg->sensors[i];
        syn_cbor_write_map(w, 3);
        syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, s->kind);
        syn_cbor_write_uint(w, 1); syn_cbor_write_array(w, 3);
        for (size_t k = 0; k < 3; k++)
            syn_cbor_write_uint(w, s->shape[k]);
        syn_cbor_write_uint(w, 2); syn_cbor_write_uint(w, s->rate_mhz);
    }
    syn_cbor_write_uint(w, 13); syn_cbor_write_array(w, cfg->n_outputs);
    for (size_t i = 0; i < cfg->n_outputs; i++)
        syn_cbor_write_cstr(w, cfg->outputs[i]);
    syn_cbor_write_uint(w, 14); syn_cbor_write_array(w, syn_board_handler_count);
    for (size_t i = 0; i < syn_board_handler_count; i++)
        syn_cbor_write_uint(w, syn_board_handlers[i].type);
    syn_cbor_write_uint(w, 15); syn_cbor_write_uint(w, cfg->link_baud);
    syn_cbor_write_uint(w, 16); syn_cbor_write_uint(w, session);
    syn_cbor_write_uint(w, 17); syn_cbor_write_uint(w, cfg->mem.tensor_bytes);
    syn_cbor_write_uint(w, 18); syn_cbor_write_cstr(w, syn_board_boot_reason_name(reset_cause));
    syn_cbor_write_uint(w, 19); syn_cbor_write_cstr(w, cfg->build_id);
    syn_cbor_write_uint(w, 20); syn_cbor_write_cstr(w, syn_accel_engine_name(cfg->engine));
    if (registers) {
        syn_cbor_write_uint(w, 21);
        syn_cbor_write_uint(w, cfg->mem.segments.header_max);
    }
    syn_cbor_write_uint(w, 22); syn_cbor_write_uint(w, SYN_TENSOR_SLOTS);
    syn_cbor_write_uint(w, 23);
    return syn_cbor_write_uint(w, SYN_SENSE_QUEUE);
}

bool syn_board_encode_stats(cbor_writer *w, const board_stats *s)
{
    const uint64_t v[9] = { s->frames_in, s->frames_out, s->crc_errors, s->framing_errors, s->rejected,
                            s->uptime_ms, s->bytes_in, s->bytes_out, s->oversize };
    syn_cbor_write_map(w, s->has_stack_peak ? 10u : 9u);
    for (size_t i = 0; i < 9; i++) {
        syn_cbor_write_uint(w, i);
        syn_cbor_write_uint(w, v[i]);
    }
    if (s->has_stack_peak) {
        syn_cbor_write_uint(w, 9);
        syn_cbor_write_uint(w, s->stack_peak);
    }
    return w->err == CBOR_OK;
}

bool syn_board_encode_boot(cbor_writer *w, board_boot_reason reason, uint32_t session, const char *board_id)
{
    syn_cbor_write_map(w, 4);
    syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, syn_board_boot_reason_name(reason));
    syn_cbor_write_uint(w, 1); syn_cbor_write_uint(w, session);
    syn_cbor_write_uint(w, 2); syn_cbor_write_cstr(w, SYN_FIRMWARE_VERSION);
    syn_cbor_write_uint(w, 3);
    return syn_cbor_write_cstr(w, board_id);
}
