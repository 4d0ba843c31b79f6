/* The segment store: what both formats share, and format 1; see segstore.h (format 2:
 * segstore_reg.c). */
#include "segstore_internal.h"

#include <string.h>

void syn_segstore_init(segstore *s, const segstore_memory *mem, const syn_chip *chip, const accel_engine *engine)
{
    memset(s, 0, sizeof *s);
    s->mem = *mem;
    s->chip = chip;
    s->engine = engine;
    accel_error err;
    s->accel = syn_accel_open(engine, chip, &err);
    if (s->accel == NULL)
        syn_copy_utf8(s->accel_error, sizeof s->accel_error, err.msg);
}

uint8_t syn_segstore_format(const segstore *s)
{
    return syn_accel_engine_format(s->engine);
}

uint32_t syn_segstore_tensor_bytes(const accel_tensor *t)
{
    return (uint32_t)t->shape.c * t->shape.h * t->shape.w * (t->width == 32 ? 4u : 1u);
}

const char *syn_segstore_id_problem(const char *id, size_t len, char *why, size_t cap)
{
    if (len == 0) {
        syn_format(why, cap, "empty, ids are 1..%u bytes", (unsigned)SYN_SEGMENT_ID_MAX);
        return why;
    }
    if (len > SYN_SEGMENT_ID_MAX) {
        syn_format(why, cap, "%lu bytes, ids are 1..%u bytes", (unsigned long)len, (unsigned)SYN_SEGMENT_ID_MAX);
        return why;
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)id[i];
        if (b < SEGSTORE_ID_FIRST_BYTE || b > SEGSTORE_ID_LAST_BYTE) {
            syn_format(why, cap, "byte %lu is 0x%02x, not 0x%02x..0x%02x", (unsigned long)i, (unsigned)b,
                       (unsigned)SEGSTORE_ID_FIRST_BYTE, (unsigned)SEGSTORE_ID_LAST_BYTE);
            return why;
        }
    }
    return NULL;
}

bool syn_segstore_same_id(const char *a, const char *b, size_t b_len)
{
    return strlen(a) == b_len && memcmp(a, b, b_len) == 0;
}

int syn_segstore_find_index(const segstore *s, const char *id, size_t id_len)
{
    for (unsigned i = 0; i < s->n; i++) {
        if (syn_segstore_same_id(s->entries[i].id, id, id_len))
            return (int)i;
    }
    return -1;
}

const segstore_entry *syn_segstore_find(const segstore *s, const char *id, size_t id_len)
{
    int i = syn_segstore_find_index(s, id, id_len);
    return i >= 0 ? &s->entries[i] : NULL;
}

uint32_t syn_segstore_kernel_start(const segstore *s, const segstore_entry *e, uint32_t k)
{
    uint32_t u = e->layer_at + k;
    return u < SYN_MAX_LAYERS ? s->place[u].kernel_start : 0;
}

const char *syn_segstore_id_text(char *buf, const char *id, size_t id_len)
{
    size_t n = id_len <= SYN_SEGMENT_ID_MAX ? id_len : SYN_SEGMENT_ID_MAX;
    memcpy(buf, id, n);
    buf[n] = '\0';
    return buf;
}

void syn_segstore_clear_staging(segstore *s)
{
    s->staging = false;
    s->up2.phase = UP2_PREFIX;
    s->up2.got = 0;
    s->staging_id[0] = '\0';
    s->staging_size = s->staging_received = 0;
}

void syn_segstore_abort(segstore *s)
{
    syn_segstore_clear_staging(s);
}

bool syn_segstore_begin(segstore *s, const char *id, size_t id_len, uint32_t size, const uint8_t *sha, uint32_t *next,
                    syn_fault *f)
{
    char name[SYN_SEGMENT_ID_MAX + 1];
    char why[SYN_ERR_MSG_MAX + 1];
    if (syn_segstore_id_problem(id, id_len, why, sizeof why) != NULL)
        return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "segment id: %s", why);
    syn_segstore_id_text(name, id, id_len);
    if (syn_segstore_find_index(s, id, id_len) >= 0)
        return syn_fail(f, SYN_ERR_BAD_STATE, "segment '%s' is resident: unload it first", name);
    if (size == 0)
        return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "segment '%s': size 0", name);
    if (syn_segstore_format(s) == 2) {
        if (s->mem.program == NULL || s->mem.program_bytes == 0)
            return syn_fail(f, SYN_ERR_DOES_NOT_FIT, "this board has no program pool");
    } else if (size > s->mem.staging_bytes) {
        return syn_fail(f, SYN_ERR_DOES_NOT_FIT, "segment of %lu bytes exceeds the staging area of %lu",
                        (unsigned long)size, (unsigned long)s->mem.staging_bytes);
    }
    if (s->n >= SYN_MAX_RESIDENT)
        return syn_fail(f, SYN_ERR_DOES_NOT_FIT, "%u segments are resident, the most this board holds",
                        (unsigned)SYN_MAX_RESIDENT);
    if (s->staging && syn_segstore_same_id(s->staging_id, id, id_len) && s->staging_size == size
        && memcmp(s->staging_sha, sha, SHA256_BYTES) == 0) {
        *next = s->staging_received;   /* the same upload: resume where it stands */
        return true;
    }
    syn_segstore_clear_staging(s);
    s->staging = true;
    memcpy(s->staging_id, name, id_len + 1);
    s->staging_size = size;
    memcpy(s->staging_sha, sha, SHA256_BYTES);
    syn_sha256_init(&s->hash);
    *next = 0;
    return true;
}

bool syn_segstore_chunk(segstore *s, uint32_t offset, const uint8_t *data, size_t n, uint32_t *next, syn_fault *f)
{
    if (!s->staging)
        return syn_fail(f, SYN_ERR_BAD_STATE, "no upload in progress: segment.begin first");
    if (offset != s->staging_received)
        return syn_fail(f, SYN_ERR_BAD_STATE, "chunk at offset %lu: the next offset is %lu", (unsigned long)offset,
                        (unsigned long)s->staging_received);
    if (n > s->staging_size - s->staging_received)
        return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "%lu bytes at offset %lu pass the announced size %lu", (unsigned long)n,
                        (unsigned long)offset, (unsigned long)s->staging_size);
    if (syn_segstore_format(s) == 2) {
        if (!syn_segstore_reg_chunk(s, data, n, f)) {
            syn_segstore_clear_staging(s);   /* PROTOCOL.md 7.1: a refused record or header ends the upload */
            return false;
        }
    } else {
        /* A register segment starts with its magic: refused when its 4th byte arrives. */
        uint32_t got = s->staging_received, magic_len = (uint32_t)sizeof ACCEL_SEG2_MAGIC - 1u;
        if (got < magic_len && got + n >= magic_len) {
            bool magic = true;
            for (uint32_t i = 0; i < magic_len; i++)
                magic = magic && (i < got ? s->mem.staging[i] : data[i - got]) == (uint8_t)ACCEL_SEG2_MAGIC[i];
            if (magic) {
                syn_segstore_clear_staging(s);
                return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "format 2 segment (SYR2): the %s engine takes format 1",
                                syn_accel_engine_name(s->engine));
            }
        }
        memcpy(s->mem.staging + offset, data, n);
    }
    syn_sha256_update(&s->hash, data, n);
    s->staging_received += (uint32_t)n;
    *next = s->staging_received;
    return true;
}

uint8_t syn_segstore_accel_code(accel_status st)
{
    switch (st) {
    case ACCEL_ERR_SEGMENT:
    case ACCEL_ERR_INPUT:
        return SYN_ERR_BAD_ARGUMENT;
    case ACCEL_ERR_UNSUPPORTED:
        return SYN_ERR_UNSUPPORTED;
    case ACCEL_ERR_MEMORY:
    case ACCEL_ERR_STATE:
        return SYN_ERR_DOES_NOT_FIT;
    case ACCEL_ERR_DEVICE:
    case ACCEL_OK:
        break;
    }
    return SYN_ERR_INTERNAL;
}

uint32_t syn_segstore_weight_bytes(const accel_segment *seg)
{
    /* The synthesis tool's statistic, as the fit rules count it: count x bits / 8 per layer. */
    uint32_t total = 0;
    for (unsigned k = 0; k < seg->count; k++) {
        const accel_layer *l = &seg->layers[k];
        if (l->op != OP_PASSTHROUGH && l->weight_bits != 0)
            total += (uint32_t)(((uint64_t)syn_accel_weight_count(l) * l->weight_bits) / 8u);
    }
    return total;
}

void syn_segstore_take_fit(segstore *s, const fit_result *r)
{
    memset(&s->fit, 0, sizeof s->fit);
    memset(s->place, 0, sizeof s->place);
    if (r == NULL)
        return;
    s->fit.layers = r->layers;
    s->fit.hardware_layers = r->hardware_layers;
    s->fit.max_columns = r->max_columns;
    s->fit.busiest_processor = r->busiest_processor;
    s->fit.kernel_words = r->kernel_words;
    s->fit.weight_bytes = r->weight_bytes;
    for (unsigned q = 0; q < FIT_QUADRANTS; q++)
        s->fit.bias_per_quadrant[q] = r->bias_per_quadrant[q];
    s->fit.bias_bytes = r->bias_bytes;
    s->fit.max_input_end = r->max_input_end;
    s->fit.max_output_end = r->max_output_end;
    for (unsigned u = 0; u < r->layers && u < SYN_MAX_LAYERS; u++) {
        const fit_layer_result *p = &r->per_layer[u];
        s->place[u] = (segstore_place){ p->kernel_start, p->bias_quadrant, p->bias_offset, p->bias_length };
    }
}

bool syn_segstore_run_fit(segstore *s, const accel_segment *extra, syn_fault *f)
{
    if (s->mem.fit_work == NULL || s->mem.fit_out == NULL)
        return syn_fail(f, SYN_ERR_INTERNAL, "this board has no working storage for the fit rules");
    fit_segment segs[SYN_MAX_RESIDENT + 1];
    size_t n = 0;
    for (unsigned i = 0; i < s->n; i++)
        segs[n++] = (fit_segment){ s->entries[i].seg.layers, s->entries[i].seg.count };
    if (extra != NULL)
        segs[n++] = (fit_segment){ extra->layers, extra->count };
    if (n == 0) {
        syn_segstore_take_fit(s, NULL);
        return true;
    }
    if (!syn_fit_run(s->mem.fit_work, s->chip, segs, n, s->mem.fit_out)) {
        /* PROTOCOL.md 8: the limit's name and the fit's own message, cut to an error's 64 bytes. */
        return syn_fail(f, SYN_ERR_DOES_NOT_FIT, "%s: %s", syn_fit_limit_name(s->mem.fit_out->limit),
                        s->mem.fit_out->message);
    }
    return true;
}

/* Points a decoded segment's weights and biases `from` one blob `to` another copy of it. */
static void relocate(accel_segment *seg, const uint8_t *from, const uint8_t *to)
{
    for (unsigned k = 0; k < seg->count; k++) {
        accel_params *p = &seg->params[k];
        if (p->weights != NULL)
            p->weights = to + (p->weights - from);
        if (p->bias != NULL)
            p->bias = (const int8_t *)(to + ((const uint8_t *)p->bias - from));
    }
}

bool syn_segstore_commit(segstore *s, syn_fault *f)
{
    if (syn_segstore_format(s) == 2)
        return syn_segstore_reg_commit(s, f);
    if (!s->staging)
        return syn_fail(f, SYN_ERR_BAD_STATE, "no upload to commit: segment.begin first");
    if (s->staging_received < s->staging_size)   /* kept: the host may resume the upload */
        return syn_fail(f, SYN_ERR_BAD_STATE, "%lu of %lu bytes missing", (unsigned long)(s->staging_size - s->staging_received),
                        (unsigned long)s->staging_size);
    bool ok = false;
    uint8_t digest[SHA256_BYTES];
    syn_sha256_final(&s->hash, digest);
    accel_segment seg;
    memset(&seg, 0, sizeof seg);
    uint32_t room = s->mem.layer_capacity - s->layers_used;
    char why[SYN_ACCEL_ERR_MAX];
    if (memcmp(digest, s->staging_sha, SHA256_BYTES) != 0) {
        syn_fail(f, SYN_ERR_BAD_HASH, "SHA-256 of the %lu bytes of '%s' differs from the one announced",
                 (unsigned long)s->staging_size, s->staging_id);
    } else if (s->accel == NULL) {
        syn_fail(f, SYN_ERR_UNSUPPORTED, "no accelerator: %s", s->accel_error);
    } else if (!syn_accel_segment_decode(s->mem.staging, s->staging_size, s->mem.layers + s->layers_used,
                                     s->mem.params + s->layers_used, room, &seg, why, sizeof why)) {
        if (seg.count > room)   /* the decoder ran out of room: the chip's layer limit speaks */
            syn_fail(f, SYN_ERR_DOES_NOT_FIT, "layers: %u resident and %u new exceed this board's %lu",
                     (unsigned)s->layers_used, (unsigned)seg.count, (unsigned long)s->mem.layer_capacity);
        else
            syn_fail(f, SYN_ERR_BAD_ARGUMENT, "%s", why);
    } else if (s->n >= SYN_MAX_RESIDENT) {
        syn_fail(f, SYN_ERR_DOES_NOT_FIT, "%u segments are resident, the most this board holds",
                 (unsigned)SYN_MAX_RESIDENT);
    } else if (!syn_segstore_run_fit(s, &seg, f)) {
        /* fault filled */
    } else if (s->staging_size > s->mem.pool_bytes - s->pool_used) {
        syn_fail(f, SYN_ERR_DOES_NOT_FIT, "resident pool: %lu bytes free, the segment has %lu",
                 (unsigned long)(s->mem.pool_bytes - s->pool_used), (unsigned long)s->staging_size);
    } else {
        uint8_t *dest = s->mem.pool + s->pool_used;
        memcpy(dest, s->mem.staging, s->staging_size);
        relocate(&seg, s->mem.staging, dest);
        uint8_t slot;
        accel_error err;
        if (!syn_accel_load(s->accel, &seg, &slot, &err)) {
            syn_fail(f, syn_segstore_accel_code(err.status), "%s", err.msg);
        } else {
            segstore_entry *e = &s->entries[s->n++];
            memset(e, 0, sizeof *e);
            memcpy(e->id, s->staging_id, sizeof e->id);
            e->blob_at = s->pool_used;
            e->blob_len = s->staging_size;
            e->layer_at = s->layers_used;
            e->accel_slot = slot;
            e->seg = seg;
            e->weight_bytes = syn_segstore_weight_bytes(&seg);
            s->pool_used += s->staging_size;
            s->layers_used += seg.count;
            syn_segstore_take_fit(s, s->mem.fit_out);
            ok = true;
        }
    }
    syn_segstore_clear_staging(s);   /* PROTOCOL.md 8: a commit that checked every byte clears staging, pass or fail */
    return ok;
}

/* Reopens the accelerator and loads every resident segment again, in order. */
static bool reload_all(segstore *s, syn_fault *f)
{
    accel_error err;
    s->accel = syn_accel_open(s->engine, s->chip, &err);
    if (s->accel == NULL) {
        syn_copy_utf8(s->accel_error, sizeof s->accel_error, err.msg);
        return syn_fail(f, SYN_ERR_INTERNAL, "accelerator reopen failed: %s", err.msg);
    }
    for (unsigned i = 0; i < s->n; i++) {
        if (!syn_accel_load(s->accel, &s->entries[i].seg, &s->entries[i].accel_slot, &err))
            return syn_fail(f, SYN_ERR_INTERNAL, "reloading '%s' failed: %s", s->entries[i].id, err.msg);
    }
    return true;
}

bool syn_segstore_unload(segstore *s, const char *id, size_t id_len, syn_fault *f)
{
    char name[SYN_SEGMENT_ID_MAX + 1];
    int i = syn_segstore_find_index(s, id, id_len);
    if (i < 0)
        return syn_fail(f, SYN_ERR_NOT_FOUND, "no resident segment '%s'", syn_segstore_id_text(name, id, id_len));
    if (syn_segstore_format(s) == 2)
        return syn_segstore_reg_unload(s, (unsigned)i, f);
    segstore_entry gone = s->entries[i];
    uint32_t blob_end = gone.blob_at + gone.blob_len, layer_end = gone.layer_at + gone.seg.count;
    memmove(s->mem.pool + gone.blob_at, s->mem.pool + blob_end, s->pool_used - blob_end);
    memmove(s->mem.layers + gone.layer_at, s->mem.layers + layer_end, (s->layers_used - layer_end) * sizeof(accel_layer));
    memmove(s->mem.params + gone.layer_at, s->mem.params + layer_end, (s->layers_used - layer_end) * sizeof(accel_params));
    for (unsigned k = (unsigned)i + 1u; k < s->n; k++) {
        segstore_entry *e = &s->entries[k];
        const uint8_t *was = s->mem.pool + e->blob_at;
        e->blob_at -= gone.blob_len;
        e->layer_at -= gone.seg.count;
        e->seg.layers = s->mem.layers + e->layer_at;
        e->seg.params = s->mem.params + e->layer_at;
        relocate(&e->seg, was, s->mem.pool + e->blob_at);
        s->entries[k - 1] = *e;
    }
    s->n--;
    s->pool_used -= gone.blob_len;
    s->layers_used -= gone.seg.count;
    if (!reload_all(s, f)) {
        /* Nothing sensible is loaded any more: say so and start from empty. */
        s->n = 0;
        s->pool_used = s->layers_used = 0;
        syn_segstore_take_fit(s, NULL);
        return false;
    }
    if (!syn_segstore_run_fit(s, NULL, f)) {
        if (f != NULL)
            f->code = SYN_ERR_INTERNAL;   /* a subset of a fitting union should fit: say it did not */
        return false;
    }
    syn_segstore_take_fit(s, s->n > 0 ? s->mem.fit_out : NULL);
    return true;
}
