/* hashmap.h: an open-addressing hash table with fixed-size keys and values,
 * for the analyzers' aggregates. Keys are compared as bytes, so a key struct
 * must be fully initialised (memset it, or use only int64_t fields). Values
 * start zeroed. */
#ifndef NSGFLOW_HASHMAP_H
#define NSGFLOW_HASHMAP_H

#include <stddef.h>

struct hashmap {
    size_t key_size, value_size, value_offset, slot_size;
    size_t cap, count;
    unsigned char *slots;   /* each: the key, the value (8-byte aligned), a used byte */
};

void hashmap_init(struct hashmap *m, size_t key_size, size_t value_size);

/* The value for key; with create, a new zeroed value when absent. NULL when
 * absent (without create) or out of memory. Pointers stay valid until the
 * next insertion. */
void *hashmap_get(struct hashmap *m, const void *key, int create);

/* Removes key; returns 1 when it was there. Other entries may move: pointers
 * into the map are invalid afterwards, and an iteration must restart. */
int hashmap_remove(struct hashmap *m, const void *key);

/* Iteration: start with *pos = 0; returns 0 at the end. */
int hashmap_next(const struct hashmap *m, size_t *pos, const void **key, void **value);

/* Empties the map (a big one also gives its memory back). */
void hashmap_clear(struct hashmap *m);
void hashmap_free(struct hashmap *m);

#endif
