/* synergy-emu: the emulated board. The portable firmware core behind a real pseudo-terminal
 * (or stdin/stdout), paced at a wire rate if asked, answering exactly as a board would.
 *
 * One thread, one poll loop: bytes read go to the core a frame at a time; the core's answers go
 * into a bounded queue that is written out at once (no sleeps in the hot path). When the queue
 * lacks room for the answers that may still come, the loop stops reading: back-pressure rather
 * than loss.
 *
 * --memo-mib N gives the engine's exact memo (accel/accel_memo.h) N MiB of the host's memory,
 * reserved here (the port), never in the core; its counters are logged at exit. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "accel_memo.h"
#include "emu_link.h"
#include "emu_options.h"

#define PARENT_CHECK_US 250000u   /* how often the loop looks whether its parent is gone */
/* A write that met a full pty buffer is retried this soon even without a POLLOUT: Linux ptys
 * can lose that wake-up, and a board that stalls for PARENT_CHECK_US would distort timing. */
#define BLOCKED_RETRY_US 5000u

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static board_ctx board;
static emu_txq txq;
/* Bytes read from the link but not yet given to the core: on a paced link, the bytes still
 * crossing the wire. */
static uint8_t rxbuf[65536];
static size_t rx_start, rx_len;
static size_t rx_ahead;            /* read at most this far ahead of the core */
static emu_bucket rx_pace, tx_pace;
static bool reset_requested;

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t port_now(void *user)
{
    (void)user;
    return mono_us();
}

static bool port_transmit(void *user, const uint8_t *bytes, size_t n)
{
    (void)user;
    bool idle = txq.len == 0;
    if (!syn_emu_txq_push(&txq, bytes, n))
        return false;
    if (idle)
        syn_emu_bucket_restart(&tx_pace, mono_us());   /* the frame starts crossing the wire now */
    return true;
}

static uint32_t port_random(void *user)
{
    (void)user;
    uint32_t v = 0;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
        v = (uint32_t)mono_us() ^ ((uint32_t)getpid() << 16);
    return v;
}

static void port_reset(void *user)
{
    (void)user;
    reset_requested = true;
}

static const syn_port port = { .now_us = port_now, .transmit = port_transmit, .random32 = port_random, .request_reset = port_reset };

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "synergy-emu[%ld] %s: ", (long)getpid(), board.cfg.board_id);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Gives the core the held bytes that have crossed the wire, one frame at a time while the
 * queue has room for the answers. */
static void feed_rx(uint64_t now)
{
    size_t avail = syn_emu_bucket_available(&rx_pace, now);
    while (rx_len > 0 && avail > 0 && !reset_requested && syn_emu_txq_room(&txq) >= EMU_TX_RESERVE) {
        const uint8_t *p = rxbuf + rx_start;
        size_t n = rx_len < avail ? rx_len : avail;
        const uint8_t *z = memchr(p, 0, n);
        if (z != NULL)
            n = (size_t)(z - p) + 1u;
        syn_board_rx_bytes(&board, p, n);
        syn_emu_bucket_take(&rx_pace, n);
        avail -= n;
        rx_start += n;
        rx_len -= n;
    }
    if (rx_len == 0)
        rx_start = 0;
}

/* Writes queued bytes as far as the pacing and the link allow. Returns false on a fatal error. */
static bool flush_tx(int fd, emu_bucket *tx, uint64_t now, bool *blocked)
{
    *blocked = false;
    while (txq.len > 0) {
        size_t avail = syn_emu_bucket_available(tx, now);
        size_t run;
        const uint8_t *p = syn_emu_txq_peek(&txq, &run);
        if (run > avail)
            run = avail;
        if (run > 65536u)
            run = 65536u;
        if (run == 0)
            return true;
        ssize_t w = write(fd, p, run);
        if (w > 0) {
            syn_emu_txq_drop(&txq, (size_t)w);
            syn_emu_bucket_take(tx, (size_t)w);
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            *blocked = true;
            return true;
        }
        logf_("write failed: %s", w < 0 ? strerror(errno) : "wrote nothing");
        return false;
    }
    return true;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

int main(int argc, char **argv)
{
    emu_options opts;
    char why[512];
    if (!syn_emu_parse_options(argc, argv, &opts, why, sizeof why)) {
        fprintf(stderr, "synergy-emu: %s\n", why);
        return 2;
    }
    if (opts.help) {
        syn_emu_print_usage(stdout);
        return 0;
    }
    snprintf(board.cfg.board_id, sizeof board.cfg.board_id, "%s", opts.board.board_id);   /* for logs */
    if (!syn_emu_build_id(opts.board.build_id))
        logf_("cannot read /proc/self/exe: hello's build_id stays empty");
    void *memo = NULL;
    if (opts.memo_mib > 0) {
        size_t bytes = (size_t)opts.memo_mib << 20;
        memo = malloc(bytes);   /* pages are touched only as entries fill them */
        if (memo == NULL || !syn_accel_memo_use(memo, bytes)) {
            fprintf(stderr, "synergy-emu: --memo-mib %u: %s\n", (unsigned)opts.memo_mib,
                    memo == NULL ? "cannot reserve that much memory" : "too small for the memo's tables");
            free(memo);
            return 2;
        }
    }

    /* Die with the parent: a signal when it goes, and a check in the loop in case it went
     * before the signal was armed or the signal was lost. */
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        return 0;

    /* The stop signals are blocked except inside ppoll, so none slips between the check and
     * the wait. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t stops, wait_mask;
    sigemptyset(&stops);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGHUP);
    sigprocmask(SIG_BLOCK, &stops, &wait_mask);
    sigdelset(&wait_mask, SIGTERM);
    sigdelset(&wait_mask, SIGINT);
    sigdelset(&wait_mask, SIGHUP);

    emu_link link;
    if (opts.stdio) {
        syn_emu_link_open_stdio(&link);
    } else {
        if (!syn_emu_link_open_pty(&link, why, sizeof why)) {
            fprintf(stderr, "synergy-emu: %s\n", why);
            return 1;
        }
        if (opts.link_name != NULL && !syn_emu_link_make_symlink(&link, opts.link_name, why, sizeof why)) {
            fprintf(stderr, "synergy-emu: %s\n", why);
            syn_emu_link_close(&link);
            return 2;
        }
    }

    uint64_t now = mono_us();
    syn_emu_bucket_init(&rx_pace, opts.board.link_baud, now);
    syn_emu_bucket_init(&tx_pace, opts.board.link_baud, now);
    bool paced = opts.board.link_baud != 0;
    /* Wait for a whole small frame, or half a bucket of a long one, rather than trickling
     * byte by byte; half, so that a late wake-up still loses no wire time. */
    size_t pace_step = paced ? (size_t)(rx_pace.burst / 2u) : 1u;
    if (paced)
        prctl(PR_SET_TIMERSLACK, 1UL);   /* wake when the bytes are due, not 50 us later */
    /* Unpaced: take what the link has. Paced: read no further ahead than the bucket holds, so
     * the kernel's buffer (and then the host's writes) wait, as behind a real wire. */
    rx_ahead = paced ? (size_t)rx_pace.burst : sizeof rxbuf;

    syn_board_init(&board, &opts.board, &port, BOARD_BOOT_POWER_ON);
    if (!opts.stdio) {
        printf("PTY %s\n", link.slave_name);
        fflush(stdout);
    }
    logf_("%s on %s%s%s, %s", opts.board.chip->name, opts.stdio ? "stdin/stdout" : link.slave_name,
          link.link_name != NULL ? " linked as " : "", link.link_name != NULL ? link.link_name : "",
          paced ? "paced" : "unpaced");

    int status = 0;
    uint32_t refused_logged = 0;
    for (;;) {
        if (stop_signal != 0 || getppid() != parent)
            break;
        now = mono_us();
        if (reset_requested && txq.len == 0) {
            /* The answer to reset has left: reboot the core, as a board whose target reset
             * behind a DAPLink bridge (the link stays). */
            reset_requested = false;
            syn_board_init(&board, &opts.board, &port, BOARD_BOOT_SOFTWARE);
            logf_("reset: new session 0x%08x", (unsigned)board.session);
        }
        feed_rx(now);
        uint64_t next_poll = syn_board_poll(&board, now);
        bool tx_blocked;
        if (!flush_tx(link.out_fd, &tx_pace, now, &tx_blocked)) {
            status = 1;
            break;
        }
        if (board.tx_refused != refused_logged) {
            refused_logged = board.tx_refused;
            logf_("transmit queue full: %u answers lost", (unsigned)refused_logged);
        }

        uint64_t timeout = PARENT_CHECK_US;
        bool feeding = !reset_requested && syn_emu_txq_room(&txq) >= EMU_TX_RESERVE;
        bool want_read = rx_len < rx_ahead;
        if (rx_len > 0 && feeding)
            timeout = min_u64(timeout, syn_emu_bucket_wait_us(&rx_pace, rx_len < pace_step ? rx_len : pace_step));
        bool want_write = false;
        if (txq.len > 0) {
            if (tx_blocked) {
                want_write = true;
                timeout = min_u64(timeout, BLOCKED_RETRY_US);
            } else
                timeout = min_u64(timeout, syn_emu_bucket_wait_us(&tx_pace, txq.len < pace_step ? txq.len : pace_step));
        }
        if (next_poll != BOARD_NEVER)
            timeout = min_u64(timeout, next_poll > now ? next_poll - now : 0);

        struct pollfd fds[2];
        nfds_t nfds = 0;
        int in_slot = -1;
        if (want_read) {
            in_slot = (int)nfds;
            fds[nfds++] = (struct pollfd){ link.in_fd, POLLIN, 0 };
        }
        if (want_write) {
            if (in_slot >= 0 && link.out_fd == link.in_fd)
                fds[in_slot].events |= POLLOUT;
            else
                fds[nfds++] = (struct pollfd){ link.out_fd, POLLOUT, 0 };
        }
        struct timespec ts = { (time_t)(timeout / 1000000u), (long)(timeout % 1000000u) * 1000L };
        int r = ppoll(fds, nfds, &ts, &wait_mask);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            logf_("poll failed: %s", strerror(errno));
            status = 1;
            break;
        }
        if (in_slot >= 0 && (fds[in_slot].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            if (rx_start > 0) {
                memmove(rxbuf, rxbuf + rx_start, rx_len);
                rx_start = 0;
            }
            bool idle = rx_len == 0;
            ssize_t n = read(link.in_fd, rxbuf + rx_len, rx_ahead - rx_len);
            if (n > 0) {
                rx_len += (size_t)n;
                if (idle)
                    syn_emu_bucket_restart(&rx_pace, mono_us());   /* these bytes start crossing now */
            } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                /* stdin closed (the host went away), or the link failed */
                if (n < 0)
                    logf_("read failed: %s", strerror(errno));
                break;
            }
        }
    }
    if (stop_signal != 0)
        logf_("stopping on signal %d", (int)stop_signal);
    else if (getppid() != parent)
        logf_("parent %ld is gone: stopping", (long)parent);
    if (memo != NULL) {
        accel_memo_stats m;
        syn_accel_memo_stats_get(&m);
        logf_("memo: %llu hits, %llu misses, %llu stored, %llu evicted, %llu too large; %llu entries hold %llu bytes of %llu",
              (unsigned long long)m.hits, (unsigned long long)m.misses, (unsigned long long)m.stored,
              (unsigned long long)m.evicted, (unsigned long long)m.too_large, (unsigned long long)m.entries,
              (unsigned long long)m.bytes_held, (unsigned long long)m.data_capacity);
        syn_accel_memo_use(NULL, 0);
        free(memo);
    }
    syn_emu_link_close(&link);
    return status;
}
