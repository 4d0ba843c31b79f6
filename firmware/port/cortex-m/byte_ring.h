/* A byte ring between an interrupt handler and the main loop: one side only puts, the other only
 * takes (single producer, single consumer), so neither needs interrupts off. The capacity is a
 * power of two and the indices run freely (their difference is the fill), so a full ring and an
 * empty one differ. The producer writes the bytes before it publishes the new head; the consumer
 * reads them before it publishes the new tail (the compiler barriers keep that order; a
 * Cortex-M4 does not reorder its own memory accesses to normal memory as seen by its own
 * interrupt handlers). */
#ifndef SYNERGY_BYTE_RING_H
#define SYNERGY_BYTE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint8_t *buf;
    uint32_t mask;            /* capacity - 1 */
    volatile uint32_t head;   /* bytes ever put (producer's) */
    volatile uint32_t tail;   /* bytes ever taken (consumer's) */
} byte_ring;

#define BYTE_RING_BARRIER() __asm__ volatile("" ::: "memory")

/* capacity must be a power of two. */
static inline void byte_ring_init(byte_ring *r, uint8_t *buf, uint32_t capacity)
{
    r->buf = buf;
    r->mask = capacity - 1u;
    r->head = 0;
    r->tail = 0;
}

static inline uint32_t byte_ring_count(const byte_ring *r)
{
    return r->head - r->tail;
}

static inline uint32_t byte_ring_room(const byte_ring *r)
{
    return r->mask + 1u - (r->head - r->tail);
}

/* Producer: one byte; false (nothing put) when full. */
static inline bool byte_ring_put(byte_ring *r, uint8_t b)
{
    uint32_t h = r->head;
    if (h - r->tail > r->mask)
        return false;
    r->buf[h & r->mask] = b;
    BYTE_RING_BARRIER();
    r->head = h + 1u;
    return true;
}

/* Producer: all n bytes, or none when there is not room for all of them. */
static inline bool byte_ring_put_all(byte_ring *r, const uint8_t *p, size_t n)
{
    uint32_t h = r->head;
    if (n > r->mask + 1u - (h - r->tail))
        return false;
    uint32_t at = h & r->mask;
    size_t first = (size_t)(r->mask + 1u - at) < n ? (size_t)(r->mask + 1u - at) : n;
    memcpy(r->buf + at, p, first);
    memcpy(r->buf, p + first, n - first);
    BYTE_RING_BARRIER();
    r->head = h + (uint32_t)n;
    return true;
}

/* Consumer: one byte; false when empty. */
static inline bool byte_ring_get(byte_ring *r, uint8_t *b)
{
    uint32_t t = r->tail;
    if (r->head == t)
        return false;
    *b = r->buf[t & r->mask];
    BYTE_RING_BARRIER();
    r->tail = t + 1u;
    return true;
}

/* Consumer: the contiguous run of bytes at the tail (*n of them), to read in place then drop. */
static inline const uint8_t *byte_ring_peek(const byte_ring *r, size_t *n)
{
    uint32_t t = r->tail, count = r->head - t, at = t & r->mask;
    uint32_t run = r->mask + 1u - at;
    *n = count < run ? count : run;
    return r->buf + at;
}

static inline void byte_ring_drop(byte_ring *r, size_t n)
{
    BYTE_RING_BARRIER();
    r->tail += (uint32_t)n;
}

#endif
