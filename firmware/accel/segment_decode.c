/* Segment description decoder; see segment_decode.h and proto/PROTOCOL.md section 7. The
 * checks and their order follow host/model/segment-codec.ts so both refuse the same blobs. */
#include "segment_decode.h"

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "cbor.h"
#include "text.h"

/* Top-level, tensor and layer keys (PROTOCOL.md 7; SEG, TENSOR, LAYER in segment-codec.ts). */
enum { SEG_FORMAT_KEY = 0, SEG_MODEL, SEG_FIRST, SEG_COUNT, SEG_INPUTS, SEG_OUTPUTS, SEG_LAYERS, SEG_KEYS };
/* Format 2 (PROTOCOL.md 7.1): the header's keys after the layers. */
enum { SEG2_CHIP = SEG_KEYS, SEG2_INIT, SEG2_CONFIGURE, SEG2_START, SEG2_INPUT_LAYOUTS, SEG2_OUTPUT_LAYOUTS,
       SEG2_KERNEL_RECORDS, SEG2_BIAS_RECORDS, SEG2_KEYS };
enum { LY_SOURCE = 0, LY_SHAPE, LY_WIDTH, LY_FORMAT, LY_PROCESSORS, LY_OFFSET, LY_WRITE_GAP, LY_KEYS };
enum { T_SOURCE = 0, T_SHAPE, T_WIDTH, T_KEYS };
enum {
    L_INDEX = 0, L_NAME, L_OP, L_ELTWISE, L_OPERANDS, L_POOL_FIRST, L_KERNEL, L_PAD, L_STRIDE,
    L_DILATION, L_OUTPUT_PAD, L_GROUPS, L_DEPTHWISE, L_ACTIVATION, L_POOL_TYPE, L_POOL_SIZE,
    L_POOL_STRIDE, L_FLATTEN, L_OUTPUT_WIDTH, L_SOURCES, L_INPUT_SHAPE, L_OPERAND_SHAPE,
    L_POOLED_SHAPE, L_OUTPUT_SHAPE, L_WEIGHT_BITS, L_BIAS_PRESENT, L_OUTPUT_SHIFT, L_STREAMING,
    L_PROCESSORS, L_OUTPUT_PROCESSORS, L_IN_OFFSET, L_OUT_OFFSET, L_DATA_FORMAT, L_WRITE_GAP,
    L_WEIGHTS, L_BIAS, L_KEYS
};

static const char *const layer_field[L_KEYS] = {
    "index", "name", "op", "eltwise", "operands", "pool_first", "kernel", "pad", "stride",
    "dilation", "output_pad", "groups", "depthwise", "activation", "pool_type", "pool_size",
    "pool_stride", "flatten", "output_width", "sources", "input_shape", "operand_shape",
    "pooled_shape", "output_shape", "weight_bits", "bias_present", "output_shift", "streaming",
    "processors", "output_processors", "in_offset", "out_offset", "data_format", "write_gap",
    "weights", "bias",
};
static const char *const seg_field[SEG2_KEYS] = { "format", "model", "first", "count", "inputs", "outputs", "layers",
                                                  "chip", "init", "configure", "start", "input_layouts",
                                                  "output_layouts", "kernel_records", "bias_records" };
static const char *const layout_field[LY_KEYS] = { "source", "shape", "width", "format", "processors", "offset",
                                                   "write_gap" };
static const char *const tensor_field[T_KEYS] = { "source", "shape", "width" };

typedef struct {
    cbor_reader r;
    char *err;
    size_t cap;
    char where[96];        /* "layer 3 (conv4)", "inputs[1]", "top level": names the place */
} dec;

/* "<where>.<field>: <reason>"; always returns false so callers can `return fail(...)`. */
static bool SYN_PRINTF(3, 4) fail(dec *d, const char *field, const char *fmt, ...)
{
    if (d->cap == 0)
        return false;
    size_t n;
    if (field && field[0])
        n = d->where[0] ? syn_format(d->err, d->cap, "%s.%s: ", d->where, field) : syn_format(d->err, d->cap, "%s: ", field);
    else
        n = syn_format(d->err, d->cap, "%s: ", d->where);
    if (n < d->cap) {
        va_list ap;
        va_start(ap, fmt);
        syn_vformat(d->err + n, d->cap - n, fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool cbor_fail(dec *d, const char *field)
{
    return fail(d, field, "CBOR: %s", syn_cbor_err_name(d->r.err));
}

/* The formatter has no %d: signed values print through this. */
static const char *sgn(int64_t v, char buf[24])
{
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (unsigned)(m % 10u));
        m /= 10u;
    } while (m != 0);
    size_t k = 0;
    if (v < 0)
        buf[k++] = '-';
    while (n > 0)
        buf[k++] = tmp[--n];
    buf[k] = '\0';
    return buf;
}

/* The next item must be of `type` (`what` names it in the refusal: "an array"). */
static bool expect(dec *d, const char *field, cbor_type type, const char *what)
{
    if (syn_cbor_peek(&d->r) == type)
        return true;
    return d->r.err != CBOR_OK ? cbor_fail(d, field) : fail(d, field, "must be %s", what);
}

/* An array of lo..hi entries; *n its entries. */
static bool read_array(dec *d, const char *field, unsigned long lo, unsigned long hi, size_t *n)
{
    if (!expect(d, field, CBOR_ARRAY, "an array"))
        return false;
    if (!syn_cbor_read_array(&d->r, n))
        return cbor_fail(d, field);
    if (*n < lo || *n > hi)
        return fail(d, field, "has %lu entries, expected %lu..%lu", (unsigned long)*n, lo, hi);
    return true;
}

static bool read_int(dec *d, const char *field, int64_t lo, int64_t hi, int64_t *out)
{
    if (syn_cbor_peek(&d->r) != CBOR_UINT && syn_cbor_peek(&d->r) != CBOR_NINT) {
        if (d->r.err != CBOR_OK)
            return cbor_fail(d, field);
        return fail(d, field, "must be an integer");
    }
    int64_t v;
    if (!syn_cbor_read_int(&d->r, &v))
        return fail(d, field, "integer outside %s..%s", "-2^63", "2^63-1");
    if (v < lo || v > hi) {
        char a[24], b[24], c[24];
        return fail(d, field, "%s is outside %s..%s", sgn(v, a), sgn(lo, b), sgn(hi, c));
    }
    *out = v;
    return true;
}

static bool read_bool(dec *d, const char *field, bool *out)
{
    if (!expect(d, field, CBOR_SIMPLE, "true or false"))
        return false;
    if (!syn_cbor_read_bool(&d->r, out))
        return fail(d, field, "must be true or false");
    return true;
}

static bool read_u8_pair(dec *d, const char *field, int64_t lo, uint8_t out[2])
{
    size_t n;
    if (!read_array(d, field, 2, 2, &n))
        return false;
    for (int k = 0; k < 2; k++) {
        int64_t v;
        char f[32];
        syn_format(f, sizeof f, "%s[%u]", field, (unsigned)k);
        if (!read_int(d, f, lo, 255, &v))
            return false;
        out[k] = (uint8_t)v;
    }
    return true;
}

static bool read_shape(dec *d, const char *field, accel_shape *s)
{
    size_t n;
    if (!read_array(d, field, 3, 3, &n))
        return false;
    int64_t v[3];
    for (int k = 0; k < 3; k++) {
        char f[32];
        syn_format(f, sizeof f, "%s[%u]", field, (unsigned)k);
        if (!read_int(d, f, 1, 65535, &v[k]))
            return false;
    }
    s->c = (uint16_t)v[0];
    s->h = (uint16_t)v[1];
    s->w = (uint16_t)v[2];
    return true;
}

/* A value width: 8 or 32 bits. */
static bool read_width(dec *d, const char *field, uint8_t *width)
{
    int64_t v;
    if (!read_int(d, field, 8, 32, &v))
        return false;
    if (v != 8 && v != 32)
        return fail(d, field, "%lu is neither 8 nor 32", (unsigned long)v);
    *width = (uint8_t)v;
    return true;
}

static bool read_text(dec *d, const char *field, char *out, size_t cap)
{
    const char *t;
    size_t n;
    if (!expect(d, field, CBOR_TEXT, "a text string"))
        return false;
    if (!syn_cbor_read_text(&d->r, &t, &n))
        return cbor_fail(d, field);
    if (n + 1 > cap)
        return fail(d, field, "longer than %lu bytes", (unsigned long)(cap - 1));
    memcpy(out, t, n);
    out[n] = '\0';
    return true;
}

static bool read_bytes(dec *d, const char *field, const uint8_t **data, size_t *len)
{
    if (!expect(d, field, CBOR_BYTES, "a byte string"))
        return false;
    if (!syn_cbor_read_bytes(&d->r, data, len))
        return cbor_fail(d, field);
    return true;
}

/* The fields a layer or a layout reads the same way: where the value goes and its bounds, walked
 * by read_field; the keys marked F_SPECIAL have a check of their own in the reader's switch. */
typedef enum { F_SPECIAL = 0, F_INT, F_BOOL, F_PAIR, F_SHAPE, F_WIDTH } field_kind;
typedef struct {
    uint8_t kind;          /* field_kind */
    uint8_t size;          /* F_INT: the member's bytes (1, 2 or 4) */
    uint16_t offset;       /* the member's offset in its struct */
    int32_t lo;            /* F_INT: lowest value; F_PAIR: each entry's */
    uint32_t hi;           /* F_INT: highest value */
} field_spec;
#define FIELD(kind, type, member, lo, hi) { kind, sizeof(((type *)0)->member), offsetof(type, member), lo, hi }
#define LF(kind, member, lo, hi) FIELD(kind, accel_layer, member, lo, hi)
#define YF(kind, member, lo, hi) FIELD(kind, reg_layout, member, lo, hi)

static const field_spec layer_spec[L_KEYS] = {
    [L_OP] = LF(F_INT, op, 0, OP_PASSTHROUGH), [L_ELTWISE] = LF(F_INT, eltwise, 0, ELT_XOR),
    [L_OPERANDS] = LF(F_INT, operands, 1, 16), [L_OUTPUT_PAD] = LF(F_INT, output_pad, 0, 255),
    [L_GROUPS] = LF(F_INT, groups, 1, 65535), [L_ACTIVATION] = LF(F_INT, activation, 0, ACT_ABS),
    [L_POOL_TYPE] = LF(F_INT, pool_type, 0, POOL_AVG), [L_OUTPUT_SHIFT] = LF(F_INT, output_shift, -128, 127),
    [L_IN_OFFSET] = LF(F_INT, in_offset, 0, 0xFFFFFFFFu), [L_OUT_OFFSET] = LF(F_INT, out_offset, 0, 0xFFFFFFFFu),
    [L_DATA_FORMAT] = LF(F_INT, data_format, 0, FMT_CHW), [L_WRITE_GAP] = LF(F_INT, write_gap, 0, 255),
    [L_KERNEL] = LF(F_PAIR, kernel, 1, 0), [L_PAD] = LF(F_PAIR, pad, 0, 0), [L_STRIDE] = LF(F_PAIR, stride, 1, 0),
    [L_DILATION] = LF(F_PAIR, dilation, 1, 0), [L_POOL_SIZE] = LF(F_PAIR, pool_size, 1, 0),
    [L_POOL_STRIDE] = LF(F_PAIR, pool_stride, 1, 0),
    [L_POOL_FIRST] = LF(F_BOOL, pool_first, 0, 0), [L_DEPTHWISE] = LF(F_BOOL, depthwise, 0, 0),
    [L_FLATTEN] = LF(F_BOOL, flatten, 0, 0), [L_BIAS_PRESENT] = LF(F_BOOL, bias_present, 0, 0),
    [L_STREAMING] = LF(F_BOOL, streaming, 0, 0), [L_OUTPUT_WIDTH] = LF(F_WIDTH, output_width, 0, 0),
    [L_INPUT_SHAPE] = LF(F_SHAPE, input_shape, 0, 0), [L_OPERAND_SHAPE] = LF(F_SHAPE, operand_shape, 0, 0),
    [L_POOLED_SHAPE] = LF(F_SHAPE, pooled_shape, 0, 0), [L_OUTPUT_SHAPE] = LF(F_SHAPE, output_shape, 0, 0),
};
static const field_spec tensor_spec[T_KEYS] = {
    [T_SHAPE] = FIELD(F_SHAPE, accel_tensor, shape, 0, 0), [T_WIDTH] = FIELD(F_WIDTH, accel_tensor, width, 0, 0),
};
static const field_spec layout_spec[LY_KEYS] = {
    [LY_SOURCE] = YF(F_INT, source, -1, INT16_MAX), [LY_SHAPE] = YF(F_SHAPE, shape, 0, 0),
    [LY_WIDTH] = YF(F_WIDTH, width, 0, 0), [LY_FORMAT] = YF(F_INT, format, 0, FMT_CHW),
    [LY_OFFSET] = YF(F_INT, offset, 0, 0xFFFFFFFFu), [LY_WRITE_GAP] = YF(F_INT, write_gap, 0, 255),
};

/* Reads one table field into the struct at obj; integers are stored in the member's own width. */
static bool read_field(dec *d, const char *field, const field_spec *s, void *obj)
{
    uint8_t *at = (uint8_t *)obj + s->offset;
    switch (s->kind) {
    case F_BOOL:
        return read_bool(d, field, (bool *)(void *)at);
    case F_PAIR:
        return read_u8_pair(d, field, s->lo, at);
    case F_SHAPE:
        return read_shape(d, field, (accel_shape *)(void *)at);
    case F_WIDTH:
        return read_width(d, field, at);
    default: {
        int64_t v;
        if (!read_int(d, field, s->lo, s->hi, &v))
            return false;
        uint8_t b = (uint8_t)v;
        uint16_t h = (uint16_t)v;
        uint32_t w = (uint32_t)v;
        memcpy(at, s->size == 1 ? (const void *)&b : s->size == 2 ? (const void *)&h : (const void *)&w, s->size);
        return true;
    }
    }
}

/* Reads the next map key; keys of unknown meaning are skipped with their values by callers. */
static bool read_key(dec *d, uint64_t *key)
{
    if (syn_cbor_peek(&d->r) != CBOR_UINT || !syn_cbor_read_uint(&d->r, key))
        return d->r.err != CBOR_OK ? cbor_fail(d, "") : fail(d, "", "map key is not an unsigned integer");
    return true;
}

static bool skip_value(dec *d)
{
    return syn_cbor_skip(&d->r) ? true : cbor_fail(d, "");
}

static bool read_map_header(dec *d, size_t *n)
{
    if (!expect(d, "", CBOR_MAP, "a map"))
        return false;
    if (!syn_cbor_read_map(&d->r, n))
        return cbor_fail(d, "");
    return true;
}

static bool missing(dec *d, uint64_t seen, unsigned keys, const char *const names[])
{
    for (unsigned k = 0; k < keys; k++) {
        if (!(seen & ((uint64_t)1 << k)))
            return fail(d, names[k], "missing (key %u)", k);
    }
    return true;
}


/* A reader's keys with a check of their own (not in its field_spec table); *known false for a key
 * it does not know, whose value the caller skips. */
typedef bool (*special_reader)(dec *d, const char *field, uint64_t key, void *ctx, bool *known);

/* Reads a map of the fields `table` lists (the F_SPECIAL ones through `special`), skipping keys
 * of unknown meaning; keys 0..required-1 must come. */
static bool read_fields(dec *d, const field_spec *table, const char *const names[], unsigned keys, unsigned required,
                        void *obj, special_reader special, void *ctx)
{
    size_t n;
    if (!read_map_header(d, &n))
        return false;
    uint64_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t key;
        if (!read_key(d, &key))
            return false;
        bool known = key < keys;
        const char *f = known ? names[key] : "";
        if (known && table[key].kind != F_SPECIAL) {
            if (!read_field(d, f, &table[key], obj))
                return false;
        } else if (known && !special(d, f, key, ctx, &known)) {
            return false;
        }
        if (!known) {
            if (!skip_value(d))
                return false;
            continue;
        }
        seen |= (uint64_t)1 << key;
    }
    return missing(d, seen, required, names);
}

typedef struct {
    accel_layer *l;
    accel_params *p;
    uint16_t expected_index;
    size_t pos;
    bool registers;
} layer_read;

static bool read_layer_special(dec *d, const char *f, uint64_t key, void *ctx, bool *known)
{
    layer_read *c = ctx;
    int64_t v = 0;
    if (c->registers && (key == L_WEIGHTS || key == L_BIAS))
        return fail(d, f, "a register segment's layers carry no %s (its records do)", f);
    switch (key) {
    case L_INDEX:
        syn_format(d->where, sizeof d->where, "layers[%lu]", (unsigned long)c->pos);
        if (!read_int(d, f, 0, 65535, &v))
            return false;
        if (v != c->expected_index)
            return fail(d, f, "is %lu, expected %u (first + position)", (unsigned long)v, (unsigned)c->expected_index);
        syn_format(d->where, sizeof d->where, "layer %u", (unsigned)c->expected_index);
        c->l->index = (uint16_t)v;
        break;
    case L_NAME:
        if (!read_text(d, f, c->l->name, sizeof c->l->name))
            return false;
        syn_format(d->where, sizeof d->where, "layer %u (%s)", (unsigned)c->expected_index, c->l->name);
        break;
    case L_SOURCES: {
        size_t count;
        if (!read_array(d, f, 1, SYN_MAX_SOURCES, &count))
            return false;
        for (size_t k = 0; k < count; k++) {
            char fk[32];
            syn_format(fk, sizeof fk, "sources[%lu]", (unsigned long)k);
            if (!read_int(d, fk, -1, 65535, &v))
                return false;
            c->l->sources[k] = (int16_t)(v > INT16_MAX ? INT16_MAX : v);   /* refused below */
        }
        c->l->n_sources = (uint8_t)count;
        break;
    }
    case L_WEIGHT_BITS:
        if (!read_int(d, f, 0, 8, &v))
            return false;
        if (v != 0 && v != 1 && v != 2 && v != 4 && v != 8)
            return fail(d, f, "%lu is not one of 0, 1, 2, 4, 8", (unsigned long)v);
        c->l->weight_bits = (uint8_t)v;
        break;
    case L_PROCESSORS:
    case L_OUTPUT_PROCESSORS: {
        uint64_t m;
        if (syn_cbor_peek(&d->r) != CBOR_UINT)
            return d->r.err != CBOR_OK ? cbor_fail(d, f)
                 : fail(d, f, syn_cbor_peek(&d->r) == CBOR_NINT ? "is outside 0..18446744073709551615" : "must be an integer");
        if (!syn_cbor_read_uint(&d->r, &m))
            return cbor_fail(d, f);
        if (key == L_PROCESSORS)
            c->l->processors = m;
        else
            c->l->output_processors = m;
        break;
    }
    case L_WEIGHTS:
    case L_BIAS: {
        const uint8_t *data;
        size_t len;
        if (!read_bytes(d, f, &data, &len))
            return false;
        if (len > UINT32_MAX)
            return fail(d, f, "byte string too long");
        if (key == L_WEIGHTS) {
            c->p->weights = data;
            c->p->weights_len = (uint32_t)len;
        } else {
            c->p->bias = (const int8_t *)data;
            c->p->bias_len = (uint32_t)len;
        }
        break;
    }
    default:
        *known = false;
    }
    return true;
}

/* Reads one layer map's fields (ranges only; cross-field checks come after). */
static bool read_layer(dec *d, accel_layer *l, accel_params *p, uint16_t expected_index, size_t pos, bool registers)
{
    syn_format(d->where, sizeof d->where, "layer %u", (unsigned)expected_index);
    memset(l, 0, sizeof *l);
    memset(p, 0, sizeof *p);
    layer_read c = { l, p, expected_index, pos, registers };
    return read_fields(d, layer_spec, layer_field, L_KEYS, L_WEIGHTS, l, read_layer_special, &c);
}

uint32_t syn_accel_weight_count(const accel_layer *l)
{
    if (l->op == OP_PASSTHROUGH || l->groups == 0)
        return 0;
    uint64_t cout = l->output_shape.c;
    uint64_t cin = (uint64_t)l->operand_shape.c / l->groups;
    uint64_t n;
    switch (l->op) {
    case OP_CONV1D:
        n = cout * cin * l->kernel[0];
        break;
    case OP_CONV2D:
    case OP_CONVTRANSPOSE2D:
        n = cout * cin * l->kernel[0] * l->kernel[1];
        break;
    case OP_LINEAR:
        n = l->flatten ? cout * l->pooled_shape.c * l->pooled_shape.h * l->pooled_shape.w : cout * l->pooled_shape.c;
        break;
    default:
        return 0;
    }
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

int8_t syn_accel_weight_at(const accel_params *p, uint8_t weight_bits, uint32_t i)
{
    if (weight_bits == 8)
        return (int8_t)p->weights[i];
    uint32_t bit = i * weight_bits;
    unsigned mask = (1u << weight_bits) - 1u;
    unsigned v = (p->weights[bit >> 3] >> (bit & 7u)) & mask;
    return (int8_t)(v & (1u << (weight_bits - 1)) ? (int)v - (1 << weight_bits) : (int)v);
}

const accel_tensor *syn_accel_segment_input(const accel_segment *seg, int source)
{
    for (unsigned k = 0; k < seg->n_inputs; k++) {
        if (seg->inputs[k].source == source)
            return &seg->inputs[k];
    }
    return NULL;
}

static bool same_shape(accel_shape a, accel_shape b)
{
    return a.c == b.c && a.h == b.h && a.w == b.w;
}

/* Shape of a tensor known at this point of the segment (an input or an earlier layer). */
static const accel_shape *known_shape(const accel_segment *seg, int source, uint16_t before, uint8_t *width)
{
    if (source >= (int)seg->first && source < (int)before) {
        const accel_layer *p = &seg->layers[source - seg->first];
        *width = p->output_width;
        return &p->output_shape;
    }
    if (source < (int)seg->first) {
        const accel_tensor *t = syn_accel_segment_input(seg, source);
        if (t) {
            *width = t->width;
            return &t->shape;
        }
    }
    return NULL;
}

static const char *const op_name[] = { "conv1d", "conv2d", "convtranspose2d", "linear", "passthrough" };

/* The cross-field checks of one layer, in the order segment-codec.ts makes them. */
static bool check_layer(dec *d, const accel_segment *seg, const accel_layer *l, accel_params *p, bool registers)
{
    char a[24];
    if ((l->eltwise == ELT_NONE) != (l->operands == 1))
        return fail(d, "operands", "%u operands with element-wise %s", (unsigned)l->operands,
                    l->eltwise == ELT_NONE ? "none" : "operation");
    if ((l->weight_bits == 0) != (l->op == OP_PASSTHROUGH)) {
        if (l->op == OP_PASSTHROUGH)
            return fail(d, "weight_bits", "a passthrough layer has no weights");
        return fail(d, "weight_bits", "%s needs weight bits", op_name[l->op]);
    }
    uint32_t channels = 0;
    accel_shape first_shape = { 0, 0, 0 };
    for (unsigned k = 0; k < l->n_sources; k++) {
        char f[32];
        uint8_t width;
        syn_format(f, sizeof f, "sources[%u]", k);
        const accel_shape *s = l->sources[k] < (int)l->index ? known_shape(seg, l->sources[k], l->index, &width) : NULL;
        if (!s)
            return fail(d, f, "source %s is neither a segment input nor an earlier layer of the segment", sgn(l->sources[k], a));
        if (k > 0 && (s->h != first_shape.h || s->w != first_shape.w))
            return fail(d, f, "source %s is %ux%u, earlier sources %ux%u", sgn(l->sources[k], a), s->h, s->w, first_shape.h, first_shape.w);
        if (k == 0)
            first_shape = *s;
        channels += s->c;
    }
    if (channels != l->input_shape.c || first_shape.h != l->input_shape.h || first_shape.w != l->input_shape.w)
        return fail(d, "input_shape", "is [%u, %u, %u], the sources give [%lu, %u, %u]", l->input_shape.c, l->input_shape.h,
                    l->input_shape.w, (unsigned long)channels, first_shape.h, first_shape.w);
    const accel_shape o = l->operand_shape;
    if ((uint32_t)o.c * l->operands != l->input_shape.c || o.h != l->input_shape.h || o.w != l->input_shape.w)
        return fail(d, "operand_shape", "[%u, %u, %u] x %u operands does not make [%u, %u, %u]", o.c, o.h, o.w,
                    (unsigned)l->operands, l->input_shape.c, l->input_shape.h, l->input_shape.w);
    if (l->pool_size[0] > o.h || l->pool_size[1] > o.w)
        return fail(d, "pool_size", "[%u, %u] is larger than the input %ux%u", l->pool_size[0], l->pool_size[1], o.h, o.w);
    accel_shape pooled = { o.c, (uint16_t)((o.h - l->pool_size[0]) / l->pool_stride[0] + 1),
                           (uint16_t)((o.w - l->pool_size[1]) / l->pool_stride[1] + 1) };
    if (!same_shape(pooled, l->pooled_shape))
        return fail(d, "pooled_shape", "is [%u, %u, %u], pooling gives [%u, %u, %u]", l->pooled_shape.c, l->pooled_shape.h,
                    l->pooled_shape.w, pooled.c, pooled.h, pooled.w);
    if (o.c % l->groups != 0)
        return fail(d, "groups", "%u does not divide %u input channels", l->groups, o.c);
    /* The output shape the operation gives; out channels are free (the weights decide them). */
    int64_t oh, ow, oc = l->op == OP_PASSTHROUGH ? pooled.c : l->output_shape.c;
    switch (l->op) {
    case OP_CONV1D:
        oh = (int64_t)pooled.h - (int64_t)l->dilation[0] * (l->kernel[0] - 1) + 2 * l->pad[0];
        ow = 1;
        break;
    case OP_CONV2D:
        oh = (int64_t)pooled.h - l->kernel[0] + 1 + 2 * l->pad[0];
        ow = (int64_t)pooled.w - l->kernel[1] + 1 + 2 * l->pad[1];
        break;
    case OP_CONVTRANSPOSE2D:
        oh = 2 * (int64_t)pooled.h;
        ow = 2 * (int64_t)pooled.w;
        break;
    case OP_LINEAR:
        oh = l->flatten ? 1 : pooled.h;
        ow = l->flatten ? 1 : pooled.w;
        break;
    default:
        oh = pooled.h;
        ow = pooled.w;
        break;
    }
    if (oh < 1 || ow < 1 || oc != l->output_shape.c || oh != l->output_shape.h || ow != l->output_shape.w) {
        char b[24], c[24];
        return fail(d, "output_shape", "is [%u, %u, %u], %s gives [%s, %s, %s]", l->output_shape.c, l->output_shape.h,
                    l->output_shape.w, op_name[l->op], sgn(oc, a), sgn(oh, b), sgn(ow, c));
    }
    uint32_t count = syn_accel_weight_count(l);
    if (registers)
        return true;   /* format 2: the values are in the records, not the layers */
    if (l->weight_bits != 0) {
        uint64_t need = ((uint64_t)count * l->weight_bits + 7u) / 8u;
        if (!p->weights)
            return fail(d, "weights", "missing");
        if (count == UINT32_MAX || p->weights_len != need)
            return fail(d, "weights", "has %lu bytes, %lu weights at %u bits need %llu", (unsigned long)p->weights_len,
                        (unsigned long)count, (unsigned)l->weight_bits, (unsigned long long)need);
        p->weight_count = count;
    } else if (p->weights) {
        return fail(d, "weights", "given for a layer without weights");
    }
    if (l->bias_present) {
        if (!p->bias)
            return fail(d, "bias", "missing although bias_present is true");
        if (p->bias_len != l->output_shape.c)
            return fail(d, "bias", "has %lu bytes for %u output channels", (unsigned long)p->bias_len, l->output_shape.c);
    } else if (p->bias) {
        return fail(d, "bias", "given although bias_present is false");
    }
    return true;
}

static bool check_tensor_order(dec *d, const char *name, const accel_tensor *list, unsigned n)
{
    for (unsigned k = 1; k < n; k++) {
        if (list[k].source <= list[k - 1].source) {
            char a[24], b[24];
            syn_format(d->where, sizeof d->where, "%s[%u]", name, k);
            return fail(d, "source", "%s does not ascend (after %s)", sgn(list[k].source, a), sgn(list[k - 1].source, b));
        }
    }
    return true;
}

/* A byte string of packed register writes (8 bytes each: address, then value, little-endian). */
static bool read_writes(dec *d, const char *field, const uint8_t **data, uint32_t *count)
{
    size_t len;
    if (!read_bytes(d, field, data, &len))
        return false;
    if (len % 8u != 0)
        return fail(d, field, "%lu bytes are not whole 8-byte writes", (unsigned long)len);
    *count = (uint32_t)(len / 8u);
    return true;
}

static bool read_layout_special(dec *d, const char *f, uint64_t key, void *ctx, bool *known)
{
    reg_layout *t = ctx;
    if (key != LY_PROCESSORS) {
        *known = false;
        return true;
    }
    uint64_t m;
    if (!expect(d, f, CBOR_UINT, "an unsigned integer"))
        return false;
    if (!syn_cbor_read_uint(&d->r, &m))
        return cbor_fail(d, f);
    t->processors = m;
    return true;
}

static bool read_layout(dec *d, reg_layout *t)
{
    memset(t, 0, sizeof *t);
    return read_fields(d, layout_spec, layout_field, LY_KEYS, LY_KEYS, t, read_layout_special, t);
}

static bool read_tensor_special(dec *d, const char *f, uint64_t key, void *ctx, bool *known)
{
    accel_tensor *t = ctx;
    int64_t v;
    if (key != T_SOURCE) {
        *known = false;
        return true;
    }
    if (!read_int(d, f, -1, 65535, &v))
        return false;
    if (v > INT16_MAX)
        return fail(d, f, "%lu is beyond the layer numbers", (unsigned long)v);
    t->source = (int16_t)v;
    return true;
}

static bool read_tensor(dec *d, accel_tensor *t)
{
    return read_fields(d, tensor_spec, tensor_field, T_KEYS, T_KEYS, t, read_tensor_special, t);
}

/* A segment's tensors (accel_tensor, at least one) or layouts (reg_layout, maybe none): entry k
 * is read where "name[k]"; after the tensors the place is the top level again. */
static bool read_list(dec *d, const char *name, accel_tensor *tensors, reg_layout *layouts, uint8_t *count)
{
    size_t n;
    syn_format(d->where, sizeof d->where, "%s", name);
    if (!read_array(d, "", tensors != NULL ? 1u : 0u, SYN_MAX_CUT_TENSORS, &n))
        return false;
    for (size_t k = 0; k < n; k++) {
        syn_format(d->where, sizeof d->where, "%s[%lu]", name, (unsigned long)k);
        if (!(tensors != NULL ? read_tensor(d, &tensors[k]) : read_layout(d, &layouts[k])))
            return false;
    }
    *count = (uint8_t)n;
    if (tensors != NULL)
        syn_format(d->where, sizeof d->where, "top level");
    return true;
}

/* The layouts against the segment: input layouts name inputs some layer reads, output layouts
 * outputs a layer produces, both ascending, each with its tensor's shape and width; every output
 * a layer produces has one. */
static bool check_layouts(dec *d, const accel_segment *seg, const accel_segment2 *h)
{
    char a[24];
    for (unsigned k = 0; k < h->n_input_layouts + h->n_output_layouts; k++) {
        bool in = k < h->n_input_layouts;
        unsigned i = in ? k : k - h->n_input_layouts;
        const reg_layout *t = in ? &h->input_layouts[i] : &h->output_layouts[i];
        const char *name = in ? "input_layouts" : "output_layouts";
        syn_format(d->where, sizeof d->where, "%s[%u]", name, i);
        if (i > 0 && t->source <= (in ? h->input_layouts : h->output_layouts)[i - 1].source)
            return fail(d, "source", "%s does not ascend", sgn(t->source, a));
        const accel_tensor *tensor = NULL;
        const accel_tensor *list = in ? seg->inputs : seg->outputs;
        unsigned n = in ? seg->n_inputs : seg->n_outputs;
        for (unsigned j = 0; j < n && tensor == NULL; j++)
            if (list[j].source == t->source)
                tensor = &list[j];
        if (tensor == NULL)
            return fail(d, "source", "%s is not one of the segment's %s", sgn(t->source, a), in ? "inputs" : "outputs");
        if (!in && t->source < (int)seg->first)
            return fail(d, "source", "%s is relayed, not produced here: it has no layout", sgn(t->source, a));
        bool read = !in;
        for (unsigned l = 0; l < seg->count && !read; l++)
            for (unsigned j = 0; j < seg->layers[l].n_sources && !read; j++)
                read = seg->layers[l].sources[j] == t->source;
        if (!read)
            return fail(d, "source", "%s is read by no layer of the segment", sgn(t->source, a));
        if (!same_shape(t->shape, tensor->shape) || t->width != tensor->width)
            return fail(d, "shape", "[%u, %u, %u]/%u bits differs from the tensor's [%u, %u, %u]/%u", t->shape.c,
                        t->shape.h, t->shape.w, t->width, tensor->shape.c, tensor->shape.h, tensor->shape.w, tensor->width);
    }
    for (unsigned k = 0; k < seg->n_inputs; k++) {
        const accel_tensor *t = &seg->inputs[k];
        bool read = false, found = false;
        for (unsigned l = 0; l < seg->count && !read; l++)
            for (unsigned j = 0; j < seg->layers[l].n_sources && !read; j++)
                read = seg->layers[l].sources[j] == t->source;
        for (unsigned i = 0; i < h->n_input_layouts && !found; i++)
            found = h->input_layouts[i].source == t->source;
        if (read && !found) {
            syn_format(d->where, sizeof d->where, "inputs[%u]", k);
            return fail(d, "source", "%s is read by the segment's layers and has no input layout", sgn(t->source, a));
        }
    }
    for (unsigned k = 0; k < seg->n_outputs; k++) {
        const accel_tensor *t = &seg->outputs[k];
        bool found = t->source < (int)seg->first;
        for (unsigned i = 0; i < h->n_output_layouts && !found; i++)
            found = h->output_layouts[i].source == t->source;
        if (!found) {
            syn_format(d->where, sizeof d->where, "outputs[%u]", k);
            return fail(d, "source", "%s has no output layout", sgn(t->source, a));
        }
    }
    return true;
}

/* The description shared by both formats (keys 0..6), and format 2's keys 7..14 when h is given
 * (params NULL: the layers carry no weights). */
static bool decode(dec *d, const uint8_t *buf, size_t len, accel_layer *layers, accel_params *params, size_t capacity,
                   accel_segment *seg, accel_segment2 *h)
{
    unsigned format = h != NULL ? 2u : ACCEL_SEG_FORMAT, keys = h != NULL ? SEG2_KEYS : SEG_KEYS;
    syn_format(d->where, sizeof d->where, "cbor");
    if (d->cap > 0)
        d->err[0] = '\0';
    memset(seg, 0, sizeof *seg);
    seg->layers = layers;
    seg->params = params;
    if (h != NULL)
        memset(h, 0, sizeof *h);
    cbor_err ce = syn_cbor_validate(buf, len);
    if (ce != CBOR_OK)
        return fail(d, "", "%s", syn_cbor_err_name(ce));
    syn_cbor_reader_init(&d->r, buf, len);
    syn_format(d->where, sizeof d->where, "top level");
    size_t n;
    if (!read_map_header(d, &n))
        return false;
    uint32_t seen = 0;
    int64_t v;
    size_t n_layers = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t key;
        syn_format(d->where, sizeof d->where, "top level");
        if (!read_key(d, &key))
            return false;
        /* Top-level fields are named without a place, as segment-codec.ts names them. */
        d->where[0] = '\0';
        if (key >= keys) {
            if (!skip_value(d))
                return false;
            continue;
        }
        switch (key) {
        case SEG_FORMAT_KEY:
            if (!read_int(d, "format", 0, 0xFFFF, &v))
                return false;
            if (v != format)
                return fail(d, "format", "segment format %lu is not %u", (unsigned long)v, format);
            break;
        case SEG_MODEL:
        case SEG2_CHIP:
            if (key == SEG_MODEL ? !read_text(d, "model", seg->model, sizeof seg->model)
                                 : !read_text(d, "chip", h->chip, sizeof h->chip))
                return false;
            break;
        case SEG_FIRST:
            if (!read_int(d, "first", 0, 65535, &v))
                return false;
            seg->first = (uint16_t)v;
            break;
        case SEG_COUNT:
            if (!read_int(d, "count", 1, SYN_CBOR_MAX_ITEMS, &v))
                return false;
            seg->count = (uint16_t)v;
            break;
        case SEG_INPUTS:
        case SEG_OUTPUTS: {
            bool in = key == SEG_INPUTS;
            if (!read_list(d, seg_field[key], in ? seg->inputs : seg->outputs, NULL, in ? &seg->n_inputs : &seg->n_outputs))
                return false;
            break;
        }
        case SEG_LAYERS: {
            /* Keys ascend, so first and count are known here (or missing: refused below). */
            if (!(seen & (1u << SEG_FIRST)) || !(seen & (1u << SEG_COUNT)))
                return fail(d, !(seen & (1u << SEG_FIRST)) ? "first" : "count", "missing (key %u)",
                            !(seen & (1u << SEG_FIRST)) ? (unsigned)SEG_FIRST : (unsigned)SEG_COUNT);
            if (!read_array(d, "layers", seg->count, seg->count, &n_layers))
                return false;
            if (n_layers > capacity)
                return fail(d, "layers", "%lu layers exceed this decoder's room for %lu", (unsigned long)n_layers,
                            (unsigned long)capacity);
            if ((uint32_t)seg->first + n_layers - 1u > 65535u)
                return fail(d, "layers", "layer numbers pass 65535");
            for (size_t k = 0; k < n_layers; k++) {
                accel_params none;
                if (!read_layer(d, &layers[k], params != NULL ? &params[k] : &none, (uint16_t)(seg->first + k), k,
                                h != NULL))
                    return false;
            }
            break;
        }
        case SEG2_INIT:
        case SEG2_CONFIGURE:
        case SEG2_START: {
            const uint8_t **data = key == SEG2_INIT ? &h->init : key == SEG2_CONFIGURE ? &h->configure : &h->start;
            uint32_t *count = key == SEG2_INIT ? &h->n_init : key == SEG2_CONFIGURE ? &h->n_configure : &h->n_start;
            if (!read_writes(d, seg_field[key], data, count))
                return false;
            break;
        }
        case SEG2_INPUT_LAYOUTS:
        case SEG2_OUTPUT_LAYOUTS: {
            bool in = key == SEG2_INPUT_LAYOUTS;
            if (!read_list(d, seg_field[key], NULL, in ? h->input_layouts : h->output_layouts,
                           in ? &h->n_input_layouts : &h->n_output_layouts))
                return false;
            break;
        }
        case SEG2_KERNEL_RECORDS:
        case SEG2_BIAS_RECORDS:
            if (!read_int(d, seg_field[key], 0, 0xFFFFFFFF, &v))
                return false;
            if (key == SEG2_KERNEL_RECORDS)
                h->kernel_records = (uint32_t)v;
            else
                h->bias_records = (uint32_t)v;
            break;
        default:
            break;
        }
        seen |= 1u << key;
    }
    syn_format(d->where, sizeof d->where, "top level");
    if (!missing(d, seen, keys, seg_field))
        return false;
    if (!check_tensor_order(d, "inputs", seg->inputs, seg->n_inputs) ||
        !check_tensor_order(d, "outputs", seg->outputs, seg->n_outputs))
        return false;
    for (unsigned k = 0; k < seg->n_inputs; k++) {
        if (seg->inputs[k].source >= (int)seg->first) {
            char a[24];
            syn_format(d->where, sizeof d->where, "inputs[%u]", k);
            return fail(d, "source", "%s is not produced before the segment (first layer %u)", sgn(seg->inputs[k].source, a),
                        seg->first);
        }
    }
    for (size_t k = 0; k < n_layers; k++) {
        accel_params none;
        memset(&none, 0, sizeof none);
        syn_format(d->where, sizeof d->where, "layer %u (%s)", layers[k].index, layers[k].name);
        if (!check_layer(d, seg, &layers[k], params != NULL ? &params[k] : &none, h != NULL))
            return false;
    }
    uint16_t end = (uint16_t)(seg->first + seg->count);
    for (unsigned k = 0; k < seg->n_outputs; k++) {
        const accel_tensor *t = &seg->outputs[k];
        uint8_t width = 0;
        char a[24];
        const accel_shape *sh = known_shape(seg, t->source, end, &width);
        syn_format(d->where, sizeof d->where, "outputs[%u]", k);
        if (!sh)
            return fail(d, "source", "%s is neither a segment input nor a layer of the segment", sgn(t->source, a));
        if (!same_shape(*sh, t->shape) || width != t->width)
            return fail(d, "shape", "[%u, %u, %u]/%u bits differs from source %s: [%u, %u, %u]/%u bits", t->shape.c, t->shape.h,
                        t->shape.w, t->width, sgn(t->source, a), sh->c, sh->h, sh->w, width);
    }
    return h == NULL || check_layouts(d, seg, h);
}

bool syn_accel_segment_decode(const uint8_t *buf, size_t len, accel_layer *layers, accel_params *params,
                          size_t capacity, accel_segment *seg, char *err, size_t err_cap)
{
    dec d = { .err = err, .cap = err_cap };
    return decode(&d, buf, len, layers, params, capacity, seg, NULL);
}

bool syn_accel_segment2_decode(const uint8_t *header, size_t len, accel_layer *layers, size_t capacity, accel_segment *seg,
                           accel_segment2 *h, char *err, size_t err_cap)
{
    dec d = { .err = err, .cap = err_cap };
    return decode(&d, header, len, layers, NULL, capacity, seg, h);
}

uint32_t syn_accel_segment2_write_addr(const uint8_t *packed, uint32_t i)
{
    const uint8_t *p = packed + 8u * i;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t syn_accel_segment2_write_value(const uint8_t *packed, uint32_t i)
{
    return syn_accel_segment2_write_addr(packed + 4, i);
}
