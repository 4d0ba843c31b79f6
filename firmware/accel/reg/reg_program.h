/* The image runner: a hardware image (the `max78000-hw-image/1` program of
 * ../shared/docs/REGISTERS.md, as izer's cnn.c/weights.h or our generator makes it) driven
 * through the CNN driver (cnn_driver.h) the way the tool's generated code drives the silicon:
 *   load:      init writes (AON, CTRL "stop SM" with the packed loader on, SRAM, LCNT_MAX), the
 *              kernel records (set address, then the words; a record may arrive in pieces), the
 *              bias records (one byte per word);
 *   run:       configure writes (every per-layer register), LCNT_MAX, the inputs placed by their
 *              layouts (reg_layout.h), the start writes in order, a wait for cnn_irq in the
 *              master quadrant, the interrupt handler's stop (cnn_irq and cnn_en cleared in
 *              every started quadrant), the outputs gathered by their layouts;
 *   profile:   run with LCNT_MAX = k for k = 0..n-1 and difference the CNN cycles the backend
 *              reports (syn_cnn_cycles), as a board measures per-layer latency.
 * It knows nothing of the board's messages; the caller owns the image's memory.
 *
 * syn_reg_image_check validates a whole image before anything is written: the chip, the layer
 * count, every write address (registers only, whitelisted, aligned), a start write for the
 * master quadrant, kernel records inside one processor's kernel memory and not overlapping each
 * other, with the packed loader enabled by init, bias records inside one bias memory and not
 * overlapping, and the layouts. */
#ifndef SYNERGY_ACCEL_REG_PROGRAM_H
#define SYNERGY_ACCEL_REG_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip.h"
#include "cnn_driver.h"
#include "reg_layout.h"

typedef struct {
    uint32_t addr, value;
} reg_write;

/* Packed kernel words for the column at (addr - processor base) / 4 onward. */
typedef struct {
    uint32_t addr;
    const uint32_t *words;
    uint32_t n;
} reg_kernel_record;

/* Bias bytes, one per 32-bit word from addr. */
typedef struct {
    uint32_t addr;
    const uint8_t *bytes;
    uint32_t n;
} reg_bias_record;

typedef struct {
    const syn_chip *chip;
    const reg_write *init;
    size_t n_init;
    const reg_write *configure;
    size_t n_configure;
    /* The configure program as a table of every per-layer register (reg_table.h); when set, runs
     * write it instead of `configure`. */
    const uint32_t *table;
    const reg_write *start;
    size_t n_start;
    const reg_kernel_record *kernels;
    size_t n_kernels;
    const reg_bias_record *bias;
    size_t n_bias;
    const reg_layout *inputs;
    size_t n_inputs;
    const reg_layout *outputs;
    size_t n_outputs;
    uint16_t layers;                /* hardware layers the image programs (LCNT_MAX = layers - 1) */
} reg_image;

/* Polls of the master's CTRL before a run counts as hung. */
#define REG_WAIT_POLLS 100000000u

bool syn_reg_image_check(const reg_image *img, const syn_chip *chip, cnn_error *err);

/* Checks the image against the open chip, then writes init, kernels and bias. */
bool syn_reg_program_load(const reg_image *img, cnn_error *err);

/* A kernel record arriving in pieces: begin sets the address counter, each feed writes the next
 * words, end demands that exactly the announced words came. */
typedef struct {
    uint32_t addr;       /* the record address */
    uint32_t expected;   /* words announced */
    uint32_t done;       /* words written so far */
} reg_kernel_upload;

bool syn_reg_kernel_begin(reg_kernel_upload *u, uint32_t addr, uint32_t words, cnn_error *err);
bool syn_reg_kernel_feed(reg_kernel_upload *u, const uint32_t *words, uint32_t n, cnn_error *err);
bool syn_reg_kernel_end(const reg_kernel_upload *u, cnn_error *err);

/* Bias bytes (or a piece of a bias record) from addr on, one per 32-bit word. */
bool syn_reg_bias_write(uint32_t addr, const uint8_t *bytes, uint32_t n, cnn_error *err);

/* Runs layers 0..last_layer: configure, LCNT_MAX, place inputs[i] (values of img->inputs[i]),
 * start, wait, stop, and gather img->outputs[i] into outputs[i] (outputs may be NULL: no gather). */
bool syn_reg_program_run(const reg_image *img, uint16_t last_layer, const void *const *inputs, void *const *outputs,
                     cnn_error *err);
/* The same, with the configure step only if `configure` (the layer registers already hold this
 * image's program otherwise), and with inputs NULL: nothing placed (data memory runs as it is;
 * the CNN's timing does not depend on the values). */
bool syn_reg_program_run_as(const reg_image *img, uint16_t last_layer, const void *const *inputs, void *const *outputs,
                        bool configure, cnn_error *err);

/* Writes a list of register writes in order. */
bool syn_reg_write_list(const reg_write *w, size_t n, cnn_error *err);

/* Per-layer CNN cycles of the image's layers by LCNT_MAX differencing: cycles[k] = T(k) - T(k-1),
 * T(-1) = 1 (the start-up cycle the estimator adds once per run). cycles holds img->layers. */
bool syn_reg_program_profile(const reg_image *img, const void *const *inputs, uint64_t *cycles, cnn_error *err);

#endif
