/* The structured fuzz target (fuzz_messages.c) inside the C tests, under gcc's AddressSanitizer
 * and UBSan: every input that once broke the board (fuzz-regressions/fuzz_messages/, each named
 * for what it found) and a fixed set of seeded random scripts. The target checks its own
 * oracles (well-formed frames, one answer per request, nothing that waits holds back the rest,
 * no answer lost) and aborts naming the broken one; this test then names the input. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <sanitizer/common_interface_defs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REGRESSIONS "firmware/test/fuzz-regressions/fuzz_messages"
#define SEEDED_SCRIPTS 400

static char current[600];

/* Names the input when the target aborts or a sanitizer stops the process. */
static void name_input(void)
{
    static const char head[] = "\nfuzz replay: the board failed on ";
    /* (write, not stdio: this runs inside abort or a sanitizer's report) */
    if (write(2, head, sizeof head - 1) < 0 || write(2, current, strlen(current)) < 0 || write(2, "\n", 1) < 0)
        return;
}

static void on_abort(int sig)
{
    (void)sig;
    name_input();
    _exit(134);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void regressions(void)
{
    static char names[256][256];
    size_t n = 0;
    DIR *d = opendir(REGRESSIONS);
    if (!CHECK(d != NULL)) {
        printf("  no %s (run from the repo root)\n", REGRESSIONS);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256) {
        if (e->d_name[0] != '.')
            snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_names);
    CHECK(n >= 1);
    static uint8_t buf[1 << 16];
    for (size_t i = 0; i < n; i++) {
        snprintf(current, sizeof current, "%s/%s", REGRESSIONS, names[i]);
        FILE *f = fopen(current, "rb");
        if (!CHECK(f != NULL))
            continue;
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, len);
    }
}

/* Scripts from a fixed generator, long and short: the same every run. */
static void seeded(void)
{
    static uint8_t buf[1024];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (unsigned k = 0; k < SEEDED_SCRIPTS; k++) {
        size_t len = 1u + (size_t)(x % sizeof buf);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[i] = (uint8_t)(x >> 24);
        }
        snprintf(current, sizeof current, "seeded script %u (%lu bytes)", k, (unsigned long)len);
        LLVMFuzzerTestOneInput(buf, len);
    }
}

void suite_fuzz_replay(void)
{
    signal(SIGABRT, on_abort);
    __sanitizer_set_death_callback(name_input);
    th_run("fuzz: every regression input of fuzz_messages keeps the board's oracles", regressions);
    th_run("fuzz: 400 seeded scripts of fuzz_messages keep the board's oracles", seeded);
    signal(SIGABRT, SIG_DFL);
    __sanitizer_set_death_callback(NULL);
}
