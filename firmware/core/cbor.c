/* Bounded CBOR reader and writer for the protocol's deterministic subset; see cbor.h. */
#include "cbor.h"

#include <string.h>

/* ---- reader ----------------------------------------------------------------------------- */

/* One item head: major type and argument (the value, length or count; for major 7 the
 * additional information 20..22). */
typedef struct {
    unsigned major;
    uint64_t arg;
    size_t size;   /* bytes of the head itself */
} cbor_head;

static cbor_err parse_head(const uint8_t *p, const uint8_t *end, cbor_head *h)
{
    if (p >= end)
        return CBOR_ERR_EOF;
    unsigned major = p[0] >> 5;
    unsigned ai = p[0] & 0x1Fu;
    h->major = major;
    if (major == 6)
        return CBOR_ERR_UNSUPPORTED;                    /* tags */
    if (major == 7) {
        /* Only false (20), true (21), null (22); undefined, other simple values, floats and
         * break are outside the subset. */
        if (ai < 20 || ai > 22)
            return CBOR_ERR_UNSUPPORTED;
        h->arg = ai;
        h->size = 1;
        return CBOR_OK;
    }
    if (ai < 24) {
        h->arg = ai;
        h->size = 1;
        return CBOR_OK;
    }
    if (ai > 27)
        return CBOR_ERR_UNSUPPORTED;                    /* reserved 28..30, indefinite 31 */
    size_t n = (size_t)1 << (ai - 24);                  /* 1, 2, 4 or 8 bytes follow */
    if ((size_t)(end - p) - 1u < n)
        return CBOR_ERR_EOF;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[1 + i];
    /* Shortest form: each width must be needed. */
    static const uint64_t min_for_width[4] = { 24u, 0x100u, 0x10000u, 0x100000000u };
    if (v < min_for_width[ai - 24])
        return CBOR_ERR_NONCANONICAL;
    h->arg = v;
    h->size = 1 + n;
    return CBOR_OK;
}

static bool fail(cbor_reader *r, cbor_err e)
{
    if (r->err == CBOR_OK)
        r->err = e;
    return false;
}

#define ANY_MAJOR 8u

/* Reads the next head without consuming it; it must be of major type `major` (or ANY_MAJOR). */
static bool peek_head(cbor_reader *r, unsigned major, cbor_head *h)
{
    if (r->err != CBOR_OK)
        return false;
    cbor_err e = parse_head(r->p, r->end, h);
    if (e != CBOR_OK)
        return fail(r, e);
    if (major != ANY_MAJOR && h->major != major)
        return fail(r, CBOR_ERR_TYPE);
    return true;
}

/* Reads the next head, which must be of major type `major`; consumes it only on success. */
static bool take_head(cbor_reader *r, unsigned major, cbor_head *h)
{
    if (!peek_head(r, major, h))
        return false;
    r->p += h->size;
    return true;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t extra;
        uint32_t cp;
        uint32_t min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0u) == 0xC0u) {
            extra = 1; cp = c & 0x1Fu; min = 0x80u;
        } else if ((c & 0xF0u) == 0xE0u) {
            extra = 2; cp = c & 0x0Fu; min = 0x800u;
        } else if ((c & 0xF8u) == 0xF0u) {
            extra = 3; cp = c & 0x07u; min = 0x10000u;
        } else {
            return false;
        }
        if (n - i - 1u < extra)
            return false;
        for (size_t k = 1; k <= extra; k++) {
            uint8_t cc = s[i + k];
            if ((cc & 0xC0u) != 0x80u)
                return false;
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu))
            return false;
        i += extra + 1u;
    }
    return true;
}

void syn_cbor_reader_init(cbor_reader *r, const uint8_t *buf, size_t len)
{
    r->p = buf;
    r->end = buf + len;
    r->err = CBOR_OK;
}

cbor_type syn_cbor_peek(const cbor_reader *r)
{
    if (r->err != CBOR_OK || r->p >= r->end)
        return CBOR_NONE;
    unsigned major = r->p[0] >> 5;
    if (major == 6)
        return CBOR_NONE;
    return (cbor_type)major;
}

bool syn_cbor_read_uint(cbor_reader *r, uint64_t *out)
{
    cbor_head h;
    if (!take_head(r, 0, &h))
        return false;
    *out = h.arg;
    return true;
}

bool syn_cbor_read_int(cbor_reader *r, int64_t *out)
{
    cbor_head h;
    if (!peek_head(r, ANY_MAJOR, &h))
        return false;
    if (h.major != 0 && h.major != 1)
        return fail(r, CBOR_ERR_TYPE);
    if (h.arg > (uint64_t)INT64_MAX)
        return fail(r, CBOR_ERR_RANGE);
    /* Major 1 holds -1 - arg, which with arg <= INT64_MAX stays within int64. */
    *out = h.major == 0 ? (int64_t)h.arg : -1 - (int64_t)h.arg;
    r->p += h.size;
    return true;
}

/* Reads a head of `major` whose argument is at most max (else the error `over`); consumes it only
 * on success. */
static bool take_bounded(cbor_reader *r, unsigned major, uint64_t max, cbor_err over, uint64_t *arg)
{
    cbor_head h;
    if (!peek_head(r, major, &h))
        return false;
    if (h.arg > max)
        return fail(r, over);
    *arg = h.arg;
    r->p += h.size;
    return true;
}

bool syn_cbor_read_u32(cbor_reader *r, uint32_t *out)
{
    uint64_t v;
    if (!take_bounded(r, 0, UINT32_MAX, CBOR_ERR_RANGE, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

bool syn_cbor_read_i32(cbor_reader *r, int32_t *out)
{
    if (r->err != CBOR_OK)
        return false;
    cbor_reader probe = *r;
    int64_t v;
    if (!syn_cbor_read_int(&probe, &v))
        return fail(r, probe.err);
    if (v < INT32_MIN || v > INT32_MAX)
        return fail(r, CBOR_ERR_RANGE);
    *out = (int32_t)v;
    r->p = probe.p;
    return true;
}

static bool take_string(cbor_reader *r, unsigned major, const uint8_t **data, size_t *len)
{
    cbor_head h;
    if (!peek_head(r, major, &h))
        return false;
    size_t avail = (size_t)(r->end - r->p) - h.size;
    if (h.arg > avail)
        return fail(r, CBOR_ERR_EOF);
    if (major == 3) {
        if (h.arg > SYN_CBOR_MAX_TEXT)
            return fail(r, CBOR_ERR_TEXT_LONG);
        if (!utf8_valid(r->p + h.size, (size_t)h.arg))
            return fail(r, CBOR_ERR_UTF8);
    }
    *data = r->p + h.size;
    *len = (size_t)h.arg;
    r->p += h.size + (size_t)h.arg;
    return true;
}

bool syn_cbor_read_bytes(cbor_reader *r, const uint8_t **data, size_t *len)
{
    return take_string(r, 2, data, len);
}

bool syn_cbor_read_text(cbor_reader *r, const char **text, size_t *len)
{
    const uint8_t *d;
    if (!take_string(r, 3, &d, len))
        return false;
    *text = (const char *)d;
    return true;
}

static bool take_container(cbor_reader *r, unsigned major, size_t *count)
{
    uint64_t n;
    if (!take_bounded(r, major, SYN_CBOR_MAX_ITEMS, CBOR_ERR_LIMIT, &n))
        return false;
    *count = (size_t)n;
    return true;
}

bool syn_cbor_read_array(cbor_reader *r, size_t *count)
{
    return take_container(r, 4, count);
}

bool syn_cbor_read_map(cbor_reader *r, size_t *count)
{
    return take_container(r, 5, count);
}

bool syn_cbor_read_bool(cbor_reader *r, bool *out)
{
    cbor_head h;
    if (!peek_head(r, 7, &h))
        return false;
    if (h.arg == 22)
        return fail(r, CBOR_ERR_TYPE);
    *out = h.arg == 21;
    r->p += h.size;
    return true;
}

bool syn_cbor_read_null(cbor_reader *r)
{
    cbor_head h;
    if (!peek_head(r, 7, &h))
        return false;
    if (h.arg != 22)
        return fail(r, CBOR_ERR_TYPE);
    r->p += h.size;
    return true;
}

/* Walks one item iteratively (no recursion: the board's stack is small), with an explicit
 * stack of open containers bounded by SYN_CBOR_MAX_DEPTH. */
bool syn_cbor_skip(cbor_reader *r)
{
    struct level {
        uint32_t left;      /* items still due (a map of n pairs has 2n) */
        bool is_map;
        bool have_key;
        uint64_t prev_key;
    } st[SYN_CBOR_MAX_DEPTH];
    size_t depth = 0;

    if (r->err != CBOR_OK)
        return false;
    const uint8_t *p = r->p;
    for (;;) {
        cbor_head h;
        cbor_err e = parse_head(p, r->end, &h);
        if (e != CBOR_OK)
            return fail(r, e);
        if (depth > 0 && st[depth - 1].is_map && st[depth - 1].left % 2u == 0) {
            struct level *m = &st[depth - 1];
            if (h.major != 0)
                return fail(r, CBOR_ERR_TYPE);          /* keys are unsigned integers */
            if (m->have_key && h.arg <= m->prev_key)
                return fail(r, CBOR_ERR_NONCANONICAL);  /* ascending, no duplicates */
            m->have_key = true;
            m->prev_key = h.arg;
        }
        size_t avail = (size_t)(r->end - p) - h.size;
        switch (h.major) {
        case 2:
        case 3:
            if (h.arg > avail)
                return fail(r, CBOR_ERR_EOF);
            if (h.major == 3) {
                if (h.arg > SYN_CBOR_MAX_TEXT)
                    return fail(r, CBOR_ERR_TEXT_LONG);
                if (!utf8_valid(p + h.size, (size_t)h.arg))
                    return fail(r, CBOR_ERR_UTF8);
            }
            p += h.size + (size_t)h.arg;
            break;
        case 4:
        case 5:
            if (h.arg > SYN_CBOR_MAX_ITEMS)
                return fail(r, CBOR_ERR_LIMIT);
            p += h.size;
            if (h.arg > 0) {
                if (depth == SYN_CBOR_MAX_DEPTH)
                    return fail(r, CBOR_ERR_LIMIT);
                st[depth].left = (uint32_t)h.arg * (h.major == 5 ? 2u : 1u);
                st[depth].is_map = h.major == 5;
                st[depth].have_key = false;
                st[depth].prev_key = 0;
                depth++;
                continue;
            }
            if (depth == SYN_CBOR_MAX_DEPTH)
                return fail(r, CBOR_ERR_LIMIT);     /* an empty container still nests */
            break;
        default:   /* integers and false/true/null */
            p += h.size;
            break;
        }
        /* One item is complete: count it in its container, closing containers that end. */
        while (depth > 0) {
            if (--st[depth - 1].left > 0)
                break;
            depth--;
        }
        if (depth == 0) {
            r->p = p;
            return true;
        }
    }
}

bool syn_cbor_at_end(const cbor_reader *r)
{
    return r->err == CBOR_OK && r->p == r->end;
}

cbor_err syn_cbor_validate(const uint8_t *buf, size_t len)
{
    cbor_reader r;
    syn_cbor_reader_init(&r, buf, len);
    if (!syn_cbor_skip(&r))
        return r.err;
    return r.p == r.end ? CBOR_OK : CBOR_ERR_TRAILING;
}

/* ---- writer ----------------------------------------------------------------------------- */

void syn_cbor_writer_init(cbor_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->err = CBOR_OK;
}

static bool wfail(cbor_writer *w, cbor_err e)
{
    if (w->err == CBOR_OK)
        w->err = e;
    return false;
}

static bool put_raw(cbor_writer *w, const uint8_t *data, size_t n)
{
    if (w->err != CBOR_OK)
        return false;
    if (n > w->cap - w->len)
        return wfail(w, CBOR_ERR_OVERFLOW);
    if (n > 0)
        memcpy(w->buf + w->len, data, n);
    w->len += n;
    return true;
}

/* Shortest-form head for major type `major` with argument v. */
static bool put_head(cbor_writer *w, unsigned major, uint64_t v)
{
    uint8_t h[9];
    size_t n;
    uint8_t m = (uint8_t)(major << 5);
    if (v < 24) {
        h[0] = (uint8_t)(m | v);
        n = 1;
    } else if (v <= 0xFFu) {
        h[0] = m | 24u;
        n = 2;
    } else if (v <= 0xFFFFu) {
        h[0] = m | 25u;
        n = 3;
    } else if (v <= 0xFFFFFFFFu) {
        h[0] = m | 26u;
        n = 5;
    } else {
        h[0] = m | 27u;
        n = 9;
    }
    for (size_t i = 1; i < n; i++)
        h[i] = (uint8_t)(v >> (8u * (n - 1u - i)));
    return put_raw(w, h, n);
}

bool syn_cbor_write_uint(cbor_writer *w, uint64_t v)
{
    return put_head(w, 0, v);
}

bool syn_cbor_write_int(cbor_writer *w, int64_t v)
{
    if (v >= 0)
        return put_head(w, 0, (uint64_t)v);
    return put_head(w, 1, (uint64_t)(-(v + 1)));
}

bool syn_cbor_write_bytes(cbor_writer *w, const uint8_t *data, size_t len)
{
    return put_head(w, 2, len) && put_raw(w, data, len);
}

bool syn_cbor_write_text(cbor_writer *w, const char *text, size_t len)
{
    if (len > SYN_CBOR_MAX_TEXT)
        return wfail(w, CBOR_ERR_TEXT_LONG);
    return put_head(w, 3, len) && put_raw(w, (const uint8_t *)text, len);
}

bool syn_cbor_write_cstr(cbor_writer *w, const char *text)
{
    return syn_cbor_write_text(w, text, strlen(text));
}

bool syn_cbor_write_array(cbor_writer *w, size_t count)
{
    if (count > SYN_CBOR_MAX_ITEMS)
        return wfail(w, CBOR_ERR_LIMIT);
    return put_head(w, 4, count);
}

bool syn_cbor_write_map(cbor_writer *w, size_t count)
{
    if (count > SYN_CBOR_MAX_ITEMS)
        return wfail(w, CBOR_ERR_LIMIT);
    return put_head(w, 5, count);
}

bool syn_cbor_write_bool(cbor_writer *w, bool v)
{
    uint8_t b = v ? 0xF5u : 0xF4u;
    return put_raw(w, &b, 1);
}

bool syn_cbor_write_null(cbor_writer *w)
{
    uint8_t b = 0xF6u;
    return put_raw(w, &b, 1);
}

_Static_assert(SYN_CBOR_MAX_TEXT == 64, "cbor_err_name names the text limit");

const char *syn_cbor_err_name(cbor_err e)
{
    switch (e) {
    case CBOR_OK: return "ok";
    case CBOR_ERR_EOF: return "item runs past the end";
    case CBOR_ERR_TYPE: return "wrong type";
    case CBOR_ERR_UNSUPPORTED: return "tag, float or indefinite length";
    case CBOR_ERR_NONCANONICAL: return "not in deterministic form";
    case CBOR_ERR_LIMIT: return "over a limit";
    case CBOR_ERR_RANGE: return "integer out of range";
    case CBOR_ERR_OVERFLOW: return "buffer full";
    case CBOR_ERR_TRAILING: return "bytes after the item";
    case CBOR_ERR_UTF8: return "text is not UTF-8";
    case CBOR_ERR_TEXT_LONG: return "text over 64 bytes";
    }
    return "unknown error";
}
