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
 * Adding a command: write accel_tool_<name>.c defining `syn_tool_<name>` (tool_command's run),
 * declare it at the bottom of this file and add it, with its summary, to the table in
 * accel_tool.c. Files named accel_tool*.c in port/host/ build into this tool only (firmware.mk
 * keeps them out of the emulator). */
#ifndef SYNERGY_ACCEL_TOOL_H
#define SYNERGY_ACCEL_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbor.h"
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

/* One struct member written as "key": value; a command lists its members in a table and
 * syn_json_fields writes them in that order (instead of a key and a value call per member). */
typedef enum { JF_UINT, JF_INT, JF_BOOL, JF_HEX64, JF_PAIR, JF_SHAPE } tool_json_kind;
typedef struct {
    const char *key;
    uint8_t kind;          /* tool_json_kind */
    uint8_t size;          /* the member's bytes (JF_UINT, JF_INT) */
    uint16_t offset;       /* the member's offset in its struct */
} tool_json_field;
#define TOOL_FIELD(key, type, member, kind) { key, kind, sizeof(((type *)0)->member), offsetof(type, member) }
void syn_json_fields(tool_json *j, const void *obj, const tool_json_field *fields, size_t n);
#define TOOL_JSON_FIELDS(j, obj, table) syn_json_fields(j, obj, table, sizeof(table) / sizeof((table)[0]))
/* An accel_shape as [c, h, w]; a pair of bytes as [a, b]. */
void syn_json_shape(tool_json *j, const char *key, accel_shape s);
void syn_json_pair(tool_json *j, const char *key, const uint8_t v[2]);
/* n unsigned values of `size` bytes each as an array under key. */
void syn_json_uint_array(tool_json *j, const char *key, const void *values, size_t size, size_t n);

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

/* ---- reading a request's maps (each false with a message in err) ------------------------ */

/* A map being read key by key: r sits at the next key's value once syn_tool_next_key says it. */
typedef struct {
    cbor_reader r;
    size_t left;                       /* entries not read yet */
    const char *what;                  /* the map's name in messages: "args", "request" */
} tool_map;

/* Opens the args (key 2) as a map. Missing args are an empty map, or, when the command needs
 * them, refused with `needed` in the message. Clears err. */
bool syn_tool_args_map(const tool_request *req, tool_map *m, const char *needed, char *err, size_t cap);
/* Opens the map at r's position. Clears err. */
bool syn_tool_map_open(tool_map *m, const cbor_reader *r, const char *what, char *err, size_t cap);
/* The next key: false at the end of the map (err stays empty) or when a key is not an unsigned
 * integer (err says so); a command's loop ends with `return err[0] == '\0';`. */
bool syn_tool_next_key(tool_map *m, uint64_t *key, char *err, size_t cap);
/* Skips the value of a key the command does not know. */
bool syn_tool_skip(tool_map *m, char *err, size_t cap);

/* The commands (accel_tool_<name>.c each), listed with their summaries in accel_tool.c. */
bool syn_tool_chips(const tool_request *req, tool_json *out, char *err, size_t err_cap);
bool syn_tool_cycles(const tool_request *req, tool_json *out, char *err, size_t err_cap);
bool syn_tool_decode(const tool_request *req, tool_json *out, char *err, size_t err_cap);
bool syn_tool_fit(const tool_request *req, tool_json *out, char *err, size_t err_cap);
bool syn_tool_layout(const tool_request *req, tool_json *out, char *err, size_t err_cap);
bool syn_tool_run(const tool_request *req, tool_json *out, char *err, size_t err_cap);

#endif
