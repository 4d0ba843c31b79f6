/* The CNN address maps and windows; see cnn_map.h. */
#include "cnn_map.h"

#include <string.h>

/* One chip's address map (the numbers of izer's tornadocnn.py, as addresses). */
typedef struct {
    const char *chip;
    uint32_t quad_base;        /* quadrant 0's register base */
    uint32_t quad_stride;      /* between quadrants */
    uint32_t layers;           /* hardware layers */
    bool layer_blocks;         /* MAX78002: one block of registers per layer */
    uint32_t layer_base;       /* offset of the per-layer registers from the quadrant base */
    uint32_t bias_offset, bias_words;
    uint32_t kernel_offset, kernel_stride, kernel_words, kernel_words_large;
    uint32_t data_offset;      /* from the quadrant base */
    uint32_t instance_stride;  /* address space per data-memory instance */
    uint32_t instance_words;   /* real 32-bit words per instance */
} chip_map;

/* MAX78000 register arrays: index of the array at base + 0x10 + i * 0x80, in the tool's
 * LREG numbering (16..19 are streaming and IFRM, not whitelisted; 20 is LCTRL1 at +0xA10). */
static const int8_t max78000_regs[21] = {
    CNN_LR_RCNT, CNN_LR_CCNT, CNN_LR_ONED, CNN_LR_PRCNT, CNN_LR_PCCNT, CNN_LR_STRIDE, CNN_LR_WPTR_BASE,
    CNN_LR_WPTR_TOFF, CNN_LR_WPTR_MOFF, CNN_LR_WPTR_CHOFF, CNN_LR_RPTR_BASE, CNN_LR_LCTRL0, CNN_LR_MCNT,
    CNN_LR_TPTR, CNN_LR_EN, CNN_LR_POST, -1, -1, -1, -1, CNN_LR_LCTRL1,
};
/* MAX78002: word i of a layer's block. */
static const int8_t max78002_regs[20] = {
    CNN_LR_NXTLYR, CNN_LR_RCNT, CNN_LR_CCNT, CNN_LR_ONED, CNN_LR_PRCNT, CNN_LR_PCCNT, CNN_LR_STRIDE,
    CNN_LR_WPTR_BASE, CNN_LR_WPTR_TOFF, CNN_LR_WPTR_MOFF, CNN_LR_WPTR_CHOFF, CNN_LR_RPTR_BASE, CNN_LR_LCTRL0,
    CNN_LR_LCTRL1, CNN_LR_MCNT1, CNN_LR_MCNT2, CNN_LR_OCHAN, CNN_LR_TPTR, CNN_LR_EN, CNN_LR_POST,
};

static const chip_map maps[] = {
    { "max78000", 0x50100000u, 0x400000u, 32, false, 0x10u, 0x8000u, 512, 0x80000u, 0x4000u, 768, 768,
      0x300000u, 0x8000u, 8192 },
    { "max78002", 0x51000000u, 0x1000000u, 128, true, 0x100000u, 0x180000u, 2048, 0x400000u, 0x20000u, 4096, 5120,
      0x800000u, 0x20000u, 20480 },
};

static const chip_map *map_of(const syn_chip *chip)
{
    if (chip == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
        if (strcmp(maps[i].chip, chip->name) == 0)
            return &maps[i];
    return NULL;
}

static const char *const layer_reg_names[CNN_LR_COUNT] = {
    "RCNT", "CCNT", "ONED", "PRCNT", "PCCNT", "STRIDE", "WPTR_BASE", "WPTR_TOFF", "WPTR_MOFF", "WPTR_CHOFF",
    "RPTR_BASE", "LCTRL0", "MCNT", "TPTR", "EN", "POST", "LCTRL1", "NXTLYR", "MCNT1", "MCNT2", "OCHAN",
};

const char *syn_cnn_layer_reg_name(cnn_layer_reg reg)
{
    return (unsigned)reg < CNN_LR_COUNT ? layer_reg_names[reg] : "?";
}

const char *syn_cnn_control_reg_name(unsigned reg)
{
    static const char *const names[] = { "CTRL", "SRAM", "LCNT_MAX" };
    return reg < 3 ? names[reg] : "?";
}

bool syn_cnn_window_of(const syn_chip *chip, uint32_t addr, cnn_window *w)
{
    memset(w, 0, sizeof *w);
    const chip_map *m = map_of(chip);
    if (m == NULL)
        return false;
    if (addr == CNN_AON_ADDRESS) {
        *w = (cnn_window){ .kind = CNN_WIN_AON, .base = addr, .size = 4 };
        return true;
    }
    if (addr < m->quad_base)
        return false;
    uint32_t rel = addr - m->quad_base;
    uint32_t q = rel / m->quad_stride, off = rel % m->quad_stride;
    if (q >= 4)
        return false;
    uint32_t qb = m->quad_base + q * m->quad_stride;
    w->quadrant = (uint8_t)q;
    if (off < 12) {
        *w = (cnn_window){ .kind = CNN_WIN_CONTROL, .quadrant = (uint8_t)q, .reg = (uint8_t)(off / 4), .base = qb, .size = 12 };
    } else if (!m->layer_blocks && off >= 0x10u && off < 0x10u + 16u * 0x80u) {
        uint32_t i = (off - 0x10u) / 0x80u;
        *w = (cnn_window){ .kind = CNN_WIN_LAYER, .quadrant = (uint8_t)q, .reg = (uint8_t)max78000_regs[i],
                           .layer = (uint16_t)((off - 0x10u) % 0x80u / 4u), .base = qb + 0x10u + i * 0x80u, .size = 0x80u };
    } else if (!m->layer_blocks && off >= 0xA10u && off < 0xA90u) {
        *w = (cnn_window){ .kind = CNN_WIN_LAYER, .quadrant = (uint8_t)q, .reg = CNN_LR_LCTRL1,
                           .layer = (uint16_t)((off - 0xA10u) / 4u), .base = qb + 0xA10u, .size = 0x80u };
    } else if (m->layer_blocks && off >= m->layer_base && off < m->layer_base + m->layers * 0x100u
               && (off - m->layer_base) % 0x100u < 20u * 4u) {
        uint32_t layer = (off - m->layer_base) / 0x100u;
        *w = (cnn_window){ .kind = CNN_WIN_LAYER, .quadrant = (uint8_t)q,
                           .reg = (uint8_t)max78002_regs[(off - m->layer_base) % 0x100u / 4u], .layer = (uint16_t)layer,
                           .base = qb + m->layer_base + layer * 0x100u, .size = 20u * 4u };
    } else if (off >= m->bias_offset && off < m->bias_offset + m->bias_words * 4u) {
        *w = (cnn_window){ .kind = CNN_WIN_BIAS, .quadrant = (uint8_t)q, .base = qb + m->bias_offset, .size = m->bias_words * 4u };
    } else if (off >= m->kernel_offset && off < m->kernel_offset + 16u * m->kernel_stride) {
        uint32_t p = (off - m->kernel_offset) / m->kernel_stride;
        uint32_t words = p == 0 ? m->kernel_words_large : m->kernel_words;
        uint32_t base = qb + m->kernel_offset + p * m->kernel_stride;
        if (addr - base >= words * 16u)
            return false;
        *w = (cnn_window){ .kind = CNN_WIN_KERNEL, .quadrant = (uint8_t)q, .processor = (uint8_t)(q * 16u + p),
                           .base = base, .size = words * 16u };
    } else if (off >= m->data_offset && off < m->data_offset + 4u * m->instance_stride) {
        uint32_t i = (off - m->data_offset) / m->instance_stride;
        uint32_t base = qb + m->data_offset + i * m->instance_stride;
        if (addr - base >= m->instance_words * 4u)
            return false;
        *w = (cnn_window){ .kind = CNN_WIN_DATA, .quadrant = (uint8_t)q, .instance = (uint8_t)(q * 4u + i),
                           .base = base, .size = m->instance_words * 4u };
    } else {
        return false;
    }
    if (w->kind == CNN_WIN_LAYER && (int8_t)w->reg < 0) {
        memset(w, 0, sizeof *w);
        return false;
    }
    w->offset = addr - w->base;
    return true;
}

uint32_t syn_cnn_instance_words(const syn_chip *chip)
{
    const chip_map *m = map_of(chip);
    return m ? m->instance_words : 0;
}

uint32_t syn_cnn_data_address(const syn_chip *chip, unsigned instance, uint32_t word)
{
    const chip_map *m = map_of(chip);
    return m ? m->quad_base + (instance / 4u) * m->quad_stride + m->data_offset + (instance % 4u) * m->instance_stride + word * 4u
             : 0;
}

uint32_t syn_cnn_kernel_base(const syn_chip *chip, unsigned processor)
{
    const chip_map *m = map_of(chip);
    return m ? m->quad_base + (processor / 16u) * m->quad_stride + m->kernel_offset + (processor % 16u) * m->kernel_stride : 0;
}

uint32_t syn_cnn_kernel_words(const syn_chip *chip, unsigned processor)
{
    const chip_map *m = map_of(chip);
    return m ? (processor % 16u == 0 ? m->kernel_words_large : m->kernel_words) : 0;
}

uint32_t syn_cnn_control_address(const syn_chip *chip, unsigned quadrant, unsigned reg)
{
    const chip_map *m = map_of(chip);
    return m ? m->quad_base + quadrant * m->quad_stride + reg * 4u : 0;
}

uint32_t syn_cnn_layer_address(const syn_chip *chip, unsigned quadrant, cnn_layer_reg reg, unsigned layer)
{
    const chip_map *m = map_of(chip);
    if (m == NULL)
        return 0;
    uint32_t qb = m->quad_base + quadrant * m->quad_stride;
    if (m->layer_blocks) {
        for (unsigned i = 0; i < 20; i++)
            if (max78002_regs[i] == (int8_t)reg)
                return qb + m->layer_base + layer * 0x100u + i * 4u;
        return 0;
    }
    for (unsigned i = 0; i < 21; i++)
        if (max78000_regs[i] == (int8_t)reg)
            return i == 20 ? qb + 0xA10u + layer * 4u : qb + 0x10u + i * 0x80u + layer * 4u;
    return 0;
}

unsigned syn_cnn_layer_reg_count(const syn_chip *chip)
{
    const chip_map *m = map_of(chip);
    return m == NULL ? 0u : m->layer_blocks ? (unsigned)CNN_LR_COUNT : (unsigned)CNN_LR_LCTRL1 + 1u;
}

uint32_t syn_cnn_bias_address(const syn_chip *chip, unsigned quadrant, unsigned index)
{
    const chip_map *m = map_of(chip);
    return m ? m->quad_base + quadrant * m->quad_stride + m->bias_offset + index * 4u : 0;
}

