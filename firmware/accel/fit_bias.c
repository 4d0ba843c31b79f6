/* Bias memory allocation, FIT-RULES.md section 4; the twin of host/model/fit-bias.ts. MAX78002
 * depthwise layers first (a copy in every quadrant they span), then the regular layers sorted
 * (MAX78000 flatten first, then one allowed quadrant, then largest first, stable), each into the
 * least filled quadrant its segment uses. */
#include "fit_internal.h"

#include <stdio.h>
#include <string.h>

/* Bias bytes of a depthwise layer: one per processor position and pass, per quadrant spanned.
 * Returns false with the refusal in out. */
static bool depthwise_bias(fit_ctx *ctx, const fit_layer_info *f, fit_result *out)
{
    const syn_chip *chip = ctx->chip;
    uint64_t procs = f->l->processors;
    bool broadcast = procs == f->l->output_processors;
    unsigned used_groups = 0;
    int first_offset = -1;
    for (unsigned g = 0; g < FIT_QUADRANTS; g++) {
        if (!syn_fit_quadrant_bits(procs, g))
            continue;
        if (broadcast)
            ctx->fill[g] = (uint16_t)((ctx->fill[g] + 3u) & ~3u);
        if (first_offset < 0)
            first_offset = ctx->fill[g];
        used_groups++;
    }
    uint64_t map_used = procs;
    if (!broadcast) {
        /* The first gap moves to the end of the first quadrant. */
        unsigned start = (unsigned)syn_fit_ffs(procs);
        unsigned fg = start / 16;
        uint64_t quad = 0xffffull << (fg * 16);
        map_used = (map_used & ~quad) | ((procs & quad) >> (start % 16));
    }
    int start_proc = syn_fit_ffs(map_used), last_proc = syn_fit_fls(map_used);
    if (broadcast)
        last_proc = ((last_proc + 16) & ~15) - 1;
    if (broadcast || used_groups > 1)
        start_proc &= ~15;
    /* Columns of the per-pass bias table: a column is valid for pass e when e * T + j < C_out;
     * unused processors are inserted as invalid columns at their processor number. */
    unsigned T = f->out_thresh, E = f->out_expand;
    bool gap[2 * FIT_PROCESSORS];     /* per column: inserted gap (true) or original column */
    uint16_t orig[2 * FIT_PROCESSORS];
    unsigned ncols = T;
    for (unsigned j = 0; j < T; j++) {
        gap[j] = false;
        orig[j] = (uint16_t)j;
    }
    for (int p = start_proc; p <= last_proc; p++) {
        if ((map_used >> p) & 1u)
            continue;
        if ((unsigned)p > ncols || ncols >= 2 * FIT_PROCESSORS) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_BIAS_MEMORY, f, -1, { "processor", p });
            return syn_fit_msg(out, true, "the depth-wise bias table cannot take a gap at processor %d (the synthesis tool fails here).", p);
        }
        memmove(&gap[p + 1], &gap[p], (ncols - (unsigned)p) * sizeof gap[0]);
        memmove(&orig[p + 1], &orig[p], (ncols - (unsigned)p) * sizeof orig[0]);
        gap[p] = true;
        orig[p] = 0;
        ncols++;
    }
    unsigned group = 0;
    for (unsigned e = 0; e < E; e++) {
        for (int p = start_proc; p <= last_proc; p++) {
            group = (unsigned)p / 16;
            int src = broadcast ? (p & ~15) + (p % 4) * 4 + (p % 16) / 4 : p;
            int j = src - start_proc;
            bool valid = j >= 0 && (unsigned)j < ncols && !gap[j] && e * T + orig[j] < f->cout;
            if (ctx->fill[group] >= chip->bias_per_quadrant) {
                SYN_FIT_REFUSE(out, FIT_LIMIT_BIAS_MEMORY, f, -1, { "quadrant", group },
                               { "used", ctx->fill[group] });
                return syn_fit_msg(out, true, "bias memory capacity for group %u exhausted, used so far: %u.", group,
                               (unsigned)ctx->fill[group]);
            }
            ctx->fill[group]++;
            if (valid)
                ctx->valid_end[group] = ctx->fill[group];
        }
    }
    /* The tool trims trailing unused bytes of the last quadrant it wrote. */
    ctx->fill[group] = ctx->valid_end[group];
    out->per_layer[f->u].bias_quadrant = FIT_QUADRANTS;
    out->per_layer[f->u].bias_offset = (uint16_t)(first_offset < 0 ? 0 : first_offset);
    return true;
}

static unsigned count_bits(unsigned m)
{
    unsigned n = 0;
    for (; m; m &= m - 1)
        n++;
    return n;
}

static void list_quadrants(char *buf, size_t cap, unsigned mask)
{
    size_t n = 0;
    buf[n++] = '[';
    for (unsigned g = 0; g < FIT_QUADRANTS && n + 4 < cap; g++)
        if (mask & (1u << g))
            n += (size_t)snprintf(buf + n, cap - n, "%s%u", n > 1 ? ", " : "", g);
    snprintf(buf + n, cap - n, "]");
}

/* The regular (non-depthwise) layers of one segment, li[s0] onwards: sorted by the tool's key,
 * each into the least filled quadrant it may use. */
static bool place_regular(fit_ctx *ctx, fit_result *out, fit_bias_entry *regular, unsigned n_regular)
{
    const syn_chip *chip = ctx->chip;
    /* Stable insertion sort by key (the tool's sorted() keeps layer order on ties). */
    for (unsigned i = 1; i < n_regular; i++) {
        fit_bias_entry x = regular[i];
        unsigned j = i;
        while (j > 0 && regular[j - 1].key > x.key) {
            regular[j] = regular[j - 1];
            j--;
        }
        regular[j] = x;
    }
    for (unsigned k = 0; k < n_regular; k++) {
        const fit_bias_entry *b = &regular[k];
        const fit_layer_info *f = &ctx->li[b->u];
        int g = -1;
        for (unsigned t = 0; t < FIT_QUADRANTS; t++)
            if ((b->allowed & (1u << t)) && (g < 0 || ctx->fill[t] < ctx->fill[g]))
                g = (int)t;
        if (g < 0)
            g = 0;
        if ((unsigned)ctx->fill[g] + b->blen > chip->bias_per_quadrant) {
            char gmap[24];
            list_quadrants(gmap, sizeof gmap, b->allowed);
            SYN_FIT_REFUSE(out, FIT_LIMIT_BIAS_MEMORY, f, -1, { "needed", b->blen }, { "quadrant", g },
                           { "available", (int64_t)chip->bias_per_quadrant - ctx->fill[g] });
            return syn_fit_msg(out, true,
                           "bias memory capacity exhausted - available groups: %s, used so far: [%u, %u, %u, %u], needed: %u "
                           "bytes, best available: group %d with %d bytes available.",
                           gmap, (unsigned)ctx->fill[0], (unsigned)ctx->fill[1], (unsigned)ctx->fill[2], (unsigned)ctx->fill[3],
                           (unsigned)b->blen, g, (int)chip->bias_per_quadrant - (int)ctx->fill[g]);
        }
        out->per_layer[b->u].bias_quadrant = (int8_t)g;
        out->per_layer[b->u].bias_offset = ctx->fill[g];
        out->per_layer[b->u].bias_length = b->blen;
        ctx->fill[g] = (uint16_t)(ctx->fill[g] + b->blen);
    }
    return true;
}

/* Segments are placed in load order, each by the tool's procedure in the bias memory the earlier
 * ones left (as kernels are: a new segment never moves a resident one). */
bool syn_fit_allocate_bias(fit_ctx *ctx, fit_result *out)
{
    const syn_chip *chip = ctx->chip;
    fit_bias_entry *regular = ctx->regular;
    memset(ctx->fill, 0, sizeof ctx->fill);
    memset(ctx->valid_end, 0, sizeof ctx->valid_end);
    unsigned i = 0;
    while (i < ctx->n) {
        unsigned s0 = i, n_regular = 0;
        unsigned groups = syn_fit_groups_used(ctx, s0);
        for (; i < ctx->n && ctx->li[i].seg_start == s0; i++) {
            const fit_layer_info *f = &ctx->li[i];
            if (!f->l->bias_present)
                continue;
            if (f->groups == 1) {
                fit_bias_entry *b = &regular[n_regular++];
                b->u = (uint16_t)i;
                b->blen = (uint16_t)(f->cout + (syn_fit_ffs(f->l->output_processors) % chip->processors_per_instance) * f->out_expand);
                b->allowed = (uint8_t)groups;
                b->key = chip->flatten_bias_first && f->l->flatten ? -1
                         : count_bits(groups) == 1                ? 0
                                                                  : (int32_t)chip->bias_per_quadrant - b->blen;
                continue;
            }
            if (!depthwise_bias(ctx, f, out))
                return false;
        }
        if (!place_regular(ctx, out, regular, n_regular))
            return false;
    }
    for (unsigned g = 0; g < FIT_QUADRANTS; g++)
        out->bias_per_quadrant[g] = ctx->fill[g];
    return true;
}
