/* The emulator as a child process on three pipes, for the tests that talk to a real process. */
#ifndef SYNERGY_TEST_SPAWN_H
#define SYNERGY_TEST_SPAWN_H

#include <sys/types.h>

/* Starts path with `first` (when not NULL) and then args (NULL-terminated, at most 28) as its
 * arguments; *in, *out and *err are the parent's ends of its stdin, stdout and stderr. Returns
 * the child's pid, or -1 when the pipes or the fork fail. */
pid_t spawn_process(const char *path, const char *first, const char *const *args, int *in, int *out, int *err);

#endif
