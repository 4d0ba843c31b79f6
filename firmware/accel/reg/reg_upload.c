/* Streamed kernel and bias records; see reg_upload.h. Error messages stay within a protocol
 * error's 64 bytes. */
#include "reg_upload.h"

#include <string.h>

#include "cnn_map.h"
#include "reg_program.h"

#define CTRL_MEXPRESS (1u << 20)

void syn_reg_upload_begin(reg_upload *u, const syn_chip *chip, uint32_t n_kernel, uint32_t n_bias, uint32_t *kernel_map,
                      uint32_t row_words, reg_upload_given_fn given, void *user)
{
    memset(u, 0, sizeof *u);
    u->chip = chip;
    u->n_kernel = n_kernel;
    u->n_bias = n_bias;
    u->kernel_map = kernel_map;
    u->row_words = row_words;
    u->given = given;
    u->user = user;
    memset(kernel_map, 0, (size_t)64u * row_words * sizeof *kernel_map);
}

static uint32_t *row(const reg_upload *u, unsigned p)
{
    return u->kernel_map + (size_t)p * u->row_words;
}

static bool bit(const uint32_t *map, uint32_t i)
{
    return (map[i >> 5] >> (i & 31u)) & 1u;
}

static void set_bits(uint32_t *map, uint32_t a, uint32_t b, bool on)
{
    for (uint32_t i = a; i < b; i++) {
        if (on)
            map[i >> 5] |= 1u << (i & 31u);
        else
            map[i >> 5] &= ~(1u << (i & 31u));
    }
}

void syn_reg_upload_own_columns(reg_upload *u, unsigned p, uint32_t start, uint32_t end)
{
    uint32_t cap = u->row_words * 32u;
    if (p < 64u && start < end)
        set_bits(row(u, p), start, end < cap ? end : cap, true);
}

void syn_reg_upload_own_bias(reg_upload *u, unsigned q, uint32_t offset, uint32_t len)
{
    uint32_t end = offset + len;
    if (q < 4u && offset < end) {
        set_bits(u->bias_map[q], offset, end < SYN_REG_UPLOAD_MAX_BIAS ? end : SYN_REG_UPLOAD_MAX_BIAS, true);
        set_bits(u->bias_given[q], offset, end < SYN_REG_UPLOAD_MAX_BIAS ? end : SYN_REG_UPLOAD_MAX_BIAS, true);
    }
}

bool syn_reg_upload_clear(reg_upload *u, cnn_error *err)
{
    for (unsigned q = 0; q < 4u; q++) {
        bool any = false;
        for (unsigned p = q * 16u; p < q * 16u + 16u && !any; p++)
            for (uint32_t w = 0; w < u->row_words && !any; w++)
                any = row(u, p)[w] != 0;
        if (any) {
            uint32_t ctrl_addr = syn_cnn_control_address(u->chip, q, 0), ctrl;
            if (!syn_cnn_read(ctrl_addr, &ctrl, err) || !syn_cnn_write(ctrl_addr, ctrl & ~CTRL_MEXPRESS, err))
                return false;
            for (unsigned p = q * 16u; p < q * 16u + 16u; p++) {
                uint32_t words = syn_cnn_kernel_words(u->chip, p), base = syn_cnn_kernel_base(u->chip, p);
                if (!syn_cnn_zero_columns(base, words, row(u, p), true, err))
                    return false;
            }
            if (!syn_cnn_write(ctrl_addr, ctrl, err))
                return false;
        }
        uint32_t words = u->chip->bias_per_quadrant < SYN_REG_UPLOAD_MAX_BIAS ? u->chip->bias_per_quadrant : SYN_REG_UPLOAD_MAX_BIAS;
        for (uint32_t i = 0; i < words;) {
            if (!bit(u->bias_map[q], i)) {
                i++;
                continue;
            }
            uint32_t end = i;
            while (end < words && bit(u->bias_map[q], end))
                end++;
            if (!syn_cnn_write_zeros(syn_cnn_bias_address(u->chip, q, i), end - i, err))
                return false;
            i = end;
        }
    }
    return true;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool is_kernel(const reg_upload *u)
{
    return u->done < u->n_kernel;
}

/* The checks of a record as it starts (its head has arrived). */
static bool start_record(reg_upload *u, cnn_error *err)
{
    uint32_t addr = le32(u->head), n = le32(u->head + 4);
    unsigned r = (unsigned)u->done;
    cnn_window w;
    if (is_kernel(u)) {
        if ((addr & 3u) || !syn_cnn_window_of(u->chip, addr, &w) || w.kind != CNN_WIN_KERNEL)
            return syn_cnn_fail(err, CNN_ERR_ADDRESS, addr, "kernel record %u: 0x%08lx is no kernel record address", r,
                            (unsigned long)addr);
        uint32_t words = syn_cnn_kernel_words(u->chip, w.processor), c0 = w.offset / 4u;
        uint64_t k = (uint64_t)n * 4u / 9u, over = (uint64_t)n * 4u - 9u * k;
        if (n == 0 || k == 0 || over > 3u)
            return syn_cnn_fail(err, CNN_ERR_BLOCK, addr, "kernel record %u: %lu words are not whole columns", r, (unsigned long)n);
        if (c0 >= words || c0 + k > words)
            return syn_cnn_fail(err, CNN_ERR_BLOCK, addr, "kernel record %u: columns %lu+%lu pass proc %u's %lu", r,
                            (unsigned long)c0, (unsigned long)k, w.processor, (unsigned long)words);
        uint32_t *map = row(u, w.processor);
        for (uint32_t c = c0; c < c0 + k; c++) {
            if (c < u->row_words * 32u && bit(map, c))
                continue;
            bool given = u->given != NULL && u->given(u->user, w.processor, c);
            return syn_cnn_fail(err, CNN_ERR_PROGRAM, addr, "kernel record %u: proc %u column %lu %s", r, w.processor,
                            (unsigned long)c, given ? "overlaps an earlier record" : "is not this segment's");
        }
        set_bits(map, c0, (uint32_t)(c0 + k), false);
    } else {
        unsigned b = r - (unsigned)u->n_kernel;
        if ((addr & 3u) || !syn_cnn_window_of(u->chip, addr, &w) || w.kind != CNN_WIN_BIAS)
            return syn_cnn_fail(err, CNN_ERR_ADDRESS, addr, "bias record %u: 0x%08lx is no bias address", b, (unsigned long)addr);
        uint32_t o = w.offset / 4u, words = w.size / 4u;
        if (n == 0 || o + (uint64_t)n > words)
            return syn_cnn_fail(err, CNN_ERR_BLOCK, addr, "bias record %u: bytes %lu+%lu pass quadrant %u's %lu", b,
                            (unsigned long)o, (unsigned long)n, w.quadrant, (unsigned long)words);
        for (uint32_t i = o; i < o + n; i++) {
            if (i < SYN_REG_UPLOAD_MAX_BIAS && bit(u->bias_map[w.quadrant], i))
                continue;
            bool given = i < SYN_REG_UPLOAD_MAX_BIAS && bit(u->bias_given[w.quadrant], i);
            return syn_cnn_fail(err, CNN_ERR_PROGRAM, addr, "bias record %u: quadrant %u byte %lu %s", b, w.quadrant,
                            (unsigned long)i, given ? "overlaps an earlier record" : "is not this segment's");
        }
        set_bits(u->bias_map[w.quadrant], o, o + n, false);
    }
    u->addr = addr;
    u->n = n;
    u->got = 0;
    u->group_have = 0;
    u->groups_done = 0;
    u->in_payload = true;
    return true;
}

/* Writes the gathered words of the current kernel record after setting the address counter to
 * their first column (4 columns per whole group). */
static bool write_group(reg_upload *u, cnn_error *err)
{
    uint32_t words[REG_UPLOAD_GROUP_WORDS], n = u->group_have / 4u;
    for (uint32_t i = 0; i < n; i++)
        words[i] = le32(u->group + 4u * i);
    uint32_t at = u->addr + 16u * u->groups_done;   /* record addresses count columns x 4 */
    if (!syn_cnn_kernel_seek(at, err) || !syn_cnn_write_block(at, words, n, err))
        return false;
    u->groups_done++;
    u->group_have = 0;
    return true;
}

static void end_record(reg_upload *u)
{
    u->done++;
    u->in_payload = false;
    u->head_have = 0;
}

bool syn_reg_upload_feed(reg_upload *u, const uint8_t *data, size_t n, cnn_error *err)
{
    while (n > 0) {
        if (u->done >= u->n_kernel + u->n_bias)
            return syn_cnn_fail(err, CNN_ERR_BLOCK, 0, "%lu bytes after the last of %lu records", (unsigned long)n,
                            (unsigned long)(u->n_kernel + u->n_bias));
        if (!u->in_payload) {
            size_t take = 8u - u->head_have < n ? 8u - u->head_have : n;
            memcpy(u->head + u->head_have, data, take);
            u->head_have = (uint8_t)(u->head_have + take);
            data += take;
            n -= take;
            if (u->head_have == 8u && !start_record(u, err))
                return false;
            continue;
        }
        if (is_kernel(u)) {
            uint32_t total = 4u * u->n, room = (uint32_t)sizeof u->group - u->group_have;
            size_t take = total - u->got;
            if (take > room)
                take = room;
            if (take > n)
                take = n;
            memcpy(u->group + u->group_have, data, take);
            u->group_have = (uint8_t)(u->group_have + take);
            u->got += (uint32_t)take;
            data += take;
            n -= take;
            if ((u->group_have == sizeof u->group || u->got == total) && !write_group(u, err))
                return false;
            if (u->got == total)
                end_record(u);
            continue;
        }
        uint32_t total = (u->n + 3u) & ~3u;
        size_t take = total - u->got < n ? total - u->got : n;
        size_t values = u->got < u->n ? (u->n - u->got < take ? u->n - u->got : take) : 0;
        if (values > 0 && !syn_reg_bias_write(u->addr + 4u * u->got, data, (uint32_t)values, err))
            return false;
        for (size_t i = values; i < take; i++)
            if (data[i] != 0)
                return syn_cnn_fail(err, CNN_ERR_BLOCK, u->addr, "bias record %lu: padding byte 0x%02x is not 0",
                                (unsigned long)(u->done - u->n_kernel), data[i]);
        u->got += (uint32_t)take;
        data += take;
        n -= take;
        if (u->got == total)
            end_record(u);
    }
    return true;
}

bool syn_reg_upload_finished(const reg_upload *u, cnn_error *err)
{
    uint32_t all = u->n_kernel + u->n_bias;
    if (u->done == all)
        return true;
    if (u->in_payload) {
        bool kernel = is_kernel(u);
        uint32_t total = kernel ? 4u * u->n : (u->n + 3u) & ~3u;
        return syn_cnn_fail(err, CNN_ERR_BLOCK, u->addr, "truncated: %s record %lu has %lu of %lu bytes",
                        kernel ? "kernel" : "bias", (unsigned long)(kernel ? u->done : u->done - u->n_kernel),
                        (unsigned long)u->got, (unsigned long)total);
    }
    return syn_cnn_fail(err, CNN_ERR_BLOCK, 0, "truncated: %lu of %lu records arrived", (unsigned long)u->done,
                    (unsigned long)all);
}
