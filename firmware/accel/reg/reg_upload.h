/* The records of a format 2 segment (PROTOCOL.md 7.1) as their bytes stream in, written to the
 * accelerator through the CNN driver as they arrive, each checked first: kernel records, then
 * bias records, back to back, `addr (uint32 LE) | n (uint32 LE) | payload`.
 *
 *  - A kernel record: n words (little-endian) for the packed loader from column (addr - processor
 *    base) / 4; the words hold k = floor(4n / 9) columns (9 bytes each, most significant byte of a
 *    word first) and at most 3 bytes of padding. Every one of its columns must be one the caller
 *    gave this segment (syn_reg_upload_own_columns) and not written by an earlier record. The words
 *    go in groups of 9 (4 columns), each group after its own "set address", so a record split
 *    across chunks at any byte never depends on the loader's state between chunks.
 *  - A bias record: n bytes, one per 32-bit word of a quadrant's bias memory from addr, then
 *    zero bytes to a multiple of 4; every byte one the caller gave (syn_reg_upload_own_bias) and not
 *    written before.
 * Exactly the announced records, nothing after them.
 *
 * Before the first record, syn_reg_upload_clear writes zeros to every column and bias byte the
 * segment was given, so what its records do not cover reads as after a reset, whatever an earlier
 * segment or a failed upload left there; nothing outside what it was given is ever written.
 *
 * Memory: the kernel-column map is the caller's (one row of `row_words` words per processor, bit
 * c of a row: column c given and not yet written; the segment store lends the fit's occupancy
 * map); the bias map (SYN_REG_UPLOAD_MAX_BIAS bits per quadrant) is here. */
#ifndef SYNERGY_ACCEL_REG_UPLOAD_H
#define SYNERGY_ACCEL_REG_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip.h"
#include "cnn_driver.h"
#include "syn_config.h"

#define REG_UPLOAD_GROUP_WORDS 9u    /* 4 columns of 9 bytes */

/* Says whether column `col` of processor p is one the segment was given (only asked to name a
 * refusal: an earlier record's column or one outside the segment's). */
typedef bool (*reg_upload_given_fn)(void *user, unsigned p, uint32_t col);

typedef struct {
    const syn_chip *chip;
    uint32_t n_kernel, n_bias;            /* announced */
    uint32_t done;                        /* records complete */
    uint32_t *kernel_map;                 /* FIT_PROCESSORS rows of row_words */
    uint32_t row_words;
    reg_upload_given_fn given;
    void *user;
    uint32_t bias_map[4][(SYN_REG_UPLOAD_MAX_BIAS + 31u) / 32u];     /* given and not yet written */
    uint32_t bias_given[4][(SYN_REG_UPLOAD_MAX_BIAS + 31u) / 32u];   /* given */
    /* the record being read */
    uint8_t head[8];
    uint8_t head_have;
    bool in_payload;
    uint32_t addr, n;                     /* n: words (kernel) or bytes (bias) */
    uint32_t got;                         /* payload bytes so far, padding included */
    uint8_t group[REG_UPLOAD_GROUP_WORDS * 4u];
    uint8_t group_have;
    uint32_t groups_done;
} reg_upload;

/* Starts an upload of n_kernel then n_bias records; the kernel map is the caller's and starts
 * empty (syn_reg_upload_own_columns fills it), the bias map empty. */
void syn_reg_upload_begin(reg_upload *u, const syn_chip *chip, uint32_t n_kernel, uint32_t n_bias, uint32_t *kernel_map,
                      uint32_t row_words, reg_upload_given_fn given, void *user);
/* Gives the segment columns [start, end) of processor p. */
void syn_reg_upload_own_columns(reg_upload *u, unsigned p, uint32_t start, uint32_t end);
/* Gives the segment bias bytes [offset, offset + len) of quadrant q. */
void syn_reg_upload_own_bias(reg_upload *u, unsigned q, uint32_t offset, uint32_t len);

/* Writes zeros to everything given (kernel columns in the direct form, the packed loader turned
 * off in each quadrant meanwhile and its CTRL restored). */
bool syn_reg_upload_clear(reg_upload *u, cnn_error *err);

/* Takes the next n bytes of the records. False with the record named in err: the upload is then
 * over (what was written lies only in what the segment was given). */
bool syn_reg_upload_feed(reg_upload *u, const uint8_t *data, size_t n, cnn_error *err);

/* Whether exactly the announced records arrived, whole; false says what is missing. */
bool syn_reg_upload_finished(const reg_upload *u, cnn_error *err);

#endif
