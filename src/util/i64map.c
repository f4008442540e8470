/*
 * i64map: linear-probing hash map (see i64map.h).
 */
#include "util/i64map.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

static size_t hash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k;
}

void i64map_init(struct i64map *m, size_t vsize)
{
    memset(m, 0, sizeof(*m));
    m->vsize = vsize;
}

void i64map_free(struct i64map *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->len = 0;
}

static void rehash(struct i64map *m, size_t cap)
{
    struct i64map n;
    i64map_init(&n, m->vsize);
    n.cap = cap;
    n.keys = mem_calloc(cap, sizeof(uint64_t));
    n.vals = mem_calloc(cap, m->vsize);
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = hash(m->keys[i]) & (cap - 1);
        while (n.keys[j])
            j = (j + 1) & (cap - 1);
        n.keys[j] = m->keys[i];
        memcpy(n.vals + j * m->vsize, m->vals + i * m->vsize, m->vsize);
        n.len++;
    }
    i64map_free(m);
    *m = n;
}

void *i64map_get(struct i64map *m, uint64_t key, bool create)
{
    if (m->cap) {
        size_t j = hash(key) & (m->cap - 1);
        while (m->keys[j]) {
            if (m->keys[j] == key)
                return m->vals + j * m->vsize;
            j = (j + 1) & (m->cap - 1);
        }
    }
    if (!create)
        return NULL;
    if ((m->len + 1) * 2 > m->cap)
        rehash(m, m->cap ? m->cap * 2 : 64);
    size_t j = hash(key) & (m->cap - 1);
    while (m->keys[j])
        j = (j + 1) & (m->cap - 1);
    m->keys[j] = key;
    memset(m->vals + j * m->vsize, 0, m->vsize);
    m->len++;
    return m->vals + j * m->vsize;
}

void i64map_filter(struct i64map *m, bool (*keep)(uint64_t key, void *val, void *arg), void *arg)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i] && !keep(m->keys[i], m->vals + i * m->vsize, arg)) {
            m->keys[i] = 0;
            m->len--;
        }
    /* Rebuild so probe chains broken by the removals are whole again. */
    size_t cap = 64;
    while (cap < m->len * 2)
        cap *= 2;
    if (m->cap)
        rehash(m, cap);
}
