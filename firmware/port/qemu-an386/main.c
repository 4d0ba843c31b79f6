/* The QEMU board: the firmware core on QEMU's mps2-an386 (a Cortex-M4 with an FPU), its UART0 on
 * a pseudo-terminal of the host, the software accelerator (accel/sim/) compiled for the M4.
 *
 * It takes the emulated board's options (synergy-emu --help: chip, id, sensors, outputs, sensor
 * files and cycle, memo, baud) from the semihosting command line, i.e. QEMU's -append, so a QEMU
 * board stands in for any emulated desk device. A bad option: the reason on stderr, QEMU exits
 * with status 2. Faults end QEMU with status 3 (startup.c).
 *
 * Boot reason (mcu_facts.h): power-on, software after `reset` (a real system reset: QEMU reloads
 * the image and the board starts from its vector table), pin after QEMU's own system_reset.
 * Hello's build_id is the SHA-256 of the image as loaded (mcu_facts.h); stats' stack_peak the
 * painted stack's high-water mark. */
#include <string.h>

#include "accel_memo.h"
#include "an386.h"
#include "board.h"
#include "emu_options.h"
#include "mcu_facts.h"
#include "mcu_loop.h"
#include "qemu_board.h"
#include "semihost.h"

#define CMDLINE_MAX 4096u
#define ARGS_MAX 128u
/* The engine's exact memo lives in data RAM (link.ld): --memo-mib up to this. */
#define MEMO_MIB_MAX 2u

static board_ctx board;
static emu_options opts;

/* Both engines, as the emulated board: the register model's memories live in the PSRAM (link.ld);
 * a board without --engine runs the register engine where it covers the chip. */
const accel_engine *const syn_emu_engines[] = { &syn_accel_engine_register, &syn_accel_engine_layer };
const size_t syn_emu_engine_count = sizeof syn_emu_engines / sizeof syn_emu_engines[0];
static char cmdline[CMDLINE_MAX];
static char *args[ARGS_MAX];
static _Alignas(8) uint8_t memo[MEMO_MIB_MAX << 20];
static uint32_t rng;

const char *syn_qemu_board_id(void)
{
    return opts.board.board_id[0] != '\0' ? opts.board.board_id : "(starting)";
}

static uint32_t port_random(void *user)
{
    (void)user;
    /* xorshift32 stirred with the free-running counter: the session id differs at every boot. */
    rng ^= AN386_FPGAIO_COUNTER;
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

__attribute__((noreturn)) static void reset_now(void)
{
    syn_mcu_reset(BOARD_BOOT_SOFTWARE);
}

/* The host takes this line for "ready" (host/link/qemu.ts): it is logged once the boot event has
 * left the UART, so a host that opens the pty then finds whole frames. */
static bool announced;
static board_boot_reason boot_reason;

static void announce_when_sent(void)
{
    if (announced || !syn_qemu_uart_tx_idle())
        return;
    announced = true;
    syn_semihost_log(syn_qemu_board_id(), "%s on UART0, %s, build %s, boot %s", opts.board.chip->name,
                 opts.board.link_baud != 0 ? "paced" : "unpaced", opts.board.build_id, syn_board_boot_reason_name(boot_reason));
}

static mcu_io io = {
    .rx = &syn_qemu_uart_rx,
    .tx = &syn_qemu_uart_tx,
    .rx_resume = syn_qemu_uart_rx_resume,
    .tx_kick = syn_qemu_uart_tx_kick,
    .tx_allow = syn_qemu_uart_tx_allow,
    .tx_idle = syn_qemu_uart_tx_idle,
    .now_us = syn_qemu_now_us,
    .wake_at = syn_qemu_wake_at,
    .each_pass = announce_when_sent,
    .reset = reset_now,
    .pace_baud = 0,   /* --baud, below */
    .tx_reserve = (SYN_MAX_IN_FLIGHT + 2u) * SYN_MAX_WIRE,
};

static const syn_port port = { SYN_MCU_PORT(&io, port_random) };

/* Splits the command line at spaces (QEMU joins -append's words with single spaces). */
static int split_args(char *line)
{
    int n = 0;
    for (char *p = line; *p != '\0' && n < (int)ARGS_MAX;) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        args[n++] = p;
        while (*p != '\0' && *p != ' ')
            p++;
        if (*p == ' ')
            *p++ = '\0';
    }
    return n;
}

static __attribute__((noreturn)) void refuse(const char *why)
{
    syn_semihost_log(syn_qemu_board_id(), "%s", why);
    syn_semihost_exit(2);
}

int main(void)
{
    board_boot_reason reason = syn_mcu_boot_reason();
    syn_qemu_clock_init();
    rng = 0x9E3779B9u ^ syn_semihost_clock();

    if (!syn_semihost_cmdline(cmdline, sizeof cmdline))
        refuse("the semihosting command line is longer than 4096 bytes");
    int argc = split_args(cmdline);
    if (argc >= (int)ARGS_MAX)
        refuse("more than 127 command-line arguments");
    char why[512];
    if (!syn_emu_parse_options(argc, args, &opts, why, sizeof why))
        refuse(why);
    if (opts.help)
        refuse("the options are synergy-emu's (synergy-emu --help), given with QEMU's -append");
    if (opts.stdio || opts.link_name != NULL)
        refuse("--stdio and --link-name are the emulator's: the QEMU board's link is its UART (QEMU's -serial)");
    if (opts.memo_mib > MEMO_MIB_MAX) {
        syn_format(why, sizeof why, "--memo-mib %lu: this QEMU board has %u MiB for the memo",
                   (unsigned long)opts.memo_mib, MEMO_MIB_MAX);
        refuse(why);
    }
    if (opts.memo_mib > 0 && !syn_accel_memo_use(memo, (size_t)opts.memo_mib << 20))
        refuse("--memo-mib: too small for the memo's tables");
    syn_mcu_build_id(opts.board.build_id);

    io.pace_baud = opts.board.link_baud;
    syn_qemu_uart_init();
    boot_reason = reason;
    syn_board_init(&board, &opts.board, &port, reason);
    syn_mcu_loop_run(&board, &io);
}
