/* Tensor layouts in CNN data memory (reg_layout.h): words worked out by hand from the tool's
 * rules (izer load.py for the network input, unload.py for what a layer writes), round trips
 * through the driver and the register model, and refusals. The golden images check the same
 * rules against Analog Devices' own programs (test_regmodel.c). */
#include <string.h>

#include "cnn_driver.h"
#include "harness.h"
#include "reg/reg_layout.h"

typedef struct {
    uint32_t addr, value;
    uint8_t lanes;
} word;

static word words[4096];
static size_t n_words;

static bool note(void *user, uint32_t addr, uint32_t value, uint8_t lanes)
{
    (void)user;
    if (n_words < sizeof words / sizeof words[0])
        words[n_words++] = (word){ addr, value, lanes };
    return true;
}

static const word *find(uint32_t addr)
{
    for (size_t i = 0; i < n_words; i++)
        if (words[i].addr == addr)
            return &words[i];
    return NULL;
}

static void expect_word(uint32_t addr, uint32_t value, uint8_t lanes)
{
    const word *w = find(addr);
    if (w == NULL)
        FAIL("no word at 0x%08x", (unsigned)addr);
    else if (w->value != value || w->lanes != lanes)
        FAIL("0x%08x: 0x%08x lanes %x, expected 0x%08x lanes %x", (unsigned)addr, (unsigned)w->value, w->lanes,
             (unsigned)value, lanes);
}

static const syn_chip *max78000(void)
{
    return syn_chip_find("max78000");
}

static bool place(const reg_layout *t, const void *chw)
{
    char why[SYN_LAYOUT_ERR_MAX];
    if (!syn_reg_layout_check(t, max78000(), why, sizeof why)) {
        FAIL("check: %s", why);
        return false;
    }
    n_words = 0;
    return syn_reg_layout_place(t, max78000(), chw, note, NULL);
}

/* Places t and expects count words, among them the n words of want. */
static void check_words(const reg_layout *t, const void *chw, size_t count, const word *want, size_t n)
{
    if (!place(t, chw))
        return;
    CHECK_EQ(n_words, count);
    for (size_t i = 0; i < n; i++)
        expect_word(want[i].addr, want[i].value, want[i].lanes);
}

/* 5 channels of a 2x1 input on processors 0..4 from byte 0x100: instance 0 holds channels 0..3
 * in lanes 0..3, instance 1 channel 4 in lane 0; the loader writes whole words. */
static void hwc_input_words(void)
{
    const reg_layout t = { -1, { 5, 2, 1 }, 8, FMT_HWC, 0x1Fu, 0x100u, 0 };
    const int8_t chw[10] = { 1, 2, 3, 4, 5, 6, 7, 8, -1, -2 };   /* c0: 1 2, c1: 3 4, ... c4: -1 -2 */
    static const word want[] = { { 0x50400100u, 0x07050301u, 0xFu }, { 0x50400104u, 0x08060402u, 0xFu },
                                 { 0x50408100u, 0x000000FFu, 0xFu }, { 0x50408104u, 0x000000FEu, 0xFu } };
    check_words(&t, chw, 4u, want, 4);
}

/* 100 channels: 2 passes of 52 processors (0..51). Channel 60 is pass 1 on processor 8:
 * instance 2, lane 0, word offset/4 + x * 2 + 1. */
static void multipass_words(void)
{
    static int8_t chw[100 * 3];
    for (unsigned c = 0; c < 100; c++)
        for (unsigned x = 0; x < 3; x++)
            chw[c * 3 + x] = (int8_t)(c + x);
    const reg_layout t = { 4, { 100, 1, 3 }, 8, FMT_HWC, 0x000FFFFFFFFFFFFFull, 0x2000u, 0 };
    if (!place(&t, chw))
        return;
    /* Instance 2, pixel 2, pass 1: word 0x800 + 5, channels 60..63 (a layer's output: its lanes only). */
    expect_word(0x50410000u + 4u * 0x805u, (uint32_t)62 | 63u << 8 | 64u << 16 | 65u << 24, 0xFu);
    /* Instance 12 (processors 48..51), pass 1: channels 100..103 do not exist, so no word. */
    CHECK(find(0x51000000u + 4u * 0x801u) == NULL);
    expect_word(0x51000000u + 4u * 0x800u, 48u | 49u << 8 | 50u << 16 | 51u << 24, 0xFu);
    CHECK_EQ(n_words, 13u * 3u * 2u - 3u);
}

/* 10 32-bit accumulators on processors 0..9 at 0x1000, one word each (mnist's output). */
static void wide_words(void)
{
    int32_t chw[10];
    for (int c = 0; c < 10; c++)
        chw[c] = -1000 * c - 7;
    const reg_layout t = { 4, { 10, 1, 1 }, 32, FMT_HWC, 0x3FFu, 0x1000u, 0 };
    static const word want[] = { { 0x50401000u, (uint32_t)-7, 0xFu }, { 0x5040900Cu, (uint32_t)-7007, 0xFu },
                                 { 0x50411004u, (uint32_t)-9007, 0xFu } };
    check_words(&t, chw, 10u, want, 3);
}

/* A producer with write_gap 1 writes every other word, and only its own lanes (processors 4..6). */
static void gap_words(void)
{
    const int8_t chw[6] = { 1, 2, 3, 4, 5, 6 };
    const reg_layout t = { 2, { 3, 1, 2 }, 8, FMT_HWC, 0x70u, 0x2004u, 1 };
    static const word want[] = { { 0x50408000u + 0x2004u, 0x00050301u, 0x7u },
                                 { 0x50408000u + 0x200Cu, 0x00060402u, 0x7u } };
    check_words(&t, chw, 2u, want, 2);
}

/* CHW: one channel per instance, 4 pixels per word, the last word zero-padded. */
static void chw_words(void)
{
    int8_t chw[2 * 9];
    for (int i = 0; i < 18; i++)
        chw[i] = (int8_t)(i + 1);
    const reg_layout t = { -1, { 2, 3, 3 }, 8, FMT_CHW, 0x11u, 0x40u, 0 };
    static const word want[] = { { 0x50400040u, 0x04030201u, 0xFu }, { 0x50400048u, 0x00000009u, 0xFu },
                                 { 0x50408044u, 0x11100F0Eu, 0xFu } };
    check_words(&t, chw, 6u, want, 3);
}

/* Read-modify-write of the lanes a word carries, as the image runner places tensors. */
static bool note_driver_write(void *user, uint32_t addr, uint32_t value, uint8_t lanes)
{
    cnn_error *err = user;
    uint32_t old = 0, keep = 0;
    for (unsigned i = 0; i < 4; i++)
        if (!(lanes >> i & 1u))
            keep |= 0xFFu << (8u * i);
    if (keep != 0 && !syn_cnn_read(addr, &old, err))
        return false;
    return syn_cnn_write(addr, (value & ~keep) | (old & keep), err);
}

static bool driver_read(void *user, uint32_t addr, uint32_t *value)
{
    return syn_cnn_read(addr, value, user);
}

/* Placing through the driver and gathering back gives the tensor again, for every form. */
static void round_trips(void)
{
    cnn_error err;
    if (!syn_cnn_open(max78000(), &err)) {
        FAIL("open: %s", err.msg);
        return;
    }
    static const reg_layout forms[] = {
        { -1, { 3, 32, 32 }, 8, FMT_HWC, 0x7000000000000000ull, 0, 0 },
        { -1, { 1, 28, 28 }, 8, FMT_CHW, 0x1u, 0, 0 },
        { -1, { 128, 128, 1 }, 8, FMT_HWC, ~0ull, 0, 0 },
        { 5, { 20, 16, 16 }, 8, FMT_HWC, 0x000000FFFFF00000ull, 0x2004u, 1 },
        { 6, { 512, 2, 2 }, 8, FMT_HWC, ~0ull, 0x2000u, 0 },
        { 7, { 100, 1, 1 }, 32, FMT_HWC, 0x000FFFFFFFFFFFFFull, 0x0u, 0 },
    };
    static uint8_t in[1u << 15], out[1u << 15];
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        const reg_layout *t = &forms[f];
        uint32_t n = syn_reg_layout_bytes(t);
        for (uint32_t i = 0; i < n; i++)
            in[i] = (uint8_t)(i * 37u + f * 11u + 1u);
        memset(out, 0, n);
        char why[SYN_LAYOUT_ERR_MAX];
        if (!syn_reg_layout_check(t, max78000(), why, sizeof why)) {
            FAIL("form %u: %s", (unsigned)f, why);
            continue;
        }
        CHECK(syn_reg_layout_place(t, max78000(), in, note_driver_write, &err));
        CHECK(syn_reg_layout_gather(t, max78000(), driver_read, &err, out));
        if (memcmp(in, out, n) != 0)
            FAIL("form %u: the gathered tensor differs from the placed one", (unsigned)f);
    }
}

static void refusals(void)
{
    /* Each layout breaks one rule; the refusal names it. */
    static const struct {
        reg_layout t;
        const char *words;
    } cases[] = {
        { { -1, { 5, 2, 1 }, 8, FMT_HWC, 0xFu, 0, 0 }, "processors" },
        { { -1, { 100, 2, 2 }, 8, FMT_CHW, 0x000FFFFFFFFFFFFFull, 0, 0 }, "format" },
        { { -1, { 2, 2, 2 }, 8, FMT_CHW, 0x3u, 0, 0 }, "one processor per instance" },
        { { 3, { 4, 91, 91 }, 8, FMT_HWC, 0xFu, 0, 0 }, "8192-word instance" },
        { { -1, { 4, 2, 2 }, 32, FMT_HWC, 0xFu, 0, 0 }, "network input" },
        { { 3, { 4, 2, 2 }, 8, FMT_HWC, 0xFu, 2, 0 }, "offset" },
    };
    const syn_chip *c = max78000();
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char why[SYN_LAYOUT_ERR_MAX];
        if (!CHECK(!syn_reg_layout_check(&cases[k].t, c, why, sizeof why)))
            continue;
        if (strstr(why, cases[k].words) == NULL)
            FAIL("case %lu: \"%s\" does not name %s", (unsigned long)k, why, cases[k].words);
    }
}

void suite_reg_layout(void)
{
    th_run("reg layout: HWC network input, whole words with zero lanes", hwc_input_words);
    th_run("reg layout: two passes of 52 processors", multipass_words);
    th_run("reg layout: 32-bit outputs, one word per value", wide_words);
    th_run("reg layout: a producer's write gap and its own lanes", gap_words);
    th_run("reg layout: CHW network input, four pixels per word", chw_words);
    th_run("reg layout: place and gather through the driver round-trip", round_trips);
    th_run("reg layout: malformed descriptors are refused", refusals);
}
