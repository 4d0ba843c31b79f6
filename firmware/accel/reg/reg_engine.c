/* The register engine of accel.h (syn_accel_engine_register): a resident segment is a register
 * program (a reg_image whose configure program is a table, reg_table.h) whose kernels and biases
 * are in the accelerator's memories; a run writes the program's init, the table when the layer
 * registers hold another segment's, LCNT_MAX, places the inputs by their layouts, starts, waits
 * for cnn_irq and stops (syn_reg_program_run_as); the outputs stay in data memory until
 * syn_accel_output_into gathers one straight into the caller's buffer. Everything goes through the
 * CNN driver (cnn_driver.h): the register model on the emulated board, the silicon on a chip.
 *
 * Per-layer cycles: the first run of a load runs the segment with LCNT_MAX = k for k = 0..n-1 and
 * differences the CNN cycles the backend reports (the last of these runs is the run itself); the
 * figures hold for every later run of that load, as the CNN's timing does not depend on the
 * values.
 *
 * With the exact memo on (accel_memo.h), a run without a layer callback whose inputs this load
 * has seen takes its outputs from the memo; a computed run gathers them into a memo entry.
 *
 * Memory: SYN_MAX_RESIDENT plans (the image's pointers, the input and output maps, SYN_MAX_LAYERS
 * cycle figures each); the programs are the caller's (the segment store's program pool). */
#include <string.h>

#include "accel_engine.h"
#include "accel_memo.h"
#include "fit.h"
#include "reg_compact.h"
#include "reg_table.h"
#include "reg_upload.h"

typedef struct {
    bool used;
    const accel_segment *seg;
    reg_image img;
    /* img->inputs[i] is segment input in_of[i]; segment output k is img->outputs[out_of[k]], or
     * relayed (-1). */
    uint8_t in_of[SYN_MAX_CUT_TENSORS];
    int8_t out_of[SYN_MAX_CUT_TENSORS];
    uint64_t generation;
    bool measured;
    uint32_t cycles[SYN_MAX_LAYERS];
} reg_plan;

typedef struct {
    accel_ctx base;
    const syn_chip *chip;
    reg_plan plans[SYN_MAX_RESIDENT];
    int configured;                /* the slot whose table the layer registers hold; -1 none */
    bool have_outputs;
    uint8_t last_slot;
    const uint8_t *memo_outputs;   /* the last run's outputs in a memo entry; NULL: in data memory */
    /* the format 2 upload streaming in */
    reg_upload upload;
    fit_ctx *fit;                  /* the fit that gave it its memory (until the stream ends) */
    fit_result *fit_out;
    uint16_t u0, count;
} reg_engine_ctx;

static reg_engine_ctx the_ctx;

#define fail syn_accel_fail

static bool driver_fail(accel_error *err, accel_status status, const char *what, const cnn_error *ce)
{
    return fail(err, status, -1, "%s: %s", what, ce->msg);
}


static uint32_t tensor_bytes(const accel_tensor *t)
{
    return (uint32_t)t->shape.c * t->shape.h * t->shape.w * (t->width == 32 ? 4u : 1u);
}

static bool same_tensor(const reg_layout *l, const accel_tensor *t)
{
    return l->source == t->source && l->width == t->width && l->shape.c == t->shape.c && l->shape.h == t->shape.h
           && l->shape.w == t->shape.w;
}

static accel_ctx *reg_open(const syn_chip *chip, accel_error *err)
{
    if (chip == NULL) {
        fail(err, ACCEL_ERR_UNSUPPORTED, -1, "chip: none given");
        return NULL;
    }
    if (strcmp(chip->name, "max78000") != 0) {
        fail(err, ACCEL_ERR_UNSUPPORTED, -1, "register engine: %s is not covered (its per-layer registers differ)",
             chip->name);
        return NULL;
    }
    if (chip->max_layers > SYN_MAX_LAYERS) {
        fail(err, ACCEL_ERR_UNSUPPORTED, -1, "register engine: %s has %u layers, this build keeps %u", chip->name,
             chip->max_layers, (unsigned)SYN_MAX_LAYERS);
        return NULL;
    }
    cnn_error ce;
    if (!syn_cnn_open(chip, &ce)) {
        driver_fail(err, ACCEL_ERR_UNSUPPORTED, "register engine", &ce);
        return NULL;
    }
    memset(&the_ctx, 0, sizeof the_ctx);
    the_ctx.chip = chip;
    the_ctx.configured = -1;
    syn_accel_memo_drop_all();
    syn_accel_ok(err);
    return &the_ctx.base;
}

static bool reg_load_image(accel_ctx *base, const accel_segment *seg, const reg_image *img, uint8_t *slot,
                           accel_error *err)
{
    reg_engine_ctx *ctx = (reg_engine_ctx *)base;
    if (seg == NULL || img == NULL || slot == NULL)
        return fail(err, ACCEL_ERR_STATE, -1, "load: no segment given");
    unsigned free_slot = SYN_MAX_RESIDENT;
    for (unsigned k = 0; k < SYN_MAX_RESIDENT && free_slot == SYN_MAX_RESIDENT; k++)
        if (!ctx->plans[k].used)
            free_slot = k;
    if (free_slot == SYN_MAX_RESIDENT)
        return fail(err, ACCEL_ERR_STATE, -1, "load: %u segments are already resident", SYN_MAX_RESIDENT);
    if (img->table == NULL)
        return fail(err, ACCEL_ERR_SEGMENT, -1, "load: the image has no configure table");
    if (img->layers != seg->count)
        return fail(err, ACCEL_ERR_SEGMENT, -1, "load: the image programs %u layers, the segment has %u", img->layers,
                    seg->count);
    if (img->n_inputs > SYN_MAX_CUT_TENSORS || img->n_outputs > SYN_MAX_CUT_TENSORS)
        return fail(err, ACCEL_ERR_SEGMENT, -1, "load: at most %u input and output layouts",
                    (unsigned)SYN_MAX_CUT_TENSORS);
    cnn_error ce;
    if (!syn_reg_image_check(img, ctx->chip, &ce))
        return driver_fail(err, ACCEL_ERR_SEGMENT, "image", &ce);
    reg_plan *pl = &ctx->plans[free_slot];
    reg_plan plan;
    memset(&plan, 0, sizeof plan);
    char name[40];
    for (size_t i = 0; i < img->n_inputs; i++) {
        int found = -1;
        for (unsigned k = 0; k < seg->n_inputs && found < 0; k++)
            if (same_tensor(&img->inputs[i], &seg->inputs[k]))
                found = (int)k;
        for (size_t j = 0; j < i && found >= 0; j++)
            if (plan.in_of[j] == found)
                return fail(err, ACCEL_ERR_SEGMENT, -1, "input layouts[%lu]: %s has two layouts", (unsigned long)i,
                            syn_accel_source_name(name, sizeof name, img->inputs[i].source));
        if (found < 0)
            return fail(err, ACCEL_ERR_SEGMENT, -1, "input layouts[%lu]: %s is not an input of this shape",
                        (unsigned long)i, syn_accel_source_name(name, sizeof name, img->inputs[i].source));
        plan.in_of[i] = (uint8_t)found;
    }
    for (unsigned k = 0; k < seg->n_outputs; k++) {
        int found = -1;
        for (size_t i = 0; i < img->n_outputs && found < 0; i++)
            if (same_tensor(&img->outputs[i], &seg->outputs[k]))
                found = (int)i;
        if (found < 0 && syn_accel_segment_input(seg, seg->outputs[k].source) == NULL)
            return fail(err, ACCEL_ERR_SEGMENT, -1, "outputs[%u]: no layout for %s", k,
                        syn_accel_source_name(name, sizeof name, seg->outputs[k].source));
        plan.out_of[k] = (int8_t)found;
    }
    if ((img->n_kernels > 0 || img->n_bias > 0) && !syn_reg_program_load(img, &ce))
        return driver_fail(err, ACCEL_ERR_SEGMENT, "image", &ce);
    plan.used = true;
    plan.seg = seg;
    plan.img = *img;
    plan.generation = syn_accel_memo_generation();
    *pl = plan;
    if (ctx->configured == (int)free_slot)
        ctx->configured = -1;
    ctx->have_outputs = false;
    *slot = (uint8_t)free_slot;
    syn_accel_ok(err);
    return true;
}

static bool reg_unload(accel_ctx *base, uint8_t slot)
{
    reg_engine_ctx *ctx = (reg_engine_ctx *)base;
    if (slot >= SYN_MAX_RESIDENT || !ctx->plans[slot].used)
        return false;
    ctx->plans[slot].used = false;
    syn_accel_memo_drop_slot(slot);
    if (ctx->configured == (int)slot)
        ctx->configured = -1;
    if (ctx->last_slot == slot)
        ctx->have_outputs = false;
    return true;
}

typedef struct {
    cnn_error *err;
} reader;

static bool read_word(void *user, uint32_t addr, uint32_t *value)
{
    return syn_cnn_read(addr, value, ((reader *)user)->err);
}

/* Runs layers 0..last on the placed inputs (ptrs NULL: nothing placed). */
static bool run_once(reg_engine_ctx *ctx, uint8_t slot, uint16_t last, const void *const *ptrs, cnn_error *ce)
{
    reg_plan *pl = &ctx->plans[slot];
    bool configure = ctx->configured != (int)slot;
    if (!syn_reg_write_list(pl->img.init, pl->img.n_init, ce))
        return false;
    ctx->configured = -1;   /* until the table is written whole */
    if (!syn_reg_program_run_as(&pl->img, last, ptrs, NULL, configure, ce))
        return false;
    ctx->configured = slot;
    return true;
}

/* The first run of a load: LCNT_MAX = k for k = 0..n-1, the last one the run itself. */
static bool run_measuring(reg_engine_ctx *ctx, uint8_t slot, const void *const *ptrs, cnn_error *ce)
{
    reg_plan *pl = &ctx->plans[slot];
    uint64_t before = 1;   /* the leading cycle the cycle model adds once per run */
    for (uint16_t k = 0; k < pl->img.layers; k++) {
        uint64_t total;
        if (!run_once(ctx, slot, k, ptrs, ce) || !syn_cnn_cycles(&total, ce))
            return false;
        if (total < before || total - before > UINT32_MAX)
            return syn_cnn_fail(ce, CNN_ERR_STATE, 0, "profile: %lu cycles through layer %u after %lu", (unsigned long)total, k,
                            (unsigned long)before);
        pl->cycles[k] = (uint32_t)(total - before);
        before = total;
    }
    pl->measured = true;
    return true;
}

static bool reg_run(accel_ctx *base, uint8_t slot, const accel_buffer *inputs, size_t n_inputs, accel_layer_fn on_layer,
                    void *user, accel_error *err)
{
    reg_engine_ctx *ctx = (reg_engine_ctx *)base;
    if (slot >= SYN_MAX_RESIDENT || !ctx->plans[slot].used)
        return fail(err, ACCEL_ERR_STATE, -1, "run: slot %u holds no segment", (unsigned)slot);
    reg_plan *pl = &ctx->plans[slot];
    const accel_segment *seg = pl->seg;
    ctx->have_outputs = false;
    size_t given[SYN_MAX_CUT_TENSORS];
    if (!syn_accel_match_inputs(seg->inputs, seg->n_inputs, inputs, n_inputs, given, err))
        return false;
    const void *ptrs[SYN_MAX_CUT_TENSORS];
    for (size_t i = 0; i < pl->img.n_inputs; i++)
        ptrs[i] = inputs[given[pl->in_of[i]]].data;

    accel_memo_key key;
    bool memo = on_layer == NULL && syn_accel_memo_enabled();
    uint32_t memo_len = 0;
    for (unsigned k = 0; k < seg->n_outputs; k++)
        if (pl->out_of[k] >= 0)
            memo_len += tensor_bytes(&seg->outputs[k]);
    ctx->memo_outputs = NULL;
    if (memo) {
        syn_accel_memo_key_of(&key, slot, pl->generation, inputs, given, seg->n_inputs);
        size_t len;
        const uint8_t *stored = syn_accel_memo_find(&key, &len);
        if (stored != NULL && len == memo_len) {
            ctx->memo_outputs = stored;
            ctx->have_outputs = true;
            ctx->last_slot = slot;
            syn_accel_ok(err);
            return true;
        }
    }
    cnn_error ce;
    bool ran = pl->measured ? run_once(ctx, slot, (uint16_t)(pl->img.layers - 1u), ptrs, &ce)
                            : run_measuring(ctx, slot, ptrs, &ce);
    if (!ran)
        return driver_fail(err, ACCEL_ERR_SEGMENT, "run", &ce);
    if (on_layer) {
        for (uint16_t k = 0; k < seg->count; k++) {
            accel_layer_report r = { k, &seg->layers[k], NULL };
            on_layer(user, &r);
        }
    }
    ctx->have_outputs = true;
    ctx->last_slot = slot;
    uint8_t *to = memo && memo_len > 0 ? syn_accel_memo_reserve(&key, memo_len) : NULL;
    if (to != NULL) {
        reader rd = { &ce };
        uint8_t *at = to;
        for (unsigned k = 0; k < seg->n_outputs; k++) {
            if (pl->out_of[k] < 0)
                continue;
            if (!syn_reg_layout_gather(&pl->img.outputs[pl->out_of[k]], ctx->chip, read_word, &rd, at))
                return driver_fail(err, ACCEL_ERR_SEGMENT, "gather", &ce);
            at += tensor_bytes(&seg->outputs[k]);
        }
        ctx->memo_outputs = to;
    }
    syn_accel_ok(err);
    return true;
}

static bool reg_output_into(accel_ctx *base, int16_t source, void *dst, uint32_t len, accel_error *err)
{
    reg_engine_ctx *ctx = (reg_engine_ctx *)base;
    char name[40];
    if (!ctx->have_outputs)
        return fail(err, ACCEL_ERR_STATE, -1, "output: no run has outputs");
    const reg_plan *pl = &ctx->plans[ctx->last_slot];
    const accel_segment *seg = pl->seg;
    uint32_t offset = 0;
    for (unsigned k = 0; k < seg->n_outputs; k++) {
        const accel_tensor *t = &seg->outputs[k];
        if (t->source != source) {
            offset += pl->out_of[k] >= 0 ? tensor_bytes(t) : 0u;
            continue;
        }
        if (pl->out_of[k] < 0)
            return fail(err, ACCEL_ERR_STATE, -1, "output: %s is relayed (the caller copies the input)",
                        syn_accel_source_name(name, sizeof name, source));
        if (tensor_bytes(t) != len || dst == NULL)
            return fail(err, ACCEL_ERR_INPUT, -1, "output: %s has %lu bytes, %lu given", syn_accel_source_name(name, sizeof name, source),
                        (unsigned long)tensor_bytes(t), (unsigned long)len);
        if (ctx->memo_outputs != NULL) {
            memcpy(dst, ctx->memo_outputs + offset, len);
        } else {
            cnn_error ce;
            reader rd = { &ce };
            if (!syn_reg_layout_gather(&pl->img.outputs[pl->out_of[k]], ctx->chip, read_word, &rd, dst))
                return driver_fail(err, ACCEL_ERR_SEGMENT, "gather", &ce);
        }
        syn_accel_ok(err);
        return true;
    }
    return fail(err, ACCEL_ERR_STATE, -1, "output: the last run gave no %s", syn_accel_source_name(name, sizeof name, source));
}

static bool reg_measured_cycles(accel_ctx *base, uint32_t *cycles, size_t n)
{
    reg_engine_ctx *ctx = (reg_engine_ctx *)base;
    if (!ctx->have_outputs)
        return false;
    const reg_plan *pl = &ctx->plans[ctx->last_slot];
    if (!pl->measured || n != pl->img.layers)
        return false;
    memcpy(cycles, pl->cycles, n * sizeof *cycles);
    return true;
}

/* ---- format 2 uploads and compaction ----------------------------------------------------------- */

/* reg_upload's question when it refuses a column: did the fit give it to this segment? */
static bool given_column(void *user, unsigned p, uint32_t col)
{
    reg_engine_ctx *ctx = user;
    for (uint16_t k = 0; k < ctx->count; k++) {
        const int32_t *runs;
        uint16_t n = syn_fit_layer_columns(ctx->fit, ctx->fit_out, (uint16_t)(ctx->u0 + k), p, &runs);
        for (uint16_t i = 0; i < n; i++)
            if ((int32_t)col >= runs[2 * i] && (int32_t)col < runs[2 * i + 1])
                return true;
    }
    return false;
}

static bool reg_stream_begin(accel_ctx *base, const reg_image *program, fit_ctx *fit, fit_result *out, uint16_t u0,
                             uint16_t count, uint32_t kernel_records, uint32_t bias_records, accel_error *err)
{
    reg_engine_ctx *ctx = (reg_engine_ctx *)base;
    ctx->fit = fit;
    ctx->fit_out = out;
    ctx->u0 = u0;
    ctx->count = count;
    /* The fit's occupancy map is free once it has run: it keeps the segment's columns. */
    syn_reg_upload_begin(&ctx->upload, ctx->chip, kernel_records, bias_records, fit_map_rows(fit), FIT_MAP_WORDS,
                     given_column, ctx);
    for (uint16_t k = 0; k < count; k++) {
        uint16_t U = (uint16_t)(u0 + k);
        for (unsigned p = 0; p < FIT_PROCESSORS; p++) {
            const int32_t *runs;
            uint16_t n = syn_fit_layer_columns(fit, out, U, p, &runs);
            for (uint16_t i = 0; i < n; i++)
                syn_reg_upload_own_columns(&ctx->upload, p, (uint32_t)runs[2 * i], (uint32_t)runs[2 * i + 1]);
        }
        const fit_layer_result *pl = &out->per_layer[U];
        if (pl->bias_quadrant >= 0 && pl->bias_quadrant < 4)
            syn_reg_upload_own_bias(&ctx->upload, (unsigned)pl->bias_quadrant, pl->bias_offset, pl->bias_length);
    }
    cnn_error ce;
    if (!syn_reg_write_list(program->init, program->n_init, &ce) || !syn_reg_upload_clear(&ctx->upload, &ce))
        return driver_fail(err, ACCEL_ERR_DEVICE, "clearing the segment's memory", &ce);
    syn_accel_ok(err);
    return true;
}

static accel_status record_status(const cnn_error *ce)
{
    return ce->status == CNN_ERR_PROGRAM || ce->status == CNN_ERR_ADDRESS || ce->status == CNN_ERR_BLOCK
                   || ce->status == CNN_ERR_ALIGN
               ? ACCEL_ERR_SEGMENT
               : ACCEL_ERR_DEVICE;
}

static bool reg_stream_bytes(accel_ctx *base, const uint8_t *data, size_t n, accel_error *err)
{
    reg_engine_ctx *ctx = (reg_engine_ctx *)base;
    cnn_error ce;
    if (!syn_reg_upload_feed(&ctx->upload, data, n, &ce))
        return fail(err, record_status(&ce), -1, "%s", ce.msg);
    syn_accel_ok(err);
    return true;
}

static bool reg_stream_end(accel_ctx *base, accel_error *err)
{
    reg_engine_ctx *ctx = (reg_engine_ctx *)base;
    cnn_error ce;
    if (!syn_reg_upload_finished(&ctx->upload, &ce))
        return fail(err, ACCEL_ERR_SEGMENT, -1, "%s", ce.msg);
    syn_accel_ok(err);
    return true;
}

static bool reg_relocate(accel_ctx *base, fit_ctx *fit, fit_result *out, uint16_t first_moved, const reg_place *from,
                         accel_error *err)
{
    reg_engine_ctx *ctx = (reg_engine_ctx *)base;
    ctx->configured = -1;   /* the caller rewrites the moved tables */
    ctx->have_outputs = false;
    cnn_error ce;
    if (!syn_reg_compact(ctx->chip, fit, out, first_moved, from, &ce))
        return driver_fail(err, ACCEL_ERR_DEVICE, "compaction", &ce);
    syn_accel_ok(err);
    return true;
}

const accel_engine syn_accel_engine_register = {
    .name = "register",
    .format = 2,
    .open = reg_open,
    .load = NULL,
    .load_image = reg_load_image,
    .unload = reg_unload,
    .run = reg_run,
    .output = NULL,
    .output_into = reg_output_into,
    .measured_cycles = reg_measured_cycles,
    .stream_begin = reg_stream_begin,
    .stream_bytes = reg_stream_bytes,
    .stream_end = reg_stream_end,
    .relocate = reg_relocate,
};
