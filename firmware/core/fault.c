/* Module refusals; see fault.h. */
#include "fault.h"

#include <stdarg.h>
#include <string.h>

void syn_copy_utf8(char *out, size_t cap, const char *text)
{
    if (cap == 0)
        return;
    size_t n = strlen(text);
    if (n >= cap) {
        n = cap - 1;
        /* Back off over continuation bytes (10xxxxxx) to the start of the cut character, and
         * drop that character too: it was cut. */
        if ((unsigned char)text[n] >= 0x80u) {
            while (n > 0 && ((unsigned char)text[n] & 0xC0u) == 0x80u)
                n--;
        }
    }
    memcpy(out, text, n);
    out[n] = '\0';
}

bool syn_fail(syn_fault *f, uint8_t code, const char *fmt, ...)
{
    if (f == NULL)
        return false;
    char wide[4 * SYN_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    syn_vformat(wide, sizeof wide, fmt, ap);
    va_end(ap);
    f->code = code;
    syn_copy_utf8(f->message, sizeof f->message, wide);
    return false;
}
