/* Arm semihosting (the "Semihosting for AArch32 and AArch64" specification, operations by
 * number): how the QEMU board reads its command line and files from the host, writes its log and
 * ends QEMU with an exit status. QEMU serves it with -semihosting-config enable=on,target=native;
 * without that option the BKPT faults. */
#ifndef SYNERGY_SEMIHOST_H
#define SYNERGY_SEMIHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text.h"

/* The command line QEMU holds (-kernel's file name then -append's words, joined by spaces) into
 * buf; false if it does not fit. */
bool syn_semihost_cmdline(char *buf, size_t cap);
/* Writes a line to QEMU's stderr: "synergy-qemu <id>: <text>". */
void syn_semihost_log(const char *board_id, const char *fmt, ...) SYN_PRINTF(2, 3);
/* Ends QEMU with this exit status. */
__attribute__((noreturn)) void syn_semihost_exit(uint32_t status);
/* Milliseconds-ish host entropy for the session id (the host's clock). */
uint32_t syn_semihost_clock(void);

#endif
