/* The layer engine of accel.h: segments are checked and their tensor memory planned at load; a
 * run copies the inputs into the arena and computes layer after layer (sim_layer.c), or, with the
 * exact memo on (accel_memo.h), replays the outputs a computed run left for the same load and the
 * same input bytes. */
#include "sim.h"

#include <string.h>

#include "accel_engine.h"
#include "accel_memo.h"
#include "sim_layer.h"
#include "text.h"

#define ALIGN 8u
#define MAX_BLOCKS (SYN_MAX_CUT_TENSORS + 2u * SYN_SIM_MAX_LAYERS)

typedef struct {
    bool used;
    uint16_t first, count;
    const accel_layer *layers;
    const accel_params *params;
    uint8_t n_inputs, n_outputs;
    accel_tensor inputs[SYN_MAX_CUT_TENSORS];
    accel_tensor outputs[SYN_MAX_CUT_TENSORS];
    uint32_t input_at[SYN_MAX_CUT_TENSORS];     /* arena offsets */
    uint32_t output_at[SYN_SIM_MAX_LAYERS];     /* each layer's output */
    uint32_t work_at[SYN_SIM_MAX_LAYERS];       /* each layer's HWC working copy */
    uint32_t peak;
    uint64_t generation;                          /* this load's number (the memo's identity) */
} sim_plan;

typedef struct {
    accel_ctx base;
    const syn_chip *chip;
    sim_plan plans[SYN_MAX_RESIDENT];
    bool have_outputs;
    uint8_t last_slot;
} sim_ctx;

static sim_ctx the_ctx;
static _Alignas(8) uint8_t arena[SYN_SIM_ARENA_BYTES];

#define fail syn_accel_fail
#define ok syn_accel_ok


static uint64_t tensor_bytes(const accel_tensor *t)
{
    return (uint64_t)t->shape.c * t->shape.h * t->shape.w * (t->width == 32 ? 4u : 1u);
}

static int find_tensor(const accel_tensor *list, unsigned n, int16_t source)
{
    for (unsigned k = 0; k < n; k++)
        if (list[k].source == source)
            return (int)k;
    return -1;
}

static accel_ctx *sim_open(const syn_chip *chip, accel_error *err)
{
    if (!chip) {
        fail(err, ACCEL_ERR_UNSUPPORTED, -1, "chip: none given");
        return NULL;
    }
    if (chip->max_layers > SYN_SIM_MAX_LAYERS) {
        fail(err, ACCEL_ERR_UNSUPPORTED, -1, "chip %s: %u hardware layers, the simulator plans for %u", chip->name,
             chip->max_layers, SYN_SIM_MAX_LAYERS);
        return NULL;
    }
    memset(&the_ctx, 0, sizeof the_ctx);
    the_ctx.chip = chip;
    syn_accel_memo_drop_all();
    ok(err);
    return &the_ctx.base;
}

/* ---- load: checks --------------------------------------------------------------------------- */

static bool check_tensor_list(const accel_tensor *list, unsigned n, const char *what, uint16_t first,
                              uint16_t end, bool inputs, accel_error *err)
{
    for (unsigned k = 0; k < n; k++) {
        const accel_tensor *t = &list[k];
        if (t->width != 8 && t->width != 32)
            return fail(err, ACCEL_ERR_SEGMENT, -1, "%s[%u].width: %u is neither 8 nor 32", what, k, t->width);
        if (tensor_bytes(t) == 0 || tensor_bytes(t) > SYN_SIM_ARENA_BYTES)
            return fail(err, ACCEL_ERR_SEGMENT, -1, "%s[%u].shape: %ux%ux%u is empty or larger than the simulator's memory",
                        what, k, t->shape.c, t->shape.h, t->shape.w);
        if (t->source < -1 || (inputs && t->source >= (int)first) || (!inputs && t->source >= (int)end))
            return fail(err, ACCEL_ERR_SEGMENT, -1, "%s[%u].source: %s the segment's reach", what, k,
                        inputs ? "an input must come from before" : "an output must come from within or before");
        for (unsigned j = 0; j < k; j++)
            if (list[j].source == t->source)
                return fail(err, ACCEL_ERR_SEGMENT, -1, "%s[%u].source: listed twice", what, k);
    }
    return true;
}

/* The shape and width of a source as the plan holds it. */
static bool source_info(const sim_plan *pl, int16_t s, uint16_t position, sim_source_info *info)
{
    if (s >= (int)pl->first && s < (int)pl->first + pl->count) {
        if (s - pl->first >= position)
            return false;
        const accel_layer *src = &pl->layers[s - pl->first];
        info->shape = src->output_shape;
        info->width = src->output_width;
        return true;
    }
    int k = find_tensor(pl->inputs, pl->n_inputs, s);
    if (k < 0)
        return false;
    info->shape = pl->inputs[k].shape;
    info->width = pl->inputs[k].width;
    return true;
}

static bool check_layers(const syn_chip *chip, const sim_plan *pl, accel_error *err)
{
    for (uint16_t k = 0; k < pl->count; k++) {
        const accel_layer *l = &pl->layers[k];
        if (l->index != pl->first + k)
            return fail(err, ACCEL_ERR_SEGMENT, (int16_t)l->index, "layer %u (%s).index: expected %u (layers in order from first)",
                        l->index, l->name, (unsigned)(pl->first + k));
        if (l->n_sources < 1 || l->n_sources > SYN_MAX_SOURCES)
            return fail(err, ACCEL_ERR_SEGMENT, (int16_t)l->index, "layer %u (%s).sources: %u sources, 1..%u allowed",
                        l->index, l->name, l->n_sources, SYN_MAX_SOURCES);
        sim_source_info info[SYN_MAX_SOURCES];
        for (unsigned j = 0; j < l->n_sources; j++) {
            char name[40];
            if (!source_info(pl, l->sources[j], k, &info[j]))
                return fail(err, ACCEL_ERR_SEGMENT, (int16_t)l->index,
                            "layer %u (%s).sources[%u]: reads %s, which is neither a segment input nor an earlier layer",
                            l->index, l->name, j, syn_accel_source_name(name, sizeof name, l->sources[j]));
        }
        char why[120];
        accel_status st = syn_sim_layer_check(chip, l, &pl->params[k], info, why, sizeof why);
        if (st != ACCEL_OK)
            return fail(err, st, (int16_t)l->index, "layer %u (%s).%s", l->index, l->name, why);
    }
    for (unsigned k = 0; k < pl->n_outputs; k++) {
        const accel_tensor *t = &pl->outputs[k];
        sim_source_info info;
        char name[40];
        if (!source_info(pl, t->source, pl->count, &info))
            return fail(err, ACCEL_ERR_SEGMENT, -1, "outputs[%u]: %s is neither a segment input nor a layer of it", k,
                        syn_accel_source_name(name, sizeof name, t->source));
        if (info.width != t->width || memcmp(&info.shape, &t->shape, sizeof info.shape) != 0)
            return fail(err, ACCEL_ERR_SEGMENT, -1, "outputs[%u]: %s is %ux%ux%u (%u-bit), not as described", k,
                        syn_accel_source_name(name, sizeof name, t->source), info.shape.c, info.shape.h, info.shape.w, info.width);
    }
    return true;
}

/* ---- load: memory plan ---------------------------------------------------------------------- */

/* Steps: 0 = the inputs arrive; k + 1 = layer k runs; count + 1 = the outputs are read. A block
 * lives from its birth to its death step, both included; blocks whose lives overlap must not
 * share bytes. Placed first fit, in birth order. */
typedef struct {
    uint32_t size, at;
    uint16_t birth, death;
    uint32_t *dest;
} block;

static block blocks[MAX_BLOCKS];
static uint16_t order[MAX_BLOCKS];

static uint16_t last_use(const sim_plan *pl, int16_t source, uint16_t born)
{
    uint16_t death = born;
    for (uint16_t k = 0; k < pl->count; k++) {
        const accel_layer *l = &pl->layers[k];
        for (unsigned j = 0; j < l->n_sources; j++)
            if (l->sources[j] == source && k + 1u > death)
                death = (uint16_t)(k + 1u);
    }
    if (find_tensor(pl->outputs, pl->n_outputs, source) >= 0)
        death = (uint16_t)(pl->count + 1u);
    return death;
}

static uint32_t align_up(uint64_t v)
{
    return (uint32_t)((v + ALIGN - 1) / ALIGN * ALIGN);
}

static bool plan_memory(sim_plan *pl, accel_error *err)
{
    unsigned n = 0;
    for (unsigned k = 0; k < pl->n_inputs; k++)
        blocks[n++] = (block){ (uint32_t)tensor_bytes(&pl->inputs[k]), 0, 0, last_use(pl, pl->inputs[k].source, 0),
                               &pl->input_at[k] };
    for (uint16_t k = 0; k < pl->count; k++) {
        const accel_layer *l = &pl->layers[k];
        uint16_t step = (uint16_t)(k + 1u);
        blocks[n++] = (block){ syn_sim_layer_work_bytes(l), 0, step, step, &pl->work_at[k] };
        blocks[n++] = (block){ syn_sim_layer_output_bytes(l), 0, step, last_use(pl, (int16_t)l->index, step), &pl->output_at[k] };
    }
    uint64_t peak = 0;
    for (unsigned b = 0; b < n; b++) {
        /* The placed blocks alive at the same time, by offset; then the lowest gap that fits. */
        unsigned m = 0;
        for (unsigned q = 0; q < b; q++) {
            if (blocks[q].birth > blocks[b].death || blocks[b].birth > blocks[q].death)
                continue;
            unsigned at = m++;
            while (at > 0 && blocks[order[at - 1]].at > blocks[q].at) {
                order[at] = order[at - 1];
                at--;
            }
            order[at] = (uint16_t)q;
        }
        uint64_t at = 0;
        for (unsigned i = 0; i < m; i++) {
            const block *o = &blocks[order[i]];
            if (at + blocks[b].size <= o->at)
                break;
            if (o->at + o->size > at)
                at = align_up((uint64_t)o->at + o->size);
        }
        if (at + blocks[b].size > SYN_SIM_ARENA_BYTES)
            return fail(err, ACCEL_ERR_MEMORY, -1,
                        "memory: the segment's live tensors need more than the simulator's %u-byte arena (a %lu-byte block at offset %lu)",
                        SYN_SIM_ARENA_BYTES, (unsigned long)blocks[b].size, (unsigned long)at);
        blocks[b].at = (uint32_t)at;
        *blocks[b].dest = (uint32_t)at;
        if (at + blocks[b].size > peak)
            peak = at + blocks[b].size;
    }
    pl->peak = (uint32_t)peak;
    return true;
}

static bool sim_load(accel_ctx *base, const accel_segment *seg, uint8_t *slot, accel_error *err)
{
    sim_ctx *ctx = (sim_ctx *)base;
    if (!ctx || !ctx->chip || !seg || !slot)
        return fail(err, ACCEL_ERR_STATE, -1, "load: accelerator not open or no segment given");
    unsigned free_slot = SYN_MAX_RESIDENT;
    for (unsigned k = 0; k < SYN_MAX_RESIDENT && free_slot == SYN_MAX_RESIDENT; k++)
        if (!ctx->plans[k].used)
            free_slot = k;
    if (free_slot == SYN_MAX_RESIDENT)
        return fail(err, ACCEL_ERR_STATE, -1, "load: %u segments are already resident", SYN_MAX_RESIDENT);
    if (seg->count < 1 || !seg->layers || !seg->params)
        return fail(err, ACCEL_ERR_SEGMENT, -1, "count: a segment needs at least one layer");
    if (seg->count > ctx->chip->max_layers)
        return fail(err, ACCEL_ERR_UNSUPPORTED, -1, "count: %u layers, the %s has %u", seg->count, ctx->chip->name,
                    ctx->chip->max_layers);
    if (seg->n_inputs > SYN_MAX_CUT_TENSORS || seg->n_outputs > SYN_MAX_CUT_TENSORS || seg->n_outputs < 1)
        return fail(err, ACCEL_ERR_SEGMENT, -1, "inputs/outputs: 0..%u inputs and 1..%u outputs allowed",
                    SYN_MAX_CUT_TENSORS, SYN_MAX_CUT_TENSORS);
    uint16_t end = (uint16_t)(seg->first + seg->count);
    if (!check_tensor_list(seg->inputs, seg->n_inputs, "inputs", seg->first, end, true, err)
        || !check_tensor_list(seg->outputs, seg->n_outputs, "outputs", seg->first, end, false, err))
        return false;

    sim_plan *pl = &ctx->plans[free_slot];
    memset(pl, 0, sizeof *pl);
    pl->first = seg->first;
    pl->count = seg->count;
    pl->layers = seg->layers;
    pl->params = seg->params;
    pl->n_inputs = seg->n_inputs;
    pl->n_outputs = seg->n_outputs;
    memcpy(pl->inputs, seg->inputs, sizeof pl->inputs);
    memcpy(pl->outputs, seg->outputs, sizeof pl->outputs);
    if (!check_layers(ctx->chip, pl, err) || !plan_memory(pl, err))
        return false;
    pl->used = true;
    pl->generation = syn_accel_memo_generation();
    ctx->have_outputs = false;   /* the arena's meaning is per run; a new plan may reuse it */
    *slot = (uint8_t)free_slot;
    ok(err);
    return true;
}

static bool sim_unload(accel_ctx *base, uint8_t slot)
{
    sim_ctx *ctx = (sim_ctx *)base;
    if (!ctx || slot >= SYN_MAX_RESIDENT || !ctx->plans[slot].used)
        return false;
    ctx->plans[slot].used = false;
    syn_accel_memo_drop_slot(slot);
    if (ctx->last_slot == slot)
        ctx->have_outputs = false;
    return true;
}

uint32_t syn_accel_sim_peak_bytes(const accel_ctx *base, uint8_t slot)
{
    const sim_ctx *ctx = (const sim_ctx *)base;
    if (base != NULL && base->engine != &syn_accel_engine_layer)
        return 0;
    if (!ctx || slot >= SYN_MAX_RESIDENT || !ctx->plans[slot].used)
        return 0;
    return ctx->plans[slot].peak;
}

/* ---- run ------------------------------------------------------------------------------------ */

static const uint8_t *tensor_at(const sim_plan *pl, int16_t source)
{
    if (source >= (int)pl->first && source < (int)pl->first + pl->count)
        return arena + pl->output_at[source - pl->first];
    return arena + pl->input_at[find_tensor(pl->inputs, pl->n_inputs, source)];
}

/* Puts a memo entry's outputs where a computed run leaves them (syn_accel_output reads them there).
 * False if the entry is not this plan's size (not reached: the key holds the load). */
static bool replay(const sim_plan *pl, const uint8_t *stored, size_t len)
{
    size_t total = 0;
    for (unsigned k = 0; k < pl->n_outputs; k++)
        total += (size_t)tensor_bytes(&pl->outputs[k]);
    if (total != len)
        return false;
    for (unsigned k = 0; k < pl->n_outputs; k++) {
        size_t n = (size_t)tensor_bytes(&pl->outputs[k]);
        memcpy((uint8_t *)tensor_at(pl, pl->outputs[k].source), stored, n);
        stored += n;
    }
    return true;
}

static bool sim_run(accel_ctx *base, uint8_t slot, const accel_buffer *inputs, size_t n_inputs,
                    accel_layer_fn on_layer, void *user, accel_error *err)
{
    sim_ctx *ctx = (sim_ctx *)base;
    if (!ctx || slot >= SYN_MAX_RESIDENT || !ctx->plans[slot].used)
        return fail(err, ACCEL_ERR_STATE, -1, "run: slot %u holds no segment", (unsigned)slot);
    const sim_plan *pl = &ctx->plans[slot];
    ctx->have_outputs = false;
    /* inputs[given[k]] is the plan's input k, once every input is checked */
    size_t given[SYN_MAX_CUT_TENSORS];
    if (!syn_accel_match_inputs(pl->inputs, pl->n_inputs, inputs, n_inputs, given, err))
        return false;
    accel_memo_key key;
    bool memo = on_layer == NULL && syn_accel_memo_enabled();
    if (memo) {
        syn_accel_memo_key_of(&key, slot, pl->generation, inputs, given, pl->n_inputs);
        size_t len;
        const uint8_t *stored = syn_accel_memo_find(&key, &len);
        if (stored != NULL && replay(pl, stored, len)) {
            ctx->have_outputs = true;
            ctx->last_slot = slot;
            ok(err);
            return true;
        }
    }
    for (unsigned k = 0; k < pl->n_inputs; k++)
        memcpy(arena + pl->input_at[k], inputs[given[k]].data, inputs[given[k]].len);
    for (uint16_t k = 0; k < pl->count; k++) {
        const accel_layer *l = &pl->layers[k];
        const int8_t *src[SYN_MAX_SOURCES];
        uint16_t channels[SYN_MAX_SOURCES];
        for (unsigned j = 0; j < l->n_sources; j++) {
            sim_source_info info;
            source_info(pl, l->sources[j], k, &info);   /* checked at load */
            src[j] = (const int8_t *)tensor_at(pl, l->sources[j]);
            channels[j] = info.shape.c;
        }
        uint8_t *out = arena + pl->output_at[k];
        syn_sim_layer_compute(l, &pl->params[k], src, channels, (int8_t *)(arena + pl->work_at[k]), out);
        if (on_layer) {
            accel_buffer buf = { { (int16_t)l->index, l->output_shape, l->output_width }, out, syn_sim_layer_output_bytes(l) };
            accel_layer_report r = { k, l, &buf };
            on_layer(user, &r);
        }
    }
    if (memo) {
        const uint8_t *parts[SYN_MAX_CUT_TENSORS];
        uint32_t lens[SYN_MAX_CUT_TENSORS];
        for (unsigned k = 0; k < pl->n_outputs; k++) {
            parts[k] = tensor_at(pl, pl->outputs[k].source);
            lens[k] = (uint32_t)tensor_bytes(&pl->outputs[k]);
        }
        syn_accel_memo_store(&key, parts, lens, pl->n_outputs);
    }
    ctx->have_outputs = true;
    ctx->last_slot = slot;
    ok(err);
    return true;
}

static bool sim_output(accel_ctx *base, int16_t source, accel_buffer *out)
{
    sim_ctx *ctx = (sim_ctx *)base;
    if (!ctx || !ctx->have_outputs || !out)
        return false;
    const sim_plan *pl = &ctx->plans[ctx->last_slot];
    int k = find_tensor(pl->outputs, pl->n_outputs, source);
    if (k < 0)
        return false;
    out->desc = pl->outputs[k];
    out->data = tensor_at(pl, source);
    out->len = (uint32_t)tensor_bytes(&pl->outputs[k]);
    return true;
}

static bool sim_output_into(accel_ctx *base, int16_t source, void *dst, uint32_t len, accel_error *err)
{
    accel_buffer view;
    char name[40];
    if (!sim_output(base, source, &view))
        return fail(err, ACCEL_ERR_STATE, -1, "output: the last run gave no %s", syn_accel_source_name(name, sizeof name, source));
    if (view.len != len || dst == NULL)
        return fail(err, ACCEL_ERR_INPUT, -1, "output: %s has %lu bytes, %lu given", syn_accel_source_name(name, sizeof name, source),
                    (unsigned long)view.len, (unsigned long)len);
    memcpy(dst, view.data, len);
    ok(err);
    return true;
}

const accel_engine syn_accel_engine_layer = {
    .name = "layer",
    .format = 1,
    .open = sim_open,
    .load = sim_load,
    .load_image = NULL,
    .unload = sim_unload,
    .run = sim_run,
    .output = sim_output,
    .output_into = sim_output_into,
    .measured_cycles = NULL,   /* a simulator has no clock to measure; the cycle model supplies the figures */
};
