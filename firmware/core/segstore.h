/* The segment store (PROTOCOL.md section 8): the upload in progress and the set of resident
 * segments that inference runs. A board takes the segment format of its engine (accel.h):
 *
 * Format 1 (the layer engine; segstore.c). Memory (the port provides every region, sized per chip;
 * see board_memory in board.h):
 *  - staging: the upload lands here, hashed as it comes (SHA-256, resumable by id+size+hash);
 *  - pool: resident segment descriptions, back to back in load order. The accelerator reads
 *    layers and weights in place (accel.h), so a blob never moves while it is loaded;
 *  - layers/params: the decoded layers of the resident segments, back to back in load order,
 *    then room to decode the one being committed;
 *  - fit working storage (fit_ctx: not the core's to own).
 * Commit: every byte -> SHA-256 -> decode (in the staging area) -> the fit rules over the resident
 * segments plus this one as one network on the chip -> room in the pool -> copy to the pool's
 * end (pointers moved with it) -> syn_accel_load -> resident. Any failure before the last step
 * leaves the resident set exactly as it was (nothing of it was written) and clears staging.
 * Unload: the segment's bytes and layers are cut out and the later ones slid down (the pool stays
 * contiguous, so free space is always one run at the end); as their addresses changed, the
 * accelerator is reopened and every remaining segment loaded again in order, which also puts
 * their weights where a fresh load of that union would (the fit reported is of that union).
 *
 * Format 2 (the register engine; segstore_reg.c, PROTOCOL.md 7.1): consumed as it streams in,
 * with no staging area and no weight pool:
 *  - program: the program pool. The header accumulates at its free end (at most header_max
 *    bytes, hello key 21); once whole it is decoded (layers into the layer store), the fit rules
 *    run over the resident segments plus this one, every register write and layout is checked,
 *    and the header is turned in place into the segment's program: its init and start writes, its
 *    configure program as a table of every per-layer register (reg_table.h) and its layouts;
 *  - the records then go straight into the accelerator as they arrive (reg_upload.h): only into
 *    the kernel columns and bias bytes the fit gave this segment (cleared first), each checked;
 *  - commit: every byte, every record, the SHA-256, then syn_accel_load_image: resident. A failure at
 *    any point ends the upload; the resident segments, their programs and their memory are never
 *    written by it, so their results stay exactly as they were.
 * Unload: the later segments' kernels and biases move, through the driver, to where the fit rules
 * place the remaining segments in load order (only segments after the unloaded one move), their
 * tables are rewritten to match (syn_reg_table_move), the memory no segment holds any more is zeroed,
 * and their programs slide down in the pool. An unload ends a format 2 upload in progress (the
 * fit it was checked against is gone). */
#ifndef SYNERGY_SEGSTORE_H
#define SYNERGY_SEGSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accel.h"
#include "fault.h"
#include "fit.h"
#include "segment_decode.h"
#include "sha256.h"
#include "syn_config.h"

/* Segment ids (PROTOCOL.md 8): 1..SYN_SEGMENT_ID_MAX bytes, each printable ASCII without space, so
 * an id is one token in logs and messages, and no two ids differ only past a NUL or in invisible
 * bytes. */
#define SEGSTORE_ID_FIRST_BYTE 0x21
#define SEGSTORE_ID_LAST_BYTE 0x7E

typedef struct {
    uint8_t *staging;              /* format 1 */
    uint32_t staging_bytes;
    uint8_t *pool;                 /* format 1 */
    uint32_t pool_bytes;
    accel_layer *layers;           /* layer_capacity entries each */
    accel_params *params;          /* format 1 (NULL on a register board) */
    uint32_t layer_capacity;
    fit_ctx *fit_work;
    fit_result *fit_out;
    uint8_t *program;              /* format 2: the program pool (8-byte aligned) */
    uint32_t program_bytes;
    uint32_t header_max;           /* format 2: the largest header taken (hello key 21) */
} segstore_memory;

/* The fit message of PROTOCOL.md section 8: what is resident now (all zeros when nothing is). */
typedef struct {
    uint32_t layers, hardware_layers, max_columns, busiest_processor, kernel_words, weight_bytes;
    uint32_t bias_per_quadrant[FIT_QUADRANTS];
    uint32_t bias_bytes, max_input_end, max_output_end;
} segstore_fit;

typedef struct {
    char id[SYN_SEGMENT_ID_MAX + 1];
    uint32_t blob_at, blob_len;    /* format 1: its description in the pool; format 2: its program */
    uint32_t layer_at;             /* first entry in layers/params, and in the union's order */
    uint32_t weight_bytes;         /* the synthesis tool's statistic for this segment alone */
    uint8_t accel_slot;
    accel_segment seg;             /* points into layers/params and the pool */
    uint8_t groups;                /* format 2: the quadrants its init writes */
    reg_image img;                 /* format 2: its program, in the program pool */
} segstore_entry;

/* Where one layer of the resident union keeps its kernels and bias (from the last fit). */
typedef struct {
    uint32_t kernel_start;
    int8_t bias_quadrant;
    uint16_t bias_offset, bias_length;
} segstore_place;

/* A format 2 upload as it streams in (segstore_reg.c). */
typedef enum { UP2_PREFIX = 0, UP2_HEADER, UP2_RECORDS } segstore_up2_phase;

typedef struct {
    segstore_up2_phase phase;
    uint8_t prefix[ACCEL_SEG2_PREFIX];
    uint32_t got;                  /* prefix or header bytes so far */
    uint32_t header_len;
    accel_segment seg;             /* the decoded header (layers in the layer store) */
    accel_segment2 h;
    reg_image img;                 /* its program, at the program pool's free end */
    uint8_t groups;
    uint32_t program_len;
} segstore_up2;

typedef struct {
    segstore_memory mem;
    const syn_chip *chip;
    const accel_engine *engine;
    accel_ctx *accel;              /* NULL when the port's accelerator refused the chip */
    char accel_error[SYN_ACCEL_ERR_MAX];
    /* staging */
    bool staging;
    char staging_id[SYN_SEGMENT_ID_MAX + 1];
    uint32_t staging_size, staging_received;
    uint8_t staging_sha[SHA256_BYTES];
    sha256_ctx hash;
    segstore_up2 up2;              /* format 2 */
    /* resident */
    segstore_entry entries[SYN_MAX_RESIDENT];
    uint8_t n;
    uint32_t pool_used, layers_used;
    segstore_fit fit;
    segstore_place place[SYN_MAX_LAYERS];    /* per layer of the union, from the last fit */
} segstore;

void syn_segstore_init(segstore *s, const segstore_memory *mem, const syn_chip *chip, const accel_engine *engine);
/* The segment format the board takes (its engine's): 1 or 2. */
uint8_t syn_segstore_format(const segstore *s);

/* NULL when the wire text is a segment id, else why not, in words (into why, cap bytes):
 * "empty, ids are 1..64 bytes", "65 bytes, ids are 1..64 bytes", "byte 3 is 0x00, not 0x21..0x7e". */
const char *syn_segstore_id_problem(const char *id, size_t len, char *why, size_t cap);

/* segment.begin: *next is 0, or where a matching partial upload stands. */
bool syn_segstore_begin(segstore *s, const char *id, size_t id_len, uint32_t size, const uint8_t *sha, uint32_t *next,
                    syn_fault *f);
/* segment.chunk: bytes at `offset`, which must be the next one. */
bool syn_segstore_chunk(segstore *s, uint32_t offset, const uint8_t *data, size_t n, uint32_t *next, syn_fault *f);
/* segment.commit: on success the new segment is the last entry. */
bool syn_segstore_commit(segstore *s, syn_fault *f);
void syn_segstore_abort(segstore *s);
bool syn_segstore_unload(segstore *s, const char *id, size_t id_len, syn_fault *f);

const segstore_entry *syn_segstore_find(const segstore *s, const char *id, size_t id_len);
/* Kernel start column of layer k of a resident entry (for the cycle model's pre-read term). */
uint32_t syn_segstore_kernel_start(const segstore *s, const segstore_entry *e, uint32_t k);

/* Bytes of a segment's tensor (C x H x W, times 4 for 32-bit). */
uint32_t syn_segstore_tensor_bytes(const accel_tensor *t);

#endif
