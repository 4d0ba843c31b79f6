/* The emulated board as a user meets it: a real process, a real pseudo-terminal, real bytes.
 * Waits have generous deadlines and speed is only checked from below (never faster than the
 * wire), so nothing here flakes on a slow machine; how fast it is, the benchmarks say. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "frame.h"
#include "harness.h"
#include "spawn.h"
#include "support.h"

const char *emulator_path;

#define DEADLINE_MS 5000

typedef struct {
    pid_t pid;
    int out;        /* its stdout */
    int err;        /* its stderr */
    int in;         /* its stdin (with --stdio) */
} emu_proc;

static uint64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool spawn(emu_proc *e, const char *const *args)
{
    e->pid = spawn_process(emulator_path, NULL, args, &e->in, &e->out, &e->err);
    return e->pid > 0;
}

/* Waits for the process to end; SIGKILL after the deadline. Returns its exit status or -1. */
static int reap(emu_proc *e, int deadline_ms)
{
    uint64_t end = ms_now() + (uint64_t)deadline_ms;
    int st;
    for (;;) {
        pid_t w = waitpid(e->pid, &st, WNOHANG);
        if (w == e->pid)
            break;
        if (ms_now() > end) {
            kill(e->pid, SIGKILL);
            waitpid(e->pid, &st, 0);
            st = -1;
            break;
        }
        usleep(2000);
    }
    close(e->out);
    close(e->err);
    close(e->in);
    return st == -1 ? -1 : (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static int stop(emu_proc *e)
{
    kill(e->pid, SIGTERM);
    return reap(e, DEADLINE_MS);
}

/* Reads until `until` bytes are in buf or the stream ends or the deadline passes. */
static size_t read_some(int fd, char *buf, size_t cap, char stop_at, int deadline_ms)
{
    size_t n = 0;
    uint64_t end = ms_now() + (uint64_t)deadline_ms;
    while (n + 1 < cap) {
        int left = (int)(end > ms_now() ? end - ms_now() : 0);
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, left) <= 0)
            break;
        ssize_t r = read(fd, buf + n, 1);
        if (r <= 0)
            break;
        n++;
        if (buf[n - 1] == stop_at)
            break;
    }
    buf[n] = '\0';
    return n;
}

static int open_raw(const char *path)
{
    int fd = open(path, O_RDWR | O_NOCTTY);
    if (fd < 0)
        return -1;
    struct termios t;
    tcgetattr(fd, &t);
    cfmakeraw(&t);
    tcsetattr(fd, TCSANOW, &t);
    return fd;
}

static bool send_frame(int fd, uint16_t id, uint16_t type, const uint8_t *body, size_t len)
{
    static uint8_t wire[SYN_MAX_WIRE];
    size_t n = syn_frame_build(wire, sizeof wire, SYN_KIND_REQUEST, id, type, body, len);
    return n > 0 && write(fd, wire, n) == (ssize_t)n;
}

/* Reads the next frame from fd into f (decoded and checked). */
static bool next_frame(int fd, captured_frame *f)
{
    static uint8_t run[SYN_MAX_WIRE];
    size_t n = 0;
    uint64_t end = ms_now() + DEADLINE_MS;
    for (;;) {
        int left = (int)(end > ms_now() ? end - ms_now() : 0);
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, left) <= 0)
            return false;
        uint8_t b;
        if (read(fd, &b, 1) != 1)
            return false;
        if (b == 0)
            break;
        if (n == sizeof run)
            return false;
        run[n++] = b;
    }
    if (!syn_cobs_decode(run, n, f->raw, sizeof f->raw, &f->raw_len))
        return false;
    syn_rx_check chk;
    syn_rx_check_run(f->raw, f->raw_len, COBS_RX_FRAME, false, &chk);
    if (chk.stage != SYN_RX_OK)
        return false;
    f->h = chk.header;
    f->body = f->raw + SYN_HEADER_SIZE;
    f->body_len = chk.body_len;
    f->wire_len = n + 1;
    return true;
}

static bool body_text(const captured_frame *f, uint64_t key, char *out, size_t cap)
{
    board_request req = { 0, 0, f->body, f->body_len, 0 };
    cbor_reader v;
    const char *t;
    size_t n;
    if (!syn_board_field(&req, key, &v) || !syn_cbor_read_text(&v, &t, &n) || n >= cap)
        return false;
    memcpy(out, t, n);
    out[n] = '\0';
    return true;
}

static bool body_uint(const captured_frame *f, uint64_t key, uint64_t *out)
{
    board_request req = { 0, 0, f->body, f->body_len, 0 };
    cbor_reader v;
    return syn_board_field(&req, key, &v) && syn_cbor_read_uint(&v, out);
}

static captured_frame fr;

static void test_pty_session(void)
{
    char link[128];
    snprintf(link, sizeof link, "/tmp/synergy-c-test-%ld.pty", (long)getpid());
    unlink(link);
    const char *args[] = { "--id", "emu-c", "--chip", "max78002", "--sensor", "camera:3x64x64@29.97",
                           "--output", "display", "--link-name", link, NULL };
    emu_proc e;
    if (!CHECK(spawn(&e, args)))
        return;
    /* the handshake: exactly one line on stdout */
    char line[128];
    read_some(e.out, line, sizeof line, '\n', DEADLINE_MS);
    unsigned n;
    char tail;
    CHECK(sscanf(line, "PTY /dev/pts/%u%c", &n, &tail) == 2 && tail == '\n');
    char pts[64];
    snprintf(pts, sizeof pts, "/dev/pts/%u", n);
    char target[64] = "";
    ssize_t tl = readlink(link, target, sizeof target - 1);
    if (tl > 0)
        target[tl] = '\0';
    CHECK_STR(target, pts);

    int fd = open_raw(link);
    if (!CHECK(fd >= 0)) {
        stop(&e);
        return;
    }
    /* boot was sent at start and waits in the pty */
    char text[80];
    uint64_t v, session1 = 0, session2 = 0;
    CHECK(next_frame(fd, &fr) && fr.h.kind == SYN_KIND_EVENT && fr.h.type == SYN_MSG_BOOT);
    CHECK(body_text(&fr, 0, text, sizeof text) && strcmp(text, "power-on") == 0);
    CHECK(body_uint(&fr, 1, &session1));
    /* hello tells what the options said */
    CHECK(send_frame(fd, 1, SYN_MSG_HELLO, (const uint8_t *)"\xa0", 1));
    if (CHECK(next_frame(fd, &fr)) && CHECK_EQ(fr.h.kind, SYN_KIND_RESPONSE)) {
        CHECK(body_text(&fr, 2, text, sizeof text) && strcmp(text, "emu-c") == 0);
        CHECK(body_text(&fr, 3, text, sizeof text) && strcmp(text, "max78002") == 0);
        CHECK(body_uint(&fr, 5, &v) && v == syn_chip_find("max78002")->weight_mem);
        CHECK(body_uint(&fr, 15, &v) && v == 0);
        CHECK(body_uint(&fr, 16, &v) && v == session1);
        char diag[1024];
        CHECK(cbor_diag(fr.body, fr.body_len, diag, sizeof diag));
        CHECK(strstr(diag, "12: [{0: \"camera\", 1: [3, 64, 64], 2: 29970}], 13: [\"display\"]") != NULL);
    }
    /* ping, then garbage, then ping: the board resynchronises */
    CHECK(send_frame(fd, 2, SYN_MSG_PING, (const uint8_t *)"\xa1\x00\x43" "abc", 6));
    CHECK(next_frame(fd, &fr) && fr.h.id == 2 && fr.body_len == 6 && memcmp(fr.body + 3, "abc", 3) == 0);
    CHECK(write(fd, "\x07garbage\x00", 9) == 9);
    CHECK(next_frame(fd, &fr) && fr.h.kind == SYN_KIND_ERROR);
    /* reset: the answer, then boot (software) with a new session; counters start again */
    CHECK(send_frame(fd, 3, SYN_MSG_RESET, (const uint8_t *)"\xa0", 1));
    CHECK(next_frame(fd, &fr) && fr.h.kind == SYN_KIND_RESPONSE && fr.h.id == 3 && fr.h.type == SYN_MSG_RESET);
    CHECK(next_frame(fd, &fr) && fr.h.kind == SYN_KIND_EVENT && fr.h.type == SYN_MSG_BOOT && fr.h.id == 0);
    CHECK(body_text(&fr, 0, text, sizeof text) && strcmp(text, "software") == 0);
    CHECK(body_uint(&fr, 1, &session2) && session2 != session1);
    CHECK(send_frame(fd, 4, SYN_MSG_STATS, (const uint8_t *)"\xa0", 1));
    CHECK(next_frame(fd, &fr) && body_uint(&fr, 0, &v) && v == 1);
    /* the host closes and reopens the port: the board is still there */
    close(fd);
    fd = open_raw(pts);
    CHECK(send_frame(fd, 5, SYN_MSG_PING, (const uint8_t *)"\xa1\x00\x40", 3));
    CHECK(next_frame(fd, &fr) && fr.h.id == 5 && fr.h.kind == SYN_KIND_RESPONSE);
    close(fd);
    /* nothing more on stdout; SIGTERM ends it with status 0 and removes the link */
    struct pollfd p = { e.out, POLLIN, 0 };
    CHECK(poll(&p, 1, 0) == 0);
    CHECK_EQ(stop(&e), 0);
    struct stat st;
    CHECK(lstat(link, &st) != 0);
}

static void test_stdio(void)
{
    const char *args[] = { "--stdio", "--id", "s1", NULL };
    emu_proc e;
    if (!CHECK(spawn(&e, args)))
        return;
    CHECK(next_frame(e.out, &fr) && fr.h.kind == SYN_KIND_EVENT && fr.h.type == SYN_MSG_BOOT);
    CHECK(send_frame(e.in, 9, SYN_MSG_PING, (const uint8_t *)"\xa1\x00\x42hi", 5));
    CHECK(next_frame(e.out, &fr) && fr.h.id == 9 && fr.body_len == 5);
    /* the host closing stdin ends the emulator */
    close(e.in);
    e.in = open("/dev/null", O_RDONLY);
    CHECK_EQ(reap(&e, DEADLINE_MS), 0);
}

/* hello's engine (key 20) and header_max (key 21, register boards only), from a real process. */
static void test_engines_in_hello(void)
{
    static const char *const engines[] = { "register", "layer" };
    for (size_t i = 0; i < 2; i++) {
        const char *args[] = { "--stdio", "--engine", engines[i], NULL };
        emu_proc e;
        if (!CHECK(spawn(&e, args)))
            continue;
        CHECK(next_frame(e.out, &fr) && fr.h.type == SYN_MSG_BOOT);
        CHECK(send_frame(e.in, 3, SYN_MSG_HELLO, (const uint8_t *)"\xa0", 1));
        if (CHECK(next_frame(e.out, &fr) && fr.h.id == 3 && fr.h.kind == SYN_KIND_RESPONSE)) {
            cbor_reader r;
            syn_cbor_reader_init(&r, fr.body, fr.body_len);
            size_t pairs = 0;
            CHECK(syn_cbor_read_map(&r, &pairs));
            const char *engine = NULL;
            size_t engine_len = 0;
            uint64_t header_max = 0;
            bool has_header_max = false;
            for (size_t k = 0; k < pairs; k++) {
                uint64_t key;
                CHECK(syn_cbor_read_uint(&r, &key));
                if (key == 20)
                    CHECK(syn_cbor_read_text(&r, &engine, &engine_len));
                else if (key == 21)
                    has_header_max = syn_cbor_read_uint(&r, &header_max);
                else
                    CHECK(syn_cbor_skip(&r));
            }
            CHECK(engine != NULL && engine_len == strlen(engines[i]) && memcmp(engine, engines[i], engine_len) == 0);
            CHECK_EQ(has_header_max, i == 0);
            if (i == 0)
                CHECK_EQ(header_max, 65536u);
        }
        close(e.in);
        e.in = open("/dev/null", O_RDONLY);
        CHECK_EQ(reap(&e, DEADLINE_MS), 0);
    }
}

static void test_bad_options(void)
{
    static const char *const cases[][3] = {
        { "--chip", "max9", NULL }, { "--sensor", "mic:1x2@3", NULL }, { "--baud", "fast", NULL },
        { "--bogus", NULL, NULL },  { "--output", "LED", NULL },       { "--id", NULL, NULL },
        { "--engine", "gate", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        emu_proc e;
        if (!CHECK(spawn(&e, cases[i])))
            continue;
        char err[512], out[64];
        read_some(e.err, err, sizeof err, '\n', DEADLINE_MS);
        size_t n_out = read_some(e.out, out, sizeof out, '\n', 200);
        CHECK_EQ(reap(&e, DEADLINE_MS), 2);
        CHECK(strncmp(err, "synergy-emu: ", 13) == 0 && strlen(err) > 25);
        CHECK_EQ(n_out, 0);
    }
}

static void test_dies_with_parent(void)
{
    /* A middle process starts the emulator and dies without stopping it: the emulator must go
     * too. This process becomes the orphan's reaper so it can see it end. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    int p[2];
    if (!CHECK(pipe(p) == 0))
        return;
    pid_t middle = fork();
    if (middle == 0) {
        emu_proc e;
        const char *args[] = { NULL };
        if (!spawn(&e, args))
            _exit(1);
        char line[128];
        read_some(e.out, line, sizeof line, '\n', DEADLINE_MS);   /* it is up */
        if (write(p[1], &e.pid, sizeof e.pid) != (ssize_t)sizeof e.pid)
            _exit(1);
        _exit(0);
    }
    close(p[1]);
    pid_t emu = 0;
    struct pollfd pf = { p[0], POLLIN, 0 };
    bool got = poll(&pf, 1, DEADLINE_MS) > 0 && read(p[0], &emu, sizeof emu) == (ssize_t)sizeof emu;
    close(p[0]);
    waitpid(middle, NULL, 0);
    if (!CHECK(got && emu > 0))
        return;
    emu_proc e = { emu, open("/dev/null", O_RDONLY), open("/dev/null", O_RDONLY), open("/dev/null", O_RDONLY) };
    CHECK_EQ(reap(&e, DEADLINE_MS), 0);   /* SIGKILLed after the deadline otherwise: -1 */
    prctl(PR_SET_CHILD_SUBREAPER, 0);
}

static void test_never_faster_than_the_wire(void)
{
    /* At 115200 baud, 4608 bytes (line noise of zeros, then a ping) take at least 0.4 s to
     * cross; the answer must not come sooner. */
    const char *args[] = { "--baud", "115200", NULL };
    emu_proc e;
    if (!CHECK(spawn(&e, args)))
        return;
    char line[128], pts[64];
    read_some(e.out, line, sizeof line, '\n', DEADLINE_MS);
    unsigned n;
    if (!CHECK(sscanf(line, "PTY /dev/pts/%u", &n) == 1)) {
        stop(&e);
        return;
    }
    snprintf(pts, sizeof pts, "/dev/pts/%u", n);
    int fd = open_raw(pts);
    CHECK(next_frame(fd, &fr) && fr.h.type == SYN_MSG_BOOT);
    static uint8_t stream[4608];
    uint8_t wire[64];
    size_t wn = syn_frame_build(wire, sizeof wire, SYN_KIND_REQUEST, 1, SYN_MSG_PING, (const uint8_t *)"\xa1\x00\x40", 3);
    memcpy(stream + sizeof stream - wn, wire, wn);
    uint64_t t0 = ms_now();
    size_t off = 0;
    while (off < sizeof stream) {
        ssize_t w = write(fd, stream + off, sizeof stream - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    CHECK(next_frame(fd, &fr) && fr.h.id == 1);
    uint64_t took = ms_now() - t0;
    if (!CHECK(took >= 395))
        printf("  4608 bytes at 115200 baud answered after %lu ms\n", (unsigned long)took);
    close(fd);
    CHECK_EQ(stop(&e), 0);
}

static void test_found(void)
{
    if (!CHECK(emulator_path != NULL && access(emulator_path, X_OK) == 0))
        printf("  the emulator is the second argument (make test-c passes firmware/build/host/synergy-emu)\n");
}

void suite_emulator(void)
{
    th_run("emulator: the binary is there", test_found);
    if (emulator_path == NULL || access(emulator_path, X_OK) != 0)
        return;
    th_run("emulator: pty handshake, hello, ping, resync, reset + boot, reopen, SIGTERM", test_pty_session);
    th_run("emulator: --stdio speaks on stdin/stdout and stops when stdin closes", test_stdio);
    th_run("emulator: bad options give a reason and exit 2", test_bad_options);
    th_run("emulator: hello names the engine (register boards also their header_max)", test_engines_in_hello);
    th_run("emulator: dies with its parent", test_dies_with_parent);
    th_run("emulator: --baud is never faster than the wire", test_never_faster_than_the_wire);
}
