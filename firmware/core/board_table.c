/* The messages this firmware serves, in ascending type order (hello lists them so), and the
 * modules that keep state across requests. A new message is one line here. */
#include "board.h"
#include "msg_basic.h"
#include "msg_infer.h"
#include "msg_segment.h"
#include "msg_sense.h"

const board_handler board_handlers[] = {
    { SYN_MSG_HELLO, "hello", msg_hello, false },
    { SYN_MSG_PING, "ping", msg_ping, false },
    { SYN_MSG_STATS, "stats", msg_stats, false },
    { SYN_MSG_RESET, "reset", msg_reset, false },
    { SYN_MSG_SEGMENT_BEGIN, "segment.begin", msg_segment_begin, false },
    { SYN_MSG_SEGMENT_CHUNK, "segment.chunk", msg_segment_chunk, false },
    { SYN_MSG_SEGMENT_COMMIT, "segment.commit", msg_segment_commit, false },
    { SYN_MSG_SEGMENT_ABORT, "segment.abort", msg_segment_abort, false },
    { SYN_MSG_SEGMENT_LIST, "segment.list", msg_segment_list, false },
    { SYN_MSG_SEGMENT_UNLOAD, "segment.unload", msg_segment_unload, false },
    { SYN_MSG_TENSOR_PUT, "tensor.put", msg_tensor_put, false },
    { SYN_MSG_TENSOR_GET, "tensor.get", msg_tensor_get, false },
    { SYN_MSG_INFER, "infer", msg_infer, true },
    { SYN_MSG_PROFILE, "profile", msg_profile, true },
    { SYN_MSG_SENSE, "sense", msg_sense, true },
    { SYN_MSG_DELIVER, "deliver", msg_deliver, false },
    { SYN_MSG_OUTPUTS, "outputs", msg_outputs, false },
};
const size_t board_handler_count = sizeof board_handlers / sizeof board_handlers[0];

/* Modules with boot-time init or deferred work. */
const board_module board_modules[] = {
    { "segments", msg_segment_init, NULL },
    { "jobs", jobs_init, jobs_poll },
};
const size_t board_module_count = sizeof board_modules / sizeof board_modules[0];
