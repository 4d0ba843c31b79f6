/* A small bounded formatter for error messages: snprintf without its size on the board (newlib's
 * pulls in float support). Understands %s, %u, %lu, %x, %lx, %llu with optional 0-padding and
 * width (%04x, %08lx) and %%. Always NUL-terminates; truncates to cap - 1 characters. */
#ifndef SYNERGY_TEXT_H
#define SYNERGY_TEXT_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define SYN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SYN_PRINTF(f, a)
#endif

size_t syn_format(char *out, size_t cap, const char *fmt, ...) SYN_PRINTF(3, 4);
size_t syn_vformat(char *out, size_t cap, const char *fmt, va_list ap);

/* The body of a printf-like function: formats its variable arguments (those after `fmt`, its last
 * named parameter) into out, cap bytes. */
#define SYN_FORMAT_ARGS(out, cap, fmt)                                                              \
    do {                                                                                           \
        va_list syn_ap_;                                                                           \
        va_start(syn_ap_, fmt);                                                                    \
        syn_vformat((out), (cap), (fmt), syn_ap_);                                                 \
        va_end(syn_ap_);                                                                           \
    } while (0)

#endif
