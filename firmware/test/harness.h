/* A tiny test harness: th_run() runs one case; CHECK* macros record failures with file and line
 * and let the case go on. main() ends with the line "N passed, N failed". */
#ifndef SYNERGY_TEST_HARNESS_H
#define SYNERGY_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void th_run(const char *name, void (*fn)(void));
void th_run_arg(const char *name, void (*fn)(void *), void *arg);
bool th_check(bool ok, const char *what, const char *file, int line);
bool th_check_eq_u(uint64_t a, uint64_t b, const char *ea, const char *eb, const char *file, int line);
bool th_check_str(const char *a, const char *b, const char *ea, const char *eb, const char *file, int line);
bool th_check_mem(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, const char *ea, const char *eb,
                  const char *file, int line);
void th_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int th_summary(void);   /* prints the closing line; returns the process exit status */

#define CHECK(c) th_check((c), #c, __FILE__, __LINE__)
#define CHECK_EQ(a, b) th_check_eq_u((uint64_t)(a), (uint64_t)(b), #a, #b, __FILE__, __LINE__)
#define CHECK_STR(a, b) th_check_str((a), (b), #a, #b, __FILE__, __LINE__)
#define CHECK_MEM(a, na, b, nb) th_check_mem((a), (na), (b), (nb), #a, #b, __FILE__, __LINE__)
#define FAIL(...) th_fail(__FILE__, __LINE__, __VA_ARGS__)

#endif
