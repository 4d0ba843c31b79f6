/* libFuzzer target: the segment decoder (make fuzz). Whatever the bytes, decoding must stay in
 * bounds and either refuse with a message or give layers whose parameters lie inside the blob
 * and whose cycle estimate runs without undefined behaviour on both chips. */
#include <stdlib.h>
#include <string.h>

#include "chip.h"
#include "cycles.h"
#include "segment_decode.h"

#define CAP 64

static accel_layer layers[CAP];
static accel_params params[CAP];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    accel_segment seg;
    char err[SYN_ACCEL_ERR_MAX];
    if (!syn_accel_segment_decode(data, size, layers, params, CAP, &seg, err, sizeof err)) {
        if (err[0] == '\0' || strlen(err) >= sizeof err)
            abort();                                   /* a refusal always says why */
        return 0;
    }
    for (unsigned k = 0; k < seg.count; k++) {
        const accel_params *p = &params[k];
        if (p->weights && (p->weights < data || p->weights + p->weights_len > data + size))
            abort();
        if (p->bias && ((const uint8_t *)p->bias < data || (const uint8_t *)p->bias + p->bias_len > data + size))
            abort();
        int sum = 0;
        for (uint32_t i = 0; i < p->weight_count; i++)
            sum += syn_accel_weight_at(p, layers[k].weight_bits, i);
        (void)sum;
    }
    for (size_t c = 0; syn_chip_at(c); c++)
        (void)syn_accel_network_cycles(layers, seg.count, syn_chip_at(c), NULL);
    return 0;
}
