/* Pseudo-terminal, stdio, pacing and the transmit queue; see emu_link.h. */
#define _GNU_SOURCE
#include "emu_link.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* ---- pacing ------------------------------------------------------------------------------------ */

void emu_bucket_init(emu_bucket *b, uint32_t baud, uint64_t now_us)
{
    /* 10 bits per byte on the wire (start, 8 data, stop). Under load the loop moves bytes in
     * steps of 1 ms of wire time (at least 16 bytes); the bucket holds 8 steps, so a loop that
     * wakes a few milliseconds late loses no wire time. */
    b->rate = baud / 10u;
    b->step = b->rate / 1000u < 16u ? 16u : b->rate / 1000u;
    b->burst = 8u * b->step;
    b->credit = 0;
    b->last_us = now_us;
}

size_t emu_bucket_available(emu_bucket *b, uint64_t now_us)
{
    if (b->rate == 0)
        return SIZE_MAX;
    if (now_us > b->last_us) {
        b->credit += (now_us - b->last_us) * b->rate;
        if (b->credit > b->burst * 1000000u)
            b->credit = b->burst * 1000000u;
        b->last_us = now_us;
    }
    return (size_t)(b->credit / 1000000u);
}

void emu_bucket_take(emu_bucket *b, size_t n)
{
    if (b->rate == 0)
        return;
    uint64_t c = (uint64_t)n * 1000000u;
    b->credit = c > b->credit ? 0 : b->credit - c;
}

void emu_bucket_restart(emu_bucket *b, uint64_t now_us)
{
    b->credit = 0;
    b->last_us = now_us;
}

uint64_t emu_bucket_wait_us(const emu_bucket *b, size_t n)
{
    if (b->rate == 0)
        return 0;
    if (n > b->burst)
        n = (size_t)b->burst;
    uint64_t need = (uint64_t)n * 1000000u;
    if (need <= b->credit)
        return 0;
    return (need - b->credit + b->rate - 1u) / b->rate;
}

/* ---- transmit queue ---------------------------------------------------------------------------- */

bool emu_txq_push(emu_txq *q, const uint8_t *bytes, size_t n)
{
    if (n > emu_txq_room(q))
        return false;
    size_t tail = (q->head + q->len) % EMU_TXQ_BYTES;
    size_t first = EMU_TXQ_BYTES - tail < n ? EMU_TXQ_BYTES - tail : n;
    memcpy(q->buf + tail, bytes, first);
    memcpy(q->buf, bytes + first, n - first);
    q->len += n;
    return true;
}

size_t emu_txq_room(const emu_txq *q)
{
    return EMU_TXQ_BYTES - q->len;
}

const uint8_t *emu_txq_peek(const emu_txq *q, size_t *n)
{
    size_t run = EMU_TXQ_BYTES - q->head;
    *n = q->len < run ? q->len : run;
    return q->buf + q->head;
}

void emu_txq_drop(emu_txq *q, size_t n)
{
    q->head = (q->head + n) % EMU_TXQ_BYTES;
    q->len -= n;
    if (q->len == 0)
        q->head = 0;
}

/* ---- links ------------------------------------------------------------------------------------- */

static void set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

bool emu_link_open_pty(emu_link *l, char *why, size_t cap)
{
    memset(l, 0, sizeof *l);
    l->slave_fd = -1;
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) {
        snprintf(why, cap, "cannot open a pseudo-terminal: %s", strerror(errno));
        if (m >= 0)
            close(m);
        return false;
    }
    if (ptsname_r(m, l->slave_name, sizeof l->slave_name) != 0) {
        snprintf(why, cap, "ptsname: %s", strerror(errno));
        close(m);
        return false;
    }
    /* Our own slave fd keeps the line open: when the host closes and reopens the port the master
     * sees neither EIO nor a hang-up, as a USB-serial bridge stays put when a client leaves. */
    int s = open(l->slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        snprintf(why, cap, "cannot open %s: %s", l->slave_name, strerror(errno));
        close(m);
        return false;
    }
    /* Raw: no echo, no line editing, no CR/LF translation, 8-bit clean. */
    struct termios t;
    if (tcgetattr(s, &t) != 0) {
        snprintf(why, cap, "tcgetattr %s: %s", l->slave_name, strerror(errno));
        close(s);
        close(m);
        return false;
    }
    cfmakeraw(&t);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(s, TCSANOW, &t) != 0) {
        snprintf(why, cap, "tcsetattr %s: %s", l->slave_name, strerror(errno));
        close(s);
        close(m);
        return false;
    }
    set_nonblocking(m);
    l->in_fd = m;
    l->out_fd = m;
    l->slave_fd = s;
    return true;
}

void emu_link_open_stdio(emu_link *l)
{
    memset(l, 0, sizeof *l);
    l->in_fd = STDIN_FILENO;
    l->out_fd = STDOUT_FILENO;
    l->slave_fd = -1;
    /* Non-blocking only on pipes and sockets, whose ends are ours alone; a terminal's file
     * description is shared with the shell. */
    struct stat st;
    for (int fd = 0; fd <= 1; fd++) {
        if (fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
            set_nonblocking(fd);
    }
}

bool emu_link_make_symlink(emu_link *l, const char *path, char *why, size_t cap)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        /* A symlink whose target is gone was left by an emulator that was killed: replace it.
         * Anything else is somebody's, and stays. */
        struct stat target;
        if (!S_ISLNK(st.st_mode) || stat(path, &target) == 0) {
            snprintf(why, cap, "--link-name %s: the path exists (remove it or pick another)", path);
            return false;
        }
        unlink(path);
    }
    if (symlink(l->slave_name, path) != 0) {
        snprintf(why, cap, "--link-name %s: %s", path, strerror(errno));
        return false;
    }
    l->link_name = strdup(path);
    return true;
}

void emu_link_close(emu_link *l)
{
    if (l->link_name != NULL) {
        /* Remove the link only if it still points at our pty. */
        char target[sizeof l->slave_name];
        ssize_t n = readlink(l->link_name, target, sizeof target - 1);
        if (n > 0) {
            target[n] = '\0';
            if (strcmp(target, l->slave_name) == 0)
                unlink(l->link_name);
        }
        free(l->link_name);
        l->link_name = NULL;
    }
    if (l->slave_fd >= 0) {
        close(l->in_fd);
        close(l->slave_fd);
        l->slave_fd = -1;
    }
}
