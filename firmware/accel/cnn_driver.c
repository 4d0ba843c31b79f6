/* The CNN driver: the whitelist check and the verbs; see cnn_driver.h. */
#include "cnn_driver.h"

#include <stdarg.h>
#include <string.h>

#include "text.h"

/* ---- the verbs ---------------------------------------------------------------------------------- */

static const syn_chip *open_chip;

bool syn_cnn_fail(cnn_error *err, cnn_status status, uint32_t addr, const char *fmt, ...)
{
    if (err != NULL) {
        err->status = status;
        err->addr = addr;
        SYN_FORMAT_ARGS(err->msg, sizeof err->msg, fmt);
    }
    return false;
}

static void ok(cnn_error *err)
{
    if (err != NULL) {
        err->status = CNN_OK;
        err->addr = 0;
        err->msg[0] = '\0';
    }
}

bool syn_cnn_open(const syn_chip *chip, cnn_error *err)
{
    open_chip = NULL;
    if (syn_cnn_instance_words(chip) == 0)
        return syn_cnn_fail(err, CNN_ERR_NOT_OPEN, 0, "chip %s: no CNN address map", chip ? chip->name : "(none)");
    if (!syn_cnn_backend_reset(chip, err))
        return false;
    open_chip = chip;
    ok(err);
    return true;
}

const syn_chip *syn_cnn_chip(void)
{
    return open_chip;
}

/* The window of a word access, or a refusal naming why. */
static bool checked(uint32_t addr, const char *what, cnn_window *w, cnn_error *err)
{
    if (open_chip == NULL)
        return syn_cnn_fail(err, CNN_ERR_NOT_OPEN, addr, "%s 0x%08lx: the CNN driver is not open", what, (unsigned long)addr);
    if (addr & 3u)
        return syn_cnn_fail(err, CNN_ERR_ALIGN, addr, "%s 0x%08lx: not 32-bit aligned", what, (unsigned long)addr);
    if (!syn_cnn_window_of(open_chip, addr, w))
        return syn_cnn_fail(err, CNN_ERR_ADDRESS, addr, "%s 0x%08lx: outside the CNN windows of %s", what,
                        (unsigned long)addr, open_chip->name);
    return true;
}

bool syn_cnn_write(uint32_t addr, uint32_t value, cnn_error *err)
{
    cnn_window w;
    if (!checked(addr, "write", &w, err))
        return false;
    if (!syn_cnn_backend_store32(addr, value, err))
        return false;
    ok(err);
    return true;
}

bool syn_cnn_write_block(uint32_t addr, const uint32_t *words, size_t n, cnn_error *err)
{
    cnn_window w;
    if (!checked(addr, "block write", &w, err))
        return false;
    if (n == 0 || words == NULL)
        return syn_cnn_fail(err, CNN_ERR_BLOCK, addr, "block write 0x%08lx: no words", (unsigned long)addr);
    if (n > (w.size - w.offset) / 4u)
        return syn_cnn_fail(err, CNN_ERR_BLOCK, addr,
                        "block write 0x%08lx: %lu words run off the window 0x%08lx..0x%08lx (room for %lu)",
                        (unsigned long)addr, (unsigned long)n, (unsigned long)w.base,
                        (unsigned long)(w.base + w.size - 1u), (unsigned long)((w.size - w.offset) / 4u));
    for (size_t i = 0; i < n; i++)
        if (!syn_cnn_backend_store32(addr + (uint32_t)(4u * i), words[i], err))
            return false;
    ok(err);
    return true;
}

bool syn_cnn_read(uint32_t addr, uint32_t *value, cnn_error *err)
{
    cnn_window w;
    if (!checked(addr, "read", &w, err))
        return false;
    if (!syn_cnn_backend_load32(addr, value, err))
        return false;
    ok(err);
    return true;
}

bool syn_cnn_write_zeros(uint32_t addr, uint32_t n, cnn_error *err)
{
    static const uint32_t zeros[64];
    while (n > 0) {
        uint32_t k = n < 64u ? n : 64u;
        if (!syn_cnn_write_block(addr, zeros, k, err))
            return false;
        addr += 4u * k;
        n -= k;
    }
    return true;
}

static bool zero_this(const uint32_t *row, bool which, uint32_t c)
{
    return row == NULL || (((row[c >> 5] >> (c & 31u)) & 1u) != 0) == which;
}

bool syn_cnn_zero_columns(uint32_t base, uint32_t words, const uint32_t *row, bool which, cnn_error *err)
{
    for (uint32_t c = 0; c < words;) {
        if (!zero_this(row, which, c)) {
            c++;
            continue;
        }
        uint32_t end = c;
        while (end < words && zero_this(row, which, end))
            end++;
        if (!syn_cnn_write_zeros(base + 16u * c, 4u * (end - c), err))
            return false;
        c = end;
    }
    return true;
}

bool syn_cnn_kernel_seek(uint32_t addr, cnn_error *err)
{
    cnn_window w;
    if (!checked(addr, "kernel seek", &w, err))
        return false;
    if (w.kind != CNN_WIN_KERNEL)
        return syn_cnn_fail(err, CNN_ERR_ADDRESS, addr, "kernel seek 0x%08lx: not in a kernel-memory window",
                        (unsigned long)addr);
    if (!syn_cnn_backend_store8(addr | 1u, 0x01u, err))
        return false;
    ok(err);
    return true;
}

bool syn_cnn_cycles(uint64_t *cycles, cnn_error *err)
{
    if (open_chip == NULL)
        return syn_cnn_fail(err, CNN_ERR_NOT_OPEN, 0, "cycles: the CNN driver is not open");
    if (!syn_cnn_backend_cycles(cycles, err))
        return false;
    ok(err);
    return true;
}
