/* The CNN driver's whitelist on both chips, and every refusal of the driver, the register model
 * and the image runner: each names the address or register and the reason, and leaves the
 * accelerator as it was. A one-layer program written here by hand (a 1x1 convolution, encoded as
 * the tool encodes it) gives the model something to start; the golden images are in
 * test_regmodel.c. */
#include <string.h>

#include "cnn_driver.h"
#include "cycles.h"
#include "harness.h"
#include "reg/reg_model.h"
#include "reg/reg_program.h"

static const syn_chip *chip(const char *name)
{
    const syn_chip *c = syn_chip_find(name);
    CHECK(c != NULL);
    return c;
}

static bool open_chip(const char *name)
{
    cnn_error err;
    if (!syn_cnn_open(chip(name), &err)) {
        FAIL("cnn_open(%s): %s", name, err.msg);
        return false;
    }
    return true;
}

static uint32_t peek(uint32_t addr)
{
    uint32_t v = 0xDEADBEEFu;
    cnn_error err;
    if (!syn_cnn_read(addr, &v, &err))
        FAIL("read 0x%08x: %s", (unsigned)addr, err.msg);
    return v;
}

static bool mentions(const cnn_error *err, const char *text)
{
    if (strstr(err->msg, text) != NULL)
        return true;
    FAIL("the message \"%s\" does not mention \"%s\"", err->msg, text);
    return false;
}

/* ---- the whitelist ------------------------------------------------------------------------------ */

typedef struct {
    uint32_t addr;
    cnn_window_kind kind;
} probe;

/* Every `in` address lies in a window of its kind; no `out` address lies in any. */
static void check_whitelist(const syn_chip *c, const probe *in, size_t n_in, const uint32_t *out, size_t n_out)
{
    for (size_t i = 0; i < n_in; i++) {
        cnn_window w;
        if (!syn_cnn_window_of(c, in[i].addr, &w) || w.kind != in[i].kind)
            FAIL("%s 0x%08x: window kind %d, expected %d", c->name, (unsigned)in[i].addr, (int)w.kind, (int)in[i].kind);
    }
    for (size_t i = 0; i < n_out; i++) {
        cnn_window w;
        if (syn_cnn_window_of(c, out[i], &w))
            FAIL("0x%08x is whitelisted on %s (kind %d)", (unsigned)out[i], c->name, (int)w.kind);
    }
}

static void whitelist_max78000(void)
{
    const syn_chip *c = chip("max78000");
    static const probe in[] = {
        { 0x50001000u, CNN_WIN_AON },     { 0x50100000u, CNN_WIN_CONTROL }, { 0x50100008u, CNN_WIN_CONTROL },
        { 0x50D00004u, CNN_WIN_CONTROL }, { 0x50100010u, CNN_WIN_LAYER },   { 0x5010080Cu, CNN_WIN_LAYER },
        { 0x50100A10u, CNN_WIN_LAYER },   { 0x50100A8Cu, CNN_WIN_LAYER },   { 0x50108000u, CNN_WIN_BIAS },
        { 0x501087FCu, CNN_WIN_BIAS },    { 0x50180000u, CNN_WIN_KERNEL },  { 0x50182FFCu, CNN_WIN_KERNEL },
        { 0x501BC000u, CNN_WIN_KERNEL },  { 0x50D80000u, CNN_WIN_KERNEL },  { 0x50400000u, CNN_WIN_DATA },
        { 0x5041FFFCu, CNN_WIN_DATA },    { 0x50D1FFFCu + 0x300000u, CNN_WIN_DATA },
    };
    static const uint32_t out[] = {
        0x50000000u, 0x50001004u, 0x5010000Cu /* TEST */, 0x50100810u /* STRM0 */, 0x50100990u /* IFRM */,
        0x50100A90u, 0x50101000u /* MLAT */, 0x50108800u, 0x50110000u /* TRAM */, 0x50183000u /* hole */,
        0x501C0000u, 0x50420000u, 0x51020000u, 0x40000000u, 0x50E00000u, 0x4FFFFFFCu,
    };
    check_whitelist(c, in, sizeof in / sizeof in[0], out, sizeof out / sizeof out[0]);
    cnn_window w;
    CHECK(syn_cnn_window_of(c, 0x50500794u, &w) && w.reg == CNN_LR_POST && w.layer == 1 && w.quadrant == 1);
    CHECK(syn_cnn_window_of(c, 0x50D00A1Cu, &w) && w.reg == CNN_LR_LCTRL1 && w.layer == 3 && w.quadrant == 3);
    CHECK(syn_cnn_window_of(c, 0x50D80000u + 5u * 0x4000u + 0x20u, &w) && w.processor == 53 && w.offset == 0x20u);
    CHECK(syn_cnn_window_of(c, 0x51008004u, &w) && w.instance == 13 && w.offset == 4u);
    CHECK_EQ(syn_cnn_layer_address(c, 2, CNN_LR_MCNT, 7), 0x50900610u + 28u);
    CHECK_EQ(syn_cnn_data_address(c, 6, 0x10), 0x50810040u);
    CHECK_EQ(syn_cnn_kernel_base(c, 17), 0x50584000u);
    CHECK_EQ(syn_cnn_kernel_words(c, 16), 768u);
}

static void whitelist_max78002(void)
{
    const syn_chip *c = chip("max78002");
    static const probe in[] = {
        { 0x50001000u, CNN_WIN_AON },    { 0x51000000u, CNN_WIN_CONTROL }, { 0x54000008u, CNN_WIN_CONTROL },
        { 0x51100000u, CNN_WIN_LAYER },  { 0x5110004Cu, CNN_WIN_LAYER },   { 0x51107F4Cu, CNN_WIN_LAYER },
        { 0x51180000u, CNN_WIN_BIAS },   { 0x51181FFCu, CNN_WIN_BIAS },    { 0x51400000u, CNN_WIN_KERNEL },
        { 0x51413FFCu, CNN_WIN_KERNEL }, { 0x5142FFFCu, CNN_WIN_KERNEL },  { 0x51800000u, CNN_WIN_DATA },
        { 0x51813FFCu, CNN_WIN_DATA },   { 0x51820000u, CNN_WIN_DATA },    { 0x54860000u + 0x13FFCu, CNN_WIN_DATA },
    };
    static const uint32_t out[] = { 0x5110000Cu + 0x44u, 0x51100050u, 0x51108000u, 0x51182000u, 0x51414000u,
                                    0x51430000u, 0x51814000u, 0x5181FFFCu, 0x50100000u, 0x50400000u };
    check_whitelist(c, in, sizeof in / sizeof in[0], out, sizeof out / sizeof out[0]);
    cnn_window w;
    CHECK(syn_cnn_window_of(c, 0x51100104u, &w) && w.reg == CNN_LR_RCNT && w.layer == 1);
    CHECK(syn_cnn_window_of(c, 0x5110004Cu, &w) && w.reg == CNN_LR_POST && w.layer == 0);
    CHECK_EQ(syn_cnn_layer_address(c, 1, CNN_LR_MCNT2, 2), 0x52100200u + 15u * 4u);
    CHECK_EQ(syn_cnn_kernel_words(c, 32), 5120u);
    CHECK_EQ(syn_cnn_kernel_words(c, 33), 4096u);
}

/* ---- driver refusals ----------------------------------------------------------------------------- */

static void driver_refusals(void)
{
    if (!open_chip("max78000"))
        return;
    cnn_error err;
    CHECK(syn_cnn_write(0x50407FFCu, 0x11223344u, &err));

    CHECK(!syn_cnn_write(0x50110000u, 1u, &err));
    CHECK_EQ(err.status, CNN_ERR_ADDRESS);
    CHECK_EQ(err.addr, 0x50110000u);
    mentions(&err, "0x50110000");
    mentions(&err, "outside the CNN windows");

    CHECK(!syn_cnn_write(0x50400002u, 1u, &err));
    CHECK_EQ(err.status, CNN_ERR_ALIGN);
    mentions(&err, "0x50400002");
    CHECK_EQ(peek(0x50400000u), 0u);

    CHECK(!syn_cnn_read(0x50100001u, &(uint32_t){ 0 }, &err));
    CHECK_EQ(err.status, CNN_ERR_ALIGN);

    /* A block that runs off its instance writes nothing, not even its first word. */
    static const uint32_t two[2] = { 7u, 8u };
    CHECK(!syn_cnn_write_block(0x50407FFCu, two, 2, &err));
    CHECK_EQ(err.status, CNN_ERR_BLOCK);
    mentions(&err, "run off the window");
    CHECK_EQ(peek(0x50407FFCu), 0x11223344u);
    CHECK_EQ(peek(0x50408000u), 0u);
    /* ... also between two register arrays (RCNT's last layer into CCNT's first). */
    CHECK(!syn_cnn_write_block(0x5010008Cu, two, 2, &err));
    CHECK_EQ(err.status, CNN_ERR_BLOCK);
    CHECK_EQ(peek(0x5010008Cu), 0u);
    CHECK(!syn_cnn_write_block(0x50400000u, two, 0, &err));
    CHECK_EQ(err.status, CNN_ERR_BLOCK);
    CHECK(syn_cnn_write_block(0x50407FF8u, two, 2, &err));
    CHECK_EQ(peek(0x50407FFCu), 8u);

    /* The packed loader's seek only in kernel memory, and words only after a seek. */
    CHECK(!syn_cnn_kernel_seek(0x50400000u, &err));
    CHECK_EQ(err.status, CNN_ERR_ADDRESS);
    CHECK(syn_cnn_write(0x50100000u, 0x00100008u, &err));   /* CTRL: clk_en, mexpress */
    CHECK(!syn_cnn_write(0x50184000u, 0x01020304u, &err));
    CHECK_EQ(err.status, CNN_ERR_STATE);
    mentions(&err, "processor 1");

    /* No cycles before a run. */
    uint64_t cycles;
    CHECK(!syn_cnn_cycles(&cycles, &err));
    CHECK_EQ(err.status, CNN_ERR_STATE);
}

/* ---- a hand-written program --------------------------------------------------------------------- */

/* One layer, as the tool encodes it: a 1x1 convolution of a 4-channel 2x2 HWC input at word 0 of
 * instance 0 (processors 0-3) into 4 channels at offset 0x100 of the same instance, 8-bit weights
 * w[o][p] = 64 if o == p else -32 * (o + 1 == p), no bias, output shift 0. */
static const reg_write hand_init[] = {
    { 0x50001000u, 0 }, { 0x50100000u, 0x00100008u }, { 0x50100004u, 0x40Eu }, { 0x50100008u, 0 },
};
static const reg_write hand_configure[] = {
    { 0x50100010u, 1 },           /* RCNT: 2 rows */
    { 0x50100090u, 1 },           /* CCNT: 2 columns */
    { 0x50100110u, 0x100u },      /* ONED: 1x1 */
    { 0x50100310u, 0x40u },       /* WPTR_BASE: out_offset 0x100 / 4, instance 0 */
    { 0x50100390u, 1u },          /* WPTR_TOFF: 1 for 1x1 */
    { 0x50100410u, 0x2000u },     /* WPTR_MOFF */
    { 0x50100590u, 0x920u },      /* LCTRL0: sramlsrc, maxpl, master */
    { 0x50100A10u, 0x1800u },     /* LCTRL1: xpch_max = 3 x 8 */
    { 0x50100610u, 0x18u },       /* MCNT: slots 0..3 x 8 bits */
    { 0x50100710u, 0xF000Fu },    /* EN */
};
static const reg_write hand_start[] = { { 0x50100000u, 0x00100808u }, { 0x50100000u, 0x00100009u } };
/* Processor p's column 0 in the loader's order: bytes 8, 7, 6, 5 hold output slots 0..3. */
static uint32_t hand_kernel_words[4][3];
static reg_kernel_record hand_kernels[4];
static const reg_layout hand_in = { -1, { 4, 2, 2 }, 8, FMT_HWC, 0xFu, 0, 0 };
static const reg_layout hand_out = { 0, { 4, 2, 2 }, 8, FMT_HWC, 0xFu, 0x100u, 0 };
static const int8_t hand_input[16] = { 10, 20, -30, 40, 1, 2, 3, 4, -5, -6, -7, -8, 100, 127, -128, 0 };

static int8_t hand_weight(unsigned o, unsigned p)
{
    return (int8_t)(o == p ? 64 : o + 1u == p ? -32 : 0);
}

static reg_image hand_image(void)
{
    for (unsigned p = 0; p < 4; p++) {
        uint8_t col[12] = { 0 };
        for (unsigned o = 0; o < 4; o++)
            col[8 - o] = (uint8_t)hand_weight(o, p);
        for (unsigned w = 0; w < 3; w++)
            hand_kernel_words[p][w] = (uint32_t)col[4 * w] << 24 | (uint32_t)col[4 * w + 1] << 16
                                      | (uint32_t)col[4 * w + 2] << 8 | col[4 * w + 3];
        hand_kernels[p] = (reg_kernel_record){ 0x50180000u + p * 0x4000u, hand_kernel_words[p], 3 };
    }
    return (reg_image){ .chip = syn_chip_find("max78000"), .init = hand_init, .n_init = 4, .configure = hand_configure,
                        .n_configure = sizeof hand_configure / sizeof hand_configure[0], .start = hand_start, .n_start = 2,
                        .kernels = hand_kernels, .n_kernels = 4, .inputs = &hand_in, .n_inputs = 1,
                        .outputs = &hand_out, .n_outputs = 1, .layers = 1 };
}

static void hand_expected(int8_t *out)
{
    for (unsigned o = 0; o < 4; o++) {
        for (unsigned x = 0; x < 4; x++) {
            int64_t acc = 0;
            for (unsigned p = 0; p < 4; p++)
                acc += hand_weight(o, p) * hand_input[p * 4 + x];
            int64_t y = (acc + 64) >> 7;   /* floor(0.5 + acc / 128): shift 0, 8-bit weights */
            out[o * 4 + x] = (int8_t)(y < -128 ? -128 : y > 127 ? 127 : y);
        }
    }
}

static bool hand_loaded(reg_image *img)
{
    *img = hand_image();
    cnn_error err;
    if (!open_chip("max78000"))
        return false;
    if (!syn_reg_program_load(img, &err)) {
        FAIL("load: %s", err.msg);
        return false;
    }
    return true;
}

static void hand_program_runs(void)
{
    reg_image img;
    if (!hand_loaded(&img))
        return;
    int8_t out[16], want[16];
    const void *in[1] = { hand_input };
    void *outs[1] = { out };
    cnn_error err;
    if (!syn_reg_program_run(&img, 0, in, outs, &err)) {
        FAIL("run: %s", err.msg);
        return;
    }
    hand_expected(want);
    CHECK_MEM((const uint8_t *)out, 16, (const uint8_t *)want, 16);
    /* Words as the layer writes them: pixel 1 of output at word 0x41, channel c in lane c. */
    uint32_t w = peek(0x50400104u);
    CHECK_EQ(w, (uint32_t)(uint8_t)want[1] | (uint32_t)(uint8_t)want[5] << 8 | (uint32_t)(uint8_t)want[9] << 16
                    | (uint32_t)(uint8_t)want[13] << 24);
    /* Done and stopped: the runner cleared cnn_irq and cnn_en as the tool's handler does. */
    CHECK_EQ(peek(0x50100000u), 0x00100008u);
    uint64_t cycles[1];
    CHECK(syn_reg_program_profile(&img, in, cycles, &err));
    /* The cycle model for a 2x2 1x1 convolution of 4 channels into 4: (2 + 2) x 2 x ... */
    accel_cycle_inputs ci = { .m = 1, .e = 1, .ph = 1, .pw = 1, .hp = 2, .wp = 2, .kr = 1, .kc = 1, .wo = 2, .co = 4,
                              .pool_first = true };
    CHECK_EQ(cycles[0], syn_accel_cycles_from(&ci));
}

/* The same layer with 4-bit weights, as the tool encodes it: MCNT counts 4-bit slots (end 3 x 4),
 * xpch_max = 3 x 4, POST mask_size 3 and the whole output shift (+3: the tool folds 8 - bits into
 * it); two output channels share each byte, the first in the low nibble. */
static int8_t narrow_weight(unsigned o, unsigned p)
{
    return (int8_t)(o == p ? 5 : o + 1u == p ? -3 : o == 3u && p == 0u ? -8 : 0);
}

static void narrow_weights_run(void)
{
    reg_image img = hand_image();
    static reg_write conf[11];
    memcpy(conf, hand_configure, sizeof hand_configure);
    conf[7].value = 0xC00u;                                      /* LCTRL1: xpch_max 3 x 4 */
    conf[8].value = 0xCu;                                        /* MCNT: slots 0..3 of 4 bits */
    conf[10] = (reg_write){ 0x50100790u, 3u << 22 | 3u << 13 };  /* POST: 4-bit, shift +3 */
    img.configure = conf;
    img.n_configure = 11;
    static uint32_t words[4][3];
    static reg_kernel_record kernels[4];
    for (unsigned p = 0; p < 4; p++) {
        uint8_t col[12] = { 0 };
        for (unsigned o = 0; o < 4; o++)
            col[8 - o / 2] |= (uint8_t)(((unsigned)narrow_weight(o, p) & 0xFu) << (4 * (o % 2)));
        for (unsigned w = 0; w < 3; w++)
            words[p][w] = (uint32_t)col[4 * w] << 24 | (uint32_t)col[4 * w + 1] << 16 | (uint32_t)col[4 * w + 2] << 8
                          | col[4 * w + 3];
        kernels[p] = (reg_kernel_record){ 0x50180000u + p * 0x4000u, words[p], 3 };
    }
    img.kernels = kernels;
    cnn_error err;
    if (!open_chip("max78000") || !syn_reg_program_load(&img, &err)) {
        FAIL("load: %s", err.msg);
        return;
    }
    int8_t out[16], want[16];
    const void *in[1] = { hand_input };
    void *outs[1] = { out };
    if (!syn_reg_program_run(&img, 0, in, outs, &err)) {
        FAIL("run: %s", err.msg);
        return;
    }
    for (unsigned o = 0; o < 4; o++) {
        for (unsigned x = 0; x < 4; x++) {
            int64_t acc = 0;
            for (unsigned p = 0; p < 4; p++)
                acc += narrow_weight(o, p) * hand_input[p * 4 + x];
            int64_t y = (acc + 8) >> 4;   /* floor(0.5 + acc x 2^3 / 128) */
            want[o * 4 + x] = (int8_t)(y < -128 ? -128 : y > 127 ? 127 : y);
        }
    }
    CHECK_MEM((const uint8_t *)out, 16, (const uint8_t *)want, 16);
}

/* Starts the hand program without the runner's stop, so that the CNN counts as running. */
static bool started(reg_image *img)
{
    if (!hand_loaded(img))
        return false;
    cnn_error err;
    const void *in[1] = { hand_input };
    if (!syn_reg_program_run(img, 0, in, NULL, &err)) {
        FAIL("run: %s", err.msg);
        return false;
    }
    for (size_t i = 0; i < img->n_start; i++)
        if (!syn_cnn_write(img->start[i].addr, img->start[i].value, &err)) {
            FAIL("start: %s", err.msg);
            return false;
        }
    return true;
}

static void state_refusals(void)
{
    reg_image img;
    if (!started(&img))
        return;
    cnn_error err;
    CHECK_EQ(peek(0x50100000u) & 0x1001u, 0x1001u);   /* done, still enabled */
    CHECK(!syn_cnn_write(0x50100008u, 3u, &err));
    CHECK_EQ(err.status, CNN_ERR_STATE);
    mentions(&err, "LCNT_MAX");
    mentions(&err, "while the CNN runs");
    CHECK_EQ(peek(0x50100008u), 0u);
    CHECK(!syn_cnn_write(0x50100010u, 5u, &err));
    CHECK_EQ(err.status, CNN_ERR_STATE);
    mentions(&err, "RCNT of layer 0");
    CHECK_EQ(peek(0x50100010u), 1u);
    /* The handler's stop, then both are accepted. */
    CHECK(syn_cnn_write(0x50100000u, 0x00100008u, &err));
    CHECK(syn_cnn_write(0x50100008u, 0u, &err));
    CHECK(syn_cnn_write(0x50100010u, 1u, &err));
}

/* A start that cannot run leaves the master stopped, computes nothing and says why. */
static void start_refused(uint32_t ctrl, cnn_layer_reg reg, unsigned quadrant, uint32_t value, cnn_status status,
                          const char *text)
{
    reg_image img;
    if (!hand_loaded(&img))
        return;
    cnn_error err;
    for (size_t i = 0; i < img.n_configure; i++)
        CHECK(syn_cnn_write(img.configure[i].addr, img.configure[i].value, &err));
    if (reg != CNN_LR_COUNT)
        CHECK(syn_cnn_write(syn_cnn_layer_address(img.chip, quadrant, reg, 0), value, &err));
    CHECK(syn_cnn_write(0x50400000u, 0x01010101u, &err));   /* an input pixel */
    CHECK(syn_cnn_write(0x50400100u, 0x55555555u, &err));   /* where the output would go */
    CHECK(!syn_cnn_write(0x50100000u, ctrl, &err));
    CHECK_EQ(err.status, status);
    mentions(&err, text);
    CHECK_EQ(peek(0x50100000u), 0x00100008u);
    CHECK_EQ(peek(0x50400100u), 0x55555555u);
    uint64_t cycles;
    CHECK(!syn_cnn_cycles(&cycles, &err));
}

static void start_refusals(void)
{
    start_refused(0x00104009u, CNN_LR_COUNT, 0, 0, CNN_ERR_UNSUPPORTED, "stream_en");
    start_refused(0x00100109u, CNN_LR_COUNT, 0, 0, CNN_ERR_UNSUPPORTED, "oneshot");
    start_refused(0x00108009u, CNN_LR_COUNT, 0, 0, CNN_ERR_UNSUPPORTED, "fifo_en");
    start_refused(0x00102009u, CNN_LR_COUNT, 0, 0, CNN_ERR_UNSUPPORTED, "poolrnd");
    start_refused(0x00100001u, CNN_LR_COUNT, 0, 0, CNN_ERR_PROGRAM, "clock off");
    /* Registers that contradict each other or the memories. */
    start_refused(0x00100009u, CNN_LR_EN, 1, 0x10001u, CNN_ERR_PROGRAM, "quadrant that is not running");
    start_refused(0x00100009u, CNN_LR_MCNT, 0, 0xD800u << 16 | 0xD818u, CNN_ERR_PROGRAM, "kernel column");
    start_refused(0x00100009u, CNN_LR_POST, 0, 1u << 30, CNN_ERR_UNSUPPORTED, "POST");
    start_refused(0x00100009u, CNN_LR_LCTRL0, 0, 0x120u, CNN_ERR_UNSUPPORTED, "sramlsrc");
    start_refused(0x00100009u, CNN_LR_WPTR_TOFF, 0, 0u, CNN_ERR_UNSUPPORTED, "timeslot offset");
    start_refused(0x00100009u, CNN_LR_RPTR_BASE, 0, 0x1FFFu, CNN_ERR_PROGRAM, "reads up to word");
    start_refused(0x00100009u, CNN_LR_ONED, 0, 0x500u, CNN_ERR_UNSUPPORTED, "1x1 or 3x3");
}

/* Two quadrants with processors must describe one layer. */
static void quadrants_disagree(void)
{
    reg_image img;
    if (!hand_loaded(&img))
        return;
    cnn_error err;
    for (size_t i = 0; i < img.n_configure; i++) {
        CHECK(syn_cnn_write(img.configure[i].addr, img.configure[i].value, &err));
        /* the same layer in quadrant 1 too (processors 16..19) */
        CHECK(syn_cnn_write(img.configure[i].addr + 0x400000u, img.configure[i].value, &err));
    }
    CHECK(syn_cnn_write(0x50500010u, 3u, &err));                /* RCNT differs */
    CHECK(syn_cnn_write(0x50500000u, 0x00100809u, &err));       /* quadrant 1 follows quadrant 0 */
    CHECK(!syn_cnn_write(0x50100000u, 0x00100009u, &err));
    CHECK_EQ(err.status, CNN_ERR_PROGRAM);
    mentions(&err, "RCNT");
    mentions(&err, "quadrant 1");
}

static void max78002_start_refused(void)
{
    if (!open_chip("max78002"))
        return;
    cnn_error err;
    CHECK(syn_cnn_write(0x51000000u, 0x00100008u, &err));
    CHECK(!syn_cnn_write(0x51000000u, 0x00100009u, &err));
    CHECK_EQ(err.status, CNN_ERR_UNSUPPORTED);
    mentions(&err, "MAX78000 programs only");
    CHECK_EQ(peek(0x51000000u), 0x00100008u);
}

/* ---- kernel loading -------------------------------------------------------------------------------- */

/* Column c of a record, from its packed words: stream bytes 9 (c - first) .. + 8, big-endian. */
static uint8_t record_byte(const reg_kernel_record *r, uint32_t n)
{
    return (uint8_t)(r->words[n / 4u] >> (24u - 8u * (n % 4u)));
}

static void kernel_readback_matches(const reg_kernel_record *r)
{
    uint32_t columns = r->n * 4u / 9u, first = (r->addr & 0x3FFFu) / 4u, base = r->addr & ~0x3FFFu;
    for (uint32_t c = 0; c < columns; c++) {
        uint32_t at = base + (first + c) * 16u, n = 9u * c;
        uint32_t w0 = peek(at), w1 = peek(at + 4u), w2 = peek(at + 8u), w3 = peek(at + 12u);
        uint32_t e1 = 0, e2 = 0;
        for (unsigned i = 0; i < 4; i++) {
            e1 = e1 << 8 | record_byte(r, n + 1u + i);
            e2 = e2 << 8 | record_byte(r, n + 5u + i);
        }
        if (w0 != record_byte(r, n) || w1 != e1 || w2 != e2 || w3 != 0) {
            FAIL("kernel 0x%08x column %u reads %08x %08x %08x %08x", (unsigned)r->addr, (unsigned)(first + c),
                 (unsigned)w0, (unsigned)w1, (unsigned)w2, (unsigned)w3);
            return;
        }
    }
}

static uint32_t long_record[200];

static void kernels_in_pieces(void)
{
    if (!open_chip("max78000"))
        return;
    cnn_error err;
    CHECK(syn_cnn_write(0x50100000u, 0x00100008u, &err));
    for (uint32_t i = 0; i < 200; i++)
        long_record[i] = i * 0x01030507u ^ 0xA5C3E1F0u;
    reg_kernel_record r = { 0x50184000u + 12u * 4u, long_record, 200 };   /* processor 1, column 12 */
    reg_kernel_upload u;
    CHECK(syn_reg_kernel_begin(&u, r.addr, r.n, &err));
    uint32_t at = 0;
    for (uint32_t piece = 1; at < r.n; piece = piece % 7u + 1u) {
        uint32_t n = r.n - at < piece ? r.n - at : piece;
        CHECK(syn_reg_kernel_feed(&u, r.words + at, n, &err));
        at += n;
    }
    CHECK(syn_reg_kernel_end(&u, &err));
    kernel_readback_matches(&r);
    /* The 9-byte word in progress at the end (200 x 4 = 88 x 9 + 8) is never written. */
    CHECK_EQ(peek(0x50184000u + (12u + 88u) * 16u + 4u), 0u);

    /* Announced 5, fed 4: truncated. Fed 6: refused before writing. */
    CHECK(syn_reg_kernel_begin(&u, 0x50188000u, 5, &err));
    CHECK(syn_reg_kernel_feed(&u, long_record, 4, &err));
    CHECK(!syn_reg_kernel_end(&u, &err));
    CHECK_EQ(err.status, CNN_ERR_BLOCK);
    mentions(&err, "truncated, 4 of 5");
    CHECK(!syn_reg_kernel_feed(&u, long_record, 2, &err));
    CHECK_EQ(err.status, CNN_ERR_BLOCK);

    /* The direct form (CTRL.mexpress = 0): words 0..2 latch, word 3 writes. */
    CHECK(syn_cnn_write(0x50100000u, 0x00000008u, &err));
    uint32_t col = 0x50180000u + 3u * 0x4000u + 5u * 16u;
    CHECK(syn_cnn_write(col, 0x000000AAu, &err));
    CHECK(syn_cnn_write(col + 4u, 0x01020304u, &err));
    CHECK(syn_cnn_write(col + 8u, 0x05060708u, &err));
    CHECK_EQ(peek(col + 4u), 0u);
    CHECK(syn_cnn_write(col + 12u, 0u, &err));
    CHECK_EQ(peek(col), 0xAAu);
    CHECK_EQ(peek(col + 4u), 0x01020304u);
    CHECK_EQ(peek(col + 8u), 0x05060708u);
}

/* ---- image checks ------------------------------------------------------------------------------- */

static void image_refused(reg_image *img, cnn_status status, const char *text)
{
    if (!open_chip("max78000"))
        return;
    cnn_error err;
    CHECK(syn_cnn_write(0x50100008u, 9u, &err));   /* something loaded before */
    CHECK(!syn_reg_program_load(img, &err));
    CHECK_EQ(err.status, status);
    mentions(&err, text);
    CHECK_EQ(peek(0x50100008u), 9u);
    CHECK_EQ(peek(0x50100000u), 0u);
    CHECK_EQ(peek(0x50180000u + 4u), 0u);
}

static void bad_images(void)
{
    reg_image img = hand_image();
    img.chip = syn_chip_find("max78002");
    image_refused(&img, CNN_ERR_PROGRAM, "made for max78002");

    img = hand_image();
    reg_kernel_record overlap[5];
    memcpy(overlap, hand_kernels, sizeof hand_kernels);
    overlap[4] = (reg_kernel_record){ 0x50180000u, hand_kernel_words[1], 3 };
    img.kernels = overlap;
    img.n_kernels = 5;
    image_refused(&img, CNN_ERR_PROGRAM, "overlap kernels[0]");

    img = hand_image();
    reg_write bad_conf[11];
    memcpy(bad_conf, hand_configure, sizeof hand_configure);
    bad_conf[10] = (reg_write){ 0x50110000u, 1 };
    img.configure = bad_conf;
    img.n_configure = 11;
    image_refused(&img, CNN_ERR_ADDRESS, "configure[10]");

    img = hand_image();
    bad_conf[10] = (reg_write){ 0x50400000u, 1 };   /* data memory is not configuration */
    img.configure = bad_conf;
    img.n_configure = 11;
    image_refused(&img, CNN_ERR_ADDRESS, "not a register");

    img = hand_image();
    reg_write no_express[4];
    memcpy(no_express, hand_init, sizeof hand_init);
    no_express[1].value = 0x8u;
    img.init = no_express;
    image_refused(&img, CNN_ERR_PROGRAM, "mexpress");

    img = hand_image();
    reg_kernel_record past[4];
    memcpy(past, hand_kernels, sizeof hand_kernels);
    past[2].addr = 0x50180000u + 2u * 0x4000u + 767u * 4u;   /* column 767: the 3 words hold one column... */
    static uint32_t many[10];
    past[3] = (reg_kernel_record){ 0x50180000u + 3u * 0x4000u + 766u * 4u, many, 10 };   /* ...10 words 4 */
    img.kernels = past;
    image_refused(&img, CNN_ERR_BLOCK, "run past processor 3");

    img = hand_image();
    static const uint8_t bias_bytes[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    reg_bias_record bias[2] = { { 0x50108000u, bias_bytes, 8 }, { 0x50108010u, bias_bytes, 2 } };
    img.bias = bias;
    img.n_bias = 2;
    image_refused(&img, CNN_ERR_PROGRAM, "bias[1]: overlaps bias[0]");

    img = hand_image();
    bias[0] = (reg_bias_record){ 0x501087F8u, bias_bytes, 3 };
    img.bias = bias;
    img.n_bias = 1;
    image_refused(&img, CNN_ERR_BLOCK, "bias[0]");

    img = hand_image();
    img.n_start = 1;   /* no master start */
    image_refused(&img, CNN_ERR_PROGRAM, "master");

    img = hand_image();
    reg_layout bad_in = hand_in;
    bad_in.processors = 0x7u;
    img.inputs = &bad_in;
    image_refused(&img, CNN_ERR_PROGRAM, "inputs[0].processors");
}

void suite_cnn_driver(void)
{
    th_run("cnn driver: MAX78000 whitelist: registers, memories, and the holes between", whitelist_max78000);
    th_run("cnn driver: MAX78002 whitelist (its own map)", whitelist_max78002);
    th_run("cnn driver: outside, unaligned and overrunning accesses are refused and write nothing", driver_refusals);
    th_run("reg model: a hand-written 1x1 layer runs, is stopped, and profiles", hand_program_runs);
    th_run("reg model: 4-bit weights, two per byte, with the whole shift in POST", narrow_weights_run);
    th_run("reg model: LCNT_MAX and layer registers are refused while the CNN runs", state_refusals);
    th_run("reg model: starts it cannot run exactly are refused, named, with nothing computed", start_refusals);
    th_run("reg model: quadrants that disagree on a layer are refused", quadrants_disagree);
    th_run("reg model: a start on MAX78002 is refused as not implemented", max78002_start_refused);
    th_run("reg model: kernel records in pieces, truncated, and the direct form", kernels_in_pieces);
    th_run("reg program: bad images are refused before anything is written", bad_images);
}
