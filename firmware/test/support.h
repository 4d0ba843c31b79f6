/* Shared test helpers: hex, a capturing port, splitting captured output into frames, the CBOR
 * diagnostic printer, reading files. */
#ifndef SYNERGY_TEST_SUPPORT_H
#define SYNERGY_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "frame.h"

/* Decodes lower- or upper-case hex; returns the byte count, or SIZE_MAX if malformed/too long. */
size_t hex_decode(const char *hex, uint8_t *out, size_t cap);
/* The tests' random numbers: xorshift32 on *state (never 0), deterministic, so a failure
 * reproduces. */
uint32_t test_xorshift32(uint32_t *state);

/* A port that appends every transmitted frame to a buffer, with a settable clock and a fixed
 * "random" session id, so a test can check exactly what the board sent. */
#define CAPTURE_BYTES (256 * 1024)
typedef struct {
    syn_port port;
    uint8_t out[CAPTURE_BYTES];
    size_t len;
    uint64_t now;
    uint32_t next_random;
    int resets_requested;
    size_t refuse_after;   /* transmit fails once len would pass this (0: never) */
} capture_port;

void capture_init(capture_port *cp, uint32_t random_value);
void capture_clear(capture_port *cp);

/* One frame decoded from captured wire bytes. */
typedef struct {
    syn_header h;
    uint8_t raw[SYN_MAX_FRAME];
    size_t raw_len;
    const uint8_t *body;
    size_t body_len;
    bool crc_ok;
    size_t wire_len;       /* bytes on the wire, delimiter included */
} captured_frame;

/* Decodes the index-th frame of the capture (0-based); false if there is no such frame or it
 * does not decode. */
bool capture_frame(const capture_port *cp, size_t index, captured_frame *f);
size_t capture_frame_count(const capture_port *cp);

/* The body's error code and message, for kind-3 frames. */
bool frame_error(const captured_frame *f, uint64_t *code, char *msg, size_t cap);

/* Canonical diagnostic notation (PROTOCOL.md section 6) of one CBOR item; false if the bytes are
 * not one item of the subset or out is too small. */
bool cbor_diag(const uint8_t *buf, size_t len, char *out, size_t cap);

/* Reads a whole file into a static buffer; NULL on failure. */
const char *read_text_file(const char *path);

/* Board configuration of the golden hello vector: emulated MAX78000 "emu-1" with the register
 * engine, a microphone [128, 128, 1] at 1000 Hz, an LED, 921600 baud. */
void golden_config(board_config *cfg);

/* Directory of proto/vectors, from main's argument. */
extern const char *vectors_dir;



/* Paths of the *.json files in dir, sorted; returns the count (0 if dir cannot be read). */
#define MAX_VECTOR_FILES 128
size_t list_json(const char *dir, char paths[][512], size_t max);
/* Runs fn on each of the n paths as its own test, titled by title_format with the file's name for %s. */
void run_per_file(const char *title_format, char paths[][512], size_t n, void (*fn)(void *));
#endif
