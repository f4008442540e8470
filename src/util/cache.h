/*
 * cache: a sharded, size-bounded map from a 64-bit key to an owned entry
 * (one malloc'd block). When a shard's bytes pass its share of the budget,
 * entries are evicted round-robin until it fits. Thread-safe.
 *
 * Readers inspect entries under the shard lock through a callback and copy
 * out what they need; entries are never handed out (no refcounts).
 */
#ifndef SOCIALD_UTIL_CACHE_H
#define SOCIALD_UTIL_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cache;

/* Creates a cache holding at most about budget bytes; cache_free() frees it
 * and every entry. */
struct cache *cache_new(size_t budget);
void cache_free(struct cache *c);
/* Calls fn(entry, arg) under the lock if key is present and returns its
 * result; false when absent. fn must not call back into the cache. */
bool cache_with(struct cache *c, uint64_t key, bool (*fn)(void *entry, void *arg), void *arg);
/* Stores entry (a malloc'd block of bytes) under key, taking ownership and
 * freeing any previous entry. */
void cache_put(struct cache *c, uint64_t key, void *entry, size_t bytes);
/* Frees the entry under key, if any. */
void cache_drop(struct cache *c, uint64_t key);
/* Entries and bytes held, for metrics. */
void cache_stats(struct cache *c, size_t *entries, size_t *bytes);
/* Whether the cache holds less than pct percent of its budget (a filler
 * stops there, before anything is evicted). */
bool cache_below(struct cache *c, unsigned pct);

#endif
