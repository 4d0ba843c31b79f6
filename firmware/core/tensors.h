/* The tensor slots (PROTOCOL.md section 9): 16 slots in one arena of tensor_mem bytes that the
 * port provides (hello key 17). A slot is empty, filling (tensor.put chunks arriving), ready, or
 * held by a job (an infer writing its outputs, a sense writing a frame) until the job completes.
 *
 * Space: each slot holds one extent of the arena. (Re)sizing a slot frees its old extent and
 * takes the lowest gap that fits; when no gap fits but enough bytes are free in total, the
 * other slots are slid down first (their contents move with them), so an arena is never full
 * while it has the bytes. */
#ifndef SYNERGY_TENSORS_H
#define SYNERGY_TENSORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fault.h"
#include "syn_config.h"


typedef struct {
    uint32_t at;        /* offset in the arena */
    uint32_t total;     /* bytes; 0 = empty */
    uint32_t filled;    /* bytes arrived (tensor.put), total once written by a job */
    int8_t job;         /* the job writing it (timeline index), -1 none */
} tensor_slot;

typedef struct {
    uint8_t *arena;
    uint32_t cap;
    tensor_slot slots[SYN_TENSOR_SLOTS];
} tensor_store;

void syn_tensors_init(tensor_store *ts, uint8_t *arena, uint32_t cap);
uint32_t syn_tensors_free_bytes(const tensor_store *ts);
/* Bytes the arena would have free if these slots were emptied first (each listed once). */
uint32_t syn_tensors_free_if_emptied(const tensor_store *ts, const uint8_t *slots, size_t n);
/* Makes the slot `total` bytes, empty of data (filled 0). On does_not_fit the slot is unchanged. */
bool syn_tensors_resize(tensor_store *ts, unsigned slot, uint32_t total, syn_fault *f);
void syn_tensors_clear(tensor_store *ts, unsigned slot);
uint8_t *syn_tensors_data(tensor_store *ts, unsigned slot);
bool syn_tensors_ready(const tensor_store *ts, unsigned slot);
/* Scratch for a computation in the free part of the arena (the slots are slid down first):
 * 8-byte aligned, valid until the next resize; NULL if fewer than `bytes` are free. */
void *syn_tensors_scratch(tensor_store *ts, uint32_t bytes);
/* Slots held by a job are released when it completes. */
void syn_tensors_release_job(tensor_store *ts, int job);

#endif
