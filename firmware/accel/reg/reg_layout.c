/* Tensor layouts in CNN data memory; see reg_layout.h. */
#include "reg_layout.h"

#include <string.h>

#include "cnn_map.h"
#include "text.h"

typedef struct {
    unsigned m, t;            /* passes, channels (processors) per pass */
    unsigned rank[64];        /* rank[p]: index of processor p among the set ones */
    uint32_t npix;
    uint32_t step;            /* words between consecutive (pixel, pass) slots */
} geometry;

static unsigned popcount64(uint64_t v)
{
    unsigned n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* The tool's passes and per-pass threshold for C channels (izer max7800x.py in/out_expand). */
static void passes_of(unsigned c, unsigned *m, unsigned *t)
{
    *m = (c + 63u) / 64u;
    *t = (c + *m - 1u) / *m;
    if (c > 64u) {
        *t = (*t + 3u) & ~3u;
        if (*t > 64u)
            *t = 64u;
    }
}

static void geometry_of(const reg_layout *l, geometry *g)
{
    memset(g, 0, sizeof *g);
    passes_of(l->shape.c, &g->m, &g->t);
    unsigned k = 0;
    for (unsigned p = 0; p < 64; p++)
        if (l->processors >> p & 1u)
            g->rank[p] = k++;
    g->npix = (uint32_t)l->shape.h * l->shape.w;
    g->step = (uint32_t)(l->write_gap + 1u) * (l->width == 32 ? 4u : 1u);
}

uint32_t syn_reg_layout_bytes(const reg_layout *t)
{
    return (uint32_t)t->shape.c * t->shape.h * t->shape.w * (t->width == 32 ? 4u : 1u);
}

bool syn_reg_layout_check(const reg_layout *t, const syn_chip *chip, char *msg, size_t cap)
{
    uint32_t words = syn_cnn_instance_words(chip);
    if (words == 0) {
        syn_format(msg, cap, "chip: %s has no CNN address map", chip ? chip->name : "(none)");
        return false;
    }
    if (t->shape.c == 0 || t->shape.h == 0 || t->shape.w == 0 || t->shape.c > chip->max_channels) {
        syn_format(msg, cap, "shape: %ux%ux%u is empty or has more channels than the chip's %u", t->shape.c, t->shape.h,
                   t->shape.w, chip->max_channels);
        return false;
    }
    if (t->width != 8 && t->width != 32) {
        syn_format(msg, cap, "width: %u is neither 8 nor 32", t->width);
        return false;
    }
    if (t->source < -1) {
        syn_format(msg, cap, "source: must be -1 (the network input) or a layer");
        return false;
    }
    if (t->source == -1 && (t->width != 8 || t->write_gap != 0)) {
        syn_format(msg, cap, "source: the network input is int8 and loaded without a write gap");
        return false;
    }
    if (t->offset % 4u != 0) {
        syn_format(msg, cap, "offset: 0x%lx is not a multiple of 4", (unsigned long)t->offset);
        return false;
    }
    geometry g;
    geometry_of(t, &g);
    if (popcount64(t->processors) != g.t) {
        syn_format(msg, cap, "processors: 0x%08lx%08lx has %u bits; %u channels in %u passes need %u",
                   (unsigned long)(t->processors >> 32), (unsigned long)(t->processors & 0xFFFFFFFFu),
                   popcount64(t->processors), t->shape.c, g.m, g.t);
        return false;
    }
    uint64_t end;
    if (t->format == FMT_CHW) {
        if (t->source != -1 || g.m != 1) {
            syn_format(msg, cap, "format: CHW is a network input of at most 64 channels");
            return false;
        }
        for (unsigned i = 0; i < 16; i++) {
            if (popcount64((t->processors >> (4u * i)) & 0xFu) > 1) {
                syn_format(msg, cap, "processors: CHW needs one processor per instance; instance %u has several", i);
                return false;
            }
        }
        end = (uint64_t)t->offset + g.npix;   /* bytes */
        end = (end + 3u) / 4u;
    } else if (t->format == FMT_HWC) {
        end = t->offset / 4u + ((uint64_t)g.npix * g.m - 1u) * g.step + (t->width == 32 ? 4u : 1u);
    } else {
        syn_format(msg, cap, "format: neither HWC nor CHW");
        return false;
    }
    if (end > words) {
        syn_format(msg, cap, "offset: the tensor ends at word %lu of a %lu-word instance", (unsigned long)(end - 1u),
                   (unsigned long)words);
        return false;
    }
    return true;
}

static int32_t value_at(const reg_layout *t, const void *chw, uint32_t index)
{
    if (t->width == 32) {
        int32_t v;
        memcpy(&v, (const uint8_t *)chw + (size_t)index * 4u, 4);
        return v;
    }
    return ((const int8_t *)chw)[index];
}

/* CHW: each processor's channel plane, 4 pixels a word, the last word zero-padded. Placing
 * (read NULL) packs each word from chw and emits it; gathering reads each word and unpacks it. */
static bool chw_walk(const reg_layout *t, const syn_chip *chip, const geometry *g, void *chw, reg_word_fn emit,
                     reg_read_fn read, void *user)
{
    const uint32_t first = t->offset / 4u;
    for (unsigned p = 0; p < 64; p++) {
        if (!(t->processors >> p & 1u))
            continue;
        int8_t *plane = (int8_t *)chw + (size_t)g->rank[p] * g->npix;
        for (uint32_t w = 0; w < (g->npix + 3u) / 4u; w++) {
            uint32_t addr = syn_cnn_data_address(chip, p / 4u, first + w), v = 0;
            if (read != NULL && !read(user, addr, &v))
                return false;
            for (unsigned b = 0; b < 4 && 4u * w + b < g->npix; b++) {
                if (read != NULL)
                    plane[4u * w + b] = (int8_t)(v >> (8u * b));
                else
                    v |= (uint32_t)(uint8_t)plane[4u * w + b] << (8u * b);
            }
            if (read == NULL && !emit(user, addr, v, 0xFu))
                return false;
        }
    }
    return true;
}

bool syn_reg_layout_place(const reg_layout *t, const syn_chip *chip, const void *chw, reg_word_fn emit, void *user)
{
    geometry g;
    geometry_of(t, &g);
    const uint32_t first = t->offset / 4u;
    if (t->format == FMT_CHW)
        return chw_walk(t, chip, &g, (void *)(uintptr_t)chw, emit, NULL, user);   /* emit only reads chw */
    for (unsigned inst = 0; inst < 16; inst++) {
        unsigned here = (unsigned)((t->processors >> (4u * inst)) & 0xFu);
        if (here == 0)
            continue;
        for (unsigned e = 0; e < g.m; e++) {
            for (uint32_t x = 0; x < g.npix; x++) {
                uint32_t word = first + (x * g.m + e) * g.step;
                uint32_t v = 0;
                uint8_t lanes = 0;
                for (unsigned lane = 0; lane < 4; lane++) {
                    unsigned p = 4u * inst + lane;
                    if (!(here >> lane & 1u))
                        continue;
                    uint32_t c = e * g.t + g.rank[p];
                    if (c >= t->shape.c)
                        continue;
                    int32_t val = value_at(t, chw, c * g.npix + x);
                    if (t->width == 32) {
                        if (!emit(user, syn_cnn_data_address(chip, inst, word + lane), (uint32_t)val, 0xFu))
                            return false;
                        continue;
                    }
                    v |= (uint32_t)(uint8_t)val << (8u * lane);
                    lanes |= (uint8_t)(1u << lane);
                }
                if (t->width == 32)
                    continue;
                if (t->source == -1)
                    lanes = 0xFu;   /* the loader writes whole words */
                if (lanes != 0 && !emit(user, syn_cnn_data_address(chip, inst, word), v, lanes))
                    return false;
            }
        }
    }
    return true;
}

bool syn_reg_layout_gather(const reg_layout *t, const syn_chip *chip, reg_read_fn read, void *user, void *chw)
{
    geometry g;
    geometry_of(t, &g);
    const uint32_t first = t->offset / 4u;
    if (t->format == FMT_CHW)
        return chw_walk(t, chip, &g, chw, NULL, read, user);
    for (unsigned p = 0; p < 64; p++) {
        if (!(t->processors >> p & 1u))
            continue;
        for (unsigned e = 0; e < g.m; e++) {
            uint32_t c = e * g.t + g.rank[p];
            if (c >= t->shape.c)
                continue;
            for (uint32_t x = 0; x < g.npix; x++) {
                uint32_t word = first + (x * g.m + e) * g.step, v;
                if (t->width == 32) {
                    if (!read(user, syn_cnn_data_address(chip, p / 4u, word + p % 4u), &v))
                        return false;
                    memcpy((uint8_t *)chw + ((size_t)c * g.npix + x) * 4u, &v, 4);
                } else {
                    if (!read(user, syn_cnn_data_address(chip, p / 4u, word), &v))
                        return false;
                    ((int8_t *)chw)[(size_t)c * g.npix + x] = (int8_t)(v >> (8u * (p % 4u)));
                }
            }
        }
    }
    return true;
}
