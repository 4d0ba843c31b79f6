/* The exact memo of an emulated accelerator (off unless the port calls syn_accel_memo_use;
 * synergy-emu --memo-mib N). The host's CPU is not the chip: an emulated board that recomputes a
 * segment it has already computed on the same bytes spends host time the modelled chip would not
 * (the board's timeline charges the modelled cycles either way). With the memo on, an engine
 * (the layer simulator and the register engine alike) looks up a run without a layer callback by
 * (resident slot, the load's generation number, SHA-256 of every input's bytes); a hit gives the
 * outputs the computed run stored, byte for byte what computing gives. A miss computes and
 * stores. Each load draws a new generation (syn_accel_memo_generation), so an unload and reload never
 * meets an old entry; an engine drops a slot's entries at unload and all of them at syn_accel_open.
 *
 * Memory: one region the port hands over, carved at run time into entry headers, an
 * open-addressing table over them and a byte ring for the stored outputs. Entries leave in the
 * order they came (oldest first) when headers or bytes run out. */
#ifndef SYNERGY_ACCEL_MEMO_H
#define SYNERGY_ACCEL_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

/* Counters of the memo since syn_accel_memo_use. */
typedef struct {
    uint64_t hits, misses;    /* lookups of callback-free runs */
    uint64_t stored;          /* computed runs stored */
    uint64_t evicted;         /* entries dropped to make room */
    uint64_t too_large;       /* computed runs whose outputs exceed the byte ring (not stored) */
    uint64_t bytes_held;      /* output bytes of the entries held now */
    uint64_t entries;         /* entries held now */
    uint64_t budget;          /* bytes handed over */
    uint64_t data_capacity;   /* of which the byte ring for outputs (the rest: headers, table) */
} accel_memo_stats;

/* The smallest byte ring the memo accepts (below it syn_accel_memo_use refuses). */
#define ACCEL_MEMO_MIN_DATA 1024u

/* Turns the memo on over `bytes` of the caller's memory at `mem` (it must stay valid while the
 * memo is on), or off with mem NULL or bytes 0. Drops every entry and zeroes the counters. False
 * (and off) if the region cannot hold the headers and ACCEL_MEMO_MIN_DATA bytes. */
bool syn_accel_memo_use(void *mem, size_t bytes);
void syn_accel_memo_stats_get(accel_memo_stats *out);

/* For engines -------------------------------------------------------------------------------- */

typedef struct {
    uint8_t slot;
    uint64_t generation;          /* the load's number: a reload never meets an old entry */
    uint8_t digest[SHA256_BYTES]; /* of every input's bytes, in the engine's input order */
} accel_memo_key;

bool syn_accel_memo_enabled(void);

/* A new load's number (never reused, not even across syn_accel_open). */
uint64_t syn_accel_memo_generation(void);

/* The stored outputs (concatenated in the engine's output order) of a run with this key, or NULL.
 * Counts a hit or a miss. */
const uint8_t *syn_accel_memo_find(const accel_memo_key *key, size_t *len);

/* Stores a computed run's outputs: n parts (each output's bytes, in order). An entry larger than
 * the memo's byte ring is not stored. */
void syn_accel_memo_store(const accel_memo_key *key, const uint8_t *const *parts, const uint32_t *lens, size_t n);

/* Makes an entry of `len` bytes for this key and returns where its bytes go (the caller fills
 * them before anything else touches the memo), or NULL if the memo is off or the entry is larger
 * than its byte ring. */
uint8_t *syn_accel_memo_reserve(const accel_memo_key *key, size_t len);

/* Drops every entry of a slot (its segment was unloaded). */
void syn_accel_memo_drop_slot(uint8_t slot);

/* Drops every entry (the accelerator was reset); the counters stay. */
void syn_accel_memo_drop_all(void);

#endif
