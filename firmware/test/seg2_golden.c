/* Format 2 segments from golden networks; see seg2_golden.h. */
#include "seg2_golden.h"

#include <stdio.h>
#include <string.h>

#include "cbor.h"
#include "cnn_map.h"
#include "reg/reg_table.h"
#include "seg_cbor.h"

#define MAX_COLUMNS 768u     /* MAX78000's kernel words per processor (the golden sets' chip) */
#define MAX_BIAS 512u

static fit_ctx ctx;
static fit_result alone, together;
/* Kernel memory and bias memory as the image fills them (then as placed), column by column. */
static uint8_t kmem[2][64][MAX_COLUMNS][9];
static bool khave[2][64][MAX_COLUMNS];
static uint8_t bmem[2][4][MAX_BIAS];
static bool bhave[2][4][MAX_BIAS];
static uint32_t table[4u * CNN_LR_COUNT * GOLDEN_MAX_LAYERS];

void seg2_hardware_layers(const golden_set *g, accel_layer *out)
{
    for (uint16_t k = 0; k < g->n_layers; k++) {
        out[k] = g->layers[k];
        bool any = false;
        for (uint32_t i = 0; out[k].bias_present && g->params[k].bias != NULL && i < g->params[k].bias_len; i++)
            any = any || g->params[k].bias[i] != 0;
        out[k].bias_present = out[k].bias_present && any;
    }
}

static reg_place place_of(const fit_layer_result *r)
{
    return (reg_place){ r->kernel_start, r->bias_quadrant, r->bias_offset };
}

/* The image's kernel records into kmem[0] (stream bytes, 9 per column). */
static bool unpack_kernels(const syn_chip *chip, const reg_image *img, char *why, size_t cap)
{
    memset(khave, 0, sizeof khave);
    for (size_t r = 0; r < img->n_kernels; r++) {
        cnn_window w;
        if (!syn_cnn_window_of(chip, img->kernels[r].addr, &w) || w.kind != CNN_WIN_KERNEL) {
            snprintf(why, cap, "kernel record %lu: 0x%08lx", (unsigned long)r, (unsigned long)img->kernels[r].addr);
            return false;
        }
        uint32_t c0 = w.offset / 4u, columns = img->kernels[r].n * 4u / 9u;
        for (uint32_t i = 0; i < 9u * columns; i++) {
            uint32_t word = img->kernels[r].words[i / 4u];
            uint32_t c = c0 + i / 9u;
            if (c >= MAX_COLUMNS) {
                snprintf(why, cap, "kernel record %lu passes column %u", (unsigned long)r, MAX_COLUMNS);
                return false;
            }
            kmem[0][w.processor][c][i % 9u] = (uint8_t)(word >> (24u - 8u * (i % 4u)));
            khave[0][w.processor][c] = true;
        }
    }
    return true;
}

static void unpack_bias(const syn_chip *chip, const reg_image *img)
{
    memset(bhave, 0, sizeof bhave);
    for (size_t r = 0; r < img->n_bias; r++) {
        cnn_window w;
        if (!syn_cnn_window_of(chip, img->bias[r].addr, &w) || w.kind != CNN_WIN_BIAS)
            continue;
        for (uint32_t i = 0; i < img->bias[r].n && w.offset / 4u + i < MAX_BIAS; i++) {
            bmem[0][w.quadrant][w.offset / 4u + i] = img->bias[r].bytes[i];
            bhave[0][w.quadrant][w.offset / 4u + i] = true;
        }
    }
}

/* The next run of set entries of have[0..n) at or after *at: its start in *at (n when there is
 * none), its end returned. */
static uint32_t next_run(const bool *have, uint32_t n, uint32_t *at)
{
    while (*at < n && !have[*at])
        (*at)++;
    uint32_t end = *at;
    while (end < n && have[end])
        end++;
    return end;
}

static void pack_records(const syn_chip *chip, seg2_parts *p)
{
    p->n_kernels = 0;
    uint32_t used = 0;
    for (unsigned q = 0; q < 64u; q++) {
        uint32_t words = syn_cnn_kernel_words(chip, q);
        for (uint32_t c = 0, end; (end = next_run(khave[1][q], words, &c)) > c; c = end) {
            seg2_record *r = &p->kernels[p->n_kernels++];
            r->addr = syn_cnn_kernel_base(chip, q) + 4u * c;
            r->at = used;
            uint32_t bytes = 9u * (end - c);
            r->n = (bytes + 3u) / 4u;
            for (uint32_t i = 0; i < r->n; i++)
                p->words[used + i] = 0;
            for (uint32_t i = 0; i < bytes; i++)
                p->words[used + i / 4u] |= (uint32_t)kmem[1][q][c + i / 9u][i % 9u] << (24u - 8u * (i % 4u));
            used += r->n;
        }
    }
    p->n_bias = 0;
    uint32_t bused = 0;
    for (unsigned q = 0; q < 4u; q++) {
        for (uint32_t i = 0, end; (end = next_run(bhave[1][q], MAX_BIAS, &i)) > i; i = end) {
            seg2_record *r = &p->bias[p->n_bias++];
            r->addr = syn_cnn_bias_address(chip, q, i);
            r->n = end - i;
            r->at = bused;
            memcpy(p->bias_bytes + bused, &bmem[1][q][i], r->n);
            bused += r->n;
        }
    }
    p->announce_kernels = (uint32_t)p->n_kernels;
    p->announce_bias = (uint32_t)p->n_bias;
}

bool seg2_from_golden(const golden_set *g, const fit_segment *resident, size_t n_resident, seg2_parts *p, char *why,
                      size_t why_cap)
{
    memset(p, 0, sizeof *p);
    const syn_chip *chip = g->chip;
    const reg_image *img = &g->image;
    if (!g->have_image) {
        snprintf(why, why_cap, "%s has no hw-image.json", g->name);
        return false;
    }
    snprintf(p->model, sizeof p->model, "%s", g->name);
    snprintf(p->chip, sizeof p->chip, "%s", chip->name);
    p->count = g->n_layers;
    seg2_hardware_layers(g, p->layers);
    p->input = (accel_tensor){ -1, g->input_shape, 8 };
    const accel_layer *last = &p->layers[g->n_layers - 1];
    p->output = (accel_tensor){ (int16_t)last->index, last->output_shape, last->output_width };
    p->input_layout = g->input_layout;
    p->output_layout = g->output_layout[g->n_layers - 1];

    fit_segment self = { p->layers, p->count };
    if (!syn_fit_run(&ctx, chip, &self, 1, &alone)) {
        snprintf(why, why_cap, "%s alone: %s", g->name, alone.message);
        return false;
    }
    fit_segment segs[9];
    size_t n = 0;
    uint16_t u0 = 0;
    for (size_t i = 0; i < n_resident && n < 8; i++) {
        segs[n++] = resident[i];
        u0 = (uint16_t)(u0 + resident[i].count);
    }
    segs[n++] = self;
    if (!syn_fit_run(&ctx, chip, segs, n, &together)) {
        snprintf(why, why_cap, "%s after %lu resident: %s", g->name, (unsigned long)n_resident, together.message);
        return false;
    }

    /* Kernels and biases, each layer by its own distance. */
    if (!unpack_kernels(chip, img, why, why_cap))
        return false;
    unpack_bias(chip, img);
    memset(khave[1], 0, sizeof khave[1]);
    memset(bhave[1], 0, sizeof bhave[1]);
    uint32_t moved = 0, had = 0;
    for (unsigned q = 0; q < 64u; q++)
        for (uint32_t c = 0; c < MAX_COLUMNS; c++)
            had += khave[0][q][c] ? 1u : 0u;
    for (uint16_t k = 0; k < p->count; k++) {
        const fit_layer_result *a = &alone.per_layer[k], *b = &together.per_layer[u0 + k];
        int32_t delta = (int32_t)b->kernel_start - (int32_t)a->kernel_start;
        for (unsigned q = 0; q < 64u; q++) {
            const int32_t *runs;
            uint16_t nr = syn_fit_layer_columns(&ctx, &together, (uint16_t)(u0 + k), q, &runs);
            for (uint16_t i = 0; i < nr; i++) {
                for (int32_t c = runs[2 * i]; c < runs[2 * i + 1]; c++) {
                    int32_t from = c - delta;
                    if (from < 0 || from >= (int32_t)MAX_COLUMNS || c >= (int32_t)MAX_COLUMNS || !khave[0][q][from])
                        continue;
                    memcpy(kmem[1][q][c], kmem[0][q][from], 9);
                    khave[1][q][c] = true;
                    moved++;
                }
            }
        }
        if (a->bias_quadrant >= 0 && a->bias_quadrant < 4 && b->bias_quadrant >= 0 && b->bias_quadrant < 4) {
            for (uint32_t i = 0; i < b->bias_length; i++) {
                if (a->bias_offset + i >= MAX_BIAS || b->bias_offset + i >= MAX_BIAS
                    || !bhave[0][a->bias_quadrant][a->bias_offset + i])
                    continue;
                bmem[1][b->bias_quadrant][b->bias_offset + i] = bmem[0][a->bias_quadrant][a->bias_offset + i];
                bhave[1][b->bias_quadrant][b->bias_offset + i] = true;
            }
        }
    }
    if (moved != had) {
        snprintf(why, why_cap, "%s: %lu of the image's %lu kernel columns lie in the fit's footprints", g->name,
                 (unsigned long)moved, (unsigned long)had);
        return false;
    }
    pack_records(chip, p);

    /* The registers follow. */
    cnn_error ce;
    if (!syn_reg_table_from_writes(chip, img->configure, img->n_configure, p->count, table, &ce)) {
        snprintf(why, why_cap, "%s: %s", g->name, ce.msg);
        return false;
    }
    uint8_t groups = syn_reg_groups_of(chip, img->init, img->n_init);
    for (uint16_t k = 0; k < p->count; k++) {
        reg_place a = place_of(&alone.per_layer[k]), b = place_of(&together.per_layer[u0 + k]);
        if (!syn_reg_table_check_place(chip, table, p->count, k, groups, &a, &ce)
            || !syn_reg_table_move(chip, table, p->count, k, groups, &a, &b, &ce)) {
            snprintf(why, why_cap, "%s: %s", g->name, ce.msg);
            return false;
        }
    }
    for (unsigned q = 0; q < 4u; q++)
        for (unsigned r = 0; r < syn_cnn_layer_reg_count(chip); r++)
            for (uint16_t k = 0; k < p->count; k++) {
                uint32_t v = table[reg_table_index(chip, p->count, q, r, k)];
                if (v != 0 && p->n_configure < SEG2_MAX_WRITES)
                    p->configure[p->n_configure++] = (reg_write){ syn_cnn_layer_address(chip, q, (cnn_layer_reg)r, k), v };
            }
    memcpy(p->init, img->init, img->n_init * sizeof *p->init);
    p->n_init = img->n_init;
    memcpy(p->start, img->start, img->n_start * sizeof *p->start);
    p->n_start = img->n_start;
    return true;
}

static void put32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}

static void write_writes(cbor_writer *w, const reg_write *list, size_t n)
{
    static uint8_t packed[8u * SEG2_MAX_WRITES];
    for (size_t i = 0; i < n; i++) {
        put32(packed + 8u * i, list[i].addr);
        put32(packed + 8u * i + 4u, list[i].value);
    }
    syn_cbor_write_bytes(w, packed, 8u * n);
}

static void write_layout(cbor_writer *w, const reg_layout *t, bool omit)
{
    syn_cbor_write_array(w, omit ? 0u : 1u);
    if (omit)
        return;
    syn_cbor_write_map(w, 7);
    syn_cbor_write_uint(w, 0); syn_cbor_write_int(w, t->source);
    syn_cbor_write_uint(w, 1); seg_write_shape(w, t->shape);
    syn_cbor_write_uint(w, 2); syn_cbor_write_uint(w, t->width);
    syn_cbor_write_uint(w, 3); syn_cbor_write_uint(w, t->format);
    syn_cbor_write_uint(w, 4); syn_cbor_write_uint(w, t->processors);
    syn_cbor_write_uint(w, 5); syn_cbor_write_uint(w, t->offset);
    syn_cbor_write_uint(w, 6); syn_cbor_write_uint(w, t->write_gap);
}

size_t seg2_header(const seg2_parts *p, uint8_t *out, size_t cap)
{
    cbor_writer w;
    syn_cbor_writer_init(&w, out, cap);
    syn_cbor_write_map(&w, 15);
    syn_cbor_write_uint(&w, 0); syn_cbor_write_uint(&w, 2);
    syn_cbor_write_uint(&w, 1); syn_cbor_write_cstr(&w, p->model);
    syn_cbor_write_uint(&w, 2); syn_cbor_write_uint(&w, p->layers[0].index);
    syn_cbor_write_uint(&w, 3); syn_cbor_write_uint(&w, p->count);
    syn_cbor_write_uint(&w, 4); syn_cbor_write_array(&w, 1); seg_write_tensor(&w, &p->input);
    syn_cbor_write_uint(&w, 5); syn_cbor_write_array(&w, 1); seg_write_tensor(&w, &p->output);
    syn_cbor_write_uint(&w, 6);
    syn_cbor_write_array(&w, p->count);
    for (uint16_t k = 0; k < p->count; k++)
        seg_write_layer(&w, &p->layers[k], 0);
    syn_cbor_write_uint(&w, 7); syn_cbor_write_cstr(&w, p->chip);
    syn_cbor_write_uint(&w, 8); write_writes(&w, p->init, p->n_init);
    syn_cbor_write_uint(&w, 9); write_writes(&w, p->configure, p->n_configure);
    syn_cbor_write_uint(&w, 10); write_writes(&w, p->start, p->n_start);
    syn_cbor_write_uint(&w, 11); write_layout(&w, &p->input_layout, p->omit_input_layout);
    syn_cbor_write_uint(&w, 12); write_layout(&w, &p->output_layout, false);
    syn_cbor_write_uint(&w, 13); syn_cbor_write_uint(&w, p->announce_kernels);
    syn_cbor_write_uint(&w, 14); syn_cbor_write_uint(&w, p->announce_bias);
    return w.err == CBOR_OK ? w.len : 0;
}

size_t seg2_encode(const seg2_parts *p, uint8_t *out, size_t cap)
{
    if (cap < ACCEL_SEG2_PREFIX)
        return 0;
    size_t h = seg2_header(p, out + ACCEL_SEG2_PREFIX, cap - ACCEL_SEG2_PREFIX);
    if (h == 0)
        return 0;
    memcpy(out, ACCEL_SEG2_MAGIC, 4);
    put32(out + 4, (uint32_t)h);
    size_t at = ACCEL_SEG2_PREFIX + h;
    for (size_t r = 0; r < p->n_kernels; r++) {
        const seg2_record *k = &p->kernels[r];
        if (at + 8u + 4u * (size_t)k->n > cap)
            return 0;
        put32(out + at, k->addr);
        put32(out + at + 4, k->n);
        at += 8;
        for (uint32_t i = 0; i < k->n; i++, at += 4)
            put32(out + at, p->words[k->at + i]);
    }
    for (size_t r = 0; r < p->n_bias; r++) {
        const seg2_record *b = &p->bias[r];
        size_t padded = (b->n + 3u) & ~3u;
        if (at + 8u + padded > cap)
            return 0;
        put32(out + at, b->addr);
        put32(out + at + 4, b->n);
        at += 8;
        memset(out + at, 0, padded);
        memcpy(out + at, p->bias_bytes + b->at, b->n);
        at += padded;
    }
    return at;
}
