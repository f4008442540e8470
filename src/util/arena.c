/*
 * arena: chunked bump allocator with cleanup callbacks (see arena.h).
 *
 * A request usually needs a few KiB, so the first chunk is 8 KiB and lives in
 * the same allocation as the arena header; larger requests get bigger chunks.
 */
#include "util/arena.h"
#include "util/mem.h"

#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Under AddressSanitizer a chunk's free space, and all of a freed arena's,
 * is poisoned and each allocation unpoisoned: a read past an allocation or
 * through a pointer kept after arena_free() is reported, although the
 * memory is still the process's (kept for reuse). */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ALIGN         16u
#define FIRST_CHUNK   8192u
#define MIN_NEXT_SIZE 16384u

struct chunk {
    struct chunk *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

struct cleanup {
    struct cleanup *next;
    void (*fn)(void *);
    void *arg;
};

struct arena {
    struct chunk *head;
    struct cleanup *cleanups;
    bool freed; /* in a spare list: owned by no one (arena.h "Ownership") */
};

static struct chunk *chunk_new(size_t size)
{
    struct chunk *c = mem_malloc(sizeof(*c) + size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    POISON(c->data, size);
    return c;
}

/* Each thread keeps a few freed arenas (with their first chunk) for reuse:
 * a request then costs no malloc/free pair for its arena. A thread-exit
 * destructor frees them. */
#define SPARE_ARENAS 4
static _Thread_local struct arena *spare[SPARE_ARENAS];
static _Thread_local int nspare;
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void free_spares(void *unused)
{
    (void)unused;
    while (nspare > 0) {
        struct arena *a = spare[--nspare];
        free(a->head);
        free(a);
    }
}

void arena_release_spares(void)
{
    free_spares(NULL);
}

static void spare_key_init(void)
{
    pthread_key_create(&spare_key, free_spares);
}

struct arena *arena_new(void)
{
    if (nspare > 0) {
        struct arena *a = spare[--nspare];
        assert(a->freed);
        a->freed = false;
        return a;
    }
    struct arena *a = mem_malloc(sizeof(*a));
    a->head = chunk_new(FIRST_CHUNK);
    a->cleanups = NULL;
    a->freed = false;
    return a;
}

void arena_free(struct arena *a)
{
    if (!a)
        return;
    assert(!a->freed && "arena_free: the arena was already freed");
    while (a->cleanups) {
        struct cleanup *c = a->cleanups;
        a->cleanups = c->next;
        c->fn(c->arg);
    }
    /* Keep the first (smallest, oldest) chunk; free the rest. */
    struct chunk *c = a->head;
    while (c->next) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    c->used = 0;
    POISON(c->data, c->size);
    a->head = c;
    if (c->size == FIRST_CHUNK && nspare < SPARE_ARENAS) {
        if (nspare == 0) {
            /* (Re)arm the destructor: it runs only for non-NULL values. */
            pthread_once(&spare_once, spare_key_init);
            pthread_setspecific(spare_key, (void *)1);
        }
        a->freed = true;
        spare[nspare++] = a;
        return;
    }
    free(c);
    free(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
    assert(!a->freed && "arena_alloc: the arena was freed");
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (need < n)
        abort(); /* overflow: a caller passed a nonsense size */
    struct chunk *c = a->head;
    if (c->size - c->used < need) {
        size_t size = need > MIN_NEXT_SIZE ? need : MIN_NEXT_SIZE;
        if (size < c->size * 2 && c->size * 2 <= (size_t)16 << 20)
            size = c->size * 2;
        struct chunk *nc = chunk_new(size);
        nc->next = a->head;
        a->head = nc;
        c = nc;
    }
    void *p = c->data + c->used;
    c->used += need;
    UNPOISON(p, n);
    memset(p, 0, n);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    if (!s)
        return NULL;
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return arena_strdup(a, "");
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void arena_on_free(struct arena *a, void (*fn)(void *), void *arg)
{
    struct cleanup *c = arena_alloc(a, sizeof(*c));
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
}

void *arena_grow(struct arena *a, void *arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 8;
    /* n past the capacity, or a size that overflows: a caller's bug. */
    if (n > *cap || ncap < *cap || (elem && ncap > SIZE_MAX / elem))
        abort();
    void *bigger = arena_alloc(a, ncap * elem);
    if (n)
        memcpy(bigger, arr, n * elem);
    *cap = ncap;
    return bigger;
}
