/* CRC-32 as zlib and Ethernet compute it (proto/PROTOCOL.md section 2): reflected polynomial
 * 0xEDB88320, initial value and final XOR 0xFFFFFFFF. syn_crc32(0, "123456789", 9) == 0xCBF43926. */
#ifndef SYNERGY_CRC32_H
#define SYNERGY_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* zlib-style running CRC: start with crc = 0, pass the previous result to continue. */
uint32_t syn_crc32(uint32_t crc, const uint8_t *data, size_t n);

#endif
