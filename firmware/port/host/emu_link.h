/* The emulator's byte link: a pseudo-terminal (or stdin/stdout). Pacing and the transmit queue
 * are in emu_pace.h. */
#ifndef SYNERGY_EMU_LINK_H
#define SYNERGY_EMU_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_pace.h"

typedef struct {
    int in_fd;
    int out_fd;
    int slave_fd;           /* held open so the master never sees a hang-up */
    char slave_name[64];
    char *link_name;        /* symlink we made, or NULL */
} emu_link;

/* Opens a raw pseudo-terminal; false with the reason in why. */
bool syn_emu_link_open_pty(emu_link *l, char *why, size_t cap);
void syn_emu_link_open_stdio(emu_link *l);
/* Makes `path` a symlink to the slave; replaces only a dangling symlink. */
bool syn_emu_link_make_symlink(emu_link *l, const char *path, char *why, size_t cap);
void syn_emu_link_close(emu_link *l);

#endif
