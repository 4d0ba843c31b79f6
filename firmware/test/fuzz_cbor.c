/* libFuzzer target: the CBOR reader (make fuzz). Nothing may read out of bounds, syn_cbor_validate
 * and syn_cbor_skip must agree, and an accepted item must re-encode to exactly the same bytes (the
 * subset is deterministic). */
#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "cbor_recode.h"

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
    if (!cbor_recode(&r, &w) || w.len != size || memcmp(out, data, size) != 0)
        abort();
    return 0;
}
