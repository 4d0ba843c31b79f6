/* The test harness; see harness.h. */
#include "harness.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cases_passed;
static int cases_failed;
static int failures_in_case;
static const char *current;

static void begin(const char *name)
{
    current = name;
    failures_in_case = 0;
}

static void end(void)
{
    if (failures_in_case == 0) {
        cases_passed++;
    } else {
        cases_failed++;
        printf("FAIL %s\n", current);
    }
}

/* SYNERGY_TEST_ONLY=text runs only the cases whose names contain it (while working on one). */
static bool skipped(const char *name)
{
    const char *only = getenv("SYNERGY_TEST_ONLY");
    return only != NULL && only[0] != '\0' && strstr(name, only) == NULL;
}

void th_run(const char *name, void (*fn)(void))
{
    if (skipped(name))
        return;
    begin(name);
    fn();
    end();
}

void th_run_arg(const char *name, void (*fn)(void *), void *arg)
{
    if (skipped(name))
        return;
    begin(name);
    fn(arg);
    end();
}

void th_fail(const char *file, int line, const char *fmt, ...)
{
    /* Long loops could print thousands of lines; the first few say enough. */
    if (failures_in_case++ < 8) {
        printf("  %s:%d: [%s] ", file, line, current);
        va_list ap;
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
    }
}

bool th_check(bool ok, const char *what, const char *file, int line)
{
    if (!ok)
        th_fail(file, line, "expected %s", what);
    return ok;
}

bool th_check_eq_u(uint64_t a, uint64_t b, const char *ea, const char *eb, const char *file, int line)
{
    if (a != b)
        th_fail(file, line, "%s == %s: %" PRIu64 " != %" PRIu64, ea, eb, a, b);
    return a == b;
}

bool th_check_str(const char *a, const char *b, const char *ea, const char *eb, const char *file, int line)
{
    bool ok = a != NULL && b != NULL && strcmp(a, b) == 0;
    if (!ok)
        th_fail(file, line, "%s == %s:\n    got  \"%s\"\n    want \"%s\"", ea, eb, a ? a : "(null)", b ? b : "(null)");
    return ok;
}

bool th_check_mem(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, const char *ea, const char *eb,
                  const char *file, int line)
{
    if (na == nb && (na == 0 || memcmp(a, b, na) == 0))
        return true;
    size_t i = 0;
    while (i < na && i < nb && a[i] == b[i])
        i++;
    th_fail(file, line, "%s (%zu bytes) differs from %s (%zu bytes) at byte %zu", ea, na, eb, nb, i);
    return false;
}

int th_summary(void)
{
    printf("%d passed, %d failed\n", cases_passed, cases_failed);
    return cases_failed == 0 && cases_passed > 0 ? 0 : 1;
}
