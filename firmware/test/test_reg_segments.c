/* The register board (PROTOCOL.md 7.1) through the protocol, on an in-process board with the
 * register engine over the register model: the golden networks as format 2 segments streamed in
 * chunks of every size, their outputs bit for bit the tool's (expected_output.json) and their
 * per-layer cycles (LCNT_MAX differencing) the cycle model's; every refusal of a bad segment with
 * its code and words, each leaving the resident segment's results exactly as they were; unload
 * compaction proven against a fresh load of the remaining segments (same kernel and bias memory,
 * same registers, same fit, same outputs). */
#include <stdio.h>
#include <string.h>

#include "board_rig.h"
#include "cnn_driver.h"
#include "cycles.h"
#include "golden.h"
#include "harness.h"
#include "support.h"
#include "sha256.h"
#include "seg2_golden.h"
#include "zoo_segment.h"

static rig R;
static golden_set G;
static seg2_parts P;
static uint8_t blob[2u << 20];
static uint8_t out_bytes[1u << 20];

/* A golden network's input and expected output, kept (golden_load reuses its pools). */
typedef struct {
    char name[64];
    int8_t input[1u << 17];
    uint32_t in_len;
    int32_t expected[1u << 12];
    uint32_t n_expected;
    uint8_t width;
    uint32_t out_len;
} net;

static net N;   /* of the set in G */

static void keep_net(net *n);

static const char *const SETS[] = { "mnist", "kws20_v3", "cifar100-ressimplenet-synth" };

static uint32_t rng = 0x9E3779B9u;

static uint32_t next_random(void)
{
    return test_xorshift32(&rng);
}

/* Chunk sizes: 1..max bytes at random, so records and words split at every byte. */
static size_t random_piece(size_t at, void *user)
{
    (void)at;
    size_t max = *(const size_t *)user;
    return 1u + next_random() % max;
}

static size_t whole_piece(size_t at, void *user)
{
    (void)at;
    (void)user;
    return SYN_MAX_PAYLOAD;
}

static bool load_set(const char *name)
{
    char why[300];
    if (!golden_load(name, &G, why, sizeof why)) {
        FAIL("golden %s: %s", name, why);
        return false;
    }
    keep_net(&N);
    return true;
}

static size_t encode_after(const fit_segment *resident, size_t n_resident)
{
    char why[300];
    if (!seg2_from_golden(&G, resident, n_resident, &P, why, sizeof why)) {
        FAIL("segment of %s: %s", G.name, why);
        return 0;
    }
    size_t n = seg2_encode(&P, blob, sizeof blob);
    CHECK(n > 0);
    return n;
}

static void keep_net(net *n)
{
    const accel_layer *last = &G.layers[G.n_layers - 1];
    snprintf(n->name, sizeof n->name, "%s", G.name);
    n->in_len = (uint32_t)G.input_shape.c * G.input_shape.h * G.input_shape.w;
    n->n_expected = G.n_expected;
    n->width = last->output_width;
    n->out_len = (uint32_t)last->output_shape.c * last->output_shape.h * last->output_shape.w * (last->output_width / 8u);
    if (!CHECK(n->in_len <= sizeof n->input && n->n_expected <= sizeof n->expected / sizeof n->expected[0]))
        return;
    memcpy(n->input, G.input, n->in_len);
    memcpy(n->expected, G.expected, n->n_expected * sizeof n->expected[0]);
}

/* Infers `id` on the network's input (slot 0 into slot 1); the output bytes into out_bytes. */
static bool infer_net(const net *n, const char *id)
{
    if (!CHECK(rig_put(&R, 0, (const uint8_t *)n->input, n->in_len)))
        return false;
    static const uint8_t in[1] = { 0 }, out[1] = { 1 };
    if (!rig_infer(&R, id, in, 1, out, 1)) {
        FAIL("infer %s: %s", id, R.message);
        return false;
    }
    return CHECK_EQ(rig_get(&R, 1, out_bytes, sizeof out_bytes), n->out_len);
}

/* The answer's output equals the tool's expected output. */
static void check_net(const net *n)
{
    bool wide = n->width == 32;
    for (uint32_t i = 0; i < n->n_expected; i++) {
        int32_t v;
        if (wide)
            v = (int32_t)((uint32_t)out_bytes[4 * i] | (uint32_t)out_bytes[4 * i + 1] << 8 | (uint32_t)out_bytes[4 * i + 2] << 16
                          | (uint32_t)out_bytes[4 * i + 3] << 24);
        else
            v = (int8_t)out_bytes[i];
        if (v != n->expected[i]) {
            FAIL("%s: output %lu is %ld, the tool's is %ld", n->name, (unsigned long)i, (long)v, (long)n->expected[i]);
            return;
        }
    }
}

static bool infer_set(const char *id)
{
    return infer_net(&N, id);
}

static void check_expected(void)
{
    check_net(&N);
}

/* The infer answer's per-layer cycles (key 0) against the cycle model with these kernel columns. */
static void check_cycles(const uint32_t *kernel_start)
{
    cbor_reader v;
    size_t n;
    if (!CHECK(answer_field(&R, 0, &v)) || !CHECK(syn_cbor_read_array(&v, &n)) || !CHECK_EQ(n, G.n_layers))
        return;
    uint64_t total = 1;
    for (size_t k = 0; k < n; k++) {
        uint64_t got;
        CHECK(syn_cbor_read_uint(&v, &got));
        uint64_t want = syn_accel_layer_cycles(&P.layers[k], G.chip, kernel_start[k]);
        if (got != want)
            FAIL("%s layer %lu: %llu cycles measured, the cycle model gives %llu", G.name, (unsigned long)k,
                 (unsigned long long)got, (unsigned long long)want);
        total += got;
    }
    CHECK_EQ(answer_uint(&R, 1), total);
}

static void golden_streamed(void)
{
    static fit_ctx fc;
    static fit_result fr;
    for (size_t s = 0; s < sizeof SETS / sizeof SETS[0]; s++) {
        rig_boot_engine(&R, "max78000", &syn_accel_engine_register);
        if (!load_set(SETS[s]))
            continue;
        size_t n = encode_after(NULL, 0);
        static const size_t maxes[] = { 7, 97, 1000 };
        for (size_t m = 0; m < sizeof maxes / sizeof maxes[0]; m++) {
            size_t max = maxes[m];
            if (!rig_upload_split(&R, "net", blob, n, random_piece, &max)) {
                FAIL("%s in chunks of 1..%lu: %s", G.name, (unsigned long)max, R.message);
                break;
            }
            if (infer_set("net"))
                check_expected();
            fit_segment self = { P.layers, P.count };
            CHECK(syn_fit_run(&fc, G.chip, &self, 1, &fr));
            uint32_t starts[GOLDEN_MAX_LAYERS];
            for (uint16_t k = 0; k < P.count; k++)
                starts[k] = fr.per_layer[k].kernel_start;
            rig_infer(&R, "net", (const uint8_t[]){ 0 }, 1, (const uint8_t[]){ 1 }, 1);
            check_cycles(starts);
            cbor_writer *w = body();
            syn_cbor_write_map(w, 1);
            syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, "net");
            CHECK(rig_call(&R, SYN_MSG_SEGMENT_UNLOAD, w->buf, w->len));
        }
    }
}

/* ---- refusals -------------------------------------------------------------------------------- */

static uint8_t resident_out[1u << 16];
static uint32_t resident_len;
static golden_set resident_set;
static net resident_net;
static accel_layer resident_layers[GOLDEN_MAX_LAYERS];
static seg2_parts base;

/* A board with mnist resident and its output on the golden input noted; base holds kws20_v3 as
 * placed after it. */
static bool refusal_board(void)
{
    rig_boot_engine(&R, "max78000", &syn_accel_engine_register);
    if (!load_set("mnist"))
        return false;
    size_t n = encode_after(NULL, 0);
    if (!CHECK(rig_upload_split(&R, "mnist", blob, n, whole_piece, NULL)) || !infer_set("mnist"))
        return false;
    check_expected();
    resident_set = G;
    resident_net = N;
    seg2_hardware_layers(&G, resident_layers);
    resident_len = N.out_len;
    memcpy(resident_out, out_bytes, resident_len);
    if (!load_set("kws20_v3"))
        return false;
    fit_segment res = { resident_layers, resident_set.n_layers };
    char why[300];
    if (!seg2_from_golden(&G, &res, 1, &base, why, sizeof why)) {
        FAIL("kws20_v3 after mnist: %s", why);
        return false;
    }
    return true;
}

/* The resident segment gives the same bytes as before, and nothing else is resident. */
static void resident_untouched(const char *after)
{
    if (infer_net(&resident_net, "mnist") && memcmp(out_bytes, resident_out, resident_len) != 0)
        FAIL("after %s: mnist's output changed", after);
    CHECK(rig_call(&R, SYN_MSG_SEGMENT_LIST, (const uint8_t *)"\xa0", 1));
    cbor_reader v;
    size_t n = 99;
    CHECK(answer_field(&R, 0, &v) && syn_cbor_read_array(&v, &n));
    if (n != 1)
        FAIL("after %s: %lu segments resident", after, (unsigned long)n);
}

/* An upload of blob[0..n) in pieces of at most max bytes (whole when max is 0) must be refused
 * with code and a message holding words; false when it committed. */
static bool upload_refused(const char *what, size_t n, size_t max, uint64_t code, const char *words)
{
    bool committed = max != 0 ? rig_upload_split(&R, "kws", blob, n, random_piece, &max)
                              : rig_upload_split(&R, "kws", blob, n, whole_piece, NULL);
    if (committed) {
        FAIL("%s: committed", what);
        return false;
    }
    if (R.code != code || strstr(R.message, words) == NULL)
        FAIL("%s: code %llu \"%s\", expected %llu \"%s\"", what, (unsigned long long)R.code, R.message,
             (unsigned long long)code, words);
    return true;
}

static void expect_refusal(const char *what, uint64_t code, const char *words)
{
    size_t n = seg2_encode(&P, blob, sizeof blob);
    if (!CHECK(n > 0) || !upload_refused(what, n, 61, code, words))
        return;
    CHECK(rig_call(&R, SYN_MSG_SEGMENT_ABORT, (const uint8_t *)"\xa0", 1));
    resident_untouched(what);
}

static reg_write *configure_of(seg2_parts *p, cnn_layer_reg reg, uint16_t slot, unsigned q)
{
    uint32_t addr = syn_cnn_layer_address(syn_chip_find("max78000"), q, reg, slot);
    for (size_t i = 0; i < p->n_configure; i++)
        if (p->configure[i].addr == addr)
            return &p->configure[i];
    return NULL;
}

static void refusals(void)
{
    if (!refusal_board())
        return;
    const syn_chip *chip = syn_chip_find("max78000");

    P = base;
    P.init[P.n_init++] = (reg_write){ 0x50000000u, 0 };
    expect_refusal("an init write outside the whitelist", SYN_ERR_BAD_ARGUMENT, "0x50000000 is no aligned AON or control");

    P = base;
    P.init[P.n_init++] = (reg_write){ syn_cnn_control_address(chip, 0, 1) + 2u, 0x40e };
    expect_refusal("an unaligned init write", SYN_ERR_BAD_ARGUMENT, "is no aligned AON or control");

    P = base;
    P.init[0] = (reg_write){ syn_cnn_control_address(chip, 0, 0), 0x00100009u };
    expect_refusal("init starting the CNN", SYN_ERR_BAD_ARGUMENT, "CTRL of quadrant 0 starts the CNN");

    P = base;
    P.configure[P.n_configure++] = (reg_write){ syn_cnn_data_address(chip, 0, 0), 1 };
    expect_refusal("a configure write to data memory", SYN_ERR_BAD_ARGUMENT, "is not a per-layer register");

    P = base;
    P.configure[P.n_configure++] = (reg_write){ syn_cnn_layer_address(chip, 0, CNN_LR_RCNT, 0) + 1u, 1 };
    expect_refusal("an unaligned configure write", SYN_ERR_BAD_ARGUMENT, "is not 32-bit aligned");

    P = base;
    P.configure[P.n_configure++] = (reg_write){ syn_cnn_layer_address(chip, 0, CNN_LR_RCNT, P.count), 1 };
    expect_refusal("a configure write past the segment's slots", SYN_ERR_BAD_ARGUMENT, "the segment has 9 layers");

    P = base;
    P.start[P.n_start++] = (reg_write){ syn_cnn_layer_address(chip, 0, CNN_LR_EN, 0), 1 };
    expect_refusal("a start write to a layer register", SYN_ERR_BAD_ARGUMENT, "is no aligned quadrant CTRL");

    P = base;
    for (unsigned q = 0; q < 4; q++) {
        reg_write *m = configure_of(&P, CNN_LR_MCNT, 1, q);
        if (m != NULL)
            m->value += 8u << 16 | 8u;   /* one 8-bit plane further: another segment's kernels */
    }
    expect_refusal("MCNT pointing past the fit's columns", SYN_ERR_BAD_ARGUMENT, "slot 1 MCNT: kernels at byte");

    P = base;
    snprintf(P.chip, sizeof P.chip, "max78002");
    expect_refusal("an image for the other chip", SYN_ERR_BAD_ARGUMENT, "the segment is for max78002, this board is a max78000");

    P = base;
    P.layers[1].stride[0] = P.layers[1].stride[1] = 3;
    expect_refusal("a layer the chip cannot run", SYN_ERR_DOES_NOT_FIT, "stride");

    P = base;
    memmove(&P.kernels[2], &P.kernels[1], (P.n_kernels - 1u) * sizeof P.kernels[0]);
    P.n_kernels++;
    P.announce_kernels++;
    expect_refusal("overlapping kernel records", SYN_ERR_BAD_ARGUMENT, "overlaps an earlier record");

    P = base;
    P.kernels[0].addr = syn_cnn_kernel_base(chip, 0);   /* column 0 of processor 0: mnist's */
    expect_refusal("a kernel record in another segment's columns", SYN_ERR_BAD_ARGUMENT, "is not this segment's");

    P = base;
    P.kernels[0].addr += 2u;
    expect_refusal("an unaligned kernel record", SYN_ERR_BAD_ARGUMENT, "is no kernel record address");

    P = base;
    P.kernels[0].addr = syn_cnn_bias_address(chip, 0, 0);
    expect_refusal("a kernel record in bias memory", SYN_ERR_BAD_ARGUMENT, "is no kernel record address");

    P = base;
    P.kernels[0].n = 2;   /* 8 bytes: no whole column */
    expect_refusal("a kernel record of no whole column", SYN_ERR_BAD_ARGUMENT, "are not whole columns");

    P = base;
    P.announce_kernels--;
    expect_refusal("more records than announced", SYN_ERR_BAD_ARGUMENT, "bytes after the last of");

    P = base;
    P.announce_kernels++;
    P.announce_bias = 0;   /* kws20_v3 has no biases: a record short is the last kernel one */
    expect_refusal("fewer records than announced", SYN_ERR_BAD_ARGUMENT, "records arrived");

    P = base;
    memcpy(P.init, base.init, sizeof P.init);
    /* Header too big: a header length past header_max in the prefix. */
    {
        size_t n = seg2_encode(&P, blob, sizeof blob);
        blob[4] = 0x01;
        blob[5] = 0x00;
        blob[6] = 0x01;
        blob[7] = 0x00;   /* 65537 bytes */
        upload_refused("a header too big", n, 100, SYN_ERR_DOES_NOT_FIT, "header of 65537 bytes exceeds header_max 65536");
        resident_untouched("a header too big");
    }

    /* A truncated upload: all announced bytes but the last 10 never come (the commit keeps the
     * upload to resume), then an announced size that ends inside a record. */
    P = base;
    {
        size_t n = seg2_encode(&P, blob, sizeof blob);
        /* the commit of n - 10 of n announced bytes */
        upload_refused("a truncated upload", n - 10u, 500, SYN_ERR_BAD_ARGUMENT, "truncated: kernel record");
        resident_untouched("a truncated upload");
    }

    /* A bias record in another segment's bias bytes (mnist's last layer has a bias; the resident
     * one's sits at the start of quadrant 0, a second copy's after it). */
    if (load_set("mnist")) {
        fit_segment res = { resident_layers, resident_set.n_layers };
        char why[300];
        if (seg2_from_golden(&G, &res, 1, &P, why, sizeof why)) {
            seg2_parts saved = P;
            P.bias[0].addr = syn_cnn_bias_address(chip, 0, 0);
            expect_refusal("a bias record in another segment's bytes", SYN_ERR_BAD_ARGUMENT, "is not this segment's");
            P = saved;
            P.bias[1] = P.bias[0];
            P.bias[1].n = 1;
            P.n_bias = 2;
            P.announce_bias = 2;
            expect_refusal("overlapping bias records", SYN_ERR_BAD_ARGUMENT, "overlaps an earlier record");
        } else {
            FAIL("mnist after mnist: %s", why);
        }
        load_set("kws20_v3");
    }

    /* A format 1 description: refused at its first chunk. */
    {
        char why[200];
        size_t n = zoo_segment("kws20_v3", 0, 9, 7u, blob, sizeof blob, why, sizeof why);
        CHECK(n > 0);
        upload_refused("a format 1 segment", n, 0, SYN_ERR_BAD_ARGUMENT,
                       "format 1 segment: the register engine takes format 2 (SYR2)");
        resident_untouched("a format 1 segment");
    }

    /* A wrong hash: every byte checked and written, nothing resident. */
    {
        P = base;
        size_t n = seg2_encode(&P, blob, sizeof blob);
        uint8_t sha[32] = { 0 };
        cbor_writer *w = body();
        syn_cbor_write_map(w, 3);
        syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, "kws");
        syn_cbor_write_uint(w, 1); syn_cbor_write_uint(w, n);
        syn_cbor_write_uint(w, 2); syn_cbor_write_bytes(w, sha, 32);
        CHECK(rig_call(&R, SYN_MSG_SEGMENT_BEGIN, w->buf, w->len));
        for (size_t at = 0; at < n;) {
            size_t k = n - at < 1000u ? n - at : 1000u;
            w = body();
            syn_cbor_write_map(w, 2);
            syn_cbor_write_uint(w, 0); syn_cbor_write_uint(w, at);
            syn_cbor_write_uint(w, 1); syn_cbor_write_bytes(w, blob + at, k);
            CHECK(rig_call(&R, SYN_MSG_SEGMENT_CHUNK, w->buf, w->len));
            at += k;
        }
        CHECK(!rig_call(&R, SYN_MSG_SEGMENT_COMMIT, (const uint8_t *)"\xa0", 1));
        CHECK_EQ(R.code, SYN_ERR_BAD_HASH);
        resident_untouched("a wrong hash");
    }

    /* After all of that the good segment loads beside the resident one, and both are right. */
    P = base;
    size_t n = seg2_encode(&P, blob, sizeof blob);
    if (CHECK(rig_upload_split(&R, "kws", blob, n, whole_piece, NULL)) && infer_set("kws"))
        check_expected();
    if (infer_net(&resident_net, "mnist") && memcmp(out_bytes, resident_out, resident_len) != 0)
        FAIL("mnist's output changed once kws20_v3 was loaded beside it");
}

/* A layer board refuses a register segment at its first chunk. */
static void layer_board_refuses_format2(void)
{
    rig_boot(&R, "max78000");
    if (!load_set("mnist"))
        return;
    size_t n = encode_after(NULL, 0);
    size_t max = 3;   /* the magic arrives over two chunks */
    CHECK(!rig_upload_split(&R, "mnist", blob, n, random_piece, &max));
    CHECK_EQ(R.code, SYN_ERR_BAD_ARGUMENT);
    if (strstr(R.message, "format 2 segment (SYR2): the layer engine takes format 1") == NULL)
        FAIL("format 2 on a layer board: \"%s\"", R.message);
}

/* ---- compaction ------------------------------------------------------------------------------ */

#define KERNEL_SNAPSHOT (64u * 768u * 3u)

typedef struct {
    uint32_t kernel[KERNEL_SNAPSHOT];
    uint32_t bias[4 * 512];
    uint8_t fit[256];
    size_t fit_len;
    uint8_t out[3][1u << 16];
    uint32_t out_len[3];
} board_snapshot;

static board_snapshot before, after, fresh;
static golden_set sets[3];
static net nets[3];
static accel_layer hw_layers[3][GOLDEN_MAX_LAYERS];
static uint8_t blobs[3][1u << 20];
static size_t blob_len[3];

static void snapshot(board_snapshot *s)
{
    const syn_chip *chip = syn_chip_find("max78000");
    cnn_error ce;
    for (unsigned p = 0; p < 64; p++)
        for (uint32_t c = 0; c < 768; c++)
            for (unsigned i = 0; i < 3; i++)
                CHECK(syn_cnn_read(syn_cnn_kernel_base(chip, p) + 16u * c + 4u * i, &s->kernel[(p * 768u + c) * 3u + i], &ce));
    for (unsigned q = 0; q < 4; q++)
        for (uint32_t i = 0; i < 512; i++)
            CHECK(syn_cnn_read(syn_cnn_bias_address(chip, q, i), &s->bias[q * 512u + i], &ce));
    CHECK(rig_call(&R, SYN_MSG_SEGMENT_LIST, (const uint8_t *)"\xa0", 1));
    cbor_reader v;
    CHECK(answer_field(&R, 1, &v));
    const uint8_t *start = v.p;
    CHECK(syn_cbor_skip(&v));
    s->fit_len = (size_t)(v.p - start);
    memcpy(s->fit, start, s->fit_len);
}

static bool upload_set(unsigned i, const char *id, const fit_segment *resident, size_t n_resident)
{
    char why[300];
    /* golden_load's pools hold the last set loaded: reload this one for its image */
    if (!load_set(sets[i].name))
        return false;
    if (!seg2_from_golden(&G, resident, n_resident, &P, why, sizeof why)) {
        FAIL("%s after %lu: %s", G.name, (unsigned long)n_resident, why);
        return false;
    }
    blob_len[i] = seg2_encode(&P, blobs[i], sizeof blobs[i]);
    size_t max = 333;
    if (!rig_upload_split(&R, id, blobs[i], blob_len[i], random_piece, &max)) {
        FAIL("%s: %s", id, R.message);
        return false;
    }
    return true;
}

static void infer_into(board_snapshot *s, unsigned i, const char *id)
{
    if (!infer_net(&nets[i], id))
        return;
    check_net(&nets[i]);
    s->out_len[i] = nets[i].out_len;
    memcpy(s->out[i], out_bytes, s->out_len[i]);
}

static void same_memory(const board_snapshot *a, const board_snapshot *b, const char *what)
{
    for (size_t i = 0; i < KERNEL_SNAPSHOT; i++)
        if (a->kernel[i] != b->kernel[i]) {
            FAIL("%s: kernel memory differs at processor %lu column %lu", what, (unsigned long)(i / 3u / 768u),
                 (unsigned long)(i / 3u % 768u));
            break;
        }
    for (size_t i = 0; i < 4 * 512; i++)
        if (a->bias[i] != b->bias[i]) {
            FAIL("%s: bias memory differs at quadrant %lu byte %lu", what, (unsigned long)(i / 512u),
                 (unsigned long)(i % 512u));
            break;
        }
    CHECK_MEM(a->fit, a->fit_len, b->fit, b->fit_len);
}

static bool unload_id(const char *id)
{
    cbor_writer *w = body();
    syn_cbor_write_map(w, 1);
    syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, id);
    return rig_call(&R, SYN_MSG_SEGMENT_UNLOAD, w->buf, w->len);
}

static void compaction(void)
{
    /* mnist, kws20_v3 and mnist again: the three golden networks that fit one MAX78000 together
     * (with cifar100-ressimplenet-synth the kernel memory runs out in every order). A and C have
     * a bias each, so C's moves between quadrants when A's leaves. */
    static const char *const names[3] = { "mnist", "kws20_v3", "mnist" };
    const char *ids[3] = { "A", "B", "C" };
    for (unsigned i = 0; i < 3; i++) {
        if (!load_set(names[i]))
            return;
        nets[i] = N;
        sets[i] = G;
        seg2_hardware_layers(&G, hw_layers[i]);
    }
    fit_segment segs[3];
    for (unsigned i = 0; i < 3; i++)
        segs[i] = (fit_segment){ hw_layers[i], sets[i].n_layers };

    /* Board 1: A, B, C in that order; then A leaves. */
    rig_boot_engine(&R, "max78000", &syn_accel_engine_register);
    for (unsigned i = 0; i < 3; i++)
        if (!upload_set(i, ids[i], segs, i))
            return;
    for (unsigned i = 0; i < 3; i++)
        infer_into(&before, i, ids[i]);
    if (!CHECK(unload_id("A")))
        return;
    snapshot(&after);
    for (unsigned i = 1; i < 3; i++) {
        infer_into(&after, i, ids[i]);
        if (after.out_len[i] != before.out_len[i] || memcmp(after.out[i], before.out[i], before.out_len[i]) != 0)
            FAIL("%s: the output changed when A was unloaded", ids[i]);
    }

    /* Board 2: B and C loaded fresh. */
    rig_boot_engine(&R, "max78000", &syn_accel_engine_register);
    if (!upload_set(1, "B", segs, 0) || !upload_set(2, "C", segs + 1, 1))
        return;
    snapshot(&fresh);
    same_memory(&after, &fresh, "B and C after unloading A against a fresh load");
    for (unsigned i = 1; i < 3; i++)
        infer_into(&fresh, i, ids[i]);

    /* Then B leaves board 2: C moves again, still right; with C gone too, the memories are as
     * after a reset. */
    if (!CHECK(unload_id("B")))
        return;
    infer_into(&after, 2, "C");
    CHECK(unload_id("C"));
    board_snapshot *empty = &before;
    snapshot(empty);
    for (size_t i = 0; i < KERNEL_SNAPSHOT; i++)
        if (empty->kernel[i] != 0) {
            FAIL("nothing resident, yet kernel memory holds a word at processor %lu column %lu",
                 (unsigned long)(i / 3u / 768u), (unsigned long)(i / 3u % 768u));
            break;
        }
    for (size_t i = 0; i < 4 * 512; i++)
        if (empty->bias[i] != 0) {
            FAIL("nothing resident, yet bias memory holds byte %lu", (unsigned long)i);
            break;
        }
}

/* ---- streams meeting other requests ------------------------------------------------------------ */

static bool begin_upload(const char *id, size_t len, uint64_t *next)
{
    cbor_writer *w = body();
    rig_write_begin(w, id, blob, len);
    if (!rig_call(&R, SYN_MSG_SEGMENT_BEGIN, w->buf, w->len))
        return false;
    *next = answer_uint(&R, 0);
    return true;
}

static bool send_chunk(size_t at, size_t n)
{
    cbor_writer *w = body();
    syn_cbor_write_map(w, 2);
    syn_cbor_write_uint(w, 0); syn_cbor_write_uint(w, at);
    syn_cbor_write_uint(w, 1); syn_cbor_write_bytes(w, blob + at, n);
    return rig_call(&R, SYN_MSG_SEGMENT_CHUNK, w->buf, w->len);
}

/* An upload goes on around infers of the resident segment (between chunks that split kernel
 * words), resumes after a repeated begin, and is ended by an unload. */
static void interleaved(void)
{
    if (!refusal_board())
        return;
    P = base;
    size_t n = seg2_encode(&P, blob, sizeof blob);
    uint64_t next;
    if (!CHECK(begin_upload("kws", n, &next)) || !CHECK_EQ(next, 0))
        return;
    size_t at = 0, step = 1;
    while (at < n / 2u) {
        size_t k = 13u + (step++ * 7u) % 50u;
        if (!CHECK(send_chunk(at, k)))
            return;
        at += k;
        if (step % 5u == 0)
            resident_untouched("a part of an upload");
    }
    /* the same begin again: the upload resumes where it stands */
    CHECK(begin_upload("kws", n, &next));
    CHECK_EQ(next, at);
    while (at < n) {
        size_t k = n - at < 777u ? n - at : 777u;
        if (!CHECK(send_chunk(at, k)))
            return;
        at += k;
    }
    CHECK(rig_call(&R, SYN_MSG_SEGMENT_COMMIT, (const uint8_t *)"\xa0", 1));
    if (infer_set("kws"))
        check_expected();
    if (infer_net(&resident_net, "mnist") && memcmp(out_bytes, resident_out, resident_len) != 0)
        FAIL("mnist's output changed around the upload");

    /* An unload ends an upload in progress: the fit it was checked against is gone. */
    cbor_writer *w = body();
    syn_cbor_write_map(w, 1);
    syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, "kws");
    CHECK(rig_call(&R, SYN_MSG_SEGMENT_UNLOAD, w->buf, w->len));
    CHECK(begin_upload("kws", n, &next));
    CHECK(send_chunk(0, 1000));
    w = body();
    syn_cbor_write_map(w, 1);
    syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, "mnist");
    CHECK(rig_call(&R, SYN_MSG_SEGMENT_UNLOAD, w->buf, w->len));
    CHECK(!send_chunk(1000, 100));
    CHECK_EQ(R.code, SYN_ERR_BAD_STATE);
    if (strstr(R.message, "no upload in progress") == NULL)
        FAIL("a chunk after an unload: \"%s\"", R.message);
}

/* profile on a register board: every timed run's per-layer figures are the differenced ones. */
static void profile_register(void)
{
    rig_boot_engine(&R, "max78000", &syn_accel_engine_register);
    if (!load_set("kws20_v3"))
        return;
    size_t n = encode_after(NULL, 0);
    if (!CHECK(rig_upload_split(&R, "kws", blob, n, whole_piece, NULL)) || !CHECK(rig_put(&R, 0, (const uint8_t *)N.input, N.in_len)))
        return;
    cbor_writer *w = body();
    rig_write_profile(w, "kws", 1, 3, 0);
    if (!CHECK(rig_request(&R, SYN_MSG_PROFILE, w->buf, w->len, 100)))
        return;
    static fit_ctx fc;
    static fit_result fr;
    fit_segment self = { P.layers, P.count };
    CHECK(syn_fit_run(&fc, syn_chip_find("max78000"), &self, 1, &fr));
    cbor_reader v;
    size_t layers;
    if (!CHECK(answer_field(&R, 0, &v)) || !CHECK(syn_cbor_read_array(&v, &layers)) || !CHECK_EQ(layers, P.count))
        return;
    for (size_t k = 0; k < layers; k++) {
        size_t pairs;
        uint64_t key, mn, med, mx;
        CHECK(syn_cbor_read_map(&v, &pairs) && pairs == 3);
        CHECK(syn_cbor_read_uint(&v, &key) && syn_cbor_read_uint(&v, &mn));
        CHECK(syn_cbor_read_uint(&v, &key) && syn_cbor_read_uint(&v, &med));
        CHECK(syn_cbor_read_uint(&v, &key) && syn_cbor_read_uint(&v, &mx));
        uint64_t want = syn_accel_layer_cycles(&P.layers[k], syn_chip_find("max78000"), fr.per_layer[k].kernel_start);
        if (mn != want || med != want || mx != want)
            FAIL("profile layer %lu: %llu/%llu/%llu, the cycle model %llu", (unsigned long)k, (unsigned long long)mn,
                 (unsigned long long)med, (unsigned long long)mx, (unsigned long long)want);
    }
    CHECK_EQ(answer_uint(&R, 2), 3);
}

void suite_reg_segments(void)
{
    if (!golden_available())
        return;
    th_run("register board: the golden networks stream in chunks of 1..1000 bytes, infer bit for bit, cycles by "
           "LCNT_MAX differencing equal the cycle model",
           golden_streamed);
    th_run("register board: every bad segment is refused by name and the resident one gives the same bytes", refusals);
    th_run("layer board: a register segment is refused at its first chunk", layer_board_refuses_format2);
    th_run("register board: unloading the first of three compacts to exactly a fresh load of the other two", compaction);
    th_run("register board: an upload goes on around infers, resumes after a repeated begin, ends at an unload", interleaved);
    th_run("register board: profile reports the LCNT_MAX-differenced cycles of every run", profile_register);
}
