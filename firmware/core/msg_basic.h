/* Handlers of hello, ping, stats and reset; listed in board_table.c. */
#ifndef SYNERGY_MSG_BASIC_H
#define SYNERGY_MSG_BASIC_H

#include "board.h"

board_result syn_msg_hello(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault);
board_result syn_msg_ping(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault);
board_result syn_msg_stats(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault);
board_result syn_msg_reset(board_ctx *ctx, const board_request *req, cbor_writer *reply, board_fault *fault);

#endif
