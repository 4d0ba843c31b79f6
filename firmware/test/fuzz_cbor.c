/* libFuzzer target: the CBOR reader (make fuzz). Nothing may read out of bounds, syn_cbor_validate
 * and syn_cbor_skip must agree, and an accepted item must re-encode to exactly the same bytes (the
 * subset is deterministic). */
#include <stdlib.h>
#include <string.h>

#include "cbor.h"

static bool recode(cbor_reader *r, cbor_writer *w, int depth)
{
    size_t n;
    if (depth > SYN_CBOR_MAX_DEPTH + 1)
        return false;
    switch (syn_cbor_peek(r)) {
    case CBOR_UINT: { uint64_t v; return syn_cbor_read_uint(r, &v) && syn_cbor_write_uint(w, v); }
    case CBOR_NINT: {
        /* copy the argument as major 0, then set the written head back to major 1 */
        uint8_t head[9];
        size_t avail = (size_t)(r->end - r->p), hn = avail < 9 ? avail : 9;
        memcpy(head, r->p, hn);
        head[0] &= 0x1Fu;
        cbor_reader u;
        uint64_t arg;
        syn_cbor_reader_init(&u, head, hn);
        size_t at = w->len;
        if (!syn_cbor_read_uint(&u, &arg) || !syn_cbor_write_uint(w, arg))
            return false;
        r->p += (size_t)(u.p - head);
        w->buf[at] |= 0x20u;
        return true;
    }
    case CBOR_BYTES: { const uint8_t *d; return syn_cbor_read_bytes(r, &d, &n) && syn_cbor_write_bytes(w, d, n); }
    case CBOR_TEXT: { const char *t; return syn_cbor_read_text(r, &t, &n) && syn_cbor_write_text(w, t, n); }
    case CBOR_ARRAY:
    case CBOR_MAP: {
        bool map = syn_cbor_peek(r) == CBOR_MAP;
        if (!(map ? syn_cbor_read_map(r, &n) : syn_cbor_read_array(r, &n)) || !(map ? syn_cbor_write_map(w, n) : syn_cbor_write_array(w, n)))
            return false;
        for (size_t i = 0; i < (map ? 2 * n : n); i++)
            if (!recode(r, w, depth + 1))
                return false;
        return true;
    }
    case CBOR_SIMPLE: {
        bool b;
        cbor_reader probe = *r;
        if (syn_cbor_read_null(&probe)) { *r = probe; return syn_cbor_write_null(w); }
        return syn_cbor_read_bool(r, &b) && syn_cbor_write_bool(w, b);
    }
    case CBOR_NONE:
        break;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[16384];
    cbor_err e = syn_cbor_validate(data, size);
    cbor_reader r;
    syn_cbor_reader_init(&r, data, size);
    bool skipped = syn_cbor_skip(&r);
    if ((skipped && r.p == r.end) != (e == CBOR_OK))
        abort();
    if (e != CBOR_OK || size > sizeof out)
        return 0;
    cbor_writer w;
    syn_cbor_writer_init(&w, out, sizeof out);
    syn_cbor_reader_init(&r, data, size);
    if (!recode(&r, &w, 0) || w.len != size || memcmp(out, data, size) != 0)
        abort();
    return 0;
}
