/* The in-process board for tests; see board_rig.h. */
#include "board_rig.h"

#include <string.h>

#include "emu_memory.h"
#include "harness.h"
#include "sha256.h"

static uint8_t scratch[SYN_MAX_BODY];
static cbor_writer writer;

cbor_writer *body(void)
{
    syn_cbor_writer_init(&writer, scratch, sizeof scratch);
    return &writer;
}

void rig_write_put(cbor_writer *w, unsigned slot, uint64_t offset, uint64_t total, const uint8_t *data, size_t n)
{
    syn_cbor_write_map(w, 4);
    syn_cbor_write_uint(w, 0);
    syn_cbor_write_uint(w, slot);
    syn_cbor_write_uint(w, 1);
    syn_cbor_write_uint(w, offset);
    syn_cbor_write_uint(w, 2);
    syn_cbor_write_uint(w, total);
    syn_cbor_write_uint(w, 3);
    syn_cbor_write_bytes(w, data, n);
}

cbor_writer *body_pair(uint64_t a, uint64_t b)
{
    cbor_writer *w = body();
    syn_cbor_write_map(w, 2);
    syn_cbor_write_uint(w, 0);
    syn_cbor_write_uint(w, a);
    syn_cbor_write_uint(w, 1);
    syn_cbor_write_uint(w, b);
    return w;
}

void rig_write_profile(cbor_writer *w, const char *id, uint64_t warmup, uint64_t runs, unsigned slot)
{
    syn_cbor_write_map(w, 4);
    syn_cbor_write_uint(w, 0);
    syn_cbor_write_cstr(w, id);
    syn_cbor_write_uint(w, 1);
    syn_cbor_write_uint(w, warmup);
    syn_cbor_write_uint(w, 2);
    syn_cbor_write_uint(w, runs);
    syn_cbor_write_uint(w, 3);
    syn_cbor_write_array(w, 1);
    syn_cbor_write_uint(w, slot);
}

void rig_boot(rig *r, const char *chip)
{
    rig_boot_engine(r, chip, &syn_accel_engine_layer);
}

void rig_boot_engine(rig *r, const char *chip, const accel_engine *engine)
{
    memset(r, 0, sizeof *r);
    golden_config(&r->cfg);
    r->cfg.engine = engine;
    r->cfg.chip = syn_chip_find(chip);
    CHECK(r->cfg.chip != NULL);
    CHECK(syn_emu_memory_for(r->cfg.chip, r->cfg.engine, &r->cfg.mem));
    capture_init(&r->cap, 0x12345678u);
    syn_board_init(&r->board, &r->cfg, &r->cap.port, BOARD_BOOT_POWER_ON);
    capture_clear(&r->cap);
    r->next_id = 1;
}

uint16_t rig_send(rig *r, uint16_t type, const uint8_t *b, size_t len)
{
    static uint8_t wire[SYN_MAX_WIRE];
    uint16_t id = r->next_id++;
    size_t n = syn_frame_build(wire, sizeof wire, SYN_KIND_REQUEST, id, type, b, len);
    CHECK(n > 0);
    syn_board_rx_bytes(&r->board, wire, n);
    return id;
}

void rig_at(rig *r, uint64_t now_us)
{
    r->cap.now = now_us;
    syn_board_poll(&r->board, now_us);
}

size_t rig_frames(const rig *r)
{
    return capture_frame_count(&r->cap);
}

void rig_clear(rig *r)
{
    capture_clear(&r->cap);
}

bool rig_answer(rig *r, size_t n)
{
    r->code = 0;
    r->message[0] = '\0';
    if (!capture_frame(&r->cap, n, &r->frame))
        return false;
    if (r->frame.h.kind == SYN_KIND_ERROR)
        frame_error(&r->frame, &r->code, r->message, sizeof r->message);
    return true;
}

bool rig_call(rig *r, uint16_t type, const uint8_t *b, size_t len)
{
    rig_clear(r);
    rig_send(r, type, b, len);
    if (!CHECK(rig_frames(r) == 1) || !rig_answer(r, 0))
        return false;
    return r->frame.h.kind == SYN_KIND_RESPONSE;
}

bool answer_field(const rig *r, uint64_t key, cbor_reader *v)
{
    return body_field(r->frame.body, r->frame.body_len, key, v);
}

bool body_field(const uint8_t *body, size_t len, uint64_t key, cbor_reader *v)
{
    cbor_reader rd;
    syn_cbor_reader_init(&rd, body, len);
    size_t pairs;
    if (!syn_cbor_read_map(&rd, &pairs))
        return false;
    for (size_t i = 0; i < pairs; i++) {
        uint64_t k;
        if (!syn_cbor_read_uint(&rd, &k))
            return false;
        if (k == key) {
            *v = rd;
            return true;
        }
        if (!syn_cbor_skip(&rd))
            return false;
    }
    return false;
}

uint64_t answer_uint(const rig *r, uint64_t key)
{
    cbor_reader v;
    uint64_t x = UINT64_MAX;
    if (!answer_field(r, key, &v) || !syn_cbor_read_uint(&v, &x))
        return UINT64_MAX;
    return x;
}

void rig_write_begin(cbor_writer *w, const char *id, const uint8_t *blob, size_t len)
{
    uint8_t sha[32];
    syn_sha256(blob, len, sha);
    syn_cbor_write_map(w, 3);
    syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, id);
    syn_cbor_write_uint(w, 1); syn_cbor_write_uint(w, len);
    syn_cbor_write_uint(w, 2); syn_cbor_write_bytes(w, sha, 32);
}

void rig_write_infer(cbor_writer *w, unsigned n_keys, const char *id, const uint8_t *in, size_t n_in, const uint8_t *out,
                     size_t n_out)
{
    syn_cbor_write_map(w, n_keys);
    syn_cbor_write_uint(w, 0); syn_cbor_write_cstr(w, id);
    syn_cbor_write_uint(w, 1); syn_cbor_write_array(w, n_in);
    for (size_t i = 0; i < n_in; i++)
        syn_cbor_write_uint(w, in[i]);
    syn_cbor_write_uint(w, 2); syn_cbor_write_array(w, n_out);
    for (size_t i = 0; i < n_out; i++)
        syn_cbor_write_uint(w, out[i]);
}

bool rig_upload_split(rig *r, const char *id, const uint8_t *blob, size_t len, size_t (*piece)(size_t at, void *user),
                      void *user)
{
    cbor_writer *w = body();
    rig_write_begin(w, id, blob, len);
    if (!rig_call(r, SYN_MSG_SEGMENT_BEGIN, w->buf, w->len))
        return false;
    for (size_t at = answer_uint(r, 0); at < len;) {
        size_t n = piece(at, user);
        if (n == 0 || n > SYN_MAX_PAYLOAD)
            n = SYN_MAX_PAYLOAD;
        if (n > len - at)
            n = len - at;
        w = body();
        syn_cbor_write_map(w, 2);
        syn_cbor_write_uint(w, 0); syn_cbor_write_uint(w, at);
        syn_cbor_write_uint(w, 1); syn_cbor_write_bytes(w, blob + at, n);
        if (!rig_call(r, SYN_MSG_SEGMENT_CHUNK, w->buf, w->len))
            return false;
        at = answer_uint(r, 0);
    }
    return rig_call(r, SYN_MSG_SEGMENT_COMMIT, (const uint8_t *)"\xa0", 1);
}

bool rig_infer(rig *r, const char *id, const uint8_t *in, size_t n_in, const uint8_t *out, size_t n_out)
{
    cbor_writer *w = body();
    rig_write_infer(w, 3, id, in, n_in, out, n_out);
    return rig_request(r, SYN_MSG_INFER, w->buf, w->len, 100);
}

bool rig_request(rig *r, uint16_t type, const uint8_t *body, size_t len, int polls)
{
    rig_clear(r);
    rig_send(r, type, body, len);
    for (int i = 0; i < polls && rig_frames(r) == 0; i++) {
        uint64_t next = syn_board_poll(&r->board, r->cap.now);
        if (next == BOARD_NEVER)
            break;
        rig_at(r, next);
    }
    return rig_frames(r) == 1 && rig_answer(r, 0) && r->frame.h.kind == SYN_KIND_RESPONSE;
}

/* rig_upload's pieces: as large as a chunk may be. */
static size_t whole_payload(size_t at, void *user)
{
    (void)at;
    (void)user;
    return SYN_MAX_PAYLOAD;
}

bool rig_upload(rig *r, const char *id, const uint8_t *blob, size_t len)
{
    return rig_upload_split(r, id, blob, len, whole_payload, NULL);
}

bool rig_put(rig *r, unsigned slot, const uint8_t *data, uint32_t len)
{
    uint32_t at = 0;
    do {
        uint32_t n = len - at < SYN_MAX_PAYLOAD ? len - at : SYN_MAX_PAYLOAD;
        cbor_writer *w = body();
        rig_write_put(w, slot, at, len, data + at, n);
        if (!rig_call(r, SYN_MSG_TENSOR_PUT, w->buf, w->len) || answer_uint(r, 0) != at + n)
            return false;
        at += n;
    } while (at < len);
    return true;
}

bool rig_call_get(rig *r, unsigned slot, uint64_t offset, uint64_t max)
{
    cbor_writer *w = body();
    syn_cbor_write_map(w, 3);
    syn_cbor_write_uint(w, 0); syn_cbor_write_uint(w, slot);
    syn_cbor_write_uint(w, 1); syn_cbor_write_uint(w, offset);
    syn_cbor_write_uint(w, 2); syn_cbor_write_uint(w, max);
    return rig_call(r, SYN_MSG_TENSOR_GET, w->buf, w->len);
}

size_t rig_get(rig *r, unsigned slot, uint8_t *out, size_t cap)
{
    size_t got = 0;
    for (;;) {
        if (!rig_call_get(r, slot, got, 100000))
            return SIZE_MAX;
        cbor_reader v;
        const uint8_t *d;
        size_t n;
        uint64_t total = answer_uint(r, 1);
        if (!answer_field(r, 0, &v) || !syn_cbor_read_bytes(&v, &d, &n) || got + n > cap)
            return SIZE_MAX;
        memcpy(out + got, d, n);
        got += n;
        if (got >= total || n == 0)
            return got;
    }
}
