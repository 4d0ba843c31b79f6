/* Format 2 segments (PROTOCOL.md 7.1) built in C from a golden network (golden.h): the whole
 * network as one register segment, for the register board's tests. The golden hardware image is
 * Analog Devices' tool's for the network alone; placed after resident segments, its kernels and
 * biases move to where the fit rules put them in the union (column by column, each layer by its
 * own distance) and its registers are rewritten to match (syn_reg_table_move), so the result is what
 * the host's generator makes for that union. The outputs the tests compare against are the tool's
 * own (expected_output.json), which no rewriting can fake.
 *
 * seg2_parts holds every piece, editable, so a test can break one thing (a write, a record, a
 * count, the chip, the header length) and expect that exact refusal. Test code only. */
#ifndef SYNERGY_TEST_SEG2_GOLDEN_H
#define SYNERGY_TEST_SEG2_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fit.h"
#include "golden.h"
#include "reg/reg_program.h"

#define SEG2_MAX_WRITES 4096u
#define SEG2_MAX_RECORDS 2048u
#define SEG2_MAX_WORDS (256u * 1024u)

typedef struct {
    uint32_t addr, n;              /* kernel: n words; bias: n bytes */
    uint32_t at;                   /* first word (kernel) or byte (bias) in the pools below */
} seg2_record;

typedef struct {
    /* the description */
    char model[64];
    uint16_t count;
    accel_layer layers[GOLDEN_MAX_LAYERS];    /* as the fit reads them: an all-zero bias is none */
    accel_tensor input, output;
    reg_layout input_layout, output_layout;
    /* the program */
    char chip[16];
    reg_write init[64], start[16], configure[SEG2_MAX_WRITES];
    size_t n_init, n_start, n_configure;
    /* the records */
    seg2_record kernels[SEG2_MAX_RECORDS], bias[64];
    size_t n_kernels, n_bias;
    uint32_t words[SEG2_MAX_WORDS];
    uint8_t bias_bytes[4u * 2048u];
    bool omit_input_layout;        /* a test's lie: no input layout at all */
    /* what the header announces (the counts above unless a test lies) */
    uint32_t announce_kernels, announce_bias;
} seg2_parts;

/* The golden network's layers as the fit reads them (an all-zero bias is no bias, as the tool and
 * the host's generator treat it), for resident lists. */
void seg2_hardware_layers(const golden_set *g, accel_layer *out);

/* The parts of golden network g placed after the resident segments (their layers, in load
 * order), on g's chip. False with the reason in why (does not fit, ...). */
bool seg2_from_golden(const golden_set *g, const fit_segment *resident, size_t n_resident, seg2_parts *p, char *why,
                      size_t why_cap);

/* Sizes of the wire form's pieces. */
size_t seg2_header(const seg2_parts *p, uint8_t *out, size_t cap);
/* The wire form: magic, header length, header, kernel records, bias records. 0 if cap is short. */
size_t seg2_encode(const seg2_parts *p, uint8_t *out, size_t cap);

#endif
