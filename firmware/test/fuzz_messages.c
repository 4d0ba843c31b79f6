/* libFuzzer target: structured messages (make fuzz, make fuzz-coverage).
 *
 * The byte-level targets (fuzz_board.c) rarely get past the CRC, so no handler sees their bytes.
 * This one reads the fuzz input as a script of operations on one board (the emulator's memory
 * regions, a clock the script moves): each message is a CRC-valid frame with a CBOR body, its
 * type taken from the board's own handler table (syn_board_handlers[], so a new handler is fuzzed
 * the day it is added, or this target refuses to start), its fields of the right type most of
 * the time and of a wrong one sometimes, their values drawn near the boundaries that matter
 * (slot 15/16, offsets the board just reported, sizes of real tensors, 32/64-bit edges, ids that
 * break the id rule). Macro operations upload real zoo segments, fill their inputs, infer and
 * profile, so the success paths and the jobs are reached too; some frames are cut in pieces,
 * corrupted, given another version or kind, or mixed with raw bytes; sometimes the port's
 * transmit queue is full (those answers are lost, and the board must go on).
 *
 * What must hold, whatever the script (a failure prints why and aborts):
 *  - every frame the board sends is one well-formed frame (COBS, CRC, length, subset CBOR map),
 *    an error body is {0: code 1..15, 1: 1..64 bytes of text};
 *  - every answer echoes the id and type of a request that is waiting for one, and no request
 *    is answered twice;
 *  - a request that never waits (everything but sense, infer, profile) is answered before the
 *    board returns from its bytes, and never `busy`: nothing that waits can hold back hello,
 *    ping, stats, reset;
 *  - every resident id segment.list reports keeps the id rule, and no two are the same;
 *  - once the clock has run far enough, every request sent since the last reset has been
 *    answered (no deferred answer is lost).
 * AddressSanitizer and UBSan watch everything else. The C tests replay this target on seeded
 * inputs and on the regression inputs in fuzz-regressions/ (test_fuzz_replay.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "crc32.h"
#include "emu_memory.h"
#include "frame.h"
#include "msg_infer.h"
#include "segment_decode.h"
#include "sha256.h"
#include "zoo_segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_Noreturn static void fuzz_fail(const char *fmt, ...) SYN_PRINTF(1, 2);
_Noreturn static void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz_messages: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* ---- the script: the fuzz input, read front to back (zeros once it runs out) ---------------- */

static const uint8_t *in_p;
static size_t in_n;

static uint8_t take8(void)
{
    if (in_n == 0)
        return 0;
    in_n--;
    return *in_p++;
}

static uint64_t take_n(unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v = v << 8 | take8();
    return v;
}

/* One in `n` (n a power of two up to 256); never once the script has run out (its zeros mean
 * "the usual": good ids, whole frames, no damage). */
static bool one_in(unsigned n)
{
    return (take8() & (n - 1u)) == n - 1u;
}

/* An unsigned value from the families handlers compare against. */
static uint64_t any_uint(void)
{
    static const uint64_t edges[] = { 0, 1, 2, 15, 16, 23, 24, 255, 256, 1000, 1001, 8064, 8065, 65535, 65536,
                                      UINT32_MAX, (uint64_t)UINT32_MAX + 1u, INT64_MAX, UINT64_MAX };
    switch (take8() % 4) {
    case 0: return edges[take8() % (sizeof edges / sizeof edges[0])];
    case 1: return take8();
    case 2: return take_n(4);
    default: return take_n(8);
    }
}

/* ---- the real segments the macros load: small zoo cuts, so an infer takes microseconds -------- */

typedef struct {
    const char *model;
    unsigned first, count;
    uint8_t *blob;
    size_t len;
    uint8_t sha[SHA256_BYTES];
    uint32_t in_bytes[SYN_MAX_CUT_TENSORS];
    unsigned n_in, n_out;
} fuzz_segment;

static fuzz_segment segs[] = {
    { "convnet5_mnist", 4, 1, NULL, 0, { 0 }, { 0 }, 0, 0 },   /* fc: 12x4x4 -> 10 */
    { "convnet5_mnist", 3, 2, NULL, 0, { 0 }, { 0 }, 0, 0 },   /* conv4 + fc: 56x8x8 -> 10 */
    { "kws20_v3", 8, 1, NULL, 0, { 0 }, { 0 }, 0, 0 },         /* fc: 64x4 -> 21 */
    { "kws20_v3", 7, 2, NULL, 0, { 0 }, { 0 }, 0, 0 },         /* conv + fc: 100x14 -> 21 */
    { "ressimplenet_cifar100", 10, 1, NULL, 0, { 0 }, { 0 }, 0, 0 },   /* passthrough: two outputs */
};
#define N_SEGS (sizeof segs / sizeof segs[0])

/* Ids the script uses: good ones (so uploads, infers and unloads meet), then ones the id rule
 * refuses (the reason is in the board's answer). The long ones are 64 and 65 bytes. */
static const char *const ids[] = { "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "!", "~", "app/kws:0-8" };
#define N_GOOD_IDS (sizeof ids / sizeof ids[0])
static const struct {
    const char *text;
    size_t len;
} bad_ids[] = {
    { "", 0 }, { "s0\0x", 4 }, { "s 0", 3 }, { "\x1b", 1 }, { "\x7f", 1 }, { "caf\xc3\xa9", 5 }, { "\xff\xfe", 2 },
    { "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 64 },
    { "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 65 },
};

static void prepare_segments(void)
{
    static uint8_t store[2u << 20];
    static accel_layer layers[64];
    static accel_params params[64];
    size_t used = 0;
    for (size_t i = 0; i < N_SEGS; i++) {
        fuzz_segment *s = &segs[i];
        char why[256];
        s->blob = store + used;
        s->len = zoo_segment(s->model, s->first, s->count, 11u + (uint32_t)i, s->blob, sizeof store - used, why, sizeof why);
        if (s->len == 0)
            fuzz_fail("cannot build %s %u+%u (run from the repo root): %s", s->model, s->first, s->count, why);
        used += s->len;
        syn_sha256(s->blob, s->len, s->sha);
        accel_segment seg;
        char err[SYN_ACCEL_ERR_MAX];
        if (!syn_accel_segment_decode(s->blob, s->len, layers, params, 64, &seg, err, sizeof err))
            fuzz_fail("%s %u+%u does not decode: %s", s->model, s->first, s->count, err);
        s->n_in = seg.n_inputs;
        s->n_out = seg.n_outputs;
        for (unsigned k = 0; k < seg.n_inputs; k++)
            s->in_bytes[k] = syn_segstore_tensor_bytes(&seg.inputs[k]);
    }
}

/* ---- the board and what it owes ------------------------------------------------------------ */

/* A request that waits for its answer. At most max_in_flight wait at a time on a real host;
 * the script may have more (answers it will get at once), so the table is roomier. */
typedef struct {
    uint16_t id, type;
    uint8_t slot;                        /* tensor.put: the slot, to learn its next offset */
    uint8_t id_index;                    /* segment.unload: which of ids[], 0xFF for another id */
} owed_answer;
#define OWED_MAX 64

static board_ctx board;
static board_config config;
static uint64_t clock_us;
static bool reset_asked;
static bool untrusted;                   /* feeding raw or damaged bytes: their answers are not checked */
static bool loose;                       /* such bytes passed the CRC: any id may be answered later */
static unsigned tx_refusals;             /* frames the port refuses next (its queue is full) */
static owed_answer owed[OWED_MAX];
static size_t n_owed;
static uint16_t next_id;

/* What the board said, so later values can be right (offsets, residency). */
static uint32_t seg_next;
static uint32_t slot_next[SYN_TENSOR_SLOTS];
static int resident_of[N_GOOD_IDS];      /* segs[] index believed resident under ids[i], -1 none */

static void forget_owed(void)
{
    n_owed = 0;
    memset(resident_of, -1, sizeof resident_of);
    seg_next = 0;
    memset(slot_next, 0, sizeof slot_next);
}

static bool text_at(const uint8_t *body, size_t len, uint64_t key, const char **t, size_t *n)
{
    board_request req = { 0, 0, body, len, 0 };
    cbor_reader v;
    return syn_board_field(&req, key, &v) && syn_cbor_read_text(&v, t, n);
}

static bool uint_at(const uint8_t *body, size_t len, uint64_t key, uint64_t *out)
{
    board_request req = { 0, 0, body, len, 0 };
    cbor_reader v;
    return syn_board_field(&req, key, &v) && syn_cbor_read_uint(&v, out);
}

static owed_answer *owed_find(uint16_t id)
{
    for (size_t i = 0; i < n_owed; i++) {
        if (owed[i].id == id)
            return &owed[i];
    }
    return NULL;
}

static void owed_drop(owed_answer *o)
{
    *o = owed[--n_owed];
}

/* Learns from a response what later requests can build on. */
static void learn(const owed_answer *o, const uint8_t *body, size_t len)
{
    uint16_t type = o->type;
    uint64_t v;
    const char *t;
    size_t n;
    if ((type == SYN_MSG_SEGMENT_BEGIN || type == SYN_MSG_SEGMENT_CHUNK) && uint_at(body, len, 0, &v))
        seg_next = (uint32_t)v;
    else if (type == SYN_MSG_TENSOR_PUT && uint_at(body, len, 0, &v))
        slot_next[o->slot % SYN_TENSOR_SLOTS] = (uint32_t)v;
    else if (type == SYN_MSG_SEGMENT_UNLOAD && o->id_index < N_GOOD_IDS)
        resident_of[o->id_index] = -1;
    else if (type == SYN_MSG_SEGMENT_COMMIT && text_at(body, len, 0, &t, &n)) {
        for (size_t i = 0; i < N_GOOD_IDS; i++) {
            if (strlen(ids[i]) == n && memcmp(ids[i], t, n) == 0 && resident_of[i] < 0)
                resident_of[i] = (int)N_SEGS;   /* resident, content unknown to the generic path */
        }
    }
}

static uint64_t check_error_body(const uint8_t *body, size_t len, uint16_t id)
{
    uint64_t code;
    const char *msg;
    size_t n;
    if (!uint_at(body, len, 0, &code) || code < 1 || code > 15 || !text_at(body, len, 1, &msg, &n) || n == 0)
        fuzz_fail("error frame for id %u has no code 1..15 and message", (unsigned)id);
    return code;
}

/* Every id the board reports as resident keeps the id rule, and no two are the same (a NUL
 * inside an id once made two uploads one id). */
static void check_listed_ids(const uint8_t *body, size_t len)
{
    board_request req = { 0, 0, body, len, 0 };
    cbor_reader v;
    size_t n, pairs;
    const char *seen[SYN_MAX_RESIDENT];
    size_t seen_len[SYN_MAX_RESIDENT];
    if (!syn_board_field(&req, 0, &v) || !syn_cbor_read_array(&v, &n) || n > SYN_MAX_RESIDENT)
        fuzz_fail("segment.list answer without its list");
    for (size_t i = 0; i < n; i++) {
        uint64_t key;
        char why[SYN_ERR_MSG_MAX + 1];
        if (!syn_cbor_read_map(&v, &pairs) || pairs < 1 || !syn_cbor_read_uint(&v, &key) || key != 0
            || !syn_cbor_read_text(&v, &seen[i], &seen_len[i]))
            fuzz_fail("segment.list entry %lu without its id", (unsigned long)i);
        if (syn_segstore_id_problem(seen[i], seen_len[i], why, sizeof why) != NULL)
            fuzz_fail("segment.list names a resident id that breaks the id rule: %s", why);
        for (size_t j = 0; j < i; j++) {
            if (seen_len[j] == seen_len[i] && memcmp(seen[j], seen[i], seen_len[i]) == 0)
                fuzz_fail("segment.list names id '%.*s' twice", (int)seen_len[i], seen[i]);
        }
        for (size_t k = 1; k < pairs * 2u - 1u; k++) {
            if (!syn_cbor_skip(&v))
                fuzz_fail("segment.list entry %lu is cut short", (unsigned long)i);
        }
    }
}

static bool f_transmit(void *u, const uint8_t *bytes, size_t n)
{
    (void)u;
    static uint8_t raw[SYN_MAX_FRAME];
    size_t len;
    if (n < 2 || n > SYN_MAX_WIRE || bytes[n - 1] != 0 || !syn_cobs_decode(bytes, n - 1, raw, sizeof raw, &len))
        fuzz_fail("the board sent %lu bytes that are not one COBS frame", (unsigned long)n);
    syn_rx_check chk;
    syn_rx_check_run(raw, len, COBS_RX_FRAME, false, &chk);
    if (chk.stage != SYN_RX_OK || syn_cbor_validate(chk.body, chk.body_len) != CBOR_OK)
        fuzz_fail("the board sent a frame that does not pass its own checks: %s", chk.message);
    cbor_reader r;
    syn_cbor_reader_init(&r, chk.body, chk.body_len);
    if (syn_cbor_peek(&r) != CBOR_MAP)
        fuzz_fail("the board sent a body that is not a map");
    const syn_header *h = &chk.header;
    if (h->kind == SYN_KIND_EVENT) {
        if (h->type != SYN_MSG_BOOT)
            fuzz_fail("event of type 0x%04x", (unsigned)h->type);
        return true;
    }
    if (h->kind != SYN_KIND_RESPONSE && h->kind != SYN_KIND_ERROR)
        fuzz_fail("the board sent a frame of kind %u", (unsigned)h->kind);
    uint64_t code = h->kind == SYN_KIND_ERROR ? check_error_body(chk.body, chk.body_len, h->id) : 0;
    if (h->kind == SYN_KIND_RESPONSE && h->type == SYN_MSG_SEGMENT_LIST)
        check_listed_ids(chk.body, chk.body_len);
    if (tx_refusals > 0) {
        /* No room: the frame never leaves, so its request is answered nowhere (the host's
         * timeout is what notices); the board must simply go on. */
        tx_refusals--;
        owed_answer *lost = untrusted ? NULL : owed_find(h->id);
        if (lost != NULL)
            owed_drop(lost);
        return false;
    }
    if (untrusted)
        return true;
    owed_answer *o = owed_find(h->id);
    if (o == NULL) {
        if (!loose)
            fuzz_fail("answer to id %u (type 0x%04x) that nothing waits for", (unsigned)h->id, (unsigned)h->type);
        return true;
    }
    if (h->type != o->type && !loose)
        fuzz_fail("answer to id %u has type 0x%04x, the request 0x%04x", (unsigned)h->id, (unsigned)h->type,
                  (unsigned)o->type);
    const board_handler *handler = syn_board_find_handler(o->type);
    if (code == SYN_ERR_BUSY && handler != NULL && !handler->waits)
        fuzz_fail("%s (id %u) was answered busy: only requests that wait may be", handler->name, (unsigned)h->id);
    if (h->kind == SYN_KIND_RESPONSE)
        learn(o, chk.body, chk.body_len);
    owed_drop(o);
    return true;
}

static uint64_t f_now(void *u)
{
    (void)u;
    return clock_us;
}

static uint32_t f_random(void *u)
{
    (void)u;
    return 0x5EED0000u + (uint32_t)(clock_us & 0xFFFFu);
}

static void f_reset(void *u)
{
    (void)u;
    reset_asked = true;   /* the port resets once the answer has left: after this rx call */
}

static const syn_port port = { .now_us = f_now, .transmit = f_transmit, .random32 = f_random, .request_reset = f_reset };

static void reboot(board_boot_reason why)
{
    forget_owed();
    syn_board_init(&board, &config, &port, why);
}

/* Feeds bytes in pieces of `step`, then applies a reset the board asked for, as a port does. */
static void feed(const uint8_t *bytes, size_t n, size_t step)
{
    for (size_t i = 0; i < n; i += step)
        syn_board_rx_bytes(&board, bytes + i, n - i < step ? n - i : step);
    if (reset_asked) {
        reset_asked = false;
        reboot(BOARD_BOOT_SOFTWARE);
    }
}

/* ---- building request bodies from the handler's fields ---------------------------------------- */

typedef enum { F_SLOT, F_OFFSET, F_SIZE, F_SMALL, F_INDEX, F_ID, F_SHA, F_DATA, F_SLOTS, F_BOOL } field_kind;

typedef struct {
    uint16_t type;
    uint8_t n;
    field_kind kinds[4];
    bool last_optional;
} message_fields;

/* PROTOCOL.md 4, 8, 9, 10: each request's fields in key order (key = position). */
static const message_fields fields[] = {
    { SYN_MSG_HELLO, 0, { 0 }, false },
    { SYN_MSG_PING, 1, { F_DATA }, false },
    { SYN_MSG_STATS, 0, { 0 }, false },
    { SYN_MSG_RESET, 0, { 0 }, false },
    { SYN_MSG_SEGMENT_BEGIN, 3, { F_ID, F_SIZE, F_SHA }, false },
    { SYN_MSG_SEGMENT_CHUNK, 2, { F_OFFSET, F_DATA }, false },
    { SYN_MSG_SEGMENT_COMMIT, 0, { 0 }, false },
    { SYN_MSG_SEGMENT_ABORT, 0, { 0 }, false },
    { SYN_MSG_SEGMENT_LIST, 0, { 0 }, false },
    { SYN_MSG_SEGMENT_UNLOAD, 1, { F_ID }, false },
    { SYN_MSG_TENSOR_PUT, 4, { F_SLOT, F_OFFSET, F_SIZE, F_DATA }, false },
    { SYN_MSG_TENSOR_GET, 3, { F_SLOT, F_OFFSET, F_SIZE }, false },
    { SYN_MSG_INFER, 4, { F_ID, F_SLOTS, F_SLOTS, F_BOOL }, true },
    { SYN_MSG_PROFILE, 4, { F_ID, F_SMALL, F_SMALL, F_SLOTS }, false },
    { SYN_MSG_SENSE, 2, { F_INDEX, F_SLOT }, false },
    { SYN_MSG_DELIVER, 2, { F_INDEX, F_SLOT }, false },
    { SYN_MSG_OUTPUTS, 0, { 0 }, false },
};

static const message_fields *fields_of(uint16_t type)
{
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (fields[i].type == type)
            return &fields[i];
    }
    return NULL;
}

static uint8_t data_buf[SYN_MAX_PAYLOAD + 64];
static uint8_t put_slot;                 /* the slot of the tensor.put being built */
static uint8_t id_index;                 /* which of ids[] the request being built names, 0xFF another */

static uint32_t some_tensor_size(void)
{
    const fuzz_segment *s = &segs[take8() % N_SEGS];
    return s->in_bytes[0];
}

#define N_BAD_IDS (sizeof bad_ids / sizeof bad_ids[0])

/* Writes ids[index], or bad_ids[index - N_GOOD_IDS]. */
static void write_id_at(cbor_writer *w, size_t index)
{
    id_index = index < N_GOOD_IDS ? (uint8_t)index : 0xFF;
    if (index < N_GOOD_IDS) {
        syn_cbor_write_cstr(w, ids[index]);
        return;
    }
    size_t k = (index - N_GOOD_IDS) % N_BAD_IDS;
    if (bad_ids[k].len <= SYN_CBOR_MAX_TEXT) {
        syn_cbor_write_text(w, bad_ids[k].text, bad_ids[k].len);
    } else if (w->len + 2 + bad_ids[k].len <= w->cap) {
        /* a 65-byte text cannot be written by a subset writer: its head and bytes by hand */
        w->buf[w->len] = 0x78;
        w->buf[w->len + 1] = (uint8_t)bad_ids[k].len;
        memcpy(w->buf + w->len + 2, bad_ids[k].text, bad_ids[k].len);
        w->len += 2 + bad_ids[k].len;
    }
}

/* Mostly a good id, one in four a bad one. */
static size_t pick_id(void)
{
    uint8_t c = take8();
    return c % 4 != 3 ? (size_t)(c / 4) % N_GOOD_IDS : N_GOOD_IDS + (size_t)(c / 4) % N_BAD_IDS;
}

static void write_id(cbor_writer *w)
{
    write_id_at(w, pick_id());
}

static void write_data(cbor_writer *w, uint32_t hint)
{
    size_t n;
    switch (take8() % 8) {
    case 0: n = hint; break;                                  /* what the slot or the upload needs */
    case 1: n = 0; break;
    case 2: n = SYN_MAX_PAYLOAD; break;
    case 3: n = SYN_MAX_PAYLOAD + 1u; break;                  /* too_large */
    case 4: n = take_n(2) % (SYN_MAX_PAYLOAD + 2u); break;
    default: n = take8(); break;
    }
    if (n > hint && hint > 0 && one_in(2))
        n = hint;
    if (n > sizeof data_buf)
        n = sizeof data_buf;
    for (size_t i = 0; i < n; i++)
        data_buf[i] = (uint8_t)(i * 31u) ^ (i < 64 ? take8() : 0);
    syn_cbor_write_bytes(w, data_buf, n);
}

/* A value of another type than the field's (bad_body), or of none of the protocol's. */
static void write_wrong(cbor_writer *w)
{
    switch (take8() % 7) {
    case 0: syn_cbor_write_int(w, -1 - (int64_t)(take_n(8) >> 1)); break;
    case 1: syn_cbor_write_cstr(w, "7"); break;
    case 2: syn_cbor_write_bytes(w, (const uint8_t *)"\x07", 1); break;
    case 3: syn_cbor_write_array(w, 1); syn_cbor_write_uint(w, take8()); break;
    case 4: syn_cbor_write_map(w, 1); syn_cbor_write_uint(w, 0); syn_cbor_write_uint(w, take8()); break;
    case 5: syn_cbor_write_bool(w, take8() & 1); break;
    default: syn_cbor_write_null(w); break;
    }
}

static void write_field(cbor_writer *w, field_kind kind, uint16_t type)
{
    uint64_t v;
    switch (kind) {
    case F_SLOT:
        v = one_in(8) ? any_uint() : take8() % SYN_TENSOR_SLOTS;
        if (type == SYN_MSG_TENSOR_PUT)
            put_slot = (uint8_t)v;
        syn_cbor_write_uint(w, v);
        break;
    case F_OFFSET:
        if (type == SYN_MSG_SEGMENT_CHUNK)
            v = one_in(4) ? any_uint() : seg_next;
        else if (type == SYN_MSG_TENSOR_PUT)
            v = one_in(4) ? any_uint() : one_in(2) ? 0 : slot_next[put_slot % SYN_TENSOR_SLOTS];
        else
            v = one_in(2) ? 0 : any_uint();
        syn_cbor_write_uint(w, v);
        break;
    case F_SIZE:
        if (one_in(4))
            v = any_uint();
        else
            v = type == SYN_MSG_SEGMENT_BEGIN ? segs[take8() % N_SEGS].len : some_tensor_size();
        syn_cbor_write_uint(w, v);
        break;
    case F_SMALL:
        syn_cbor_write_uint(w, one_in(4) ? any_uint() : take8() % 8);
        break;
    case F_INDEX:
        syn_cbor_write_uint(w, one_in(8) ? any_uint() : take8() % (SYN_MAX_SENSORS + 1u));
        break;
    case F_ID:
        write_id(w);
        break;
    case F_SHA: {
        uint8_t sha[SHA256_BYTES + 1];
        const fuzz_segment *s = &segs[take8() % N_SEGS];
        memcpy(sha, s->sha, SHA256_BYTES);
        sha[SHA256_BYTES] = 0;
        syn_cbor_write_bytes(w, sha, one_in(16) ? SHA256_BYTES + (take8() & 1 ? 1u : 0u) - (take8() & 1 ? 2u : 0u)
                                            : SHA256_BYTES);
        break;
    }
    case F_DATA:
        write_data(w, type == SYN_MSG_TENSOR_PUT ? some_tensor_size() : (uint32_t)take_n(2) % 512u);
        break;
    case F_SLOTS: {
        size_t n = one_in(16) ? 17u + take8() % 3u : (1u + take8()) % 3u;
        syn_cbor_write_array(w, n);
        for (size_t i = 0; i < n; i++)
            syn_cbor_write_uint(w, one_in(16) ? any_uint() : take8() % SYN_TENSOR_SLOTS);
        break;
    }
    case F_BOOL:
        syn_cbor_write_bool(w, take8() & 1);
        break;
    }
}

/* A body for `type`: its fields, sometimes one missing, of a wrong type, an unknown key added,
 * keys out of order, or no map at all. */
static size_t build_body(uint16_t type, uint8_t *buf, size_t cap)
{
    cbor_writer w;
    syn_cbor_writer_init(&w, buf, cap);
    const message_fields *f = fields_of(type);
    if (f == NULL || one_in(64)) {                       /* a type without fields, or not a map */
        if (take8() & 1)
            syn_cbor_write_map(&w, 0);
        else
            write_wrong(&w);
        return w.len;
    }
    uint8_t shape = take8();
    int drop = shape % 16 == 12 ? (int)(take8() % (f->n + 1u)) : -1;
    if (drop < 0 && f->last_optional && (shape & 0x10))
        drop = f->n - 1;
    int wrong = shape % 16 == 13 ? (int)(take8() % (f->n + 1u)) : -1;
    bool extra = shape % 16 == 14, swapped = shape % 16 == 15 && f->n >= 2;
    size_t pairs = f->n - (drop >= 0 && drop < f->n ? 1u : 0u) + (extra ? 1u : 0u);
    syn_cbor_write_map(&w, pairs);
    for (unsigned k = 0; k < f->n; k++) {
        if ((int)k == drop)
            continue;
        unsigned key = swapped && k < 2 ? 1u - k : k;
        syn_cbor_write_uint(&w, key);
        if ((int)k == wrong)
            write_wrong(&w);
        else
            write_field(&w, f->kinds[k], type);
    }
    if (extra) {
        syn_cbor_write_uint(&w, 20u + take8());
        write_wrong(&w);
    }
    return w.err == CBOR_OK ? w.len : 0;
}

/* ---- sending ----------------------------------------------------------------------------------- */

/* A frame with a good CRC whose header is not a version-1 request: version 0 or 2, or a kind
 * other than request. Returns the wire length. */
static size_t odd_header(uint8_t *wire, size_t cap, uint16_t id, uint16_t type, const uint8_t *body, size_t len)
{
    static uint8_t raw[SYN_MAX_FRAME];
    uint8_t pick = take8();
    syn_header h = { SYN_PROTO_VERSION, SYN_KIND_REQUEST, id, type, (uint16_t)len };
    if (pick & 1)
        h.version = pick & 2 ? 2 : 0;
    else
        h.kind = (uint8_t)(1u + (pick >> 1) % 4u);   /* response, event, error, 4 */
    syn_header_pack(&h, raw);
    memcpy(raw + SYN_HEADER_SIZE, body, len);
    uint32_t crc = syn_crc32(0, raw, SYN_HEADER_SIZE + len);
    for (unsigned i = 0; i < 4; i++)
        raw[SYN_HEADER_SIZE + len + i] = (uint8_t)(crc >> (8 * i));
    size_t n = syn_cobs_encode(raw, SYN_HEADER_SIZE + len + SYN_CRC_SIZE, wire, cap - 1);
    wire[n] = 0;
    return n + 1;
}

/* Sends one request frame, whole or in pieces, sometimes damaged; checks the answer came at once
 * when the request never waits. */
static void send_request(uint16_t type, const uint8_t *body, size_t len, bool may_damage)
{
    static uint8_t wire[SYN_MAX_WIRE + 16];
    uint16_t id = next_id++;
    if (next_id == 0)
        next_id = 1;
    size_t n = syn_frame_build(wire, sizeof wire, SYN_KIND_REQUEST, id, type, body, len);
    if (n == 0)
        return;                                      /* over max_frame: nothing to send */
    if (may_damage && one_in(64))
        n = odd_header(wire, sizeof wire, id, type, body, len);   /* bad_version or bad_kind */
    bool damaged = may_damage && one_in(32);
    if (damaged) {
        size_t at = take_n(2) % (n - 1u);            /* never the delimiter */
        uint8_t x = take8();
        wire[at] ^= x != 0 ? x : 0x01;
        if (wire[at] == 0)
            wire[at] = 0x01;                         /* a 0x00 would split the run */
    }
    if (!damaged) {
        if (n_owed == OWED_MAX || owed_find(id) != NULL)
            fuzz_fail("%lu requests wait, or id %u twice: the script outgrew its table", (unsigned long)n_owed, (unsigned)id);
        owed[n_owed++] = (owed_answer){ id, type, put_slot, id_index };
    }
    size_t step = one_in(8) ? 1u + take8() % 64u : n;
    uint64_t good_frames = board.stats.frames_in;
    untrusted = damaged;
    feed(wire, n, step);
    untrusted = false;
    if (damaged && board.stats.frames_in != good_frames)
        loose = true;                                /* the damage passed the CRC: anything may follow */
    const board_handler *h = syn_board_find_handler(type);
    if (!damaged && h != NULL && !h->waits && owed_find(id) != NULL)
        fuzz_fail("%s (id %u) was not answered at once", h->name, (unsigned)id);
}

static void send_message(uint16_t type)
{
    static uint8_t body[SYN_MAX_BODY];
    size_t len = build_body(type, body, sizeof body);
    send_request(type, body, len, true);
}

/* ---- macros: real uploads, inputs, infers, profiles ---------------------------------------------- */

static void send_map(uint16_t type, cbor_writer *w)
{
    if (w->err == CBOR_OK)
        send_request(type, w->buf, w->len, false);
}

static uint8_t mbody[SYN_MAX_BODY];

/* segment.begin, chunks, commit of a real segment under ids[index] (or a bad id past them). */
static void upload(size_t index, unsigned seg_index)
{
    const fuzz_segment *s = &segs[seg_index];
    /* Sometimes a byte changes on the way: announced with the original hash (bad_hash), or with
     * the changed bytes' hash, so the segment decoder or the fit rules refuse it instead. */
    int flip = one_in(16) ? (int)(take_n(4) % s->len) : -1;
    uint8_t sha[SHA256_BYTES];
    memcpy(sha, s->sha, sizeof sha);
    if (flip >= 0 && one_in(2)) {
        static uint8_t changed[1u << 16];
        if (s->len <= sizeof changed) {
            memcpy(changed, s->blob, s->len);
            changed[flip] ^= 0x40;
            syn_sha256(changed, s->len, sha);
        }
    }
    cbor_writer w;
    syn_cbor_writer_init(&w, mbody, sizeof mbody);
    syn_cbor_write_map(&w, 3);
    syn_cbor_write_uint(&w, 0); write_id_at(&w, index);
    syn_cbor_write_uint(&w, 1); syn_cbor_write_uint(&w, s->len);
    syn_cbor_write_uint(&w, 2); syn_cbor_write_bytes(&w, sha, SHA256_BYTES);
    seg_next = UINT32_MAX;
    send_map(SYN_MSG_SEGMENT_BEGIN, &w);
    size_t chunk = one_in(4) ? 1u + take_n(2) % SYN_MAX_PAYLOAD : SYN_MAX_PAYLOAD;
    static uint8_t piece[SYN_MAX_PAYLOAD];
    for (unsigned guard = 0; seg_next < s->len && guard < 200; guard++) {
        size_t at = seg_next, n = s->len - at < chunk ? s->len - at : chunk;
        memcpy(piece, s->blob + at, n);
        if (flip >= 0 && (size_t)flip >= at && (size_t)flip < at + n)
            piece[(size_t)flip - at] ^= 0x40;
        syn_cbor_writer_init(&w, mbody, sizeof mbody);
        syn_cbor_write_map(&w, 2);
        syn_cbor_write_uint(&w, 0); syn_cbor_write_uint(&w, at);
        syn_cbor_write_uint(&w, 1); syn_cbor_write_bytes(&w, piece, n);
        uint32_t before = seg_next;
        send_map(SYN_MSG_SEGMENT_CHUNK, &w);
        if (seg_next == before || one_in(64))
            break;                                   /* refused, or the host gives up half way */
    }
    syn_cbor_writer_init(&w, mbody, sizeof mbody);
    syn_cbor_write_map(&w, 0);
    if (index >= N_GOOD_IDS) {
        send_map(SYN_MSG_SEGMENT_COMMIT, &w);
        return;
    }
    int was = resident_of[index];
    resident_of[index] = -1;
    send_map(SYN_MSG_SEGMENT_COMMIT, &w);
    resident_of[index] = resident_of[index] == (int)N_SEGS ? (int)seg_index : was;
}

static void put_tensor(unsigned slot, uint32_t total)
{
    static uint8_t piece[SYN_MAX_PAYLOAD];
    uint8_t fill = take8();
    memset(piece, fill, sizeof piece);
    for (uint32_t at = 0; at < total || total == 0;) {
        uint32_t n = total - at < SYN_MAX_PAYLOAD ? total - at : SYN_MAX_PAYLOAD;
        cbor_writer w;
        syn_cbor_writer_init(&w, mbody, sizeof mbody);
        syn_cbor_write_map(&w, 4);
        syn_cbor_write_uint(&w, 0); syn_cbor_write_uint(&w, slot);
        syn_cbor_write_uint(&w, 1); syn_cbor_write_uint(&w, at);
        syn_cbor_write_uint(&w, 2); syn_cbor_write_uint(&w, total);
        syn_cbor_write_uint(&w, 3); syn_cbor_write_bytes(&w, piece, n);
        put_slot = (uint8_t)slot;
        slot_next[slot] = UINT32_MAX;
        send_map(SYN_MSG_TENSOR_PUT, &w);
        if (slot_next[slot] != at + n || total == 0)
            return;
        at += n;
    }
}

/* Uploads a segment under a good id unless the script believes it resident there, fills its
 * inputs, and runs it (infer, or profile). */
static void run_segment(bool profile)
{
    unsigned index = take8() % N_GOOD_IDS;
    if (resident_of[index] < 0 || resident_of[index] >= (int)N_SEGS) {
        upload(index, take8() % N_SEGS);
        if (resident_of[index] < 0 || resident_of[index] >= (int)N_SEGS)
            return;
    }
    const fuzz_segment *s = &segs[resident_of[index]];
    uint8_t in[SYN_MAX_CUT_TENSORS], out[SYN_MAX_CUT_TENSORS];
    for (unsigned k = 0; k < s->n_in; k++) {
        in[k] = (uint8_t)(take8() % SYN_TENSOR_SLOTS);
        put_tensor(in[k], s->in_bytes[k]);
    }
    for (unsigned k = 0; k < s->n_out; k++)
        out[k] = (uint8_t)(take8() % SYN_TENSOR_SLOTS);
    cbor_writer w;
    syn_cbor_writer_init(&w, mbody, sizeof mbody);
    syn_cbor_write_map(&w, 4);
    syn_cbor_write_uint(&w, 0); syn_cbor_write_cstr(&w, ids[index]);
    if (profile) {
        syn_cbor_write_uint(&w, 1); syn_cbor_write_uint(&w, take8() % 4);
        syn_cbor_write_uint(&w, 2); syn_cbor_write_uint(&w, one_in(8) ? SYN_PROFILE_MAX_RUNS : 1u + take8() % 16u);
        syn_cbor_write_uint(&w, 3); syn_cbor_write_array(&w, s->n_in);
        for (unsigned k = 0; k < s->n_in; k++)
            syn_cbor_write_uint(&w, in[k]);
    } else {
        syn_cbor_write_uint(&w, 1); syn_cbor_write_array(&w, s->n_in);
        for (unsigned k = 0; k < s->n_in; k++)
            syn_cbor_write_uint(&w, in[k]);
        syn_cbor_write_uint(&w, 2); syn_cbor_write_array(&w, s->n_out);
        for (unsigned k = 0; k < s->n_out; k++)
            syn_cbor_write_uint(&w, out[k]);
        syn_cbor_write_uint(&w, 3); syn_cbor_write_bool(&w, take8() & 1);
    }
    send_map(profile ? SYN_MSG_PROFILE : SYN_MSG_INFER, &w);
}

/* Lets time pass: the board's jobs complete and answer. */
static void advance(uint64_t us)
{
    uint64_t until = clock_us + us;
    for (unsigned guard = 0; guard < 64; guard++) {
        uint64_t next = syn_board_poll(&board, clock_us);
        if (next == BOARD_NEVER || next > until)
            break;
        clock_us = next > clock_us ? next : clock_us + 1u;
    }
    clock_us = until;
    syn_board_poll(&board, clock_us);
}

/* ---- one input --------------------------------------------------------------------------------- */

static void boot_from_script(void)
{
    memset(&config, 0, sizeof config);
    const syn_chip *chip = syn_chip_at(take8() & 1u);
    config.chip = chip != NULL ? chip : syn_chip_find("max78000");
    strcpy(config.board_id, "fuzz");
    static const uint8_t frames[2 * 12] = { 1, 2, 3 };
    /* a fast sensor, a slow one, one far slower (1 frame per 1000 s), one playing frames; then
     * the odd ones a port might declare: no rate, a frame over the tensor arena, one over 4 GB */
    config.sensors[0] = (board_sensor){ "microphone", { 1, 16, 16 }, 1000000, NULL, 0 };
    config.sensors[1] = (board_sensor){ "camera", { 3, 8, 8 }, 500, NULL, 0 };
    config.sensors[2] = (board_sensor){ "imu", { 6, 4, 1 }, 1, NULL, 0 };
    config.sensors[3] = (board_sensor){ "radar", { 3, 2, 2 }, 10000, frames, sizeof frames };
    config.sensors[4] = (board_sensor){ "still", { 1, 4, 4 }, 0, NULL, 0 };
    config.sensors[5] = (board_sensor){ "wide", { 3, 1024, 1024 }, 30000, NULL, 0 };
    config.sensors[6] = (board_sensor){ "vast", { 65536, 65536, 2 }, 30000, NULL, 0 };
    config.n_sensors = 7;
    strcpy(config.outputs[0], "led");
    strcpy(config.outputs[1], "display");
    config.n_outputs = 2;
    /* The layer engine: the script's uploads are format 1 zoo cuts (zoo_segment.c); the register
     * engine's format 2 path has its own tests (test_reg_segments.c). */
    config.engine = &syn_accel_engine_layer;
    if (!syn_emu_memory_for(config.chip, config.engine, &config.mem))
        fuzz_fail("no memory regions for %s", config.chip->name);
    /* A small arena (a real board's is tens of KiB): it fills in a few transfers, not hundreds. */
    config.mem.tensor_bytes = 64u * 1024u;
    char why[128];
    if (!syn_board_config_check(&config, why, sizeof why))
        fuzz_fail("configuration refused: %s", why);
    static const uint64_t origins[] = { 0, 1000000, 1700000000000000ull };
    clock_us = origins[take8() % 3] + take8();
    reset_asked = untrusted = loose = false;
    tx_refusals = 0;
    next_id = 1;
    reboot(BOARD_BOOT_POWER_ON);
}

/* Operations by the script's byte: mostly messages; a full transmit queue, raw bytes and
 * reboots rarely. */
enum { OP_MESSAGE, OP_MESSAGE2, OP_MESSAGE3, OP_MESSAGE4, OP_UPLOAD, OP_INFER, OP_PROFILE, OP_PUT, OP_TIME,
       OP_SENSE_BURST, OP_COUNT };
#define OP_TX_FULL 249
#define OP_RAW 250      /* op bytes 250..254 */
#define OP_REBOOT 255

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        for (size_t i = 0; i < syn_board_handler_count; i++) {
            if (fields_of(syn_board_handlers[i].type) == NULL)
                fuzz_fail("handler %s has no fields here: add it to fields[]", syn_board_handlers[i].name);
        }
        prepare_segments();
        ready = true;
    }
    in_p = data;
    in_n = size;
    boot_from_script();
    for (unsigned ops = 0; ops < 48 && in_n > 0; ops++) {
        uint8_t op = take8();
        if (op == OP_REBOOT) {
            reboot(BOARD_BOOT_WATCHDOG);
        } else if (op == OP_TX_FULL) {
            tx_refusals = 1u + take8() % 4u;
        } else if (op >= OP_RAW) {
            /* Raw bytes between frames; whatever they are, a delimiter ends them. 255: a run
             * longer than any frame (too_large). */
            size_t n = take8();
            n = n < in_n ? n : in_n;
            uint64_t good_frames = board.stats.frames_in;
            untrusted = true;
            if (n == 255) {
                static uint8_t run[SYN_MAX_WIRE + 64];
                memset(run, 0x55, sizeof run);
                feed(run, sizeof run, 1024);
            }
            feed(in_p, n, n > 0 ? n : 1u);
            feed((const uint8_t *)"", 1, 1);
            untrusted = false;
            if (board.stats.frames_in != good_frames)
                loose = true;
            in_p += n;
            in_n -= n;
        } else {
            switch (op % OP_COUNT) {
            case OP_MESSAGE:
            case OP_MESSAGE2:
            case OP_MESSAGE3:
            case OP_MESSAGE4:
                send_message(one_in(64) ? (uint16_t)take_n(2) : syn_board_handlers[take8() % syn_board_handler_count].type);
                break;
            case OP_UPLOAD:
                upload(pick_id(), take8() % N_SEGS);
                break;
            case OP_INFER:
            case OP_PROFILE:
                run_segment(op % OP_COUNT == OP_PROFILE);
                break;
            case OP_PUT: {
                /* mostly a real input's size; sometimes half the arena or nearly all of it, so the
                 * arena runs out for outputs, frames and profile's scratch */
                uint32_t total = some_tensor_size(), arena = config.mem.tensor_bytes;
                if (one_in(4))
                    total = (uint32_t)any_uint();
                else if (one_in(8))
                    total = take8() & 1 ? arena / 2u : arena - take8();
                put_tensor(take8() % SYN_TENSOR_SLOTS, total);
                break;
            }
            case OP_TIME:
                advance(one_in(4) ? take_n(5) : take_n(2));
                break;
            case OP_SENSE_BURST:
                for (unsigned k = 0, n = 1u + take8() % 20u; k < n; k++) {
                    cbor_writer w;
                    syn_cbor_writer_init(&w, mbody, sizeof mbody);
                    syn_cbor_write_map(&w, 2);
                    syn_cbor_write_uint(&w, 0); syn_cbor_write_uint(&w, take8() % 8u);
                    syn_cbor_write_uint(&w, 1); syn_cbor_write_uint(&w, k % SYN_TENSOR_SLOTS);
                    send_map(SYN_MSG_SENSE, &w);
                }
                break;
            }
        }
    }
    /* Time runs on until nothing is left to do: every request still owed must be answered. */
    for (unsigned guard = 0; guard < 400; guard++) {
        uint64_t next = syn_board_poll(&board, clock_us);
        if (next == BOARD_NEVER)
            break;
        clock_us = next > clock_us ? next : clock_us + 1u;
    }
    if (n_owed > 0)
        fuzz_fail("request id %u (type 0x%04x) was never answered (%lu owed)", (unsigned)owed[0].id,
                  (unsigned)owed[0].type, (unsigned long)n_owed);
    return 0;
}
