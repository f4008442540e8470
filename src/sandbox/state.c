/*
 * state: the sandbox's memory — authorization codes, tokens, lifetime
 * overrides, Instagram quotas, renamed accounts, edited GBP locations,
 * the Telegram chats seen, their members and the bots' update queue —
 * behind one mutex (the HTTP layer runs a thread pool).
 *
 * Every table is a string map with a cap: inserting past the cap evicts the
 * oldest entry (docs/sandbox.md: everything is in memory and bounded), so a
 * long-running sandbox forgets its oldest tokens first, which a connector
 * sees as a revoked token. Renames are the exception: a test that renamed an
 * account relies on the name sticking, so past their cap a rename is refused
 * instead. Lookups copy what they find into the caller's struct so nothing
 * escapes the lock. Nothing survives a restart.
 */
#include "sandbox/internal.h"
#include "crypto/crypto.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CODES_MAX     100000
#define TOKENS_MAX    100000
#define QUOTAS_MAX    10000
#define LOCATIONS_MAX 10000
#define CHATS_MAX     10000
#define BOTS_MAX      1000
#define MEMBERS_MAX   10000
#define USERS_MAX     10000
#define UPDATES_MAX   1000 /* Telegram keeps a bot's updates 24 h; the sandbox the newest 1000 */
#define UPDATE_FIRST  100000001 /* update ids start at "a certain positive number" */

/* ---- a string map with insertion order and a cap ------------------------------------ */

struct sentry {
    char *key;
    void *val;
    struct sentry *hnext;         /* bucket chain */
    struct sentry *older, *newer; /* age list */
};

struct smap {
    struct sentry **buckets;
    size_t nbuckets; /* a power of two */
    size_t count, cap;
    struct sentry *oldest, *newest;
    void (*free_val)(void *);
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a: keys are random or short */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static void smap_init(struct smap *m, size_t cap, void (*free_val)(void *))
{
    size_t nb = 64;
    while (nb < cap)
        nb <<= 1;
    m->buckets = mem_calloc(nb, sizeof(*m->buckets));
    m->nbuckets = nb;
    m->count = 0;
    m->cap = cap;
    m->oldest = m->newest = NULL;
    m->free_val = free_val;
}

static struct sentry *smap_find(const struct smap *m, const char *key)
{
    struct sentry *e = m->buckets[hash_str(key) & (m->nbuckets - 1)];
    while (e && strcmp(e->key, key))
        e = e->hnext;
    return e;
}

static void smap_remove(struct smap *m, struct sentry *e)
{
    struct sentry **pp = &m->buckets[hash_str(e->key) & (m->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    if (e->older)
        e->older->newer = e->newer;
    else
        m->oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        m->newest = e->older;
    m->count--;
    if (m->free_val)
        m->free_val(e->val);
    free(e->key);
    free(e);
}

/* Stores val (owned by the map from now) under key, replacing an old value. */
static void smap_put(struct smap *m, const char *key, void *val)
{
    struct sentry *e = smap_find(m, key);
    if (e) {
        if (m->free_val)
            m->free_val(e->val);
        e->val = val;
        return;
    }
    if (m->count >= m->cap)
        smap_remove(m, m->oldest);
    e = mem_calloc(1, sizeof(*e));
    e->key = mem_strdup(key);
    e->val = val;
    size_t b = hash_str(key) & (m->nbuckets - 1);
    e->hnext = m->buckets[b];
    m->buckets[b] = e;
    e->older = m->newest;
    if (m->newest)
        m->newest->newer = e;
    else
        m->oldest = e;
    m->newest = e;
    m->count++;
}

static void smap_clear(struct smap *m)
{
    while (m->oldest)
        smap_remove(m, m->oldest);
}

static void smap_free(struct smap *m)
{
    smap_clear(m);
    free(m->buckets);
    m->buckets = NULL;
}

/* ---- stored tokens ------------------------------------------------------------------ */

/* A stored code or token: the grant's strings on the heap, not the copy-out
 * struct's fixed buffers, so 100,000 tokens cost tens of megabytes at most. */
struct token {
    enum sbx_net net;
    enum sbx_kind kind;
    bool used, revoked, challenge_plain;
    char *login, *client_id, *scope, *redirect_uri, *challenge, *page_id;
    uint64_t grant;
    int64_t issued_ms, expires_ms, deadline_ms;
};

static void token_free(void *p)
{
    struct token *t = p;
    free(t->login);
    free(t->client_id);
    free(t->scope);
    free(t->redirect_uri);
    free(t->challenge);
    free(t->page_id);
    free(t);
}

static struct token *token_from(const struct sbx_grant *g)
{
    struct token *t = mem_calloc(1, sizeof(*t));
    t->net = g->net;
    t->kind = g->kind;
    t->challenge_plain = g->challenge_plain;
    t->login = mem_strdup(g->login);
    t->client_id = mem_strdup(g->client_id);
    t->scope = mem_strdup(g->scope);
    t->redirect_uri = mem_strdup(g->redirect_uri);
    t->challenge = mem_strdup(g->challenge);
    t->page_id = mem_strdup(g->page_id);
    t->grant = g->grant;
    t->issued_ms = g->issued_ms;
    t->expires_ms = g->expires_ms;
    t->deadline_ms = g->deadline_ms;
    return t;
}

static void token_copy(const struct token *t, struct sbx_grant *g)
{
    memset(g, 0, sizeof(*g));
    g->net = t->net;
    g->kind = t->kind;
    g->challenge_plain = t->challenge_plain;
    str_copy(g->login, sizeof(g->login), t->login);
    str_copy(g->client_id, sizeof(g->client_id), t->client_id);
    str_copy(g->scope, sizeof(g->scope), t->scope);
    str_copy(g->redirect_uri, sizeof(g->redirect_uri), t->redirect_uri);
    str_copy(g->challenge, sizeof(g->challenge), t->challenge);
    str_copy(g->page_id, sizeof(g->page_id), t->page_id);
    g->grant = t->grant;
    g->issued_ms = t->issued_ms;
    g->expires_ms = t->expires_ms;
    g->deadline_ms = t->deadline_ms;
}

/* ---- the state ---------------------------------------------------------------------- */

struct ttl {
    int64_t access_s, refresh_s; /* -1: the network's default */
};

struct quota {
    int64_t used;
};

struct renamed {
    char *name;
    char *image; /* NULL: the derived avatar */
};

static void renamed_free(void *p)
{
    struct renamed *n = p;
    free(n->name);
    free(n->image);
    free(n);
}

/* One Telegram update: a Message object (JSON text) for one bot or all. */
struct tg_update {
    int64_t id;
    unsigned kind; /* an SBX_TGU_ bit */
    char *bot;     /* NULL: every bot (a chat's message); else a private chat's bot */
    char *json;
};

/* What getUpdates remembers per bot: the first update not yet confirmed,
 * and the allowed_updates setting (kept until changed, as Telegram does). */
struct tg_reader {
    int64_t next;
    unsigned allowed;
};

static struct {
    pthread_mutex_t mu;
    struct smap codes, tokens, quotas, renames, locations, chats, bots;
    struct smap members, users, readers;   /* Telegram */
    struct tg_update updates[UPDATES_MAX]; /* a ring: oldest at uhead */
    size_t uhead, ucount;
    int64_t next_update;
    struct ttl ttl[NET_COUNT];
    uint64_t next_grant;
    unsigned char page_key[32]; /* derives page tokens (state_page_token) */
} st;

static void json_val_free(void *p)
{
    json_decref(p);
}

void state_init(void)
{
    pthread_mutex_init(&st.mu, NULL);
    smap_init(&st.codes, CODES_MAX, token_free);
    smap_init(&st.tokens, TOKENS_MAX, token_free);
    smap_init(&st.quotas, QUOTAS_MAX, free);
    smap_init(&st.renames, SBX_RENAMES_MAX, renamed_free);
    smap_init(&st.locations, LOCATIONS_MAX, json_val_free);
    smap_init(&st.chats, CHATS_MAX, free);
    smap_init(&st.bots, BOTS_MAX, NULL);
    smap_init(&st.members, MEMBERS_MAX, free);
    smap_init(&st.users, USERS_MAX, free);
    smap_init(&st.readers, BOTS_MAX, free);
    st.next_update = UPDATE_FIRST;
    for (int i = 0; i < NET_COUNT; i++)
        st.ttl[i].access_s = st.ttl[i].refresh_s = -1;
    st.next_grant = 1;
    crypto_random(st.page_key, sizeof(st.page_key));
}

void state_free(void)
{
    smap_free(&st.codes);
    smap_free(&st.tokens);
    smap_free(&st.quotas);
    smap_free(&st.renames);
    smap_free(&st.locations);
    smap_free(&st.chats);
    smap_free(&st.bots);
    smap_free(&st.members);
    smap_free(&st.users);
    smap_free(&st.readers);
    for (size_t i = 0; i < st.ucount; i++) {
        struct tg_update *u = &st.updates[(st.uhead + i) % UPDATES_MAX];
        free(u->bot);
        free(u->json);
    }
    pthread_mutex_destroy(&st.mu);
}

/* A new opaque value whose prefix names the network and kind, so a token
 * pasted into the wrong place is recognisable in logs and call lists. */
static void new_value(enum sbx_net net, enum sbx_kind kind, char out[SBX_TOKEN_MAX + 1])
{
    static const char *const net_tag[NET_COUNT] = {"fb", "ig", "li", "gb", "yt",
                                                   "pn", "rd", "tg", "tt", "tw"};
    static const char *const kind_tag[] = {"c", "at", "rt", "pt"};
    unsigned char raw[16];
    char hex[33];
    crypto_random(raw, sizeof(raw));
    crypto_hex(raw, sizeof(raw), hex);
    size_t o = 0;
    const char *parts[] = {"sbx-", net_tag[net], "-", kind_tag[kind], "-", hex};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        size_t n = strlen(parts[i]);
        memcpy(out + o, parts[i], n);
        o += n;
    }
    out[o] = '\0';
}

void state_code_new(struct sbx_grant *g, int64_t ttl_s, char out[SBX_TOKEN_MAX + 1])
{
    g->kind = TK_CODE;
    g->issued_ms = time_now_ms();
    g->expires_ms = g->issued_ms + ttl_s * 1000;
    new_value(g->net, TK_CODE, out);
    pthread_mutex_lock(&st.mu);
    g->grant = st.next_grant++;
    smap_put(&st.codes, out, token_from(g));
    pthread_mutex_unlock(&st.mu);
}

/* Why t is not usable now, or TE_OK. */
static enum sbx_tokerr token_state(const struct token *t, int64_t now)
{
    if (t->revoked)
        return TE_REVOKED;
    if (t->used)
        return TE_USED;
    if (t->expires_ms && now >= t->expires_ms)
        return TE_EXPIRED;
    return TE_OK;
}

enum sbx_tokerr state_code_get(enum sbx_net net, const char *code, struct sbx_grant *g)
{
    enum sbx_tokerr rc = TE_UNKNOWN;
    pthread_mutex_lock(&st.mu);
    struct sentry *e = smap_find(&st.codes, code);
    if (e) {
        struct token *t = e->val;
        token_copy(t, g);
        rc = t->net != net ? TE_WRONG_NET : token_state(t, time_now_ms());
    }
    pthread_mutex_unlock(&st.mu);
    return rc;
}

bool state_code_consume(const char *code)
{
    bool ok = false;
    pthread_mutex_lock(&st.mu);
    struct sentry *e = smap_find(&st.codes, code);
    if (e) {
        struct token *t = e->val;
        ok = !t->used && !t->revoked;
        t->used = true;
    }
    pthread_mutex_unlock(&st.mu);
    return ok;
}

void state_token_issue(const struct sbx_grant *g, int64_t ttl_s, char out[SBX_TOKEN_MAX + 1])
{
    struct sbx_grant copy = *g;
    copy.issued_ms = time_now_ms();
    copy.expires_ms = ttl_s >= 0 ? copy.issued_ms + ttl_s * 1000 : 0;
    new_value(g->net, g->kind, out);
    pthread_mutex_lock(&st.mu);
    smap_put(&st.tokens, out, token_from(&copy));
    pthread_mutex_unlock(&st.mu);
}

void state_token_put(const char *value, const struct sbx_grant *g)
{
    pthread_mutex_lock(&st.mu);
    if (!smap_find(&st.tokens, value))
        smap_put(&st.tokens, value, token_from(g));
    pthread_mutex_unlock(&st.mu);
}

enum sbx_tokerr state_token_check(enum sbx_net net, const char *value, struct sbx_grant *g)
{
    enum sbx_tokerr rc = TE_UNKNOWN;
    pthread_mutex_lock(&st.mu);
    struct sentry *e = smap_find(&st.tokens, value);
    if (e) {
        struct token *t = e->val;
        token_copy(t, g);
        rc = t->net != net ? TE_WRONG_NET : token_state(t, time_now_ms());
    }
    pthread_mutex_unlock(&st.mu);
    return rc;
}

bool state_token_known(const char *value)
{
    pthread_mutex_lock(&st.mu);
    bool found = smap_find(&st.tokens, value) != NULL;
    pthread_mutex_unlock(&st.mu);
    return found;
}

bool state_token_retire(const char *value)
{
    bool ok = false;
    pthread_mutex_lock(&st.mu);
    struct sentry *e = smap_find(&st.tokens, value);
    if (e) {
        struct token *t = e->val;
        ok = !t->revoked && !t->used;
        t->used = true;
    }
    pthread_mutex_unlock(&st.mu);
    return ok;
}

bool state_token_revoke(enum sbx_net net, const char *value, bool whole_grant)
{
    bool found = false;
    pthread_mutex_lock(&st.mu);
    struct sentry *e = smap_find(&st.tokens, value);
    if (e && ((struct token *)e->val)->net == net) {
        struct token *t = e->val;
        found = true;
        t->revoked = true;
        if (whole_grant) {
            /* A linear walk: revocations are rare and the table is capped. */
            for (struct sentry *x = st.tokens.oldest; x; x = x->newer) {
                struct token *o = x->val;
                if (o->grant == t->grant)
                    o->revoked = true;
            }
        }
    }
    pthread_mutex_unlock(&st.mu);
    return found;
}

static size_t revoke_in(struct smap *m, enum sbx_net net, const char *login, const char *client)
{
    size_t n = 0;
    for (struct sentry *x = m->oldest; x; x = x->newer) {
        struct token *t = x->val;
        if (t->net == net && !t->revoked && !strcmp(t->login, login) &&
            (!client || !strcmp(t->client_id, client))) {
            t->revoked = true;
            n++;
        }
    }
    return n;
}

size_t state_revoke_login(enum sbx_net net, const char *login, const char *client_id)
{
    pthread_mutex_lock(&st.mu);
    size_t n = revoke_in(&st.codes, net, login, client_id);
    n += revoke_in(&st.tokens, net, login, client_id);
    pthread_mutex_unlock(&st.mu);
    return n;
}

void state_page_token(const struct sbx_grant *user, const char *page_id,
                      char out[SBX_TOKEN_MAX + 1])
{
    /* The same user grant always yields the same page token (the Graph hands
     * out a stable one too), so listing pages does not fill the table. */
    char msg[64];
    unsigned char mac[CRYPTO_SHA256_LEN];
    char hex[33];
    int n = snprintf(msg, sizeof(msg), "%llu:%s", (unsigned long long)user->grant, page_id);
    crypto_hmac_sha256(st.page_key, sizeof(st.page_key), msg,
                       n < 0                     ? 0
                       : (size_t)n < sizeof(msg) ? (size_t)n
                                                 : sizeof(msg) - 1,
                       mac);
    crypto_hex(mac, 16, hex);
    snprintf(out, SBX_TOKEN_MAX + 1, "sbx-%s-pt-%s", user->net == NET_INSTAGRAM ? "ig" : "fb", hex);
    struct sbx_grant g = *user;
    g.kind = TK_PAGE;
    g.expires_ms = 0; /* page tokens from the Graph do not expire */
    g.deadline_ms = 0;
    str_copy(g.page_id, sizeof(g.page_id), page_id);
    state_token_put(out, &g);
}

/* ---- lifetimes, quotas, renames, locations, chats ---------------------------------- */

void state_ttl_set(enum sbx_net net, int64_t access_s, int64_t refresh_s)
{
    pthread_mutex_lock(&st.mu);
    if (access_s >= 0)
        st.ttl[net].access_s = access_s;
    if (refresh_s >= 0)
        st.ttl[net].refresh_s = refresh_s;
    pthread_mutex_unlock(&st.mu);
}

int64_t state_ttl(enum sbx_net net, enum sbx_kind kind, int64_t dflt)
{
    pthread_mutex_lock(&st.mu);
    int64_t v = kind == TK_REFRESH ? st.ttl[net].refresh_s : st.ttl[net].access_s;
    pthread_mutex_unlock(&st.mu);
    return v >= 0 ? v : dflt;
}

void state_quota_set(const char *login, int64_t used)
{
    struct quota *q = mem_calloc(1, sizeof(*q));
    q->used = used;
    pthread_mutex_lock(&st.mu);
    smap_put(&st.quotas, login, q);
    pthread_mutex_unlock(&st.mu);
}

bool state_quota_get(const char *login, int64_t *used)
{
    pthread_mutex_lock(&st.mu);
    struct sentry *e = smap_find(&st.quotas, login);
    if (e)
        *used = ((struct quota *)e->val)->used;
    pthread_mutex_unlock(&st.mu);
    return e != NULL;
}

/* "<network>:<login>" into out. Telegram's chat names are case-insensitive
 * and its handler looks them up lowercased, so the key is lowercased too. */
static void rename_key(enum sbx_net net, const char *login, char out[SBX_LOGIN_MAX + 16])
{
    snprintf(out, SBX_LOGIN_MAX + 16, "%s:%s", sbx_net_name(net), login);
    if (net == NET_TELEGRAM)
        for (char *p = out; *p; p++)
            *p = (char)tolower((unsigned char)*p);
}

bool state_rename_set(enum sbx_net net, const char *login, const char *name, const char *image)
{
    char key[SBX_LOGIN_MAX + 16];
    rename_key(net, login, key);
    struct renamed *n = mem_calloc(1, sizeof(*n));
    n->name = mem_strdup(name);
    n->image = image ? mem_strdup(image) : NULL;
    pthread_mutex_lock(&st.mu);
    bool ok = st.renames.count < SBX_RENAMES_MAX || smap_find(&st.renames, key);
    if (ok)
        smap_put(&st.renames, key, n);
    pthread_mutex_unlock(&st.mu);
    if (!ok)
        renamed_free(n);
    return ok;
}

bool state_rename_get(enum sbx_net net, const char *login, char name[SBX_NAME_MAX + 1],
                      char image[SBX_URI_MAX + 1])
{
    char key[SBX_LOGIN_MAX + 16];
    rename_key(net, login, key);
    pthread_mutex_lock(&st.mu);
    struct sentry *e = smap_find(&st.renames, key);
    if (e) {
        const struct renamed *n = e->val;
        str_copy(name, SBX_NAME_MAX + 1, n->name);
        str_copy(image, SBX_URI_MAX + 1, n->image ? n->image : "");
    }
    pthread_mutex_unlock(&st.mu);
    return e != NULL;
}

void state_overrides_clear(void)
{
    pthread_mutex_lock(&st.mu);
    for (int i = 0; i < NET_COUNT; i++)
        st.ttl[i].access_s = st.ttl[i].refresh_s = -1;
    smap_clear(&st.quotas);
    smap_clear(&st.renames);
    pthread_mutex_unlock(&st.mu);
}

json_t *state_location_get(const char *id)
{
    json_t *copy = NULL;
    pthread_mutex_lock(&st.mu);
    struct sentry *e = smap_find(&st.locations, id);
    if (e)
        copy = json_deep_copy(e->val);
    pthread_mutex_unlock(&st.mu);
    return copy;
}

void state_location_put(const char *id, const json_t *loc)
{
    json_t *copy = json_deep_copy(loc);
    if (!copy)
        abort(); /* jansson fails only when out of memory */
    pthread_mutex_lock(&st.mu);
    smap_put(&st.locations, id, copy);
    pthread_mutex_unlock(&st.mu);
}

void state_chat_remember(const char *id, const char *name)
{
    pthread_mutex_lock(&st.mu);
    struct sentry *e = smap_find(&st.chats, id);
    if (!e || strcmp(e->val, name))
        smap_put(&st.chats, id, mem_strdup(name));
    pthread_mutex_unlock(&st.mu);
}

bool state_chat_lookup(const char *id, char name[SBX_LOGIN_MAX + 1])
{
    pthread_mutex_lock(&st.mu);
    struct sentry *e = smap_find(&st.chats, id);
    if (e)
        str_copy(name, SBX_LOGIN_MAX + 1, e->val);
    pthread_mutex_unlock(&st.mu);
    return e != NULL;
}

void state_bot_revoke(const char *bot_id)
{
    pthread_mutex_lock(&st.mu);
    smap_put(&st.bots, bot_id, NULL);
    pthread_mutex_unlock(&st.mu);
}

bool state_bot_revoked(const char *bot_id)
{
    pthread_mutex_lock(&st.mu);
    bool found = smap_find(&st.bots, bot_id) != NULL;
    pthread_mutex_unlock(&st.mu);
    return found;
}

/* ---- Telegram: members, users, the update queue --------------------------------------- */

void state_tg_member_set(const char *chat_id, const char *user_id, const char *status)
{
    char key[64];
    snprintf(key, sizeof(key), "%s|%s", chat_id, user_id);
    pthread_mutex_lock(&st.mu);
    smap_put(&st.members, key, mem_strdup(status));
    pthread_mutex_unlock(&st.mu);
}

bool state_tg_member_get(const char *chat_id, const char *user_id,
                         char status[SBX_TG_STATUS_MAX + 1])
{
    char key[64];
    snprintf(key, sizeof(key), "%s|%s", chat_id, user_id);
    pthread_mutex_lock(&st.mu);
    struct sentry *e = smap_find(&st.members, key);
    if (e)
        str_copy(status, SBX_TG_STATUS_MAX + 1, e->val);
    pthread_mutex_unlock(&st.mu);
    return e != NULL;
}

void state_tg_user_remember(const char *user_id, const char *login)
{
    pthread_mutex_lock(&st.mu);
    struct sentry *e = smap_find(&st.users, user_id);
    if (!e || strcmp(e->val, login))
        smap_put(&st.users, user_id, mem_strdup(login));
    pthread_mutex_unlock(&st.mu);
}

bool state_tg_user_lookup(const char *user_id, char login[SBX_LOGIN_MAX + 1])
{
    pthread_mutex_lock(&st.mu);
    struct sentry *e = smap_find(&st.users, user_id);
    if (e)
        str_copy(login, SBX_LOGIN_MAX + 1, e->val);
    pthread_mutex_unlock(&st.mu);
    return e != NULL;
}

int64_t state_tg_update_add(const char *bot, unsigned kind, const char *json)
{
    pthread_mutex_lock(&st.mu);
    if (st.ucount == UPDATES_MAX) {
        struct tg_update *old = &st.updates[st.uhead];
        free(old->bot);
        free(old->json);
        st.uhead = (st.uhead + 1) % UPDATES_MAX;
        st.ucount--;
    }
    struct tg_update *u = &st.updates[(st.uhead + st.ucount) % UPDATES_MAX];
    u->id = st.next_update++;
    u->kind = kind;
    u->bot = bot ? mem_strdup(bot) : NULL;
    u->json = mem_strdup(json);
    st.ucount++;
    int64_t id = u->id;
    pthread_mutex_unlock(&st.mu);
    return id;
}

static bool tg_visible(const struct tg_update *u, const char *bot, const struct tg_reader *rd)
{
    return u->id >= rd->next && (!u->bot || !strcmp(u->bot, bot)) && (u->kind & rd->allowed);
}

void state_tg_updates(const char *bot, const struct sbx_tg_poll *p, struct jw *w)
{
    static const char *const kinds[] = {"message", "channel_post"};
    pthread_mutex_lock(&st.mu);
    struct sentry *e = smap_find(&st.readers, bot);
    if (!e) {
        struct tg_reader *nr = mem_calloc(1, sizeof(*nr));
        nr->allowed = SBX_TGU_ALL;
        smap_put(&st.readers, bot, nr);
        e = smap_find(&st.readers, bot);
    }
    struct tg_reader *rd = e->val;
    if (p->allowed_set)
        rd->allowed = p->allowed ? p->allowed : SBX_TGU_ALL;
    /* An offset confirms every update below it; a negative one keeps only
     * the last -offset updates and forgets the ones before. */
    if (p->offset > rd->next)
        rd->next = p->offset;
    if (p->offset < 0) {
        size_t visible = 0;
        for (size_t i = 0; i < st.ucount; i++)
            visible += tg_visible(&st.updates[(st.uhead + i) % UPDATES_MAX], bot, rd);
        size_t skip = visible > (size_t)-p->offset ? visible - (size_t)-p->offset : 0;
        for (size_t i = 0; i < st.ucount; i++) {
            const struct tg_update *u = &st.updates[(st.uhead + i) % UPDATES_MAX];
            if (!tg_visible(u, bot, rd))
                continue;
            if (skip-- == 0) {
                rd->next = u->id;
                break;
            }
        }
    }
    jw_arr(w);
    size_t n = 0;
    for (size_t i = 0; i < st.ucount && n < p->limit; i++) {
        const struct tg_update *u = &st.updates[(st.uhead + i) % UPDATES_MAX];
        if (!tg_visible(u, bot, rd))
            continue;
        jw_obj(w);
        jw_kint(w, "update_id", u->id);
        jw_key(w, kinds[u->kind == SBX_TGU_CHANNEL_POST]);
        jw_raw(w, u->json, strlen(u->json));
        jw_obj_end(w);
        n++;
    }
    jw_arr_end(w);
    pthread_mutex_unlock(&st.mu);
}
