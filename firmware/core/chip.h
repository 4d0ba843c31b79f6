/* Facts about the CNN accelerator chips (/work/shared/docs/MAX78000.md section 1), kept in this
 * one C place; hello reports them and the fit rules and cycle model read them. The TypeScript
 * twin is host/model's chip specs; a cross-language test keeps the two equal. */
#ifndef SYNERGY_CHIP_H
#define SYNERGY_CHIP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *name;          /* "max78000", "max78002": as in hello and --chip */
    uint32_t cnn_clock_hz;     /* default CNN clock */
    uint32_t weight_mem;       /* kernel memory, bytes */
    uint32_t bias_mem;         /* bias memory, bytes */
    uint32_t data_mem;         /* data memory, bytes */
    uint16_t max_layers;       /* hardware layers */
    uint16_t processors;       /* CNN processors (4 quadrants x 16) */
} syn_chip;

/* NULL if the name is not a known chip. */
const syn_chip *syn_chip_find(const char *name);
/* The known chips, for listing them in an error message or a test. */
const syn_chip *syn_chip_at(size_t index);   /* NULL past the end */

#endif
