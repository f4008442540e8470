/*
 * directory: stamp-validated cache of accounts and profiles (see
 * directory.h).
 *
 * Loading order matters. For an entity whose id is known, the stamp is read
 * before the store: a change committed after the read bumps the stamp and
 * the entry is never trusted again. An API key's account id is only known
 * after a first read, so a miss reads twice: once to learn the id, then
 * (after reading the stamp) once for the data that gets cached.
 */
#include "api/directory.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "limits/usage.h"
#include "store/accounts.h"
#include "store/batch.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "store/store.h"
#include "util/cache.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define FRAG_MAX ((size_t)1 << 20)

struct directory {
    struct store *st;
    struct cache *keys;     /* key hash -> struct key_entry */
    struct cache *profiles; /* profile id -> struct prof_entry */
    struct cache *frags;    /* profile id -> struct frag_entry */
};

struct key_entry {
    unsigned char hash[STORE_HASH_LEN];
    enum store_kind kind;
    int64_t id;         /* the account's, or the profile's */
    int64_t account_id; /* the owning account */
    uint64_t stamp;     /* accounts: the stamp the data below was loaded under */
    struct account acct;
    char strs[]; /* email, ref_id */
};

struct prof_entry {
    uint64_t stamp;
    struct profile p;
    char strs[]; /* title, deleted_by, bio_handle */
};

struct frag_entry {
    int64_t version;
    int64_t until_ms;
    size_t count;
    size_t active_len;
    size_t names_len;
    char data[]; /* active, then names */
};

static uint64_t hash_key(const unsigned char h[STORE_HASH_LEN])
{
    uint64_t k;
    memcpy(&k, h, sizeof(k));
    return k;
}

struct directory *dir_new(struct store *st, size_t budget)
{
    struct directory *d = mem_calloc(1, sizeof(*d));
    d->st = st;
    /* Rendered fragments are most of the bytes: with ten linked accounts a
     * profile costs ~160 bytes of key entry, ~250 of profile and ~2.3 KiB
     * of fragment (docs/performance.md), so that a budget sized for N
     * profiles holds all three parts of N. */
    d->keys = cache_new(budget / 16);
    d->profiles = cache_new(budget / 8);
    d->frags = cache_new(budget / 16 * 13);
    return d;
}

void dir_free(struct directory *d)
{
    if (!d)
        return;
    cache_free(d->keys);
    cache_free(d->profiles);
    cache_free(d->frags);
    free(d);
}

/* Copies the optional strings into one block after a struct; returns the
 * block and sets the pointers to inside it. */
static void *pack(size_t head, const char **fields[], size_t n, size_t *total)
{
    size_t len = head;
    for (size_t i = 0; i < n; i++)
        len += *fields[i] ? strlen(*fields[i]) + 1 : 0;
    char *block = mem_malloc(len);
    char *p = block + head;
    for (size_t i = 0; i < n; i++) {
        if (!*fields[i])
            continue;
        size_t l = strlen(*fields[i]) + 1;
        memcpy(p, *fields[i], l);
        *fields[i] = p;
        p += l;
    }
    *total = len;
    return block;
}

/* ---- accounts ---- */

struct acct_lookup {
    const unsigned char *hash;
    struct store *st;
    struct arena *a;
    struct account *out;
};

static bool copy_account(void *entry, void *arg)
{
    struct key_entry *e = entry;
    struct acct_lookup *l = arg;
    if (e->kind != STORE_KIND_ACCOUNT || !crypto_ct_eq(e->hash, l->hash, STORE_HASH_LEN) ||
        store_stamp(l->st, STORE_KIND_ACCOUNT, e->id) != e->stamp)
        return false;
    *l->out = e->acct;
    l->out->email = arena_strdup(l->a, e->acct.email);
    l->out->ref_id = arena_strdup(l->a, e->acct.ref_id);
    return true;
}

enum store_rc dir_account(struct directory *d, struct arena *a,
                          const unsigned char h[STORE_HASH_LEN], struct account *out)
{
    struct acct_lookup l = {h, d->st, a, out};
    if (cache_with(d->keys, hash_key(h), copy_account, &l))
        return STORE_OK;
    enum store_rc rc = store_auth(d->st, a, h, out);
    if (rc != STORE_OK)
        return rc;
    uint64_t stamp = store_stamp(d->st, STORE_KIND_ACCOUNT, out->id);
    rc = store_auth(d->st, a, h, out);
    if (rc != STORE_OK)
        return rc;
    struct key_entry tmp = {.kind = STORE_KIND_ACCOUNT,
                            .id = out->id,
                            .account_id = out->id,
                            .stamp = stamp,
                            .acct = *out};
    memcpy(tmp.hash, h, STORE_HASH_LEN);
    const char **fields[] = {&tmp.acct.email, &tmp.acct.ref_id};
    size_t bytes;
    struct key_entry *e = pack(sizeof(tmp), fields, 2, &bytes);
    memcpy(e, &tmp, sizeof(tmp)); /* tmp's fields now point into e's block */
    cache_put(d->keys, hash_key(h), e, bytes);
    return STORE_OK;
}

/* ---- profiles ---- */

struct prof_lookup {
    struct store *st;
    struct arena *a;
    struct profile *out;
};

static bool copy_profile(void *entry, void *arg)
{
    struct prof_entry *e = entry;
    struct prof_lookup *l = arg;
    if (store_stamp(l->st, STORE_KIND_PROFILE, e->p.id) != e->stamp)
        return false;
    *l->out = e->p;
    l->out->title = arena_strdup(l->a, e->p.title);
    l->out->deleted_by = arena_strdup(l->a, e->p.deleted_by);
    l->out->bio_handle = arena_strdup(l->a, e->p.bio_handle);
    return true;
}

static void prof_put(struct directory *d, uint64_t stamp, const struct profile *p)
{
    struct prof_entry tmp = {.stamp = stamp, .p = *p};
    const char **fields[] = {&tmp.p.title, &tmp.p.deleted_by, &tmp.p.bio_handle};
    size_t bytes;
    struct prof_entry *e = pack(sizeof(tmp), fields, 3, &bytes);
    memcpy(e, &tmp, sizeof(tmp)); /* tmp's fields now point into e's block */
    cache_put(d->profiles, (uint64_t)p->id, e, bytes);
}

enum store_rc dir_profile(struct directory *d, struct arena *a, int64_t id, struct profile *out)
{
    struct prof_lookup l = {d->st, a, out};
    if (cache_with(d->profiles, (uint64_t)id, copy_profile, &l))
        return STORE_OK;
    uint64_t stamp = store_stamp(d->st, STORE_KIND_PROFILE, id);
    enum store_rc rc = store_profile_get(d->st, a, id, out);
    if (rc != STORE_OK)
        return rc;
    prof_put(d, stamp, out);
    return STORE_OK;
}

struct pkey_lookup {
    const unsigned char *hash;
    int64_t account_id;
    int64_t id;
};

static bool find_profile_key(void *entry, void *arg)
{
    struct key_entry *e = entry;
    struct pkey_lookup *l = arg;
    if (e->kind != STORE_KIND_PROFILE || !crypto_ct_eq(e->hash, l->hash, STORE_HASH_LEN))
        return false;
    /* A profile key never moves to another profile or account: no stamp. */
    l->id = e->account_id == l->account_id ? e->id : 0;
    return true;
}

static void pkey_put(struct directory *d, const unsigned char h[STORE_HASH_LEN],
                     const struct profile *p)
{
    struct key_entry *e = mem_calloc(1, sizeof(*e));
    memcpy(e->hash, h, STORE_HASH_LEN);
    e->kind = STORE_KIND_PROFILE;
    e->id = p->id;
    e->account_id = p->account_id;
    cache_put(d->keys, hash_key(h), e, sizeof(*e));
}

enum store_rc dir_profile_by_key(struct directory *d, struct arena *a, int64_t account_id,
                                 const unsigned char h[STORE_HASH_LEN], struct profile *out)
{
    struct pkey_lookup l = {h, account_id, 0};
    if (cache_with(d->keys, hash_key(h), find_profile_key, &l))
        return l.id ? dir_profile(d, a, l.id, out) : STORE_NOTFOUND;
    enum store_rc rc = store_profile_by_key(d->st, a, account_id, h, out);
    if (rc != STORE_OK)
        return rc;
    pkey_put(d, h, out);
    /* Inside an unchanged read snapshot the row just read may be cached
     * as it is; otherwise under a stamp read before loading it again. */
    bool fits = false;
    uint64_t stamp = store_stamp_after(d->st, STORE_KIND_PROFILE, out->id, &fits);
    if (!fits)
        return dir_profile(d, a, out->id, out);
    prof_put(d, stamp, out);
    return STORE_OK;
}

/* ---- rendered linked accounts ---- */

struct frag_lookup {
    int64_t version;
    int64_t now_ms;
    struct arena *a;
    struct linked_json *out;
};

static bool copy_frag(void *entry, void *arg)
{
    struct frag_entry *e = entry;
    struct frag_lookup *l = arg;
    if (e->version != l->version || l->now_ms >= e->until_ms)
        return false;
    char *p = arena_alloc(l->a, e->active_len + e->names_len + 2);
    memcpy(p, e->data, e->active_len + e->names_len);
    l->out->active = p;
    l->out->active_len = e->active_len;
    l->out->names = p + e->active_len;
    l->out->names_len = e->names_len;
    l->out->count = e->count;
    l->out->until_ms = e->until_ms;
    return true;
}

/* Renders la into a new fragment entry for version (NULL on failure). */
static struct frag_entry *frag_make(const struct linked_account *la, size_t n, int64_t version,
                                    int64_t now_ms, size_t *bytes)
{
    struct buf active, names;
    buf_init(&active, FRAG_MAX);
    buf_init(&names, FRAG_MAX);
    int64_t until = 0;
    size_t shown = 0;
    struct frag_entry *e = NULL;
    if (render_linked(la, n, NULL, now_ms, &active, &names, &until, &shown)) {
        *bytes = sizeof(struct frag_entry) + active.len + names.len;
        e = mem_malloc(*bytes);
        e->version = version;
        e->until_ms = until;
        e->count = shown;
        e->active_len = active.len;
        e->names_len = names.len;
        memcpy(e->data, active.data ? active.data : "", active.len);
        memcpy(e->data + active.len, names.data, names.len);
    }
    buf_free(&active);
    buf_free(&names);
    return e;
}

enum store_rc dir_linked(struct directory *d, struct arena *a, const struct profile *p,
                         int64_t now_ms, struct linked_json *out)
{
    struct frag_lookup l = {p->version, now_ms, a, out};
    if (cache_with(d->frags, (uint64_t)p->id, copy_frag, &l))
        return STORE_OK;
    struct linked_account *la = NULL;
    size_t n = 0;
    enum store_rc rc = store_linked_list(d->st, a, p->id, &la, &n);
    if (rc != STORE_OK)
        return rc;
    size_t bytes = 0;
    struct frag_entry *e = frag_make(la, n, p->version, now_ms, &bytes);
    if (!e)
        return STORE_ERROR;
    copy_frag(e, &l); /* fills out from the entry before the cache owns it */
    cache_put(d->frags, (uint64_t)p->id, e, bytes);
    return STORE_OK;
}

void dir_stats(struct directory *d, size_t *entries, size_t *bytes)
{
    size_t e1, b1, e2, b2, e3, b3;
    cache_stats(d->keys, &e1, &b1);
    cache_stats(d->profiles, &e2, &b2);
    cache_stats(d->frags, &e3, &b3);
    *entries = e1 + e2 + e3;
    *bytes = b1 + b2 + b3;
}

/* ---- warming ---- */

/* Profiles per page: one read snapshot each, a few milliseconds, so that
 * checkpoints proceed between pages. */
#define WARM_PAGE 256
/* The warm stops when a cache holds this share of its budget: reads that
 * follow still find room without evicting what was warmed. */
#define WARM_FILL_PCT 85

struct dir_warm {
    struct directory *d;
    struct usage *usage;
    pthread_t thread;
    bool started;
    atomic_bool stop;
    atomic_bool done;
    atomic_uint_fast64_t profiles;
};

static bool warm_room(struct directory *d)
{
    return cache_below(d->keys, WARM_FILL_PCT) && cache_below(d->profiles, WARM_FILL_PCT) &&
           cache_below(d->frags, WARM_FILL_PCT);
}

/* Caches one profile read in the current snapshot under stamp, as the
 * request path would have. */
static void warm_one(struct directory *d, const struct warm_profile *w, uint64_t stamp,
                     int64_t now_ms)
{
    if (w->has_key)
        pkey_put(d, w->key_hash, &w->p);
    prof_put(d, stamp, &w->p);
    size_t bytes = 0;
    struct frag_entry *e = frag_make(w->la, w->n, w->p.version, now_ms, &bytes);
    if (e)
        cache_put(d->frags, (uint64_t)w->p.id, e, bytes);
}

static void *warm_loop(void *arg)
{
    struct dir_warm *w = arg;
    struct directory *d = w->d;
    /* Below the request threads: warming never takes their CPU. */
    (void)setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
    int64_t t0 = time_now_ms(), after = 0;
    const char *why = "every profile is cached";
    while (!atomic_load(&w->stop)) {
        if (!warm_room(d)) {
            why = "the cache budget is full (--cache-mb)";
            break;
        }
        struct arena *a = arena_new();
        struct warm_profile *page = NULL;
        size_t n = 0, i = 0;
        int64_t now = time_now_ms();
        char month[8];
        time_month_key(now, month, sizeof(month));
        uint64_t gen = usage_generation(w->usage);
        store_read_begin(d->st);
        enum store_rc rc = store_warm_page(d->st, a, after, WARM_PAGE, month, &page, &n);
        for (; rc == STORE_OK && i < n; i++) {
            /* Valid only while no commit moved the epoch since the page's
             * snapshot began; otherwise the rest is read again. */
            bool fits = false;
            uint64_t stamp = store_stamp_after(d->st, STORE_KIND_PROFILE, page[i].p.id, &fits);
            if (!fits)
                break;
            warm_one(d, &page[i], stamp, now);
            /* The month's count too, so that a first read does not ask the
             * store for it. */
            usage_prime(w->usage, gen, page[i].p.id, month, page[i].month_calls);
        }
        store_read_end(d->st);
        if (i)
            after = page[i - 1].p.id;
        atomic_fetch_add(&w->profiles, i);
        arena_free(a);
        if (rc != STORE_OK) {
            why = "the store failed (see the error before)";
            break;
        }
        if (!n)
            break;
        if (i < n)
            usleep(i ? 0 : 10000); /* writes under way: read the page again */
    }
    struct logline l;
    log_begin(&l, LOG_INFO, "cache warm ended");
    jw_kint(&l.w, "profiles", (int64_t)atomic_load(&w->profiles));
    jw_kint(&l.w, "ms", time_now_ms() - t0);
    jw_kstr(&l.w, "why", atomic_load(&w->stop) ? "shutdown" : why);
    log_end(&l);
    atomic_store(&w->done, true);
    return NULL;
}

struct dir_warm *dir_warm_start(struct directory *d, struct usage *u)
{
    struct dir_warm *w = mem_calloc(1, sizeof(*w));
    w->d = d;
    w->usage = u;
    atomic_init(&w->stop, false);
    atomic_init(&w->done, false);
    atomic_init(&w->profiles, 0);
    w->started = pthread_create(&w->thread, NULL, warm_loop, w) == 0;
    if (!w->started)
        atomic_store(&w->done, true);
    return w;
}

void dir_warm_stop(struct dir_warm *w)
{
    if (!w)
        return;
    atomic_store(&w->stop, true);
    if (w->started)
        pthread_join(w->thread, NULL);
    free(w);
}

void dir_warm_stats(struct dir_warm *w, uint64_t *profiles, bool *done)
{
    *profiles = w ? (uint64_t)atomic_load(&w->profiles) : 0;
    *done = !w || atomic_load(&w->done);
}
