/* The messages this firmware serves, in ascending type order (hello lists them so), and the
 * modules that keep state across requests. A new message is one line here. */
#include "board.h"
#include "msg_basic.h"

const board_handler board_handlers[] = {
    { SYN_MSG_HELLO, "hello", msg_hello },
    { SYN_MSG_PING, "ping", msg_ping },
    { SYN_MSG_STATS, "stats", msg_stats },
    { SYN_MSG_RESET, "reset", msg_reset },
};
const size_t board_handler_count = sizeof board_handlers / sizeof board_handlers[0];

/* Modules with boot-time init or deferred work (none yet: the segment store and the
 * accelerator join here). A zero-length array is not C11, so the list ends with a blank entry
 * that board_init and board_poll skip (both of its functions are NULL). */
const board_module board_modules[] = {
    { "none", NULL, NULL },
};
const size_t board_module_count = sizeof board_modules / sizeof board_modules[0];
