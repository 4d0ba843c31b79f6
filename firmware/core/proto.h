/* Protocol version 1 constants (proto/PROTOCOL.md). The TypeScript side parses this file in a
 * cross-check test, so every constant stays on a line of its own in the form
 * `#define NAME value` with nothing else on the line (comments go on the line above). */
#ifndef SYNERGY_PROTO_H
#define SYNERGY_PROTO_H

#include "syn_config.h"

/* Header version byte (section 2.1). */
#define SYN_PROTO_VERSION 1

/* Header kinds (section 2.1). */
#define SYN_KIND_REQUEST 0
#define SYN_KIND_RESPONSE 1
#define SYN_KIND_EVENT 2
#define SYN_KIND_ERROR 3

/* Message types (section 4). */
#define SYN_MSG_HELLO 0x0001
#define SYN_MSG_PING 0x0002
#define SYN_MSG_STATS 0x0003
#define SYN_MSG_RESET 0x0004
#define SYN_MSG_BOOT 0x0005
/* Loading segments (section 8). */
#define SYN_MSG_SEGMENT_BEGIN 0x0010
#define SYN_MSG_SEGMENT_CHUNK 0x0011
#define SYN_MSG_SEGMENT_COMMIT 0x0012
#define SYN_MSG_SEGMENT_ABORT 0x0013
#define SYN_MSG_SEGMENT_LIST 0x0014
#define SYN_MSG_SEGMENT_UNLOAD 0x0015
/* Tensors, inference and profiling (section 9). */
#define SYN_MSG_TENSOR_PUT 0x0020
#define SYN_MSG_TENSOR_GET 0x0021
#define SYN_MSG_INFER 0x0022
#define SYN_MSG_PROFILE 0x0023
/* Sensing and delivery (section 10). */
#define SYN_MSG_SENSE 0x0030
#define SYN_MSG_DELIVER 0x0031
#define SYN_MSG_OUTPUTS 0x0032

/* Error codes (section 4.5): the PROTOCOL.md names upper-cased. */
#define SYN_ERR_BAD_FRAME 1
#define SYN_ERR_BAD_CRC 2
#define SYN_ERR_TOO_LARGE 3
#define SYN_ERR_BAD_VERSION 4
#define SYN_ERR_UNKNOWN_TYPE 5
#define SYN_ERR_BAD_BODY 6
#define SYN_ERR_BAD_KIND 7
#define SYN_ERR_BUSY 8
#define SYN_ERR_NOT_FOUND 9
#define SYN_ERR_BAD_STATE 10
#define SYN_ERR_DOES_NOT_FIT 11
#define SYN_ERR_BAD_HASH 12
#define SYN_ERR_BAD_ARGUMENT 13
#define SYN_ERR_INTERNAL 14
#define SYN_ERR_UNSUPPORTED 15

/* The limits (sections 2 and 5: max_frame, max_in_flight, ...) are in syn_config.h. */
_Static_assert(SYN_MAX_WAITING <= SYN_MAX_IN_FLIGHT - 2, "two credits always come back at once");
_Static_assert(SYN_SENSE_QUEUE <= SYN_MAX_WAITING, "senses wait among the waiting requests");
#define SYN_HEADER_SIZE 8
#define SYN_CRC_SIZE 4

/* Derived sizes (not part of the cross-checked list). */
#define SYN_MIN_FRAME (SYN_HEADER_SIZE + SYN_CRC_SIZE)
#define SYN_MAX_BODY (SYN_MAX_FRAME - SYN_MIN_FRAME)
/* COBS adds one code byte per 254 data bytes plus one; the 0x00 delimiter follows. */
#define SYN_MAX_WIRE (SYN_MAX_FRAME + SYN_MAX_FRAME / 254 + 1 + 1)

#endif
