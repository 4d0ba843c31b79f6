/* synergy-accel: runs the firmware's accelerator code (segment decoder, cycle model, fit rules,
 * simulator, tensor layouts) on the host in batch, so TypeScript tests can run the C code on the
 * same cases as the TypeScript code in one process (not one process per case).
 *
 *   synergy-accel <command> < requests.cbor > answers.jsonl
 *
 * stdin is a CBOR sequence (items back to back) of requests in the protocol's subset:
 *
 *   request = {
 *     0 => tstr,            ; chip: "max78000" or "max78002"
 *     ? 1 => [* bstr],      ; segments: each an encoded segment description (PROTOCOL.md 7)
 *     ? 2 => any,           ; the command's arguments (see each command)
 *   }
 *
 * stdout gets one JSON line per request: the command's answer, or {"error": "..."} when the
 * request or one of its segments is refused (the tool goes on with the next request). A
 * command that takes no requests (`chips`) prints one line and ignores stdin. Exit status: 0,
 * or 1 when stdin cannot be split into CBOR items or a command is unknown (2 with usage).
 *
 * Adding a command: write accel_tool_<name>.c defining `const tool_command tool_cmd_<name>`,
 * declare it at the bottom of this file and add it to the table in accel_tool.c. Files named
 * accel_tool*.c in port/host/ build into this tool only (firmware.mk keeps them out of the
 * emulator). */
#ifndef SYNERGY_ACCEL_TOOL_H
#define SYNERGY_ACCEL_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip.h"
#include "segment_decode.h"

#define TOOL_MAX_SEGMENTS 16          /* segments in one request */
#define TOOL_MAX_LAYERS 1024          /* layers in one segment (the CBOR array limit) */
#define TOOL_ERR_MAX 256

/* ---- JSON output ---------------------------------------------------------------------- */

/* Builds one JSON line in memory (the tool is a host program: it may allocate), so a command
 * that fails half way leaves nothing behind. */
typedef struct {
    char *buf;
    size_t len, cap;
    unsigned depth;
    bool need_comma[32];               /* per open container: a value was written already */
    bool after_key;
} tool_json;

void syn_json_obj_begin(tool_json *j);
void syn_json_obj_end(tool_json *j);
void syn_json_arr_begin(tool_json *j);
void syn_json_arr_end(tool_json *j);
void syn_json_key(tool_json *j, const char *key);
void syn_json_uint(tool_json *j, uint64_t v);
void syn_json_int(tool_json *j, int64_t v);
void syn_json_bool(tool_json *j, bool v);
void syn_json_null(tool_json *j);
void syn_json_str(tool_json *j, const char *s);
void syn_json_str_n(tool_json *j, const char *s, size_t n);
/* A 64-bit mask as a "0x%016llx" string (JSON numbers lose bits past 2^53). */
void syn_json_hex64(tool_json *j, uint64_t v);

/* ---- requests and commands ------------------------------------------------------------ */

typedef struct {
    const syn_chip *chip;
    size_t n_segments;
    accel_segment *segments;           /* n_segments decoded segments */
    const uint8_t *const *blobs;       /* each segment's encoded bytes (the decode points into them) */
    const size_t *blob_lens;
    const uint8_t *args;               /* the raw CBOR item under key 2, or NULL */
    size_t args_len;
} tool_request;

typedef struct {
    const char *name;
    const char *summary;
    bool reads_requests;               /* false: run once with req == NULL, stdin ignored */
    /* Writes one JSON value (normally an object) for the request; on failure returns false
     * with a message in err, and the tool prints {"error": err} instead of what was written. */
    bool (*run)(const tool_request *req, tool_json *out, char *err, size_t err_cap);
} tool_command;

extern const tool_command syn_tool_cmd_chips;
extern const tool_command syn_tool_cmd_decode;
extern const tool_command syn_tool_cmd_cycles;
extern const tool_command syn_tool_cmd_fit;
extern const tool_command syn_tool_cmd_run;
extern const tool_command syn_tool_cmd_layout;

#endif
