/* Bounded message formatter; see text.h. */
#include "text.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    char *out;
    size_t cap;
    size_t len;
} text_sink;

static void put(text_sink *s, char c)
{
    if (s->len + 1u < s->cap)
        s->out[s->len++] = c;
}

static void put_number(text_sink *s, unsigned long long v, unsigned base, unsigned width, bool zero)
{
    char digits[24];
    size_t n = 0;
    do {
        unsigned d = (unsigned)(v % base);
        digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v != 0);
    while (width > n) {
        put(s, zero ? '0' : ' ');
        width--;
    }
    while (n > 0)
        put(s, digits[--n]);
}

size_t syn_vformat(char *out, size_t cap, const char *fmt, va_list ap)
{
    text_sink s = { out, cap, 0 };
    for (const char *f = fmt; *f != '\0'; f++) {
        if (*f != '%') {
            put(&s, *f);
            continue;
        }
        f++;
        if (*f == '%') {
            put(&s, '%');
            continue;
        }
        bool zero = false;
        unsigned width = 0;
        if (*f == '0') {
            zero = true;
            f++;
        }
        while (*f >= '0' && *f <= '9')
            width = width * 10u + (unsigned)(*f++ - '0');
        unsigned longs = 0;
        while (*f == 'l') {
            longs++;
            f++;
        }
        switch (*f) {
        case 's': {
            const char *str = va_arg(ap, const char *);
            while (*str != '\0')
                put(&s, *str++);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long v;
            if (longs == 0)
                v = va_arg(ap, unsigned);
            else if (longs == 1)
                v = va_arg(ap, unsigned long);
            else
                v = va_arg(ap, unsigned long long);
            put_number(&s, v, *f == 'x' ? 16u : 10u, width, zero);
            break;
        }
        default:
            /* Unknown conversion: show it rather than guess at the argument list. */
            put(&s, '%');
            if (*f == '\0')
                f--;
            else
                put(&s, *f);
            break;
        }
    }
    if (cap > 0)
        out[s.len] = '\0';
    return s.len;
}

size_t syn_format(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = syn_vformat(out, cap, fmt, ap);
    va_end(ap);
    return n;
}
