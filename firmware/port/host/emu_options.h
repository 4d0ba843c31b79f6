/* Command line of the emulated board (synergy-emu --help prints it), also the QEMU board's
 * (port/qemu-an386 reads it from the semihosting command line). */
#ifndef SYNERGY_EMU_OPTIONS_H
#define SYNERGY_EMU_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "board.h"
#include "syn_config.h"

typedef struct {
    board_config board;        /* chip, engine, id, sensors, outputs, link_baud */
    bool stdio;                /* speak the protocol on stdin/stdout instead of a pty */
    const char *link_name;     /* symlink to the pty slave, or NULL */
    bool help;
    uint32_t memo_mib;         /* --memo-mib: the simulator's exact memo budget, 0 = off */
    uint32_t sensor_cycle;     /* --sensor-cycle: made-up frame k is frame k mod N, 0 = all distinct */
} emu_options;

/* The engines this port links, in order of preference: without --engine a board runs the first
 * that can be its chip (port/host/emu_posix.c: register, then layer; port/qemu-an386: layer). */
extern const accel_engine *const syn_emu_engines[];
extern const size_t syn_emu_engine_count;


/* Fills opts from argv (argv[0] is the program). On a bad option returns false with a one-line
 * reason in why. */
bool syn_emu_parse_options(int argc, char **argv, emu_options *opts, char *why, size_t cap);

/* The emulator's usage text (port/host/emu_posix.c). */
void syn_emu_print_usage(FILE *out);

/* Each port gives these two (port/host/emu_posix.c, port/qemu-an386/semihost.c). */
/* The board id when --id is not given: "emu-<pid>" on the host. */
void syn_emu_default_board_id(char *out, size_t cap);
/* Reads up to cap bytes of the file at path into buf: *n bytes read, *more set if the file has
 * more than cap bytes. False with the reason (without the path) in why if it cannot be read. */
bool syn_emu_read_file(const char *path, uint8_t *buf, size_t cap, size_t *n, bool *more, char *why, size_t why_cap);

/* The emulator's build id: its executable's SHA-256 as hello's build_id (port/host/emu_posix.c);
 * false if the executable cannot be read. */
bool syn_emu_build_id(char out[SYN_BUILD_ID_MAX + 1]);

#endif
