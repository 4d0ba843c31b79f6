/* Loading segments (PROTOCOL.md section 8): segment.begin, .chunk, .commit, .abort, .list,
 * .unload over the segment store (segstore.h), and the encoders of their answers. */
#ifndef SYNERGY_MSG_SEGMENT_H
#define SYNERGY_MSG_SEGMENT_H

#include "board.h"
#include "msg_handlers.h"

void syn_msg_segment_init(board_ctx *ctx);

/* One line of segment.list. */
typedef struct {
    const char *id;
    const char *model;
    uint32_t first, count, weight_bytes;
} board_segment_info;

bool syn_board_encode_fit(cbor_writer *w, const segstore_fit *fit);
bool syn_board_encode_next_offset(cbor_writer *w, uint32_t next);   /* begin, chunk, tensor.put */
bool syn_board_encode_segment_commit(cbor_writer *w, const char *id, const segstore_fit *fit);
bool syn_board_encode_segment_list(cbor_writer *w, const board_segment_info *segments, size_t n, const segstore_fit *fit);

#endif
