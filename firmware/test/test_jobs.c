/* Tensors, inference, profiling and the modelled time (PROTOCOL.md section 9): the timeline on
 * its own (overlap of CPU and CNN across jobs, first come first served, completion times), the
 * tensor arena (compaction keeps contents), and the board: outputs equal the simulator run
 * directly, cycles are the cycle model's, answers leave exactly when the modelled time has
 * passed, output slots refuse every use until then, inputs are checked exactly. */
#include <stdio.h>
#include <string.h>

#include "accel.h"
#include "board_rig.h"
#include "cycles.h"
#include "fit.h"
#include "harness.h"
#include "msg_infer.h"
#include "tensors.h"
#include "timeline.h"
#include "zoo_segment.h"

/* ---- the timeline alone ---------------------------------------------------------------------- */

static void timeline_overlap(void)
{
    timeline t;
    syn_timeline_init(&t, 0);
    const tl_phase job[3] = { { TL_CPU, 100 }, { TL_CNN, 1000 }, { TL_CPU, 50 } };
    int a = syn_timeline_add(&t, 0, job, 3);
    CHECK_EQ(syn_timeline_projected_done(&t, a), 1150);
    syn_timeline_advance(&t, 10);
    int b = syn_timeline_add(&t, 10, job, 3);
    /* b's load runs during a's CNN; b's CNN waits for a's; a's unload is not held up */
    CHECK_EQ(syn_timeline_projected_done(&t, a), 1150);
    CHECK_EQ(syn_timeline_projected_done(&t, b), 2150);
    CHECK_EQ(syn_timeline_next_event(&t), 100);   /* a's load ends */
    syn_timeline_advance(&t, 1149);
    CHECK(!syn_timeline_job(&t, a)->done);
    syn_timeline_advance(&t, 1150);
    const tl_job *ja = syn_timeline_job(&t, a), *jb = syn_timeline_job(&t, b);
    CHECK(ja->done && ja->done_ns == 1150 && ja->waited_ns == 0);
    CHECK_EQ(ja->busy_ns[TL_CPU], 150);
    CHECK_EQ(ja->busy_ns[TL_CNN], 1000);
    CHECK(!jb->done);
    syn_timeline_advance(&t, 5000);
    CHECK(jb->done && jb->done_ns == 2150);
    CHECK_EQ(jb->waited_ns, 90 + 900);   /* load 10 -> 100, CNN 200 -> 1100 */
    syn_timeline_release(&t, a);
    syn_timeline_release(&t, b);
    CHECK_EQ(syn_timeline_next_event(&t), TIMELINE_NEVER);
}

/* A phase that became ready first is served first: a later job's load that arrives while the
 * CPU is free runs, and the earlier job's unload, ready during it, waits. */
static void timeline_first_come(void)
{
    timeline t;
    syn_timeline_init(&t, 0);
    const tl_phase a_job[3] = { { TL_CPU, 100 }, { TL_CNN, 100 }, { TL_CPU, 50 } };
    const tl_phase b_job[1] = { { TL_CPU, 200 } };
    int a = syn_timeline_add(&t, 0, a_job, 3);
    syn_timeline_advance(&t, 150);
    int b = syn_timeline_add(&t, 150, b_job, 1);
    syn_timeline_advance(&t, 10000);
    CHECK_EQ(syn_timeline_job(&t, b)->done_ns, 350);
    CHECK_EQ(syn_timeline_job(&t, a)->done_ns, 400);      /* unload ready at 200, ran 350..400 */
    CHECK_EQ(syn_timeline_job(&t, a)->waited_ns, 150);
    /* a job ready in the future (a sensor frame) starts then, not before */
    syn_timeline_release(&t, a);
    syn_timeline_release(&t, b);
    int c = syn_timeline_add(&t, 20000, b_job, 1);
    CHECK_EQ(syn_timeline_next_event(&t), 20000);
    CHECK_EQ(syn_timeline_projected_done(&t, c), 20200);
    /* every job taken: refused */
    int more[TIMELINE_JOBS];
    for (int i = 0; i < TIMELINE_JOBS - 1; i++)
        more[i] = syn_timeline_add(&t, 0, b_job, 1);
    CHECK(more[TIMELINE_JOBS - 2] >= 0);
    CHECK(syn_timeline_add(&t, 0, b_job, 1) < 0);
}

/* ---- the tensor arena ------------------------------------------------------------------------ */

static void arena_compaction(void)
{
    static uint8_t arena[1000];
    tensor_store ts;
    syn_tensors_init(&ts, arena, sizeof arena);
    syn_fault f;
    /* 4 slots of 200, free the 1st and 3rd: 600 free in three gaps of 200 */
    for (unsigned s = 0; s < 4; s++) {
        CHECK(syn_tensors_resize(&ts, s, 200, &f));
        memset(syn_tensors_data(&ts, s), (int)(s + 1), 200);
        ts.slots[s].filled = 200;
    }
    syn_tensors_clear(&ts, 0);
    syn_tensors_clear(&ts, 2);
    CHECK_EQ(syn_tensors_free_bytes(&ts), 600);
    /* 500 fits no gap: the others slide down, keeping their bytes */
    CHECK(syn_tensors_resize(&ts, 5, 500, &f));
    for (unsigned s = 1; s < 4; s += 2) {
        const uint8_t *d = syn_tensors_data(&ts, s);
        int bad = 0;
        for (int i = 0; i < 200; i++)
            bad += d[i] != s + 1;
        CHECK_EQ(bad, 0);
    }
    CHECK_EQ(syn_tensors_free_bytes(&ts), 100);
    /* too large: both numbers, and the slot is unchanged */
    CHECK(!syn_tensors_resize(&ts, 1, 301, &f));
    CHECK_EQ(f.code, SYN_ERR_DOES_NOT_FIT);
    CHECK_STR(f.message, "slot 1: 301 bytes, 300 free of tensor_mem 1000");
    CHECK_EQ(ts.slots[1].total, 200);
    CHECK(syn_tensors_resize(&ts, 1, 300, &f));
    CHECK_EQ(syn_tensors_free_bytes(&ts), 0);
}

/* ---- the board ------------------------------------------------------------------------------- */

static rig R;
static uint8_t blob[1u << 20];
static size_t blob_len;
static uint8_t input[784];
static uint8_t expected[40];
static uint32_t expected_cycles[8];
static uint64_t expected_total;

/* The simulator run directly on the same segment and input, and the cycle model with the kernel
 * starts the fit rules give it alone: what the board must answer. */
static void reference(const char *chip_name)
{
    const syn_chip *chip = syn_chip_find(chip_name);
    static accel_layer layers[16];
    static accel_params params[16];
    static fit_ctx fc;
    static fit_result fr;
    accel_segment seg;
    char err[SYN_ACCEL_ERR_MAX];
    CHECK(syn_accel_segment_decode(blob, blob_len, layers, params, 16, &seg, err, sizeof err));
    fit_segment fs = { layers, seg.count };
    CHECK(syn_fit_run(&fc, chip, &fs, 1, &fr));
    expected_total = 1;
    for (unsigned k = 0; k < seg.count; k++) {
        expected_cycles[k] = (uint32_t)syn_accel_layer_cycles(&layers[k], chip, fr.per_layer[k].kernel_start);
        expected_total += expected_cycles[k];
    }
    accel_error ae;
    accel_ctx *ctx = syn_accel_open(&syn_accel_engine_layer, chip, &ae);
    uint8_t slot;
    CHECK(ctx != NULL && syn_accel_load(ctx, &seg, &slot, &ae));
    accel_buffer in = { seg.inputs[0], input, sizeof input };
    CHECK(syn_accel_run(ctx, slot, &in, 1, NULL, NULL, &ae));
    accel_buffer out;
    CHECK(syn_accel_output(ctx, seg.outputs[0].source, &out) && out.len == sizeof expected);
    memcpy(expected, out.data, sizeof expected);
}

static void boot_with_mnist(void)
{
    char why[200];
    blob_len = zoo_segment("convnet5_mnist", 0, 5, 3u, blob, sizeof blob, why, sizeof why);
    CHECK(blob_len > 0);
    for (size_t i = 0; i < sizeof input; i++)
        input[i] = (uint8_t)(((i * 13u) ^ (i >> 3)) & 0xFFu);
    reference("max78000");
    rig_boot(&R, "max78000");   /* reopens the accelerator: the reference's segment is gone */
    CHECK(rig_upload(&R, "mnist", blob, blob_len));
    CHECK(rig_put(&R, 0, input, sizeof input));
}

static uint16_t send_infer(const char *seg, const uint8_t *in, size_t n_in, const uint8_t *out, size_t n_out, bool inl)
{
    cbor_writer *w = body();
    rig_write_infer(w, inl ? 4 : 3, seg, in, n_in, out, n_out);
    if (inl) {
        syn_cbor_write_uint(w, 3); syn_cbor_write_bool(w, true);
    }
    return rig_send(&R, SYN_MSG_INFER, w->buf, w->len);
}

/* profile of `seg` on input slot 0: `warmup` runs, then `runs` measured. */
static uint16_t send_profile(const char *seg, uint32_t warmup, uint32_t runs)
{
    cbor_writer *w = body();
    syn_cbor_write_map(w, 4);
    syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, seg);
    syn_cbor_write_uint(w, 1); syn_cbor_write_uint(w, warmup);
    syn_cbor_write_uint(w, 2); syn_cbor_write_uint(w, runs);
    syn_cbor_write_uint(w, 3); syn_cbor_write_array(w, 1); syn_cbor_write_uint(w, 0);
    return rig_send(&R, SYN_MSG_PROFILE, w->buf, w->len);
}

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
    return (a + b - 1u) / b;
}

/* The modelled ns of one mnist infer on a MAX78000: inputs, CNN, outputs. */
static uint64_t load_ns(void) { return 784u * 40u; }
static uint64_t cnn_ns(void) { return ceil_div(expected_total * 1000000000u, 50000000u); }
static uint64_t unload_ns(void) { return 40u * 35u; }

static void infer_equals_simulator(void)
{
    boot_with_mnist();
    uint64_t t0 = R.cap.now;
    rig_clear(&R);
    uint16_t id = send_infer("mnist", (const uint8_t[]){ 0 }, 1, (const uint8_t[]){ 3 }, 1, true);
    CHECK_EQ(rig_frames(&R), 0);   /* deferred: the modelled time has not passed */
    uint64_t done_us = t0 + ceil_div(load_ns() + cnn_ns() + unload_ns(), 1000u);
    rig_at(&R, done_us - 1u);
    CHECK_EQ(rig_frames(&R), 0);
    rig_at(&R, done_us);
    if (!CHECK_EQ(rig_frames(&R), 1) || !rig_answer(&R, 0))
        return;
    CHECK_EQ(R.frame.h.kind, SYN_KIND_RESPONSE);
    CHECK_EQ(R.frame.h.id, id);
    /* the answer, byte for byte, from the reference's numbers */
    board_out_tensor o = { 3, { 10, 1, 1 }, 32, 40 };
    const uint8_t *data[1] = { expected };
    board_infer_result want = { expected_cycles, 5, expected_total, &o, 1, data,
                                (load_ns() + unload_ns()) / 1000u, cnn_ns() / 1000u, 0 };
    static uint8_t buf[1024];
    cbor_writer w;
    syn_cbor_writer_init(&w, buf, sizeof buf);
    syn_board_encode_infer(&w, &want);
    CHECK_MEM(R.frame.body, R.frame.body_len, buf, w.len);
    CHECK_EQ(answer_uint(&R, 4), 32);   /* 784 x 40 + 40 x 35 ns */
    /* and the slot holds the same bytes */
    uint8_t got[40];
    CHECK_EQ(rig_get(&R, 3, got, sizeof got), 40);
    CHECK_MEM(got, 40, expected, 40);
}

static void slots_held_until_done(void)
{
    boot_with_mnist();
    uint64_t t0 = R.cap.now;
    rig_clear(&R);
    send_infer("mnist", (const uint8_t[]){ 0 }, 1, (const uint8_t[]){ 1 }, 1, false);
    CHECK_EQ(rig_frames(&R), 0);
    /* every use of slot 1 is refused, saying when it will be ready */
    CHECK(!rig_call_get(&R, 1, 0, 40));
    CHECK_EQ(R.code, SYN_ERR_BAD_STATE);
    char want[128];
    snprintf(want, sizeof want, "tensor.get slot 1 is busy until its infer ends, in %llu us",
             (unsigned long long)ceil_div(load_ns() + cnn_ns() + unload_ns(), 1000u));
    CHECK_STR(R.message, want);
    CHECK(!rig_put(&R, 1, input, 10));
    CHECK_EQ(R.code, SYN_ERR_BAD_STATE);
    send_infer("mnist", (const uint8_t[]){ 1 }, 1, (const uint8_t[]){ 2 }, 1, false);
    CHECK(rig_answer(&R, rig_frames(&R) - 1) && R.code == SYN_ERR_BAD_STATE && strstr(R.message, "input slot 1") != NULL);
    send_infer("mnist", (const uint8_t[]){ 0 }, 1, (const uint8_t[]){ 1 }, 1, false);
    CHECK(rig_answer(&R, rig_frames(&R) - 1) && R.code == SYN_ERR_BAD_STATE && strstr(R.message, "output slot 1") != NULL);
    cbor_writer *w = body_pair(0, 1);
    CHECK(!rig_call(&R, SYN_MSG_DELIVER, w->buf, w->len));
    CHECK_EQ(R.code, SYN_ERR_BAD_STATE);
    /* other requests are served meanwhile */
    CHECK(rig_call(&R, SYN_MSG_PING, (const uint8_t *)"\xa1\x00\x41\x07", 4));
    CHECK(rig_call(&R, SYN_MSG_STATS, (const uint8_t *)"\xa0", 1));
    CHECK(rig_put(&R, 4, input, sizeof input));
    /* the input slot can be refilled at once: the job read it when it arrived */
    CHECK(rig_put(&R, 0, input, sizeof input));
    rig_clear(&R);
    rig_at(&R, t0 + ceil_div(load_ns() + cnn_ns() + unload_ns(), 1000u));
    CHECK_EQ(rig_frames(&R), 1);
    uint8_t got[40];
    CHECK_EQ(rig_get(&R, 1, got, sizeof got), 40);
    CHECK_MEM(got, 40, expected, 40);
}

/* An infer answered at once with an error of `code` (its message in R). */
static void infer_refused(const char *seg, const uint8_t *in, size_t n_in, const uint8_t *out, size_t n_out, uint64_t code)
{
    rig_clear(&R);
    send_infer(seg, in, n_in, out, n_out, false);
    CHECK(rig_answer(&R, 0) && R.code == code);
}

static void inputs_checked(void)
{
    boot_with_mnist();
    CHECK(rig_put(&R, 5, input, 783));
    send_infer("mnist", (const uint8_t[]){ 5 }, 1, (const uint8_t[]){ 1 }, 1, false);
    CHECK(rig_answer(&R, rig_frames(&R) - 1));
    CHECK_EQ(R.code, SYN_ERR_BAD_ARGUMENT);
    CHECK_STR(R.message, "input 0 (slot 5) holds 783 bytes, expected 1x28x28 (784)");
    /* a slot still filling */
    cbor_writer *w = body();
    rig_write_put(w, 6, 0, 784, input, 100);
    CHECK(rig_call(&R, SYN_MSG_TENSOR_PUT, w->buf, w->len) && answer_uint(&R, 0) == 100);
    infer_refused("mnist", (const uint8_t[]){ 6 }, 1, (const uint8_t[]){ 1 }, 1, SYN_ERR_BAD_ARGUMENT);
    CHECK_STR(R.message, "input 0 (slot 6) holds 100 bytes, expected 1x28x28 (784)");
    /* an empty slot, wrong counts, duplicates, unknown segment, slot out of range */
    infer_refused("mnist", (const uint8_t[]){ 9 }, 1, (const uint8_t[]){ 1 }, 1, SYN_ERR_BAD_ARGUMENT);
    CHECK(strstr(R.message, "holds 0 bytes") != NULL);
    infer_refused("mnist", (const uint8_t[]){ 0, 0 }, 2, (const uint8_t[]){ 1 }, 1, SYN_ERR_BAD_ARGUMENT);
    CHECK_STR(R.message, "infer: segment 'mnist' takes 1 inputs, 2 slots given");
    infer_refused("mnist", (const uint8_t[]){ 0 }, 1, (const uint8_t[]){ 1, 1 }, 2, SYN_ERR_BAD_ARGUMENT);
    infer_refused("nope", (const uint8_t[]){ 0 }, 1, (const uint8_t[]){ 1 }, 1, SYN_ERR_NOT_FOUND);
    CHECK_STR(R.message, "infer: no resident segment 'nope'");
    infer_refused("mnist", (const uint8_t[]){ SYN_TENSOR_SLOTS }, 1, (const uint8_t[]){ 1 }, 1, SYN_ERR_BAD_ARGUMENT);
    char range[32];
    snprintf(range, sizeof range, "slots are 0..%u", SYN_TENSOR_SLOTS - 1u);
    CHECK(strstr(R.message, range) != NULL);
    /* tensor.put: offsets, totals, size */
    w = body();
    rig_write_put(w, 6, 50, 784, input, 10);
    CHECK(!rig_call(&R, SYN_MSG_TENSOR_PUT, w->buf, w->len));
    CHECK_STR(R.message, "tensor.put slot 6: offset 50, the next offset is 100");
    w = body();
    rig_write_put(w, 7, 0, 3000000, input, 10);
    CHECK(!rig_call(&R, SYN_MSG_TENSOR_PUT, w->buf, w->len));
    CHECK_EQ(R.code, SYN_ERR_DOES_NOT_FIT);
    CHECK(strstr(R.message, "slot 7: 3000000 bytes, ") != NULL && strstr(R.message, "of tensor_mem 2097152") != NULL);
    /* nothing ran: no job holds anything */
    for (unsigned s = 0; s < SYN_TENSOR_SLOTS; s++)
        CHECK(R.board.tensors.slots[s].job < 0);
}

/* Two infers sent together: the second's load overlaps the first's CNN; its CNN waits for the
 * first's; each answer leaves at its own completion, with its waiting time. */
static void two_jobs_overlap(void)
{
    boot_with_mnist();
    uint64_t t0 = R.cap.now;
    rig_clear(&R);
    uint16_t a = send_infer("mnist", (const uint8_t[]){ 0 }, 1, (const uint8_t[]){ 1 }, 1, false);
    uint16_t b = send_infer("mnist", (const uint8_t[]){ 0 }, 1, (const uint8_t[]){ 2 }, 1, false);
    uint64_t L = load_ns(), C = cnn_ns(), U = unload_ns();
    CHECK(C > L);
    uint64_t a_done = t0 + ceil_div(L + C + U, 1000u), b_done = t0 + ceil_div(L + 2u * C + U, 1000u);
    rig_at(&R, a_done - 1u);
    CHECK_EQ(rig_frames(&R), 0);
    rig_at(&R, a_done);
    CHECK(rig_frames(&R) == 1 && rig_answer(&R, 0) && R.frame.h.id == a);
    CHECK_EQ(answer_uint(&R, 6), 0);
    rig_at(&R, b_done - 1u);
    CHECK_EQ(rig_frames(&R), 1);
    rig_at(&R, b_done);
    CHECK(rig_frames(&R) == 2 && rig_answer(&R, 1) && R.frame.h.id == b);
    CHECK_EQ(answer_uint(&R, 6), C / 1000u);   /* waited L for the CPU, then C - L for the CNN */
    CHECK_EQ(answer_uint(&R, 5), C / 1000u);
    CHECK_EQ(answer_uint(&R, 4), (L + U) / 1000u);
    /* serial would have been 2 x (L + C + U): the overlap saved L */
    CHECK(b_done < t0 + ceil_div(2u * (L + C + U), 1000u));
}

/* Deferred answers hold the waiting tickets: one infer more is answered busy at once, while a
 * ping and a reset (answered at once) still get through. Infers into every slot but the input's,
 * and a profile (no output slot) for the last ticket. */
_Static_assert(SYN_MAX_WAITING - 1 <= SYN_TENSOR_SLOTS - 1, "one infer per free output slot");
static void credits_hold(void)
{
    boot_with_mnist();
    rig_clear(&R);
    for (uint8_t s = 1; s <= SYN_MAX_WAITING - 1; s++)
        send_infer("mnist", (const uint8_t[]){ 0 }, 1, &s, 1, false);
    send_profile("mnist", 0, 1);
    CHECK_EQ(rig_frames(&R), 0);
    uint8_t last = SYN_MAX_WAITING;
    send_infer("mnist", (const uint8_t[]){ 0 }, 1, &last, 1, false);
    CHECK(rig_frames(&R) == 1 && rig_answer(&R, 0));
    CHECK_EQ(R.code, SYN_ERR_BUSY);
    char want[80];
    snprintf(want, sizeof want, "infer: %u requests wait already, the most a board holds", SYN_MAX_WAITING);
    CHECK_STR(R.message, want);
    CHECK(rig_call(&R, SYN_MSG_PING, (const uint8_t *)"\xa1\x00\x40", 3));
    CHECK(rig_call(&R, SYN_MSG_STATS, (const uint8_t *)"\xa0", 1));
    rig_clear(&R);
    rig_at(&R, R.cap.now + 1000000u);
    CHECK_EQ(rig_frames(&R), SYN_MAX_WAITING);
    CHECK(rig_call(&R, SYN_MSG_PING, (const uint8_t *)"\xa1\x00\x40", 3));
}

static void profile_spreads(void)
{
    boot_with_mnist();
    uint64_t t0 = R.cap.now;
    rig_clear(&R);
    send_profile("mnist", 2, 5);
    CHECK_EQ(rig_frames(&R), 0);
    /* one load, seven CNN runs */
    uint64_t done = t0 + ceil_div(load_ns() + ceil_div(7u * expected_total * 1000000000u, 50000000u), 1000u);
    rig_at(&R, done - 1u);
    CHECK_EQ(rig_frames(&R), 0);
    rig_at(&R, done);
    if (!CHECK(rig_frames(&R) == 1 && rig_answer(&R, 0) && R.frame.h.kind == SYN_KIND_RESPONSE))
        return;
    job_spread layers[5];
    for (int k = 0; k < 5; k++)
        layers[k] = (job_spread){ expected_cycles[k], expected_cycles[k], expected_cycles[k] };
    job_spread64 total = { expected_total, expected_total, expected_total };
    static uint8_t buf[512];
    cbor_writer e;
    syn_cbor_writer_init(&e, buf, sizeof buf);
    syn_board_encode_profile(&e, layers, 5, &total, 5);
    CHECK_MEM(R.frame.body, R.frame.body_len, buf, e.len);
    /* runs 0 and too many are refused */
    cbor_writer *w = body();
    rig_write_profile(w, "mnist", 0, 0, 0);
    CHECK(!rig_call(&R, SYN_MSG_PROFILE, w->buf, w->len) && R.code == SYN_ERR_BAD_ARGUMENT);
    w = body();
    rig_write_profile(w, "mnist", 0, 1001, 0);
    CHECK(!rig_call(&R, SYN_MSG_PROFILE, w->buf, w->len) && R.code == SYN_ERR_BAD_ARGUMENT);
    CHECK_STR(R.message, "profile runs: 1001 is above 1000");
}

/* Inline outputs that cannot fit one frame are refused before anything runs. */
static void inline_too_large(void)
{
    char why[200];
    blob_len = zoo_segment("convnet5_mnist", 0, 1, 3u, blob, sizeof blob, why, sizeof why);
    rig_boot(&R, "max78000");
    CHECK(rig_upload(&R, "conv1", blob, blob_len));
    CHECK(rig_put(&R, 0, input, sizeof input));
    rig_clear(&R);
    send_infer("conv1", (const uint8_t[]){ 0 }, 1, (const uint8_t[]){ 1 }, 1, true);
    CHECK(rig_answer(&R, 0) && R.code == SYN_ERR_TOO_LARGE);
    CHECK_STR(R.message, "infer: 47040 output bytes inline pass max_frame 8192");
    /* without inline it runs; the 47,040 bytes come back by tensor.get in chunks */
    rig_clear(&R);
    send_infer("conv1", (const uint8_t[]){ 0 }, 1, (const uint8_t[]){ 1 }, 1, false);
    rig_at(&R, R.cap.now + 1000000u);
    CHECK(rig_frames(&R) == 1 && rig_answer(&R, 0) && R.frame.h.kind == SYN_KIND_RESPONSE);
    static uint8_t out[47040];
    CHECK_EQ(rig_get(&R, 1, out, sizeof out), 47040);
}

/* The zoo's largest crossing tensors double-buffered: UNet layer 1 alone takes a 64x88x88 input
 * and gives a 64x88x88 output (495,616 B each); two frames in flight hold four of them. */
static void unet_double_buffered(void)
{
    char why[200];
    static uint8_t big[495616];
    blob_len = zoo_segment("unet_large_camvid", 1, 1, 5u, blob, sizeof blob, why, sizeof why);
    if (!CHECK(blob_len > 0))
        return;
    rig_boot(&R, "max78000");
    CHECK(rig_upload(&R, "unet:1", blob, blob_len));
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i % 251u);
    CHECK(rig_put(&R, 0, big, sizeof big));
    CHECK(rig_put(&R, 1, big, sizeof big));
    rig_clear(&R);
    send_infer("unet:1", (const uint8_t[]){ 0 }, 1, (const uint8_t[]){ 2 }, 1, false);
    send_infer("unet:1", (const uint8_t[]){ 1 }, 1, (const uint8_t[]){ 3 }, 1, false);
    CHECK_EQ(rig_frames(&R), 0);   /* both accepted and running */
    CHECK_EQ(syn_tensors_free_bytes(&R.board.tensors), 2097152u - 4u * 495616u);
    rig_at(&R, R.cap.now + 10000000u);
    CHECK_EQ(rig_frames(&R), 2);
    CHECK(rig_answer(&R, 0) && R.frame.h.kind == SYN_KIND_RESPONSE);
    CHECK(rig_answer(&R, 1) && R.frame.h.kind == SYN_KIND_RESPONSE);
}

void suite_jobs(void)
{
    th_run("timeline: a second job's load overlaps the first's CNN; completion and waiting times", timeline_overlap);
    th_run("timeline: first come first served per resource; future-ready jobs; a full table refuses", timeline_first_come);
    th_run("tensors: a resize that fits no gap slides the slots down, keeping their bytes; too large names the numbers",
           arena_compaction);
    th_run("infer: outputs and cycles equal the simulator and cycle model run directly; the answer leaves at completion",
           infer_equals_simulator);
    th_run("infer: output slots refuse get, put, input, output and deliver until the job completes; others served",
           slots_held_until_done);
    th_run("infer: inputs checked exactly (input, slot, bytes held, shape expected), counts, duplicates, ids", inputs_checked);
    th_run("infer: two jobs overlap CPU and CNN; each answer at its own completion with its queued time", two_jobs_overlap);
    th_run("infer: waiting answers hold at most max waiting tickets (busy past it); ping and stats still served",
           credits_hold);
    th_run("profile: per-layer and total spreads over the runs; one load and warmup+runs CNN times", profile_spreads);
    th_run("infer: inline outputs too large for a frame are refused before running", inline_too_large);
    th_run("infer: UNet's 64x88x88 tensors double-buffered (two frames in flight) fit tensor_mem", unet_double_buffered);
}
