/* Test helpers; see support.h. */
#include "support.h"

#include "emu_memory.h"
#include "harness.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

const char *vectors_dir = "proto/vectors";

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

size_t hex_decode(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex);
    if (n % 2 != 0 || n / 2 > cap)
        return SIZE_MAX;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return SIZE_MAX;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return n / 2;
}

static uint64_t cp_now(void *user)
{
    return ((capture_port *)user)->now;
}

static bool cp_transmit(void *user, const uint8_t *bytes, size_t n)
{
    capture_port *cp = user;
    size_t limit = cp->refuse_after != 0 ? cp->refuse_after : sizeof cp->out;
    if (n > limit - cp->len)
        return false;
    memcpy(cp->out + cp->len, bytes, n);
    cp->len += n;
    return true;
}

static uint32_t cp_random(void *user)
{
    return ((capture_port *)user)->next_random;
}

static void cp_reset(void *user)
{
    ((capture_port *)user)->resets_requested++;
}

void capture_init(capture_port *cp, uint32_t random_value)
{
    memset(cp, 0, sizeof *cp);
    cp->port = (syn_port){ .now_us = cp_now, .transmit = cp_transmit, .random32 = cp_random, .request_reset = cp_reset, .user = cp };
    cp->next_random = random_value;
    cp->now = 1000000;
}

void capture_clear(capture_port *cp)
{
    cp->len = 0;
}

/* Finds the index-th 0x00-terminated run. */
static bool find_run(const capture_port *cp, size_t index, size_t *start, size_t *len)
{
    size_t s = 0;
    for (size_t i = 0; i < cp->len; i++) {
        if (cp->out[i] != 0)
            continue;
        if (index == 0) {
            *start = s;
            *len = i - s;
            return true;
        }
        index--;
        s = i + 1;
    }
    return false;
}

size_t capture_frame_count(const capture_port *cp)
{
    size_t n = 0;
    for (size_t i = 0; i < cp->len; i++)
        n += cp->out[i] == 0;
    return n;
}

bool capture_frame(const capture_port *cp, size_t index, captured_frame *f)
{
    size_t start, len;
    if (!find_run(cp, index, &start, &len))
        return false;
    if (!syn_cobs_decode(cp->out + start, len, f->raw, sizeof f->raw, &f->raw_len) || f->raw_len < SYN_MIN_FRAME)
        return false;
    syn_rx_check chk;
    syn_rx_check_run(f->raw, f->raw_len, COBS_RX_FRAME, false, &chk);
    syn_header_parse(f->raw, &f->h);
    f->crc_ok = chk.crc_ok;
    f->body = f->raw + SYN_HEADER_SIZE;
    f->body_len = f->raw_len - SYN_MIN_FRAME;
    f->wire_len = len + 1;
    return chk.stage == SYN_RX_OK;
}

bool frame_error(const captured_frame *f, uint64_t *code, char *msg, size_t cap)
{
    cbor_reader r;
    syn_cbor_reader_init(&r, f->body, f->body_len);
    size_t pairs, tlen;
    uint64_t k0, k1;
    const char *t;
    if (!syn_cbor_read_map(&r, &pairs) || pairs != 2 || !syn_cbor_read_uint(&r, &k0) || k0 != 0 ||
        !syn_cbor_read_uint(&r, code) || !syn_cbor_read_uint(&r, &k1) || k1 != 1 || !syn_cbor_read_text(&r, &t, &tlen) ||
        !syn_cbor_at_end(&r) || tlen >= cap)
        return false;
    memcpy(msg, t, tlen);
    msg[tlen] = '\0';
    return true;
}

/* ---- diagnostic notation ---------------------------------------------------------------------- */

typedef struct {
    char *out;
    size_t cap;
    size_t len;
    bool full;
} diag_sink;

static void dputs(diag_sink *s, const char *str)
{
    size_t n = strlen(str);
    if (s->len + n + 1 > s->cap) {
        s->full = true;
        return;
    }
    memcpy(s->out + s->len, str, n + 1);
    s->len += n;
}

static bool diag_item(cbor_reader *r, diag_sink *s, int depth)
{
    char tmp[48];
    if (depth > SYN_CBOR_MAX_DEPTH + 1)
        return false;
    switch (syn_cbor_peek(r)) {
    case CBOR_UINT: {
        uint64_t v;
        if (!syn_cbor_read_uint(r, &v))
            return false;
        snprintf(tmp, sizeof tmp, "%" PRIu64, v);
        dputs(s, tmp);
        return true;
    }
    case CBOR_NINT: {
        /* -1 - arg can pass int64: read arg as if it were major 0 and print -(arg + 1). */
        uint8_t head[9];
        size_t avail = (size_t)(r->end - r->p);
        size_t hn = avail < sizeof head ? avail : sizeof head;
        memcpy(head, r->p, hn);
        head[0] &= 0x1Fu;
        cbor_reader u;
        uint64_t arg;
        syn_cbor_reader_init(&u, head, hn);
        if (!syn_cbor_read_uint(&u, &arg))
            return false;
        r->p += (size_t)(u.p - head);
        if (arg == UINT64_MAX)
            snprintf(tmp, sizeof tmp, "-18446744073709551616");
        else
            snprintf(tmp, sizeof tmp, "-%" PRIu64, arg + 1);
        dputs(s, tmp);
        return true;
    }
    case CBOR_BYTES: {
        const uint8_t *d;
        size_t n;
        if (!syn_cbor_read_bytes(r, &d, &n))
            return false;
        dputs(s, "h'");
        for (size_t i = 0; i < n; i++) {
            snprintf(tmp, sizeof tmp, "%02x", d[i]);
            dputs(s, tmp);
        }
        dputs(s, "'");
        return true;
    }
    case CBOR_TEXT: {
        const char *t;
        size_t n;
        if (!syn_cbor_read_text(r, &t, &n))
            return false;
        /* JSON string escapes, as Python's json.dumps(ensure_ascii=False) writes them. */
        dputs(s, "\"");
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)t[i];
            switch (c) {
            case '"': dputs(s, "\\\""); break;
            case '\\': dputs(s, "\\\\"); break;
            case '\n': dputs(s, "\\n"); break;
            case '\r': dputs(s, "\\r"); break;
            case '\t': dputs(s, "\\t"); break;
            case '\b': dputs(s, "\\b"); break;
            case '\f': dputs(s, "\\f"); break;
            default:
                if (c < 0x20)
                    snprintf(tmp, sizeof tmp, "\\u%04x", c);
                else
                    snprintf(tmp, sizeof tmp, "%c", c);
                dputs(s, tmp);
            }
        }
        dputs(s, "\"");
        return true;
    }
    case CBOR_ARRAY:
    case CBOR_MAP: {
        bool map = syn_cbor_peek(r) == CBOR_MAP;
        size_t n;
        if (!(map ? syn_cbor_read_map(r, &n) : syn_cbor_read_array(r, &n)))
            return false;
        dputs(s, map ? "{" : "[");
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                dputs(s, ", ");
            if (!diag_item(r, s, depth + 1))
                return false;
            if (map) {
                dputs(s, ": ");
                if (!diag_item(r, s, depth + 1))
                    return false;
            }
        }
        dputs(s, map ? "}" : "]");
        return true;
    }
    case CBOR_SIMPLE: {
        bool b;
        cbor_reader probe = *r;
        if (syn_cbor_read_null(&probe)) {
            *r = probe;
            dputs(s, "null");
            return true;
        }
        if (!syn_cbor_read_bool(r, &b))
            return false;
        dputs(s, b ? "true" : "false");
        return true;
    }
    case CBOR_NONE:
        break;
    }
    return false;
}

bool cbor_diag(const uint8_t *buf, size_t len, char *out, size_t cap)
{
    if (syn_cbor_validate(buf, len) != CBOR_OK || cap == 0)
        return false;
    cbor_reader r;
    syn_cbor_reader_init(&r, buf, len);
    diag_sink s = { out, cap, 0, false };
    out[0] = '\0';
    return diag_item(&r, &s, 0) && syn_cbor_at_end(&r) && !s.full;
}

const char *read_text_file(const char *path)
{
    static char buf[2 * 1024 * 1024];   /* the golden sets' files reach 1.3 MB */
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    bool whole = feof(f) != 0;
    fclose(f);
    if (!whole)
        return NULL;
    buf[n] = '\0';
    return buf;
}

void golden_config(board_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->chip = syn_chip_find("max78000");
    strcpy(cfg->board_id, "emu-1");
    strcpy(cfg->sensors[0].kind, "microphone");
    cfg->sensors[0].shape[0] = 128;
    cfg->sensors[0].shape[1] = 128;
    cfg->sensors[0].shape[2] = 1;
    cfg->sensors[0].rate_mhz = 1000000;
    cfg->n_sensors = 1;
    strcpy(cfg->outputs[0], "led");
    cfg->n_outputs = 1;
    cfg->link_baud = 921600;
    strcpy(cfg->build_id, "8c3f1a2b4d5e6f70");
    cfg->engine = &syn_accel_engine_register;
    syn_emu_memory_for(cfg->chip, cfg->engine, &cfg->mem);   /* the emulator's regions: tensor_mem, header_max */
}

static int cmp_paths(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

size_t list_json(const char *dir, char paths[][512], size_t max)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && count < max) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
            snprintf(paths[count++], 512, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(paths, count, 512, cmp_paths);
    return count;
}

uint32_t test_xorshift32(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

void run_per_file(const char *title_format, char paths[][512], size_t n, void (*fn)(void *))
{
    static char title[600];   /* the harness reads the title only while the test runs */
    for (size_t i = 0; i < n; i++) {
        snprintf(title, sizeof title, title_format, strrchr(paths[i], '/') + 1);
        th_run_arg(title, fn, paths[i]);
    }
}
