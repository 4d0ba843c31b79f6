/* The messages this firmware serves, in ascending type order (hello lists them so), and the
 * modules that keep state across requests. A new message is one line here. */
#include "board.h"
#include "msg_handlers.h"
#include "msg_infer.h"
#include "msg_segment.h"
#include "msg_sense.h"

const board_handler syn_board_handlers[] = {
    { SYN_MSG_HELLO, "hello", syn_msg_hello, false },
    { SYN_MSG_PING, "ping", syn_msg_ping, false },
    { SYN_MSG_STATS, "stats", syn_msg_stats, false },
    { SYN_MSG_RESET, "reset", syn_msg_reset, false },
    { SYN_MSG_SEGMENT_BEGIN, "segment.begin", syn_msg_segment_begin, false },
    { SYN_MSG_SEGMENT_CHUNK, "segment.chunk", syn_msg_segment_chunk, false },
    { SYN_MSG_SEGMENT_COMMIT, "segment.commit", syn_msg_segment_commit, false },
    { SYN_MSG_SEGMENT_ABORT, "segment.abort", syn_msg_segment_abort, false },
    { SYN_MSG_SEGMENT_LIST, "segment.list", syn_msg_segment_list, false },
    { SYN_MSG_SEGMENT_UNLOAD, "segment.unload", syn_msg_segment_unload, false },
    { SYN_MSG_TENSOR_PUT, "tensor.put", syn_msg_tensor_put, false },
    { SYN_MSG_TENSOR_GET, "tensor.get", syn_msg_tensor_get, false },
    { SYN_MSG_INFER, "infer", syn_msg_infer, true },
    { SYN_MSG_PROFILE, "profile", syn_msg_profile, true },
    { SYN_MSG_SENSE, "sense", syn_msg_sense, true },
    { SYN_MSG_DELIVER, "deliver", syn_msg_deliver, false },
    { SYN_MSG_OUTPUTS, "outputs", syn_msg_outputs, false },
};
const size_t syn_board_handler_count = sizeof syn_board_handlers / sizeof syn_board_handlers[0];

/* Modules with boot-time init or deferred work. */
const board_module syn_board_modules[] = {
    { "segments", syn_msg_segment_init, NULL },
    { "jobs", syn_jobs_init, syn_jobs_poll },
};
const size_t syn_board_module_count = sizeof syn_board_modules / sizeof syn_board_modules[0];
