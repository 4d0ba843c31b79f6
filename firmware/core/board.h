/* The board: one context per board, fed bytes by the port, answering through the port.
 *
 *   syn_board_init(ctx, cfg, port, reason)   at every boot; sends the boot event
 *   syn_board_rx_bytes(ctx, bytes, n)        whatever the link delivered, in any pieces
 *   syn_board_poll(ctx, now_us)              deferred work; returns when it next needs a call
 *
 * Every 0x00-terminated run goes through the checks of PROTOCOL.md 2.2: checks 1..7 in frame.c,
 * 8 (type known) against the handler table, 9 (body is subset CBOR, a map) here, then the
 * handler reads its fields and does its own checks (9 and 10).
 *
 * Adding a message (later issues: segment.*, infer, profile, sense, deliver): write
 * `board_result my_handler(board_ctx *, const board_request *, cbor_writer *, board_fault *)`
 * in its own file and add one line to syn_board_handlers[] in board_table.c; hello lists it. A module
 * with state adds a member to board_ctx (below) and, if it needs to reset at boot or work later,
 * a line to syn_board_modules[] with its init and poll functions.
 *
 * Deferred answers (the CNN is busy for the modelled time while the board keeps reading): the
 * handler calls syn_board_defer(ctx, req), keeps the ticket, copies what it needs from the request
 * (the body lives in the receive buffer only during the call) and returns BOARD_DEFER. Later its
 * module's poll fills syn_board_reply_writer(ctx) and calls syn_board_finish(ctx, ticket), or calls
 * syn_board_finish_error(ctx, ticket, code, fmt, ...). A handler that may defer is marked `waits` in
 * the table: while SYN_MAX_WAITING tickets are out such a request is answered `busy`, so
 * syn_board_defer never runs out; a request answered at once (hello, ping, stats, reset, transfers)
 * takes no ticket and is served whatever waits (PROTOCOL.md 5). */
#ifndef SYNERGY_BOARD_H
#define SYNERGY_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbor.h"
#include "chip.h"
#include "cobs.h"
#include "jobs.h"
#include "port.h"
#include "proto.h"
#include "segstore.h"
#include "sensors.h"
#include "tensors.h"
#include "text.h"
#include "timeline.h"
#include "syn_config.h"

#define BOARD_NEVER UINT64_MAX   /* syn_board_poll: nothing to do until more bytes arrive */

typedef struct {
    char kind[SYN_SENSOR_KIND_MAX + 1];    /* "microphone", "camera", "imu", ... */
    uint32_t shape[3];                /* C, H, W */
    uint32_t rate_mhz;                /* frames per 1000 s */
    /* Frames the port supplies (whole frames of int8 CHW, frame k is the (k mod n)-th), or NULL
     * for the emulated sensor's deterministic data (sensors.h). */
    const uint8_t *data;
    uint32_t data_len;
} board_sensor;

/* The big regions the port gives the core, sized per chip (the core owns no big buffers):
 * the segment store's (segstore.h) and the tensor arena (tensors.h; its size is hello's
 * tensor_mem). A region left NULL with size 0 makes its messages answer does_not_fit. */
typedef struct {
    segstore_memory segments;
    uint8_t *tensor_arena;
    uint32_t tensor_bytes;
} board_memory;

typedef struct {
    const syn_chip *chip;
    /* The accelerator engine the port gives this board (accel.h: syn_accel_engine_register or
     * syn_accel_engine_layer); hello's engine (key 20), and the segment format the board takes. */
    const accel_engine *engine;
    char board_id[SYN_BOARD_ID_MAX + 1];
    board_sensor sensors[SYN_MAX_SENSORS];
    size_t n_sensors;
    char outputs[SYN_MAX_OUTPUTS][SYN_SENSOR_KIND_MAX + 1];
    size_t n_outputs;
    uint32_t link_baud;               /* 0 when unpaced */
    board_memory mem;
    /* hello's build_id: the first 8 bytes of the SHA-256 of the firmware image (a bare-metal
     * port's flashed bytes, the emulator's executable) as lowercase hex; "" if unknown. */
    char build_id[SYN_BUILD_ID_MAX + 1];
} board_config;

typedef enum {
    BOARD_BOOT_POWER_ON = 0,
    BOARD_BOOT_SOFTWARE,
    BOARD_BOOT_WATCHDOG,
    BOARD_BOOT_PIN,
    BOARD_BOOT_BREAK,                 /* a serial BREAK on the link */
    BOARD_BOOT_UNKNOWN
} board_boot_reason;

/* Counters of stats (PROTOCOL.md 4.3); uptime is computed when asked. */
typedef struct {
    uint64_t frames_in;
    uint64_t frames_out;
    uint64_t crc_errors;
    uint64_t framing_errors;
    uint64_t rejected;
    uint64_t uptime_ms;
    uint64_t bytes_in;
    uint64_t bytes_out;
    uint64_t oversize;
    /* Filled when asked (syn_msg_stats), if the port measures it (syn_port.stack_peak). */
    bool has_stack_peak;
    uint32_t stack_peak;
} board_stats;

typedef struct {
    bool used;
    uint16_t id;
    uint16_t type;
} board_pending;

typedef struct board_ctx {
    board_config cfg;
    const syn_port *port;
    board_stats stats;                /* uptime_ms unused here: see syn_board_uptime_ms */
    uint32_t session;
    board_boot_reason boot_reason;
    uint64_t boot_us;
    uint16_t event_seq;               /* events carry a counter of their own */
    uint32_t tx_refused;              /* frames the port had no room for (never on the wire) */
    bool reset_requested;             /* a handler asked for a reset once its answer is queued */
    board_pending pending[SYN_MAX_WAITING];
    cobs_rx rx;
    cbor_writer reply;                /* over reply_buf */
    uint8_t rx_buf[SYN_MAX_FRAME];
    uint8_t reply_buf[SYN_MAX_BODY];
    uint8_t wire_buf[SYN_MAX_WIRE];
    /* Modules' state. */
    segstore segments;                /* msg_segment.c */
    tensor_store tensors;             /* syn_msg_infer.c */
    timeline time;                    /* modelled CPU and CNN time of the jobs */
    board_job jobs[TIMELINE_JOBS];    /* indexed like the timeline's jobs */
    sensing_state sensing;            /* syn_msg_sense.c */
} board_ctx;


typedef struct {
    uint16_t id;
    uint16_t type;
    const uint8_t *body;              /* a CBOR map, valid only during the handler call */
    size_t body_len;
    uint64_t now_us;
} board_request;

typedef enum {
    BOARD_REPLY = 0,   /* the reply writer holds the response body: send it */
    BOARD_FAIL,        /* the fault holds code and message: send an error */
    BOARD_DEFER        /* the handler took a ticket and answers later */
} board_result;

typedef struct {
    uint8_t code;
    char message[SYN_ERR_MSG_MAX + 1];
} board_fault;

typedef board_result (*board_handler_fn)(board_ctx *ctx, const board_request *req,
                                         cbor_writer *reply, board_fault *fault);

typedef struct {
    uint16_t type;
    const char *name;                 /* "hello", "segment.begin", ... for logs */
    board_handler_fn handle;
    bool waits;                       /* may answer later (syn_board_defer): counts against
                                         SYN_MAX_WAITING; the others never take a ticket */
} board_handler;

typedef struct {
    const char *name;
    void (*init)(board_ctx *ctx);                          /* at every boot; may be NULL */
    uint64_t (*poll)(board_ctx *ctx, uint64_t now_us);     /* returns the time it next needs a
                                                              poll, BOARD_NEVER; may be NULL */
} board_module;

/* board_table.c: handlers in ascending type order, the order hello lists them in. */
extern const board_handler syn_board_handlers[];
extern const size_t syn_board_handler_count;
extern const board_module syn_board_modules[];
extern const size_t syn_board_module_count;

/* Checks a configuration before boot: false, with the reason in why, if it cannot be served. */
bool syn_board_config_check(const board_config *cfg, char *why, size_t cap);
/* (Re)boots the board: clears state and counters, draws a new session id, sends `boot`. */
void syn_board_init(board_ctx *ctx, const board_config *cfg, const syn_port *port, board_boot_reason reason);
void syn_board_rx_bytes(board_ctx *ctx, const uint8_t *bytes, size_t n);
uint64_t syn_board_poll(board_ctx *ctx, uint64_t now_us);

const board_handler *syn_board_find_handler(uint16_t type);
uint64_t syn_board_uptime_ms(const board_ctx *ctx);
const char *syn_board_boot_reason_name(board_boot_reason reason);

/* For handlers -------------------------------------------------------------------------------- */

/* Fills the fault and returns BOARD_FAIL: `return syn_board_failf(fault, SYN_ERR_..., "...", ...);` */
board_result syn_board_failf(board_fault *fault, uint8_t code, const char *fmt, ...) SYN_PRINTF(3, 4);
/* Finds `key` in the request's body map; on success *value reads the value. */
bool syn_board_field(const board_request *req, uint64_t key, cbor_reader *value);

/* Deferred answers: see the top of this file. */
int syn_board_defer(board_ctx *ctx, const board_request *req);
cbor_writer *syn_board_reply_writer(board_ctx *ctx);
void syn_board_finish(board_ctx *ctx, int ticket);
void syn_board_finish_error(board_ctx *ctx, int ticket, uint8_t code, const char *fmt, ...) SYN_PRINTF(4, 5);
size_t syn_board_pending_count(const board_ctx *ctx);

/* Sends the reply writer's body as an event of `type` (id = the event counter). */
bool syn_board_send_event(board_ctx *ctx, uint16_t type);

/* Encoders of the board's own messages (also used by the tests against proto/vectors). */
bool syn_board_encode_hello(cbor_writer *w, const board_config *cfg, uint32_t session, board_boot_reason reset_cause);
bool syn_board_encode_stats(cbor_writer *w, const board_stats *s);
bool syn_board_encode_boot(cbor_writer *w, board_boot_reason reason, uint32_t session, const char *board_id);

#endif
