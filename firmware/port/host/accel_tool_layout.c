/* synergy-accel layout: the data-memory words of a tensor placed by a layout descriptor
 * (firmware/accel/reg/reg_layout.h), for the cross-test with the TypeScript generator's twin.
 *
 *   args = {
 *     0 => int,              ; source: -1 the network input, j the output of model layer j
 *     1 => [uint, uint, uint], ; shape C, H, W
 *     2 => uint,             ; width: 8 or 32
 *     3 => tstr,             ; format: "HWC" or "CHW"
 *     4 => uint,             ; processors (64-bit mask)
 *     5 => uint,             ; offset (bytes)
 *     6 => uint,             ; write_gap
 *     7 => bstr,             ; the tensor, CHW: int8 values, or int32 little-endian for width 32
 *   }
 *   answer = {"words": [[address, value, lanes], ...], "gathered": bool}
 * in placing order (instance, pass, pixel); lanes is the byte-lane mask the word carries (15:
 * the whole word). "gathered" says that gathering the placed words gives the tensor back. */
#include "accel_tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "reg/reg_layout.h"

#define MAX_TENSOR_BYTES (4u * 1024u * 1024u)

typedef struct {
    uint32_t addr, value;
    uint8_t lanes;
} placed;

static placed *words;
static size_t n_words, cap_words;
static size_t *order;   /* word indices sorted by address, then by placing order */

static bool keep(void *user, uint32_t addr, uint32_t value, uint8_t lanes)
{
    (void)user;
    if (n_words == cap_words) {
        size_t cap = cap_words ? 2 * cap_words : 4096;
        placed *w = realloc(words, cap * sizeof *w);
        if (w == NULL)
            return false;
        words = w;
        cap_words = cap;
    }
    words[n_words++] = (placed){ addr, value, lanes };
    return true;
}

static int by_address(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (words[x].addr != words[y].addr)
        return words[x].addr < words[y].addr ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Reads back from the placed words: their lanes merged in placing order (0 where none). */
static bool recall(void *user, uint32_t addr, uint32_t *value)
{
    (void)user;
    size_t lo = 0, hi = n_words;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (words[order[mid]].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint32_t v = 0;
    for (; lo < n_words && words[order[lo]].addr == addr; lo++) {
        const placed *w = &words[order[lo]];
        for (unsigned l = 0; l < 4; l++)
            if (w->lanes >> l & 1u)
                v = (v & ~(0xFFu << (8u * l))) | (w->value & (0xFFu << (8u * l)));
    }
    *value = v;
    return true;
}

static bool read_layout(const tool_request *req, reg_layout *t, const uint8_t **data, size_t *len, char *err,
                        size_t cap)
{
    memset(t, 0, sizeof *t);
    *data = NULL;
    tool_map m;
    uint64_t key, u;
    if (!syn_tool_args_map(req, &m, "the layout descriptor and the tensor are needed", err, cap))
        return false;
    unsigned seen = 0;
    while (syn_tool_next_key(&m, &key, err, cap)) {
        int64_t s;
        bool ok = true;
        if (key < 8)
            seen |= 1u << key;
        switch (key) {
        case 0: ok = syn_cbor_read_int(&m.r, &s) && s >= -1 && s < 1024; t->source = (int16_t)s; break;
        case 1: {
            size_t k;
            uint32_t d[3];
            ok = syn_cbor_read_array(&m.r, &k) && k == 3 && syn_cbor_read_u32(&m.r, &d[0]) && syn_cbor_read_u32(&m.r, &d[1])
                 && syn_cbor_read_u32(&m.r, &d[2]) && d[0] <= 0xFFFFu && d[1] <= 0xFFFFu && d[2] <= 0xFFFFu;
            t->shape = (accel_shape){ (uint16_t)d[0], (uint16_t)d[1], (uint16_t)d[2] };
            break;
        }
        case 2: ok = syn_cbor_read_uint(&m.r, &u) && (u == 8 || u == 32); t->width = (uint8_t)u; break;
        case 3: {
            const char *f;
            size_t fl;
            ok = syn_cbor_read_text(&m.r, &f, &fl) && fl == 3 && (memcmp(f, "HWC", 3) == 0 || memcmp(f, "CHW", 3) == 0);
            t->format = ok && memcmp(f, "CHW", 3) == 0 ? FMT_CHW : FMT_HWC;
            break;
        }
        case 4: ok = syn_cbor_read_uint(&m.r, &t->processors); break;
        case 5: ok = syn_cbor_read_u32(&m.r, &t->offset); break;
        case 6: ok = syn_cbor_read_uint(&m.r, &u) && u < 16; t->write_gap = (uint8_t)u; break;
        case 7: ok = syn_cbor_read_bytes(&m.r, data, len); break;
        default: ok = false; break;
        }
        if (!ok) {
            snprintf(err, cap, "args[%u]: missing, unknown or malformed", (unsigned)key);
            return false;
        }
    }
    if (err[0] != '\0')
        return false;
    if (seen != 0xFFu) {
        snprintf(err, cap, "args: keys 0..7 are all needed");
        return false;
    }
    return true;
}

bool syn_tool_layout(const tool_request *req, tool_json *out, char *err, size_t cap)
{
    reg_layout t;
    const uint8_t *data;
    size_t len;
    if (!read_layout(req, &t, &data, &len, err, cap))
        return false;
    char why[SYN_LAYOUT_ERR_MAX];
    if (!syn_reg_layout_check(&t, req->chip, why, sizeof why)) {
        snprintf(err, cap, "layout.%s", why);
        return false;
    }
    uint32_t bytes = syn_reg_layout_bytes(&t);
    if (len != bytes || bytes > MAX_TENSOR_BYTES) {
        snprintf(err, cap, "args[7]: %zu bytes for a tensor of %u", len, (unsigned)bytes);
        return false;
    }
    n_words = 0;
    if (!syn_reg_layout_place(&t, req->chip, data, keep, NULL)) {
        snprintf(err, cap, "out of memory");
        return false;
    }
    uint8_t *back = calloc(bytes, 1);
    free(order);
    order = malloc((n_words ? n_words : 1) * sizeof *order);
    if (back == NULL || order == NULL) {
        free(back);
        snprintf(err, cap, "out of memory");
        return false;
    }
    for (size_t i = 0; i < n_words; i++)
        order[i] = i;
    qsort(order, n_words, sizeof *order, by_address);
    bool same = syn_reg_layout_gather(&t, req->chip, recall, NULL, back) && memcmp(back, data, bytes) == 0;
    free(back);
    syn_json_obj_begin(out);
    syn_json_key(out, "words");
    syn_json_arr_begin(out);
    for (size_t i = 0; i < n_words; i++) {
        syn_json_arr_begin(out);
        syn_json_uint(out, words[i].addr);
        syn_json_uint(out, words[i].value);
        syn_json_uint(out, words[i].lanes);
        syn_json_arr_end(out);
    }
    syn_json_arr_end(out);
    syn_json_key(out, "gathered");
    syn_json_bool(out, same);
    syn_json_obj_end(out);
    return true;
}
