/* Pseudo-terminal and stdio links; see emu_link.h. */
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

/* ---- links ------------------------------------------------------------------------------------- */

static void set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

bool syn_emu_link_open_pty(emu_link *l, char *why, size_t cap)
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

void syn_emu_link_open_stdio(emu_link *l)
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

bool syn_emu_link_make_symlink(emu_link *l, const char *path, char *why, size_t cap)
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

void syn_emu_link_close(emu_link *l)
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
