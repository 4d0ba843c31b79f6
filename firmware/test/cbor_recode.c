/* Copying CBOR through the reader and writer, for test_cbor.c and the fuzz_cbor target. */
#include "cbor_recode.h"

#include <string.h>

/* Copies one item through the reader and writer: for deterministic input this must give the
 * same bytes back. */
static bool recode(cbor_reader *r, cbor_writer *w, int depth)
{
    if (depth > SYN_CBOR_MAX_DEPTH + 1)
        return false;
    size_t n;
    switch (syn_cbor_peek(r)) {
    case CBOR_UINT: { uint64_t v; return syn_cbor_read_uint(r, &v) && syn_cbor_write_uint(w, v); }
    case CBOR_NINT: {
        /* -1 - arg may pass int64 (down to -2^64): copy the argument as if major 0, then turn
         * the written head back to major 1. */
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
        if (!syn_cbor_read_array(r, &n) || !syn_cbor_write_array(w, n))
            return false;
        for (size_t i = 0; i < n; i++)
            if (!recode(r, w, depth + 1))
                return false;
        return true;
    case CBOR_MAP:
        if (!syn_cbor_read_map(r, &n) || !syn_cbor_write_map(w, n))
            return false;
        for (size_t i = 0; i < 2 * n; i++)
            if (!recode(r, w, depth + 1))
                return false;
        return true;
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

bool cbor_recode(cbor_reader *r, cbor_writer *w)
{
    return recode(r, w, 0);
}
