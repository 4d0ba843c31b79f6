/* The emulator's system-facing parts of emu_options.h, on Linux: the usage text, the default
 * board id, reading files, the build id. */
#define _GNU_SOURCE
#include "emu_options.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"

void syn_emu_print_usage(FILE *out)
{
    fprintf(out,
            "usage: synergy-emu [options]\n"
            "An emulated Synergy board: the firmware core behind a pseudo-terminal.\n"
            "When ready it prints one line \"PTY /dev/pts/N\" on stdout; logs go to stderr.\n"
            "\n"
            "  --chip max78000|max78002   accelerator chip (default max78000)\n"
            "  --engine register|layer    the accelerator: 'register' runs register programs (format 2\n"
            "                             segments) on the register-level model through the CNN driver, as\n"
            "                             the silicon is driven (max78000 only); 'layer' computes layer\n"
            "                             descriptions (format 1) with the layer-level simulator (default:\n"
            "                             register where it covers the chip, else layer)\n"
            "  --id ID                    board id reported in hello and boot (default emu-<pid>)\n"
            "  --sensor KIND:CxHxW@HZ     a sensor, e.g. microphone:1x16000x1@1 or camera:3x128x128@29.97\n"
            "                             (repeatable, at most %d; HZ may have up to 3 decimals)\n"
            "  --sensor-file INDEX:PATH   frames of sensor INDEX (0-based, in --sensor order) from PATH: raw\n"
            "                             int8 CHW bytes, one or more whole frames of its shape; frame k is the\n"
            "                             file's (k mod n)-th (default: made-up data from board id, sensor, frame)\n"
            "  --sensor-cycle N           made-up frames repeat every N: frame k is made as frame k mod N, so\n"
            "                             inputs recur as they do for a scene that repeats (0 = every frame\n"
            "                             distinct, default; sensors given a --sensor-file play their file)\n"
            "  --memo-mib N               the engine's exact memo, N MiB: a segment run again on the same\n"
            "                             input bytes since its load replays the outputs computed the first\n"
            "                             time (host CPU is not the chip; the modelled time is charged either\n"
            "                             way). 0 = compute every run (default); counters are logged at exit\n"
            "  --output KIND              an output: display, haptic, speaker, led, host (repeatable, at most %d)\n"
            "  --baud N                   pace both directions at N/10 bytes per second (0 = unpaced, default)\n"
            "  --link-name PATH           also make PATH a symlink to the pty (removed on exit)\n"
            "  --stdio                    speak the protocol on stdin/stdout instead of a pty\n"
            "  --help                     this text\n"
            "\n"
            "Exit status: 0 on SIGTERM/SIGINT/SIGHUP or when the parent exits, 2 for a bad option, 1 on\n"
            "a system error.\n",
            SYN_MAX_SENSORS, SYN_MAX_OUTPUTS);
}

/* The emulator links both engines. */
const accel_engine *const syn_emu_engines[] = { &syn_accel_engine_register, &syn_accel_engine_layer };
const size_t syn_emu_engine_count = sizeof syn_emu_engines / sizeof syn_emu_engines[0];

void syn_emu_default_board_id(char *out, size_t cap)
{
    snprintf(out, cap, "emu-%ld", (long)getpid());
}

bool syn_emu_read_file(const char *path, uint8_t *buf, size_t cap, size_t *n, bool *more, char *why, size_t why_cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(why, why_cap, "%s", strerror(errno));
        return false;
    }
    *n = fread(buf, 1, cap, f);
    *more = *n == cap && fgetc(f) != EOF;
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        snprintf(why, why_cap, "read error");
        return false;
    }
    return true;
}

bool syn_emu_build_id(char out[SYN_BUILD_ID_MAX + 1])
{
    static const char hex[] = "0123456789abcdef";
    FILE *f = fopen("/proc/self/exe", "rb");
    if (f == NULL)
        return false;
    sha256_ctx c;
    syn_sha256_init(&c);
    uint8_t buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        syn_sha256_update(&c, buf, n);
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed)
        return false;
    uint8_t digest[SHA256_BYTES];
    syn_sha256_final(&c, digest);
    for (unsigned i = 0; i < SYN_BUILD_ID_MAX / 2u; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15u];
    }
    out[SYN_BUILD_ID_MAX] = '\0';
    return true;
}
