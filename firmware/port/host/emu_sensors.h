/* --sensor-file INDEX:PATH: a sensor's frames from a file of raw int8 CHW bytes, one or more
 * whole frames of the sensor's shape back to back (frame k of the sensor is the file's
 * (k mod n)-th). The files are read once at start into one static buffer. */
#ifndef SYNERGY_EMU_SENSORS_H
#define SYNERGY_EMU_SENSORS_H

#include <stdbool.h>
#include <stddef.h>

#include "board.h"
#include "syn_config.h"


/* --sensor-cycle N: a sensor without a file gets its made-up frames 0..N-1 (sensors.h,
 * syn_sensor_synthesize) made once into the same buffer, so the core plays frame k as the
 * (k mod N)-th: frame k is made as frame k mod N. */

/* Forgets every file read so far (a new command line). */
void syn_emu_sensor_files_reset(void);
/* Reads `path` as sensor s's frames; false with the reason (naming the file) in why. */
bool syn_emu_sensor_file_load(board_sensor *s, unsigned index, const char *path, char *why, size_t cap);

/* Makes sensor s's frames 0..cycle-1 (board `board_id`); false with the reason in why if they do
 * not fit the buffer. */
bool syn_emu_sensor_cycle_make(board_sensor *s, unsigned index, const char *board_id, uint32_t cycle, char *why, size_t cap);

#endif
