/* The image runner; see reg_program.h. */
#include "reg_program.h"

#include <string.h>

#include "reg_table.h"
#include "text.h"

#define CTRL_EN (1u << 0)
#define CTRL_EXT_SYNC (1u << 11)
#define CTRL_IRQ (1u << 12)
#define CTRL_MEXPRESS (1u << 20)

/* ---- checks ------------------------------------------------------------------------------------ */

static bool check_writes(const reg_write *w, size_t n, const char *list, const syn_chip *chip, cnn_error *err)
{
    for (size_t i = 0; i < n; i++) {
        cnn_window win;
        if (w[i].addr & 3u)
            return syn_cnn_fail(err, CNN_ERR_ALIGN, w[i].addr, "%s[%lu]: 0x%08lx is not 32-bit aligned", list,
                            (unsigned long)i, (unsigned long)w[i].addr);
        if (!syn_cnn_window_of(chip, w[i].addr, &win))
            return syn_cnn_fail(err, CNN_ERR_ADDRESS, w[i].addr, "%s[%lu]: 0x%08lx is outside the CNN windows of %s", list,
                            (unsigned long)i, (unsigned long)w[i].addr, chip->name);
        if (win.kind != CNN_WIN_AON && win.kind != CNN_WIN_CONTROL && win.kind != CNN_WIN_LAYER)
            return syn_cnn_fail(err, CNN_ERR_ADDRESS, w[i].addr,
                            "%s[%lu]: 0x%08lx is CNN memory, not a register (memories load from kernel, bias and input records)",
                            list, (unsigned long)i, (unsigned long)w[i].addr);
    }
    return true;
}

/* Quadrants whose CTRL a list writes (bit q), and whose LCNT_MAX. */
static unsigned quadrants_written(const reg_write *w, size_t n, const syn_chip *chip, unsigned reg)
{
    unsigned qs = 0;
    for (size_t i = 0; i < n; i++) {
        cnn_window win;
        if (syn_cnn_window_of(chip, w[i].addr, &win) && win.kind == CNN_WIN_CONTROL && win.reg == reg)
            qs |= 1u << win.quadrant;
    }
    return qs;
}

/* The master quadrant: the last start write that sets cnn_en without ext_sync; -1 if none. */
static int master_of(const reg_image *img, const syn_chip *chip)
{
    int master = -1;
    for (size_t i = 0; i < img->n_start; i++) {
        cnn_window win;
        if (syn_cnn_window_of(chip, img->start[i].addr, &win) && win.kind == CNN_WIN_CONTROL && win.reg == 0
            && (img->start[i].value & CTRL_EN) && !(img->start[i].value & CTRL_EXT_SYNC))
            master = win.quadrant;
    }
    return master;
}

/* The CTRL value init leaves in quadrant q (0 if it writes none). */
static uint32_t init_ctrl(const reg_image *img, const syn_chip *chip, unsigned q)
{
    uint32_t v = 0;
    for (size_t i = 0; i < img->n_init; i++) {
        cnn_window win;
        if (syn_cnn_window_of(chip, img->init[i].addr, &win) && win.kind == CNN_WIN_CONTROL && win.reg == 0 && win.quadrant == q)
            v = img->init[i].value;
    }
    return v;
}

bool syn_reg_image_check(const reg_image *img, const syn_chip *chip, cnn_error *err)
{
    if (chip == NULL || img->chip == NULL || strcmp(img->chip->name, chip->name) != 0)
        return syn_cnn_fail(err, CNN_ERR_PROGRAM, 0, "image: made for %s, the accelerator is %s",
                        img->chip ? img->chip->name : "(no chip)", chip ? chip->name : "(none)");
    if (img->layers == 0 || img->layers > chip->max_layers)
        return syn_cnn_fail(err, CNN_ERR_PROGRAM, 0, "image: %u layers; %s runs 1..%u", img->layers, chip->name,
                        chip->max_layers);
    if (!check_writes(img->init, img->n_init, "init", chip, err)
        || (img->table == NULL && !check_writes(img->configure, img->n_configure, "configure", chip, err))
        || !check_writes(img->start, img->n_start, "start", chip, err))
        return false;
    if (master_of(img, chip) < 0)
        return syn_cnn_fail(err, CNN_ERR_PROGRAM, 0, "start: no write sets cnn_en of a master quadrant (CTRL bit 0 without ext_sync)");
    /* The tool leaves out a zero LCNT_MAX (a one-layer image): the runner writes it to every
     * quadrant init sets up, so the quadrants' CTRL are what init must name. */
    if (quadrants_written(img->init, img->n_init, chip, 0) == 0)
        return syn_cnn_fail(err, CNN_ERR_PROGRAM, 0, "init: writes no quadrant CTRL");

    for (size_t i = 0; i < img->n_kernels; i++) {
        const reg_kernel_record *r = &img->kernels[i];
        cnn_window w;
        if ((r->addr & 3u) || !syn_cnn_window_of(chip, r->addr, &w) || w.kind != CNN_WIN_KERNEL)
            return syn_cnn_fail(err, CNN_ERR_ADDRESS, r->addr, "kernels[%lu]: 0x%08lx is not an aligned kernel-memory address",
                            (unsigned long)i, (unsigned long)r->addr);
        uint32_t words = syn_cnn_kernel_words(chip, w.processor), column = w.offset / 4u;
        uint64_t columns = (uint64_t)r->n * 4u / 9u;
        if (r->n == 0 || r->words == NULL || column >= words || column + columns > words)
            return syn_cnn_fail(err, CNN_ERR_BLOCK, r->addr,
                            "kernels[%lu]: %lu words from column %lu run past processor %u's %lu kernel words",
                            (unsigned long)i, (unsigned long)r->n, (unsigned long)column, w.processor, (unsigned long)words);
        if (!(init_ctrl(img, chip, w.quadrant) & CTRL_MEXPRESS))
            return syn_cnn_fail(err, CNN_ERR_PROGRAM, r->addr,
                            "kernels[%lu]: packed records need CTRL.mexpress (bit 20) from init in quadrant %u",
                            (unsigned long)i, w.quadrant);
        for (size_t j = 0; j < i; j++) {
            const reg_kernel_record *s = &img->kernels[j];
            cnn_window v;
            syn_cnn_window_of(chip, s->addr, &v);
            uint32_t c0 = v.offset / 4u, c1 = c0 + (uint32_t)((uint64_t)s->n * 4u / 9u);
            if (v.processor == w.processor && column < c1 && c0 < column + columns)
                return syn_cnn_fail(err, CNN_ERR_PROGRAM, r->addr,
                                "kernels[%lu]: columns %lu..%lu of processor %u overlap kernels[%lu] (columns %lu..%lu)",
                                (unsigned long)i, (unsigned long)column, (unsigned long)(column + columns - 1u), w.processor,
                                (unsigned long)j, (unsigned long)c0, (unsigned long)(c1 - 1u));
        }
    }
    for (size_t i = 0; i < img->n_bias; i++) {
        const reg_bias_record *r = &img->bias[i];
        cnn_window w;
        if ((r->addr & 3u) || !syn_cnn_window_of(chip, r->addr, &w) || w.kind != CNN_WIN_BIAS)
            return syn_cnn_fail(err, CNN_ERR_ADDRESS, r->addr, "bias[%lu]: 0x%08lx is not an aligned bias-memory address",
                            (unsigned long)i, (unsigned long)r->addr);
        if (r->n == 0 || r->bytes == NULL || r->n > (w.size - w.offset) / 4u)
            return syn_cnn_fail(err, CNN_ERR_BLOCK, r->addr, "bias[%lu]: %lu bytes from 0x%08lx run past quadrant %u's bias memory",
                            (unsigned long)i, (unsigned long)r->n, (unsigned long)r->addr, w.quadrant);
        for (size_t j = 0; j < i; j++) {
            const reg_bias_record *s = &img->bias[j];
            if (r->addr < s->addr + 4u * s->n && s->addr < r->addr + 4u * r->n)
                return syn_cnn_fail(err, CNN_ERR_PROGRAM, r->addr, "bias[%lu]: overlaps bias[%lu]", (unsigned long)i,
                                (unsigned long)j);
        }
    }
    for (size_t k = 0; k < img->n_inputs + img->n_outputs; k++) {
        bool in = k < img->n_inputs;
        const reg_layout *t = in ? &img->inputs[k] : &img->outputs[k - img->n_inputs];
        char why[SYN_LAYOUT_ERR_MAX];
        if (!syn_reg_layout_check(t, chip, why, sizeof why))
            return syn_cnn_fail(err, CNN_ERR_PROGRAM, 0, "%s[%lu].%s", in ? "inputs" : "outputs",
                            (unsigned long)(in ? k : k - img->n_inputs), why);
    }
    return true;
}

/* ---- loading ----------------------------------------------------------------------------------- */

bool syn_reg_write_list(const reg_write *w, size_t n, cnn_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!syn_cnn_write(w[i].addr, w[i].value, err))
            return false;
    return true;
}

bool syn_reg_kernel_begin(reg_kernel_upload *u, uint32_t addr, uint32_t words, cnn_error *err)
{
    *u = (reg_kernel_upload){ addr, words, 0 };
    if (words == 0)
        return syn_cnn_fail(err, CNN_ERR_BLOCK, addr, "kernel record 0x%08lx: no words", (unsigned long)addr);
    return syn_cnn_kernel_seek(addr, err);
}

bool syn_reg_kernel_feed(reg_kernel_upload *u, const uint32_t *words, uint32_t n, cnn_error *err)
{
    if (n > u->expected - u->done)
        return syn_cnn_fail(err, CNN_ERR_BLOCK, u->addr, "kernel record 0x%08lx: %lu more words than the %lu announced",
                        (unsigned long)u->addr, (unsigned long)(n - (u->expected - u->done)), (unsigned long)u->expected);
    if (n == 0)
        return true;
    if (!syn_cnn_write_block(u->addr + 4u * u->done, words, n, err))
        return false;
    u->done += n;
    return true;
}

bool syn_reg_kernel_end(const reg_kernel_upload *u, cnn_error *err)
{
    if (u->done != u->expected)
        return syn_cnn_fail(err, CNN_ERR_BLOCK, u->addr, "kernel record 0x%08lx: truncated, %lu of %lu words arrived",
                        (unsigned long)u->addr, (unsigned long)u->done, (unsigned long)u->expected);
    return true;
}

bool syn_reg_bias_write(uint32_t addr, const uint8_t *bytes, uint32_t n, cnn_error *err)
{
    uint32_t chunk[64];
    for (uint32_t at = 0; at < n; at += 64u) {
        uint32_t k = n - at < 64u ? n - at : 64u;
        for (uint32_t i = 0; i < k; i++)
            chunk[i] = bytes[at + i];
        if (!syn_cnn_write_block(addr + 4u * at, chunk, k, err))
            return false;
    }
    return true;
}

bool syn_reg_program_load(const reg_image *img, cnn_error *err)
{
    const syn_chip *chip = syn_cnn_chip();
    if (!syn_reg_image_check(img, chip, err))
        return false;
    if (!syn_reg_write_list(img->init, img->n_init, err))
        return false;
    for (size_t i = 0; i < img->n_kernels; i++) {
        reg_kernel_upload u;
        if (!syn_reg_kernel_begin(&u, img->kernels[i].addr, img->kernels[i].n, err)
            || !syn_reg_kernel_feed(&u, img->kernels[i].words, img->kernels[i].n, err) || !syn_reg_kernel_end(&u, err))
            return false;
    }
    for (size_t i = 0; i < img->n_bias; i++)
        if (!syn_reg_bias_write(img->bias[i].addr, img->bias[i].bytes, img->bias[i].n, err))
            return false;
    return true;
}

#define QUADRANTS 4u

bool syn_reg_table_write(const syn_chip *chip, const uint32_t *table, uint16_t layers, cnn_error *err)
{
    unsigned nregs = syn_cnn_layer_reg_count(chip);
    for (unsigned q = 0; q < QUADRANTS; q++) {
        for (unsigned r = 0; r < nregs; r++) {
            const uint32_t *v = &table[reg_table_index(chip, layers, q, r, 0)];
            uint32_t a0 = syn_cnn_layer_address(chip, q, (cnn_layer_reg)r, 0);
            if (layers > 1 && syn_cnn_layer_address(chip, q, (cnn_layer_reg)r, 1) == a0 + 4u) {
                if (!syn_cnn_write_block(a0, v, layers, err))   /* one register array (MAX78000) */
                    return false;
                continue;
            }
            for (unsigned k = 0; k < layers; k++)
                if (!syn_cnn_write(syn_cnn_layer_address(chip, q, (cnn_layer_reg)r, k), v[k], err))
                    return false;
        }
    }
    return true;
}

/* ---- running ----------------------------------------------------------------------------------- */

typedef struct {
    cnn_error *err;
} sink;

static bool put_word(void *user, uint32_t addr, uint32_t value, uint8_t lanes)
{
    sink *s = user;
    if (lanes != 0xFu) {
        uint32_t old, keep = 0;
        for (unsigned i = 0; i < 4; i++)
            if (!(lanes >> i & 1u))
                keep |= 0xFFu << (8u * i);
        if (!syn_cnn_read(addr, &old, s->err))
            return false;
        value = (value & ~keep) | (old & keep);
    }
    return syn_cnn_write(addr, value, s->err);
}

static bool get_word(void *user, uint32_t addr, uint32_t *value)
{
    sink *s = user;
    return syn_cnn_read(addr, value, s->err);
}

/* The interrupt handler's stop: cnn_irq and cnn_en cleared in every quadrant the start list
 * writes (a no-op where both are clear). */
static bool stop(const reg_image *img, const syn_chip *chip, cnn_error *err)
{
    unsigned qs = quadrants_written(img->start, img->n_start, chip, 0);
    for (unsigned q = 0; q < 4; q++) {
        if (!(qs & (1u << q)))
            continue;
        uint32_t addr = syn_cnn_control_address(chip, q, 0), v;
        if (!syn_cnn_read(addr, &v, err))
            return false;
        if ((v & (CTRL_IRQ | CTRL_EN)) && !syn_cnn_write(addr, v & ~(CTRL_IRQ | CTRL_EN), err))
            return false;
    }
    return true;
}

bool syn_reg_program_run(const reg_image *img, uint16_t last_layer, const void *const *inputs, void *const *outputs,
                     cnn_error *err)
{
    return syn_reg_program_run_as(img, last_layer, inputs, outputs, true, err);
}

bool syn_reg_program_run_as(const reg_image *img, uint16_t last_layer, const void *const *inputs, void *const *outputs,
                        bool configure, cnn_error *err)
{
    const syn_chip *chip = syn_cnn_chip();
    if (chip == NULL || img->chip == NULL || strcmp(img->chip->name, chip->name) != 0)
        return syn_cnn_fail(err, CNN_ERR_PROGRAM, 0, "run: the image is for %s, the accelerator is %s",
                        img->chip ? img->chip->name : "(no chip)", chip ? chip->name : "(not open)");
    if (last_layer >= img->layers)
        return syn_cnn_fail(err, CNN_ERR_PROGRAM, 0, "run: last layer %u of an image of %u layers", last_layer, img->layers);
    int master = master_of(img, chip);
    if (master < 0)
        return syn_cnn_fail(err, CNN_ERR_PROGRAM, 0, "run: the image's start list starts no master quadrant");
    if (!stop(img, chip, err))
        return false;
    if (configure && !(img->table != NULL ? syn_reg_table_write(chip, img->table, img->layers, err)
                                          : syn_reg_write_list(img->configure, img->n_configure, err)))
        return false;
    unsigned lq = quadrants_written(img->init, img->n_init, chip, 0);
    for (unsigned q = 0; q < 4; q++)
        if ((lq & (1u << q)) && !syn_cnn_write(syn_cnn_control_address(chip, q, 2), last_layer, err))
            return false;
    sink s = { err };
    for (size_t i = 0; inputs != NULL && i < img->n_inputs; i++)
        if (!syn_reg_layout_place(&img->inputs[i], chip, inputs[i], put_word, &s))
            return false;
    if (!syn_reg_write_list(img->start, img->n_start, err))
        return false;
    uint32_t ctrl = 0, addr = syn_cnn_control_address(chip, (unsigned)master, 0);
    for (uint32_t polls = 0; !(ctrl & CTRL_IRQ); polls++) {
        if (polls == REG_WAIT_POLLS)
            return syn_cnn_fail(err, CNN_ERR_STATE, addr, "run: the CNN did not finish (no cnn_irq in quadrant %u after %lu polls)",
                            (unsigned)master, (unsigned long)REG_WAIT_POLLS);
        if (!syn_cnn_read(addr, &ctrl, err))
            return false;
    }
    if (!stop(img, chip, err))
        return false;
    if (outputs != NULL)
        for (size_t i = 0; i < img->n_outputs; i++)
            if (!syn_reg_layout_gather(&img->outputs[i], chip, get_word, &s, outputs[i]))
                return false;
    return true;
}

bool syn_reg_program_profile(const reg_image *img, const void *const *inputs, uint64_t *cycles, cnn_error *err)
{
    uint64_t before = 1;
    for (uint16_t k = 0; k < img->layers; k++) {
        uint64_t total;
        if (!syn_reg_program_run(img, k, inputs, NULL, err) || !syn_cnn_cycles(&total, err))
            return false;
        if (total < before)
            return syn_cnn_fail(err, CNN_ERR_STATE, 0, "profile: %lu cycles through layer %u, fewer than %lu through layer %u",
                            (unsigned long)total, k, (unsigned long)before, (unsigned)(k - 1u));
        cycles[k] = total - before;
        before = total;
    }
    return true;
}
