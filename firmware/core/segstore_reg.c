/* Format 2 in the segment store (PROTOCOL.md 7.1): the upload consumed as it streams in, its
 * commit, and the unload that compacts the later segments; see segstore.h.
 *
 * A resident segment's program, at blob_at in the program pool (8-byte aligned):
 *   init writes | start writes | configure table (reg_table.h) | input layouts | output layouts
 * The header is turned into it in place: the write lists are moved to the front, the table is
 * built behind them from the configure writes, then moved down over those. */
#include "segstore_internal.h"

#include <string.h>

#include "reg/reg_table.h"

#define CTRL_EN (1u << 0)
#define CTRL_EXT_SYNC (1u << 11)
#define CTRL_MEXPRESS (1u << 20)
#define CTRL_REG 0u
#define QUADRANTS 4u

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t align8(uint32_t v)
{
    return (v + 7u) & ~7u;
}

/* Bytes of a program with these counts, and where its parts lie from `at`. */
static uint32_t program_bytes(const syn_chip *chip, uint32_t n_init, uint32_t n_start, uint16_t layers, uint32_t layouts)
{
    return 8u * (n_init + n_start) + 4u * (uint32_t)syn_reg_table_words(chip, layers) + (uint32_t)sizeof(reg_layout) * layouts;
}

static void point_program(const segstore *s, reg_image *img, uint32_t at)
{
    uint8_t *base = s->mem.program + at;
    img->init = (const reg_write *)base;
    img->start = (const reg_write *)(base + 8u * img->n_init);
    img->table = (const uint32_t *)(base + 8u * (img->n_init + img->n_start));
    const reg_layout *layouts =
        (const reg_layout *)((const uint8_t *)img->table + 4u * syn_reg_table_words(s->chip, img->layers));
    img->inputs = layouts;
    img->outputs = layouts + img->n_inputs;
}

static uint32_t *program_table(segstore *s, const segstore_entry *e)
{
    return (uint32_t *)(s->mem.program + e->blob_at + 8u * (e->img.n_init + e->img.n_start));
}

/* ---- the header ------------------------------------------------------------------------------ */

static bool check_init_start(segstore *s, syn_fault *f)
{
    segstore_up2 *u = &s->up2;
    const syn_chip *chip = s->chip;
    u->groups = 0;
    for (uint32_t i = 0; i < u->h.n_init; i++) {
        uint32_t addr = syn_accel_segment2_write_addr(u->h.init, i), v = syn_accel_segment2_write_value(u->h.init, i);
        cnn_window w;
        if ((addr & 3u) || !syn_cnn_window_of(chip, addr, &w) || (w.kind != CNN_WIN_AON && w.kind != CNN_WIN_CONTROL))
            return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "init[%lu]: 0x%08lx is no aligned AON or control register",
                            (unsigned long)i, (unsigned long)addr);
        if (w.kind == CNN_WIN_CONTROL && w.reg == CTRL_REG) {
            if (v & CTRL_EN)
                return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "init[%lu]: CTRL of quadrant %u starts the CNN", (unsigned long)i,
                                w.quadrant);
            if (!(v & CTRL_MEXPRESS))
                return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "init[%lu]: CTRL of quadrant %u lacks mexpress (bit 20)",
                                (unsigned long)i, w.quadrant);
            u->groups |= (uint8_t)(1u << w.quadrant);
        }
    }
    /* A zero LCNT_MAX (a one-layer segment) is left out, as the tool does: the board writes
     * LCNT_MAX to every quadrant whose CTRL init sets up before each run. */
    if (u->groups == 0)
        return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "init: sets up no quadrant's CTRL");
    bool master = false;
    for (uint32_t i = 0; i < u->h.n_start; i++) {
        uint32_t addr = syn_accel_segment2_write_addr(u->h.start, i), v = syn_accel_segment2_write_value(u->h.start, i);
        cnn_window w;
        if ((addr & 3u) || !syn_cnn_window_of(chip, addr, &w) || w.kind != CNN_WIN_CONTROL || w.reg != CTRL_REG)
            return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "start[%lu]: 0x%08lx is no aligned quadrant CTRL", (unsigned long)i,
                            (unsigned long)addr);
        if (!(u->groups & (1u << w.quadrant)))
            return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "start[%lu]: quadrant %u is not one init sets up", (unsigned long)i,
                            w.quadrant);
        if (!(v & CTRL_MEXPRESS))
            return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "start[%lu]: CTRL of quadrant %u lacks mexpress (bit 20)",
                            (unsigned long)i, w.quadrant);
        master = master || ((v & CTRL_EN) && !(v & CTRL_EXT_SYNC));
    }
    if (!master)
        return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "start: no write starts a master quadrant");
    for (uint16_t k = 0; k < u->seg.count; k++) {
        const accel_layer *l = &u->seg.layers[k];
        for (unsigned q = 0; q < QUADRANTS; q++) {
            if (l->weight_bits != 0 && ((l->processors >> (16u * q)) & 0xFFFFu) && !(u->groups & (1u << q)))
                return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "init: sets up no quadrant %u, which holds kernels of layer %u", q,
                                l->index);
        }
    }
    return true;
}

/* Turns the header (at the program pool's free end) into the program, in place. */
static bool build_program(segstore *s, syn_fault *f)
{
    segstore_up2 *u = &s->up2;
    const accel_segment2 *h = &u->h;
    uint32_t at = s->pool_used, tw = (uint32_t)syn_reg_table_words(s->chip, u->seg.count);
    uint32_t layouts = (uint32_t)h->n_input_layouts + h->n_output_layouts;
    uint32_t lists = 8u * (h->n_init + h->n_configure + h->n_start);
    uint32_t peak = lists + 4u * tw + (uint32_t)sizeof(reg_layout) * layouts;
    u->program_len = program_bytes(s->chip, h->n_init, h->n_start, u->seg.count, layouts);
    uint32_t need = peak > u->header_len ? peak : u->header_len;
    if (need > s->mem.program_bytes - at)
        return syn_fail(f, SYN_ERR_DOES_NOT_FIT, "program pool: %lu bytes free, the program needs %lu",
                        (unsigned long)(s->mem.program_bytes - at), (unsigned long)need);
    /* The lists to the front (each lies at or after its place: the header's keys ascend), as
     * reg_write structs. */
    uint8_t *base = s->mem.program + at;
    memmove(base, h->init, 8u * h->n_init);
    memmove(base + 8u * h->n_init, h->configure, 8u * h->n_configure);
    memmove(base + 8u * (h->n_init + h->n_configure), h->start, 8u * h->n_start);
    reg_write *w = (reg_write *)base;
    for (uint32_t i = 0; i < h->n_init + h->n_configure + h->n_start; i++) {
        uint32_t a = le32(base + 8u * i), v = le32(base + 8u * i + 4u);
        w[i] = (reg_write){ a, v };
    }
    uint32_t *table = (uint32_t *)(base + lists);
    cnn_error ce;
    if (!syn_reg_table_from_writes(s->chip, w + h->n_init, h->n_configure, u->seg.count, table, &ce))
        return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "%s", ce.msg);
    memmove(w + h->n_init, w + h->n_init + h->n_configure, 8u * h->n_start);
    memmove(base + 8u * (h->n_init + h->n_start), table, 4u * tw);
    reg_layout *out = (reg_layout *)(base + 8u * (h->n_init + h->n_start) + 4u * tw);
    memcpy(out, h->input_layouts, sizeof(reg_layout) * h->n_input_layouts);
    memcpy(out + h->n_input_layouts, h->output_layouts, sizeof(reg_layout) * h->n_output_layouts);
    memset(&u->img, 0, sizeof u->img);
    u->img.chip = s->chip;
    u->img.n_init = h->n_init;
    u->img.n_start = h->n_start;
    u->img.n_inputs = h->n_input_layouts;
    u->img.n_outputs = h->n_output_layouts;
    u->img.layers = u->seg.count;
    point_program(s, &u->img, at);
    return true;
}

/* The placement registers and the layouts of the built program against the fit. */
static bool check_program(segstore *s, syn_fault *f)
{
    segstore_up2 *u = &s->up2;
    const fit_result *r = s->mem.fit_out;
    cnn_error ce;
    for (uint16_t k = 0; k < u->seg.count; k++) {
        const fit_layer_result *p = &r->per_layer[s->layers_used + k];
        reg_place place = { p->kernel_start, p->bias_quadrant, p->bias_offset };
        if (!syn_reg_table_check_place(s->chip, u->img.table, u->seg.count, k, u->groups, &place, &ce))
            return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "configure %s", ce.msg);
    }
    for (unsigned k = 0; k < u->img.n_inputs + u->img.n_outputs; k++) {
        bool in = k < u->img.n_inputs;
        const reg_layout *t = in ? &u->img.inputs[k] : &u->img.outputs[k - u->img.n_inputs];
        char why[SYN_LAYOUT_ERR_MAX];
        if (!syn_reg_layout_check(t, s->chip, why, sizeof why))
            return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "%s_layouts[%u].%s", in ? "input" : "output",
                            in ? k : k - (unsigned)u->img.n_inputs, why);
    }
    return true;
}

static bool header_complete(segstore *s, syn_fault *f)
{
    segstore_up2 *u = &s->up2;
    uint32_t room = s->mem.layer_capacity - s->layers_used;
    char why[SYN_ACCEL_ERR_MAX];
    if (!syn_accel_segment2_decode(s->mem.program + s->pool_used, u->header_len, s->mem.layers + s->layers_used, room, &u->seg,
                               &u->h, why, sizeof why)) {
        if (u->seg.count > room)
            return syn_fail(f, SYN_ERR_DOES_NOT_FIT, "layers: %u resident and %u new exceed this board's %lu",
                            (unsigned)s->layers_used, (unsigned)u->seg.count, (unsigned long)s->mem.layer_capacity);
        return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "%s", why);
    }
    if (strcmp(u->h.chip, s->chip->name) != 0)
        return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "chip: the segment is for %s, this board is a %s", u->h.chip, s->chip->name);
    if (s->n >= SYN_MAX_RESIDENT)
        return syn_fail(f, SYN_ERR_DOES_NOT_FIT, "%u segments are resident, the most this board holds",
                        (unsigned)SYN_MAX_RESIDENT);
    if (s->accel == NULL)
        return syn_fail(f, SYN_ERR_UNSUPPORTED, "no accelerator: %s", s->accel_error);
    if (!syn_segstore_run_fit(s, &u->seg, f) || !check_init_start(s, f) || !build_program(s, f) || !check_program(s, f))
        return false;
    /* What the fit gave this segment is the only memory its records may write. */
    accel_error err;
    if (!syn_accel_stream_begin(s->accel, &u->img, s->mem.fit_work, s->mem.fit_out, (uint16_t)s->layers_used, u->seg.count,
                            u->h.kernel_records, u->h.bias_records, &err))
        return syn_fail(f, syn_segstore_accel_code(err.status), "%s", err.msg);
    u->phase = UP2_RECORDS;
    return true;
}

bool syn_segstore_reg_chunk(segstore *s, const uint8_t *data, size_t n, syn_fault *f)
{
    segstore_up2 *u = &s->up2;
    while (n > 0) {
        if (u->phase == UP2_PREFIX) {
            size_t take = ACCEL_SEG2_PREFIX - u->got < n ? ACCEL_SEG2_PREFIX - u->got : n;
            for (size_t i = 0; i < take; i++) {
                uint32_t at = u->got + (uint32_t)i;
                if (at < sizeof ACCEL_SEG2_MAGIC - 1u && data[i] != (uint8_t)ACCEL_SEG2_MAGIC[at]) {
                    if (at == 0 && (data[0] & 0xE0u) == 0xA0u)   /* a CBOR map: a format 1 description */
                        return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "format 1 segment: the %s engine takes format 2 (SYR2)",
                                        syn_accel_engine_name(s->engine));
                    return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "no SYR2 magic: the %s engine takes format 2 segments",
                                    syn_accel_engine_name(s->engine));
                }
                u->prefix[at] = data[i];
            }
            u->got += (uint32_t)take;
            data += take;
            n -= take;
            if (u->got < ACCEL_SEG2_PREFIX)
                continue;
            u->header_len = le32(u->prefix + 4);
            uint32_t free = s->mem.program_bytes - s->pool_used;
            if (u->header_len == 0)
                return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "header: 0 bytes");
            if (u->header_len > s->mem.header_max)
                return syn_fail(f, SYN_ERR_DOES_NOT_FIT, "header of %lu bytes exceeds header_max %lu",
                                (unsigned long)u->header_len, (unsigned long)s->mem.header_max);
            if (u->header_len > s->staging_size - ACCEL_SEG2_PREFIX)
                return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "header of %lu bytes passes the segment's %lu",
                                (unsigned long)u->header_len, (unsigned long)s->staging_size);
            if (u->header_len > free)
                return syn_fail(f, SYN_ERR_DOES_NOT_FIT, "program pool: %lu bytes free, the header has %lu",
                                (unsigned long)free, (unsigned long)u->header_len);
            u->phase = UP2_HEADER;
            u->got = 0;
        } else if (u->phase == UP2_HEADER) {
            size_t take = u->header_len - u->got < n ? u->header_len - u->got : n;
            memcpy(s->mem.program + s->pool_used + u->got, data, take);
            u->got += (uint32_t)take;
            data += take;
            n -= take;
            if (u->got == u->header_len && !header_complete(s, f))
                return false;
        } else {
            accel_error err;
            if (!syn_accel_stream_bytes(s->accel, data, n, &err))
                return syn_fail(f, syn_segstore_accel_code(err.status), "%s", err.msg);
            n = 0;
        }
    }
    return true;
}

bool syn_segstore_reg_commit(segstore *s, syn_fault *f)
{
    if (!s->staging)
        return syn_fail(f, SYN_ERR_BAD_STATE, "no upload to commit: segment.begin first");
    if (s->staging_received < s->staging_size)   /* kept: the host may resume the upload */
        return syn_fail(f, SYN_ERR_BAD_STATE, "%lu of %lu bytes missing", (unsigned long)(s->staging_size - s->staging_received),
                        (unsigned long)s->staging_size);
    segstore_up2 *u = &s->up2;
    bool ok = false;
    uint8_t digest[SHA256_BYTES];
    syn_sha256_final(&s->hash, digest);
    accel_error err;
    if (memcmp(digest, s->staging_sha, SHA256_BYTES) != 0) {
        syn_fail(f, SYN_ERR_BAD_HASH, "SHA-256 of the %lu bytes of '%s' differs from the one announced",
                 (unsigned long)s->staging_size, s->staging_id);
    } else if (u->phase != UP2_RECORDS) {
        syn_fail(f, SYN_ERR_BAD_ARGUMENT, "truncated: %lu bytes end before the header does", (unsigned long)s->staging_size);
    } else if (!syn_accel_stream_end(s->accel, &err)) {
        syn_fail(f, syn_segstore_accel_code(err.status), "%s", err.msg);
    } else {
        segstore_entry *e = &s->entries[s->n];
        memset(e, 0, sizeof *e);
        memcpy(e->id, s->staging_id, sizeof e->id);
        e->blob_at = s->pool_used;
        e->blob_len = u->program_len;
        e->layer_at = s->layers_used;
        e->seg = u->seg;
        e->groups = u->groups;
        e->img = u->img;
        e->weight_bytes = syn_segstore_weight_bytes(&u->seg);
        if (!syn_accel_load_image(s->accel, &e->seg, &e->img, &e->accel_slot, &err)) {
            syn_fail(f, syn_segstore_accel_code(err.status), "%s", err.msg);
        } else {
            s->n++;
            s->pool_used += align8(u->program_len);
            s->layers_used += u->seg.count;
            syn_segstore_take_fit(s, s->mem.fit_out);
            ok = true;
        }
    }
    syn_segstore_clear_staging(s);   /* PROTOCOL.md 8: a commit that checked every byte clears staging, pass or fail */
    return ok;
}

/* ---- unload ---------------------------------------------------------------------------------- */

static reg_place old_place[SYN_MAX_LAYERS];   /* the moved layers' placement before the unload */

/* After a failure in the middle of moving: nothing sensible is resident any more. */
static bool start_over(segstore *s, syn_fault *f, const char *msg)
{
    accel_error err;
    s->accel = syn_accel_open(s->engine, s->chip, &err);
    s->n = 0;
    s->pool_used = s->layers_used = 0;
    syn_segstore_take_fit(s, NULL);
    return syn_fail(f, SYN_ERR_INTERNAL, "unload: %s", msg);
}

bool syn_segstore_reg_unload(segstore *s, unsigned i, syn_fault *f)
{
    syn_segstore_clear_staging(s);   /* the fit an upload in progress was checked against is gone */
    segstore_entry gone = s->entries[i];
    /* The remaining union's placement is where everything goes; nothing changes before it is
     * known. A later segment never moved an earlier one, so the earlier ones stay put. */
    fit_segment segs[SYN_MAX_RESIDENT];
    size_t n = 0;
    for (unsigned k = 0; k < s->n; k++)
        if (k != i)
            segs[n++] = (fit_segment){ s->entries[k].seg.layers, s->entries[k].seg.count };
    fit_result *r = s->mem.fit_out;
    if (n > 0 && (s->mem.fit_work == NULL || !syn_fit_run(s->mem.fit_work, s->chip, segs, n, r)))
        return syn_fail(f, SYN_ERR_INTERNAL, "the segments after '%s' no longer fit: %s", gone.id,
                        r != NULL ? r->message : "no fit storage");
    uint16_t first_moved = (uint16_t)gone.layer_at, gone_layers = gone.seg.count;
    uint16_t remaining = (uint16_t)(s->layers_used - gone_layers);
    for (uint16_t U = 0; n > 0 && U < first_moved; U++) {
        const fit_layer_result *p = &r->per_layer[U];
        const segstore_place *o = &s->place[U];
        if (p->kernel_start != o->kernel_start || p->bias_quadrant != o->bias_quadrant || p->bias_offset != o->bias_offset)
            return syn_fail(f, SYN_ERR_INTERNAL, "unload '%s': layer %u before it would move", gone.id, U);
    }
    for (uint16_t U = first_moved; U < remaining; U++) {
        const segstore_place *o = &s->place[U + gone_layers];
        old_place[U - first_moved] = (reg_place){ o->kernel_start, o->bias_quadrant, o->bias_offset };
    }
    accel_error err;
    if (!syn_accel_relocate(s->accel, s->mem.fit_work, n > 0 ? r : NULL, first_moved, old_place, &err))
        return start_over(s, f, err.msg);
    /* The later segments' registers follow their kernels and biases. */
    for (unsigned k = i + 1u; k < s->n; k++) {
        segstore_entry *e = &s->entries[k];
        uint32_t *table = program_table(s, e);
        for (uint16_t j = 0; j < e->seg.count; j++) {
            uint16_t U = (uint16_t)(e->layer_at - gone_layers + j);
            const fit_layer_result *p = &r->per_layer[U];
            reg_place to = { p->kernel_start, p->bias_quadrant, p->bias_offset };
            cnn_error ce;
            if (!syn_reg_table_move(s->chip, table, e->seg.count, j, e->groups, &old_place[U - first_moved], &to, &ce))
                return start_over(s, f, ce.msg);
        }
    }
    /* The layer store and the program pool close the gap; the engine takes the moved programs
     * again (their tables and addresses changed). */
    syn_accel_unload(s->accel, gone.accel_slot);
    uint32_t gone_bytes = align8(gone.blob_len), blob_end = gone.blob_at + gone_bytes;
    uint32_t layer_end = gone.layer_at + gone.seg.count;
    memmove(s->mem.program + gone.blob_at, s->mem.program + blob_end, s->pool_used - blob_end);
    memmove(s->mem.layers + gone.layer_at, s->mem.layers + layer_end, (s->layers_used - layer_end) * sizeof(accel_layer));
    for (unsigned k = i + 1u; k < s->n; k++) {
        segstore_entry *e = &s->entries[k];
        syn_accel_unload(s->accel, e->accel_slot);
        e->blob_at -= gone_bytes;
        e->layer_at -= gone.seg.count;
        e->seg.layers = s->mem.layers + e->layer_at;
        point_program(s, &e->img, e->blob_at);
        s->entries[k - 1] = *e;
    }
    s->n--;
    s->pool_used -= gone_bytes;
    s->layers_used -= gone.seg.count;
    for (unsigned k = i; k < s->n; k++) {
        segstore_entry *e = &s->entries[k];
        if (!syn_accel_load_image(s->accel, &e->seg, &e->img, &e->accel_slot, &err))
            return start_over(s, f, err.msg);
    }
    syn_segstore_take_fit(s, s->n > 0 ? r : NULL);
    return true;
}
