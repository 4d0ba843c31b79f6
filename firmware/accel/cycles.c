/* The cycle model; see cycles.h and MAX78000.md section 3. Every step mirrors
 * host/model/cycles.ts line for line, in 64-bit integers (no value comes near 2^53, so the
 * TypeScript numbers are exact too). */
#include "cycles.h"

static int64_t ceil_div(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* Hardware output channels: out_expand x span, span counted from the first output processor
 * rounded down to a multiple of 4 through the last one. */
static int64_t hardware_out_channels(const accel_layer *l)
{
    int64_t cout = l->output_shape.c;
    int64_t out_expand = ceil_div(cout, 64);
    uint64_t mask = l->output_processors;
    int64_t span;
    if (mask == 0) {
        span = 4 * ceil_div(ceil_div(cout, out_expand), 4);   /* default layout from processor 0 */
    } else {
        int first = 0, last = 63;
        while (!(mask & ((uint64_t)1 << first)))
            first++;
        while (!(mask & ((uint64_t)1 << last)))
            last--;
        span = last - (first & ~3) + 1;
    }
    return out_expand * span;
}

/* Passthrough timeslots: 1 + the largest floor((n_q - 1) / 4) over the quadrants in use. */
static int64_t passthrough_timeslots(const accel_layer *l, const syn_chip *chip)
{
    uint64_t mask = l->processors;
    int64_t per_q = chip->processors_per_quadrant;
    if (mask == 0) {
        int64_t c = l->output_shape.c < per_q ? l->output_shape.c : per_q;
        return 1 + (c - 1) / 4;
    }
    int64_t worst = 0;
    for (int64_t q = 0; q < chip->quadrants; q++) {
        int64_t n = 0;
        for (int64_t p = 0; p < per_q; p++)
            n += (mask >> (q * per_q + p)) & 1u;
        if (n > 0 && (n - 1) / 4 > worst)
            worst = (n - 1) / 4;
    }
    return 1 + worst;
}

accel_cycle_inputs syn_accel_cycle_inputs_of(const accel_layer *l, const syn_chip *chip, uint32_t kernel_start)
{
    accel_cycle_inputs in = { 0 };
    in.m = ceil_div(l->operand_shape.c, 64);
    in.e = l->operands;
    in.ph = l->pool_size[0];
    in.pw = l->pool_size[1];
    in.hp = l->pooled_shape.h;
    in.wp = l->pooled_shape.w;
    in.kr = l->kernel[0];
    in.kc = l->kernel[1];
    in.pr = l->pad[0];
    in.pc = l->pad[1];
    in.wo = l->output_shape.w;
    in.passthrough = l->op == OP_PASSTHROUGH;
    in.pool_first = l->pool_first;
    in.flatten = l->flatten;
    in.streaming = l->streaming;
    switch (l->op) {
    case OP_CONV1D:               /* H = L, W = 1, kernel k x 1, padding p x 0 */
        in.kc = 1;
        in.pc = 0;
        break;
    case OP_LINEAR:               /* a 1x1 conv over the pooled dims; F is not passed */
        in.kr = in.kc = 1;
        in.pr = in.pc = 0;
        in.wo = in.wp;
        in.flatten = false;
        break;
    case OP_CONVTRANSPOSE2D:      /* the pooled input is doubled */
        in.hp *= 2;
        in.wp *= 2;
        break;
    default:
        break;
    }
    if (in.passthrough) {
        in.co = l->output_shape.c;
        in.t = passthrough_timeslots(l, chip);
        if (chip->cycles_passthrough_pool_extra_passes && l->pool_type != POOL_NONE && ceil_div(l->output_shape.c, 64) > 1)
            in.m = 2 * in.m - 1;
    } else {
        in.co = hardware_out_channels(l);
    }
    if (chip->cycles_preread_term && !in.pool_first && (in.m > 1 || in.e > 1)) {
        in.preread = ((in.hp + 2 * in.pr - in.kc + 1) * in.pc + (in.wp + 2 * in.pc - in.kr + 1) * in.pr - in.pr * in.pc)
                     * (int64_t)kernel_start;
    }
    return in;
}

uint64_t syn_accel_cycles_from(const accel_cycle_inputs *in)
{
    int64_t m = in->m, e = in->e;
    int64_t in_pad, in_dat, k;
    if (in->pool_first) {
        in_pad = 2 * m * e;
        in_dat = m * e * (in->ph * in->pw + 1);
        k = 1;
    } else {
        in_pad = 2 * m;
        in_dat = m * (e * in->ph * in->pw + 1);
        k = m;
    }
    int64_t pr = in->pr, pc = in->pc, kr = in->kr, kc = in->kc, hp = in->hp, wp = in->wp, wo = in->wo;
    int64_t q = in->co == 1 && m == 1 ? 1 : 0;
    int64_t col = 2 * pc * (in_pad + 1);
    int64_t pad_row = col + k * wp * (in_pad + 1);
    int64_t row_no_conv = col + k * wp * (in_dat + 1);
    int64_t left = pc * (in_pad + 1);
    int64_t row_conv = left + k * (kc - 1 - pc) * (in_dat + 1) + k * (wo - pc) * in_dat + in_pad * pc;
    int64_t bottom_row = left + k * (kc - 1 - pc) * (in_pad + 1) + k * (wo - pc) * in_pad + in_pad * pc;
    int64_t out_dat = in->passthrough ? m * hp * wp : m * wo * in->co + in->co * q;
    int64_t layer;
    if (in->passthrough) {
        layer = hp * wp * (in_dat + m * in->t);
    } else {
        layer = (in->flatten ? 1 : 0) + pr * pad_row + (kr - 1 - pr) * row_no_conv
                + (row_conv + out_dat) * (hp - (kr - 1 - pr)) + pr * (bottom_row + out_dat);
    }
    layer += in->preread;
    if (in->streaming)
        layer = (15 * layer + 9) / 10;
    return layer < 0 ? 0 : (uint64_t)layer;
}

uint64_t syn_accel_layer_cycles(const accel_layer *l, const syn_chip *chip, uint32_t kernel_start)
{
    accel_cycle_inputs in = syn_accel_cycle_inputs_of(l, chip, kernel_start);
    return syn_accel_cycles_from(&in);
}

uint64_t syn_accel_network_cycles(const accel_layer *layers, size_t n, const syn_chip *chip, const uint32_t *kernel_starts)
{
    uint64_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += syn_accel_layer_cycles(&layers[i], chip, kernel_starts ? kernel_starts[i] : 0);
    return total;
}
