/* Semihosting calls of the QEMU board; see semihost.h. */
#include "semihost.h"

#include <stdarg.h>
#include <string.h>

#include "emu_options.h"

/* Operation numbers (semihosting specification, "Semihosting operations"). */
#define SYS_OPEN              0x01u
#define SYS_CLOSE             0x02u
#define SYS_WRITE0            0x04u
#define SYS_READ              0x06u
#define SYS_FLEN              0x0Cu
#define SYS_CLOCK             0x10u
#define SYS_GET_CMDLINE       0x15u
#define SYS_EXIT_EXTENDED     0x20u
#define ADP_STOPPED_APP_EXIT  0x20026u
#define OPEN_MODE_RB          1u          /* "rb" */

static uint32_t call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

bool syn_semihost_cmdline(char *buf, size_t cap)
{
    uint32_t block[2] = { (uint32_t)(uintptr_t)buf, (uint32_t)cap };
    if (call(SYS_GET_CMDLINE, block) != 0)
        return false;
    buf[block[1] < cap ? block[1] : cap - 1u] = '\0';
    return true;
}

void syn_semihost_log(const char *board_id, const char *fmt, ...)
{
    char line[320];
    size_t n = syn_format(line, sizeof line, "synergy-qemu %s: ", board_id);
    va_list ap;
    va_start(ap, fmt);
    n += syn_vformat(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    if (n > sizeof line - 2u)
        n = sizeof line - 2u;
    line[n] = '\n';
    line[n + 1] = '\0';
    call(SYS_WRITE0, line);
}

void syn_semihost_exit(uint32_t status)
{
    uint32_t block[2] = { ADP_STOPPED_APP_EXIT, status };
    for (;;)
        call(SYS_EXIT_EXTENDED, block);
}

uint32_t syn_semihost_clock(void)
{
    return call(SYS_CLOCK, NULL);
}

/* emu_options.h: what the option parser asks of its port. --------------------------------- */

void syn_emu_default_board_id(char *out, size_t cap)
{
    syn_format(out, cap, "qemu-%lx", (unsigned long)(syn_semihost_clock() & 0xFFFFu));
}

bool syn_emu_read_file(const char *path, uint8_t *buf, size_t cap, size_t *n, bool *more, char *why, size_t why_cap)
{
    uint32_t open_args[3] = { (uint32_t)(uintptr_t)path, OPEN_MODE_RB, (uint32_t)strlen(path) };
    uint32_t fd = call(SYS_OPEN, open_args);
    if (fd == UINT32_MAX) {
        syn_format(why, why_cap, "cannot open it (through semihosting)");
        return false;
    }
    uint32_t len_arg = fd;
    uint32_t len = call(SYS_FLEN, &len_arg);
    bool ok = len != UINT32_MAX;
    *more = ok && len > cap;
    uint32_t want = ok ? (len < cap ? len : (uint32_t)cap) : 0;
    /* SYS_READ answers the bytes NOT read. */
    uint32_t read_args[3] = { fd, (uint32_t)(uintptr_t)buf, want };
    ok = ok && call(SYS_READ, read_args) == 0;
    uint32_t close_arg = fd;
    call(SYS_CLOSE, &close_arg);
    if (!ok) {
        syn_format(why, why_cap, "read error (through semihosting)");
        return false;
    }
    *n = want;
    return true;
}
