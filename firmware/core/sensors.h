/* Sensing and delivery (PROTOCOL.md section 10): sensor frame pacing, the emulated sensors'
 * deterministic data, and the record of deliveries that `outputs` reports.
 *
 * A sensor at rate R (millihertz) has frame k at boot + k / R. `sense` takes the next frame: the
 * first one at or after the request that was not taken yet, so a host that senses more slowly
 * than the sensor skips frames (the frame numbers show it), and one that senses faster waits.
 *
 * Data: a port may give a sensor's frames as bytes (the emulator's --sensor-file: whole frames of
 * int8 CHW, frame k is the (k mod n)-th; its --sensor-cycle N gives made-up frames 0..N-1 this
 * way, so frame k is made as frame k mod N); otherwise the frame is made up, deterministically from
 * the board id, the sensor index and the frame number: a diagonal triangle wave over the image
 * (period 128 steps, -64..62, moving with a per-frame phase) plus uniform noise -16..15, so values
 * stay within -80..77, a normalized sensor's typical spread. */
#ifndef SYNERGY_SENSORS_H
#define SYNERGY_SENSORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syn_config.h"

typedef struct {
    uint32_t count;
    uint32_t last_crc32;
    uint32_t last_bytes;
} output_record;

typedef struct {
    uint64_t next_frame[SYN_MAX_SENSORS];   /* lowest frame number not taken yet */
    output_record outputs[SYN_MAX_OUTPUTS];
} sensing_state;

/* Microseconds after boot at which frame k exists (rounded up: never early). */
uint64_t syn_sensor_frame_time_us(uint64_t frame, uint32_t rate_mhz);
/* The first frame that exists at or after `elapsed_us` after boot. */
uint64_t syn_sensor_frame_at_or_after(uint64_t elapsed_us, uint32_t rate_mhz);

/* The emulated frame: n = C x H x W int8 values in CHW order. */
void syn_sensor_synthesize(int8_t *out, const uint32_t shape[3], const char *board_id, unsigned sensor, uint64_t frame);

#endif
