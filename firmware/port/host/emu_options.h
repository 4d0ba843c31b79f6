/* Command line of the emulated board (synergy-emu --help prints it). */
#ifndef SYNERGY_EMU_OPTIONS_H
#define SYNERGY_EMU_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "board.h"

typedef struct {
    board_config board;        /* chip, id, sensors, outputs, link_baud */
    bool stdio;                /* speak the protocol on stdin/stdout instead of a pty */
    const char *link_name;     /* symlink to the pty slave, or NULL */
    bool help;
    uint32_t memo_mib;         /* --memo-mib: the simulator's exact memo budget, 0 = off */
    uint32_t sensor_cycle;     /* --sensor-cycle: made-up frame k is frame k mod N, 0 = all distinct */
} emu_options;

#define EMU_MEMO_MIB_MAX 16384u        /* 16 GiB: more than any host here would give one board */
#define EMU_SENSOR_CYCLE_MAX 1000000u

/* Fills opts from argv. On a bad option returns false with a one-line reason in why. */
bool emu_parse_options(int argc, char **argv, emu_options *opts, char *why, size_t cap);
void emu_print_usage(FILE *out);

#endif
