/*
 * seed: `sociald seed --profiles N --accounts M [--keys-out FILE]` — one
 * business account with N user profiles, each linked to the first M
 * networks in the seed's platform order, with realistic synthetic fields
 * (ids, handles, URLs and images shaped like each network's). The primary
 * profile is linked the same way, so the account's own GET /api/user shows
 * data too. For demos and benchmarks; keys are real random keys.
 *
 * Accounts are linked through the store's one link path, with a dummy
 * access token sealed by the vault as a real one would be, so seeded rows
 * are what linking leaves (and benchmarks read rows of the real size).
 */
#include "cli/cli.h"
#include "app/app.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "crypto/vault.h"
#include "ops/linked.h"
#include "store/accounts.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH 2000 /* profiles per transaction */

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

/*
 * Links profile_id to the first m networks through the real link path
 * (store_linked_link), each with a dummy access token sealed by the vault
 * like a real one ("seed-access-<profile id>-<platform>": no network takes
 * it). No expiry and no refresh token, so the refresher leaves them alone.
 */
static int link_all(struct store *st, struct vault *v, struct rng *rng, int64_t profile_id,
                    size_t i, int64_t m, int64_t now)
{
    struct arena *a = arena_new();
    struct person person;
    make_person(rng, &person, i);
    int rc = 0;
    for (int64_t k = 0; k < m; k++) {
        struct linked_account la;
        make_linked(rng, a, platforms[k], &person, now, &la);
        la.profile_id = profile_id;
        char token[96];
        snprintf(token, sizeof(token), "seed-access-%lld-%s", (long long)profile_id, platforms[k]);
        struct linked_secret sec = {.linked_ms = la.linked_ms};
        int64_t id = 0;
        if (!ops_linked_seal(v, a, profile_id, platforms[k], token, NULL, &sec) ||
            store_linked_link(st, &la, &sec, &id) != STORE_OK) {
            rc = 1;
            break;
        }
    }
    arena_free(a);
    return rc;
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
    store_account_find(st, ar, ref, &acct);
    char account_ref[CRYPTO_REFID_LEN + 1];
    snprintf(account_ref, sizeof(account_ref), "%s", ref); /* ref is reused below */
    /* An allowed exception to "a change opens its own transaction"
     * (STYLE.md rule 15): a bulk load of test data, 2,000 profiles per
     * transaction (one per profile would take minutes); it queues no jobs
     * and writes no events, and a crash leaves whole batches. */
    if (store_begin(st) != STORE_OK || link_all(st, v, &rng, acct.primary_profile_id, 0, m, now)) {
        arena_free(ar);
        goto out;
    }
    for (int64_t i = 0; i < n; i++) {
        if (i && i % BATCH == 0 && (store_commit(st) != STORE_OK || store_begin(st) != STORE_OK))
            break;
        char key[CRYPTO_KEY_LEN + 1], title[96];
        unsigned char kh[STORE_HASH_LEN];
        crypto_key_new(key);
        crypto_refid_new(ref);
        crypto_sha256(key, strlen(key), kh);
        snprintf(title, sizeof(title), "Customer %06lld", (long long)i + 1);
        int64_t pid = 0;
        /* Creation times one millisecond apart keep the creation order exact. */
        if (store_profile_create(st, account_id, title, kh, ref, NULL, now - n + i, &pid) !=
                STORE_OK ||
            link_all(st, v, &rng, pid, (size_t)i + 1, m, now)) {
            store_rollback(st);
            arena_free(ar);
            goto out;
        }
        if (keys)
            fprintf(keys, "%s\n", key);
    }
    arena_free(ar);
    if (store_commit(st) != STORE_OK)
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
    if (keys && fclose(keys) != 0)
        rc = 1;
    app_close(&app);
    return rc;
}
