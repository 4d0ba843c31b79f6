/* Sensor pacing and emulated data; see sensors.h. */
#include "sensors.h"

#define US_PER_S_MHZ 1000000000u   /* 1e6 us/s x 1000 mHz/Hz: frame k is at k x this / R us */

uint64_t syn_sensor_frame_time_us(uint64_t frame, uint32_t rate_mhz)
{
    if (rate_mhz == 0)
        return UINT64_MAX;
    /* ceil(frame x 1e9 / R) without overflowing 64 bits: whole periods of R frames first. */
    uint64_t whole = frame / rate_mhz, part = frame % rate_mhz;
    return whole * US_PER_S_MHZ + (part * US_PER_S_MHZ + rate_mhz - 1u) / rate_mhz;
}

uint64_t syn_sensor_frame_at_or_after(uint64_t elapsed_us, uint32_t rate_mhz)
{
    if (rate_mhz == 0)
        return 0;
    /* ceil(elapsed x R / 1e9), split as elapsed = q x 1e6 + r so no product passes 2^64 for
     * any uptime below ~130 years at the highest rate. */
    uint64_t q = elapsed_us / 1000000u, r = elapsed_us % 1000000u;
    uint64_t a = q * rate_mhz;                       /* frames x 1000 */
    uint64_t k = a / 1000u;
    uint64_t rest = (a % 1000u) * 1000000u + r * rate_mhz;   /* frames x 1e9, below 4.3e15 */
    k += (rest + US_PER_S_MHZ - 1u) / US_PER_S_MHZ;
    /* Rounding in the two ceilings can disagree by one: settle on the exact definition. */
    while (k > 0 && syn_sensor_frame_time_us(k - 1u, rate_mhz) >= elapsed_us)
        k--;
    while (syn_sensor_frame_time_us(k, rate_mhz) < elapsed_us)
        k++;
    return k;
}

static uint64_t splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void syn_sensor_synthesize(int8_t *out, const uint32_t shape[3], const char *board_id, unsigned sensor, uint64_t frame)
{
    uint64_t seed = 0xCBF29CE484222325ull;   /* FNV-1a of the board id */
    for (const char *p = board_id; *p != '\0'; p++)
        seed = (seed ^ (uint8_t)*p) * 0x100000001B3ull;
    seed ^= (uint64_t)(sensor + 1u) * 0xD1B54A32D192ED03ull;
    seed ^= frame * 0x8CB92BA72F3D8DD7ull;
    uint64_t state = seed;
    uint32_t phase = (uint32_t)(splitmix(&state) & 127u);
    uint64_t noise = 0;
    size_t i = 0;
    for (uint32_t c = 0; c < shape[0]; c++) {
        for (uint32_t h = 0; h < shape[1]; h++) {
            for (uint32_t w = 0; w < shape[2]; w++, i++) {
                if (i % 8u == 0)
                    noise = splitmix(&state);
                uint32_t x = (h * 5u + w * 3u + c * 17u + phase) & 127u;
                int tri = x < 64u ? (int)x : 127 - (int)x;          /* 0..63 */
                int v = 2 * tri - 64 + (int)((noise >> (8u * (i % 8u))) & 31u) - 16;
                out[i] = (int8_t)v;
            }
        }
    }
}
