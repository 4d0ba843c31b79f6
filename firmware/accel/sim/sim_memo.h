/* The simulator's exact memo (sim.h, accel_sim_memo_use): results of computed runs kept by
 * (resident slot, load generation, SHA-256 of the run's input bytes), replayed byte for byte
 * when the same segment load sees the same inputs again. Internal to accel/sim/.
 *
 * Memory: one region the port hands over, carved at run time into entry headers, an
 * open-addressing table over them and a byte ring for the stored outputs. Entries leave in the
 * order they came (oldest first) when headers or bytes run out. */
#ifndef SYNERGY_ACCEL_SIM_MEMO_H
#define SYNERGY_ACCEL_SIM_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"
#include "sim.h"

typedef struct {
    uint8_t slot;
    uint64_t generation;          /* the load's number: a reload never meets an old entry */
    uint8_t digest[SHA256_BYTES]; /* of every input's bytes, in the plan's input order */
} sim_memo_key;

bool sim_memo_enabled(void);

/* The stored outputs (concatenated in the plan's output order) of a run with this key, or NULL.
 * Counts a hit or a miss. */
const uint8_t *sim_memo_find(const sim_memo_key *key, size_t *len);

/* Stores a computed run's outputs: n parts (each output's bytes, in order), len total. An entry
 * larger than the memo's byte ring is not stored. */
void sim_memo_store(const sim_memo_key *key, const uint8_t *const *parts, const uint32_t *lens, size_t n);

/* Drops every entry of a slot (its segment was unloaded). */
void sim_memo_drop_slot(uint8_t slot);

/* Drops every entry (the accelerator was reset); the counters stay. */
void sim_memo_drop_all(void);

#endif
