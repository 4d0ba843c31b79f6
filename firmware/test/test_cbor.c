/* CBOR subset: each type, shortest form, limits, what is refused, random-bytes robustness. */
#include <stdio.h>
#include <string.h>

#include "cbor.h"
#include "cbor_recode.h"
#include "harness.h"
#include "support.h"

static size_t hex(const char *h, uint8_t *out)
{
    return hex_decode(h, out, 4096);
}

static cbor_err validate_hex(const char *h)
{
    static uint8_t buf[4096];
    size_t n = hex(h, buf);
    return syn_cbor_validate(buf, n);
}

static void test_integers(void)
{
    static const uint64_t values[] = { 0, 1, 23, 24, 255, 256, 65535, 65536, 4294967295u, 4294967296u, UINT64_MAX };
    static const size_t sizes[] = { 1, 1, 1, 2, 2, 3, 3, 5, 5, 9, 9 };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        uint8_t buf[16];
        cbor_writer w;
        syn_cbor_writer_init(&w, buf, sizeof buf);
        CHECK(syn_cbor_write_uint(&w, values[i]));
        CHECK_EQ(w.len, sizes[i]);
        cbor_reader r;
        syn_cbor_reader_init(&r, buf, w.len);
        uint64_t v = 0;
        CHECK(syn_cbor_read_uint(&r, &v));
        CHECK_EQ(v, values[i]);
        CHECK(syn_cbor_at_end(&r));
    }
    static const int64_t ints[] = { -1, -24, -25, -256, -257, -65537, INT64_MIN, INT64_MAX, 0 };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        uint8_t buf[16];
        cbor_writer w;
        syn_cbor_writer_init(&w, buf, sizeof buf);
        CHECK(syn_cbor_write_int(&w, ints[i]));
        cbor_reader r;
        syn_cbor_reader_init(&r, buf, w.len);
        int64_t v = 1;
        CHECK(syn_cbor_read_int(&r, &v));
        CHECK_EQ(v, ints[i]);
    }
    uint8_t buf[16];
    cbor_reader r;
    /* -1 encodes as 0x20, -25 as 0x38 0x18 */
    cbor_writer w;
    syn_cbor_writer_init(&w, buf, sizeof buf);
    syn_cbor_write_int(&w, -1);
    syn_cbor_write_int(&w, -25);
    CHECK_EQ(w.len, 3);
    CHECK_EQ(buf[0], 0x20);
    CHECK_EQ(buf[1], 0x38);
    CHECK_EQ(buf[2], 0x18);
    /* ranges, and the uint reader refuses a negative */
    int64_t i64;
    uint32_t u32;
    int32_t i32;
    uint64_t u;
    syn_cbor_reader_init(&r, buf, hex("1b8000000000000000", buf));
    CHECK(!syn_cbor_read_int(&r, &i64) && r.err == CBOR_ERR_RANGE);
    syn_cbor_reader_init(&r, buf, hex("1a00010000", buf));
    CHECK(syn_cbor_read_u32(&r, &u32) && u32 == 65536);
    syn_cbor_reader_init(&r, buf, hex("1b0000000100000000", buf));
    CHECK(!syn_cbor_read_u32(&r, &u32) && r.err == CBOR_ERR_RANGE);
    syn_cbor_reader_init(&r, buf, hex("3a7fffffff", buf));   /* -2^31 */
    CHECK(syn_cbor_read_i32(&r, &i32) && i32 == INT32_MIN);
    syn_cbor_reader_init(&r, buf, hex("3a80000000", buf));   /* -2^31 - 1 */
    CHECK(!syn_cbor_read_i32(&r, &i32) && r.err == CBOR_ERR_RANGE);
    syn_cbor_reader_init(&r, buf, hex("20", buf));
    CHECK(!syn_cbor_read_uint(&r, &u) && r.err == CBOR_ERR_TYPE);
}

static void test_strings_and_containers(void)
{
    uint8_t buf[256];
    cbor_writer w;
    syn_cbor_writer_init(&w, buf, sizeof buf);
    const uint8_t bytes[3] = { 0, 1, 2 };
    syn_cbor_write_map(&w, 5);
    syn_cbor_write_uint(&w, 0); syn_cbor_write_bytes(&w, bytes, 3);
    syn_cbor_write_uint(&w, 1); syn_cbor_write_cstr(&w, "h\xc3\xa9llo");
    syn_cbor_write_uint(&w, 2); syn_cbor_write_array(&w, 2); syn_cbor_write_bool(&w, true); syn_cbor_write_bool(&w, false);
    syn_cbor_write_uint(&w, 3); syn_cbor_write_null(&w);
    syn_cbor_write_uint(&w, 24); syn_cbor_write_map(&w, 0);
    CHECK_EQ(w.err, CBOR_OK);
    CHECK_EQ(syn_cbor_validate(buf, w.len), CBOR_OK);
    char diag[256];
    CHECK(cbor_diag(buf, w.len, diag, sizeof diag));
    CHECK_STR(diag, "{0: h'000102', 1: \"h\xc3\xa9llo\", 2: [true, false], 3: null, 24: {}}");

    cbor_reader r;
    syn_cbor_reader_init(&r, buf, w.len);
    size_t count;
    uint64_t k;
    const uint8_t *d;
    const char *t;
    size_t len;
    bool b;
    CHECK(syn_cbor_peek(&r) == CBOR_MAP);
    CHECK(syn_cbor_read_map(&r, &count) && count == 5);
    CHECK(syn_cbor_read_uint(&r, &k) && k == 0);
    CHECK(syn_cbor_peek(&r) == CBOR_BYTES);
    CHECK(syn_cbor_read_bytes(&r, &d, &len) && len == 3 && memcmp(d, bytes, 3) == 0);
    CHECK(syn_cbor_read_uint(&r, &k) && k == 1);
    CHECK(syn_cbor_read_text(&r, &t, &len) && len == 6 && memcmp(t, "h\xc3\xa9llo", 6) == 0);
    CHECK(syn_cbor_read_uint(&r, &k) && k == 2);
    CHECK(syn_cbor_read_array(&r, &count) && count == 2);
    CHECK(syn_cbor_read_bool(&r, &b) && b);
    CHECK(syn_cbor_read_bool(&r, &b) && !b);
    CHECK(syn_cbor_read_uint(&r, &k) && k == 3);
    CHECK(syn_cbor_peek(&r) == CBOR_SIMPLE);
    CHECK(!syn_cbor_read_bool(&r, &b));          /* null is not a bool; errors are sticky */
    CHECK_EQ(r.err, CBOR_ERR_TYPE);
    CHECK(!syn_cbor_read_null(&r));
    CHECK(syn_cbor_peek(&r) == CBOR_NONE);

    /* skip walks one whole item */
    syn_cbor_reader_init(&r, buf, w.len);
    CHECK(syn_cbor_skip(&r));
    CHECK(syn_cbor_at_end(&r));
}

static void test_shortest_form(void)
{
    CHECK_EQ(validate_hex("1817"), CBOR_ERR_NONCANONICAL);         /* 23 in one extra byte */
    CHECK_EQ(validate_hex("1818"), CBOR_OK);
    CHECK_EQ(validate_hex("1900ff"), CBOR_ERR_NONCANONICAL);
    CHECK_EQ(validate_hex("190100"), CBOR_OK);
    CHECK_EQ(validate_hex("1a0000ffff"), CBOR_ERR_NONCANONICAL);
    CHECK_EQ(validate_hex("1b00000000ffffffff"), CBOR_ERR_NONCANONICAL);
    CHECK_EQ(validate_hex("3817"), CBOR_ERR_NONCANONICAL);
    CHECK_EQ(validate_hex("5801ff"), CBOR_ERR_NONCANONICAL);       /* length in the long form */
    CHECK_EQ(validate_hex("780161"), CBOR_ERR_NONCANONICAL);
    CHECK_EQ(validate_hex("9801" "00"), CBOR_ERR_NONCANONICAL);
    CHECK_EQ(validate_hex("b80100" "00"), CBOR_ERR_NONCANONICAL);
    /* map keys: unsigned, ascending, no duplicates */
    CHECK_EQ(validate_hex("a201000000"), CBOR_ERR_NONCANONICAL);   /* {1: 0, 0: 0} */
    CHECK_EQ(validate_hex("a200000000"), CBOR_ERR_NONCANONICAL);   /* duplicate key */
    CHECK_EQ(validate_hex("a1616100"), CBOR_ERR_TYPE);             /* text key */
    CHECK_EQ(validate_hex("a12000"), CBOR_ERR_TYPE);               /* negative key */
    CHECK_EQ(validate_hex("a20001181900"), CBOR_OK);               /* {0: 1, 25: 0} */
}

static void test_refused(void)
{
    CHECK_EQ(validate_hex("f93c00"), CBOR_ERR_UNSUPPORTED);        /* half float */
    CHECK_EQ(validate_hex("fa3f800000"), CBOR_ERR_UNSUPPORTED);    /* single */
    CHECK_EQ(validate_hex("fb3ff0000000000000"), CBOR_ERR_UNSUPPORTED);
    CHECK_EQ(validate_hex("c11a514b67b0"), CBOR_ERR_UNSUPPORTED);  /* tag 1 */
    CHECK_EQ(validate_hex("d82076687474703a2f2f"), CBOR_ERR_UNSUPPORTED);
    CHECK_EQ(validate_hex("5f42010243030405ff"), CBOR_ERR_UNSUPPORTED); /* indefinite bytes */
    CHECK_EQ(validate_hex("7f6161ff"), CBOR_ERR_UNSUPPORTED);
    CHECK_EQ(validate_hex("9f01ff"), CBOR_ERR_UNSUPPORTED);
    CHECK_EQ(validate_hex("bf0001ff"), CBOR_ERR_UNSUPPORTED);
    CHECK_EQ(validate_hex("ff"), CBOR_ERR_UNSUPPORTED);            /* lone break */
    CHECK_EQ(validate_hex("f7"), CBOR_ERR_UNSUPPORTED);            /* undefined */
    CHECK_EQ(validate_hex("f0"), CBOR_ERR_UNSUPPORTED);            /* simple(16) */
    CHECK_EQ(validate_hex("f820"), CBOR_ERR_UNSUPPORTED);          /* simple(32) */
    CHECK_EQ(validate_hex("1c"), CBOR_ERR_UNSUPPORTED);            /* reserved 28..30 */
    CHECK_EQ(validate_hex("5d"), CBOR_ERR_UNSUPPORTED);
    CHECK_EQ(validate_hex("f4"), CBOR_OK);
    CHECK_EQ(validate_hex("f5"), CBOR_OK);
    CHECK_EQ(validate_hex("f6"), CBOR_OK);
    /* truncation and trailing bytes */
    CHECK_EQ(validate_hex(""), CBOR_ERR_EOF);
    CHECK_EQ(validate_hex("19ff"), CBOR_ERR_EOF);
    CHECK_EQ(validate_hex("430102"), CBOR_ERR_EOF);
    CHECK_EQ(validate_hex("a10504"), CBOR_OK);
    CHECK_EQ(validate_hex("a105"), CBOR_ERR_EOF);
    CHECK_EQ(validate_hex("820102"), CBOR_OK);
    CHECK_EQ(validate_hex("82010203"), CBOR_ERR_TRAILING);
    /* text must be UTF-8 */
    CHECK_EQ(validate_hex("62c328"), CBOR_ERR_UTF8);
    CHECK_EQ(validate_hex("62c0af"), CBOR_ERR_UTF8);               /* overlong */
    CHECK_EQ(validate_hex("63eda080"), CBOR_ERR_UTF8);             /* surrogate */
    CHECK_EQ(validate_hex("64f4908080"), CBOR_ERR_UTF8);           /* past U+10FFFF */
    CHECK_EQ(validate_hex("64f09f9880"), CBOR_OK);                 /* U+1F600 */
}

static void test_limits(void)
{
    static uint8_t buf[8192];
    cbor_writer w;
    char text[70];
    memset(text, 'a', sizeof text);
    /* text: 64 bytes fine, 65 refused both ways */
    syn_cbor_writer_init(&w, buf, sizeof buf);
    CHECK(syn_cbor_write_text(&w, text, 64));
    CHECK_EQ(syn_cbor_validate(buf, w.len), CBOR_OK);
    syn_cbor_writer_init(&w, buf, sizeof buf);
    CHECK(!syn_cbor_write_text(&w, text, 65));
    CHECK_EQ(w.err, CBOR_ERR_TEXT_LONG);
    buf[0] = 0x78; buf[1] = 65;
    memset(buf + 2, 'a', 65);
    CHECK_EQ(syn_cbor_validate(buf, 67), CBOR_ERR_TEXT_LONG);
    CHECK_STR(syn_cbor_err_name(CBOR_ERR_TEXT_LONG), "text over 64 bytes");
    /* arrays: 1024 entries fine, 1025 refused */
    syn_cbor_writer_init(&w, buf, sizeof buf);
    CHECK(syn_cbor_write_array(&w, 1024));
    for (int i = 0; i < 1024; i++)
        syn_cbor_write_uint(&w, 0);
    CHECK_EQ(syn_cbor_validate(buf, w.len), CBOR_OK);
    syn_cbor_writer_init(&w, buf, sizeof buf);
    CHECK(!syn_cbor_write_array(&w, 1025));
    size_t n = hex("990401", buf);   /* array(1025) header */
    memset(buf + n, 0, 1025);
    CHECK_EQ(syn_cbor_validate(buf, n + 1025), CBOR_ERR_LIMIT);
    n = hex("b90401", buf);          /* map(1025) */
    CHECK_EQ(syn_cbor_validate(buf, n), CBOR_ERR_LIMIT);
    /* depth: 8 nested containers fine, 9 refused (also an empty innermost one) */
    CHECK_EQ(validate_hex("818181818181818100"), CBOR_OK);
    CHECK_EQ(validate_hex("81818181818181818100"), CBOR_ERR_LIMIT);
    CHECK_EQ(validate_hex("818181818181818180"), CBOR_ERR_LIMIT);
    CHECK_EQ(validate_hex("8181818181818180"), CBOR_OK);
    CHECK_EQ(validate_hex("a100a100a100a100a100a100a100a10000"), CBOR_OK);
    CHECK_EQ(validate_hex("a100a100a100a100a100a100a100a100a10000"), CBOR_ERR_LIMIT);
    /* writer overflow is sticky */
    uint8_t small[4];
    syn_cbor_writer_init(&w, small, sizeof small);
    CHECK(syn_cbor_write_uint(&w, 1));
    CHECK(!syn_cbor_write_uint(&w, 70000));
    CHECK_EQ(w.err, CBOR_ERR_OVERFLOW);
    CHECK(!syn_cbor_write_uint(&w, 1));
    CHECK_EQ(w.len, 1);
    /* reader: a string longer than the buffer is EOF, never a read past it */
    n = hex("5a00010000", buf);
    cbor_reader r;
    const uint8_t *d;
    size_t len;
    syn_cbor_reader_init(&r, buf, n);
    CHECK(!syn_cbor_read_bytes(&r, &d, &len));
    CHECK_EQ(r.err, CBOR_ERR_EOF);
}

static void test_random_bytes(void)
{
    /* Random buffers biased towards small heads: the validator must never crash or read past
     * the end (ASan), and whatever it accepts must re-encode to the same bytes. */
    uint32_t s = 99;
    static uint8_t buf[64], out[256];
    size_t accepted = 0;
    for (int iter = 0; iter < 300000; iter++) {
        size_t n = 1 + (size_t)(iter % 24);
        for (size_t i = 0; i < n; i++) {
            s = s * 1103515245u + 12345u;
            uint8_t b = (uint8_t)(s >> 16);
            buf[i] = (s >> 27) & 1 ? (uint8_t)(b & 0xB7u) : b;   /* more small arguments */
        }
        cbor_err e = syn_cbor_validate(buf, n);
        cbor_reader r;
        syn_cbor_reader_init(&r, buf, n);
        bool skipped = syn_cbor_skip(&r);
        CHECK_EQ(skipped && r.p == r.end, e == CBOR_OK);
        if (e != CBOR_OK)
            continue;
        accepted++;
        cbor_writer w;
        syn_cbor_writer_init(&w, out, sizeof out);
        syn_cbor_reader_init(&r, buf, n);
        if (!CHECK(cbor_recode(&r, &w)))
            break;
        if (!CHECK_MEM(out, w.len, buf, n))
            break;
    }
    CHECK(accepted > 1000);   /* the generator does reach valid items */
}

void suite_cbor(void)
{
    th_run("cbor: integers of every width, both signs, ranges", test_integers);
    th_run("cbor: bytes, text, arrays, maps, simple values, skip", test_strings_and_containers);
    th_run("cbor: non-shortest forms and key order refused", test_shortest_form);
    th_run("cbor: floats, tags, indefinite lengths, bad UTF-8 refused", test_refused);
    th_run("cbor: text, item and depth limits; writer overflow", test_limits);
    th_run("cbor: random bytes never crash; accepted items re-encode identically", test_random_bytes);
}
