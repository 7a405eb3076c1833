/* hashmap.c: the analyzers' hash table (see hashmap.h). */
#include "hashmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void hashmap_init(struct hashmap *m, size_t key_size, size_t value_size)
{
    memset(m, 0, sizeof *m);
    m->key_size = key_size;
    m->value_size = value_size;
    m->value_offset = (key_size + 7) & ~(size_t)7;
    m->slot_size = (m->value_offset + value_size + 1 + 7) & ~(size_t)7;
}

/* A word-at-a-time hash (keys are mostly a few int64_t fields). */
static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        b += 8;
        n -= 8;
    }
    while (n--)
        h = (h ^ *b++) * 0x100000001b3ull;
    h ^= h >> 29;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 32);
}

/* The used byte of a slot. */
static unsigned char *used(const struct hashmap *m, unsigned char *slot)
{
    return slot + m->value_offset + m->value_size;
}

static int grow(struct hashmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    unsigned char *slots = calloc(cap, m->slot_size);
    if (!slots)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        unsigned char *s = m->slots + i * m->slot_size;
        if (!*used(m, s))
            continue;
        size_t j = hash_bytes(s, m->key_size) & (cap - 1);
        while (*used(m, slots + j * m->slot_size))
            j = (j + 1) & (cap - 1);
        memcpy(slots + j * m->slot_size, s, m->slot_size);
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

void *hashmap_get(struct hashmap *m, const void *key, int create)
{
    if (create && (m->count + 1) * 10 > m->cap * 7 && grow(m) != 0)
        return NULL;
    if (!m->cap)
        return NULL;
    size_t i = hash_bytes(key, m->key_size) & (m->cap - 1);
    for (;;) {
        unsigned char *s = m->slots + i * m->slot_size;
        if (!*used(m, s)) {
            if (!create)
                return NULL;
            *used(m, s) = 1;
            memcpy(s, key, m->key_size);
            m->count++;
            return s + m->value_offset;
        }
        if (memcmp(s, key, m->key_size) == 0)
            return s + m->value_offset;
        i = (i + 1) & (m->cap - 1);
    }
}

int hashmap_remove(struct hashmap *m, const void *key)
{
    if (!m->cap)
        return 0;
    size_t mask = m->cap - 1, i = hash_bytes(key, m->key_size) & mask;
    for (;; i = (i + 1) & mask) {
        unsigned char *s = m->slots + i * m->slot_size;
        if (!*used(m, s))
            return 0;
        if (memcmp(s, key, m->key_size) == 0)
            break;
    }
    /* backward shift: later entries of the same run move up into the hole,
     * unless their home slot lies after it (linear probing needs no
     * tombstones this way) */
    memset(m->slots + i * m->slot_size, 0, m->slot_size);
    for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
        unsigned char *s = m->slots + j * m->slot_size;
        if (!*used(m, s))
            break;
        size_t home = hash_bytes(s, m->key_size) & mask;
        int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (stays)
            continue;
        memcpy(m->slots + i * m->slot_size, s, m->slot_size);
        memset(s, 0, m->slot_size);
        i = j;
    }
    m->count--;
    return 1;
}

int hashmap_next(const struct hashmap *m, size_t *pos, const void **key, void **value)
{
    while (*pos < m->cap) {
        unsigned char *s = m->slots + (*pos)++ * m->slot_size;
        if (*used(m, s)) {
            *key = s;
            *value = s + m->value_offset;
            return 1;
        }
    }
    return 0;
}

void hashmap_clear(struct hashmap *m)
{
    if (m->cap > 4096) { /* a map that grew big gives its memory back */
        hashmap_free(m);
        return;
    }
    if (m->slots)
        memset(m->slots, 0, m->cap * m->slot_size);
    m->count = 0;
}

void hashmap_free(struct hashmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->count = 0;
}
