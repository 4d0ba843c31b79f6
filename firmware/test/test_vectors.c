/* The golden frames of proto/vectors: decode each (COBS, header, CRC), print its body in
 * diagnostic notation and compare, re-encode it byte for byte; the frames the board sends are
 * also built by the board's own encoders (and where possible by the running board) from the
 * vector's values. */
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "crc32.h"
#include "harness.h"
#include "json.h"
#include "msg_infer.h"
#include "msg_segment.h"
#include "msg_sense.h"
#include "support.h"

static char paths[MAX_VECTOR_FILES][512];
static size_t count;

static uint8_t wire[32768], raw[SYN_MAX_FRAME + 64], built[SYN_MAX_WIRE], body[SYN_MAX_FRAME];
static size_t wire_len, raw_len;
static board_ctx board;
static capture_port cap;

static int kind_code(const char *k)
{
    static const char *const kinds[] = { "request", "response", "event", "error" };
    for (int i = 0; i < 4; i++) {
        if (k != NULL && strcmp(k, kinds[i]) == 0)
            return i;
    }
    return -1;
}

static int64_t num(const json_node *o, const char *key)
{
    int64_t x = -1;
    CHECK(json_int(o, key, &x));
    return x;
}

static segstore_fit fit_of(const json_node *f)
{
    segstore_fit fit = {
        .layers = (uint32_t)num(f, "layers"), .hardware_layers = (uint32_t)num(f, "hardwareLayers"),
        .max_columns = (uint32_t)num(f, "kernelMaxColumns"), .busiest_processor = (uint32_t)num(f, "busiestProcessor"),
        .kernel_words = (uint32_t)num(f, "kernelWords"), .weight_bytes = (uint32_t)num(f, "weightBytes"),
        .bias_bytes = (uint32_t)num(f, "biasBytes"), .max_input_end = (uint32_t)num(f, "dataMaxInputEnd"),
        .max_output_end = (uint32_t)num(f, "dataMaxOutputEnd"),
    };
    const json_node *q = json_get(f, "biasPerQuadrant");
    for (size_t i = 0; i < 4 && i < json_len(q); i++)
        fit.bias_per_quadrant[i] = (uint32_t)json_at(q, i)->num;
    return fit;
}

/* The messages of PROTOCOL.md sections 8-10 that a board sends; false for another vector. */
static bool board_encoders_v1(const json_node *v, const syn_header *h, cbor_writer *w)
{
    const json_node *m = json_get(v, "message");
    switch (h->type) {
    case SYN_MSG_SEGMENT_BEGIN:
    case SYN_MSG_SEGMENT_CHUNK:
    case SYN_MSG_TENSOR_PUT:
        syn_board_encode_next_offset(w, (uint32_t)num(m, "nextOffset"));
        return true;
    case SYN_MSG_SEGMENT_COMMIT: {
        segstore_fit fit = fit_of(json_get(m, "fit"));
        syn_board_encode_segment_commit(w, json_str(m, "id"), &fit);
        return true;
    }
    case SYN_MSG_SEGMENT_LIST: {
        const json_node *segs = json_get(m, "segments");
        board_segment_info info[8];
        size_t n = json_len(segs) < 8 ? json_len(segs) : 8;
        for (size_t i = 0; i < n; i++) {
            const json_node *e = json_at(segs, i);
            info[i] = (board_segment_info){ json_str(e, "id"), json_str(e, "model"), (uint32_t)num(e, "first"),
                                            (uint32_t)num(e, "count"), (uint32_t)num(e, "weightBytes") };
        }
        segstore_fit fit = fit_of(json_get(m, "fit"));
        syn_board_encode_segment_list(w, info, n, &fit);
        return true;
    }
    case SYN_MSG_INFER: {
        static uint32_t cycles[128];
        static board_out_tensor outs[16];
        static uint8_t inline_bytes[16][SYN_MAX_PAYLOAD];
        static const uint8_t *data[16];
        const json_node *lc = json_get(m, "layerCycles"), *os = json_get(m, "outputs"), *in = json_get(m, "inline");
        for (size_t k = 0; k < json_len(lc) && k < 128; k++)
            cycles[k] = (uint32_t)json_at(lc, k)->num;
        for (size_t k = 0; k < json_len(os) && k < 16; k++) {
            const json_node *o = json_at(os, k), *sh = json_get(o, "shape");
            outs[k] = (board_out_tensor){ (uint8_t)num(o, "slot"),
                                          { (uint16_t)json_at(sh, 0)->num, (uint16_t)json_at(sh, 1)->num,
                                            (uint16_t)json_at(sh, 2)->num },
                                          (uint8_t)num(o, "width"), (uint32_t)num(o, "bytes") };
            if (k < json_len(in)) {
                CHECK_EQ(hex_decode(json_at(in, k)->str, inline_bytes[k], SYN_MAX_PAYLOAD), outs[k].bytes);
                data[k] = inline_bytes[k];
            }
        }
        board_infer_result r = { cycles, json_len(lc), (uint64_t)num(m, "totalCycles"), outs, json_len(os),
                                 json_len(in) > 0 ? data : NULL, (uint64_t)num(m, "cpuUs"), (uint64_t)num(m, "cnnUs"),
                                 (uint64_t)num(m, "queuedUs") };
        syn_board_encode_infer(w, &r);
        return true;
    }
    case SYN_MSG_PROFILE: {
        static job_spread layers[128];
        const json_node *ls = json_get(m, "layers"), *t = json_get(m, "total");
        for (size_t k = 0; k < json_len(ls) && k < 128; k++) {
            const json_node *l = json_at(ls, k);
            layers[k] = (job_spread){ (uint32_t)num(l, "min"), (uint32_t)num(l, "median"), (uint32_t)num(l, "max") };
        }
        job_spread64 total = { (uint64_t)num(t, "min"), (uint64_t)num(t, "median"), (uint64_t)num(t, "max") };
        syn_board_encode_profile(w, layers, json_len(ls), &total, (uint32_t)num(m, "runs"));
        return true;
    }
    case SYN_MSG_SENSE: {
        const json_node *sh = json_get(m, "shape");
        uint32_t shape[3] = { (uint32_t)json_at(sh, 0)->num, (uint32_t)json_at(sh, 1)->num, (uint32_t)json_at(sh, 2)->num };
        syn_board_encode_sense(w, (uint64_t)num(m, "frame"), (uint64_t)num(m, "tUs"), shape);
        return true;
    }
    case SYN_MSG_DELIVER:
        syn_board_encode_deliver(w, (uint32_t)num(m, "count"));
        return true;
    case SYN_MSG_OUTPUTS: {
        const json_node *os = json_get(m, "outputs");
        const char *kinds[8];
        output_record recs[8];
        size_t n = json_len(os) < 8 ? json_len(os) : 8;
        for (size_t i = 0; i < n; i++) {
            const json_node *o = json_at(os, i);
            kinds[i] = json_str(o, "kind");
            recs[i] = (output_record){ (uint32_t)num(o, "count"), (uint32_t)num(o, "lastCrc32"), (uint32_t)num(o, "lastBytes") };
        }
        syn_board_encode_outputs(w, kinds, recs, n);
        return true;
    }
    default:
        return false;
    }
}

/* Builds the frame with the board's encoders from the vector's values, if the board sends this
 * kind of frame; returns false (and fails) for a board-sent vector it does not know. */
/* The reason whose wire name is `name` (syn_board_boot_reason_name); unknown for any other. */
static board_boot_reason boot_reason_named(const char *name)
{
    for (int r = BOARD_BOOT_POWER_ON; r < BOARD_BOOT_UNKNOWN; r++) {
        if (name != NULL && strcmp(name, syn_board_boot_reason_name((board_boot_reason)r)) == 0)
            return (board_boot_reason)r;
    }
    return BOARD_BOOT_UNKNOWN;
}

static void board_encoders(const json_node *v, const syn_header *h)
{
    const char *name = json_str(v, "name");
    const json_node *m = json_get(v, "message");
    cbor_writer w;
    syn_cbor_writer_init(&w, body, sizeof body);
    int64_t x;
    if (h->kind == SYN_KIND_ERROR) {
        CHECK(json_int(m, "code", &x));
        syn_encode_error(&w, (uint8_t)x, json_str(m, "message"));
    } else if (h->type == SYN_MSG_HELLO) {
        board_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.chip = syn_chip_find(json_str(m, "chip"));
        if (!CHECK(cfg.chip != NULL))
            return;
        snprintf(cfg.board_id, sizeof cfg.board_id, "%s", json_str(m, "boardId"));
        const json_node *sensors = json_get(m, "sensors");
        cfg.n_sensors = json_len(sensors);
        for (size_t i = 0; i < cfg.n_sensors && i < SYN_MAX_SENSORS; i++) {
            const json_node *s = json_at(sensors, i);
            snprintf(cfg.sensors[i].kind, sizeof cfg.sensors[i].kind, "%s", json_str(s, "kind"));
            for (size_t k = 0; k < 3; k++)
                cfg.sensors[i].shape[k] = (uint32_t)json_at(json_get(s, "shape"), k)->num;
            CHECK(json_int(s, "rateMhz", &x));
            cfg.sensors[i].rate_mhz = (uint32_t)x;
        }
        const json_node *outputs = json_get(m, "outputs");
        cfg.n_outputs = json_len(outputs);
        for (size_t i = 0; i < cfg.n_outputs && i < SYN_MAX_OUTPUTS; i++)
            snprintf(cfg.outputs[i], sizeof cfg.outputs[i], "%s", json_at(outputs, i)->str);
        CHECK(json_int(m, "linkBaud", &x));
        cfg.link_baud = (uint32_t)x;
        /* the chip facts and limits in the vector are the ones chip.c and proto.h hold */
        CHECK(json_int(m, "cnnClockHz", &x) && (uint64_t)x == cfg.chip->cnn_clock_hz);
        CHECK(json_int(m, "weightMem", &x) && (uint64_t)x == cfg.chip->weight_mem);
        CHECK(json_int(m, "biasMem", &x) && (uint64_t)x == cfg.chip->bias_mem);
        CHECK(json_int(m, "dataMem", &x) && (uint64_t)x == cfg.chip->data_mem);
        CHECK(json_int(m, "maxLayers", &x) && (uint64_t)x == cfg.chip->max_layers);
        CHECK(json_int(m, "maxFrame", &x) && x == SYN_MAX_FRAME);
        CHECK(json_int(m, "maxPayload", &x) && x == SYN_MAX_PAYLOAD);
        CHECK(json_int(m, "maxInFlight", &x) && x == SYN_MAX_IN_FLIGHT);
        CHECK(json_int(m, "session", &x));
        int64_t tensor_mem;
        CHECK(json_int(m, "tensorMem", &tensor_mem));
        cfg.mem.tensor_bytes = (uint32_t)tensor_mem;
        snprintf(cfg.build_id, sizeof cfg.build_id, "%s", json_str(m, "buildId"));
        cfg.engine = strcmp(json_str(m, "engine"), "register") == 0 ? &syn_accel_engine_register : &syn_accel_engine_layer;
        int64_t header_max = 0;
        if (cfg.engine == &syn_accel_engine_register)
            CHECK(json_int(m, "headerMax", &header_max));
        cfg.mem.segments.header_max = (uint32_t)header_max;
        syn_board_encode_hello(&w, &cfg, (uint32_t)x, boot_reason_named(json_str(m, "resetCause")));
    } else if (h->type == SYN_MSG_PING) {
        static uint8_t payload[SYN_MAX_FRAME];
        size_t n = hex_decode(json_str(m, "payload"), payload, sizeof payload);
        if (!CHECK(n != SIZE_MAX))
            return;
        syn_cbor_write_map(&w, 1);
        syn_cbor_write_uint(&w, 0);
        syn_cbor_write_bytes(&w, payload, n);
    } else if (h->type == SYN_MSG_STATS) {
        board_stats s;
        memset(&s, 0, sizeof s);
        if (json_int(m, "stackPeak", &x)) {
            s.has_stack_peak = true;
            s.stack_peak = (uint32_t)x;
        }
        static const char *const keys[9] = { "framesIn", "framesOut", "crcErrors", "framingErrors", "rejected",
                                             "uptimeMs", "bytesIn", "bytesOut", "oversize" };
        uint64_t *fields[9] = { &s.frames_in, &s.frames_out, &s.crc_errors, &s.framing_errors, &s.rejected,
                                &s.uptime_ms, &s.bytes_in, &s.bytes_out, &s.oversize };
        for (size_t i = 0; i < 9; i++) {
            CHECK(json_int(m, keys[i], &x));
            *fields[i] = (uint64_t)x;
        }
        syn_board_encode_stats(&w, &s);
    } else if (h->type == SYN_MSG_RESET) {
        syn_cbor_write_map(&w, 0);
    } else if (h->type == SYN_MSG_BOOT) {
        CHECK(json_int(m, "session", &x));
        syn_board_encode_boot(&w, boot_reason_named(json_str(m, "reason")), (uint32_t)x, json_str(m, "boardId"));
    } else if (!board_encoders_v1(v, h, &w)) {
        FAIL("vector %s: the board sends it but no encoder here builds it", name);
        return;
    }
    CHECK_EQ(w.err, CBOR_OK);
    size_t n = syn_frame_build(built, sizeof built, h->kind, h->id, h->type, body, w.len);
    CHECK_MEM(built, n, wire, wire_len);
}

/* Feeds `req` (a request wire frame) to a board booted with the golden configuration and
 * session, and expects the vector's exact bytes as the answer. */
static void board_answers(uint32_t session, const uint8_t *req, size_t req_len)
{
    board_config cfg;
    golden_config(&cfg);
    capture_init(&cap, session);
    syn_board_init(&board, &cfg, &cap.port, BOARD_BOOT_POWER_ON);
    capture_clear(&cap);
    syn_board_rx_bytes(&board, req, req_len);
    CHECK_MEM(cap.out, cap.len, wire, wire_len);
}

/* Where the running board can produce the vector, it must produce exactly its bytes. */
static void running_board(const json_node *v, const syn_header *h)
{
    const char *name = json_str(v, "name");
    static uint8_t req[SYN_MAX_WIRE];
    size_t n;
    int64_t session = 0;
    const json_node *m = json_get(v, "message");
    if (strcmp(name, "hello-response") == 0 && json_int(m, "session", &session)) {
        n = syn_frame_build(req, sizeof req, SYN_KIND_REQUEST, h->id, h->type, (const uint8_t *)"\xa0", 1);
        board_answers((uint32_t)session, req, n);
    } else if (h->kind == SYN_KIND_RESPONSE && h->type == SYN_MSG_PING) {
        /* the answer body is the request body */
        n = syn_frame_build(req, sizeof req, SYN_KIND_REQUEST, h->id, h->type, raw + SYN_HEADER_SIZE, h->length);
        board_answers(1, req, n);
    } else if (h->kind == SYN_KIND_RESPONSE && h->type == SYN_MSG_RESET) {
        n = syn_frame_build(req, sizeof req, SYN_KIND_REQUEST, h->id, h->type, (const uint8_t *)"\xa0", 1);
        board_answers(1, req, n);
    } else if (h->kind == SYN_KIND_EVENT && h->type == SYN_MSG_BOOT && json_int(m, "session", &session) &&
               strcmp(json_str(m, "boardId"), "emu-1") == 0 && strcmp(json_str(m, "reason"), "power-on") == 0) {
        board_config cfg;
        golden_config(&cfg);
        capture_init(&cap, (uint32_t)session);
        syn_board_init(&board, &cfg, &cap.port, BOARD_BOOT_POWER_ON);
        CHECK_MEM(cap.out, cap.len, wire, wire_len);
    } else if (strcmp(name, "error-unknown-type") == 0) {
        n = syn_frame_build(req, sizeof req, SYN_KIND_REQUEST, h->id, h->type, (const uint8_t *)"\xa0", 1);
        board_answers(1, req, n);
    } else if (strcmp(name, "error-too-large") == 0) {
        static uint8_t big[SYN_MAX_FRAME + 100], big_wire[SYN_MAX_FRAME + 200];
        memset(big, 0x33, sizeof big);
        syn_header rh = { 1, SYN_KIND_REQUEST, h->id, h->type, 0 };
        syn_header_pack(&rh, big);
        n = syn_cobs_encode(big, sizeof big, big_wire, sizeof big_wire);
        big_wire[n++] = 0;
        board_answers(1, big_wire, n);
    }
}

static void one_vector(void *arg)
{
    const char *path = arg;
    const char *text = read_text_file(path);
    char err[128];
    json_node *v = text != NULL ? json_parse(text, err, sizeof err) : NULL;
    if (!CHECK(v != NULL)) {
        printf("  %s: %s\n", path, text == NULL ? "cannot read" : err);
        return;
    }
    const char *wire_hex = json_str(v, "wire_hex"), *raw_hex = json_str(v, "raw_hex");
    const char *diag_want = json_str(v, "body_diag");
    int64_t version, id, type;
    int kind = kind_code(json_str(v, "kind"));
    if (!CHECK(wire_hex && raw_hex && diag_want && kind >= 0 && json_int(v, "version", &version) &&
               json_int(v, "id", &id) && json_int(v, "type_code", &type)))
        return;
    wire_len = hex_decode(wire_hex, wire, sizeof wire);
    raw_len = hex_decode(raw_hex, raw, sizeof raw);
    if (!CHECK(wire_len != SIZE_MAX && raw_len != SIZE_MAX && wire_len > 0 && raw_len >= SYN_MIN_FRAME))
        return;

    /* COBS: the wire is COBS(raw) 0x00, through both the one-shot decoder and the receiver */
    CHECK_EQ(wire[wire_len - 1], 0);
    static uint8_t dec[SYN_MAX_FRAME + 64];
    size_t dec_len;
    CHECK(syn_cobs_decode(wire, wire_len - 1, dec, sizeof dec, &dec_len));
    CHECK_MEM(dec, dec_len, raw, raw_len);
    cobs_rx rx;
    syn_cobs_rx_init(&rx, dec, SYN_MAX_FRAME);
    bool ended;
    cobs_rx_result res;
    CHECK_EQ(syn_cobs_rx_feed(&rx, wire, wire_len, &ended, &res), wire_len);
    CHECK(ended && res == COBS_RX_FRAME);
    CHECK_MEM(rx.buf, rx.len, raw, raw_len);

    /* header fields and CRC */
    syn_header h;
    syn_header_parse(raw, &h);
    CHECK_EQ(h.version, version);
    CHECK_EQ(h.kind, kind);
    CHECK_EQ(h.id, id);
    CHECK_EQ(h.type, type);
    CHECK_EQ(h.length, raw_len - SYN_MIN_FRAME);
    syn_rx_check chk;
    syn_rx_check_run(raw, raw_len, COBS_RX_FRAME, false, &chk);
    CHECK_EQ(chk.stage, SYN_RX_OK);
    uint32_t crc = syn_crc32(0, raw, raw_len - 4);
    CHECK_EQ(raw[raw_len - 4] | raw[raw_len - 3] << 8 | raw[raw_len - 2] << 16 | (uint32_t)raw[raw_len - 1] << 24, crc);

    /* body in canonical diagnostic notation */
    static char diag[65536];
    if (CHECK(cbor_diag(raw + SYN_HEADER_SIZE, h.length, diag, sizeof diag)))
        CHECK_STR(diag, diag_want);

    /* re-encode: the frame from its parts, and COBS of the raw bytes */
    size_t n = syn_frame_build(built, sizeof built, h.kind, h.id, h.type, raw + SYN_HEADER_SIZE, h.length);
    CHECK_MEM(built, n, wire, wire_len);
    n = syn_cobs_encode(raw, raw_len, built, sizeof built);
    CHECK_MEM(built, n, wire, wire_len - 1);

    /* frames the board sends: from the vector's values with the board's encoders */
    if (h.kind != SYN_KIND_REQUEST) {
        board_encoders(v, &h);
        running_board(v, &h);
    }
}

static void test_found(void)
{
    if (!CHECK(count >= 10))
        printf("  no vectors under %s (run from the repo root)\n", vectors_dir);
}

void suite_vectors(void)
{
    count = list_json(vectors_dir, paths, MAX_VECTOR_FILES);
    th_run("vectors: proto/vectors holds the golden frames", test_found);
    run_per_file("vectors: %s decodes, prints and re-encodes byte for byte", paths, count, one_vector);
}
