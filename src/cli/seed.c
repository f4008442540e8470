/*
 * seed: `sociald seed --profiles N --accounts M [--keys-out FILE]` — one
 * business account with N user profiles, each linked to the first M
 * networks in the seed's platform order, with realistic synthetic fields
 * (ids, handles, URLs and images shaped like each network's). The primary
 * profile is linked the same way, so the account's own GET /api/user shows
 * data too. For demos and benchmarks; keys are real random keys.
 *
 * Each account gets a dummy access token sealed by the vault as a real one
 * would be, and is inserted as the row linking writes
 * (store_linked_insert), so seeded rows are what linking leaves (and
 * benchmarks read rows of the real size).
 *
 * Two threads: one makes the profiles (keys, fields, sealed tokens) a
 * chunk at a time, the other writes them; making is a third of the work,
 * so on two cores the writing sets the pace. On a database with no account
 * yet the writing runs without journal, fsync or per-row triggers
 * (store_bulk_begin).
 */
#include "cli/cli.h"
#include "app/app.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "crypto/vault.h"
#include "ops/linked.h"
#include "platforms/names.h"
#include "store/accounts.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH      2000  /* profiles per transaction */
#define BULK_BATCH 20000 /* the same without journal: fewer writes of the same index pages */
#define CHUNK      256   /* profiles handed from the making thread to the writing one */
#define AHEAD      4     /* chunks made ahead of the writing */
#define MAX_LINKED 10

static const char *const platforms[] = {"facebook",  "gmb",    "instagram", "linkedin",
                                        "pinterest", "reddit", "telegram",  "tiktok",
                                        "twitter",   "youtube"};

static const char *const first[] = {"Ava",   "Liam",  "Maya",  "Noah",  "Zoe",   "Ethan", "Iris",
                                    "Omar",  "Lena",  "Caleb", "Nora",  "Felix", "Ruby",  "Hugo",
                                    "Sofia", "Mateo", "Chloe", "Aarav", "Yuki",  "Elena"};
static const char *const last[] = {"Patel",  "Garcia", "Kim",    "Nguyen", "Smith", "Rossi",
                                   "Okafor", "Muller", "Tanaka", "Silva",  "Cohen", "Larsen",
                                   "Haddad", "Novak",  "Brown",  "Lopez"};
static const char *const biz1[] = {"Blue",  "Golden", "Urban", "Bright", "Green",
                                   "North", "Copper", "Maple", "Silver", "Coastal"};
static const char *const biz2[] = {"Bakery",  "Studio", "Fitness", "Coffee", "Dental",
                                   "Florist", "Books",  "Garage",  "Yoga",   "Kitchen"};

struct rng {
    uint64_t s;
};

static uint64_t next(struct rng *r)
{
    /* splitmix64: fast, fine for synthetic data */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static size_t pick(struct rng *r, size_t n)
{
    return (size_t)(next(r) % n);
}

static void digits(struct rng *r, char *out, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = (char)('0' + (i == 0 ? 1 + next(r) % 9 : next(r) % 10));
    out[n] = '\0';
}

struct person {
    char name[64];   /* "Maya Kim" */
    char handle[64]; /* "mayakim42" */
    char biz[64];    /* "Golden Bakery" */
    char biz_handle[64];
};

static void make_person(struct rng *r, struct person *p, size_t i)
{
    const char *f = first[pick(r, sizeof(first) / sizeof(first[0]))];
    const char *l = last[pick(r, sizeof(last) / sizeof(last[0]))];
    const char *b1 = biz1[pick(r, sizeof(biz1) / sizeof(biz1[0]))];
    const char *b2 = biz2[pick(r, sizeof(biz2) / sizeof(biz2[0]))];
    snprintf(p->name, sizeof(p->name), "%s %s", f, l);
    snprintf(p->handle, sizeof(p->handle), "%.20s%.20s%zu", f, l, i);
    snprintf(p->biz, sizeof(p->biz), "%s %s", b1, b2);
    snprintf(p->biz_handle, sizeof(p->biz_handle), "%.20s%.20s%zu", b1, b2, i);
    for (char *c = p->handle; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    for (char *c = p->biz_handle; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
}

/* Fills la for platform from person p; strings in the arena. */
static void make_linked(struct rng *r, struct arena *a, const char *platform,
                        const struct person *p, int64_t now, struct linked_account *la)
{
    char num[32];
    memset(la, 0, sizeof(*la));
    la->platform = platform;
    la->linked_ms = now - (int64_t)(next(r) % (300 * (uint64_t)MS_PER_DAY));
    struct display_fields *d = &la->disp;
    const char *img = "https://images.sociald.example/avatars";
    if (!strcmp(platform, "facebook")) {
        digits(r, num, 15);
        d->network_id = arena_strdup(a, num);
        d->display_name = d->page_name = arena_strdup(a, p->biz);
        d->profile_url = arena_printf(a, "https://www.facebook.com/%s", p->biz_handle);
        d->user_image = arena_printf(a, "%s/facebook/%s.jpeg", img, num);
    } else if (!strcmp(platform, "gmb")) {
        char cid[24], place[32];
        static const char b64[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        digits(r, cid, 19);
        memcpy(place, "ChIJ", 4);
        for (int i = 4; i < 27; i++)
            place[i] = b64[next(r) % 64];
        place[27] = '\0';
        d->display_name = arena_strdup(a, p->biz);
        d->description =
            arena_printf(a,
                         "%s is a family-run business serving the neighbourhood since %u. Visit us "
                         "for friendly service and local favourites.",
                         p->biz, (unsigned)(1980 + next(r) % 40));
        d->maps_url = arena_printf(a, "https://maps.google.com/maps?cid=%s", cid);
        d->place_id = arena_strdup(a, place);
        d->profile_url = arena_printf(a, "https://www.%s.com/", p->biz_handle);
        d->review_url =
            arena_printf(a, "https://search.google.com/local/writereview?placeid=%s", place);
    } else if (!strcmp(platform, "instagram")) {
        digits(r, num, 17);
        d->network_id = arena_strdup(a, num);
        d->display_name = arena_strdup(a, p->biz);
        d->page_name = arena_strdup(a, p->biz);
        d->profile_url = arena_printf(a, "https://www.instagram.com/%s", p->biz_handle);
        d->type = next(r) % 3 ? "business" : "creator";
        d->user_image = arena_printf(a, "%s/instagram/%s.jpeg", img, num);
        d->username = arena_strdup(a, p->biz_handle);
    } else if (!strcmp(platform, "linkedin")) {
        bool corporate = next(r) % 2;
        digits(r, num, corporate ? 8 : 9);
        d->network_id = arena_strdup(a, num);
        d->display_name = arena_strdup(a, corporate ? p->biz : p->name);
        d->profile_url = corporate
                             ? arena_printf(a, "https://www.linkedin.com/company/%s", p->biz_handle)
                             : arena_printf(a, "https://www.linkedin.com/in/%s", p->handle);
        d->type = corporate ? "corporate" : "personal";
        d->user_image = arena_printf(a, "%s/linkedin/%s.jpeg", img, num);
        d->username = arena_strdup(a, p->handle);
    } else if (!strcmp(platform, "pinterest")) {
        digits(r, num, 18);
        d->network_id = arena_strdup(a, num);
        d->display_name = arena_strdup(a, p->biz);
        d->profile_url = arena_printf(a, "https://www.pinterest.com/%s", p->biz_handle);
        d->user_image = arena_printf(a, "%s/pinterest/%s.jpeg", img, num);
        d->username = arena_strdup(a, p->biz_handle);
    } else if (!strcmp(platform, "reddit")) {
        d->display_name = arena_strdup(a, p->handle);
        d->profile_url = arena_printf(a, "https://www.reddit.com/user/%s", p->handle);
        d->user_image = arena_printf(a, "%s/reddit/%s.png", img, p->handle);
        d->username = arena_strdup(a, p->handle);
    } else if (!strcmp(platform, "telegram")) {
        digits(r, num, 10);
        d->network_id = arena_printf(a, "-100%s", num);
        d->display_name = arena_strdup(a, p->biz);
        d->profile_url = arena_printf(a, "https://web.telegram.org/z/#-100%s", num);
        static const char *const kinds[] = {"channel", "group", "supergroup"};
        d->type = kinds[next(r) % 3];
        d->user_image = arena_printf(a, "%s/telegram/%s.jpeg", img, num);
    } else if (!strcmp(platform, "tiktok")) {
        uint64_t x = next(r), y = next(r);
        d->network_id = arena_printf(
            a, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(x >> 32), (unsigned)(x >> 16) & 0xffffu,
            (unsigned)x & 0xffffu, (unsigned)(y >> 48), (unsigned long long)y & 0xffffffffffffULL);
        d->display_name = arena_strdup(a, p->name);
        d->profile_url = arena_printf(a, "https://www.tiktok.com/@%s", p->handle);
        d->user_image = arena_printf(a, "%s/tiktok/%s.jpeg", img, p->handle);
        d->username = arena_printf(a, "@%s", p->handle);
    } else if (!strcmp(platform, "twitter")) {
        digits(r, num, 10);
        d->network_id = arena_strdup(a, num);
        d->display_name = arena_strdup(a, p->name);
        d->profile_url = arena_printf(a, "https://twitter.com/%s", p->handle);
        d->user_image = arena_printf(a, "%s/twitter/%s.png", img, num);
        d->username = arena_strdup(a, p->handle);
    } else { /* youtube */
        digits(r, num, 21);
        d->network_id = arena_strdup(a, num);
        d->display_name = arena_printf(a, "@%s", p->biz_handle);
        d->profile_url = arena_printf(a, "https://www.youtube.com/@%s", p->biz_handle);
        d->user_image = arena_printf(a, "%s/youtube/%s.png", img, num);
        d->username = arena_printf(a, "@%s", p->biz_handle);
    }
}

/* One profile, made and sealed, ready to write. */
struct made {
    char key[CRYPTO_KEY_LEN + 1];
    char ref[CRYPTO_REFID_LEN + 1];
    unsigned char kh[STORE_HASH_LEN];
    int64_t id; /* the profile id its tokens are sealed for */
    struct linked_account la[MAX_LINKED];
    struct linked_secret sec[MAX_LINKED];
};

/*
 * Seals the dummy access token of each of mp's m accounts for profile id
 * ("seed-access-<profile id>-<platform>": no network takes it; the id is
 * also in what the seal is bound to). No expiry and no refresh token, so
 * the refresher leaves them alone.
 */
static bool seal_all(struct vault *v, struct arena *a, struct made *mp, int64_t id, int64_t m)
{
    mp->id = id;
    for (int64_t k = 0; k < m; k++) {
        char token[96];
        snprintf(token, sizeof(token), "seed-access-%lld-%s", (long long)id, platforms[k]);
        mp->la[k].profile_id = id;
        mp->sec[k] = (struct linked_secret){.linked_ms = mp->la[k].linked_ms};
        if (!ops_linked_seal(v, a, id, platforms[k], token, NULL, &mp->sec[k]))
            return false;
    }
    return true;
}

/* Makes profile i (0: the primary) with m accounts, sealed for profile id. */
static bool make(struct vault *v, struct rng *rng, struct arena *a, size_t i, int64_t id, int64_t m,
                 int64_t now, struct made *mp)
{
    struct person person;
    make_person(rng, &person, i);
    for (int64_t k = 0; k < m; k++)
        make_linked(rng, a, platforms[k], &person, now, &mp->la[k]);
    if (i) {
        crypto_key_new(mp->key);
        crypto_refid_new(mp->ref);
        crypto_sha256(mp->key, strlen(mp->key), mp->kh);
    }
    return seal_all(v, a, mp, id, m);
}

static enum store_rc link_all(struct store *st, const struct made *mp, int64_t m)
{
    unsigned mask = 0;
    for (int64_t k = 0; k < m; k++)
        mask |= 1u << platform_index(platforms[k]);
    enum store_rc rc = store_linked_insert(st, mp->la, mp->sec, (size_t)m);
    return rc == STORE_OK ? store_bulk_linked(st, mp->id, m, mask) : rc;
}

struct chunk {
    struct arena *a; /* the making thread's: it creates and frees it */
    size_t n;
    struct made p[CHUNK];
};

/* The hand-over between the two threads: chunk k is ring[k % AHEAD];
 * made counts the chunks made, taken those the writer is done with. */
struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct chunk *ring[AHEAD];
    size_t made, taken;
    bool stop;   /* making or writing failed: no more of either */
    bool failed; /* sealing failed */
    struct vault *v;
    struct rng rng;
    int64_t n, m, now, first_id;
};

static void *maker(void *arg)
{
    struct pipe *pp = arg;
    size_t chunks = (size_t)((pp->n + CHUNK - 1) / CHUNK);
    for (size_t c = 0; c < chunks; c++) {
        pthread_mutex_lock(&pp->mu);
        while (!pp->stop && pp->made - pp->taken == AHEAD)
            pthread_cond_wait(&pp->cv, &pp->mu);
        bool stop = pp->stop;
        pthread_mutex_unlock(&pp->mu);
        if (stop)
            break;
        struct chunk *ch = pp->ring[c % AHEAD];
        arena_free(ch->a);
        ch->a = arena_new();
        size_t at = c * CHUNK;
        ch->n = (size_t)pp->n - at < CHUNK ? (size_t)pp->n - at : CHUNK;
        bool ok = true;
        for (size_t j = 0; ok && j < ch->n; j++)
            ok = make(pp->v, &pp->rng, ch->a, at + j + 1, pp->first_id + (int64_t)(at + j), pp->m,
                      pp->now, &ch->p[j]);
        pthread_mutex_lock(&pp->mu);
        if (ok)
            pp->made++;
        else
            pp->failed = pp->stop = true;
        pthread_cond_broadcast(&pp->cv);
        pthread_mutex_unlock(&pp->mu);
        if (!ok)
            break;
    }
    /* The arenas are freed by the thread that made them, once the writer
     * is done with them. */
    pthread_mutex_lock(&pp->mu);
    while (!pp->stop && pp->taken < pp->made)
        pthread_cond_wait(&pp->cv, &pp->mu);
    pthread_mutex_unlock(&pp->mu);
    for (size_t k = 0; k < AHEAD; k++) {
        arena_free(pp->ring[k]->a);
        pp->ring[k]->a = NULL;
    }
    return NULL;
}

/* The next chunk made, or NULL once making failed or stopped. */
static struct chunk *pipe_take(struct pipe *pp)
{
    pthread_mutex_lock(&pp->mu);
    while (!pp->stop && pp->made == pp->taken)
        pthread_cond_wait(&pp->cv, &pp->mu);
    struct chunk *ch = pp->made > pp->taken ? pp->ring[pp->taken % AHEAD] : NULL;
    pthread_mutex_unlock(&pp->mu);
    return ch;
}

static void pipe_done(struct pipe *pp, bool ok)
{
    pthread_mutex_lock(&pp->mu);
    if (ok)
        pp->taken++;
    else
        pp->stop = true;
    pthread_cond_broadcast(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
}

/*
 * Writes the n user profiles the making thread makes, batch to a
 * transaction; keys to keys (may be NULL). The tokens were sealed for the
 * ids the profiles get when no other process adds profiles meanwhile (ids
 * follow the primary's); a profile that gets another id is sealed again
 * here. True when all are written and committed.
 */
static bool write_all(struct store *st, struct pipe *pp, int64_t account_id, int64_t batch,
                      FILE *keys)
{
    int64_t i = 0;
    bool ok = true;
    while (ok && i < pp->n) {
        struct chunk *ch = pipe_take(pp);
        if (!ch)
            return false;
        for (size_t j = 0; ok && j < ch->n; j++, i++) {
            struct made *mp = &ch->p[j];
            if (i && i % batch == 0 &&
                (store_commit(st) != STORE_OK || store_begin(st) != STORE_OK))
                ok = false;
            char title[96];
            snprintf(title, sizeof(title), "Customer %06lld", (long long)i + 1);
            int64_t pid = 0;
            /* Creation times one millisecond apart keep the creation order exact. */
            ok = ok && store_profile_create(st, account_id, title, mp->kh, mp->ref, NULL,
                                            pp->now - pp->n + i, &pid) == STORE_OK;
            ok = ok && (pid == mp->id || seal_all(pp->v, ch->a, mp, pid, pp->m));
            ok = ok && link_all(st, mp, pp->m) == STORE_OK;
            if (ok && keys)
                fprintf(keys, "%s\n", mp->key);
        }
        pipe_done(pp, ok);
    }
    return ok && store_commit(st) == STORE_OK;
}

int cli_seed(const struct config *cfg, struct args *a)
{
    int64_t n = 0, m = 0;
    const char *ps = args_get(a, "profiles"), *ms = args_get(a, "accounts");
    const char *keys_out = args_get(a, "keys-out");
    const char *email = args_get(a, "email");
    if (!ps || !str_to_i64(ps, 0, 10000000, &n) || !ms || !str_to_i64(ms, 0, 10, &m)) {
        log_error("usage: sociald seed --profiles N --accounts M (0..10) [--keys-out FILE] "
                  "[--email EMAIL]");
        return 2;
    }
    struct app app;
    if (!cli_app_open(&app, cfg, APP_CLI | APP_VAULT))
        return 1;
    struct store *st = app.store;
    struct vault *v = app.vault;
    int rc = 1, fd = -1;
    bool bulk = false;
    FILE *keys = NULL;
    if (keys_out) {
        fd = open(keys_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        keys = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!keys) {
            log_error("cannot write %s", keys_out);
            if (fd >= 0)
                close(fd);
            app_close(&app);
            return 1;
        }
    }
    /* Before the account: the fast path is for a database with none. */
    bulk = store_bulk_begin(st);
    if (bulk)
        log_info("new database: the seed writes without journal until it is done");
    struct rng rng = {crypto_random_u64()};
    int64_t now = time_now_ms();
    char api_key[CRYPTO_KEY_LEN + 1], ref[CRYPTO_REFID_LEN + 1];
    unsigned char hash[STORE_HASH_LEN];
    char email_buf[96];
    if (!email) {
        snprintf(email_buf, sizeof(email_buf), "seed-%08llx@sociald.example",
                 (unsigned long long)(next(&rng) & 0xffffffffULL));
        email = email_buf;
    }
    crypto_key_new(api_key);
    crypto_refid_new(ref);
    crypto_sha256(api_key, strlen(api_key), hash);
    int64_t account_id = 0;
    enum store_rc src = store_account_create(st, email, "business", hash, ref, now, &account_id);
    if (src != STORE_OK) {
        log_error(src == STORE_CONFLICT ? "an account with email %s exists" : "seed failed (%s)",
                  email);
        goto out;
    }
    struct arena *ar = arena_new();
    struct account acct;
    bool written = false;
    char account_ref[CRYPTO_REFID_LEN + 1];
    snprintf(account_ref, sizeof(account_ref), "%s", ref);
    struct pipe *pp = mem_calloc(1, sizeof(*pp));
    pthread_mutex_init(&pp->mu, NULL);
    pthread_cond_init(&pp->cv, NULL);
    for (size_t k = 0; k < AHEAD; k++)
        pp->ring[k] = mem_calloc(1, sizeof(struct chunk));
    struct made *primary = mem_calloc(1, sizeof(*primary));
    pthread_t thread;
    /* An allowed exception to "a change opens its own transaction"
     * (STYLE.md rule 15): a bulk load of test data, 2,000 profiles per
     * transaction (one per profile would take minutes; 20,000 on a new
     * database, without journal); it queues no jobs and writes no events,
     * and a crash leaves whole batches (on a new database: a file to
     * delete). */
    if (store_account_find(st, ar, ref, &acct) != STORE_OK ||
        !make(v, &rng, ar, 0, acct.primary_profile_id, m, now, primary) ||
        store_begin(st) != STORE_OK) {
        log_error("seed failed");
    } else if (link_all(st, primary, m) != STORE_OK) {
        store_rollback(st);
        log_error("seed failed");
    } else {
        pp->v = v;
        pp->rng = rng;
        pp->n = n;
        pp->m = m;
        pp->now = now;
        pp->first_id = acct.primary_profile_id + 1;
        if (pthread_create(&thread, NULL, maker, pp) != 0) {
            store_rollback(st);
            log_error("seed failed: cannot start a thread");
        } else {
            written = write_all(st, pp, account_id, bulk ? BULK_BATCH : BATCH, keys);
            if (!written) {
                pipe_done(pp, false);
                store_rollback(st);
                log_error(pp->failed ? "seed failed: sealing failed" : "seed failed");
            }
            pthread_join(thread, NULL);
        }
    }
    for (size_t k = 0; k < AHEAD; k++)
        free(pp->ring[k]);
    pthread_cond_destroy(&pp->cv);
    pthread_mutex_destroy(&pp->mu);
    free(pp);
    free(primary);
    arena_free(ar);
    if (!written)
        goto out;
    struct buf b;
    buf_init(&b, 4096);
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kstr(&w, "apiKey", api_key);
    jw_kstr(&w, "refId", account_ref);
    jw_kint(&w, "profiles", n);
    jw_kint(&w, "linkedPerProfile", m);
    jw_kstr(&w, "email", email);
    jw_obj_end(&w);
    cli_print(b.data);
    buf_free(&b);
    rc = 0;
out:
    if (bulk && store_bulk_end(st) != STORE_OK)
        rc = 1;
    if (keys && fclose(keys) != 0)
        rc = 1;
    app_close(&app);
    return rc;
}
