/* The MAX78000FTHR firmware: the portable core on the board's Cortex-M4 at 100 MHz, talking over
 * UART0 through the on-board DAPLink (USB serial), with the RGB LED as an output.
 *
 * What this file leaves to the accelerator binding: the core reaches the CNN only through
 * accel.h, which one file of this port implements over the register driver layer
 * (firmware/port/max78000/accel_max78000.c, built when present; firmware/max78000.mk). The CNN
 * is powered and clocked at boot (cnn_power.c) so the binding finds it ready.
 *
 * Memory: the core's regions below are sized for 128 KiB of SRAM. The board runs the register
 * engine: segments (format 2) stream straight into the CNN's memories, so there is no staging
 * area or weight pool, only the program pool (a header while it arrives, then every resident
 * segment's registers and layouts) and the layer store; the fit rules' storage is sized for a
 * MAX78000 (max78000.mk: SYN_MAX_COLUMNS, SYN_MAX_LAYERS). `make firmware` prints the image's
 * flash and static SRAM use and fails above 90 %. */
#include <string.h>

#include "board.h"
#include "fthr.h"
#include "max78000_regs.h"
#include "mcu_facts.h"
#include "mcu_loop.h"

#ifndef FTHR_UART_BAUD
#define FTHR_UART_BAUD 115200u   /* the DAPLink's default; `make firmware FTHR_UART_BAUD=921600` */
#endif

/* The core's regions (board_memory), for the register engine: SYN_HEADER_MAX, SYN_PROGRAM_BYTES
 * and SYN_TENSOR_ARENA_BYTES, this board's given by firmware/max78000.mk. */
#define LAYERS 32u   /* the MAX78000's hardware layers: a resident set and a new segment together */

static _Alignas(8) uint8_t program[SYN_PROGRAM_BYTES];
static _Alignas(8) uint8_t tensor_arena[SYN_TENSOR_ARENA_BYTES];
static accel_layer layers[LAYERS];
static fit_ctx fit_work;
static fit_result fit_out;

static board_ctx board;
static board_config cfg;

static uint32_t port_random(void *user)
{
    (void)user;
    return syn_fthr_random32();
}

__attribute__((noreturn)) static void reset_now(void)
{
    syn_fthr_reset(BOARD_BOOT_SOFTWARE);
}

static const mcu_io io = {
    .rx = &syn_fthr_uart_rx,
    .tx = &syn_fthr_uart_tx,
    .tx_kick = syn_fthr_uart_tx_kick,
    .tx_idle = syn_fthr_uart_tx_idle,
    .now_us = syn_fthr_now_us,
    .wake_at = syn_fthr_wake_at,
    .each_pass = syn_fthr_watchdog_feed,
    .reset = reset_now,
    .tx_reserve = (SYN_MAX_IN_FLIGHT + 2u) * SYN_MAX_WIRE,
};

static const syn_port port = { SYN_MCU_PORT(&io, port_random), .deliver = syn_fthr_led_deliver };

int main(void)
{
    syn_fthr_clocks_init();
    board_boot_reason reason = syn_fthr_reset_cause();
    syn_fthr_timer_init();
    syn_fthr_led_init();
    syn_fthr_cnn_power_on();

    cfg.chip = syn_chip_find("max78000");
    cfg.engine = &syn_accel_engine_register;
    syn_fthr_usn_hex(cfg.board_id, sizeof cfg.board_id);
    memcpy(cfg.outputs[0], "led", 4);
    cfg.n_outputs = 1;
    cfg.link_baud = FTHR_UART_BAUD;
    cfg.mem.segments = (segstore_memory){ NULL, 0, NULL, 0, layers, NULL, LAYERS, &fit_work, &fit_out,
                                          program, SYN_PROGRAM_BYTES, SYN_HEADER_MAX };
    cfg.mem.tensor_arena = tensor_arena;
    cfg.mem.tensor_bytes = SYN_TENSOR_ARENA_BYTES;
    syn_mcu_build_id(cfg.build_id);
    char why[96];
    if (cfg.chip == NULL || !syn_board_config_check(&cfg, why, sizeof why)) {
        syn_fthr_led_show(1u);   /* a build that cannot serve: red, and no answers */
        for (;;)
            cm4_wfi();
    }

    syn_fthr_uart_init(FTHR_UART_BAUD);
    syn_fthr_watchdog_start();
    syn_fthr_led_show(2u);   /* green: up */
    syn_board_init(&board, &cfg, &port, reason);
    syn_mcu_loop_run(&board, &io);
}
