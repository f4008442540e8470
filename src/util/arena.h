/*
 * arena: request-scoped bump allocator.
 *
 * Every request owns one arena. Everything allocated from it, and every
 * cleanup registered on it, is released in one place by arena_free() when the
 * request completes (the nginx pool / h2o req->pool pattern). Allocation
 * aborts on out-of-memory, so callers never check for NULL.
 *
 * Ownership: whoever created an arena frees it, once; nothing is allocated
 * from it, and nothing touches what it gave, after that. Debug builds
 * assert the first two; AddressSanitizer builds also poison what a freed
 * arena held (freed arenas are kept for reuse, which would otherwise hide
 * a use after free from the sanitizer).
 */
#ifndef SOCIALD_UTIL_ARENA_H
#define SOCIALD_UTIL_ARENA_H

#include <stddef.h>

struct arena;

/* Creates an empty arena; the caller releases it with arena_free(). */
struct arena *arena_new(void);
/* Runs the registered cleanups (last registered first) and frees all
 * memory. NULL is ignored; freeing an arena twice fails an assertion. */
void arena_free(struct arena *a);
/* Returns n zeroed bytes aligned for any type, owned by the arena. */
void *arena_alloc(struct arena *a, size_t n);
/* Returns a NUL-terminated copy of s owned by the arena (NULL stays NULL). */
char *arena_strdup(struct arena *a, const char *s);
/* Returns a NUL-terminated copy of the n bytes at s, owned by the arena. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Returns a formatted string owned by the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees the calling thread's cached spare arenas (threads that exit do it
 * themselves; the main thread calls this before exiting). */
void arena_release_spares(void);
/* Registers fn(arg) to run when the arena is freed. */
void arena_on_free(struct arena *a, void (*fn)(void *), void *arg);
/*
 * Makes room for element n of arr, an arena array of *cap elements of elem
 * bytes (NULL with *cap 0 to start empty; n <= *cap, the elements in use):
 * returns arr itself while n < *cap,
 * else a copy of its first n elements in an arena block of twice the
 * capacity (8 at least), *cap updated; the old block stays in the arena
 * until it is freed. Slots past n are zeroed. Aborts on overflow, like
 * arena_alloc on out-of-memory. Use: arr = arena_grow(a, arr, &cap, n, sizeof(*arr));
 */
void *arena_grow(struct arena *a, void *arr, size_t *cap, size_t n, size_t elem);

#endif
