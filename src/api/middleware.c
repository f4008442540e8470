/*
 * middleware: what runs before every handler, in one place (DESIGN.md step
 * 3): authenticate the API key, resolve the profile, check the plan, the
 * rate limit and the monthly quota, count the call, set x-ratelimit-*.
 *
 * Order matters for what counts: calls refused for auth (102, 610-613),
 * plan (620), rate limit (621) or quota (106) are not counted (SPEC §2).
 */
#include "api/api.h"
#include "api/directory.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "limits/ratelimit.h"
#include "limits/usage.h"
#include "store/profiles.h"
#include "store/store.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define KEY_MAX 256 /* longer "keys" are refused without hashing */

const char *api_bearer_parse(struct arena *a, const char *h)
{
    if (!h)
        return NULL;
    struct slice s = str_trim(h);
    if (s.n < 7 || strncasecmp(s.p, "Bearer ", 7) != 0)
        return NULL;
    s.p += 7;
    s.n -= 7;
    while (s.n && *s.p == ' ') {
        s.p++;
        s.n--;
    }
    if (s.n == 0 || s.n > KEY_MAX)
        return NULL;
    return arena_strndup(a, s.p, s.n);
}

const char *api_bearer(struct req *r)
{
    return api_bearer_parse(r->arena, req_header(r, "Authorization"));
}

enum status api_profile_key(struct req *r, const char *h, const char **out, bool *present)
{
    *out = NULL;
    *present = false;
    if (h) {
        struct slice s = str_trim(h);
        *present = true;
        *out = arena_strndup(r->arena, s.p, s.n);
        return ST_OK;
    }
    json_t *b = r->body ? json_object_get(r->body, "profileKey") : NULL;
    if (b && !json_is_null(b)) {
        if (!json_is_string(b))
            return req_fail(r, ST_BAD_PARAM, "profileKey", "must be a string");
        struct slice s = str_trim(json_string_value(b));
        *present = true;
        *out = arena_strndup(r->arena, s.p, s.n);
        return ST_OK;
    }
    const char *q = req_query(r, "profileKey");
    if (q) {
        struct slice s = str_trim(q);
        *present = true;
        *out = arena_strndup(r->arena, s.p, s.n);
    }
    return ST_OK;
}

static void hash_key(const char *key, unsigned char out[STORE_HASH_LEN])
{
    crypto_sha256(key, strlen(key), out);
}

/* Resolves the API key's account and the profile acted on. */
static enum status load_principal(struct app *app, struct req *r, struct principal *p,
                                  const unsigned char api_hash[STORE_HASH_LEN], const char *pkey)
{
    enum store_rc rc = dir_account(app->dir, r->arena, api_hash, &p->acct);
    if (rc == STORE_NOTFOUND)
        return store_profile_key_exists(app->store, api_hash) ? ST_PROFILE_KEY_AS_API_KEY
                                                              : ST_API_KEY_INVALID;
    if (rc != STORE_OK)
        return ST_INTERNAL;
    if (pkey) {
        unsigned char ph[STORE_HASH_LEN];
        hash_key(pkey, ph);
        rc = dir_profile_by_key(app->dir, r->arena, p->acct.id, ph, &p->profile);
        if (rc == STORE_NOTFOUND)
            return ST_PROFILE_KEY_INVALID;
        p->via_profile_key = true;
    } else {
        rc = dir_profile(app->dir, r->arena, p->acct.primary_profile_id, &p->profile);
    }
    return rc == STORE_OK ? ST_OK : ST_INTERNAL;
}

enum status api_plan_check(const struct config *cfg, struct req *r, const struct principal *p)
{
    const char *fam = r->route->family;
    if (!fam || (p->plan && config_plan_allows(p->plan, fam)))
        return ST_OK;
    char list[160] = "";
    size_t n = 0, count = 0;
    for (size_t i = 0; i < cfg->nplans; i++)
        if (config_plan_allows(&cfg->plans[i], fam))
            count++;
    for (size_t i = 0, k = 0; i < cfg->nplans; i++) {
        if (!config_plan_allows(&cfg->plans[i], fam))
            continue;
        k++;
        const char *sep = k == 1 ? "" : k == count ? " or " : ", ";
        int w = snprintf(list + n, sizeof(list) - n, "%s%s", sep, cfg->plans[i].name);
        if (w < 0 || (size_t)w >= sizeof(list) - n)
            break;
        n += (size_t)w;
    }
    r->err_message = arena_printf(r->arena,
                                  "This endpoint needs the %s plan; this account is on the %s "
                                  "plan.",
                                  count ? list : "(no)", p->acct.plan);
    req_detail_str(r, "plan", p->acct.plan);
    return ST_PLAN_REQUIRED;
}

static const char *num(struct req *r, int64_t v)
{
    char tmp[24];
    size_t n = jw_itoa(v, tmp);
    return arena_strndup(r->arena, tmp, n);
}

/* SPEC §7: too many rate-limit errors in 24 h suspend the profile (612)
 * until `sociald profile reactivate`. One write, once per suspension. */
static void suspend_profile(struct app *app, const struct principal *p, int64_t now)
{
    struct logline l;
    bool ok = store_profile_set_suspended(app->store, p->profile.id, now) == STORE_OK;
    log_begin(&l, ok ? LOG_WARN : LOG_ERROR,
              ok ? "profile suspended after too many rate-limit errors"
                 : "cannot suspend a profile after too many rate-limit errors");
    jw_kstr(&l.w, "refId", p->profile.ref_id);
    jw_kint(&l.w, "errors", app->cfg->rate_suspend_after);
    log_end(&l);
}

enum status api_ratelimit_answer(struct req *r, const struct rl_result *rl)
{
    req_add_header(r, "x-ratelimit-max", num(r, rl->max));
    req_add_header(r, "x-ratelimit-count", num(r, rl->count));
    req_add_header(r, "x-ratelimit-remaining", num(r, rl->remaining));
    req_add_header(r, "x-ratelimit-reset", num(r, rl->reset_ms));
    if (!rl->limited)
        return ST_OK;
    int64_t secs = (rl->reset_ms + 999) / 1000;
    req_add_header(r, "Retry-After", num(r, secs));
    req_detail_int(r, "retryAfter", secs);
    return ST_RATE_LIMITED;
}

static enum status authenticate(struct app *app, struct req *r)
{
    struct principal *p = arena_alloc(r->arena, sizeof(*p));
    int64_t now = time_now_ms();
    time_month_key(now, p->month, sizeof(p->month));

    const char *key = api_bearer(r);
    if (!key)
        return ST_API_KEY_INVALID;
    unsigned char api_hash[STORE_HASH_LEN];
    hash_key(key, api_hash);

    const char *pkey = NULL;
    bool pkey_sent = false;
    if (r->route->flags & ROUTE_PROFILE) {
        enum status st = api_profile_key(r, req_header(r, "Profile-Key"), &pkey, &pkey_sent);
        if (st != ST_OK)
            return st;
        if (pkey_sent && (!pkey || !*pkey || strlen(pkey) > KEY_MAX))
            return ST_PROFILE_KEY_INVALID;
    }

    enum status st = load_principal(app, r, p, api_hash, pkey);
    if (st != ST_OK)
        return st;
    if (p->profile.deleted_ms && !(r->route->flags & ROUTE_TOMBSTONE_OK))
        return ST_PROFILE_KEY_INVALID;
    if (p->profile.suspended_ms && !p->profile.deleted_ms &&
        !(r->route->flags & ROUTE_SUSPENDED_OK))
        return ST_PROFILE_SUSPENDED;
    p->plan = config_plan(app->cfg, p->acct.plan);
    r->principal = p;

    st = api_plan_check(app->cfg, r, p);
    if (st != ST_OK)
        return st;

    struct rl_result rl;
    ratelimit_hit(app->rl, p->profile.id, now, &rl);
    if (rl.limited && rl.suspend)
        suspend_profile(app, p, now);
    st = api_ratelimit_answer(r, &rl);
    if (st != ST_OK)
        return st;

    int64_t quota = p->plan ? p->plan->monthly_quota : 0;
    bool count = !(r->route->flags & ROUTE_NO_COUNT);
    int64_t calls = 0;
    enum usage_rc urc = usage_count(app->usage, p->profile.id, p->month, quota, count, &calls);
    if (urc == USAGE_ERROR)
        return ST_INTERNAL;
    if (urc == USAGE_OVER_QUOTA) {
        char resets[32];
        time_iso_s(time_next_month_ms(now), resets, sizeof(resets));
        req_detail_str(r, "resets", resets);
        req_detail_int(r, "monthlyApiCallsQuota", quota);
        return ST_QUOTA_EXCEEDED;
    }
    p->month_calls = calls;
    return ST_OK;
}

enum status api_dispatch(void *ctx, struct req *r)
{
    struct app *app = ctx;
    /* One read snapshot for the request's reads (a write ends it first). */
    store_read_begin(app->store);
    enum status st = ST_OK;
    if (r->route->flags & ROUTE_AUTH)
        st = authenticate(app, r);
    if (st == ST_OK)
        st = r->route->handler(app, r);
    store_read_end(app->store);
    return st;
}
