/* The emulated board as a process (--stdio, real pipes, real bytes) for the messages of
 * PROTOCOL.md sections 8-10: hello's tensor_mem and message list, a zoo segment uploaded and run
 * with the answer's outputs equal to the simulator run here and never sooner than the modelled
 * time (speed is only checked from below), and --sensor-file frames coming back through sense
 * and tensor.get. Every child is reaped (SIGKILL after a deadline). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "accel.h"
#include "board.h"
#include "board_rig.h"
#include "frame.h"
#include "harness.h"
#include "sha256.h"
#include "spawn.h"
#include "support.h"
#include "zoo_segment.h"

extern const char *emulator_path;

#define DEADLINE_MS 10000

typedef struct {
    pid_t pid;
    int in, out, err;
    uint8_t buf[SYN_MAX_WIRE * 2];
    size_t len;
    uint16_t next_id;
    captured_frame frame;
} child;

static child C;

static uint64_t us_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static bool start(const char *const *args)
{
    memset(&C, 0, sizeof C);
    C.pid = spawn_process(emulator_path, "--stdio", args, &C.in, &C.out, &C.err);
    C.next_id = 1;
    return C.pid > 0;
}

/* Closes stdin (the emulator stops when it closes) and reaps; SIGKILL after the deadline. */
static int finish(void)
{
    close(C.in);
    uint64_t end = us_now() + DEADLINE_MS * 1000u;
    int st = -1;
    for (;;) {
        pid_t w = waitpid(C.pid, &st, WNOHANG);
        if (w == C.pid)
            break;
        if (us_now() > end) {
            kill(C.pid, SIGKILL);
            waitpid(C.pid, &st, 0);
            st = -1;
            break;
        }
        usleep(2000);
    }
    close(C.out);
    close(C.err);
    return st == -1 ? -1 : (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static bool send_req(uint16_t type, const uint8_t *b, size_t len, uint16_t *id)
{
    static uint8_t wire[SYN_MAX_WIRE];
    *id = C.next_id++;
    size_t n = syn_frame_build(wire, sizeof wire, SYN_KIND_REQUEST, *id, type, b, len);
    for (size_t at = 0; at < n;) {
        ssize_t w = write(C.in, wire + at, n - at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        at += (size_t)w;
    }
    return true;
}

/* The next frame from the emulator (events and answers alike) into C.frame. */
static bool next_frame(void)
{
    uint64_t end = us_now() + DEADLINE_MS * 1000u;
    for (;;) {
        uint8_t *z = memchr(C.buf, 0, C.len);
        if (z != NULL) {
            size_t run = (size_t)(z - C.buf);
            bool ok = syn_cobs_decode(C.buf, run, C.frame.raw, sizeof C.frame.raw, &C.frame.raw_len)
                      && C.frame.raw_len >= SYN_MIN_FRAME;
            if (ok) {
                syn_header_parse(C.frame.raw, &C.frame.h);
                C.frame.body = C.frame.raw + SYN_HEADER_SIZE;
                C.frame.body_len = C.frame.raw_len - SYN_MIN_FRAME;
            }
            memmove(C.buf, z + 1, C.len - run - 1u);
            C.len -= run + 1u;
            return ok;
        }
        uint64_t now = us_now();
        struct pollfd p = { C.out, POLLIN, 0 };
        if (now >= end || poll(&p, 1, (int)((end - now) / 1000u) + 1) <= 0 || C.len == sizeof C.buf)
            return false;
        ssize_t r = read(C.out, C.buf + C.len, sizeof C.buf - C.len);
        if (r <= 0)
            return false;
        C.len += (size_t)r;
    }
}

/* Sends and waits for the answer with the same id (skipping events). */
static bool call(uint16_t type, const uint8_t *b, size_t len)
{
    uint16_t id;
    if (!send_req(type, b, len, &id))
        return false;
    while (next_frame()) {
        if (C.frame.h.kind != SYN_KIND_EVENT && C.frame.h.id == id)
            return C.frame.h.kind == SYN_KIND_RESPONSE;
    }
    FAIL("no answer to request %u of type 0x%04x", id, type);
    return false;
}

static bool field(uint64_t key, cbor_reader *v)
{
    return body_field(C.frame.body, C.frame.body_len, key, v);
}

static uint64_t field_u(uint64_t key)
{
    cbor_reader v;
    uint64_t x = UINT64_MAX;
    if (field(key, &v))
        syn_cbor_read_uint(&v, &x);
    return x;
}

static uint8_t wbuf[SYN_MAX_BODY];

static cbor_writer *w_new(void)
{
    static cbor_writer w;
    syn_cbor_writer_init(&w, wbuf, sizeof wbuf);
    return &w;
}

static bool upload(const char *id, const uint8_t *blob, size_t len)
{
    cbor_writer *w = w_new();
    rig_write_begin(w, id, blob, len);
    if (!CHECK(call(SYN_MSG_SEGMENT_BEGIN, w->buf, w->len)))
        return false;
    for (size_t at = 0; at < len;) {
        size_t n = len - at < SYN_MAX_PAYLOAD ? len - at : SYN_MAX_PAYLOAD;
        w = w_new();
        syn_cbor_write_map(w, 2);
        syn_cbor_write_uint(w, 0); syn_cbor_write_uint(w, at);
        syn_cbor_write_uint(w, 1); syn_cbor_write_bytes(w, blob + at, n);
        if (!CHECK(call(SYN_MSG_SEGMENT_CHUNK, w->buf, w->len)))
            return false;
        at += n;
    }
    return CHECK(call(SYN_MSG_SEGMENT_COMMIT, (const uint8_t *)"\xa0", 1));
}

static bool put(unsigned slot, const uint8_t *data, uint32_t len)
{
    cbor_writer *w = w_new();
    rig_write_put(w, slot, 0, len, data, len);
    return call(SYN_MSG_TENSOR_PUT, w->buf, w->len);
}

static uint8_t blob[1u << 20];

static void segment_and_infer(void)
{
    if (emulator_path == NULL) {
        FAIL("no emulator path given (make test-c passes it)");
        return;
    }
    char why[200];
    size_t n = zoo_segment("convnet5_mnist", 0, 5, 11u, blob, sizeof blob, why, sizeof why);
    if (!CHECK(n > 0))
        return;
    static uint8_t input[784];
    for (size_t i = 0; i < sizeof input; i++)
        input[i] = (uint8_t)(i * 29u);
    /* the reference: the simulator here, on the same segment and input */
    static accel_layer layers[8];
    static accel_params params[8];
    accel_segment seg;
    char err[SYN_ACCEL_ERR_MAX];
    accel_error ae;
    uint8_t slot;
    accel_buffer in, out;
    accel_ctx *ctx = syn_accel_open(&syn_accel_engine_layer, syn_chip_find("max78000"), &ae);
    CHECK(syn_accel_segment_decode(blob, n, layers, params, 8, &seg, err, sizeof err));
    in = (accel_buffer){ seg.inputs[0], input, sizeof input };
    if (!CHECK(ctx && syn_accel_load(ctx, &seg, &slot, &ae) && syn_accel_run(ctx, slot, &in, 1, NULL, NULL, &ae)
               && syn_accel_output(ctx, seg.outputs[0].source, &out) && out.len == 40))
        return;

    if (!CHECK(start((const char *const[]){ "--id", "emu-jobs", "--engine", "layer", NULL })))
        return;
    CHECK(call(SYN_MSG_HELLO, (const uint8_t *)"\xa0", 1));
    CHECK_EQ(field_u(17), 2097152);
    cbor_reader v;
    size_t count = 0;
    CHECK(field(14, &v) && syn_cbor_read_array(&v, &count) && count == 17);
    if (upload("mnist", blob, n) && CHECK(put(0, input, sizeof input))) {
        cbor_writer *w = w_new();
        syn_cbor_write_map(w, 4);
        syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, "mnist");
        syn_cbor_write_uint(w, 1); syn_cbor_write_array(w, 1); syn_cbor_write_uint(w, 0);
        syn_cbor_write_uint(w, 2); syn_cbor_write_array(w, 1); syn_cbor_write_uint(w, 1);
        syn_cbor_write_uint(w, 3); syn_cbor_write_bool(w, true);
        uint64_t t0 = us_now();
        bool ok = call(SYN_MSG_INFER, w->buf, w->len);
        uint64_t took = us_now() - t0;
        CHECK(ok);
        const uint8_t *data;
        size_t len;
        size_t k;
        CHECK(field(3, &v) && syn_cbor_read_array(&v, &k) && k == 1 && syn_cbor_read_bytes(&v, &data, &len));
        CHECK_MEM(data, len, (const uint8_t *)out.data, 40);
        uint64_t modelled = field_u(4) + field_u(5);   /* cpu_us + cnn_us, each rounded down */
        CHECK(modelled > 100);
        if (took < modelled)
            FAIL("the answer came after %llu us, sooner than the modelled %llu us", (unsigned long long)took,
                 (unsigned long long)modelled);
    }
    CHECK_EQ(finish(), 0);
}

static void sensor_file(void)
{
    char path[] = "/tmp/synergy-sensor-XXXXXX";
    int fd = mkstemp(path);
    if (!CHECK(fd >= 0))
        return;
    uint8_t frames[2 * 8];
    for (size_t i = 0; i < sizeof frames; i++)
        frames[i] = (uint8_t)(0x30 + i);
    CHECK(write(fd, frames, sizeof frames) == (ssize_t)sizeof frames);
    close(fd);
    char arg[64];
    snprintf(arg, sizeof arg, "0:%s", path);
    if (CHECK(start((const char *const[]){ "--sensor", "cam:2x2x2@200", "--sensor-file", arg, NULL }))) {
        for (int round = 0; round < 3; round++) {
            cbor_writer *w = w_new();
            syn_cbor_write_map(w, 2);
            syn_cbor_write_uint(w, 0); syn_cbor_write_uint(w, 0);
            syn_cbor_write_uint(w, 1); syn_cbor_write_uint(w, 3);
            if (!CHECK(call(SYN_MSG_SENSE, w->buf, w->len)))
                break;
            uint64_t frame = field_u(0), t_us = field_u(1);
            CHECK_EQ(t_us, frame * 5000u);   /* 200 Hz */
            w = w_new();
            syn_cbor_write_map(w, 3);
            syn_cbor_write_uint(w, 0); syn_cbor_write_uint(w, 3);
            syn_cbor_write_uint(w, 1); syn_cbor_write_uint(w, 0);
            syn_cbor_write_uint(w, 2); syn_cbor_write_uint(w, 100);
            cbor_reader v;
            const uint8_t *data;
            size_t len;
            CHECK(call(SYN_MSG_TENSOR_GET, w->buf, w->len) && field(0, &v) && syn_cbor_read_bytes(&v, &data, &len));
            CHECK_MEM(data, len, frames + (frame % 2u) * 8u, 8);
        }
        CHECK_EQ(finish(), 0);
    }
    /* a file that is not whole frames: exit 2 with the reason */
    if (CHECK(start((const char *const[]){ "--sensor", "cam:3x2x2@200", "--sensor-file", arg, NULL }))) {
        char text[512];
        ssize_t r = 0;
        struct pollfd p = { C.err, POLLIN, 0 };
        if (poll(&p, 1, DEADLINE_MS) > 0)
            r = read(C.err, text, sizeof text - 1);
        text[r > 0 ? r : 0] = '\0';
        CHECK_EQ(finish(), 2);
        if (strstr(text, "16 bytes is not a whole number of 3x2x2 frames") == NULL)
            FAIL("stderr: %s", text);
    }
    unlink(path);
}

void suite_emu_jobs(void)
{
    th_run("emulator process: hello tensor_mem and messages; upload, put, infer equal to the simulator, not sooner than modelled",
           segment_and_infer);
    th_run("emulator process: --sensor-file frames come back through sense and tensor.get; a bad file exits 2", sensor_file);
}
