/* Configure tables and placement registers; see reg_table.h. */
#include "reg_table.h"

#include <string.h>

#define EN_MASK_SHIFT 16u
#define ONED_EN (1u << 12)
#define ONED_SAD_SHIFT 4u
#define ONED_SAD_MASK (0xFu << ONED_SAD_SHIFT)
#define POST_BPTR_EN (1u << 12)
#define POST_BPTR_SAD 0xFFFu
#define LCTRL0_CNNSI_SHIFT 12u
#define QUADRANTS 4u

size_t syn_reg_table_words(const syn_chip *chip, uint16_t layers)
{
    return (size_t)QUADRANTS * syn_cnn_layer_reg_count(chip) * layers;
}

bool syn_reg_table_from_writes(const syn_chip *chip, const reg_write *w, size_t n, uint16_t layers, uint32_t *table,
                           cnn_error *err)
{
    memset(table, 0, syn_reg_table_words(chip, layers) * sizeof *table);
    for (size_t i = 0; i < n; i++) {
        cnn_window win;
        if (w[i].addr & 3u)
            return syn_cnn_fail(err, CNN_ERR_ALIGN, w[i].addr, "configure[%lu]: 0x%08lx is not 32-bit aligned", (unsigned long)i,
                            (unsigned long)w[i].addr);
        if (!syn_cnn_window_of(chip, w[i].addr, &win))
            return syn_cnn_fail(err, CNN_ERR_ADDRESS, w[i].addr, "configure[%lu]: 0x%08lx is outside the CNN windows",
                            (unsigned long)i, (unsigned long)w[i].addr);
        if (win.kind != CNN_WIN_LAYER)
            return syn_cnn_fail(err, CNN_ERR_ADDRESS, w[i].addr, "configure[%lu]: 0x%08lx is not a per-layer register",
                            (unsigned long)i, (unsigned long)w[i].addr);
        if (win.layer >= layers)
            return syn_cnn_fail(err, CNN_ERR_PROGRAM, w[i].addr, "configure[%lu]: %s of slot %u, the segment has %u layers",
                            (unsigned long)i, syn_cnn_layer_reg_name((cnn_layer_reg)win.reg), win.layer, layers);
        table[reg_table_index(chip, layers, win.quadrant, win.reg, win.layer)] = w[i].value;
    }
    return true;
}

uint8_t syn_reg_groups_of(const syn_chip *chip, const reg_write *init, size_t n_init)
{
    uint8_t groups = 0;
    for (size_t i = 0; i < n_init; i++) {
        cnn_window w;
        if (syn_cnn_window_of(chip, init[i].addr, &w) && w.kind == CNN_WIN_CONTROL && w.reg == 0)
            groups |= (uint8_t)(1u << w.quadrant);
    }
    return groups;
}

static uint32_t reg_of(const syn_chip *chip, const uint32_t *table, uint16_t layers, unsigned q, cnn_layer_reg r, unsigned slot)
{
    return table[reg_table_index(chip, layers, q, r, slot)];
}

bool syn_reg_table_is_conv(const syn_chip *chip, const uint32_t *table, uint16_t layers, uint16_t slot)
{
    for (unsigned q = 0; q < QUADRANTS; q++)
        if (reg_of(chip, table, layers, q, CNN_LR_EN, slot) >> EN_MASK_SHIFT)
            return true;
    return false;
}

static bool covered(const syn_chip *chip, cnn_error *err)
{
    if (strcmp(chip->name, "max78000") == 0)
        return true;
    return syn_cnn_fail(err, CNN_ERR_UNSUPPORTED, 0, "placement registers of %s are not covered (MAX78000 only)", chip->name);
}

static unsigned first_group(uint8_t groups)
{
    for (unsigned q = 0; q < QUADRANTS; q++)
        if (groups & (1u << q))
            return q;
    return 0;
}

/* Kernel taps per slot as ONED of the segment's first quadrant gives them (docs/registers.md). */
static unsigned taps_of(uint32_t oned)
{
    unsigned width = (oned >> 8) & 0xFu;
    if (oned & ONED_EN)
        return width == 0 ? 1u : width;
    return width == 1 ? 1u : 9u;
}

bool syn_reg_table_check_place(const syn_chip *chip, const uint32_t *table, uint16_t layers, uint16_t slot, uint8_t groups,
                           const reg_place *place, cnn_error *err)
{
    if (!covered(chip, err))
        return false;
    unsigned fg = first_group(groups);
    if (syn_reg_table_is_conv(chip, table, layers, slot)) {
        uint32_t oned = reg_of(chip, table, layers, fg, CNN_LR_ONED, slot);
        unsigned taps = taps_of(oned);
        uint32_t mcnt = reg_of(chip, table, layers, fg, CNN_LR_MCNT, slot);
        for (unsigned q = 0; q < QUADRANTS; q++) {
            if ((groups & (1u << q)) && reg_of(chip, table, layers, q, CNN_LR_MCNT, slot) != mcnt)
                return syn_cnn_fail(err, CNN_ERR_PROGRAM, 0, "slot %u MCNT: quadrants %u and %u differ", slot, fg, q);
        }
        uint32_t s = mcnt >> 16, sad = (oned & ONED_SAD_MASK) >> ONED_SAD_SHIFT;
        uint64_t first_byte = (uint64_t)(s / 8u) * taps + sad;
        if (s % 8u != 0 || first_byte != 9ull * place->kernel_start)
            return syn_cnn_fail(err, CNN_ERR_PROGRAM, 0, "slot %u MCNT: kernels at byte %lu, the fit gave column %lu", slot,
                            (unsigned long)first_byte, (unsigned long)place->kernel_start);
    }
    for (unsigned q = 0; q < QUADRANTS; q++) {
        uint32_t post = reg_of(chip, table, layers, q, CNN_LR_POST, slot);
        bool want = place->bias_quadrant == (int8_t)q;
        if (!want && (post & POST_BPTR_EN))
            return syn_cnn_fail(err, CNN_ERR_PROGRAM, 0, "slot %u POST: bias in quadrant %u, the fit gave %s", slot, q,
                            place->bias_quadrant < 0 ? "none" : "another");
        if (want && (!(post & POST_BPTR_EN) || (post & POST_BPTR_SAD) != place->bias_offset))
            return syn_cnn_fail(err, CNN_ERR_PROGRAM, 0, "slot %u POST: bias not at %u of quadrant %u as the fit gave", slot,
                            place->bias_offset, q);
    }
    return true;
}

bool syn_reg_table_move(const syn_chip *chip, uint32_t *table, uint16_t layers, uint16_t slot, uint8_t groups,
                    const reg_place *from, const reg_place *to, cnn_error *err)
{
    if (!covered(chip, err))
        return false;
    unsigned fg = first_group(groups);
    bool conv = syn_reg_table_is_conv(chip, table, layers, slot);
    if (conv && from->kernel_start != to->kernel_start) {
        unsigned taps = taps_of(reg_of(chip, table, layers, fg, CNN_LR_ONED, slot));
        uint32_t mcnt = reg_of(chip, table, layers, fg, CNN_LR_MCNT, slot);
        uint32_t s = mcnt >> 16, e = mcnt & 0xFFFFu;
        uint64_t s2 = 9ull * to->kernel_start / taps * 8u, e2 = (uint64_t)e - s + s2;
        uint32_t sad2 = (uint32_t)(9ull * to->kernel_start % taps);
        if (e < s || e2 > 0xFFFFu)
            return syn_cnn_fail(err, CNN_ERR_PROGRAM, 0, "slot %u MCNT: column %lu is past the register's range", slot,
                            (unsigned long)to->kernel_start);
        for (unsigned q = 0; q < QUADRANTS; q++) {
            if (!(groups & (1u << q)))
                continue;
            table[reg_table_index(chip, layers, q, CNN_LR_MCNT, slot)] = (uint32_t)(s2 << 16 | e2);
            uint32_t *oned = &table[reg_table_index(chip, layers, q, CNN_LR_ONED, slot)];
            *oned = (*oned & ~ONED_SAD_MASK) | sad2 << ONED_SAD_SHIFT;
        }
    }
    if (from->bias_quadrant >= 0 && to->bias_quadrant >= 0) {
        uint32_t *old_post = &table[reg_table_index(chip, layers, (unsigned)from->bias_quadrant, CNN_LR_POST, slot)];
        *old_post &= ~(POST_BPTR_EN | POST_BPTR_SAD);
        uint32_t *new_post = &table[reg_table_index(chip, layers, (unsigned)to->bias_quadrant, CNN_LR_POST, slot)];
        *new_post = (*new_post & ~POST_BPTR_SAD) | POST_BPTR_EN | to->bias_offset;
        if (conv && from->bias_quadrant != to->bias_quadrant) {
            uint32_t *lctrl0 = &table[reg_table_index(chip, layers, fg, CNN_LR_LCTRL0, slot)];
            unsigned b0 = (unsigned)from->bias_quadrant, b1 = (unsigned)to->bias_quadrant;
            bool b0_has_processors = reg_of(chip, table, layers, b0, CNN_LR_EN, slot) & 0xFFFFu;
            if (b0 != fg && !b0_has_processors)
                *lctrl0 &= ~(1u << (LCTRL0_CNNSI_SHIFT + b0));
            if (b1 != fg)
                *lctrl0 |= 1u << (LCTRL0_CNNSI_SHIFT + b1);
        }
    } else if ((from->bias_quadrant >= 0) != (to->bias_quadrant >= 0)) {
        return syn_cnn_fail(err, CNN_ERR_PROGRAM, 0, "slot %u: a move cannot add or drop a bias", slot);
    }
    return true;
}
