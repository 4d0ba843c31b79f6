/* SHA-256 against the FIPS 180-4 / NIST CAVP examples, and incremental hashing in every split. */
#include <string.h>

#include "harness.h"
#include "sha256.h"
#include "support.h"

static void expect(const uint8_t *data, size_t n, const char *hex)
{
    uint8_t want[32], got[32];
    CHECK_EQ(hex_decode(hex, want, sizeof want), 32);
    syn_sha256(data, n, got);
    CHECK_MEM(got, 32, want, 32);
}

static void fips_examples(void)
{
    expect((const uint8_t *)"abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect((const uint8_t *)"", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    expect((const uint8_t *)two_blocks, strlen(two_blocks),
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *long_msg = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    expect((const uint8_t *)long_msg, strlen(long_msg),
           "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    /* one million 'a', fed in pieces of 1000 */
    static uint8_t a[1000];
    memset(a, 'a', sizeof a);
    sha256_ctx c;
    syn_sha256_init(&c);
    for (int i = 0; i < 1000; i++)
        syn_sha256_update(&c, a, sizeof a);
    uint8_t got[32], want[32];
    syn_sha256_final(&c, got);
    hex_decode("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", want, sizeof want);
    CHECK_MEM(got, 32, want, 32);
}

/* Every length around the block and padding boundaries, hashed whole and in two pieces split
 * at every point, gives one digest. */
static void incremental_splits(void)
{
    static uint8_t data[200];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 37u + 11u);
    int bad = 0;
    for (size_t n = 0; n <= 130; n++) {
        uint8_t whole[32];
        syn_sha256(data, n, whole);
        for (size_t cut = 0; cut <= n; cut++) {
            sha256_ctx c;
            uint8_t got[32];
            syn_sha256_init(&c);
            syn_sha256_update(&c, data, cut);
            syn_sha256_update(&c, data + cut, n - cut);
            syn_sha256_final(&c, got);
            if (memcmp(got, whole, 32) != 0 && bad++ < 3)
                FAIL("length %zu split at %zu differs", n, cut);
        }
    }
    CHECK_EQ(bad, 0);
    /* 55, 56 and 64 bytes: the padding's own boundaries, against known digests. */
    static uint8_t z[64];
    expect(z, 55, "02779466cdec163811d078815c633f21901413081449002f24aa3e80f0b88ef7");
    expect(z, 56, "d4817aa5497628e7c77e6b606107042bbba3130888c5f47a375e6179be789fbb");
    expect(z, 64, "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b");
}

void suite_sha256(void)
{
    th_run("sha256: the FIPS 180-4 examples (abc, empty, 448 and 896 bits, a million a)", fips_examples);
    th_run("sha256: incremental updates at every split equal one call; padding boundaries", incremental_splits);
}
