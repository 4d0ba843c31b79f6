/* The message handlers board_table.c lists, all of one signature (board_handler, board.h). Each
 * msg_*.c file serves a section of PROTOCOL.md: msg_basic.c hello, ping, stats and reset;
 * msg_segment.c the segment messages (section 8); msg_infer.c tensors, infer and profile (9);
 * msg_sense.c sensing and delivery (10). */
#ifndef SYNERGY_MSG_HANDLERS_H
#define SYNERGY_MSG_HANDLERS_H

#include "board.h"

#define SYN_HANDLER(name) \
    board_result name(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault)

/* msg_basic.c */
SYN_HANDLER(syn_msg_hello); SYN_HANDLER(syn_msg_ping); SYN_HANDLER(syn_msg_stats); SYN_HANDLER(syn_msg_reset);
/* msg_infer.c */
SYN_HANDLER(syn_msg_tensor_put); SYN_HANDLER(syn_msg_tensor_get); SYN_HANDLER(syn_msg_infer); SYN_HANDLER(syn_msg_profile);
/* msg_segment.c */
SYN_HANDLER(syn_msg_segment_begin); SYN_HANDLER(syn_msg_segment_chunk); SYN_HANDLER(syn_msg_segment_commit);
SYN_HANDLER(syn_msg_segment_abort); SYN_HANDLER(syn_msg_segment_list); SYN_HANDLER(syn_msg_segment_unload);
/* msg_sense.c */
SYN_HANDLER(syn_msg_sense); SYN_HANDLER(syn_msg_deliver); SYN_HANDLER(syn_msg_outputs);

#endif
