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
} emu_options;

/* Fills opts from argv. On a bad option returns false with a one-line reason in why. */
bool emu_parse_options(int argc, char **argv, emu_options *opts, char *why, size_t cap);
void emu_print_usage(FILE *out);

#endif
