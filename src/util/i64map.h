/*
 * i64map: open-addressing hash map from a nonzero 64-bit key to a small
 * fixed-size value stored inline. Not thread-safe: callers shard and lock.
 * Deletion is by filtering (i64map_filter), which rebuilds the table.
 */
#ifndef SOCIALD_UTIL_I64MAP_H
#define SOCIALD_UTIL_I64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct i64map {
    uint64_t *keys;
    unsigned char *vals;
    size_t vsize;
    size_t cap; /* power of two */
    size_t len;
};

/* Prepares an empty map of values of vsize bytes. */
void i64map_init(struct i64map *m, size_t vsize);
void i64map_free(struct i64map *m);
/* The value for key (nonzero); when absent, creates it zeroed if create,
 * else returns NULL. The pointer is valid until the next insertion. */
void *i64map_get(struct i64map *m, uint64_t key, bool create);
/* Keeps only the entries for which keep(key, value, arg) is true. */
void i64map_filter(struct i64map *m, bool (*keep)(uint64_t key, void *val, void *arg), void *arg);

#endif
