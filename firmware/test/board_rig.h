/* A board driven in-process for the tests of segments, tensors, inference and sensing: the
 * real core with the emulator's memory regions (emu_memory.h) behind a capturing port whose
 * clock the test sets, so modelled times are checked exactly, without sleeping. */
#ifndef SYNERGY_TEST_BOARD_RIG_H
#define SYNERGY_TEST_BOARD_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "cbor.h"
#include "support.h"

typedef struct {
    board_ctx board;
    capture_port cap;
    board_config cfg;
    uint16_t next_id;
    captured_frame frame;      /* the last answer read */
    uint64_t code;             /* its error code, 0 for a response */
    char message[SYN_ERR_MSG_MAX + 1];
} rig;

/* Boots a board of this chip at t = 1 s with sensors/outputs from golden_config (a microphone
 * 128x128x1 at 1000 Hz, an LED), with the layer engine (rig_boot) or the one given. */
void rig_boot(rig *r, const char *chip);
void rig_boot_engine(rig *r, const char *chip, const accel_engine *engine);
/* Sends a request whose body is the writer's bytes; answers that come at once are read with
 * rig_answer. */
uint16_t rig_send(rig *r, uint16_t type, const uint8_t *body, size_t len);
/* Sets the clock and polls the board (deferred answers leave). */
void rig_at(rig *r, uint64_t now_us);
/* The frames the board sent since the last rig_clear. */
size_t rig_frames(const rig *r);
void rig_clear(rig *r);
/* Reads the n-th captured frame into r->frame (and code/message if it is an error). */
bool rig_answer(rig *r, size_t n);
/* Sends and expects exactly one answer now; true when it is a response (not an error). */
bool rig_call(rig *r, uint16_t type, const uint8_t *body, size_t len);

/* Field `key` of the answer's body map; body_field of any body map. */
bool answer_field(const rig *r, uint64_t key, cbor_reader *v);
bool body_field(const uint8_t *body, size_t len, uint64_t key, cbor_reader *v);
uint64_t answer_uint(const rig *r, uint64_t key);

/* A scratch writer for request bodies. */
cbor_writer *body(void);

/* segment.begin + chunks (at most SYN_MAX_PAYLOAD each) + commit; the commit's answer in r. */
bool rig_upload(rig *r, const char *id, const uint8_t *blob, size_t len);
/* Request bodies into w: segment.begin's {0: id, 1: size, 2: SHA-256 of the blob}; infer's map
 * of n_keys entries, the first three {0: id, 1: input slots, 2: output slots} (the caller writes
 * the rest). */
void rig_write_begin(cbor_writer *w, const char *id, const uint8_t *blob, size_t len);
/* profile's {0: id, 1: warmup, 2: runs, 3: [input slot]}. */
void rig_write_profile(cbor_writer *w, const char *id, uint64_t warmup, uint64_t runs, unsigned slot);
/* tensor.put's {0: slot, 1: offset, 2: total bytes, 3: data[0..n)}. */
void rig_write_put(cbor_writer *w, unsigned slot, uint64_t offset, uint64_t total, const uint8_t *data, size_t n);
/* A scratch body {0: a, 1: b} (sense's sensor and slot, deliver's slots). */
cbor_writer *body_pair(uint64_t a, uint64_t b);
void rig_write_infer(cbor_writer *w, unsigned n_keys, const char *id, const uint8_t *in, size_t n_in, const uint8_t *out,
                     size_t n_out);
/* segment.begin, then chunks of piece(at, user) bytes each (at most SYN_MAX_PAYLOAD), then
 * commit; stops at the first error (in r). */
bool rig_upload_split(rig *r, const char *id, const uint8_t *blob, size_t len, size_t (*piece)(size_t at, void *user),
                      void *user);
/* infer of a resident segment from input slots into output slots, polling the board until the
 * answer leaves; true when it is a response (the answer in r). */
bool rig_infer(rig *r, const char *id, const uint8_t *in, size_t n_in, const uint8_t *out, size_t n_out);
/* Sends a request that may be answered later, polling the board (at most polls times) until a
 * frame leaves; true when exactly one answer came and it is a response (the answer in r). */
bool rig_request(rig *r, uint16_t type, const uint8_t *body, size_t len, int polls);
/* tensor.put of a whole tensor in chunks. */
bool rig_put(rig *r, unsigned slot, const uint8_t *data, uint32_t len);
/* tensor.get of a whole slot into out (cap bytes); returns the bytes, or SIZE_MAX on an error. */
size_t rig_get(rig *r, unsigned slot, uint8_t *out, size_t cap);
/* One tensor.get {0: slot, 1: offset, 2: max bytes}; rig_call's result (the answer in r). */
bool rig_call_get(rig *r, unsigned slot, uint64_t offset, uint64_t max);

#endif
