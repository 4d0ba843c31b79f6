/* Sensor files; see emu_sensors.h. */
#include "emu_sensors.h"

#include <stdio.h>
#include <string.h>

#include "emu_options.h"
#include "sensors.h"

static uint8_t file_bytes[SYN_EMU_SENSOR_FILE_BYTES];
static size_t used;

void syn_emu_sensor_files_reset(void)
{
    used = 0;
}

bool syn_emu_sensor_file_load(board_sensor *s, unsigned index, const char *path, char *why, size_t cap)
{
    uint64_t frame = (uint64_t)s->shape[0] * s->shape[1] * s->shape[2];
    size_t room = sizeof file_bytes - used, n;
    bool more;
    char reason[96];
    if (!syn_emu_read_file(path, file_bytes + used, room, &n, &more, reason, sizeof reason)) {
        syn_format(why, cap, "--sensor-file %u:%s: %s", index, path, reason);
        return false;
    }
    if (more) {
        syn_format(why, cap, "--sensor-file %u:%s: the sensor files together pass %lu bytes", index, path,
                 (unsigned long)SYN_EMU_SENSOR_FILE_BYTES);
        return false;
    }
    if (n == 0 || n % frame != 0) {
        syn_format(why, cap,
                 "--sensor-file %u:%s: %lu bytes is not a whole number of %lux%lux%lu frames (%llu bytes of int8 CHW each)",
                 index, path, (unsigned long)n, (unsigned long)s->shape[0], (unsigned long)s->shape[1],
                 (unsigned long)s->shape[2], (unsigned long long)frame);
        return false;
    }
    s->data = file_bytes + used;
    s->data_len = (uint32_t)n;
    used += n;
    return true;
}

bool syn_emu_sensor_cycle_make(board_sensor *s, unsigned index, const char *board_id, uint32_t cycle, char *why, size_t cap)
{
    uint64_t frame = (uint64_t)s->shape[0] * s->shape[1] * s->shape[2];
    uint64_t total = frame * cycle;
    if (cycle == 0 || total > sizeof file_bytes - used) {
        syn_format(why, cap,
                 "--sensor-cycle %u: sensor %u (%s, %llu bytes a frame) needs %llu bytes for the cycle's frames, %lu of "
                 "the %lu for sensor frames are left",
                 (unsigned)cycle, index, s->kind, (unsigned long long)frame, (unsigned long long)total,
                 (unsigned long)(sizeof file_bytes - used), (unsigned long)SYN_EMU_SENSOR_FILE_BYTES);
        return false;
    }
    for (uint32_t k = 0; k < cycle; k++)
        syn_sensor_synthesize((int8_t *)(file_bytes + used + (size_t)(k * frame)), s->shape, board_id, index, k);
    s->data = file_bytes + used;
    s->data_len = (uint32_t)total;
    used += (size_t)total;
    return true;
}
