/* accel.h: each call goes to the engine of the context (accel_engine.h). */
#include "accel_engine.h"

#include <stdarg.h>
#include <string.h>

bool syn_accel_fail(accel_error *err, accel_status status, int16_t layer, const char *fmt, ...)
{
    if (err) {
        err->status = status;
        err->layer = layer;
        SYN_FORMAT_ARGS(err->msg, sizeof err->msg, fmt);
    }
    return false;
}

void syn_accel_ok(accel_error *err)
{
    if (err) {
        err->status = ACCEL_OK;
        err->layer = -1;
        err->msg[0] = '\0';
    }
}

const char *syn_accel_engine_name(const accel_engine *engine)
{
    return engine != NULL ? engine->name : "(none)";
}

uint8_t syn_accel_engine_format(const accel_engine *engine)
{
    return engine != NULL ? engine->format : 0;
}

accel_ctx *syn_accel_open(const accel_engine *engine, const syn_chip *chip, accel_error *err)
{
    if (engine == NULL) {
        syn_accel_fail(err, ACCEL_ERR_UNSUPPORTED, -1, "engine: none given");
        return NULL;
    }
    accel_ctx *ctx = engine->open(chip, err);
    if (ctx != NULL)
        ctx->engine = engine;
    return ctx;
}

const accel_engine *syn_accel_engine_of(const accel_ctx *ctx)
{
    return ctx != NULL ? ctx->engine : NULL;
}

static bool no_context(accel_error *err)
{
    return syn_accel_fail(err, ACCEL_ERR_STATE, -1, "accelerator not open");
}

/* An open context whose engine loads segments of the given format (`has`: it has that loader). */
static bool loads(const accel_ctx *ctx, bool has, const char *format, accel_error *err)
{
    if (ctx == NULL)
        return no_context(err);
    if (!has)
        return syn_accel_fail(err, ACCEL_ERR_UNSUPPORTED, -1, "%s: the %s engine runs format %u segments", format,
                              ctx->engine->name, (unsigned)ctx->engine->format);
    return true;
}

bool syn_accel_load(accel_ctx *ctx, const accel_segment *seg, uint8_t *slot, accel_error *err)
{
    if (!loads(ctx, ctx != NULL && ctx->engine->load != NULL, "segment format 1 (layer descriptions)", err))
        return false;
    return ctx->engine->load(ctx, seg, slot, err);
}

bool syn_accel_load_image(accel_ctx *ctx, const accel_segment *seg, const reg_image *img, uint8_t *slot, accel_error *err)
{
    if (!loads(ctx, ctx != NULL && ctx->engine->load_image != NULL, "segment format 2 (register program)", err))
        return false;
    return ctx->engine->load_image(ctx, seg, img, slot, err);
}

bool syn_accel_unload(accel_ctx *ctx, uint8_t slot)
{
    return ctx != NULL && ctx->engine->unload(ctx, slot);
}

bool syn_accel_run(accel_ctx *ctx, uint8_t slot, const accel_buffer *inputs, size_t n_inputs, accel_layer_fn on_layer,
               void *user, accel_error *err)
{
    if (ctx == NULL)
        return no_context(err);
    return ctx->engine->run(ctx, slot, inputs, n_inputs, on_layer, user, err);
}

bool syn_accel_output(accel_ctx *ctx, int16_t source, accel_buffer *out)
{
    return ctx != NULL && ctx->engine->output != NULL && ctx->engine->output(ctx, source, out);
}

bool syn_accel_output_into(accel_ctx *ctx, int16_t source, void *dst, uint32_t len, accel_error *err)
{
    if (ctx == NULL)
        return no_context(err);
    return ctx->engine->output_into(ctx, source, dst, len, err);
}

bool syn_accel_measured_cycles(accel_ctx *ctx, uint32_t *cycles, size_t n)
{
    return ctx != NULL && ctx->engine->measured_cycles != NULL && ctx->engine->measured_cycles(ctx, cycles, n);
}

static bool no_streams(const accel_ctx *ctx, accel_error *err)
{
    return syn_accel_fail(err, ACCEL_ERR_UNSUPPORTED, -1, "the %s engine takes no register segments", ctx->engine->name);
}

bool syn_accel_stream_begin(accel_ctx *ctx, const reg_image *program, fit_ctx *fit, fit_result *out, uint16_t u0,
                        uint16_t count, uint32_t kernel_records, uint32_t bias_records, accel_error *err)
{
    if (ctx == NULL)
        return no_context(err);
    if (ctx->engine->stream_begin == NULL)
        return no_streams(ctx, err);
    return ctx->engine->stream_begin(ctx, program, fit, out, u0, count, kernel_records, bias_records, err);
}

bool syn_accel_stream_bytes(accel_ctx *ctx, const uint8_t *data, size_t n, accel_error *err)
{
    if (ctx == NULL)
        return no_context(err);
    if (ctx->engine->stream_bytes == NULL)
        return no_streams(ctx, err);
    return ctx->engine->stream_bytes(ctx, data, n, err);
}

bool syn_accel_stream_end(accel_ctx *ctx, accel_error *err)
{
    if (ctx == NULL)
        return no_context(err);
    if (ctx->engine->stream_end == NULL)
        return no_streams(ctx, err);
    return ctx->engine->stream_end(ctx, err);
}

bool syn_accel_relocate(accel_ctx *ctx, fit_ctx *fit, fit_result *out, uint16_t first_moved, const reg_place *from,
                    accel_error *err)
{
    if (ctx == NULL)
        return no_context(err);
    if (ctx->engine->relocate == NULL)
        return no_streams(ctx, err);
    return ctx->engine->relocate(ctx, fit, out, first_moved, from, err);
}

const char *syn_accel_source_name(char *buf, size_t cap, int16_t source)
{
    if (source < 0)
        syn_format(buf, cap, "the network input");
    else
        syn_format(buf, cap, "the output of layer %u", (unsigned)source);
    return buf;
}

bool syn_accel_match_inputs(const accel_tensor *want, unsigned n_want, const accel_buffer *inputs, size_t n_inputs,
                            size_t given[SYN_MAX_CUT_TENSORS], accel_error *err)
{
    if (n_inputs != n_want || (n_inputs > 0 && !inputs))
        return syn_accel_fail(err, ACCEL_ERR_INPUT, -1, "inputs: %lu given, the segment takes %u", (unsigned long)n_inputs,
                              n_want);
    for (size_t k = 0; k < n_inputs; k++) {
        const accel_buffer *b = &inputs[k];
        char name[40];
        int at = -1;
        for (unsigned j = 0; j < n_want && at < 0; j++)
            if (want[j].source == b->desc.source)
                at = (int)j;
        if (at < 0)
            return syn_accel_fail(err, ACCEL_ERR_INPUT, -1, "inputs[%lu]: %s is not an input of this segment",
                                  (unsigned long)k, syn_accel_source_name(name, sizeof name, b->desc.source));
        for (size_t j = 0; j < k; j++)
            if (inputs[j].desc.source == b->desc.source)
                return syn_accel_fail(err, ACCEL_ERR_INPUT, -1, "inputs[%lu]: %s given twice", (unsigned long)k,
                                      syn_accel_source_name(name, sizeof name, b->desc.source));
        const accel_tensor *t = &want[at];
        uint64_t bytes = (uint64_t)t->shape.c * t->shape.h * t->shape.w * (t->width == 32 ? 4u : 1u);
        if (b->desc.width != t->width || memcmp(&b->desc.shape, &t->shape, sizeof t->shape) != 0 || b->len != bytes
            || !b->data)
            return syn_accel_fail(err, ACCEL_ERR_INPUT, -1, "inputs[%lu]: %s must be %ux%ux%u %u-bit (%lu bytes)",
                                  (unsigned long)k, syn_accel_source_name(name, sizeof name, b->desc.source), t->shape.c,
                                  t->shape.h, t->shape.w, t->width, (unsigned long)bytes);
        given[at] = k;
    }
    return true;
}

void syn_accel_memo_key_of(accel_memo_key *key, uint8_t slot, uint64_t generation, const accel_buffer *inputs,
                           const size_t *given, unsigned n)
{
    memset(key, 0, sizeof *key);
    key->slot = slot;
    key->generation = generation;
    sha256_ctx h;
    syn_sha256_init(&h);
    for (unsigned k = 0; k < n; k++)
        syn_sha256_update(&h, inputs[given[k]].data, inputs[given[k]].len);
    syn_sha256_final(&h, key->digest);
}
