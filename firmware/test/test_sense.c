/* Sensing and delivery (PROTOCOL.md section 10): frame pacing (frame k at boot + k / R, never
 * early, skipped frames when the host is slow), deterministic emulated data, frames from a
 * port-given file, the slot held while the frame is captured, and the record `outputs` keeps. */
#include <stdio.h>
#include <string.h>

#include "board_rig.h"
#include "crc32.h"
#include "harness.h"
#include "msg_sense.h"
#include "sensors.h"

static rig R;

static void frame_math(void)
{
    /* 1000 Hz: frame k at k ms; 29.97 Hz: k x 1e9 / 29970 us, rounded up */
    CHECK_EQ(syn_sensor_frame_time_us(41, 1000), 41000000);
    CHECK_EQ(syn_sensor_frame_time_us(3, 1000000), 3000);
    CHECK_EQ(syn_sensor_frame_time_us(1, 29970), 33367);   /* 33366.7 */
    int bad = 0;
    static const uint32_t rates[] = { 1, 1000, 29970, 1000000, 44100000, 4000000000u };
    for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
        for (uint64_t e = 0; e < 3000000000ull; e = e * 3u + 7u) {
            uint64_t k = syn_sensor_frame_at_or_after(e, rates[r]);
            bool ok = syn_sensor_frame_time_us(k, rates[r]) >= e && (k == 0 || syn_sensor_frame_time_us(k - 1u, rates[r]) < e);
            if (!ok && bad++ < 3)
                FAIL("rate %u mHz, %llu us: frame %llu", rates[r], (unsigned long long)e, (unsigned long long)k);
        }
    }
    CHECK_EQ(bad, 0);
}

static bool sense(unsigned sensor, unsigned slot)
{
    cbor_writer *w = body_pair(sensor, slot);
    rig_clear(&R);
    rig_send(&R, SYN_MSG_SENSE, w->buf, w->len);
    return rig_frames(&R) == 0;   /* deferred */
}

/* Polls at exactly the expected time (not a microsecond before) and checks the answer. */
static void expect_frame_at(uint64_t at_us, uint64_t frame, uint64_t t_us)
{
    rig_at(&R, at_us - 1u);
    CHECK_EQ(rig_frames(&R), 0);
    rig_at(&R, at_us);
    if (!CHECK_EQ(rig_frames(&R), 1) || !rig_answer(&R, 0))
        return;
    uint8_t want[64];
    cbor_writer w;
    syn_cbor_writer_init(&w, want, sizeof want);
    syn_board_encode_sense(&w, frame, t_us, (const uint32_t[]){ 128, 128, 1 });
    CHECK_MEM(R.frame.body, R.frame.body_len, want, w.len);
}

static void pacing(void)
{
    rig_boot(&R, "max78000");   /* microphone 128x128x1 at 1000 Hz, booted at 1,000,000 us */
    uint64_t boot = R.board.boot_us;
    uint64_t capture_us = (16384u * 20u + 999u) / 1000u;   /* 327.68 -> 328 */
    CHECK(sense(0, 0));
    expect_frame_at(boot + capture_us, 0, 0);
    /* at once again: frame 1 does not exist until 1 ms */
    CHECK(sense(0, 1));
    expect_frame_at(boot + 1000u + capture_us, 1, 1000);
    /* a slow host: at 5.5 ms the next frame is 6 (2..5 were never taken) */
    rig_at(&R, boot + 5500u);
    CHECK(sense(0, 0));
    expect_frame_at(boot + 6000u + capture_us, 6, 6000);
    /* a frame that exists already is taken at once (frame 7 at 7 ms, asked at 7 ms) */
    rig_at(&R, boot + 7000u);
    CHECK(sense(0, 0));
    expect_frame_at(boot + 7000u + capture_us, 7, 7000);
}

static void data_deterministic(void)
{
    static int8_t want[16384], other[16384];
    static uint8_t got[16384];
    rig_boot(&R, "max78000");
    CHECK(sense(0, 2));
    /* held while capturing */
    CHECK(!rig_call_get(&R, 2, 0, 10));
    CHECK_STR(R.message, "tensor.get slot 2 is busy until its sense ends, in 328 us");
    rig_at(&R, R.cap.now + 1000u);
    CHECK_EQ(rig_get(&R, 2, got, sizeof got), 16384);
    syn_sensor_synthesize(want, R.cfg.sensors[0].shape, "emu-1", 0, 0);
    CHECK_MEM(got, sizeof got, (const uint8_t *)want, sizeof want);
    int lo = 127, hi = -128;
    for (size_t i = 0; i < sizeof want; i++) {
        lo = want[i] < lo ? want[i] : lo;
        hi = want[i] > hi ? want[i] : hi;
    }
    CHECK(lo >= -80 && hi <= 77 && hi - lo > 100);   /* a realistic spread, not a constant */
    /* the same board, frame and sensor after a reboot: the same bytes; another board or frame: not */
    rig_boot(&R, "max78000");
    CHECK(sense(0, 2));
    rig_at(&R, R.cap.now + 1000u);
    CHECK_EQ(rig_get(&R, 2, got, sizeof got), 16384);
    CHECK_MEM(got, sizeof got, (const uint8_t *)want, sizeof want);
    syn_sensor_synthesize(other, R.cfg.sensors[0].shape, "emu-2", 0, 0);
    CHECK(memcmp(other, want, sizeof want) != 0);
    syn_sensor_synthesize(other, R.cfg.sensors[0].shape, "emu-1", 0, 1);
    CHECK(memcmp(other, want, sizeof want) != 0);
    syn_sensor_synthesize(other, R.cfg.sensors[0].shape, "emu-1", 1, 0);
    CHECK(memcmp(other, want, sizeof want) != 0);
}

static void data_from_port(void)
{
    static uint8_t frames[2 * 12], got[12];
    for (size_t i = 0; i < sizeof frames; i++)
        frames[i] = (uint8_t)(0xA0 + i);
    rig_boot(&R, "max78000");
    R.cfg.sensors[1] = (board_sensor){ "camera", { 3, 2, 2 }, 10000, frames, sizeof frames };   /* 10 Hz */
    R.cfg.n_sensors = 2;
    syn_board_init(&R.board, &R.cfg, &R.cap.port, BOARD_BOOT_POWER_ON);
    for (unsigned k = 0; k < 3; k++) {
        CHECK(sense(1, 4));
        rig_at(&R, R.board.boot_us + 100000u * k + 1000u);
        CHECK(rig_frames(&R) == 1 && rig_answer(&R, 0) && answer_uint(&R, 0) == k);
        CHECK_EQ(rig_get(&R, 4, got, sizeof got), 12);
        CHECK_MEM(got, 12, frames + (k % 2u) * 12u, 12);
    }
    /* no such sensor, bad slot */
    cbor_writer *w = body_pair(2, 0);
    CHECK(!rig_call(&R, SYN_MSG_SENSE, w->buf, w->len));
    CHECK_EQ(R.code, SYN_ERR_NOT_FOUND);
    CHECK_STR(R.message, "sense: no sensor 2 (this board has 2)");
}

static void deliver_and_outputs(void)
{
    rig_boot(&R, "max78000");
    uint8_t a[100], b[7];
    for (size_t i = 0; i < sizeof a; i++)
        a[i] = (uint8_t)(i * 3u);
    memset(b, 0x5A, sizeof b);
    CHECK(rig_put(&R, 5, a, sizeof a));
    CHECK(rig_put(&R, 6, b, sizeof b));
    output_record rec = { 0, 0, 0 };
    const char *kinds[1] = { "led" };
    uint8_t want[64];
    cbor_writer w;
    for (int round = 0; round < 3; round++) {
        unsigned slot = round == 1 ? 6u : 5u;
        cbor_writer *q = body();
        syn_cbor_write_map(q, 2);
        syn_cbor_write_uint(q, 0); syn_cbor_write_uint(q, 0);
        syn_cbor_write_uint(q, 1); syn_cbor_write_uint(q, slot);
        CHECK(rig_call(&R, SYN_MSG_DELIVER, q->buf, q->len));
        CHECK_EQ(answer_uint(&R, 0), (uint64_t)round + 1u);
        rec.count++;
        rec.last_crc32 = slot == 5 ? syn_crc32(0, a, sizeof a) : syn_crc32(0, b, sizeof b);
        rec.last_bytes = slot == 5 ? sizeof a : sizeof b;
        CHECK(rig_call(&R, SYN_MSG_OUTPUTS, (const uint8_t *)"\xa0", 1));
        syn_cbor_writer_init(&w, want, sizeof want);
        syn_board_encode_outputs(&w, kinds, &rec, 1);
        CHECK_MEM(R.frame.body, R.frame.body_len, want, w.len);
    }
    cbor_writer *q = body_pair(1, 5);
    CHECK(!rig_call(&R, SYN_MSG_DELIVER, q->buf, q->len));
    CHECK_STR(R.message, "deliver: no output 1 (this board has 1)");
    q = body_pair(0, 9);
    CHECK(!rig_call(&R, SYN_MSG_DELIVER, q->buf, q->len));
    CHECK_EQ(R.code, SYN_ERR_BAD_STATE);
    CHECK_STR(R.message, "deliver: slot 9 holds 0 of 0 bytes");
}

/* A slow sensor (0.5 Hz) and more senses than the queue: the first SYN_SENSE_QUEUE wait for their
 * frames, every later one is busy at once; hello, ping, stats and reset are answered at once
 * throughout; the queue takes a sense again when one is answered. */
static void queue_bounded(void)
{
    rig_boot(&R, "max78000");
    R.cfg.sensors[1] = (board_sensor){ "camera", { 3, 2, 2 }, 500, NULL, 0 };   /* a frame every 2 s */
    R.cfg.n_sensors = 2;
    syn_board_init(&R.board, &R.cfg, &R.cap.port, BOARD_BOOT_POWER_ON);
    rig_clear(&R);
    uint64_t boot = R.board.boot_us;
    for (unsigned k = 0; k < SYN_SENSE_QUEUE; k++)
        CHECK(sense(1, k));                                        /* deferred: frames 0..SYN_SENSE_QUEUE-1 */
    for (unsigned k = SYN_SENSE_QUEUE; k < SYN_TENSOR_SLOTS; k++) {
        CHECK(!sense(k % 2u, k));                                  /* either sensor: the queue is the board's */
        CHECK(rig_frames(&R) == 1 && rig_answer(&R, 0));
        CHECK_EQ(R.code, SYN_ERR_BUSY);
        char want[80];
        snprintf(want, sizeof want, "sense: %u senses wait already, the sense queue holds %u", SYN_SENSE_QUEUE, SYN_SENSE_QUEUE);
        CHECK_STR(R.message, want);
    }
    CHECK(R.cap.now == boot);                                      /* all of it at once, no time passed */
    CHECK(rig_call(&R, SYN_MSG_HELLO, (const uint8_t *)"\xa0", 1));
    CHECK(rig_call(&R, SYN_MSG_PING, (const uint8_t *)"\xa1\x00\x40", 3));
    CHECK(rig_call(&R, SYN_MSG_STATS, (const uint8_t *)"\xa0", 1));
    /* frame 0 exists at boot: its sense answers after the capture; the queue takes one more */
    rig_clear(&R);
    rig_at(&R, boot + 1000u);
    CHECK(rig_frames(&R) == 1 && rig_answer(&R, 0) && R.code == 0 && answer_uint(&R, 0) == 0);
    CHECK(sense(1, SYN_SENSE_QUEUE));                              /* frame SYN_SENSE_QUEUE, 2 s each */
    CHECK(!sense(1, SYN_SENSE_QUEUE + 1u) && rig_answer(&R, 0));
    CHECK_EQ(R.code, SYN_ERR_BUSY);
    /* reset is answered at once although a full queue of senses waits; the port then resets the board */
    int resets = R.cap.resets_requested;
    CHECK(rig_call(&R, SYN_MSG_RESET, (const uint8_t *)"\xa0", 1));
    CHECK_EQ(R.cap.resets_requested, resets + 1);
    /* (without the reset) the waiting senses answer in order, one frame every 2 s */
    rig_clear(&R);
    rig_at(&R, boot + 2000000u * SYN_SENSE_QUEUE + 1000u);
    CHECK_EQ(rig_frames(&R), SYN_SENSE_QUEUE);
    for (size_t i = 0; i < rig_frames(&R); i++) {
        CHECK(rig_answer(&R, i));
        CHECK_EQ(R.code, 0);
        CHECK_EQ(answer_uint(&R, 0), i + 1u);
    }
}

void suite_sense(void)
{
    th_run("sense: frame k at boot + k/R rounded up; the first frame at or after a time, at every rate", frame_math);
    th_run("sense: answers when the frame exists plus its capture; never faster than the sensor; slow hosts skip", pacing);
    th_run("sense: emulated data deterministic by board, sensor and frame, within -80..77; slot held while captured",
           data_deterministic);
    th_run("sense: frames from the port's data (a sensor file), the k mod n-th; unknown sensor refused", data_from_port);
    th_run("sense: a bounded queue (SYN_SENSE_QUEUE): more senses on a slow sensor are busy at once; hello, ping, stats, reset answered",
           queue_bounded);
    th_run("deliver/outputs: count, CRC-32 and size of the last delivery per output; refusals named", deliver_and_outputs);
}
