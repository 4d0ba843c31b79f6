/* The accelerator's int8 arithmetic primitives (MAX78000.md section 2), in one place for both
 * software accelerators: the layer-level simulator (accel/sim/) and the register-level model
 * (accel/reg/). Each engine decides what to compute from its own description (layer tables or
 * registers); what one value becomes is decided here. */
#ifndef SYNERGY_ACCEL_ARITH_H
#define SYNERGY_ACCEL_ARITH_H

#include <stdbool.h>
#include <stdint.h>

#include "layer.h"

static inline int accel_clamp8(int v)
{
    return v < -128 ? -128 : v > 127 ? 127 : v;
}

/* The input row or column a kernel tap at i reads (i in the padded input; a transposed conv's
 * input is doubled, its odd positions holes). False when the tap reads padding or a hole. */
static inline bool accel_conv_tap(long i, bool transposed, long n, long *at)
{
    if (transposed) {
        if (i < 0 || (i & 1))
            return false;
        i /= 2;
    }
    if (i < 0 || i >= n)
        return false;
    *at = i;
    return true;
}

/* floor(0.5 + acc * 2^s / 128) clamped to int8, s = shift_total (output shift + 8 - weight
 * bits), by the hardware's shift form: t = 7 - s, (acc + 2^(t-1)) >> t, or acc << -t. */
static inline int32_t accel_requantize(int64_t acc, int shift_total)
{
    int t = 7 - shift_total;
    int64_t y;
    if (t > 40) {
        /* |acc| stays far below 2^39 for every layer either engine admits, so acc + 2^(t-1)
         * lies in (0, 2^t) and the quotient is 0. */
        y = 0;
    } else if (t > 0) {
        int64_t v = acc + ((int64_t)1 << (t - 1));
        /* floor(v / 2^t) without relying on >> of a negative value. */
        y = v >= 0 ? v >> t : -((-v + ((int64_t)1 << t) - 1) >> t);
    } else if (t > -8) {
        y = acc * ((int64_t)1 << -t);
    } else {
        /* Multiplying by 256 or more saturates any non-zero accumulator. */
        y = acc > 0 ? 127 : acc < 0 ? -128 : 0;
    }
    return y < -128 ? -128 : y > 127 ? 127 : (int32_t)y;
}

/* ReLU clamps to [0, 127]; Abs takes |v| and clamps to 127 (v is already int8). */
static inline int accel_activate(accel_activation act, int v)
{
    if (act == ACT_RELU)
        return v < 0 ? 0 : v;
    if (act == ACT_ABS) {
        int a = v < 0 ? -v : v;
        return a > 127 ? 127 : a;
    }
    return v;
}

/* One step of an element-wise combination, in full precision (the caller clamps the result of
 * all operands once). */
static inline int accel_combine(accel_eltwise op, int a, int b)
{
    switch (op) {
    case ELT_ADD: return a + b;
    case ELT_SUB: return a - b;
    case ELT_OR: return a | b;
    case ELT_XOR: return a ^ b;
    default: return a;
    }
}

/* Average pooling: the window's sum divided by its size, truncated toward zero (C division). */
static inline int accel_average(int sum, int count)
{
    return sum / count;
}

/* The output value of a layer with 8-bit output. */
static inline int8_t accel_output8(int64_t acc, int shift_total, accel_activation act)
{
    return (int8_t)accel_activate(act, accel_requantize(acc, shift_total));
}

#endif
