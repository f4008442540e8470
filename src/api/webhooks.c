/*
 * webhooks: registering webhooks, their signing secret, and the delivery
 * log (SPEC §8). Registration is per profile: with a Profile-Key for that
 * profile, without one for the account (events of profiles without their
 * own webhook go there).
 *
 * A URL must be https:// (plain http:// only for a loopback host, when the
 * operator allows it) and must not point at an address the table of
 * util/netaddr.c refuses (loopback, private, link-local, metadata, ...)
 * unless the operator allows that; localhost names (RFC 6761) count as
 * loopback, and IPv6 zone ids are refused. A host name is resolved on a
 * network worker (core/offload.h) while the request is suspended; a name
 * that does not resolve yet is accepted. Deliveries check the address they
 * connect to again (platforms/client.c), against DNS rebinding.
 *
 * Nothing can cut a getaddrinfo() short, and a slow resolver holds it for
 * its timeout (5 s per try and server by default), so the worker does not
 * call it: it starts the lookup with glibc's getaddrinfo_a() and waits in
 * short slices, watching for shutdown. Once the server drains, the lookup
 * is left to finish on glibc's helper thread (its request block is kept,
 * as glibc still writes to it) and the request is answered 651 at once, so
 * no grace period waits on DNS and the HTTP server never stops with the
 * request still suspended. At most half the network workers wait on DNS at
 * a time; past that the registration answers 651 (retry).
 */
#include "api/api.h"
#include "api/cursor.h"
#include "api/fields.h"
#include "core/log.h"
#include "core/offload.h"
#include "crypto/crypto.h"
#include "crypto/vault.h"
#include "http/server.h"
#include "ops/ops.h"
#include "store/deliveries.h"
#include "store/store.h"
#include "store/webhooks.h"
#include "util/jsonw.h"
#include "util/mem.h"
#include "util/netaddr.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/url.h"

#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET_MAX      256
#define DELIVERIES_MAX  500
#define LOOKUP_SLICE_MS 50 /* how often a waiting lookup looks for shutdown */

static const char *const actions[] = {"social",          "batch",     "feed",     "scheduled",
                                      "messages",        "mentions",  "comments", "automations",
                                      "accountActivity", "suspended", NULL};

static _Atomic int resolvers;

/*
 * The signing secret: any non-empty printable ASCII string (spaces
 * included) up to SECRET_MAX characters. No minimum beyond one character:
 * Ayrshare's own examples send "secret" (SPEC §8); docs/webhooks.md
 * recommends 32+ random characters. Returns true when present and valid.
 */
static bool read_secret(struct fields *f, bool nullable, const char **secret)
{
    *secret = NULL;
    if (!fields_str(f, "secret", 1, SECRET_MAX, nullable, secret) || !*secret)
        return false;
    for (const char *c = *secret; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) {
            fields_fail(f, "secret", "must be printable ASCII characters (no control characters)");
            *secret = NULL;
            return false;
        }
    return true;
}

static void read_action(struct fields *f, const char **action)
{
    *action = NULL;
    if (!fields_str(f, "action", 1, 32, false, action) && !fields_has(f, "action"))
        fields_fail(f, "action", "is required");
    if (*action) {
        bool known = false;
        for (size_t i = 0; actions[i]; i++)
            known |= !strcmp(actions[i], *action);
        if (!known) {
            fields_fail(f, "action",
                        "must be one of social, batch, feed, scheduled, messages, mentions, "
                        "comments, automations, accountActivity, suspended");
            *action = NULL;
        }
    }
}

struct registration {
    struct app *app;
    struct req *r;
    const char *action;
    const char *url;
    const char *host;
    const char *secret;
};

/* Stores the registration and writes the answer. */
static enum status save(struct registration *g)
{
    struct app *app = g->app;
    struct principal *p = api_principal(g->r);
    if (ops_webhook_register(app, p->acct.id, p->profile.id, g->action, g->url, g->secret,
                             time_now_ms()) != STORE_OK)
        return ST_INTERNAL;
    struct jw w;
    jw_init(&w, &g->r->out);
    jw_obj(&w);
    jw_kstr(&w, "status", "success");
    jw_kstr(&w, "action", g->action);
    jw_kstr(&w, "url", g->url);
    jw_kstr(&w, "refId", p->profile.ref_id);
    jw_obj_end(&w);
    return ST_OK;
}

static enum status refuse_address(struct req *r)
{
    return req_fail(r, ST_BAD_PARAM, "url",
                    "resolves to a loopback, private, link-local, metadata or other "
                    "non-public address");
}

/* A lookup in glibc's hands; freed when it ended, kept when abandoned. */
struct lookup {
    struct lookup *next; /* abandoned ones */
    struct gaicb cb;
    struct addrinfo hints;
    char host[];
};

/* Lookups abandoned at shutdown: glibc's helper thread still writes to
 * them, so they stay allocated (and reachable) until the process exits. */
static struct lookup *abandoned;
static pthread_mutex_t abandoned_mu = PTHREAD_MUTEX_INITIALIZER;

enum lookup_rc { LOOKUP_DONE, LOOKUP_FAILED, LOOKUP_STOPPED };

/*
 * Resolves host; on LOOKUP_DONE *res is getaddrinfo's list (the caller
 * frees it with freeaddrinfo). LOOKUP_STOPPED: the server began draining
 * first, and the lookup was abandoned.
 */
static enum lookup_rc lookup(struct offload *o, const char *host, struct addrinfo **res)
{
    *res = NULL;
    if (offload_stopping(o))
        return LOOKUP_STOPPED;
    size_t n = strlen(host);
    struct lookup *l = mem_calloc(1, sizeof(*l) + n + 1);
    memcpy(l->host, host, n + 1);
    l->hints.ai_socktype = SOCK_STREAM;
    l->cb.ar_name = l->host;
    l->cb.ar_request = &l->hints;
    struct gaicb *list[1] = {&l->cb};
    if (getaddrinfo_a(GAI_NOWAIT, list, 1, NULL) != 0) {
        free(l);
        return LOOKUP_FAILED;
    }
    const struct gaicb *wait[1] = {&l->cb};
    for (;;) {
        int rc = gai_error(&l->cb);
        if (rc != EAI_INPROGRESS) {
            *res = rc == 0 ? l->cb.ar_result : NULL;
            free(l);
            return rc == 0 ? LOOKUP_DONE : LOOKUP_FAILED;
        }
        if (offload_stopping(o))
            break;
        struct timespec ts = {0, LOOKUP_SLICE_MS * 1000000L};
        (void)gai_suspend(wait, 1, &ts);
    }
    int c = gai_cancel(&l->cb);
    if (c == EAI_CANCELED) {
        free(l);
    } else if (c == EAI_ALLDONE) {
        if (gai_error(&l->cb) == 0)
            freeaddrinfo(l->cb.ar_result);
        free(l);
    } else {
        pthread_mutex_lock(&abandoned_mu);
        l->next = abandoned;
        abandoned = l;
        pthread_mutex_unlock(&abandoned_mu);
    }
    return LOOKUP_STOPPED;
}

/* On a network worker: resolve, check every address, save, resume. */
static void resolve_and_save(void *arg)
{
    struct registration *g = arg;
    struct addrinfo *res = NULL;
    enum lookup_rc lr = lookup(g->app->offload, g->host, &res);
    enum status st = ST_OK;
    if (lr == LOOKUP_STOPPED)
        st = ST_UNAVAILABLE; /* shutting down: the client retries */
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        if (!netaddr_is_public(ai->ai_addr))
            st = refuse_address(g->r);
    if (res)
        freeaddrinfo(res);
    /* A host that does not resolve yet is accepted (SPEC §8); deliveries
     * check again. */
    if (st == ST_OK)
        st = save(g);
    atomic_fetch_sub(&resolvers, 1);
    req_resume(g->r, st);
}

enum status api_webhooks_register(struct app *app, struct req *r)
{
    struct fields f;
    fields_init(&f, r);
    struct registration *g = arena_alloc(r->arena, sizeof(*g));
    g->app = app;
    g->r = r;
    read_action(&f, &g->action);
    const char *url = NULL;
    if (!fields_str(&f, "url", 1, 2048, false, &url) && !fields_has(&f, "url"))
        fields_fail(&f, "url", "is required");
    read_secret(&f, true, &g->secret);
    struct url u;
    const char *reason = NULL;
    if (url && !url_parse(r->arena, url, &u, &reason)) {
        fields_fail(&f, "url", reason);
        url = NULL;
    }
    enum status st = fields_done(&f);
    if (st != ST_OK)
        return st;
    g->url = url;
    g->host = u.host;

    /* A zone id names an interface of this machine: never a receiver's. */
    if (u.ipv6 && strchr(u.host, '%'))
        return req_fail(r, ST_BAD_PARAM, "url", "must not carry an IPv6 zone id (%25...)");
    /* A resolver may read "127.0.0.1." (the root's trailing dot) as the
     * literal 127.0.0.1: judge it as one. */
    size_t hl = strlen(u.host);
    const char *bare =
        hl > 1 && u.host[hl - 1] == '.' ? arena_strndup(r->arena, u.host, hl - 1) : u.host;
    struct sockaddr_storage ss;
    bool literal = netaddr_parse(bare, &ss);
    bool loopback = netaddr_host_is_localhost(u.host) ||
                    (literal && netaddr_is_loopback((const struct sockaddr *)&ss));
    if (!strcmp(u.scheme, "http") && !(loopback && app->cfg->webhook_allow_http))
        return req_fail(r, ST_BAD_PARAM, "url",
                        "must be https:// (plain http:// only for a loopback host, when the "
                        "operator allows it)");
    if (app->cfg->webhook_allow_private)
        return save(g);
    if (loopback || (literal && !netaddr_is_public((const struct sockaddr *)&ss)))
        return refuse_address(r);
    if (literal)
        return save(g);

    /* Half the network workers at most: a slow resolver must not take the
     * ones linking and live data need. */
    int most = (int)(app->cfg->network_workers / 2);
    if (atomic_fetch_add(&resolvers, 1) >= (most > 0 ? most : 1)) {
        atomic_fetch_sub(&resolvers, 1);
        return ST_UNAVAILABLE;
    }
    /* Queued first: once draining began nothing is queued and the answer
     * is 651. The task may finish before req_suspend; the HTTP layer
     * handles that. */
    if (!offload_run(app->offload, resolve_and_save, g)) {
        atomic_fetch_sub(&resolvers, 1);
        return ST_UNAVAILABLE;
    }
    req_suspend(r);
    return ST_OK;
}

enum status api_webhooks_unregister(struct app *app, struct req *r)
{
    struct fields f;
    fields_init(&f, r);
    const char *action = NULL;
    read_action(&f, &action);
    enum status st = fields_done(&f);
    if (st != ST_OK)
        return st;
    struct principal *p = api_principal(r);
    enum store_rc rc = store_webhook_delete(app->store, p->profile.id, action, time_now_ms());
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return ST_INTERNAL;
    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "status", "success");
    jw_kstr(&w, "action", action);
    jw_obj_end(&w);
    return ST_OK;
}

enum status api_webhooks_list(struct app *app, struct req *r)
{
    struct principal *p = api_principal(r);
    struct webhook *hooks = NULL;
    size_t n = 0;
    if (store_webhook_list(app->store, r->arena, p->profile.id, &hooks, &n) != STORE_OK)
        return ST_INTERNAL;
    char ts[32];
    int64_t updated = 0;
    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "status", "success");
    bool any_disabled = false;
    for (size_t i = 0; i < n; i++) {
        jw_kstr(&w, hooks[i].action, hooks[i].url);
        updated = hooks[i].updated_ms > updated ? hooks[i].updated_ms : updated;
        any_disabled |= hooks[i].disabled_ms != 0;
    }
    if (any_disabled) {
        /* (sociald) which webhooks were disabled after failing, and why */
        jw_key(&w, "disabled");
        jw_obj(&w);
        for (size_t i = 0; i < n; i++) {
            if (!hooks[i].disabled_ms)
                continue;
            time_iso_ms(hooks[i].disabled_ms, ts, sizeof(ts));
            jw_key(&w, hooks[i].action);
            jw_obj(&w);
            jw_kstr(&w, "since", ts);
            jw_kstr(&w, "reason", hooks[i].disabled_reason);
            jw_obj_end(&w);
        }
        jw_obj_end(&w);
    }
    jw_key(&w, "updated");
    if (updated) {
        time_iso_ms(updated, ts, sizeof(ts));
        jw_str(&w, ts);
    } else {
        jw_null(&w);
    }
    jw_obj_end(&w);
    return ST_OK;
}

enum status api_webhooks_secret(struct app *app, struct req *r)
{
    struct fields f;
    fields_init(&f, r);
    const char *secret = NULL;
    if (!read_secret(&f, false, &secret) && !fields_has(&f, "secret"))
        fields_fail(&f, "secret", "is required");
    enum status st = fields_done(&f);
    if (st != ST_OK)
        return st;
    struct principal *p = api_principal(r);
    if (ops_webhook_secret_set(app, p->profile.id, secret, time_now_ms()) != STORE_OK)
        return ST_INTERNAL;
    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "status", "success");
    jw_kstr(&w, "action", "webhook");
    jw_kstr(&w, "refId", p->profile.ref_id);
    jw_obj_end(&w);
    return ST_OK;
}

/* ---- the delivery log ---- */

static void write_time(struct jw *w, const char *key, int64_t ms)
{
    char ts[32];
    jw_key(w, key);
    if (ms) {
        time_iso_ms(ms, ts, sizeof(ts));
        jw_str(w, ts);
    } else {
        jw_null(w);
    }
}

static void write_delivery(struct jw *w, const struct delivery *d)
{
    jw_obj(w);
    jw_kstr(w, "id", d->public_id);
    jw_kstr(w, "hookId", d->hook_id);
    jw_kstr(w, "action", d->action);
    jw_kstr(w, "url", d->url);
    jw_kstr(w, "status", d->status);
    jw_kint(w, "attempts", d->attempts);
    jw_kint_or_null(w, "lastStatus", d->last_status != 0, d->last_status);
    jw_kstr(w, "lastError", d->last_error);
    write_time(w, "created", d->created_ms);
    write_time(w, "lastAttempt", d->last_attempt_ms);
    write_time(w, "nextAttempt", d->next_attempt_ms);
    write_time(w, "completed", d->completed_ms);
    jw_obj_end(w);
}

static uint64_t fingerprint(const char *action, const char *status, int64_t profile_id)
{
    char buf[160];
    int n = snprintf(buf, sizeof(buf), "deliveries\x1f%s\x1f%s\x1f%lld", action ? action : "",
                     status ? status : "", (long long)profile_id);
    unsigned char h[32];
    crypto_sha256(buf, (size_t)n, h);
    uint64_t fp = 0;
    for (int i = 0; i < 8; i++)
        fp = fp << 8 | h[i];
    return fp;
}

enum status api_webhooks_deliveries(struct app *app, struct req *r)
{
    struct principal *p = api_principal(r);
    static const char *const statuses[] = {"pending", "delivered", "failed",
                                           "skipped", "cancelled", NULL};
    const char *action = req_query(r, "action");
    const char *status = req_query(r, "status");
    if (status) {
        bool ok = false;
        for (size_t i = 0; statuses[i]; i++)
            ok |= !strcmp(statuses[i], status);
        if (!ok)
            return req_fail(r, ST_BAD_PARAM, "status",
                            "must be pending, delivered, failed, skipped or cancelled");
    }
    int64_t limit = 100;
    const char *lim = req_query(r, "limit");
    if (lim && !str_to_i64(lim, 1, DELIVERIES_MAX, &limit))
        return req_fail(r, ST_BAD_PARAM, "limit", "must be a whole number from 1 to 500");
    /* With a Profile-Key: that profile's events; without: the whole account. */
    int64_t scope = p->via_profile_key ? p->profile.id : 0;
    uint64_t fp = fingerprint(action, status, scope);
    int64_t before = 0;
    const char *cur = req_query(r, "cursor");
    if (cur && *cur) {
        struct cursor c;
        if (!cursor_decode(app->signing_key, cur, &c) || c.account_id != p->acct.id ||
            c.filters != fp)
            return req_fail(r, ST_BAD_PARAM, "cursor",
                            "is not a cursor this server issued for these filters");
        before = c.id;
    }
    struct delivery *ds = NULL;
    size_t n = 0;
    if (store_delivery_list(app->store, r->arena, p->acct.id, scope, action, status, before,
                            (size_t)limit + 1, &ds, &n) != STORE_OK)
        return ST_INTERNAL;
    bool more = n > (size_t)limit;
    if (more)
        n = (size_t)limit;
    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "status", "success");
    jw_key(&w, "deliveries");
    jw_arr(&w);
    for (size_t i = 0; i < n; i++)
        write_delivery(&w, &ds[i]);
    jw_arr_end(&w);
    jw_kint(&w, "count", (int64_t)n);
    jw_key(&w, "pagination");
    jw_obj(&w);
    jw_kbool(&w, "hasMore", more);
    jw_key(&w, "nextCursor");
    if (more) {
        struct cursor c = {p->acct.id, 0, ds[n - 1].id, fp};
        jw_str(&w, cursor_encode(r->arena, app->signing_key, &c));
    } else {
        jw_null(&w);
    }
    jw_kint(&w, "limit", limit);
    jw_obj_end(&w);
    jw_obj_end(&w);
    return jw_failed(&w) ? ST_INTERNAL : ST_OK;
}

enum status api_webhooks_resend(struct app *app, struct req *r)
{
    struct principal *p = api_principal(r);
    struct delivery d;
    enum store_rc rc = store_delivery_by_public(app->store, r->arena, p->acct.id, r->params[0], &d);
    if (rc == STORE_OK && p->via_profile_key && d.profile_id != p->profile.id)
        rc = STORE_NOTFOUND; /* another profile's event */
    if (rc == STORE_NOTFOUND)
        return req_fail(r, ST_BAD_PARAM, "id", "no delivery of this account has this id");
    if (rc != STORE_OK)
        return ST_INTERNAL;
    char public_id[29] = "dlv_";
    unsigned char raw[12];
    crypto_random(raw, sizeof(raw));
    crypto_hex(raw, sizeof(raw), public_id + 4);
    int64_t new_id = 0;
    if (ops_delivery_resend(app, d.id, public_id, time_now_ms(), &new_id) != STORE_OK)
        return ST_INTERNAL;
    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "status", "success");
    jw_kstr(&w, "deliveryId", public_id);
    jw_kstr(&w, "hookId", d.hook_id);
    jw_obj_end(&w);
    return ST_OK;
}
