/* CRC-32 and the message formatter. */
#include <stdio.h>
#include <string.h>

#include "crc32.h"
#include "harness.h"
#include "text.h"

static void test_check_value(void)
{
    CHECK_EQ(syn_crc32(0, (const uint8_t *)"123456789", 9), 0xCBF43926u);
    CHECK_EQ(syn_crc32(0, (const uint8_t *)"", 0), 0);
    /* running in pieces equals one pass */
    uint32_t c = syn_crc32(0, (const uint8_t *)"1234", 4);
    CHECK_EQ(syn_crc32(c, (const uint8_t *)"56789", 5), 0xCBF43926u);
}

static void test_table_matches_bitwise(void)
{
    /* The table is generated; recompute the CRC of every single byte bit by bit. */
    for (unsigned b = 0; b < 256; b++) {
        uint32_t crc = 0xFFFFFFFFu ^ b;
        for (int k = 0; k < 8; k++)
            crc = (crc & 1u) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        uint8_t byte = (uint8_t)b;
        CHECK_EQ(syn_crc32(0, &byte, 1), ~crc);
    }
}

static void test_format(void)
{
    char buf[80];
    syn_format(buf, sizeof buf, "frame of %u bytes exceeds max_frame %u", 8200u, 8192u);
    CHECK_STR(buf, "frame of 8200 bytes exceeds max_frame 8192");
    syn_format(buf, sizeof buf, "unknown message type 0x%04x", 0x777u);
    CHECK_STR(buf, "unknown message type 0x0777");
    syn_format(buf, sizeof buf, "%08lx|%lu|%llu|%s|%%|%5u", 0xCBF43926ul, 4294967295ul, 18446744073709551615ull, "ab", 42u);
    CHECK_STR(buf, "cbf43926|4294967295|18446744073709551615|ab|%|   42");
    /* truncation keeps the terminator inside the buffer */
    char small[8];
    memset(small, 'x', sizeof small);
    size_t n = syn_format(small, sizeof small, "0123456789");
    CHECK_EQ(n, 7);
    CHECK_STR(small, "0123456");
}

void suite_crc(void)
{
    th_run("crc32: check value 0xCBF43926 and running CRC", test_check_value);
    th_run("crc32: table equals the bitwise definition", test_table_matches_bitwise);
}

void suite_text(void)
{
    th_run("text: bounded formatter", test_format);
}
