/* The dispatcher: every invalid vector gets its error, requests get their answers, counters
 * count, deferred answers and busy, reset and boot, and a random-garbage soak. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "harness.h"
#include "json.h"
#include "support.h"

static board_ctx board;
static capture_port cap;
static captured_frame fr;

static void boot(void)
{
    board_config cfg;
    golden_config(&cfg);
    capture_init(&cap, 0xDEADBEEFu);
    syn_board_init(&board, &cfg, &cap.port, BOARD_BOOT_POWER_ON);
    capture_clear(&cap);
}

/* Sends one request frame; returns the wire length. */
static size_t send_request(uint16_t id, uint16_t type, const uint8_t *body, size_t len)
{
    static uint8_t wire[SYN_MAX_WIRE];
    size_t n = syn_frame_build(wire, sizeof wire, SYN_KIND_REQUEST, id, type, body, len);
    CHECK(n > 0);
    syn_board_rx_bytes(&board, wire, n);
    return n;
}

/* Expects exactly one new frame, an error with this code, id and type. */
static bool expect_error(uint8_t code, uint16_t id, uint16_t type, char *msg_out)
{
    char msg[80];
    uint64_t got;
    if (!CHECK_EQ(capture_frame_count(&cap), 1) || !CHECK(capture_frame(&cap, 0, &fr)))
        return false;
    bool ok = CHECK_EQ(fr.h.kind, SYN_KIND_ERROR) & CHECK_EQ(fr.h.id, id) & CHECK_EQ(fr.h.type, type) &
              CHECK(frame_error(&fr, &got, msg, sizeof msg)) & CHECK_EQ(got, code);
    if (msg_out != NULL)
        strcpy(msg_out, msg);
    return ok;
}

static uint8_t code_by_name(const char *name)
{
    for (uint8_t c = 1; c <= 15; c++) {
        if (strcmp(syn_err_name(c), name) == 0)
            return c;
    }
    return 0;
}

static void invalid_vector(void *arg)
{
    const char *path = arg;
    const char *text = read_text_file(path);
    char err[128];
    json_node *v = text != NULL ? json_parse(text, err, sizeof err) : NULL;
    if (!CHECK(v != NULL))
        return;
    static uint8_t wire[4096];
    int64_t id, type;
    size_t n = hex_decode(json_str(v, "wire_hex"), wire, sizeof wire);
    uint8_t code = code_by_name(json_str(v, "error"));
    if (!CHECK(n != SIZE_MAX && code != 0 && json_int(v, "id", &id) && json_int(v, "type_code", &type)))
        return;
    boot();
    syn_board_rx_bytes(&board, wire, n);
    char msg[80];
    if (expect_error(code, (uint16_t)id, (uint16_t)type, msg)) {
        CHECK(strlen(msg) > 10);   /* a message in words, not just a code */
        /* the reason both sides give in the same words (segment ids) */
        const char *reason = json_str(v, "reason");
        size_t n = reason != NULL ? strlen(reason) : 0, m = strlen(msg);
        if (reason != NULL && !CHECK(m >= n && strcmp(msg + m - n, reason) == 0))
            printf("  message '%s' does not end with '%s'\n", msg, reason);
    }
    /* and the board goes on: a ping right after is answered */
    capture_clear(&cap);
    const uint8_t ping[3] = { 0xA1, 0x00, 0x40 };
    send_request(77, SYN_MSG_PING, ping, sizeof ping);
    CHECK(capture_frame(&cap, 0, &fr) && fr.h.kind == SYN_KIND_RESPONSE && fr.h.id == 77);
}

static char invalid_paths[MAX_VECTOR_FILES][512];
static size_t invalid_count;

static void test_invalid_found(void)
{
    /* The invalid vectors are the contract: their absence is a failure, not a skip. */
    if (!CHECK(invalid_count >= 8))
        printf("  no invalid vectors under %s/invalid (run from the repo root)\n", vectors_dir);
}

static void suite_invalid_vectors(void)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/invalid", vectors_dir);
    invalid_count = list_json(dir, invalid_paths, MAX_VECTOR_FILES);
    th_run("board: proto/vectors/invalid holds the invalid vectors", test_invalid_found);
    run_per_file("board: invalid vector %s gets its error", invalid_paths, invalid_count, invalid_vector);
}

/* Reads the value of `key` of the body map as a uint. */
static bool body_uint(const captured_frame *f, uint64_t key, uint64_t *out)
{
    board_request req = { 0, 0, f->body, f->body_len, 0 };
    cbor_reader v;
    return syn_board_field(&req, key, &v) && syn_cbor_read_uint(&v, out);
}

static void test_hello(void)
{
    boot();
    send_request(1, SYN_MSG_HELLO, (const uint8_t *)"\xa0", 1);
    if (!CHECK(capture_frame(&cap, 0, &fr)))
        return;
    CHECK_EQ(fr.h.kind, SYN_KIND_RESPONSE);
    CHECK_EQ(fr.h.id, 1);
    CHECK_EQ(fr.h.type, SYN_MSG_HELLO);
    uint64_t v;
    CHECK(body_uint(&fr, 0, &v) && v == SYN_PROTO_VERSION);
    CHECK(body_uint(&fr, 9, &v) && v == SYN_MAX_FRAME);
    CHECK(body_uint(&fr, 11, &v) && v == SYN_MAX_IN_FLIGHT);
    CHECK(body_uint(&fr, 16, &v) && v == 0xDEADBEEFu);
    /* the messages list is the handler table, ascending */
    board_request req = { 0, 0, fr.body, fr.body_len, 0 };
    cbor_reader r;
    size_t n;
    CHECK(syn_board_field(&req, 14, &r) && syn_cbor_read_array(&r, &n) && n == syn_board_handler_count);
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK(syn_cbor_read_uint(&r, &v) && v > prev && v == syn_board_handlers[i].type);
        prev = v;
    }
    /* unknown keys in a request are ignored */
    capture_clear(&cap);
    send_request(2, SYN_MSG_HELLO, (const uint8_t *)"\xa1\x18\x63\x61\x78", 5);   /* {99: "x"} */
    CHECK(capture_frame(&cap, 0, &fr) && fr.h.kind == SYN_KIND_RESPONSE);
}

static void ping_body(uint8_t *body, size_t *len, size_t payload)
{
    cbor_writer w;
    syn_cbor_writer_init(&w, body, SYN_MAX_FRAME);
    syn_cbor_write_map(&w, 1);
    syn_cbor_write_uint(&w, 0);
    static uint8_t data[SYN_MAX_FRAME];
    for (size_t i = 0; i < payload; i++)
        data[i] = (uint8_t)(i * 7);
    syn_cbor_write_bytes(&w, data, payload);
    *len = w.len;
}

static void test_ping(void)
{
    static uint8_t body[SYN_MAX_FRAME];
    size_t len;
    boot();
    size_t sizes[] = { 0, 1, 253, 254, 255, 1000, SYN_MAX_PAYLOAD };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        capture_clear(&cap);
        ping_body(body, &len, sizes[i]);
        send_request((uint16_t)(100 + i), SYN_MSG_PING, body, len);
        if (!CHECK(capture_frame(&cap, 0, &fr)))
            continue;
        CHECK_EQ(fr.h.kind, SYN_KIND_RESPONSE);
        CHECK_EQ(fr.h.id, 100 + i);
        CHECK_MEM(fr.body, fr.body_len, body, len);   /* the same payload back */
    }
    /* payload over max_payload: too_large naming the limit */
    capture_clear(&cap);
    ping_body(body, &len, SYN_MAX_PAYLOAD + 1);
    send_request(9, SYN_MSG_PING, body, len);
    char msg[80];
    if (expect_error(SYN_ERR_TOO_LARGE, 9, SYN_MSG_PING, msg))
        CHECK_STR(msg, "ping: byte string of 8065 bytes exceeds max_payload 8064");
    /* missing field, wrong type, not a map, no body: requests 10..13 */
    static const struct {
        const char *bytes;
        size_t len;
    } bad[] = { { "\xa0", 1 }, { "\xa1\x00\x61\x61", 4 }, { "\x80", 1 }, { "", 0 } };
    for (uint16_t k = 0; k < 4; k++) {
        capture_clear(&cap);
        send_request((uint16_t)(10u + k), SYN_MSG_PING, (const uint8_t *)bad[k].bytes, bad[k].len);
        expect_error(SYN_ERR_BAD_BODY, (uint16_t)(10u + k), SYN_MSG_PING, NULL);
    }
}

static void test_frame_size_limit(void)
{
    static uint8_t body[SYN_MAX_FRAME];
    size_t len;
    /* A raw frame of exactly 8192 bytes passes framing (its payload then is over max_payload);
     * one byte more is too_large, echoing the id and type. */
    boot();
    ping_body(body, &len, SYN_MAX_BODY - 5);
    CHECK_EQ(len + SYN_MIN_FRAME, SYN_MAX_FRAME);
    send_request(20, SYN_MSG_PING, body, len);
    expect_error(SYN_ERR_TOO_LARGE, 20, SYN_MSG_PING, NULL);   /* payload 8175 > 8064 */
    CHECK_EQ(board.stats.oversize, 0);

    capture_clear(&cap);
    uint8_t raw_head[8] = { 1, 0, 21, 0, 2, 0, 0, 0 };
    static uint8_t raw[SYN_MAX_FRAME + 1], wire[SYN_MAX_WIRE + 16];
    memcpy(raw, raw_head, 8);
    memset(raw + 8, 0x42, sizeof raw - 8);
    size_t n = syn_cobs_encode(raw, sizeof raw, wire, sizeof wire);
    wire[n++] = 0;
    syn_board_rx_bytes(&board, wire, n);
    char msg[80];
    if (expect_error(SYN_ERR_TOO_LARGE, 21, SYN_MSG_PING, msg))
        CHECK_STR(msg, "frame of more than 8192 bytes exceeds max_frame 8192");
    CHECK_EQ(board.stats.oversize, 1);
}

static void test_bad_kind_and_unknown(void)
{
    boot();
    static uint8_t wire[64];
    size_t n = syn_frame_build(wire, sizeof wire, SYN_KIND_RESPONSE, 5, SYN_MSG_PING, (const uint8_t *)"\xa0", 1);
    syn_board_rx_bytes(&board, wire, n);
    expect_error(SYN_ERR_BAD_KIND, 5, SYN_MSG_PING, NULL);
    capture_clear(&cap);
    send_request(6, 0x0040, (const uint8_t *)"\xa0", 1);
    char msg[80];
    if (expect_error(SYN_ERR_UNKNOWN_TYPE, 6, 0x0040, msg))
        CHECK_STR(msg, "unknown message type 0x0040");
}

static void test_stats_count(void)
{
    boot();
    uint64_t sent = 0, wire_out = 0;
    /* the boot event was frame 1 */
    wire_out = board.stats.bytes_out;
    CHECK_EQ(board.stats.frames_out, 1);
    sent += send_request(1, SYN_MSG_PING, (const uint8_t *)"\xa1\x00\x40", 3);   /* good */
    const uint8_t empties[4] = { 0, 0, 0, 0 };
    syn_board_rx_bytes(&board, empties, 4);                                           /* dropped */
    sent += 4;
    const uint8_t bad_cobs[4] = { 9, 1, 2, 0 };
    syn_board_rx_bytes(&board, bad_cobs, 4);                                          /* framing */
    sent += 4;
    const uint8_t short_run[3] = { 2, 7, 0 };
    syn_board_rx_bytes(&board, short_run, 3);                                         /* framing */
    sent += 3;
    static uint8_t wire[64];
    size_t n = syn_frame_build(wire, sizeof wire, SYN_KIND_REQUEST, 3, SYN_MSG_PING, (const uint8_t *)"\xa1\x00\x40", 3);
    wire[n - 2] ^= 0x10;                                                          /* crc */
    syn_board_rx_bytes(&board, wire, n);
    sent += n;
    sent += send_request(4, 0x0777, (const uint8_t *)"\xa0", 1);                 /* rejected */
    sent += send_request(5, SYN_MSG_PING, (const uint8_t *)"\xa0", 1);           /* rejected (body) */
    cap.now += 2500000;                                                          /* 2.5 s later */
    for (size_t i = 0; i < capture_frame_count(&cap); i++) {
        CHECK(capture_frame(&cap, i, &fr));
        wire_out += fr.wire_len;
    }
    size_t before = capture_frame_count(&cap);
    sent += send_request(6, SYN_MSG_STATS, (const uint8_t *)"\xa0", 1);
    if (!CHECK(capture_frame(&cap, before, &fr)))
        return;
    uint64_t v;
    CHECK(body_uint(&fr, 0, &v) && v == 4);             /* frames_in: good CRC (ping, 2 refused, stats) */
    CHECK(body_uint(&fr, 1, &v) && v == 1 + before);    /* frames_out: boot + answers so far */
    CHECK(body_uint(&fr, 2, &v) && v == 1);             /* crc_errors */
    CHECK(body_uint(&fr, 3, &v) && v == 2);             /* framing_errors */
    CHECK(body_uint(&fr, 4, &v) && v == 2);             /* rejected */
    CHECK(body_uint(&fr, 5, &v) && v == 2500);          /* uptime_ms */
    CHECK(body_uint(&fr, 6, &v) && v == sent);          /* bytes_in, delimiters included */
    CHECK(body_uint(&fr, 7, &v) && v == wire_out);      /* bytes_out */
    CHECK(body_uint(&fr, 8, &v) && v == 0);             /* oversize */
}

static void test_deferred_and_busy(void)
{
    boot();
    /* Requests held by a handler fill the waiting tickets: the next request that may wait gets
     * busy at once, while requests answered at once (ping, stats, reset) are served. */
    int tickets[SYN_MAX_WAITING];
    for (int i = 0; i < SYN_MAX_WAITING; i++) {
        board_request req = { (uint16_t)(200 + i), 0x0020, NULL, 0, 0 };
        tickets[i] = syn_board_defer(&board, &req);
        CHECK(tickets[i] >= 0);
    }
    CHECK_EQ(syn_board_pending_count(&board), SYN_MAX_WAITING);
    char msg[80];
    send_request(299, SYN_MSG_INFER, (const uint8_t *)"\xa0", 1);
    char want[80];
    snprintf(want, sizeof want, "infer: %u requests wait already, the most a board holds", SYN_MAX_WAITING);
    if (expect_error(SYN_ERR_BUSY, 299, SYN_MSG_INFER, msg))
        CHECK_STR(msg, want);
    capture_clear(&cap);
    send_request(300, SYN_MSG_PING, (const uint8_t *)"\xa1\x00\x40", 3);
    CHECK(capture_frame(&cap, 0, &fr) && fr.h.kind == SYN_KIND_RESPONSE && fr.h.id == 300);
    /* an answer later echoes the held id and type */
    capture_clear(&cap);
    cbor_writer *w = syn_board_reply_writer(&board);
    syn_cbor_write_map(w, 1);
    syn_cbor_write_uint(w, 0);
    syn_cbor_write_uint(w, 1234);
    syn_board_finish(&board, tickets[2]);
    if (CHECK(capture_frame(&cap, 0, &fr))) {
        CHECK_EQ(fr.h.kind, SYN_KIND_RESPONSE);
        CHECK_EQ(fr.h.id, 202);
        CHECK_EQ(fr.h.type, 0x0020);
        CHECK_MEM(fr.body, fr.body_len, (const uint8_t *)"\xa1\x00\x19\x04\xd2", 5);
    }
    capture_clear(&cap);
    syn_board_finish_error(&board, tickets[0], SYN_ERR_DOES_NOT_FIT, "layer %u needs %u bytes", 3u, 9000u);
    expect_error(SYN_ERR_DOES_NOT_FIT, 200, 0x0020, msg);
    CHECK_STR(msg, "layer 3 needs 9000 bytes");
    /* a finished ticket is spent: finishing it again sends nothing */
    capture_clear(&cap);
    syn_board_finish(&board, tickets[2]);
    CHECK_EQ(cap.len, 0);
    /* with credits free again, requests are served */
    send_request(301, SYN_MSG_PING, (const uint8_t *)"\xa1\x00\x40", 3);
    CHECK(capture_frame(&cap, 0, &fr) && fr.h.kind == SYN_KIND_RESPONSE && fr.h.id == 301);
    CHECK_EQ(syn_board_poll(&board, cap.now), BOARD_NEVER);
}

static void test_reset_and_boot(void)
{
    board_config cfg;
    golden_config(&cfg);
    capture_init(&cap, 0x12345678u);
    syn_board_init(&board, &cfg, &cap.port, BOARD_BOOT_POWER_ON);
    if (CHECK(capture_frame(&cap, 0, &fr))) {
        CHECK_EQ(fr.h.kind, SYN_KIND_EVENT);
        CHECK_EQ(fr.h.id, 0);
        CHECK_EQ(fr.h.type, SYN_MSG_BOOT);
    }
    capture_clear(&cap);
    send_request(9, SYN_MSG_RESET, (const uint8_t *)"\xa0", 1);
    CHECK(capture_frame(&cap, 0, &fr) && fr.h.kind == SYN_KIND_RESPONSE && fr.h.id == 9 && fr.body_len == 1);
    CHECK_EQ(cap.resets_requested, 1);
    /* the port reboots the core: new session, counters cleared, boot says software */
    cap.next_random = 0xCAFEF00Du;
    capture_clear(&cap);
    syn_board_init(&board, &board.cfg, &cap.port, BOARD_BOOT_SOFTWARE);
    CHECK_EQ(board.session, 0xCAFEF00Du);
    CHECK_EQ(board.stats.frames_in, 0);
    char diag[256];
    if (CHECK(capture_frame(&cap, 0, &fr)) && CHECK(cbor_diag(fr.body, fr.body_len, diag, sizeof diag)))
        CHECK_STR(diag, "{0: \"software\", 1: 3405705229, 2: \"0.1.0\", 3: \"emu-1\"}");
    CHECK_EQ(fr.h.id, 0);
}

static void test_transmit_refused(void)
{
    /* A port with no room: the board counts what it could not send and goes on. */
    boot();
    cap.refuse_after = 10;
    send_request(1, SYN_MSG_PING, (const uint8_t *)"\xa1\x00\x40", 3);
    CHECK_EQ(board.tx_refused, 1);
    CHECK_EQ(cap.len, 0);
    cap.refuse_after = 0;
    send_request(2, SYN_MSG_PING, (const uint8_t *)"\xa1\x00\x40", 3);
    CHECK(capture_frame(&cap, 0, &fr) && fr.h.id == 2);
}

static void test_config_check(void)
{
    board_config cfg;
    char why[80];
    golden_config(&cfg);
    CHECK(syn_board_config_check(&cfg, why, sizeof why));
    cfg.chip = NULL;
    CHECK(!syn_board_config_check(&cfg, why, sizeof why));
    golden_config(&cfg);
    cfg.board_id[0] = '\0';
    CHECK(!syn_board_config_check(&cfg, why, sizeof why));
    golden_config(&cfg);
    cfg.n_sensors = SYN_MAX_SENSORS + 1;
    CHECK(!syn_board_config_check(&cfg, why, sizeof why));
    golden_config(&cfg);
    cfg.engine = NULL;
    CHECK(!syn_board_config_check(&cfg, why, sizeof why));
    CHECK_STR(why, "no accelerator engine given");
    CHECK(syn_chip_find("max78002") != NULL && syn_chip_find("max78002")->max_layers == 128);
    CHECK(syn_chip_find("max78001") == NULL);
}

static void test_garbage_soak(void)
{
    /* A million random bytes in random pieces, with a valid ping after every few hundred:
     * every ping is answered with its own id, nothing crashes (ASan/UBSan watch). Each ping is
     * preceded by a 0x00 so garbage cannot swallow its start, as a host does after a resync. */
    capture_port *cp = &cap;
    boot();
    uint32_t s = 2024;
    size_t garbage = 0, pings = 0, answered = 0;
    static uint8_t chunk[4096];
    uint16_t next_id = 1;
    while (garbage < 1000000) {
        size_t n = 1 + (s % 600);
        for (size_t i = 0; i < n; i++) {
            test_xorshift32(&s);
            /* bias: some zeros (run ends) and some 0xff (long COBS blocks) */
            uint8_t b = (uint8_t)s;
            chunk[i] = (s >> 8) % 16 == 0 ? 0 : ((s >> 8) % 16 == 1 ? 0xFF : b);
        }
        syn_board_rx_bytes(&board, chunk, n);
        garbage += n;
        capture_clear(cp);
        const uint8_t delim = 0;
        syn_board_rx_bytes(&board, &delim, 1);
        capture_clear(cp);
        uint8_t body[8] = { 0xA1, 0x00, 0x44, 0, 0, 0, 0 };
        memcpy(body + 3, &s, 4);
        send_request(next_id, SYN_MSG_PING, body, 7);
        pings++;
        if (capture_frame(cp, 0, &fr) && fr.h.kind == SYN_KIND_RESPONSE && fr.h.id == next_id &&
            fr.body_len == 7 && memcmp(fr.body, body, 7) == 0)
            answered++;
        next_id = (uint16_t)(next_id == 65535 ? 1 : next_id + 1);
    }
    CHECK_EQ(answered, pings);
    CHECK(pings > 1000);
    CHECK(board.stats.framing_errors + board.stats.crc_errors > 1000);
}

void suite_board(void)
{
    suite_invalid_vectors();
    th_run("board: hello lists the limits and the handler table", test_hello);
    th_run("board: ping echoes payloads up to max_payload, refuses bad bodies", test_ping);
    th_run("board: an 8192-byte frame is taken, 8193 is too_large", test_frame_size_limit);
    th_run("board: bad kind and unknown type are refused", test_bad_kind_and_unknown);
    th_run("board: stats counts frames, errors, bytes and uptime", test_stats_count);
    th_run("board: deferred answers echo id and type; busy past max waiting, requests answered at once still served",
           test_deferred_and_busy);
    th_run("board: reset answers, then boot announces software with a new session", test_reset_and_boot);
    th_run("board: a full transmit queue is counted, not fatal", test_transmit_refused);
    th_run("board: configuration checks and chip lookup", test_config_check);
    th_run("board: a million garbage bytes interleaved with pings", test_garbage_soak);
}
