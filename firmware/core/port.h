/* What the portable core needs from a port (the emulated board in port/host/, the MAX78000FTHR
 * boards in port/qemu-an386/ and port/max78000/). Everything hardware- or OS-specific stays behind this struct.
 *
 * Chip facts are not asked of the port one by one: the port picks a chip from chip.h
 * (syn_chip_find) and hands it to syn_board_init in the board_config. */
#ifndef SYNERGY_PORT_H
#define SYNERGY_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct syn_port {
    /* Monotonic time in microseconds (any origin). */
    uint64_t (*now_us)(void *user);
    /* Queues one whole wire frame (COBS and delimiter included) for sending, or returns false
     * without queueing any of it when there is no room. The port sends queued bytes in order. */
    bool (*transmit)(void *user, const uint8_t *bytes, size_t n);
    /* A random 32-bit number (the session id drawn at every boot). */
    uint32_t (*random32)(void *user);
    /* The core has queued the answer to `reset`: once every queued byte has left, the port
     * resets the board (the emulator calls syn_board_init again with BOARD_BOOT_SOFTWARE). */
    void (*request_reset)(void *user);
    /* Bytes of the main stack used at most since boot (stats' stack_peak), or NULL where the port
     * cannot tell (the emulator). */
    uint32_t (*stack_peak)(void *user);
    /* A tensor was delivered to output `index` of the board_config (kind named): a port with a
     * real output shows it (the MAX78000FTHR's RGB LED); NULL where outputs are only counted. */
    void (*deliver)(void *user, size_t index, const char *kind, const uint8_t *bytes, uint32_t n);
    void *user;
} syn_port;

#endif
