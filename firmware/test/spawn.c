/* See spawn.h. */
#define _GNU_SOURCE
#include "spawn.h"

#include <stddef.h>
#include <unistd.h>

pid_t spawn_process(const char *path, const char *first, const char *const *args, int *in, int *out, int *err)
{
    int i[2], o[2], e[2];
    if (path == NULL || pipe(i) != 0 || pipe(o) != 0 || pipe(e) != 0)
        return -1;
    const char *argv[32] = { path };
    size_t n = 1;
    if (first != NULL)
        argv[n++] = first;
    for (size_t k = 0; args[k] != NULL && n < 31; k++)
        argv[n++] = args[k];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(i[0], 0);
        dup2(o[1], 1);
        dup2(e[1], 2);
        close(i[0]); close(i[1]); close(o[0]); close(o[1]); close(e[0]); close(e[1]);
        execv(path, (char *const *)argv);
        _exit(127);
    }
    close(i[0]);
    close(o[1]);
    close(e[1]);
    *in = i[1];
    *out = o[0];
    *err = e[0];
    return pid;
}
