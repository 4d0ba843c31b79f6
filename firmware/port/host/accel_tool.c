/* synergy-accel: the firmware's accelerator code in batch on the host; see accel_tool.h. */
#include "accel_tool.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbor.h"

/* The commands, in the order `--help` lists them. */
static const tool_command commands[] = {
    { "chips", "print the C chip table (no stdin)", false, syn_tool_chips },
    { "decode", "decode segments and print every field (weights as FNV-1a hashes)", true, syn_tool_decode },
    { "cycles", "per-layer and total cycles of each segment (args: {0: kernel starts, 1: inputs?})", true, syn_tool_cycles },
    { "fit", "fit rules (firmware/accel/fit.c) on cases made of slices of the request's segments", true, syn_tool_fit },
    { "run", "run segments in order on the simulator (args: {0: inputs, 1: values?, 2: layers?})", true, syn_tool_run },
    { "layout", "data-memory words of a tensor placed by a layout descriptor (accel/reg/reg_layout.h)", true, syn_tool_layout },
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* ---- JSON ------------------------------------------------------------------------------ */

static void put_raw(tool_json *j, const char *s, size_t n)
{
    if (j->len + n + 1 > j->cap) {
        size_t cap = j->cap ? j->cap : 4096;
        while (j->len + n + 1 > cap)
            cap *= 2;
        char *b = realloc(j->buf, cap);
        if (!b) {
            fputs("synergy-accel: out of memory\n", stderr);
            exit(1);
        }
        j->buf = b;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}

static void put_s(tool_json *j, const char *s)
{
    put_raw(j, s, strlen(s));
}

static void put_escaped(tool_json *j, const char *s, size_t n);

/* Comma before a value or key when its container already holds one. */
static void before_value(tool_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (j->need_comma[j->depth - 1])
            put_s(j, ",");
        j->need_comma[j->depth - 1] = true;
    }
}

static void open_c(tool_json *j, const char *c)
{
    before_value(j);
    put_s(j, c);
    if (j->depth < sizeof j->need_comma / sizeof j->need_comma[0])
        j->need_comma[j->depth] = false;
    j->depth++;
}

static void close_c(tool_json *j, const char *c)
{
    if (j->depth > 0)
        j->depth--;
    put_s(j, c);
}

void syn_json_obj_begin(tool_json *j) { open_c(j, "{"); }
void syn_json_obj_end(tool_json *j) { close_c(j, "}"); }
void syn_json_arr_begin(tool_json *j) { open_c(j, "["); }
void syn_json_arr_end(tool_json *j) { close_c(j, "]"); }

void syn_json_key(tool_json *j, const char *key)
{
    before_value(j);
    put_escaped(j, key, strlen(key));
    put_s(j, ":");
    j->after_key = true;
}

void syn_json_uint(tool_json *j, uint64_t v)
{
    char b[24];
    before_value(j);
    snprintf(b, sizeof b, "%" PRIu64, v);
    put_s(j, b);
}

void syn_json_int(tool_json *j, int64_t v)
{
    char b[24];
    before_value(j);
    snprintf(b, sizeof b, "%" PRId64, v);
    put_s(j, b);
}

void syn_json_bool(tool_json *j, bool v)
{
    before_value(j);
    put_s(j, v ? "true" : "false");
}

void syn_json_null(tool_json *j)
{
    before_value(j);
    put_s(j, "null");
}

static void put_escaped(tool_json *j, const char *s, size_t n)
{
    put_s(j, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char b[8];
        if (c == '"' || c == '\\') {
            b[0] = '\\';
            b[1] = (char)c;
            put_raw(j, b, 2);
        } else if (c < 0x20) {
            snprintf(b, sizeof b, "\\u%04x", c);
            put_s(j, b);
        } else {
            put_raw(j, (const char *)&s[i], 1);
        }
    }
    put_s(j, "\"");
}

void syn_json_str_n(tool_json *j, const char *s, size_t n)
{
    before_value(j);
    put_escaped(j, s, n);
}

void syn_json_str(tool_json *j, const char *s)
{
    syn_json_str_n(j, s, strlen(s));
}

void syn_json_hex64(tool_json *j, uint64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "0x%016" PRIx64, v);
    syn_json_str(j, b);
}

void syn_json_shape(tool_json *j, const char *key, accel_shape s)
{
    syn_json_key(j, key);
    syn_json_arr_begin(j);
    syn_json_uint(j, s.c);
    syn_json_uint(j, s.h);
    syn_json_uint(j, s.w);
    syn_json_arr_end(j);
}

void syn_json_pair(tool_json *j, const char *key, const uint8_t v[2])
{
    syn_json_key(j, key);
    syn_json_arr_begin(j);
    syn_json_uint(j, v[0]);
    syn_json_uint(j, v[1]);
    syn_json_arr_end(j);
}

/* A member of 1, 2, 4 or 8 bytes, widened with or without its sign. */
static uint64_t member_uint(const uint8_t *at, size_t size)
{
    uint8_t b;
    uint16_t h;
    uint32_t w;
    uint64_t q;
    switch (size) {
    case 1: memcpy(&b, at, 1); return b;
    case 2: memcpy(&h, at, 2); return h;
    case 4: memcpy(&w, at, 4); return w;
    default: memcpy(&q, at, 8); return q;
    }
}

static int64_t member_int(const uint8_t *at, size_t size)
{
    uint64_t u = member_uint(at, size);
    unsigned bits = (unsigned)size * 8u;
    if (bits < 64 && (u >> (bits - 1)) != 0)
        u |= ~(uint64_t)0 << bits;   /* sign-extends the narrower member */
    return (int64_t)u;
}

void syn_json_uint_array(tool_json *j, const char *key, const void *values, size_t size, size_t n)
{
    syn_json_key(j, key);
    syn_json_arr_begin(j);
    for (size_t i = 0; i < n; i++)
        syn_json_uint(j, member_uint((const uint8_t *)values + i * size, size));
    syn_json_arr_end(j);
}

void syn_json_fields(tool_json *j, const void *obj, const tool_json_field *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const tool_json_field *f = &fields[i];
        const uint8_t *at = (const uint8_t *)obj + f->offset;
        switch (f->kind) {
        case JF_INT:
            syn_json_key(j, f->key);
            syn_json_int(j, member_int(at, f->size));
            break;
        case JF_BOOL:
            syn_json_key(j, f->key);
            syn_json_bool(j, *(const bool *)(const void *)at);
            break;
        case JF_HEX64:
            syn_json_key(j, f->key);
            syn_json_hex64(j, member_uint(at, f->size));
            break;
        case JF_PAIR:
            syn_json_pair(j, f->key, at);
            break;
        case JF_SHAPE: {
            accel_shape s;
            memcpy(&s, at, sizeof s);
            syn_json_shape(j, f->key, s);
            break;
        }
        default:
            syn_json_key(j, f->key);
            syn_json_uint(j, member_uint(at, f->size));
            break;
        }
    }
}

/* ---- requests ---------------------------------------------------------------------------- */

bool syn_tool_map_open(tool_map *m, const cbor_reader *r, const char *what, char *err, size_t cap)
{
    m->r = *r;
    m->what = what;
    err[0] = '\0';
    if (syn_cbor_read_map(&m->r, &m->left))
        return true;
    snprintf(err, cap, "%s: must be a map", what);
    return false;
}

bool syn_tool_args_map(const tool_request *req, tool_map *m, const char *needed, char *err, size_t cap)
{
    if (req->args != NULL) {
        cbor_reader r;
        syn_cbor_reader_init(&r, req->args, req->args_len);
        return syn_tool_map_open(m, &r, "args", err, cap);
    }
    *m = (tool_map){ .left = 0, .what = "args" };
    err[0] = '\0';
    if (needed == NULL)
        return true;
    snprintf(err, cap, "args: missing; %s", needed);
    return false;
}

bool syn_tool_next_key(tool_map *m, uint64_t *key, char *err, size_t cap)
{
    if (m->left == 0)
        return false;
    m->left--;
    if (syn_cbor_read_uint(&m->r, key))
        return true;
    snprintf(err, cap, "%s: map key is not an unsigned integer", m->what);
    return false;
}

bool syn_tool_skip(tool_map *m, char *err, size_t cap)
{
    if (syn_cbor_skip(&m->r))
        return true;
    snprintf(err, cap, "%s: CBOR: %s", m->what, syn_cbor_err_name(m->r.err));
    return false;
}

static accel_layer layer_store[TOOL_MAX_SEGMENTS][TOOL_MAX_LAYERS];
static accel_params param_store[TOOL_MAX_SEGMENTS][TOOL_MAX_LAYERS];
static accel_segment segment_store[TOOL_MAX_SEGMENTS];

/* Parses one request item and decodes its segments; false with a message on refusal. */
static bool read_request(const uint8_t *item, size_t len, tool_request *req, const uint8_t **blobs, size_t *lens,
                         char *err, size_t cap)
{
    cbor_reader r;
    syn_cbor_reader_init(&r, item, len);
    memset(req, 0, sizeof *req);
    req->segments = segment_store;
    req->blobs = blobs;
    req->blob_lens = lens;
    tool_map m;
    uint64_t key;
    if (!syn_tool_map_open(&m, &r, "request", err, cap))
        return false;
    while (syn_tool_next_key(&m, &key, err, cap)) {
        if (key == 0) {
            const char *t;
            size_t tn;
            char name[SYN_CBOR_MAX_TEXT + 1];
            if (!syn_cbor_read_text(&m.r, &t, &tn)) {
                snprintf(err, cap, "request.chip: must be a text string");
                return false;
            }
            memcpy(name, t, tn);
            name[tn] = '\0';
            req->chip = syn_chip_find(name);
            if (!req->chip) {
                snprintf(err, cap, "request.chip: unknown chip \"%s\" (known: max78000, max78002)", name);
                return false;
            }
        } else if (key == 1) {
            size_t count;
            if (!syn_cbor_read_array(&m.r, &count)) {
                snprintf(err, cap, "request.segments: must be an array");
                return false;
            }
            if (count > TOOL_MAX_SEGMENTS) {
                snprintf(err, cap, "request.segments: %zu segments, at most %d per request", count, TOOL_MAX_SEGMENTS);
                return false;
            }
            for (size_t k = 0; k < count; k++) {
                if (!syn_cbor_read_bytes(&m.r, &blobs[k], &lens[k])) {
                    snprintf(err, cap, "request.segments[%zu]: must be a byte string", k);
                    return false;
                }
            }
            req->n_segments = count;
        } else if (key == 2) {
            const uint8_t *start = m.r.p;
            if (!syn_cbor_skip(&m.r)) {
                snprintf(err, cap, "request.args: CBOR: %s", syn_cbor_err_name(m.r.err));
                return false;
            }
            req->args = start;
            req->args_len = (size_t)(m.r.p - start);
        } else if (!syn_tool_skip(&m, err, cap)) {
            return false;
        }
    }
    if (err[0] != '\0')
        return false;
    if (!req->chip) {
        snprintf(err, cap, "request.chip: missing (key 0)");
        return false;
    }
    for (size_t k = 0; k < req->n_segments; k++) {
        char derr[SYN_ACCEL_ERR_MAX];
        if (!syn_accel_segment_decode(blobs[k], lens[k], layer_store[k], param_store[k], TOOL_MAX_LAYERS, &segment_store[k], derr,
                                  sizeof derr)) {
            snprintf(err, cap, "segment %zu: %s", k, derr);
            return false;
        }
    }
    return true;
}

static void print_line(tool_json *j)
{
    fwrite(j->buf, 1, j->len, stdout);
    fputc('\n', stdout);
    j->len = 0;
    j->depth = 0;
    j->after_key = false;
}

static void print_error(tool_json *j, const char *msg)
{
    j->len = 0;
    j->depth = 0;
    j->after_key = false;
    syn_json_obj_begin(j);
    syn_json_key(j, "error");
    syn_json_str(j, msg);
    syn_json_obj_end(j);
    print_line(j);
}

static uint8_t *read_all(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            if (ferror(f)) {
                free(buf);
                return NULL;
            }
            break;
        }
        uint8_t *b = realloc(buf, cap * 2);
        if (!b) {
            free(buf);
            return NULL;
        }
        buf = b;
        cap *= 2;
    }
    *len = n;
    return buf;
}

static int usage(FILE *to)
{
    fputs("usage: synergy-accel <command> < requests.cbor\n"
          "stdin: a CBOR sequence of requests {0: chip, 1: [* segment bstr], 2: args};\n"
          "stdout: one JSON line per request. Commands:\n", to);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(to, "  %-8s %s\n", commands[i].name, commands[i].summary);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return usage(stderr);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    const tool_command *cmd = NULL;
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i].name, argv[1]) == 0)
            cmd = &commands[i];
    }
    if (!cmd) {
        fprintf(stderr, "synergy-accel: unknown command \"%s\"\n", argv[1]);
        return usage(stderr);
    }
    tool_json j = { 0 };
    char err[TOOL_ERR_MAX];
    if (!cmd->reads_requests) {
        if (cmd->run(NULL, &j, err, sizeof err))
            print_line(&j);
        else
            print_error(&j, err);
        free(j.buf);
        return 0;
    }
    size_t len = 0;
    uint8_t *in = read_all(stdin, &len);
    if (!in) {
        fputs("synergy-accel: cannot read stdin\n", stderr);
        return 1;
    }
    static const uint8_t *blobs[TOOL_MAX_SEGMENTS];
    static size_t lens[TOOL_MAX_SEGMENTS];
    size_t pos = 0, item = 0;
    int status = 0;
    while (pos < len) {
        cbor_reader r;
        syn_cbor_reader_init(&r, in + pos, len - pos);
        if (!syn_cbor_skip(&r)) {
            /* Without an item boundary the rest cannot be split: say where and stop. */
            snprintf(err, sizeof err, "request %zu (byte %zu of stdin): CBOR: %s; stopping", item, pos, syn_cbor_err_name(r.err));
            print_error(&j, err);
            status = 1;
            break;
        }
        size_t n = (size_t)(r.p - (in + pos));
        tool_request req;
        if (!read_request(in + pos, n, &req, blobs, lens, err, sizeof err)) {
            print_error(&j, err);
        } else if (cmd->run(&req, &j, err, sizeof err)) {
            print_line(&j);
        } else {
            print_error(&j, err);
        }
        pos += n;
        item++;
    }
    fflush(stdout);
    free(in);
    free(j.buf);
    return status;
}
