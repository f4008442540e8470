/*
 * link_api: the linking endpoints of the API (SPEC §6) —
 * POST /api/profiles/generateJWT, POST /api/profiles/link-sessions and
 * POST /api/profiles/social (import a token).
 */
#include "api/fields.h"
#include "api/link.h"
#include "render/render.h"
#include "core/log.h"
#include "core/offload.h"
#include "crypto/crypto.h"
#include "crypto/linktoken.h"
#include "http/server.h"
#include "ops/linked.h"
#include "ops/ops.h"
#include "platforms/names.h"
#include "store/accounts.h"
#include "store/linked.h"
#include "store/linking.h"
#include "store/profiles.h"
#include "util/base64.h"
#include "util/jsonw.h"
#include "util/timeutil.h"
#include "util/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOMAIN_MAX      200
#define PRIVATE_KEY_MAX 16384
#define TOKEN_MAX       8192 /* an imported access or refresh token */
#define GC_AGE_MS       (24 * 3600 * 1000LL)

bool link_session_hash(const char *secret, char out[LINK_HASH_LEN + 1])
{
    if (!secret || strlen(secret) != LINK_SECRET_LEN)
        return false;
    for (const char *c = secret; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_'))
            return false;
    unsigned char h[CRYPTO_SHA256_LEN];
    crypto_sha256(secret, LINK_SECRET_LEN, h);
    crypto_hex(h, sizeof(h), out);
    return true;
}

enum store_rc link_session_create(struct app *app, int64_t account_id, int64_t profile_id,
                                  unsigned allowed_mask, const char *redirect, const char *via,
                                  const char *public_key, int64_t expires_ms,
                                  char secret[LINK_SECRET_LEN + 1])
{
    unsigned char raw[32];
    crypto_random(raw, sizeof(raw));
    base64url_encode(raw, sizeof(raw), secret);
    struct link_session s = {
        .account_id = account_id,
        .profile_id = profile_id,
        .allowed_mask = allowed_mask,
        .redirect = redirect,
        .via = via,
        .created_ms = time_now_ms(),
        .expires_ms = expires_ms,
        .public_key = public_key,
    };
    link_session_hash(secret, s.id);
    store_link_gc(app->store, s.created_ms - GC_AGE_MS);
    return store_link_session_add(app->store, &s);
}

/* ---- the common body of generateJWT and link-sessions ---- */

struct link_request {
    unsigned allowed; /* networks the page may offer */
    const char *redirect;
    int64_t minutes;
};

/* allowedSocial[]: every network sociald links, when absent. Networks
 * Ayrshare offers and sociald does not (bluesky, ...) are ignored, so a
 * client's existing list works unchanged. */
static void read_allowed(struct fields *f, unsigned *mask)
{
    *mask = (1u << PLATFORM_COUNT) - 1;
    json_t *v = json_object_get(f->obj, "allowedSocial");
    if (!v || json_is_null(v))
        return;
    if (!json_is_array(v) || json_array_size(v) > 32) {
        fields_fail(f, "allowedSocial", "must be an array of network names");
        return;
    }
    unsigned m = 0;
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        const char *s = json_string_value(e);
        int idx = s ? platform_index(s) : -1;
        if (idx >= 0)
            m |= 1u << idx;
        else if (!s || !platform_known_elsewhere(s)) {
            fields_fail(f, "allowedSocial",
                        "must list networks among facebook, gmb, instagram, linkedin, pinterest, "
                        "reddit, telegram, tiktok, twitter, youtube");
            return;
        }
    }
    *mask = m;
}

static void read_link_request(struct fields *f, struct link_request *lr)
{
    read_allowed(f, &lr->allowed);
    lr->redirect = NULL;
    if (fields_str(f, "redirect", 1, 2048, true, &lr->redirect) && lr->redirect) {
        struct url u;
        const char *why = NULL;
        if (!url_parse(f->r->arena, lr->redirect, &u, &why)) {
            fields_fail(f, "redirect", why);
            lr->redirect = NULL;
        }
    }
    lr->minutes = LINK_MINUTES_DEFAULT;
    double d;
    if (fields_number(f, "expiresIn", &d)) {
        if (!(d >= 1 && d <= LINK_MINUTES_MAX) || d != (double)(int64_t)d)
            fields_fail(f, "expiresIn", "must be a whole number of minutes from 1 to 2880");
        else
            lr->minutes = (int64_t)d;
    }
}

static const char *profile_title(const struct profile *p)
{
    return p->is_primary ? "Primary Profile" : p->title;
}

/* The profile the linking URL is for: a Profile-Key is required. */
static enum status need_profile_key(struct req *r, const struct principal *p)
{
    if (!p->via_profile_key)
        return req_fail(r, ST_BAD_PARAM, "profileKey",
                        "is required: send the Profile-Key header (or profileKey in the body) of "
                        "the user profile to link");
    return ST_OK;
}

/* The private key's text: PEM as sent, or base64 of the PEM. */
static const char *private_pem(struct req *r, const char *key, bool b64)
{
    if (!b64)
        return key;
    size_t n = strlen(key), k = 0;
    char *compact = arena_alloc(r->arena, n + 1);
    for (size_t i = 0; i < n; i++)
        if (key[i] != '\n' && key[i] != '\r' && key[i] != ' ')
            compact[k++] = key[i];
    compact[k] = '\0';
    unsigned char *out = arena_alloc(r->arena, k + 1);
    size_t len = 0;
    if (!base64_decode(compact, out, k, &len) || memchr(out, 0, len))
        return NULL;
    out[len] = '\0';
    return (const char *)out;
}

enum status api_link_generate_jwt(struct app *app, struct req *r)
{
    struct principal *p = api_principal(r);
    enum status st = need_profile_key(r, p);
    if (st != ST_OK)
        return st;
    struct fields f;
    fields_init(&f, r);
    const char *domain = NULL, *key = NULL;
    if (!fields_str(&f, "domain", 1, DOMAIN_MAX, false, &domain) && !fields_has(&f, "domain"))
        fields_fail(&f, "domain", "is required");
    bool b64 = false, logout = false;
    fields_str(&f, "privateKey", 1, PRIVATE_KEY_MAX, true, &key);
    fields_bool(&f, "base64", &b64);
    fields_bool(&f, "logout", &logout);
    struct link_request lr;
    read_link_request(&f, &lr);
    st = fields_done(&f);
    if (st != ST_OK)
        return st;

    /* pem: the private key, only ever in this request's memory. pub: the
     * public key the token will be verified with; derived: the same when it
     * comes from pem, kept with the session (SPEC §6). */
    const char *pem = NULL, *pub = NULL, *derived = NULL;
    if (key) {
        pem = private_pem(r, key, b64);
        if (!pem || store_account_public_key(app->store, r->arena, p->acct.id, &pub) == STORE_ERROR)
            return pem ? ST_INTERNAL : ST_PRIVATE_KEY_INVALID;
        enum rsa_check rc = linktoken_rsa_check(pem, pub);
        if (rc == RSA_CHECK_BAD_KEY)
            return ST_PRIVATE_KEY_INVALID;
        if (rc == RSA_CHECK_MISMATCH) {
            r->err_message = "The privateKey does not match the public key registered for this "
                             "account. Send the matching key, or register its public key with "
                             "`sociald account set-public-key`.";
            return ST_PRIVATE_KEY_INVALID;
        }
        if (!pub) {
            char *d = linktoken_rsa_public(pem);
            if (!d)
                return ST_PRIVATE_KEY_INVALID;
            pub = derived = arena_strdup(r->arena, d);
            free(d);
        }
    }

    int64_t now = time_now_ms();
    char secret[LINK_SECRET_LEN + 1];
    enum store_rc src = link_session_create(app, p->acct.id, p->profile.id, lr.allowed, lr.redirect,
                                            "jwt", derived, now + lr.minutes * 60000, secret);
    if (src != STORE_OK)
        return ST_INTERNAL;
    struct link_claims c = {.iat = now / 1000, .exp = now / 1000 + lr.minutes * 60};
    snprintf(c.sub, sizeof(c.sub), "%s", p->profile.ref_id);
    snprintf(c.iss, sizeof(c.iss), "%s", domain);
    snprintf(c.aud, sizeof(c.aud), "%s", app->cfg->public_url);
    snprintf(c.jti, sizeof(c.jti), "%s", secret);
    char *token = pem ? linktoken_sign_rs256(pem, &c) : linktoken_sign_hs256(app->jwt_key, &c);
    if (!token)
        return pem ? ST_PRIVATE_KEY_INVALID : ST_INTERNAL;
    /* A key whose private part does not fit its public part parses but signs
     * tokens nothing verifies: refuse it rather than answer a dead URL. */
    struct link_claims check;
    if (pem && linktoken_verify_rs256(token, pub, now / 1000, &check) != LINKTOKEN_OK) {
        free(token);
        return ST_PRIVATE_KEY_INVALID;
    }
    const char *t = arena_strdup(r->arena, token);
    free(token);
    /* Only once the new URL is known to work. */
    if (logout) {
        char h[LINK_HASH_LEN + 1];
        link_session_hash(secret, h);
        if (store_link_session_revoke_others(app->store, p->profile.id, h, now) != STORE_OK)
            return ST_INTERNAL;
    }

    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "status", "success");
    jw_kstr(&w, "title", profile_title(&p->profile));
    jw_kstr(&w, "token", t);
    jw_kstr(&w, "url", arena_printf(r->arena, "%s/link?jwt=%s", app->cfg->public_url, t));
    jw_kstr(&w, "expiresIn", arena_printf(r->arena, "%lldm", (long long)lr.minutes));
    jw_obj_end(&w);
    return ST_OK;
}

enum status api_link_sessions_create(struct app *app, struct req *r)
{
    struct principal *p = api_principal(r);
    enum status st = need_profile_key(r, p);
    if (st != ST_OK)
        return st;
    struct fields f;
    fields_init(&f, r);
    struct link_request lr;
    read_link_request(&f, &lr);
    st = fields_done(&f);
    if (st != ST_OK)
        return st;
    int64_t expires = time_now_ms() + lr.minutes * 60000;
    char secret[LINK_SECRET_LEN + 1];
    if (link_session_create(app, p->acct.id, p->profile.id, lr.allowed, lr.redirect, "session",
                            NULL, expires, secret) != STORE_OK)
        return ST_INTERNAL;
    char ts[32];
    time_iso_ms(expires, ts, sizeof(ts));
    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "status", "success");
    jw_kstr(&w, "sessionId", secret);
    jw_kstr(&w, "url", arena_printf(r->arena, "%s/link/s/%s", app->cfg->public_url, secret));
    jw_kstr(&w, "expiresAt", ts);
    jw_kstr(&w, "title", profile_title(&p->profile));
    jw_obj_end(&w);
    return ST_OK;
}

/* ---- import ---- */

struct import {
    struct app *app;
    struct req *r;
    struct profile profile;
    int idx;
    struct tokens t;
    const char *account_id;
};

/* api_net_status, with messages that speak of an imported token. */
static enum status net_status(struct req *r, const struct net *n, enum net_rc rc)
{
    if (rc == NET_AUTH)
        r->err_message = "The network refused this token. Send a valid, unexpired token.";
    else if (rc == NET_DENIED)
        r->err_message = "The network accepted the token but it cannot link an account (a "
                         "permission or scope is missing, or there is nothing to link). See "
                         "details.";
    return api_net_status(r, n, rc);
}

static bool identity_is(const struct identity *id, const char *want)
{
    if (id->disp.network_id && !strcmp(id->disp.network_id, want))
        return true;
    /* Networks without a public id (GBP locations): the ids in extra. */
    if (id->extra) {
        json_t *o = json_loads(id->extra, 0, NULL);
        bool hit = false;
        const char *k;
        json_t *v;
        json_object_foreach(o, k, v) if (json_is_string(v) && !strcmp(json_string_value(v), want))
            hit = true;
        json_decref(o);
        return hit;
    }
    return false;
}

static void import_run(void *arg)
{
    struct import *im = arg;
    struct req *r = im->r;
    struct app *app = im->app;
    struct net n;
    enum status st = ST_OK;
    const struct platform *pf = platform_at(im->idx);
    if (!ops_linked_net(app, r->arena, im->profile.account_id, im->idx, &n)) {
        st = req_fail(r, ST_BAD_PARAM, "platform",
                      "is not configured on this server (no client credentials)");
        goto out;
    }
    struct identity *ids = NULL;
    size_t count = 0;
    enum net_rc rc = pf->identities(&n, &im->t, &ids, &count);
    if (rc != NET_OK) {
        st = net_status(r, &n, rc);
        goto out;
    }
    const struct identity *pick = count == 1 && !im->account_id ? &ids[0] : NULL;
    for (size_t i = 0; i < count && im->account_id && !pick; i++)
        if (identity_is(&ids[i], im->account_id))
            pick = &ids[i];
    if (!pick) {
        json_t *list = json_array();
        for (size_t i = 0; i < count; i++)
            json_array_append_new(
                list, json_pack("{s:s?,s:s?}", "id", ids[i].disp.network_id, "name",
                                ids[i].label ? ids[i].label : ids[i].disp.display_name));
        st = req_fail(r, ST_BAD_PARAM, "accountId",
                      im->account_id ? "is not one of the accounts this token can link"
                                     : "is required: this token can link several accounts");
        json_object_set_new(r->err_details, "accounts", list);
        goto out;
    }
    if (ops_link(app, r->arena, &im->profile, im->idx, pick, &im->t) != STORE_OK) {
        st = ST_INTERNAL;
        goto out;
    }
    struct linked_account *la = NULL;
    size_t nla = 0;
    if (store_linked_list(app->store, r->arena, im->profile.id, &la, &nla) != STORE_OK) {
        st = ST_INTERNAL;
        goto out;
    }
    const char *name = platform_name(im->idx);
    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "status", "success");
    jw_kstr(&w, "platform", name);
    jw_kstr(&w, "refId", im->profile.ref_id);
    for (size_t i = 0; i < nla; i++)
        if (!strcmp(la[i].platform, name)) {
            jw_key(&w, "displayNames");
            render_display_name(&w, &la[i], time_now_ms());
        }
    jw_obj_end(&w);
out:
    req_resume(r, st);
}

enum status api_link_import(struct app *app, struct req *r)
{
    struct principal *p = api_principal(r);
    struct fields f;
    fields_init(&f, r);
    const char *platform = NULL, *access = NULL, *refresh = NULL, *account = NULL;
    if (!fields_str(&f, "platform", 1, 32, false, &platform) && !fields_has(&f, "platform"))
        fields_fail(&f, "platform", "is required");
    if (!fields_str(&f, "accessToken", 1, TOKEN_MAX, false, &access) &&
        !fields_has(&f, "accessToken"))
        fields_fail(&f, "accessToken", "is required");
    fields_str(&f, "refreshToken", 1, TOKEN_MAX, true, &refresh);
    fields_str(&f, "accountId", 1, 200, true, &account);
    double exp = 0;
    if (fields_number(&f, "expiresIn", &exp) &&
        (!(exp >= 1 && exp <= 10 * 365 * 86400.0) || exp != (double)(int64_t)exp))
        fields_fail(&f, "expiresIn", "must be a whole number of seconds from 1 to 10 years");
    int idx = platform ? platform_index(platform) : -1;
    if (platform && idx < 0)
        fields_fail(&f, "platform",
                    "must be one of facebook, gmb, instagram, linkedin, pinterest, reddit, "
                    "telegram, tiktok, twitter, youtube");
    /* A chat's name or id is no credential: whoever knows it could link any
     * chat the bot administers. Only the linking page, with its code posted
     * in the chat, links one (api/link_telegram.c). */
    else if (idx >= 0 && !strcmp(platform_name(idx), "telegram"))
        fields_fail(&f, "platform",
                    "cannot be imported: link a Telegram chat on the linking page, which has an "
                    "administrator post a one-time code in it");
    enum status st = fields_done(&f);
    if (st != ST_OK)
        return st;
    if (p->profile.deleted_ms)
        return ST_PROFILE_KEY_INVALID;

    struct import *im = arena_alloc(r->arena, sizeof(*im));
    memset(im, 0, sizeof(*im));
    im->app = app;
    im->r = r;
    im->profile = p->profile;
    im->idx = idx;
    im->account_id = account;
    im->t.access = access;
    im->t.refresh = refresh;
    if (exp > 0)
        im->t.access_expires_ms = time_now_ms() + (int64_t)exp * 1000;
    /* Queued first: at shutdown nothing is queued and the answer is 651.
     * The task may finish before req_suspend; the HTTP layer handles that. */
    if (!offload_run(app->offload, import_run, im))
        return ST_UNAVAILABLE;
    req_suspend(r);
    return ST_OK;
}
