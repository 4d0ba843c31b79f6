/* Tensor slots in one arena; see tensors.h. */
#include "tensors.h"

#include <string.h>

void syn_tensors_init(tensor_store *ts, uint8_t *arena, uint32_t cap)
{
    memset(ts, 0, sizeof *ts);
    ts->arena = arena;
    ts->cap = arena != NULL ? cap : 0;
    for (unsigned s = 0; s < SYN_TENSOR_SLOTS; s++)
        ts->slots[s].job = -1;
}

uint32_t syn_tensors_free_bytes(const tensor_store *ts)
{
    uint32_t used = 0;
    for (unsigned s = 0; s < SYN_TENSOR_SLOTS; s++)
        used += ts->slots[s].total;
    return ts->cap - used;
}

uint32_t syn_tensors_free_if_emptied(const tensor_store *ts, const uint8_t *slots, size_t n)
{
    uint32_t free = syn_tensors_free_bytes(ts);
    for (size_t i = 0; i < n; i++) {
        if (slots[i] < SYN_TENSOR_SLOTS)
            free += ts->slots[slots[i]].total;
    }
    return free;
}

/* The lowest offset where `size` bytes fit between the other slots' extents, or UINT32_MAX. */
static uint32_t find_gap(const tensor_store *ts, unsigned except, uint32_t size)
{
    uint32_t at = 0;
    for (;;) {
        /* The extent that overlaps [at, at + size) and ends last, if any. */
        bool moved = false;
        for (unsigned s = 0; s < SYN_TENSOR_SLOTS; s++) {
            const tensor_slot *o = &ts->slots[s];
            if (s == except || o->total == 0)
                continue;
            if (o->at < (uint64_t)at + size && at < o->at + o->total) {
                at = o->at + o->total;
                moved = true;
            }
        }
        if ((uint64_t)at + size > ts->cap)
            return UINT32_MAX;
        if (!moved)
            return at;
    }
}

/* Slides every other non-empty slot down to the lowest offsets, in offset order. */
static void compact(tensor_store *ts, unsigned except)
{
    uint32_t next = 0;
    for (;;) {
        int lowest = -1;
        for (unsigned s = 0; s < SYN_TENSOR_SLOTS; s++) {
            const tensor_slot *o = &ts->slots[s];
            if (s == except || o->total == 0 || o->at < next)
                continue;
            if (lowest < 0 || o->at < ts->slots[lowest].at)
                lowest = (int)s;
        }
        if (lowest < 0)
            return;
        tensor_slot *o = &ts->slots[lowest];
        if (o->at != next)
            memmove(ts->arena + next, ts->arena + o->at, o->total);
        o->at = next;
        next += o->total;
    }
}

bool syn_tensors_resize(tensor_store *ts, unsigned slot, uint32_t total, syn_fault *f)
{
    if (slot >= SYN_TENSOR_SLOTS)
        return syn_fail(f, SYN_ERR_BAD_ARGUMENT, "slot %u: slots are 0..%u", slot, SYN_TENSOR_SLOTS - 1u);
    tensor_slot *sl = &ts->slots[slot];
    uint32_t free = syn_tensors_free_bytes(ts) + sl->total;
    if (total > free)
        return syn_fail(f, SYN_ERR_DOES_NOT_FIT, "slot %u: %lu bytes, %lu free of tensor_mem %lu", slot,
                        (unsigned long)total, (unsigned long)free, (unsigned long)ts->cap);
    uint32_t at = find_gap(ts, slot, total);
    if (at == UINT32_MAX) {
        compact(ts, slot);
        at = find_gap(ts, slot, total);   /* the free bytes are now one run at the end */
    }
    sl->at = at;
    sl->total = total;
    sl->filled = 0;
    sl->job = -1;
    return true;
}

void syn_tensors_clear(tensor_store *ts, unsigned slot)
{
    if (slot < SYN_TENSOR_SLOTS)
        ts->slots[slot] = (tensor_slot){ 0, 0, 0, -1 };
}

uint8_t *syn_tensors_data(tensor_store *ts, unsigned slot)
{
    return slot < SYN_TENSOR_SLOTS && ts->slots[slot].total > 0 ? ts->arena + ts->slots[slot].at : NULL;
}

bool syn_tensors_ready(const tensor_store *ts, unsigned slot)
{
    if (slot >= SYN_TENSOR_SLOTS)
        return false;
    const tensor_slot *sl = &ts->slots[slot];
    return sl->total > 0 && sl->filled == sl->total && sl->job < 0;
}

void syn_tensors_release_job(tensor_store *ts, int job)
{
    for (unsigned s = 0; s < SYN_TENSOR_SLOTS; s++) {
        if (ts->slots[s].job == job && job >= 0)
            ts->slots[s].job = -1;
    }
}

void *syn_tensors_scratch(tensor_store *ts, uint32_t bytes)
{
    compact(ts, SYN_TENSOR_SLOTS);
    if (ts->arena == NULL)
        return NULL;
    uint64_t at = (uint64_t)ts->cap - syn_tensors_free_bytes(ts);
    at += (8u - ((uintptr_t)(ts->arena + at) & 7u)) & 7u;
    if (at + bytes > ts->cap)
        return NULL;
    return ts->arena + at;
}
