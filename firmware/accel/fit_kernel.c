/* Kernel (weight) memory allocation, FIT-RULES.md section 3; the twin of host/model/fit-kernel.ts
 * (kern_len, per-processor footprints, the greedy allocator with MAX78002's top-down search).
 * Where the tool's own placement would write into columns another layer holds, it corrupts
 * weights or crashes; we refuse with kernel_memory instead. */
#include "fit_internal.h"

#include <string.h>

typedef struct {
    int64_t ksize, kc, kern_len, s, flatten_bytes;
} kernel_need;

static bool used(const fit_ctx *ctx, unsigned p, int32_t col)
{
    return (ctx->kmap[p][(uint32_t)col >> 5] >> ((uint32_t)col & 31u)) & 1u;
}

/* First used column in [a, b), or -1. */
static int32_t first_used(const fit_ctx *ctx, unsigned p, int32_t a, int32_t b)
{
    int32_t col = a;
    while (col < b) {
        uint32_t word = ctx->kmap[p][(uint32_t)col >> 5] >> ((uint32_t)col & 31u);
        if (!word) {
            col = (col | 31) + 1;
            continue;
        }
        int32_t hit = col;
        while (!(word & 1u)) {
            word >>= 1;
            hit++;
        }
        return hit < b ? hit : -1;
    }
    return -1;
}

/* Highest used column in [a, b), or -1. */
static int32_t last_used(const fit_ctx *ctx, unsigned p, int32_t a, int32_t b)
{
    for (int32_t col = b - 1; col >= a; col--) {
        uint32_t word = ctx->kmap[p][(uint32_t)col >> 5];
        if (!word) {
            col &= ~31;
            continue;
        }
        if ((word >> ((uint32_t)col & 31u)) & 1u)
            return col;
    }
    return -1;
}

static void mark(fit_ctx *ctx, unsigned p, int32_t a, int32_t b)
{
    for (int32_t col = a; col < b; col++)
        ctx->kmap[p][(uint32_t)col >> 5] |= 1u << ((uint32_t)col & 31u);
}

/* kc and kern_len (FIT-RULES.md 3.2). */
static bool need_of(const fit_ctx *ctx, const fit_layer_info *f, kernel_need *n, fit_result *out)
{
    const syn_chip *chip = ctx->chip;
    const accel_layer *l = f->l;
    uint64_t om = l->output_processors;
    int first = syn_fit_ffs(om);
    n->s = first % (int)chip->processors_per_instance;
    int first_out = f->out_expand > 1 ? first - (int)n->s : first;
    int64_t in_exp = l->flatten ? 1 : f->in_expand;
    n->kc = f->groups == 1 ? (int64_t)(syn_fit_fls(om) - first_out + 1) * f->out_expand * in_exp : in_exp;
    n->flatten_bytes = 0;
    if (l->flatten) {
        int64_t total = (int64_t)f->cin * f->pooled[0] * f->pooled[1];
        if (total % f->in_expand != 0 || total % f->in_thresh != 0) {
            SYN_FIT_REFUSE(out, FIT_LIMIT_FLATTEN, f, -1, { "inputs", total }, { "passes", f->in_expand },
                           { "processors", f->in_thresh });
            return syn_fit_msg(out, true,
                           "`flatten` of %ux%ux%u cannot be arranged as %u %s of %u processors (the synthesis tool fails to "
                           "reshape these weights).",
                           (unsigned)f->cin, (unsigned)f->pooled[0], (unsigned)f->pooled[1], (unsigned)f->in_expand,
                           f->in_expand == 1 ? "pass" : "passes", (unsigned)f->in_thresh);
        }
        n->flatten_bytes = total / f->in_thresh;
        n->kc = n->kc * n->flatten_bytes - ((int64_t)f->out_expand * syn_fit_popcount(om) - f->cout) * n->flatten_bytes;
    }
    int64_t q = f->q, bits = chip->kernel_word_bytes * 8;
    n->ksize = f->ksize;
    n->kern_len = (n->kc * n->ksize * f->bits + (n->kc % q) * n->ksize * (q - 1) + bits - 1) / bits;
    return true;
}

/* The columns one input processor marks, relative to the start column, into ctx->runs[cls]
 * as ascending [start, end) pairs; ctx->run_end[cls] gets where the byte cursor ends. */
typedef struct {
    fit_ctx *ctx;
    int cls;
    int32_t col;
    int32_t used;
    uint8_t word_bytes;
    /* Columns from `limit` on lie past the kernel map: only the first of them is kept (it is the
     * one an exhaustion refusal names), so the runs stay within FIT_MAX_RUNS. */
    int64_t limit;
    int64_t first_dropped;
} cursor;

static void mark_col(cursor *c, int32_t col)
{
    if (col >= c->limit) {
        if (c->first_dropped < 0)
            c->first_dropped = col;
        return;
    }
    int32_t *runs = c->ctx->runs[c->cls];
    uint16_t n = c->ctx->n_runs[c->cls];
    if (n > 0 && runs[2 * n - 1] == col) {
        runs[2 * n - 1] = col + 1;
    } else if (n < FIT_MAX_RUNS) {
        runs[2 * n] = col;
        runs[2 * n + 1] = col + 1;
        c->ctx->n_runs[c->cls] = (uint16_t)(n + 1);
    }
}

static void write_bytes(cursor *c, int64_t bytes)
{
    while (bytes > 0) {
        if (c->used == 0)
            mark_col(c, c->col);
        int64_t take = bytes < c->word_bytes - c->used ? bytes : c->word_bytes - c->used;
        c->used += (int32_t)take;
        bytes -= take;
        if (c->used == c->word_bytes) {
            c->col++;
            c->used = 0;
        }
    }
}

static void footprint(fit_ctx *ctx, const fit_layer_info *f, const kernel_need *n, bool full_last_pass, int cls, int64_t offs)
{
    const accel_layer *l = f->l;
    int64_t q = f->q, K = n->ksize;
    int64_t in_exp = l->flatten ? 1 : f->in_expand;
    cursor c = { .ctx = ctx, .cls = cls, .col = 0, .used = 0, .word_bytes = ctx->chip->kernel_word_bytes,
                 .limit = (int64_t)ctx->chip->kernel_words_large - offs + 1, .first_dropped = -1 };
    ctx->n_runs[cls] = 0;
    int64_t skip = n->s * K * in_exp;
    c.col = (int32_t)(skip / c.word_bytes);
    write_bytes(&c, (skip % c.word_bytes) / q);
    uint64_t om = l->output_processors;
    uint64_t qmask = (1ull << q) - 1u;
    unsigned out_range = f->groups == 1 ? f->out_expand : 1;
    int64_t m = 0;
    for (unsigned e = 0; e < out_range; e++) {
        uint64_t map = om >> syn_fit_ffs(om);
        int64_t col = f->groups == 1 ? (int64_t)e * f->out_thresh : e;
        int64_t stop = col + (f->groups == 1 ? f->out_thresh : 1);
        while (col < stop) {
            if (map) {
                while (!(map & qmask)) {
                    c.col++;
                    c.used = 0;
                    map >>= q;
                }
            }
            map >>= q;
            for (int64_t ie = 0; ie < in_exp; ie++) {
                bool real;
                if (l->flatten)
                    real = m * q < f->cout;
                else
                    real = (ie < in_exp - 1 || full_last_pass) && (f->groups > 1 || m < f->cout);
                if (!real) {
                    write_bytes(&c, K / q);
                } else if (l->flatten) {
                    int64_t count = f->cout - m * q < q ? f->cout - m * q : q;
                    write_bytes(&c, (count * n->flatten_bytes + q - 1) / q);
                } else {
                    write_bytes(&c, K);
                }
            }
            if (l->flatten) {
                col += 1;
                m += 1;
            } else {
                col += q;
                m += q;
            }
        }
    }
    if (c.used > 0) {
        c.col++;
        c.used = 0;
    }
    if (c.col - n->s < n->kern_len) {
        int64_t end = n->s + n->kern_len;
        if (c.col < c.limit) {
            mark_col(&c, c.col);
            uint16_t k = ctx->n_runs[cls];
            if (k > 0)
                ctx->runs[cls][2 * k - 1] = (int32_t)(end < c.limit ? end : c.limit);
        }
        if (end > c.limit && c.first_dropped < 0)
            c.first_dropped = c.col > c.limit ? c.col : c.limit;
        c.col = (int32_t)end;
    }
    if (c.first_dropped >= 0 && ctx->n_runs[cls] < FIT_MAX_RUNS) {
        uint16_t k = ctx->n_runs[cls]++;
        ctx->runs[cls][2 * k] = (int32_t)c.first_dropped;
        ctx->runs[cls][2 * k + 1] = (int32_t)c.first_dropped + 1;
    }
    ctx->run_end[cls] = c.col;
}

static bool exhausted(fit_result *out, const fit_layer_info *f, unsigned p, int64_t offs, int64_t needed, uint32_t width)
{
    SYN_FIT_REFUSE(out, FIT_LIMIT_KERNEL_MEMORY, f, -1, { "processor", p }, { "offset", offs }, { "needed", needed },
                   { "columns", width });
    return syn_fit_msg(out, true, "Kernel memory exhausted at processor %u; offset: %ld (0x%04lx), needed: %ld.", p, (long)offs,
                   (unsigned long)offs, (long)needed);
}

/* x rounded down to a multiple of size, also for negative x (Python's & ~(size - 1)). */
static int64_t align_down(int64_t x, int64_t size)
{
    return x >= 0 ? x / size * size : -((-x + size - 1) / size) * size;
}

static int64_t round_up(int64_t x, int64_t size)
{
    return (x + size - 1) / size * size;
}

/* The instance mask of the depthwise placement rule, as the tool computes it for column x. */
static int64_t instance_mask(const syn_chip *chip, int64_t x)
{
    return x + 1 >= chip->kernel_words ? chip->kernel_instance_words_large - 1 : chip->kernel_instance_words - 1;
}

static bool has(uint64_t procs, unsigned p)
{
    return (procs >> p) & 1u;
}

/* The forward search; false with the refusal in out. */
/* The lowest processor of the mask at or above p (64 when none). */
static unsigned next_in(uint64_t procs, unsigned p)
{
    while (p < 64u && !has(procs, p))
        p++;
    return p;
}

static bool search_forward(fit_ctx *ctx, const fit_layer_info *f, int64_t len, int64_t *found, fit_result *out)
{
    const syn_chip *chip = ctx->chip;
    uint64_t procs = f->l->processors;
    int64_t align = chip->processors_per_instance, width = chip->kernel_words_large;
    unsigned first = (unsigned)syn_fit_ffs(procs), last = (unsigned)syn_fit_fls(procs);
    int64_t offs = 0;
    while (used(ctx, first, (int32_t)offs)) {
        offs += align;
        if (offs + len > syn_fit_kernel_columns(chip, first))
            return exhausted(out, f, first, offs, len, syn_fit_kernel_columns(chip, first));
    }
    unsigned p = first;
    while ((p = next_in(procs, p)) <= last) {
        if (chip->depthwise_kernel_in_one_instance && f->groups > 1) {
            int64_t mm = instance_mask(chip, offs + 1);
            if (align_down(offs + 1, mm + 1) != align_down(offs + len, mm + 1))
                offs = align_down(offs + mm, mm + 1) - 1;
            mm = instance_mask(chip, offs + 1);
            if (align_down(offs + 1, mm + 1) != align_down(offs + len, mm + 1)) {
                SYN_FIT_REFUSE(out, FIT_LIMIT_KERNEL_MEMORY, f, -1, { "offset", offs }, { "needed", len });
                return syn_fit_msg(out, true,
                               "Kernel memory exhausted: no kernel memory instance past column %ld holds the %ld columns of this "
                               "depth-wise layer.",
                               (long)offs, (long)len);
            }
        }
        int64_t end = offs + len < width ? offs + len : width;
        int32_t hit = first_used(ctx, p, (int32_t)offs, (int32_t)end);
        if (hit >= 0) {
            offs = round_up(hit + 1, align);
            if (offs + len > syn_fit_kernel_columns(chip, p))
                return exhausted(out, f, p, offs, len, syn_fit_kernel_columns(chip, p));
            p = first;
            continue;
        }
        /* The tool indexes past its map here and crashes; that is a refusal too. */
        if (offs + len > width)
            return exhausted(out, f, p, offs, len, syn_fit_kernel_columns(chip, p));
        p++;
    }
    *found = round_up(offs, align);
    return true;
}

/* MAX78002: the top-down search for layers on the large processors only; -1 if nothing fits. */
static int64_t search_reverse(const fit_ctx *ctx, const fit_layer_info *f, int64_t len)
{
    const syn_chip *chip = ctx->chip;
    uint64_t procs = f->l->processors;
    int64_t align = chip->processors_per_instance;
    unsigned first = (unsigned)syn_fit_ffs(procs), last = (unsigned)syn_fit_fls(procs);
    int64_t offs = (int64_t)chip->kernel_words_large - 1;
    while (used(ctx, first, (int32_t)offs)) {
        offs -= align;
        if (offs < 0)
            return -1;
    }
    unsigned p = first;
    while ((p = next_in(procs, p)) <= last) {
        if (chip->depthwise_kernel_in_one_instance && f->groups > 1) {
            int64_t mm = instance_mask(chip, offs - 1);
            if (align_down(offs - 1, mm + 1) != align_down(offs - len, mm + 1))
                offs = align_down(offs, mm + 1);
        }
        int64_t lo = offs - len + 1;
        /* Below column 0 the tool's indices wrap around; we call that no room at the top. */
        if (lo < 0)
            return -1;
        int32_t hit = last_used(ctx, p, (int32_t)lo, (int32_t)(offs + 1));
        if (hit >= 0) {
            if (hit - 1 < 0)
                return -1;
            offs = align_down(hit - 1, align);
            p = first;
            continue;
        }
        p++;
    }
    return align_down(offs - len + 1, align);
}

/* Whether processor p holds a channel in the last input pass (its ordinal among the layer's processors). */
static bool full_last_pass(const fit_layer_info *f, unsigned p)
{
    uint64_t below = p ? f->l->processors & ((1ull << p) - 1u) : 0;
    return syn_fit_popcount(below) < (int)f->cin - (int)(f->in_expand - 1) * f->in_thresh;
}

/* The layer whose footprint holds column col of processor p (error messages only, so recomputed
 * into run class 1, which the caller no longer needs). */
static int owner_of(fit_ctx *ctx, unsigned placed, unsigned p, int32_t col, fit_result *out)
{
    for (unsigned k = 0; k < placed; k++) {
        const fit_layer_info *g = &ctx->li[ctx->order[k]];
        if (!has(g->l->processors, p))
            continue;
        kernel_need n;
        if (!need_of(ctx, g, &n, out))
            continue;
        int64_t offs = out->per_layer[g->u].kernel_start;
        footprint(ctx, g, &n, g->q > 1 && !g->l->flatten ? full_last_pass(g, p) : true, 1, offs);
        for (unsigned r = 0; r < ctx->n_runs[1]; r++)
            if (col >= offs + ctx->runs[1][2 * r] && col < offs + ctx->runs[1][2 * r + 1])
                return g->u;
    }
    return -1;
}

uint16_t syn_fit_layer_columns(fit_ctx *ctx, fit_result *out, uint16_t u, unsigned p, const int32_t **runs)
{
    *runs = ctx->runs[1];
    if (u >= ctx->n || p >= FIT_PROCESSORS)
        return 0;
    const fit_layer_info *g = &ctx->li[u];
    if (!g->weighted || !has(g->l->processors, p))
        return 0;
    kernel_need n;
    if (!need_of(ctx, g, &n, out))   /* not reached: a layer the fit placed has its need */
        return 0;
    int64_t offs = out->per_layer[u].kernel_start;
    footprint(ctx, g, &n, g->q > 1 && !g->l->flatten ? full_last_pass(g, p) : true, 1, offs);
    for (unsigned r = 0; r < ctx->n_runs[1]; r++) {
        ctx->runs[1][2 * r] += (int32_t)offs;
        ctx->runs[1][2 * r + 1] += (int32_t)offs;
    }
    return ctx->n_runs[1];
}

bool syn_fit_allocate_kernels(fit_ctx *ctx, fit_result *out)
{
    const syn_chip *chip = ctx->chip;
    memset(ctx->kmap, 0, sizeof ctx->kmap);
    memset(out->columns, 0, sizeof out->columns);
    uint64_t all = ~0ull;
    /* Segments are placed in load order, each by the tool's rule (layers on all 64 processors
     * first) in the columns the earlier ones left: a new segment never moves a resident one, so
     * its kernels can be written to their final columns as they arrive. */
    unsigned n_order = 0;
    for (unsigned s0 = 0; s0 < ctx->n; s0++) {
        if (ctx->li[s0].r != 0)
            continue;
        for (int pass = 0; pass < 2; pass++) {
            for (unsigned i = s0; i < ctx->n && ctx->li[i].seg_start == s0; i++) {
                const fit_layer_info *f = &ctx->li[i];
                if (f->weighted && ((f->l->processors == all) == (pass == 0)))
                    ctx->order[n_order++] = (uint16_t)i;
            }
        }
    }
    for (unsigned k = 0; k < n_order; k++) {
        const fit_layer_info *f = &ctx->li[ctx->order[k]];
        kernel_need n;
        if (!need_of(ctx, f, &n, out))
            return false;
        int64_t len = n.kern_len;
        uint64_t procs = f->l->processors;
        int64_t offs = -1;
        bool all_large = true;
        for (unsigned p = 0; p < FIT_PROCESSORS; p++)
            if (has(procs, p) && syn_fit_kernel_columns(chip, p) != chip->kernel_words_large)
                all_large = false;
        if (chip->kernel_words_large > chip->kernel_words && all_large
            && (!chip->depthwise_kernel_in_one_instance || f->groups == 1 || len <= chip->kernel_instance_words_large))
            offs = search_reverse(ctx, f, len);
        if (offs < 0 && !search_forward(ctx, f, len, &offs, out))
            return false;
        unsigned last = (unsigned)syn_fit_fls(procs);
        if (offs + len > syn_fit_kernel_columns(chip, last))
            return exhausted(out, f, last, offs, len, syn_fit_kernel_columns(chip, last));
        int last_pass = (int)f->cin - (int)(f->in_expand - 1) * f->in_thresh;
        footprint(ctx, f, &n, true, 0, offs);
        bool two = last_pass < f->in_thresh && f->q > 1 && !f->l->flatten;
        if (two)
            footprint(ctx, f, &n, false, 1, offs);
        int ch = 0;
        for (unsigned p = 0; p < FIT_PROCESSORS; p++) {
            if (!has(procs, p))
                continue;
            int cls = two && ch >= last_pass ? 1 : 0;
            ch++;
            int64_t width = syn_fit_kernel_columns(chip, p);
            for (unsigned r = 0; r < ctx->n_runs[cls]; r++) {
                int64_t a = offs + ctx->runs[cls][2 * r], b = offs + ctx->runs[cls][2 * r + 1];
                if (a >= width)
                    return exhausted(out, f, p, a, 1, (uint32_t)width);
                int32_t hit = first_used(ctx, p, (int32_t)a, (int32_t)(b < width ? b : width));
                if (hit >= 0) {
                    /* Keep the runs of this processor's class: owner_of reuses class 1 storage. */
                    int other = owner_of(ctx, k, p, hit, out);
                    SYN_FIT_REFUSE(out, FIT_LIMIT_KERNEL_MEMORY, f, -1, { "processor", p }, { "offset", hit },
                                   { "layer", other }, { "start", offs });
                    return syn_fit_msg(out, true,
                                   "Kernel memory of processor %u at column %ld (0x%04lx) already holds layer %d; the kernels of "
                                   "this layer, placed at %ld, reach it (the synthesis tool would corrupt them).",
                                   p, (long)hit, (unsigned long)hit, other, (long)offs);
                }
                if (b > width)
                    return exhausted(out, f, p, width, 1, (uint32_t)width);
            }
            for (unsigned r = 0; r < ctx->n_runs[cls]; r++) {
                mark(ctx, p, (int32_t)(offs + ctx->runs[cls][2 * r]), (int32_t)(offs + ctx->runs[cls][2 * r + 1]));
                out->columns[p] += (uint32_t)(ctx->runs[cls][2 * r + 1] - ctx->runs[cls][2 * r]);
            }
            if (f->l->flatten)
                out->per_layer[f->u].kernel_length = (uint32_t)ctx->run_end[cls];
        }
        out->per_layer[f->u].kernel_start = (uint32_t)offs;
        if (!f->l->flatten)
            out->per_layer[f->u].kernel_length = (uint32_t)len;
    }
    return true;
}
