/* Bounded CBOR reader and writer for the protocol's subset (proto/PROTOCOL.md section 3).
 *
 * No allocation: the reader walks a caller's buffer with a cursor, the writer fills a
 * caller's buffer. Errors are sticky (the first one is kept and every later call fails), so a
 * handler can read a whole body and check once. Only definite lengths, integers within 64
 * bits, byte and text strings, arrays, maps, false, true and null are accepted; tags, floats,
 * indefinite lengths and non-shortest integer encodings are refused. */
#ifndef SYNERGY_CBOR_H
#define SYNERGY_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syn_config.h"   /* SYN_CBOR_MAX_DEPTH, _TEXT, _ITEMS */

typedef enum {
    CBOR_OK = 0,
    CBOR_ERR_EOF,        /* item runs past the end of the buffer */
    CBOR_ERR_TYPE,       /* item is not of the type asked for */
    CBOR_ERR_UNSUPPORTED,/* tag, float, indefinite length, reserved additional info */
    CBOR_ERR_NONCANONICAL,/* integer or length not in shortest form */
    CBOR_ERR_LIMIT,      /* depth or item count over the limits above */
    CBOR_ERR_RANGE,      /* integer does not fit the C type asked for */
    CBOR_ERR_OVERFLOW,   /* writer: buffer full */
    CBOR_ERR_TRAILING,   /* syn_cbor_validate: bytes left after the one item */
    CBOR_ERR_UTF8,       /* text string is not valid UTF-8 */
    CBOR_ERR_TEXT_LONG   /* text string over SYN_CBOR_MAX_TEXT bytes (named apart from the other
                            limits: an id or a name too long is the usual case) */
} cbor_err;

typedef enum {
    CBOR_UINT = 0, CBOR_NINT = 1, CBOR_BYTES = 2, CBOR_TEXT = 3,
    CBOR_ARRAY = 4, CBOR_MAP = 5, CBOR_SIMPLE = 7, CBOR_NONE = -1
} cbor_type;

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
    cbor_err err;
} cbor_reader;

void syn_cbor_reader_init(cbor_reader *r, const uint8_t *buf, size_t len);
cbor_type syn_cbor_peek(const cbor_reader *r);          /* type of the next item, CBOR_NONE at end/error */
bool syn_cbor_read_uint(cbor_reader *r, uint64_t *out);
bool syn_cbor_read_int(cbor_reader *r, int64_t *out);   /* major 0 or 1 within int64 */
bool syn_cbor_read_u32(cbor_reader *r, uint32_t *out);  /* CBOR_ERR_RANGE if > UINT32_MAX */
bool syn_cbor_read_i32(cbor_reader *r, int32_t *out);
bool syn_cbor_read_bytes(cbor_reader *r, const uint8_t **data, size_t *len);
bool syn_cbor_read_text(cbor_reader *r, const char **text, size_t *len); /* not NUL-terminated */
bool syn_cbor_read_array(cbor_reader *r, size_t *count);
bool syn_cbor_read_map(cbor_reader *r, size_t *count);
bool syn_cbor_read_bool(cbor_reader *r, bool *out);
bool syn_cbor_read_null(cbor_reader *r);
/* Any one item, nested up to SYN_CBOR_MAX_DEPTH containers ([[[[[[[[0]]]]]]]] is the deepest
 * accepted). Map keys must be unsigned integers in strictly ascending order (deterministic
 * encoding; every map of the protocol is keyed so). */
bool syn_cbor_skip(cbor_reader *r);
bool syn_cbor_at_end(const cbor_reader *r);             /* no bytes left and no error */
/* Checks that buf holds exactly one well-formed item of the subset, within the limits. */
cbor_err syn_cbor_validate(const uint8_t *buf, size_t len);

typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t len;
    cbor_err err;
} cbor_writer;

void syn_cbor_writer_init(cbor_writer *w, uint8_t *buf, size_t cap);
bool syn_cbor_write_uint(cbor_writer *w, uint64_t v);
bool syn_cbor_write_int(cbor_writer *w, int64_t v);
bool syn_cbor_write_bytes(cbor_writer *w, const uint8_t *data, size_t len);
bool syn_cbor_write_text(cbor_writer *w, const char *text, size_t len);
bool syn_cbor_write_cstr(cbor_writer *w, const char *text);
bool syn_cbor_write_array(cbor_writer *w, size_t count);
bool syn_cbor_write_map(cbor_writer *w, size_t count);
bool syn_cbor_write_bool(cbor_writer *w, bool v);
bool syn_cbor_write_null(cbor_writer *w);

const char *syn_cbor_err_name(cbor_err e);

#endif
