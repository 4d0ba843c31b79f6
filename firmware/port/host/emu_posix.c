/* What emu_options.h asks of the port, on Linux: the default board id and reading files; and the
 * emulator's build id. */
#define _GNU_SOURCE
#include "emu_options.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"

void emu_default_board_id(char *out, size_t cap)
{
    snprintf(out, cap, "emu-%ld", (long)getpid());
}

bool emu_read_file(const char *path, uint8_t *buf, size_t cap, size_t *n, bool *more, char *why, size_t why_cap)
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

bool emu_build_id(char out[BOARD_BUILD_ID_MAX + 1])
{
    static const char hex[] = "0123456789abcdef";
    FILE *f = fopen("/proc/self/exe", "rb");
    if (f == NULL)
        return false;
    sha256_ctx c;
    sha256_init(&c);
    uint8_t buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sha256_update(&c, buf, n);
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed)
        return false;
    uint8_t digest[SHA256_BYTES];
    sha256_final(&c, digest);
    for (unsigned i = 0; i < BOARD_BUILD_ID_MAX / 2u; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15u];
    }
    out[BOARD_BUILD_ID_MAX] = '\0';
    return true;
}
