/* Table-driven CRC-32; the table is const so it stays in flash on the board. */
#include "crc32.h"

static const uint32_t crc_table[256] = {
#include "crc32_table.inc"
};

uint32_t syn_crc32(uint32_t crc, const uint8_t *data, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = crc_table[(crc ^ data[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}
