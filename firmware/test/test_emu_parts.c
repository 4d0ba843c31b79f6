/* The emulator's parts in-process: option parsing, the wire-rate bucket, the transmit queue. */
#include <stdio.h>
#include <string.h>

#include "emu_link.h"
#include "emu_options.h"
#include "harness.h"

static bool parse(emu_options *o, const char *const *args, char *why, size_t cap)
{
    char *argv[32] = { (char *)"synergy-emu" };
    int argc = 1;
    while (args[argc - 1] != NULL && argc < 31) {
        argv[argc] = (char *)args[argc - 1];
        argc++;
    }
    return syn_emu_parse_options(argc, argv, o, why, cap);
}

static void test_options(void)
{
    emu_options o;
    char why[512];
    const char *none[] = { NULL };
    CHECK(parse(&o, none, why, sizeof why));
    CHECK_STR(o.board.chip->name, "max78000");
    CHECK(strncmp(o.board.board_id, "emu-", 4) == 0);
    CHECK_EQ(o.board.link_baud, 0);
    CHECK(!o.stdio && o.link_name == NULL);

    const char *full[] = { "--chip=max78002", "--id", "desk-3", "--sensor", "microphone:1x16000x1@1",
                           "--sensor", "camera:3x128x128@29.97", "--sensor", "imu:6x1x1@0.125",
                           "--output", "led", "--output=speaker", "--baud", "921600", NULL };
    if (CHECK(parse(&o, full, why, sizeof why))) {
        CHECK_STR(o.board.chip->name, "max78002");
        CHECK_STR(o.board.board_id, "desk-3");
        CHECK_EQ(o.board.n_sensors, 3);
        CHECK_STR(o.board.sensors[0].kind, "microphone");
        CHECK_EQ(o.board.sensors[0].shape[1], 16000);
        CHECK_EQ(o.board.sensors[0].rate_mhz, 1000);
        CHECK_EQ(o.board.sensors[1].rate_mhz, 29970);
        CHECK_EQ(o.board.sensors[2].rate_mhz, 125);
        CHECK_EQ(o.board.n_outputs, 2);
        CHECK_STR(o.board.outputs[1], "speaker");
        CHECK_EQ(o.board.link_baud, 921600);
    }
    static const char *const bad[][3] = {
        { "--sensor", "mic:1x2x3@0.0001", NULL },   /* below a millihertz */
        { "--sensor", "mic:0x2x3@1", NULL },        /* zero channels */
        { "--sensor", "mic:1x2x3@", NULL },
        { "--sensor", "Mic:1x2x3@1", NULL },
        { "--sensor", "mic:1x2x99999999999@1", NULL },
        { "--baud", "-5", NULL },
        { "--baud", "200", NULL },
        { "--id", "has space", NULL },
        { "--id", "0123456789012345678901234567890123456789012345678901234567890123456789", NULL },
        { "--stdio=yes", NULL, NULL },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!CHECK(!parse(&o, bad[i], why, sizeof why)))
            printf("  accepted: %s %s\n", bad[i][0], bad[i][1] ? bad[i][1] : "");
        CHECK(strlen(why) > 10);
    }
    /* the engine: the default (register where it covers the chip, else layer), both by name,
     * refusals naming what this build has */
    CHECK(parse(&o, none, why, sizeof why));
    CHECK(o.board.engine == &syn_accel_engine_register);
    const char *big[] = { "--chip", "max78002", NULL };
    if (CHECK(parse(&o, big, why, sizeof why)))
        CHECK(o.board.engine == &syn_accel_engine_layer);
    const char *reg[] = { "--engine", "register", NULL };
    if (CHECK(parse(&o, reg, why, sizeof why))) {
        CHECK(o.board.engine == &syn_accel_engine_register);
        CHECK(o.board.mem.segments.program != NULL && o.board.mem.segments.header_max == 65536u);
        CHECK(o.board.mem.segments.staging == NULL && o.board.mem.segments.pool == NULL);
    }
    const char *lay[] = { "--engine=layer", NULL };
    if (CHECK(parse(&o, lay, why, sizeof why))) {
        CHECK(o.board.engine == &syn_accel_engine_layer);
        CHECK(o.board.mem.segments.staging != NULL && o.board.mem.segments.program == NULL);
    }
    const char *unknown[] = { "--engine", "gate", NULL };
    CHECK(!parse(&o, unknown, why, sizeof why));
    CHECK_STR(why, "--engine 'gate': unknown engine (this build has: register, layer)");
    const char *uncovered[] = { "--engine", "register", "--chip", "max78002", NULL };
    CHECK(!parse(&o, uncovered, why, sizeof why));
    CHECK_STR(why, "--engine register --chip max78002: register engine: max78002 is not covered (its per-layer "
                   "registers differ)");

    const char *nine[] = { "--output", "a", "--output", "b", "--output", "c", "--output", "d", "--output", "e",
                           "--output", "f", "--output", "g", "--output", "h", "--output", "i", NULL };
    CHECK(!parse(&o, nine, why, sizeof why));
}

static void test_bucket(void)
{
    emu_bucket b;
    /* 921600 baud: 92160 B/s, steps of 92 bytes (1 ms), a bucket of 8 steps */
    syn_emu_bucket_init(&b, 921600, 1000);
    CHECK_EQ(b.rate, 92160);
    CHECK_EQ(b.step, 92);
    CHECK_EQ(b.burst, 736);
    CHECK_EQ(syn_emu_bucket_available(&b, 1000), 0);            /* idle wire: nothing banked */
    CHECK_EQ(syn_emu_bucket_wait_us(&b, 17), 185);               /* 17 bytes take 184.5 us */
    CHECK_EQ(syn_emu_bucket_available(&b, 1000 + 185), 17);
    syn_emu_bucket_take(&b, 17);
    CHECK_EQ(syn_emu_bucket_available(&b, 1000 + 185), 0);
    /* a busy wire earns exactly the rate, up to the bucket */
    CHECK_EQ(syn_emu_bucket_available(&b, 1000 + 185 + 5000), 460);
    CHECK_EQ(syn_emu_bucket_available(&b, 1000 + 185 + 1000000), 736);
    /* bytes arriving at an idle wire start from zero */
    syn_emu_bucket_restart(&b, 2000000);
    CHECK_EQ(syn_emu_bucket_available(&b, 2000000), 0);
    /* slow links still move at least 16 bytes a step */
    syn_emu_bucket_init(&b, 9600, 0);
    CHECK_EQ(b.rate, 960);
    CHECK_EQ(b.step, 16);
    /* unpaced: everything, at once */
    syn_emu_bucket_init(&b, 0, 0);
    CHECK_EQ(syn_emu_bucket_available(&b, 0), SIZE_MAX);
    CHECK_EQ(syn_emu_bucket_wait_us(&b, 100000), 0);
}

static void test_txq(void)
{
    static emu_txq q;
    static uint8_t frame[SYN_MAX_WIRE];
    memset(&q, 0, sizeof q);
    for (size_t i = 0; i < sizeof frame; i++)
        frame[i] = (uint8_t)(i * 13);
    /* fill it with max frames: all or nothing, never partial */
    size_t pushed = 0;
    while (syn_emu_txq_push(&q, frame, sizeof frame))
        pushed++;
    CHECK_EQ(pushed, EMU_TXQ_BYTES / SYN_MAX_WIRE);
    CHECK(pushed >= SYN_MAX_IN_FLIGHT + 2);
    CHECK_EQ(q.len, pushed * sizeof frame);
    /* drain some, push across the wrap, read back in order */
    size_t n;
    const uint8_t *p = syn_emu_txq_peek(&q, &n);
    CHECK_MEM(p, 100, frame, 100);
    syn_emu_txq_drop(&q, sizeof frame + 100);
    CHECK(syn_emu_txq_push(&q, frame, sizeof frame));
    size_t seen = 0;
    bool in_order = true;
    size_t total = q.len;
    while (q.len > 0) {
        p = syn_emu_txq_peek(&q, &n);
        for (size_t i = 0; i < n; i++) {
            size_t pos = (seen + 100 + i) % sizeof frame;
            in_order = in_order && p[i] == frame[pos];
        }
        seen += n;
        syn_emu_txq_drop(&q, n);
    }
    CHECK(in_order);
    CHECK_EQ(seen, total);
    CHECK_EQ(syn_emu_txq_room(&q), EMU_TXQ_BYTES);
}

void suite_emu_parts(void)
{
    th_run("emulator parts: options, defaults and every refusal", test_options);
    th_run("emulator parts: the wire-rate bucket", test_bucket);
    th_run("emulator parts: the transmit queue is all-or-nothing and in order", test_txq);
}
