/* A refusal from a module of the core (segment store, tensors, sensors): the protocol's error
 * code and a message that fits an error body (at most SYN_ERR_MSG_MAX bytes of UTF-8). Messages
 * may quote names the host chose (segment ids, layer names), so they are cut at a character
 * boundary, never inside a multi-byte sequence. */
#ifndef SYNERGY_FAULT_H
#define SYNERGY_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"
#include "text.h"

typedef struct {
    uint8_t code;                          /* SYN_ERR_*; 0 = no fault */
    char message[SYN_ERR_MSG_MAX + 1];
} syn_fault;

/* Fills the fault (formatting as syn_format) and returns false, so a module can write
 * `return syn_fail(f, SYN_ERR_BAD_STATE, "...", ...);`. f may be NULL. */
bool syn_fail(syn_fault *f, uint8_t code, const char *fmt, ...) SYN_PRINTF(3, 4);

/* Copies text into out (cap bytes with the NUL), cut at a UTF-8 character boundary. */
void syn_copy_utf8(char *out, size_t cap, const char *text);

#endif
