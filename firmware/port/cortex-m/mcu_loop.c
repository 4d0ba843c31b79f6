/* The bare-metal main loop; see mcu_loop.h. */
#include "mcu_loop.h"

#include <string.h>

#include "cm4.h"
#include "emu_pace.h"
#include "mcu_facts.h"

static volatile bool reset_requested;
static emu_bucket rx_pace, tx_pace;
static bool paced;

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

bool syn_mcu_transmit(void *user, const uint8_t *bytes, size_t n)
{
    const mcu_io *io = user;
    bool idle = byte_ring_count(io->tx) == 0;
    if (!byte_ring_put_all(io->tx, bytes, n))
        return false;
    if (paced && idle)
        syn_emu_bucket_restart(&tx_pace, io->now_us());   /* the frame starts crossing the wire now */
    io->tx_kick();
    return true;
}

void syn_mcu_request_reset(void *user)
{
    (void)user;
    reset_requested = true;
}

uint64_t syn_mcu_port_now(void *user)
{
    const mcu_io *io = user;
    return io->now_us();
}

uint32_t syn_mcu_port_stack_peak(void *user)
{
    (void)user;
    return syn_mcu_stack_peak();
}

/* Gives the core what the receive ring holds, a frame at a time, while answers have room. */
static bool feed(board_ctx *board, const mcu_io *io, uint64_t now)
{
    size_t avail = syn_emu_bucket_available(&rx_pace, now);
    bool fed = false;
    while (!reset_requested && avail > 0 && byte_ring_room(io->tx) >= io->tx_reserve) {
        size_t n;
        const uint8_t *p = byte_ring_peek(io->rx, &n);
        if (n == 0)
            break;
        if (n > avail)
            n = avail;
        const uint8_t *z = memchr(p, 0, n);
        if (z != NULL)
            n = (size_t)(z - p) + 1u;
        syn_board_rx_bytes(board, p, n);
        byte_ring_drop(io->rx, n);
        syn_emu_bucket_take(&rx_pace, n);
        avail -= n;
        fed = true;
    }
    if (fed && io->rx_resume != NULL)
        io->rx_resume();
    return fed;
}

void syn_mcu_loop_run(board_ctx *board, const mcu_io *io)
{
    uint64_t now = io->now_us();
    paced = io->pace_baud != 0 && io->tx_allow != NULL;
    syn_emu_bucket_init(&rx_pace, paced ? io->pace_baud : 0u, now);
    syn_emu_bucket_init(&tx_pace, paced ? io->pace_baud : 0u, now);
    size_t step = paced ? (size_t)(rx_pace.burst / 2u) : 1u;
    uint32_t rx_seen = 0;      /* receive ring fill at the last pass: 0 -> n means bytes arrived at an idle wire */
    reset_requested = false;
    for (;;) {
        if (io->each_pass != NULL)
            io->each_pass();
        now = io->now_us();
        if (reset_requested && io->tx_idle())
            io->reset();
        uint32_t rx_count = byte_ring_count(io->rx);
        if (paced && rx_seen == 0 && rx_count > 0)
            syn_emu_bucket_restart(&rx_pace, now);
        feed(board, io, now);
        rx_seen = byte_ring_count(io->rx);
        uint64_t deadline = syn_board_poll(board, now);

        if (paced) {
            /* Bytes queued beyond what the interrupt may already send wait for the bucket. */
            uint32_t queued = byte_ring_count(io->tx), allowed = io->tx_allow(0);
            uint32_t waiting = queued > allowed ? queued - allowed : 0u;
            if (waiting > 0) {
                size_t a = syn_emu_bucket_available(&tx_pace, now);
                uint32_t g = a < waiting ? (uint32_t)a : waiting;
                if (g > 0) {
                    syn_emu_bucket_take(&tx_pace, g);
                    io->tx_allow(g);
                    io->tx_kick();
                    waiting -= g;
                }
                if (waiting > 0)
                    deadline = min_u64(deadline, now + syn_emu_bucket_wait_us(&tx_pace, waiting < step ? waiting : step));
            }
            if (rx_seen > 0 && byte_ring_room(io->tx) >= io->tx_reserve)
                deadline = min_u64(deadline, now + syn_emu_bucket_wait_us(&rx_pace, rx_seen < step ? rx_seen : step));
        }

        cm4_disable_irq();
        /* Unpaced, bytes that arrived since the feed are work now; paced, they wait for the
         * bucket (the deadline above), so a stream arriving faster than the pace does not keep
         * the loop from sleeping. */
        bool work = (reset_requested && io->tx_idle()) ||
                    (!paced && !reset_requested && byte_ring_count(io->rx) != rx_seen) ||
                    (!paced && !reset_requested && rx_seen > 0 && byte_ring_room(io->tx) >= io->tx_reserve);
        if (!work) {
            io->wake_at(deadline);
            cm4_wfi();
        }
        cm4_enable_irq();
    }
}
