/* queue.h: a bounded queue of pointers between two threads, the producer
 * and the consumer of batches (analyze's connection rows on their way to
 * SQLite). push waits while the queue is full, so memory stays bounded by
 * the capacity times the batch size; pop waits while it is empty. */
#ifndef NSGFLOW_QUEUE_H
#define NSGFLOW_QUEUE_H

#include <pthread.h>
#include <stddef.h>

#define QUEUE_MAX 16

struct queue {
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    void *items[QUEUE_MAX];
    size_t head, count, capacity;
    int closed;
};

/* Prepares an empty queue of capacity items (1..QUEUE_MAX). Returns 0 or -1. */
int queue_init(struct queue *q, size_t capacity);
void queue_destroy(struct queue *q);

/* Adds item, waiting while the queue is full. Returns 0, or -1 when the
 * queue was closed (the item is not taken). */
int queue_push(struct queue *q, void *item);

/* Takes the oldest item, waiting while the queue is empty; NULL once the
 * queue is closed and empty. */
void *queue_pop(struct queue *q);

/* No more items: pop returns what is left, then NULL; push fails. */
void queue_close(struct queue *q);

#endif
