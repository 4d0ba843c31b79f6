/* libFuzzer target: arbitrary bytes into the frame receiver and the dispatcher (make fuzz).
 * Every answer the board sends must be one well-formed frame: COBS, good CRC, within max_frame,
 * with a body the board's own reader accepts. */
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "frame.h"

static uint64_t clock_us;

static uint64_t f_now(void *u)
{
    (void)u;
    return clock_us += 7;
}

static bool f_transmit(void *u, const uint8_t *bytes, size_t n)
{
    (void)u;
    static uint8_t raw[SYN_MAX_FRAME];
    size_t len;
    if (n < 2 || n > SYN_MAX_WIRE || bytes[n - 1] != 0 || !syn_cobs_decode(bytes, n - 1, raw, sizeof raw, &len))
        abort();
    syn_rx_check chk;
    syn_rx_check_run(raw, len, COBS_RX_FRAME, false, &chk);
    if (chk.stage != SYN_RX_OK || syn_cbor_validate(chk.body, chk.body_len) != CBOR_OK)
        abort();
    return true;
}

static uint32_t f_random(void *u)
{
    (void)u;
    return 0x5EED;
}

static void f_reset(void *u)
{
    (void)u;
}

static const syn_port port = { .now_us = f_now, .transmit = f_transmit, .random32 = f_random, .request_reset = f_reset };
static board_ctx board;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    board_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.chip = syn_chip_find("max78000");
    cfg.engine = &syn_accel_engine_layer;
    strcpy(cfg.board_id, "fuzz");
    syn_board_init(&board, &cfg, &port, BOARD_BOOT_POWER_ON);
    /* The first byte picks the piece size, so frames split across reads are explored too. */
    size_t step = size > 0 ? (size_t)data[0] + 1u : 1u;
    for (size_t i = 0; i < size; i += step)
        syn_board_rx_bytes(&board, data + i, size - i < step ? size - i : step);
    syn_board_poll(&board, clock_us);
    return 0;
}
