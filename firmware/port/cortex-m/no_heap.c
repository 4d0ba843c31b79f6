/* There is no heap on a bare-metal board: nothing in the firmware allocates. newlib's snprintf
 * (used by the fit rules' messages) still names realloc on a path only growing buffers take,
 * which never happens with a fixed buffer; this makes any allocation fail instead of linking a
 * heap. */
#include <errno.h>
#include <stddef.h>

void *_sbrk(ptrdiff_t increment);

void *_sbrk(ptrdiff_t increment)
{
    (void)increment;
    errno = ENOMEM;
    return (void *)-1;
}
