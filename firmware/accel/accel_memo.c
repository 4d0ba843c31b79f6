/* The engines' exact memo; see accel_memo.h. */
#include "accel_memo.h"

#include <string.h>

typedef struct {
    uint64_t generation;
    size_t data_at;
    size_t data_len;
    uint8_t slot;
    bool live;                     /* false once dropped: its bytes wait for the ring to pass */
    uint8_t digest[SHA256_BYTES];
} memo_entry;

#define NO_ENTRY 0u                /* table cells hold entry index + 1 */

static struct {
    bool on;
    memo_entry *entries;           /* a FIFO ring of headers: first, count */
    uint32_t max_entries, first, count;
    uint32_t *table;               /* linear probing, at most half full */
    uint32_t table_mask;
    uint8_t *data;                 /* the byte ring: entries in FIFO order, wpos after the newest */
    size_t data_cap, wpos;
    accel_memo_stats stats;
} M;

bool syn_accel_memo_use(void *mem, size_t bytes)
{
    memset(&M, 0, sizeof M);
    if (mem == NULL || bytes == 0)
        return true;
    /* Headers for one entry per 4 KiB of budget (an entry of tiny outputs costs its header, not
     * its 4 KiB), between 4 and 2^20; a table of twice as many cells. */
    size_t max_entries = bytes / 4096u;
    if (max_entries < 4u)
        max_entries = 4u;
    if (max_entries > (1u << 20))
        max_entries = 1u << 20;
    size_t cells = 1;
    while (cells < 2u * max_entries)
        cells <<= 1;
    uintptr_t start = ((uintptr_t)mem + 7u) & ~(uintptr_t)7u;
    size_t skew = (size_t)(start - (uintptr_t)mem);
    size_t fixed = skew + max_entries * sizeof(memo_entry) + cells * sizeof(uint32_t);
    if (bytes < fixed + ACCEL_MEMO_MIN_DATA)
        return false;
    M.entries = (memo_entry *)start;
    M.max_entries = (uint32_t)max_entries;
    M.table = (uint32_t *)(M.entries + max_entries);
    M.table_mask = (uint32_t)(cells - 1u);
    M.data = (uint8_t *)(M.table + cells);
    M.data_cap = bytes - fixed;
    memset(M.table, 0, cells * sizeof(uint32_t));
    M.on = true;
    M.stats.budget = bytes;
    M.stats.data_capacity = M.data_cap;
    return true;
}

void syn_accel_memo_stats_get(accel_memo_stats *out)
{
    *out = M.stats;
}

bool syn_accel_memo_enabled(void)
{
    return M.on;
}

/* Loads so far, never reset (not even by syn_accel_memo_use): every load has its own number. */
static uint64_t loads;

uint64_t syn_accel_memo_generation(void)
{
    return ++loads;
}

static uint32_t home(const accel_memo_key *k)
{
    uint64_t h;
    memcpy(&h, k->digest, sizeof h);
    h ^= k->generation * 0x9E3779B97F4A7C15ull ^ (uint64_t)k->slot << 56;
    h ^= h >> 29;
    return (uint32_t)h & M.table_mask;
}

static bool same_key(const memo_entry *e, const accel_memo_key *k)
{
    return e->live && e->slot == k->slot && e->generation == k->generation
           && memcmp(e->digest, k->digest, SHA256_BYTES) == 0;
}

static accel_memo_key key_of(const memo_entry *e)
{
    accel_memo_key k;
    k.slot = e->slot;
    k.generation = e->generation;
    memcpy(k.digest, e->digest, SHA256_BYTES);
    return k;
}

/* Takes entry `index` out of the table (backward-shift deletion keeps every probe chain whole). */
static void table_remove(uint32_t index)
{
    accel_memo_key k = key_of(&M.entries[index]);
    uint32_t i = home(&k);
    while (M.table[i] != index + 1u)
        i = (i + 1u) & M.table_mask;   /* present: it was inserted and not removed */
    M.table[i] = NO_ENTRY;
    for (uint32_t j = (i + 1u) & M.table_mask; M.table[j] != NO_ENTRY; j = (j + 1u) & M.table_mask) {
        accel_memo_key kj = key_of(&M.entries[M.table[j] - 1u]);
        uint32_t h = home(&kj);
        /* The cell at j may move back to i if its home is not within (i, j] cyclically. */
        bool within = i < j ? (h > i && h <= j) : (h > i || h <= j);
        if (!within) {
            M.table[i] = M.table[j];
            M.table[j] = NO_ENTRY;
            i = j;
        }
    }
}

static void kill_entry(uint32_t index)
{
    memo_entry *e = &M.entries[index];
    if (!e->live)
        return;
    table_remove(index);
    e->live = false;
    M.stats.bytes_held -= e->data_len;
    M.stats.entries--;
}

static void pop_oldest(void)
{
    if (M.entries[M.first].live) {
        kill_entry(M.first);
        M.stats.evicted++;
    }
    M.first = (M.first + 1u) % M.max_entries;
    if (--M.count == 0)
        M.wpos = 0;
}

/* Where `need` bytes go in the ring, evicting the oldest entries until they fit. */
static size_t place(size_t need)
{
    for (;;) {
        if (M.count == M.max_entries) {
            pop_oldest();
            continue;
        }
        if (M.count == 0)
            return 0;
        size_t tail = M.entries[M.first].data_at;
        if (M.wpos > tail) {           /* not wrapped: free after wpos and before tail */
            if (need <= M.data_cap - M.wpos)
                return M.wpos;
            if (need <= tail)
                return 0;
        } else if (need <= tail - M.wpos) {   /* wrapped: free between wpos and tail */
            return M.wpos;
        }
        pop_oldest();
    }
}

const uint8_t *syn_accel_memo_find(const accel_memo_key *key, size_t *len)
{
    if (!M.on)
        return NULL;
    for (uint32_t i = home(key); M.table[i] != NO_ENTRY; i = (i + 1u) & M.table_mask) {
        const memo_entry *e = &M.entries[M.table[i] - 1u];
        if (same_key(e, key)) {
            M.stats.hits++;
            *len = e->data_len;
            return M.data + e->data_at;
        }
    }
    M.stats.misses++;
    return NULL;
}

uint8_t *syn_accel_memo_reserve(const accel_memo_key *key, size_t need)
{
    if (!M.on)
        return NULL;
    if (need == 0 || need > M.data_cap) {
        M.stats.too_large++;
        return NULL;
    }
    size_t at = place(need);
    uint32_t index = (M.first + M.count) % M.max_entries;
    memo_entry *e = &M.entries[index];
    e->generation = key->generation;
    e->slot = key->slot;
    memcpy(e->digest, key->digest, SHA256_BYTES);
    e->data_at = at;
    e->data_len = need;
    e->live = true;
    M.count++;
    M.wpos = at + need;
    uint32_t i = home(key);
    while (M.table[i] != NO_ENTRY)
        i = (i + 1u) & M.table_mask;   /* the table is at most half full */
    M.table[i] = index + 1u;
    M.stats.stored++;
    M.stats.entries++;
    M.stats.bytes_held += need;
    return M.data + at;
}

void syn_accel_memo_store(const accel_memo_key *key, const uint8_t *const *parts, const uint32_t *lens, size_t n)
{
    size_t need = 0;
    for (size_t k = 0; k < n; k++)
        need += lens[k];
    uint8_t *to = syn_accel_memo_reserve(key, need);
    for (size_t k = 0; to != NULL && k < n; k++) {
        memcpy(to, parts[k], lens[k]);
        to += lens[k];
    }
}

void syn_accel_memo_drop_slot(uint8_t slot)
{
    if (!M.on)
        return;
    for (uint32_t k = 0; k < M.count; k++) {
        uint32_t index = (M.first + k) % M.max_entries;
        if (M.entries[index].live && M.entries[index].slot == slot)
            kill_entry(index);
    }
}

void syn_accel_memo_drop_all(void)
{
    if (!M.on)
        return;
    memset(M.table, 0, ((size_t)M.table_mask + 1u) * sizeof(uint32_t));
    M.first = M.count = 0;
    M.wpos = 0;
    M.stats.entries = 0;
    M.stats.bytes_held = 0;
}
