/* The segment store through the protocol (PROTOCOL.md section 8), on an in-process board with
 * the emulator's memory: uploads of zoo segments, resume, every refusal with its code and a
 * message naming the thing, atomicity (a refused commit leaves the resident set and its
 * inference exactly as they were), abort, reset, unload with compaction. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "board_rig.h"
#include "fit.h"
#include "harness.h"
#include "msg_segment.h"
#include "segment_decode.h"
#include "sha256.h"
#include "zoo_segment.h"

static rig R;
static uint8_t blob_a[2u << 20], blob_b[2u << 20], blob_c[2u << 20];

static size_t zoo(const char *model, unsigned first, unsigned count, uint8_t *out)
{
    char why[256];
    size_t n = zoo_segment(model, first, count, 7u, out, sizeof blob_a, why, sizeof why);
    if (n == 0)
        FAIL("zoo segment %s %u+%u: %s", model, first, count, why);
    return n;
}

/* The fit the board must report for these blobs as one network: syn_fit_run directly. */
static fit_ctx fit_work;
static fit_result fit_out;
static accel_layer dec_layers[4][256];
static accel_params dec_params[4][256];

static bool expected_fit(const char *chip, const uint8_t *const *blobs, const size_t *lens, size_t n, segstore_fit *fit,
                         fit_result **result)
{
    fit_segment segs[4];
    for (size_t i = 0; i < n; i++) {
        accel_segment seg;
        char err[SYN_ACCEL_ERR_MAX];
        if (!syn_accel_segment_decode(blobs[i], lens[i], dec_layers[i], dec_params[i], 256, &seg, err, sizeof err)) {
            FAIL("decode: %s", err);
            return false;
        }
        segs[i] = (fit_segment){ dec_layers[i], seg.count };
    }
    bool ok = syn_fit_run(&fit_work, syn_chip_find(chip), segs, n, &fit_out);
    memset(fit, 0, sizeof *fit);
    fit->layers = fit_out.layers;
    fit->hardware_layers = fit_out.hardware_layers;
    fit->max_columns = fit_out.max_columns;
    fit->busiest_processor = fit_out.busiest_processor;
    fit->kernel_words = fit_out.kernel_words;
    fit->weight_bytes = fit_out.weight_bytes;
    for (int q = 0; q < 4; q++)
        fit->bias_per_quadrant[q] = fit_out.bias_per_quadrant[q];
    fit->bias_bytes = fit_out.bias_bytes;
    fit->max_input_end = fit_out.max_input_end;
    fit->max_output_end = fit_out.max_output_end;
    if (result)
        *result = &fit_out;
    return ok;
}

/* The answer's field `key` is, byte for byte, this fit map. */
static void check_fit_field(uint64_t key, const segstore_fit *fit)
{
    uint8_t want[256];
    cbor_writer w;
    syn_cbor_writer_init(&w, want, sizeof want);
    syn_board_encode_fit(&w, fit);
    cbor_reader v;
    if (!CHECK(answer_field(&R, key, &v)))
        return;
    const uint8_t *start = v.p;
    CHECK(syn_cbor_skip(&v));
    CHECK_MEM(start, (size_t)(v.p - start), want, w.len);
}

static void check_error(uint64_t code, const char *needle)
{
    CHECK_EQ(R.frame.h.kind, SYN_KIND_ERROR);
    CHECK_EQ(R.code, code);
    if (strstr(R.message, needle) == NULL)
        FAIL("error message \"%s\" does not say \"%s\"", R.message, needle);
}

static bool begin(const char *id, uint32_t size, const uint8_t *sha)
{
    cbor_writer *w = body();
    syn_cbor_write_map(w, 3);
    syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, id);
    syn_cbor_write_uint(w, 1); syn_cbor_write_uint(w, size);
    syn_cbor_write_uint(w, 2); syn_cbor_write_bytes(w, sha, 32);
    return rig_call(&R, SYN_MSG_SEGMENT_BEGIN, w->buf, w->len);
}

static bool chunk(uint32_t offset, const uint8_t *data, size_t n)
{
    cbor_writer *w = body();
    syn_cbor_write_map(w, 2);
    syn_cbor_write_uint(w, 0); syn_cbor_write_uint(w, offset);
    syn_cbor_write_uint(w, 1); syn_cbor_write_bytes(w, data, n);
    return rig_call(&R, SYN_MSG_SEGMENT_CHUNK, w->buf, w->len);
}

static bool empty_call(uint16_t type)
{
    return rig_call(&R, type, (const uint8_t *)"\xa0", 1);
}

static bool unload(const char *id)
{
    cbor_writer *w = body();
    syn_cbor_write_map(w, 1);
    syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, id);
    return rig_call(&R, SYN_MSG_SEGMENT_UNLOAD, w->buf, w->len);
}

/* The list's answer body, for comparing before and after. */
static size_t list_bytes(uint8_t *out, size_t cap)
{
    if (!CHECK(empty_call(SYN_MSG_SEGMENT_LIST)) || R.frame.body_len > cap)
        return 0;
    memcpy(out, R.frame.body, R.frame.body_len);
    return R.frame.body_len;
}

/* segment.list answers {0: [], 1: the fit of nothing, all zeros}. */
static void check_empty_list(void)
{
    CHECK(empty_call(SYN_MSG_SEGMENT_LIST));
    uint8_t want[64];
    cbor_writer w;
    syn_cbor_writer_init(&w, want, sizeof want);
    syn_board_encode_segment_list(&w, NULL, 0, &(segstore_fit){ 0 });
    CHECK_MEM(R.frame.body, R.frame.body_len, want, w.len);
}

static void commit_and_list(void)
{
    rig_boot(&R, "max78000");
    size_t n = zoo("convnet5_mnist", 0, 5, blob_a);
    if (!CHECK(rig_upload(&R, "mnist:0-4", blob_a, n)))
        printf("  commit: %s\n", R.message);
    cbor_reader v;
    const char *id;
    size_t id_len;
    CHECK(answer_field(&R, 0, &v) && syn_cbor_read_text(&v, &id, &id_len) && id_len == 9 && memcmp(id, "mnist:0-4", 9) == 0);
    segstore_fit fit;
    const uint8_t *blobs[1] = { blob_a };
    size_t lens[1] = { n };
    CHECK(expected_fit("max78000", blobs, lens, 1, &fit, NULL));
    CHECK_EQ(fit.layers, 5);
    check_fit_field(1, &fit);

    /* list: the segment and the same fit, and the info line as the vector's shape says */
    CHECK(empty_call(SYN_MSG_SEGMENT_LIST));
    board_segment_info info = { "mnist:0-4", "convnet5_mnist", 0, 5, fit.weight_bytes };
    static uint8_t want[512];
    cbor_writer w;
    syn_cbor_writer_init(&w, want, sizeof want);
    syn_board_encode_segment_list(&w, &info, 1, &fit);
    CHECK_MEM(R.frame.body, R.frame.body_len, want, w.len);
    CHECK_EQ(fit.weight_bytes, 71148);   /* the zoo README's figure for ConvNet5 */

    /* the same id again: resident, unload first */
    uint8_t sha[32];
    syn_sha256(blob_a, n, sha);
    CHECK(!begin("mnist:0-4", (uint32_t)n, sha));
    check_error(SYN_ERR_BAD_STATE, "unload it first");
}

static void resume_and_offsets(void)
{
    rig_boot(&R, "max78000");
    size_t n = zoo("kws20_v3", 0, 9, blob_a);
    uint8_t sha[32], other[32];
    syn_sha256(blob_a, n, sha);
    memcpy(other, sha, 32);
    other[0] ^= 1;
    CHECK(begin("kws", (uint32_t)n, sha) && answer_uint(&R, 0) == 0);
    CHECK(chunk(0, blob_a, 8000) && answer_uint(&R, 0) == 8000);
    CHECK(chunk(8000, blob_a + 8000, 5000) && answer_uint(&R, 0) == 13000);
    /* the same id, size and hash: resume where the board stands */
    CHECK(begin("kws", (uint32_t)n, sha) && answer_uint(&R, 0) == 13000);
    /* a chunk at the wrong offset names the next one */
    CHECK(!chunk(8000, blob_a + 8000, 100));
    check_error(SYN_ERR_BAD_STATE, "the next offset is 13000");
    /* commit before every byte: how many are missing, and the upload stays */
    CHECK(!empty_call(SYN_MSG_SEGMENT_COMMIT));
    char missing[64];
    snprintf(missing, sizeof missing, "%zu of %zu bytes missing", n - 13000, n);
    check_error(SYN_ERR_BAD_STATE, missing);
    CHECK(begin("kws", (uint32_t)n, sha) && answer_uint(&R, 0) == 13000);
    /* another hash (or size, or id) starts over */
    CHECK(begin("kws", (uint32_t)n, other) && answer_uint(&R, 0) == 0);
    CHECK(begin("kws", (uint32_t)n, sha) && answer_uint(&R, 0) == 0);
    CHECK(chunk(0, blob_a, 100));
    CHECK(begin("kws-b", (uint32_t)n, sha) && answer_uint(&R, 0) == 0);
    CHECK(begin("kws", (uint32_t)n, sha) && answer_uint(&R, 0) == 0);
    /* then all of it, and it commits */
    for (size_t at = 0; at < n;) {
        size_t k = n - at < 6000 ? n - at : 6000;
        if (!CHECK(chunk((uint32_t)at, blob_a + at, k)))
            break;
        at += k;
    }
    CHECK(!chunk((uint32_t)n, blob_a, 1));
    check_error(SYN_ERR_BAD_ARGUMENT, "pass the announced size");
    CHECK(empty_call(SYN_MSG_SEGMENT_COMMIT));
}

static void refusals(void)
{
    rig_boot(&R, "max78000");
    uint8_t sha[32] = { 0 };
    /* larger than the staging area: both numbers */
    CHECK(!begin("big", 600000, sha));
    check_error(SYN_ERR_DOES_NOT_FIT, "600000 bytes exceeds the staging area of 524288");
    CHECK(!begin("", 10, sha));
    check_error(SYN_ERR_BAD_ARGUMENT, "segment.begin id: empty");
    CHECK(!begin("zero", 0, sha));
    check_error(SYN_ERR_BAD_ARGUMENT, "size 0");
    /* sha256 of the wrong length is a malformed body */
    cbor_writer *w = body();
    syn_cbor_write_map(w, 3);
    syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, "x");
    syn_cbor_write_uint(w, 1); syn_cbor_write_uint(w, 10);
    syn_cbor_write_uint(w, 2); syn_cbor_write_bytes(w, sha, 31);
    CHECK(!rig_call(&R, SYN_MSG_SEGMENT_BEGIN, w->buf, w->len));
    check_error(SYN_ERR_BAD_BODY, "sha256");
    /* no upload in progress */
    CHECK(!chunk(0, sha, 4));
    check_error(SYN_ERR_BAD_STATE, "segment.begin first");
    CHECK(!empty_call(SYN_MSG_SEGMENT_COMMIT));
    check_error(SYN_ERR_BAD_STATE, "segment.begin first");
    CHECK(!unload("nothing"));
    check_error(SYN_ERR_NOT_FOUND, "'nothing'");

    /* a wrong hash: bad_hash, and the staging area is cleared */
    size_t n = zoo("convnet5_mnist", 0, 5, blob_a);
    syn_sha256(blob_a, n, sha);
    sha[31] ^= 0x80;
    CHECK(begin("m", (uint32_t)n, sha));
    for (size_t at = 0; at < n; at += SYN_MAX_PAYLOAD)
        chunk((uint32_t)at, blob_a + at, n - at < SYN_MAX_PAYLOAD ? n - at : SYN_MAX_PAYLOAD);
    CHECK(!empty_call(SYN_MSG_SEGMENT_COMMIT));
    check_error(SYN_ERR_BAD_HASH, "SHA-256");
    CHECK(!empty_call(SYN_MSG_SEGMENT_COMMIT));
    check_error(SYN_ERR_BAD_STATE, "segment.begin first");

    /* a description that is not one: named field, bad_argument */
    static const uint8_t format2[] = { 0xa1, 0x00, 0x02 };   /* {0: 2} */
    CHECK(!rig_upload(&R, "f", format2, sizeof format2));
    check_error(SYN_ERR_BAD_ARGUMENT, "format");
    CHECK(!rig_upload(&R, "half", blob_a, n / 2));
    CHECK_EQ(R.code, SYN_ERR_BAD_ARGUMENT);
}

static void break_pooled_shape(accel_layer *l)
{
    if (l->index == 1)
        l->pooled_shape.h++;
}

static void malformed_layer_named(void)
{
    rig_boot(&R, "max78000");
    zoo_segment_tweak = break_pooled_shape;
    size_t n = zoo("convnet5_mnist", 0, 5, blob_a);
    zoo_segment_tweak = NULL;
    CHECK(!rig_upload(&R, "bad", blob_a, n));
    check_error(SYN_ERR_BAD_ARGUMENT, "layer 1 (conv2).pooled_shape");
    check_empty_list();
}

/* ---- inference on the resident set (the detail of infer is test_jobs.c) -------------------- */

static uint8_t mnist_in[784];

/* Runs mnist:0-4 on slot 0 into slot 1 and returns the answer body (cycles, outputs, times). */
static size_t infer_mnist(uint8_t *answer, size_t cap, uint8_t *out40)
{
    for (size_t i = 0; i < sizeof mnist_in; i++)
        mnist_in[i] = (uint8_t)((i * 7u) % 200u);
    if (!CHECK(rig_put(&R, 0, mnist_in, sizeof mnist_in)))
        return 0;
    cbor_writer *w = body();
    syn_cbor_write_map(w, 3);
    syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, "mnist:0-4");
    syn_cbor_write_uint(w, 1); syn_cbor_write_array(w, 1); syn_cbor_write_uint(w, 0);
    syn_cbor_write_uint(w, 2); syn_cbor_write_array(w, 1); syn_cbor_write_uint(w, 1);
    if (!CHECK(rig_request(&R, SYN_MSG_INFER, w->buf, w->len, 10))) {
        printf("  infer: %s\n", R.message);
        return 0;
    }
    size_t n = R.frame.body_len < cap ? R.frame.body_len : cap;
    memcpy(answer, R.frame.body, n);
    CHECK_EQ(rig_get(&R, 1, out40, 40), 40);
    return n;
}

static void atomic_refused_commits(void)
{
    rig_boot(&R, "max78000");
    size_t nk = zoo("kws20_v3", 0, 9, blob_b);
    CHECK(rig_upload(&R, "kws:0-8", blob_b, nk));
    size_t nm = zoo("convnet5_mnist", 0, 5, blob_a);
    CHECK(rig_upload(&R, "mnist:0-4", blob_a, nm));
    static uint8_t before[1024], after[1024], list0[1024], list1[1024];
    uint8_t out0[40], out1[40];
    size_t nb = infer_mnist(before, sizeof before, out0);
    size_t nl0 = list_bytes(list0, sizeof list0);

    /* a segment that fits alone but not beside the resident ones: kernel memory, the fit's own
     * message (the same as syn_fit_run gives for the union), cut to 64 bytes */
    size_t ne = zoo("efficientnetv2_cifar100_max78000", 21, 8, blob_c);
    const uint8_t *blobs[3] = { blob_b, blob_a, blob_c };
    size_t lens[3] = { nk, nm, ne };
    segstore_fit fit;
    fit_result *res;
    CHECK(expected_fit("max78000", blobs + 2, lens + 2, 1, &fit, NULL));   /* fits alone */
    CHECK(!expected_fit("max78000", blobs, lens, 3, &fit, &res));
    CHECK_EQ(res->limit, FIT_LIMIT_KERNEL_MEMORY);
    char wide[512], want[SYN_ERR_MSG_MAX + 1];
    snprintf(wide, sizeof wide, "kernel_memory: %s", res->message);
    syn_copy_utf8(want, sizeof want, wide);
    CHECK(!rig_upload(&R, "eff:21-28", blob_c, ne));
    CHECK_EQ(R.code, SYN_ERR_DOES_NOT_FIT);
    CHECK_STR(R.message, want);

    /* and the other refusals of a commit */
    uint8_t sha[32] = { 1 };
    CHECK(begin("h", (uint32_t)nm, sha));
    chunk(0, blob_a, SYN_MAX_PAYLOAD);
    CHECK(!empty_call(SYN_MSG_SEGMENT_COMMIT));   /* bytes missing */
    CHECK(!rig_upload(&R, "f", (const uint8_t *)"\xa1\x00\x02", 3));
    zoo_segment_tweak = break_pooled_shape;
    size_t nbad = zoo("convnet5_mnist", 0, 5, blob_c);
    zoo_segment_tweak = NULL;
    CHECK(!rig_upload(&R, "bad", blob_c, nbad));
    CHECK(empty_call(SYN_MSG_SEGMENT_ABORT));

    /* nothing moved: the same list, and the same answer and outputs from the same input */
    size_t nl1 = list_bytes(list1, sizeof list1);
    CHECK_MEM(list1, nl1, list0, nl0);
    size_t na = infer_mnist(after, sizeof after, out1);
    CHECK_MEM(after, na, before, nb);
    CHECK_MEM(out1, 40, out0, 40);
}

static void abort_and_reset(void)
{
    rig_boot(&R, "max78000");
    size_t n = zoo("convnet5_mnist", 0, 5, blob_a);
    uint8_t sha[32];
    syn_sha256(blob_a, n, sha);
    CHECK(begin("m", (uint32_t)n, sha));
    CHECK(chunk(0, blob_a, 1000));
    CHECK(empty_call(SYN_MSG_SEGMENT_ABORT));
    CHECK_EQ(R.frame.body_len, 1);
    CHECK(!chunk(1000, blob_a + 1000, 10));
    check_error(SYN_ERR_BAD_STATE, "segment.begin first");
    CHECK(begin("m", (uint32_t)n, sha) && answer_uint(&R, 0) == 0);
    CHECK(empty_call(SYN_MSG_SEGMENT_ABORT));
    CHECK(empty_call(SYN_MSG_SEGMENT_ABORT));   /* always succeeds */

    /* reset: the resident set and the staging area are gone after the reboot */
    CHECK(rig_upload(&R, "m", blob_a, n));
    CHECK(begin("m2", (uint32_t)n, sha));
    CHECK(chunk(0, blob_a, 1000));
    CHECK(empty_call(SYN_MSG_RESET));
    CHECK_EQ(R.cap.resets_requested, 1);
    syn_board_init(&R.board, &R.cfg, &R.cap.port, BOARD_BOOT_SOFTWARE);   /* what the port does */
    check_empty_list();
    CHECK(begin("m2", (uint32_t)n, sha) && answer_uint(&R, 0) == 0);
}

static void unload_compacts(void)
{
    rig_boot(&R, "max78000");
    size_t nk = zoo("kws20_v3", 0, 9, blob_b), nm = zoo("convnet5_mnist", 0, 5, blob_a);
    CHECK(rig_upload(&R, "kws:0-8", blob_b, nk));
    CHECK(rig_upload(&R, "mnist:0-4", blob_a, nm));
    const uint8_t *both[2] = { blob_b, blob_a };
    size_t lens[2] = { nk, nm };
    segstore_fit fit;
    CHECK(expected_fit("max78000", both, lens, 2, &fit, NULL));
    CHECK(empty_call(SYN_MSG_SEGMENT_LIST));
    check_fit_field(1, &fit);
    static uint8_t before[1024], after[1024];
    uint8_t out0[40], out1[40];
    size_t nb = infer_mnist(before, sizeof before, out0);

    /* unloading the first segment slides the second down: its weights must still be found */
    CHECK(unload("kws:0-8"));
    CHECK(expected_fit("max78000", both + 1, lens + 1, 1, &fit, NULL));
    check_fit_field(0, &fit);
    size_t na = infer_mnist(after, sizeof after, out1);
    CHECK_MEM(out1, 40, out0, 40);
    /* the cycles may differ (kernel starts moved), the outputs not; the layer count is the same */
    CHECK(nb > 0 && na > 0);
    CHECK(!unload("kws:0-8"));
    check_error(SYN_ERR_NOT_FOUND, "no resident segment 'kws:0-8'");

    /* the space is free again: kws loads after mnist now */
    CHECK(rig_upload(&R, "kws:0-8", blob_b, nk));
    const uint8_t *swapped[2] = { blob_a, blob_b };
    size_t lens2[2] = { nm, nk };
    CHECK(expected_fit("max78000", swapped, lens2, 2, &fit, NULL));
    check_fit_field(1, &fit);
    CHECK(unload("mnist:0-4"));
    CHECK(unload("kws:0-8"));
    check_fit_field(0, &(segstore_fit){ 0 });
}

/* MAX78002: a whole MobileNetV2 (1.36 MB) through the 2.5 MiB staging area and pool. */
static void max78002_large_segment(void)
{
    rig_boot(&R, "max78002");
    unsigned layers = zoo_layer_count("mobilenetv2_075_cifar100");
    CHECK_EQ(layers, 73);
    size_t n = zoo("mobilenetv2_075_cifar100", 0, layers, blob_a);
    CHECK(n > 1300000);
    if (!CHECK(rig_upload(&R, "mbv2", blob_a, n)))
        printf("  commit: %s\n", R.message);
    segstore_fit fit;
    const uint8_t *blobs[1] = { blob_a };
    CHECK(expected_fit("max78002", blobs, &n, 1, &fit, NULL));
    CHECK_EQ(fit.layers, 73);
    check_fit_field(1, &fit);
}

/* A request whose key 0 is an id of exactly len bytes (it may hold a NUL), then `rest` as-is. */
static bool id_call(uint16_t type, const char *id, size_t len, const uint8_t *rest, size_t rest_len, size_t pairs)
{
    cbor_writer *w = body();
    syn_cbor_write_map(w, pairs);
    syn_cbor_write_uint(w, 0); syn_cbor_write_text(w, id, len);
    if (rest_len > w->cap - w->len)
        return false;
    if (rest_len > 0)
        memcpy(w->buf + w->len, rest, rest_len);
    return rig_call(&R, type, w->buf, w->len + rest_len);
}

static bool listed(const char *id)
{
    if (!CHECK(empty_call(SYN_MSG_SEGMENT_LIST)))
        return false;
    uint8_t text[80];
    cbor_writer w;
    syn_cbor_writer_init(&w, text, sizeof text);
    syn_cbor_write_cstr(&w, id);   /* the id as the list's CBOR spells it */
    return memmem(R.frame.body, R.frame.body_len, text, w.len) != NULL;
}

static void segment_ids(void)
{
    rig_boot(&R, "max78000");
    size_t n = zoo("convnet5_mnist", 0, 1, blob_a);
    CHECK(rig_upload(&R, "ab", blob_a, n));
    uint8_t sha[32];
    syn_sha256(blob_a, n, sha);
    /* Before the rule, "ab\0c" was stored as "ab": a second resident "ab". Now it is refused. */
    uint8_t begin_rest[64];
    cbor_writer rest;
    syn_cbor_writer_init(&rest, begin_rest, sizeof begin_rest);
    syn_cbor_write_uint(&rest, 1); syn_cbor_write_uint(&rest, n);
    syn_cbor_write_uint(&rest, 2); syn_cbor_write_bytes(&rest, sha, 32);
    CHECK(!id_call(SYN_MSG_SEGMENT_BEGIN, "ab\0c", 4, begin_rest, rest.len, 3));
    check_error(SYN_ERR_BAD_ARGUMENT, "segment.begin id: byte 2 is 0x00, not 0x21..0x7e");
    /* unload of "ab\0c" must not unload "ab"; infer and profile refuse it before the lookup */
    CHECK(!id_call(SYN_MSG_SEGMENT_UNLOAD, "ab\0c", 4, NULL, 0, 1));
    check_error(SYN_ERR_BAD_ARGUMENT, "segment.unload id: byte 2 is 0x00");
    CHECK(listed("ab"));
    static const uint8_t infer_rest[] = { 0x01, 0x81, 0x00, 0x02, 0x81, 0x01 };        /* 1: [0], 2: [1] */
    CHECK(!id_call(SYN_MSG_INFER, "ab\0", 3, infer_rest, sizeof infer_rest, 3));
    check_error(SYN_ERR_BAD_ARGUMENT, "infer segment: byte 2 is 0x00");
    static const uint8_t profile_rest[] = { 0x01, 0x00, 0x02, 0x01, 0x03, 0x81, 0x00 };   /* 1: 0, 2: 1, 3: [0] */
    CHECK(!id_call(SYN_MSG_PROFILE, "a b", 3, profile_rest, sizeof profile_rest, 4));
    check_error(SYN_ERR_BAD_ARGUMENT, "profile segment: byte 1 is 0x20, not 0x21..0x7e");
    CHECK(!id_call(SYN_MSG_SEGMENT_UNLOAD, "caf\xc3\xa9", 5, NULL, 0, 1));
    check_error(SYN_ERR_BAD_ARGUMENT, "byte 3 is 0xc3");
    CHECK(!id_call(SYN_MSG_SEGMENT_UNLOAD, "\x7f", 1, NULL, 0, 1));
    check_error(SYN_ERR_BAD_ARGUMENT, "byte 0 is 0x7f");
    /* the edges are ids: 0x21 and 0x7e alone, 64 bytes, every printable byte */
    CHECK(unload("ab"));
    static const char *const edges[] = { "!", "~", "!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~" };
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        CHECK(rig_upload(&R, edges[i], blob_a, n));
        CHECK(listed(edges[i]));
        CHECK(unload(edges[i]));
    }
    char longest[SYN_SEGMENT_ID_MAX + 1];
    memset(longest, 'x', SYN_SEGMENT_ID_MAX);
    longest[SYN_SEGMENT_ID_MAX] = '\0';
    CHECK(rig_upload(&R, longest, blob_a, n));
    CHECK(unload(longest));
    /* 65 bytes is past every text of the subset: refused before any handler, as bad_body */
    char over[SYN_SEGMENT_ID_MAX + 2];
    memset(over, 'x', sizeof over - 1);
    over[sizeof over - 1] = '\0';
    uint8_t raw[80] = { 0xa1, 0x00, 0x78, 65 };
    memcpy(raw + 4, over, 65);
    CHECK(!rig_call(&R, SYN_MSG_SEGMENT_UNLOAD, raw, 69));
    check_error(SYN_ERR_BAD_BODY, "segment.unload body is not subset CBOR: text over 64 bytes");
    /* the rule itself, as the TypeScript side states it (test/unit/proto-vectors.test.ts) */
    char why[SYN_ERR_MSG_MAX + 1];
    CHECK(syn_segstore_id_problem("kws20_v3:0-2", 12, why, sizeof why) == NULL);
    CHECK_STR(syn_segstore_id_problem("", 0, why, sizeof why), "empty, ids are 1..64 bytes");
    CHECK_STR(syn_segstore_id_problem(over, 65, why, sizeof why), "65 bytes, ids are 1..64 bytes");
    CHECK_STR(syn_segstore_id_problem("a\tb", 3, why, sizeof why), "byte 1 is 0x09, not 0x21..0x7e");
}

void suite_segments(void)
{
    th_run("segments: a zoo segment commits; the answer's and the list's fit are the fit rules' for it", commit_and_list);
    th_run("segments: resume by id+size+hash, wrong offset names the next, missing bytes keep the upload", resume_and_offsets);
    th_run("segments: refusals name the thing (staging size, id, sha length, no upload, bad hash, bad format)", refusals);
    th_run("segments: a malformed layer is refused naming the layer and the field", malformed_layer_named);
    th_run("segments: ids are 1..64 bytes of 0x21..0x7e on begin, unload, infer, profile; a NUL no longer aliases an id",
           segment_ids);
    th_run("segments: refused commits (fit, hash, description, missing bytes) leave the resident set and its inference exactly as they were",
           atomic_refused_commits);
    th_run("segments: abort clears staging; reset clears staging and the resident set", abort_and_reset);
    th_run("segments: unload compacts the pool and the remaining segment infers identically", unload_compacts);
    th_run("segments: a 1.36 MB MobileNetV2 commits on a MAX78002", max78002_large_segment);
}
