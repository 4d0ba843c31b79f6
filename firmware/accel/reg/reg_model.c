/* The register model's bus side: what each store and load does, and the start; see
 * reg_model.h. The driver has checked every address against the chip's whitelist. */
#include "reg_model.h"

#include <string.h>

#include "reg_internal.h"
#include "text.h"

reg_state syn_reg_the;

static reg_layer decoded[SYN_REG_MAX_LAYERS];

bool syn_reg_model_reset(const syn_chip *chip, cnn_error *err)
{
    if (chip == NULL || syn_cnn_instance_words(chip) == 0)
        return syn_cnn_fail(err, CNN_ERR_NOT_OPEN, 0, "register model: no memory map for chip %s",
                        chip ? chip->name : "(none)");
    /* A build sized for a MAX78000 only (reg_internal.h) cannot hold a larger chip's memories. */
    if (syn_cnn_instance_words(chip) > SYN_REG_MAX_INSTANCE_WORDS || syn_cnn_kernel_words(chip, 0) > SYN_REG_MAX_KERNEL_WORDS
        || chip->bias_per_quadrant > SYN_REG_MAX_BIAS || chip->max_layers > SYN_REG_MAX_LAYERS)
        return syn_cnn_fail(err, CNN_ERR_NOT_OPEN, 0, "register model: this build holds no %s's memories", chip->name);
    /* Only the chip's part of the memories is cleared, so that an emulated MAX78000 does not touch
     * (and keep resident) the pages only a MAX78002 would use. */
    syn_reg_the.aon = 0;
    memset(syn_reg_the.control, 0, sizeof syn_reg_the.control);
    memset(syn_reg_the.layer, 0, sizeof syn_reg_the.layer);
    memset(syn_reg_the.bias, 0, sizeof syn_reg_the.bias);
    for (unsigned p = 0; p < REG_PROCESSORS; p++)
        memset(syn_reg_the.kernel[p], 0, (size_t)syn_cnn_kernel_words(chip, p) * REG_KERNEL_WORD_BYTES);
    for (unsigned i = 0; i < REG_INSTANCES; i++)
        memset(syn_reg_the.data[i], 0, (size_t)syn_cnn_instance_words(chip) * 4u);
    memset(syn_reg_the.stream, 0, sizeof syn_reg_the.stream);
    memset(syn_reg_the.direct, 0, sizeof syn_reg_the.direct);
    syn_reg_the.ran = false;
    syn_reg_the.cycles = 0;
    syn_reg_the.layers_run = 0;
    syn_reg_the.chip = chip;
    syn_reg_the.instance_words = syn_cnn_instance_words(chip);
    return true;
}

static bool window(uint32_t addr, cnn_window *w, cnn_error *err)
{
    if (syn_reg_the.chip == NULL)
        return syn_cnn_fail(err, CNN_ERR_NOT_OPEN, addr, "register model: not reset to a chip");
    if (!syn_cnn_window_of(syn_reg_the.chip, addr, w))
        return syn_cnn_fail(err, CNN_ERR_ADDRESS, addr, "register model: 0x%08lx is in no window of %s",
                        (unsigned long)addr, syn_reg_the.chip->name);
    return true;
}

static bool running(unsigned q)
{
    return (syn_reg_the.control[q][0] & REG_CTRL_EN) != 0;
}

/* ---- start -------------------------------------------------------------------------------- */

/* CTRL bits the model implements; any other set bit in a running quadrant refuses the start. */
#define CTRL_KNOWN (REG_CTRL_EN | (3u << 1) | REG_CTRL_CLK_EN | (1u << 7) | (7u << 9) | REG_CTRL_MEXPRESS)

static const char *ctrl_bit_name(unsigned bit)
{
    switch (bit) {
    case 4: return "calcmax";
    case 5: return "pool_en";
    case 6: return "bigdata";
    case 8: return "oneshot";
    case 12: return "cnn_irq (forced interrupt)";
    case 13: return "poolrnd (rounding average pools)";
    case 14: return "stream_en";
    case 15: return "fifo_en";
    case 16: return "mlat_ld";
    case 17: case 18: return "mlatch_sel";
    case 19: return "lilbuf";
    case 21: return "simple1b";
    case 22: return "ffifo_en";
    case 23: return "fifogrp";
    case 30: return "timeshft";
    case 31: return "qupac";
    default: return bit >= 24 && bit <= 29 ? "fclk_dly" : "reserved";
    }
}

static bool start(unsigned master, uint32_t addr, cnn_error *err)
{
    const syn_chip *chip = syn_reg_the.chip;
    if (chip->max_layers > 32)
        return syn_cnn_fail(err, CNN_ERR_UNSUPPORTED, addr,
                        "start (quadrant %u CTRL): the register model executes MAX78000 programs only; %s's per-layer "
                        "registers (NXTLYR, MCNT1/2, OCHAN, counter differences) are not decoded",
                        master, chip->name);
    unsigned run = 1u << master;
    for (unsigned q = 0; q < REG_QUADRANTS; q++) {
        uint32_t c = syn_reg_the.control[q][0];
        if (q != master && (c & REG_CTRL_EN) && (c & REG_CTRL_EXT_SYNC) && ((c >> 9) & 3u) == master)
            run |= 1u << q;
    }
    for (unsigned q = 0; q < REG_QUADRANTS; q++) {
        if (!(run & (1u << q)))
            continue;
        uint32_t c = syn_reg_the.control[q][0];
        uint32_t unknown = c & ~CTRL_KNOWN;
        if (unknown != 0) {
            unsigned bit = 0;
            while (!(unknown & (1u << bit)))
                bit++;
            return syn_cnn_fail(err, CNN_ERR_UNSUPPORTED, syn_cnn_control_address(chip, q, 0),
                            "start: quadrant %u CTRL 0x%08lx sets bit %u (%s), which the register model does not implement",
                            q, (unsigned long)c, bit, ctrl_bit_name(bit));
        }
        if (!(c & REG_CTRL_CLK_EN))
            return syn_cnn_fail(err, CNN_ERR_PROGRAM, syn_cnn_control_address(chip, q, 0),
                            "start: quadrant %u CTRL 0x%08lx runs with its clock off (clk_en, bit 3)", q, (unsigned long)c);
        if (syn_reg_the.aon & (1u << (12u + q)))
            return syn_cnn_fail(err, CNN_ERR_PROGRAM, CNN_AON_ADDRESS,
                            "start: quadrant %u runs but the AON control word 0x%08lx powers it down", q,
                            (unsigned long)syn_reg_the.aon);
    }
    uint32_t lcnt = syn_reg_the.control[master][2];
    if (lcnt & ~0x1Fu)
        return syn_cnn_fail(err, CNN_ERR_UNSUPPORTED, syn_cnn_control_address(chip, master, 2),
                        "start: quadrant %u LCNT_MAX 0x%08lx sets bits above [4:0] (a start layer); MAX78000 starts at layer 0",
                        master, (unsigned long)lcnt);
    for (unsigned q = 0; q < REG_QUADRANTS; q++)
        if ((run & (1u << q)) && syn_reg_the.control[q][2] != lcnt)
            return syn_cnn_fail(err, CNN_ERR_PROGRAM, syn_cnn_control_address(chip, q, 2),
                            "start: LCNT_MAX is %lu in quadrant %u but %lu in the master quadrant %u",
                            (unsigned long)syn_reg_the.control[q][2], q, (unsigned long)lcnt, master);
    unsigned n = lcnt + 1u;
    for (unsigned y = 0; y < n; y++)
        if (!syn_reg_decode_layer(y, master, run, &decoded[y], err))
            return false;
    uint64_t total = 1;   /* the estimator's start-up cycle */
    for (unsigned y = 0; y < n; y++) {
        syn_reg_exec_layer(&decoded[y]);
        syn_reg_the.layer_cycles[y] = decoded[y].cycles;
        total += decoded[y].cycles;
    }
    syn_reg_the.layers_run = (uint16_t)n;
    syn_reg_the.cycles = total;
    syn_reg_the.ran = true;
    for (unsigned q = 0; q < REG_QUADRANTS; q++)
        if (run & (1u << q))
            syn_reg_the.control[q][0] |= REG_CTRL_IRQ;
    return true;
}

/* ---- stores ------------------------------------------------------------------------------- */

static bool store_control(const cnn_window *w, uint32_t addr, uint32_t value, cnn_error *err)
{
    unsigned q = w->quadrant;
    if (w->reg == 2 && running(q))
        return syn_cnn_fail(err, CNN_ERR_STATE, addr,
                        "LCNT_MAX of quadrant %u (0x%08lx) written while the CNN runs (CTRL.cnn_en = 1); stop it first",
                        q, (unsigned long)addr);
    if (w->reg != 0) {
        syn_reg_the.control[q][w->reg] = value;
        return true;
    }
    uint32_t before = syn_reg_the.control[q][0];
    bool starts = !(before & REG_CTRL_EN) && (value & REG_CTRL_EN) && !(value & REG_CTRL_EXT_SYNC);
    if (!starts) {
        syn_reg_the.control[q][0] = value;
        return true;
    }
    syn_reg_the.control[q][0] = value;
    if (!start(q, addr, err)) {
        syn_reg_the.control[q][0] = before;   /* refused: the master stays stopped */
        return false;
    }
    return true;
}

static bool store_kernel_word(const cnn_window *w, uint32_t addr, uint32_t value, cnn_error *err)
{
    unsigned p = w->processor;
    uint32_t words = syn_cnn_kernel_words(syn_reg_the.chip, p);
    if (syn_reg_the.control[p / 16u][0] & REG_CTRL_MEXPRESS) {
        reg_stream *s = &syn_reg_the.stream[p];
        if (!s->set)
            return syn_cnn_fail(err, CNN_ERR_STATE, addr,
                            "kernel memory of processor %u (0x%08lx): a packed write before its address was set "
                            "(byte 0x01 to the record address | 1)", p, (unsigned long)addr);
        for (int k = 3; k >= 0; k--) {
            if (s->column >= words)
                return syn_cnn_fail(err, CNN_ERR_STATE, addr,
                                "kernel memory of processor %u (0x%08lx): the packed stream runs past its %lu words", p,
                                (unsigned long)addr, (unsigned long)words);
            s->bytes[s->have++] = (uint8_t)(value >> (8 * k));
            if (s->have == REG_KERNEL_WORD_BYTES) {
                memcpy(syn_reg_the.kernel[p][s->column], s->bytes, REG_KERNEL_WORD_BYTES);
                s->column++;
                s->have = 0;
            }
        }
        return true;
    }
    /* Direct form: column * 16 + 4 * w; words 0..2 latch, word 3 writes. */
    reg_direct *d = &syn_reg_the.direct[p];
    uint32_t column = w->offset / 16u, word = w->offset % 16u / 4u;
    if (d->column != column)
        d->have = 0;
    d->column = column;
    if (word < 3) {
        d->words[word] = value;
        d->have |= (uint8_t)(1u << word);
        return true;
    }
    if (d->have != 7u)
        return syn_cnn_fail(err, CNN_ERR_STATE, addr,
                        "kernel memory of processor %u column %lu: written (word 3) before words 0..2 of the column",
                        p, (unsigned long)column);
    uint8_t *k = syn_reg_the.kernel[p][column];
    k[0] = (uint8_t)d->words[0];
    for (unsigned i = 0; i < 4; i++) {
        k[1 + i] = (uint8_t)(d->words[1] >> (24 - 8 * i));
        k[5 + i] = (uint8_t)(d->words[2] >> (24 - 8 * i));
    }
    d->have = 0;
    return true;
}

bool syn_reg_model_store32(uint32_t addr, uint32_t value, cnn_error *err)
{
    cnn_window w;
    if (!window(addr, &w, err))
        return false;
    switch (w.kind) {
    case CNN_WIN_AON:
        syn_reg_the.aon = value;
        return true;
    case CNN_WIN_CONTROL:
        return store_control(&w, addr, value, err);
    case CNN_WIN_LAYER:
        if (running(w.quadrant))
            return syn_cnn_fail(err, CNN_ERR_STATE, addr,
                            "%s of layer %u in quadrant %u (0x%08lx) written while the CNN runs (CTRL.cnn_en = 1)",
                            syn_cnn_layer_reg_name((cnn_layer_reg)w.reg), w.layer, w.quadrant, (unsigned long)addr);
        syn_reg_the.layer[w.quadrant][w.layer][w.reg] = value;
        return true;
    case CNN_WIN_BIAS:
        syn_reg_the.bias[w.quadrant][w.offset / 4u] = (uint8_t)value;   /* an 8-bit memory: the low byte */
        return true;
    case CNN_WIN_KERNEL:
        return store_kernel_word(&w, addr, value, err);
    case CNN_WIN_DATA: {
        uint8_t *b = &syn_reg_the.data[w.instance][w.offset];
        b[0] = (uint8_t)value;
        b[1] = (uint8_t)(value >> 8);
        b[2] = (uint8_t)(value >> 16);
        b[3] = (uint8_t)(value >> 24);
        return true;
    }
    default:
        return syn_cnn_fail(err, CNN_ERR_ADDRESS, addr, "register model: 0x%08lx is in no window", (unsigned long)addr);
    }
}

bool syn_reg_model_store8(uint32_t addr, uint8_t value, cnn_error *err)
{
    cnn_window w;
    if (!window(addr & ~3u, &w, err))
        return false;
    if (w.kind != CNN_WIN_KERNEL || (addr & 3u) != 1u || value != 0x01u)
        return syn_cnn_fail(err, CNN_ERR_ADDRESS, addr,
                        "byte store 0x%02x to 0x%08lx: the only byte store is 0x01 to a kernel record address | 1",
                        value, (unsigned long)addr);
    unsigned p = w.processor;
    uint32_t column = w.offset / 4u;
    if (column >= syn_cnn_kernel_words(syn_reg_the.chip, p))
        return syn_cnn_fail(err, CNN_ERR_ADDRESS, addr, "kernel seek 0x%08lx: column %lu is past processor %u's %lu words",
                        (unsigned long)addr, (unsigned long)column, p, (unsigned long)syn_cnn_kernel_words(syn_reg_the.chip, p));
    syn_reg_the.stream[p] = (reg_stream){ .set = true, .column = column };
    return true;
}

bool syn_reg_model_load32(uint32_t addr, uint32_t *value, cnn_error *err)
{
    cnn_window w;
    if (!window(addr, &w, err))
        return false;
    switch (w.kind) {
    case CNN_WIN_AON:
        *value = syn_reg_the.aon;
        return true;
    case CNN_WIN_CONTROL:
        *value = syn_reg_the.control[w.quadrant][w.reg];
        return true;
    case CNN_WIN_LAYER:
        *value = syn_reg_the.layer[w.quadrant][w.layer][w.reg];
        return true;
    case CNN_WIN_BIAS:
        *value = syn_reg_the.bias[w.quadrant][w.offset / 4u];
        return true;
    case CNN_WIN_KERNEL: {
        /* The readback form: word 0 = byte 0, word 1 = bytes 1..4, word 2 = bytes 5..8, word 3 = 0. */
        const uint8_t *k = syn_reg_the.kernel[w.processor][w.offset / 16u];
        unsigned word = w.offset % 16u / 4u;
        *value = word == 0 ? k[0]
               : word == 3 ? 0
                           : (uint32_t)k[1 + 4 * (word - 1)] << 24 | (uint32_t)k[2 + 4 * (word - 1)] << 16
                                 | (uint32_t)k[3 + 4 * (word - 1)] << 8 | k[4 + 4 * (word - 1)];
        return true;
    }
    case CNN_WIN_DATA: {
        const uint8_t *b = &syn_reg_the.data[w.instance][w.offset];
        *value = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        return true;
    }
    default:
        return syn_cnn_fail(err, CNN_ERR_ADDRESS, addr, "register model: 0x%08lx is in no window", (unsigned long)addr);
    }
}

bool syn_reg_model_cycles(uint64_t *cycles, cnn_error *err)
{
    if (!syn_reg_the.ran)
        return syn_cnn_fail(err, CNN_ERR_STATE, 0, "cycles: no run has completed since the reset");
    *cycles = syn_reg_the.cycles;
    return true;
}

size_t syn_reg_model_layer_cycles(uint64_t *cycles, size_t cap)
{
    if (!syn_reg_the.ran)
        return 0;
    size_t n = syn_reg_the.layers_run < cap ? syn_reg_the.layers_run : cap;
    memcpy(cycles, syn_reg_the.layer_cycles, n * sizeof *cycles);
    return syn_reg_the.layers_run;
}
