/* Reading a request's fields with the errors PROTOCOL.md 2.2 and 4.5 ask for: a missing field
 * or one of the wrong type is bad_body, a value out of range bad_argument; each message names
 * the request, the key and the field ("infer field 1 (inputs): ..."). Each returns false with
 * the fault filled. */
#ifndef SYNERGY_MSG_FIELDS_H
#define SYNERGY_MSG_FIELDS_H

#include "board.h"

bool syn_field_uint(const board_request *req, uint64_t key, const char *name, uint64_t max, uint64_t *out,
                board_fault *fault);
bool syn_field_text(const board_request *req, uint64_t key, const char *name, const char **text, size_t *len,
                board_fault *fault);
bool syn_field_bytes(const board_request *req, uint64_t key, const char *name, const uint8_t **data, size_t *len,
                 board_fault *fault);
/* A segment id (syn_segstore_id_problem): an id that breaks the rule is bad_argument naming the field
 * and the reason, so no message looks an id up, stores it or quotes it before it is checked. */
bool syn_field_segment_id(const board_request *req, uint64_t key, const char *name, const char **id, size_t *len,
                      board_fault *fault);
/* An optional bool: *out = dflt when absent. */
bool syn_field_opt_bool(const board_request *req, uint64_t key, const char *name, bool dflt, bool *out,
                    board_fault *fault);
/* An array of slot numbers (0..SYN_TENSOR_SLOTS-1), at most `max` of them. */
bool syn_field_slots(const board_request *req, uint64_t key, const char *name, uint8_t *slots, size_t max, size_t *n,
                 board_fault *fault);
/* The request's name for messages ("segment.begin"). */
const char *syn_request_name(const board_request *req);
/* A NUL-terminated copy of a wire text (cut to cap - 1 bytes at a character boundary). */
const char *syn_text_copy(char *buf, size_t cap, const char *text, size_t len);

#endif
