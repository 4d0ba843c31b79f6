/* Kernel and bias memory compaction; see syn_reg_compact.h. */
#include "reg_compact.h"

#include <string.h>

#include "cnn_map.h"
#include "reg_program.h"
#include "reg_upload.h"

#define CTRL_MEXPRESS (1u << 20)
#define QUADRANTS 4u
#define NONE 0xFFFFu

/* Scratch: one processor's moves, then the four bias memories. */
static union {
    struct {
        uint16_t src_of[SYN_MAX_COLUMNS];   /* the column whose kernel goes to this one, or NONE */
        uint32_t pending[FIT_MAP_WORDS];    /* columns whose kernel is still to move out */
    } k;
    uint8_t bias[QUADRANTS][SYN_REG_UPLOAD_MAX_BIAS];
} scratch;

static int32_t delta[SYN_MAX_LAYERS];

static bool pending(uint32_t c)
{
    return (scratch.k.pending[c >> 5] >> (c & 31u)) & 1u;
}

static void set_pending(uint32_t c, bool on)
{
    if (on)
        scratch.k.pending[c >> 5] |= 1u << (c & 31u);
    else
        scratch.k.pending[c >> 5] &= ~(1u << (c & 31u));
}

typedef struct {
    uint32_t base;                   /* the processor's kernel window */
    uint32_t saved_column;           /* the column held in `saved` (a cycle's first), or NONE */
    uint32_t saved[3];
    cnn_error *err;
} mover;

/* Copies one 72-bit kernel word in the readback/direct form (the packed loader is off). */
static bool move_column(mover *m, uint32_t from, uint32_t to)
{
    uint32_t w[4] = { 0, 0, 0, 0 };
    if (from == m->saved_column) {
        memcpy(w, m->saved, sizeof m->saved);
    } else {
        for (unsigned i = 0; i < 3; i++)
            if (!syn_cnn_read(m->base + 16u * from + 4u * i, &w[i], m->err))
                return false;
    }
    return syn_cnn_write_block(m->base + 16u * to, w, 4, m->err);
}

/* From a destination whose kernel may be overwritten, fills it and then, along the chain, each
 * column its kernel came from. */
static bool follow(mover *m, uint32_t d)
{
    while (scratch.k.src_of[d] != NONE && !pending(d)) {
        uint32_t from = scratch.k.src_of[d];
        if (!move_column(m, from, d))
            return false;
        scratch.k.src_of[d] = NONE;
        set_pending(from, false);
        d = from;
    }
    return true;
}

static bool move_processor(const syn_chip *chip, fit_ctx *ctx, fit_result *out, unsigned p, uint16_t first_moved,
                           cnn_error *err)
{
    uint32_t words = syn_cnn_kernel_words(chip, p);
    bool any = false;
    for (uint32_t c = 0; c < words; c++)
        scratch.k.src_of[c] = NONE;
    memset(scratch.k.pending, 0, sizeof scratch.k.pending);
    for (uint16_t U = first_moved; U < out->layers; U++) {
        int32_t d = delta[U - first_moved];
        if (d == 0)
            continue;
        const int32_t *runs;
        uint16_t n = syn_fit_layer_columns(ctx, out, U, p, &runs);
        for (uint16_t i = 0; i < n; i++) {
            for (int32_t c = runs[2 * i]; c < runs[2 * i + 1]; c++) {
                int32_t from = c - d;
                if (from < 0 || (uint32_t)from >= words || (uint32_t)c >= words)
                    return syn_cnn_fail(err, CNN_ERR_PROGRAM, 0, "compaction: processor %u column %ld from column %ld", p,
                                    (long)c, (long)from);
                scratch.k.src_of[c] = (uint16_t)from;
                set_pending((uint32_t)from, true);
                any = true;
            }
        }
    }
    if (!any)
        return true;
    mover m = { syn_cnn_kernel_base(chip, p), NONE, { 0, 0, 0 }, err };
    for (uint32_t d = 0; d < words; d++)
        if (!follow(&m, d))
            return false;
    for (uint32_t d = 0; d < words; d++) {
        if (scratch.k.src_of[d] == NONE)
            continue;
        /* Every destination left is in a cycle: keep d's kernel aside, then fill the chain
         * behind it (its last step reads the kept kernel). */
        for (unsigned i = 0; i < 3; i++)
            if (!syn_cnn_read(m.base + 16u * d + 4u * i, &m.saved[i], err))
                return false;
        m.saved_column = d;
        set_pending(d, false);
        if (!follow(&m, d))
            return false;
        m.saved_column = NONE;
    }
    return true;
}

bool syn_reg_compact(const syn_chip *chip, fit_ctx *ctx, fit_result *out, uint16_t first_moved, const reg_place *from,
                 cnn_error *err)
{
    uint16_t layers = out != NULL ? out->layers : 0;
    for (uint16_t U = first_moved; U < layers; U++)
        delta[U - first_moved] = (int32_t)out->per_layer[U].kernel_start - (int32_t)from[U - first_moved].kernel_start;
    for (unsigned q = 0; q < QUADRANTS; q++) {
        uint32_t ctrl_addr = syn_cnn_control_address(chip, q, 0), ctrl;
        if (!syn_cnn_read(ctrl_addr, &ctrl, err) || !syn_cnn_write(ctrl_addr, ctrl & ~CTRL_MEXPRESS, err))
            return false;
        for (unsigned p = 16u * q; p < 16u * q + 16u; p++) {
            if (layers > 0 && !move_processor(chip, ctx, out, p, first_moved, err))
                return false;
            /* Zero what no layer holds now (the fit's occupancy map is the remaining union's). */
            uint32_t words = syn_cnn_kernel_words(chip, p), base = syn_cnn_kernel_base(chip, p);
            const uint32_t *row = fit_map_rows(ctx) + (size_t)p * FIT_MAP_WORDS;
            if (!syn_cnn_zero_columns(base, words, layers > 0 ? row : NULL, false, err))
                return false;
        }
        if (!syn_cnn_write(ctrl_addr, ctrl, err))
            return false;
    }
    uint32_t bias_words = chip->bias_per_quadrant < SYN_REG_UPLOAD_MAX_BIAS ? chip->bias_per_quadrant : SYN_REG_UPLOAD_MAX_BIAS;
    for (unsigned q = 0; q < QUADRANTS; q++) {
        for (uint32_t i = 0; i < bias_words; i++) {
            uint32_t v;
            if (!syn_cnn_read(syn_cnn_bias_address(chip, q, i), &v, err))
                return false;
            scratch.bias[q][i] = (uint8_t)v;
        }
    }
    for (uint16_t U = first_moved; U < layers; U++) {
        const reg_place *a = &from[U - first_moved];
        const fit_layer_result *b = &out->per_layer[U];
        if (a->bias_quadrant < 0 || a->bias_quadrant >= (int8_t)QUADRANTS || b->bias_quadrant < 0
            || b->bias_quadrant >= (int8_t)QUADRANTS || a->bias_offset + (uint32_t)b->bias_length > bias_words)
            continue;
        if (!syn_reg_bias_write(syn_cnn_bias_address(chip, (unsigned)b->bias_quadrant, b->bias_offset),
                            &scratch.bias[a->bias_quadrant][a->bias_offset], b->bias_length, err))
            return false;
    }
    for (unsigned q = 0; q < QUADRANTS; q++) {
        uint32_t fill = layers > 0 ? out->bias_per_quadrant[q] : 0;
        if (fill < bias_words && !syn_cnn_write_zeros(syn_cnn_bias_address(chip, q, fill), bias_words - fill, err))
            return false;
    }
    return true;
}
