/* --sensor-file INDEX:PATH: a sensor's frames from a file of raw int8 CHW bytes, one or more
 * whole frames of the sensor's shape back to back (frame k of the sensor is the file's
 * (k mod n)-th). The files are read once at start into one static buffer. */
#ifndef SYNERGY_EMU_SENSORS_H
#define SYNERGY_EMU_SENSORS_H

#include <stdbool.h>
#include <stddef.h>

#include "board.h"

#define EMU_SENSOR_FILE_BYTES (32u * 1024u * 1024u)   /* all sensor files together */

/* Forgets every file read so far (a new command line). */
void emu_sensor_files_reset(void);
/* Reads `path` as sensor s's frames; false with the reason (naming the file) in why. */
bool emu_sensor_file_load(board_sensor *s, unsigned index, const char *path, char *why, size_t cap);

#endif
