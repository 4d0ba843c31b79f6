/* Shared by segstore.c (both formats, format 1) and segstore_reg.c (format 2); not part of the
 * interface. */
#ifndef SYNERGY_SEGSTORE_INTERNAL_H
#define SYNERGY_SEGSTORE_INTERNAL_H

#include "segstore.h"

bool syn_segstore_same_id(const char *a, const char *b, size_t b_len);
int syn_segstore_find_index(const segstore *s, const char *id, size_t id_len);
/* A NUL-terminated copy of a wire id for messages (ids are at most 64 bytes). */
const char *syn_segstore_id_text(char *buf, const char *id, size_t id_len);
void syn_segstore_clear_staging(segstore *s);
uint8_t syn_segstore_accel_code(accel_status st);
uint32_t syn_segstore_weight_bytes(const accel_segment *seg);
/* The fit message and the per-layer placement from a fit result (NULL: nothing resident). */
void syn_segstore_take_fit(segstore *s, const fit_result *r);
/* The fit rules over the resident segments, plus `extra` if given, as one network; the result
 * in mem.fit_out (does_not_fit with the fit's message). */
bool syn_segstore_run_fit(segstore *s, const accel_segment *extra, syn_fault *f);

/* Format 2 (segstore_reg.c): the bytes of a chunk, after the common checks; commit; unload of
 * entry i. */
bool syn_segstore_reg_chunk(segstore *s, const uint8_t *data, size_t n, syn_fault *f);
bool syn_segstore_reg_commit(segstore *s, syn_fault *f);
bool syn_segstore_reg_unload(segstore *s, unsigned i, syn_fault *f);

#endif
