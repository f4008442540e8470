/*
 * token: the token endpoints and revocation of every OAuth network
 * (docs/sandbox.md "Token endpoints").
 *
 * A code exchange checks, in this order: client authentication as the
 * network takes it (form, HTTP Basic, or the Graph's query), that the code
 * exists, is unused and unexpired, that redirect_uri and the client id match
 * the authorization, and PKCE (S256 or plain) when a challenge was sent.
 * The code is spent only once every check passed, so a client that got one
 * detail wrong can retry with the same code, as with the real providers.
 *
 * Refresh rules differ per network and are the point of the sandbox:
 * TikTok, X and Pinterest rotate (the old refresh token dies; Pinterest's
 * new one gets a fresh 60 days, TikTok's a fresh lifetime), LinkedIn keeps
 * its refresh token and counts its lifetime down from the first consent,
 * Reddit and Google keep theirs (Google does not even send it again).
 */
#include "sandbox/internal.h"
#include "crypto/crypto.h"
#include "util/base64.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <string.h>

struct rules {
    int64_t access_s;  /* default access token lifetime */
    int64_t refresh_s; /* default refresh token lifetime; -1: never expires */
    bool rotate;       /* a refresh returns a new refresh token and kills the old */
    bool basic;        /* clients authenticate with HTTP Basic */
    bool countdown;    /* the refresh lifetime counts from the first consent */
};

static const struct rules rules[NET_COUNT] = {
    [NET_FACEBOOK] = {3600, -1, false, false, false},
    [NET_INSTAGRAM] = {3600, -1, false, false, false},
    [NET_LINKEDIN] = {5184000, 31536000, false, false, true},
    [NET_GMB] = {3599, -1, false, false, false},
    [NET_YOUTUBE] = {3599, -1, false, false, false},
    [NET_PINTEREST] = {2592000, 5184000, true, true, false},
    [NET_REDDIT] = {3600, -1, false, true, false},
    [NET_TELEGRAM] = {0, -1, false, false, false},
    [NET_TIKTOK] = {7200, 15552000, true, false, false},
    [NET_TWITTER] = {7200, -1, true, true, false},
};

#define FB_LONG_LIVED_S 5183944

static bool pkce_ok(const struct sbx_grant *g, const char *verifier)
{
    if (!g->challenge[0])
        return true;
    if (!verifier)
        return false;
    if (g->challenge_plain)
        return !strcmp(verifier, g->challenge);
    unsigned char h[CRYPTO_SHA256_LEN];
    char enc[64];
    crypto_sha256(verifier, strlen(verifier), h);
    base64url_encode(h, sizeof(h), enc);
    return !strcmp(enc, g->challenge);
}

/* A refused grant, worded as each network words it. */
static enum status grant_fail(struct req *r, enum sbx_net net, const char *desc)
{
    if (net == NET_TWITTER)
        return env_oauth_fail(r, net, "invalid_request", "Value passed for the token was invalid.");
    return env_oauth_fail(r, net, "invalid_grant", desc);
}

/* Finds the client's credentials; returns why they are unacceptable, or NULL. */
static const char *client_auth(struct req *r, enum sbx_net net, const struct sbx_form *f,
                               const char **id, const char **secret)
{
    *id = *secret = NULL;
    if (sbx_basic_auth(r, id, secret))
        return NULL;
    if (rules[net].basic && net != NET_TWITTER)
        return "Client authentication failed: send HTTP Basic client_id:client_secret.";
    *id = sbx_form_get(f, net == NET_TIKTOK ? "client_key" : "client_id");
    *secret = sbx_form_get(f, "client_secret");
    if (!*id || !**id)
        return net == NET_TWITTER ? "Missing valid authorization header"
                                  : "Client authentication failed: missing client id.";
    /* X's public clients send only client_id (PKCE stands in for a secret). */
    if (net != NET_TWITTER && (!*secret || !**secret))
        return "Client authentication failed: missing client_secret.";
    return NULL;
}

/* Seconds left, rounded up: a token issued a millisecond ago still reports
 * its whole lifetime. */
static int64_t remaining_s(int64_t expires_ms)
{
    int64_t left = (expires_ms - time_now_ms() + 999) / 1000;
    return left > 0 ? left : 0;
}

/* Writes the network's success body. rt is NULL when no refresh token is
 * sent; rt_expires_ms 0 when it never expires. */
static enum status success(struct req *r, enum sbx_net net, const struct sbx_grant *g,
                           const char *at, int64_t at_ttl, const char *rt, int64_t rt_expires_ms,
                           bool refreshed)
{
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    if (net == NET_TIKTOK) {
        char open_id[37];
        ident_uuid(NET_TIKTOK, g->login, NULL, open_id);
        jw_kstr(&w, "open_id", open_id);
        jw_kstr(&w, "scope", g->scope);
    }
    if (net == NET_TWITTER) {
        jw_kstr(&w, "token_type", "bearer");
        jw_kint(&w, "expires_in", at_ttl);
    }
    jw_kstr(&w, "access_token", at);
    if (net != NET_TWITTER)
        jw_kint(&w, "expires_in", at_ttl);
    if (net == NET_PINTEREST || net == NET_REDDIT)
        jw_kstr(&w, "token_type", "bearer");
    if (net == NET_PINTEREST) {
        jw_kstr(&w, "scope", g->scope);
        jw_kstr(&w, "response_type", refreshed ? "refresh_token" : "authorization_code");
    }
    if (rt)
        jw_kstr(&w, "refresh_token", rt);
    if (net == NET_LINKEDIN || net == NET_PINTEREST)
        jw_kint(&w, "refresh_token_expires_in", remaining_s(rt_expires_ms));
    if (net == NET_PINTEREST)
        jw_kint(&w, "refresh_token_expires_at", rt_expires_ms / 1000);
    if (net == NET_TIKTOK) {
        jw_kint(&w, "refresh_expires_in", remaining_s(rt_expires_ms));
        jw_kstr(&w, "token_type", "Bearer");
    }
    if (net == NET_LINKEDIN || net == NET_GMB || net == NET_YOUTUBE || net == NET_REDDIT ||
        net == NET_TWITTER)
        jw_kstr(&w, "scope", g->scope);
    if (net == NET_GMB || net == NET_YOUTUBE)
        jw_kstr(&w, "token_type", "Bearer");
    jw_obj_end(&w);
    req_add_header(r, "Cache-Control", "no-store");
    return ST_OK;
}

/* Issues a refresh token for g with the network's (or the overridden)
 * lifetime; writes it into rt and returns its expiry (0: never). */
static int64_t issue_refresh(struct sbx_grant *g, char rt[SBX_TOKEN_MAX + 1])
{
    int64_t ttl = state_ttl(g->net, TK_REFRESH, rules[g->net].refresh_s);
    g->kind = TK_REFRESH;
    g->deadline_ms = ttl >= 0 ? time_now_ms() + ttl * 1000 : 0;
    state_token_issue(g, ttl, rt);
    return g->deadline_ms;
}

static enum status exchange_code(struct req *r, enum sbx_net net, const struct sbx_form *f,
                                 const char *client_id)
{
    const char *code = sbx_form_get(f, "code");
    if (!code || !*code)
        return env_oauth_fail(r, net, "invalid_request", "Missing required parameter: code.");
    struct sbx_grant g;
    enum sbx_tokerr rc = state_code_get(net, code, &g);
    if (rc == TE_USED)
        return grant_fail(r, net, "The authorization code has already been used.");
    if (rc == TE_EXPIRED)
        return grant_fail(r, net, "The authorization code has expired.");
    if (rc != TE_OK)
        return grant_fail(r, net,
                          net == NET_GMB || net == NET_YOUTUBE
                              ? "Malformed auth code."
                              : "The authorization code is invalid.");
    const char *redirect = sbx_form_get(f, "redirect_uri");
    if (!redirect || strcmp(redirect, g.redirect_uri)) {
        if (net == NET_GMB || net == NET_YOUTUBE)
            return env_oauth_fail(r, net, "redirect_uri_mismatch", "Bad Request");
        return grant_fail(r, net, "The redirect_uri does not match the authorization request.");
    }
    if (strcmp(client_id, g.client_id))
        return grant_fail(r, net, "The authorization code was issued to another client.");
    const char *verifier = sbx_form_get(f, "code_verifier");
    if (!pkce_ok(&g, verifier))
        return grant_fail(r, net, verifier ? "Invalid code verifier." : "Missing code verifier.");
    if (!state_code_consume(code))
        return grant_fail(r, net, "The authorization code has already been used.");

    char at[SBX_TOKEN_MAX + 1], rt[SBX_TOKEN_MAX + 1];
    int64_t at_ttl = state_ttl(net, TK_ACCESS, rules[net].access_s);
    g.kind = TK_ACCESS;
    g.challenge[0] = '\0';
    state_token_issue(&g, at_ttl, at);
    int64_t rt_exp = issue_refresh(&g, rt);
    return success(r, net, &g, at, at_ttl, rt, rt_exp, false);
}

static enum status refresh(struct req *r, enum sbx_net net, const struct sbx_form *f,
                           const char *client_id)
{
    const char *old = sbx_form_get(f, "refresh_token");
    if (!old || !*old)
        return env_oauth_fail(r, net, "invalid_request",
                              "Missing required parameter: refresh_token.");
    struct sbx_grant g;
    enum sbx_tokerr rc = state_token_check(net, old, &g);
    const char *why = net == NET_GMB || net == NET_YOUTUBE
                          ? "Token has been expired or revoked."
                          : "The refresh token is invalid, expired or revoked.";
    if (rc != TE_OK || g.kind != TK_REFRESH || strcmp(client_id, g.client_id))
        return grant_fail(r, net, why);
    if (rules[net].rotate && !state_token_retire(old))
        return grant_fail(r, net, why); /* another refresh spent it first */

    char at[SBX_TOKEN_MAX + 1], rt[SBX_TOKEN_MAX + 1];
    int64_t at_ttl = state_ttl(net, TK_ACCESS, rules[net].access_s);
    struct sbx_grant a = g;
    a.kind = TK_ACCESS;
    a.deadline_ms = 0;
    state_token_issue(&a, at_ttl, at);
    if (rules[net].rotate) {
        int64_t rt_exp = issue_refresh(&g, rt);
        return success(r, net, &g, at, at_ttl, rt, rt_exp, true);
    }
    /* Google sends no refresh token on a refresh; LinkedIn and Reddit send
     * the same one, LinkedIn with what is left of its first lifetime. */
    bool resend = net != NET_GMB && net != NET_YOUTUBE;
    return success(r, net, &g, at, at_ttl, resend ? old : NULL,
                   rules[net].countdown ? g.deadline_ms : g.expires_ms, true);
}

enum status sbx_token_exchange(struct app *app, struct req *r)
{
    (void)app;
    enum sbx_net net = (enum sbx_net)sbx_net_of_path(r->path);
    struct sbx_form f;
    sbx_form_parse(r, &f);
    const char *id, *secret;
    const char *why = client_auth(r, net, &f, &id, &secret);
    if (why)
        return env_oauth_fail(r, net, net == NET_TWITTER ? "unauthorized_client" : "invalid_client",
                              why);
    const char *gt = sbx_form_get(&f, "grant_type");
    if (!gt || !*gt)
        return env_oauth_fail(r, net, "invalid_request", "Missing required parameter: grant_type.");
    if (!strcmp(gt, "authorization_code"))
        return exchange_code(r, net, &f, id);
    if (!strcmp(gt, "refresh_token"))
        return refresh(r, net, &f, id);
    return env_oauth_fail(r, net, "unsupported_grant_type",
                          "grant_type must be authorization_code or refresh_token.");
}

/* ---- Facebook and Instagram: GET {graph}/oauth/access_token ------------------------- */

static enum status graph_long_lived(struct req *r, enum sbx_net net, const char *client_id)
{
    const char *short_token = req_query(r, "fb_exchange_token");
    if (!short_token || !*short_token)
        return env_facebook(r, 400, 100, 0, "OAuthException",
                            "(#100) Missing parameter fb_exchange_token");
    struct sbx_grant g;
    enum sbx_tokerr rc = state_token_check(net, short_token, &g);
    bool user = g.kind == TK_ACCESS;
    if (rc != TE_OK || !user)
        return env_auth_fail(r, net,
                             !user || rc == TE_UNKNOWN || rc == TE_WRONG_NET ? AF_INVALID
                             : rc == TE_EXPIRED                              ? AF_EXPIRED
                                                                             : AF_REVOKED);
    if (strcmp(client_id, g.client_id))
        return env_facebook(r, 400, 100, 0, "OAuthException",
                            "Error validating application. The token belongs to another app.");
    char at[SBX_TOKEN_MAX + 1];
    int64_t ttl = state_ttl(net, TK_ACCESS, FB_LONG_LIVED_S);
    state_token_issue(&g, ttl, at);
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kstr(&w, "access_token", at);
    jw_kstr(&w, "token_type", "bearer");
    jw_kint(&w, "expires_in", ttl);
    jw_obj_end(&w);
    return ST_OK;
}

enum status sbx_token_graph(struct app *app, struct req *r)
{
    (void)app;
    enum sbx_net net = (enum sbx_net)sbx_net_of_path(r->path);
    const char *client_id = req_query(r, "client_id");
    const char *secret = req_query(r, "client_secret");
    if (!client_id || !*client_id)
        return env_facebook(r, 400, 101, 0, "OAuthException", "Missing client_id parameter.");
    if (!secret || !*secret)
        return env_facebook(r, 400, 1, 0, "OAuthException", "Missing client_secret parameter.");
    const char *gt = req_query(r, "grant_type");
    if (gt && !strcmp(gt, "fb_exchange_token"))
        return graph_long_lived(r, net, client_id);

    const char *code = req_query(r, "code");
    struct sbx_grant g;
    enum sbx_tokerr rc = code ? state_code_get(net, code, &g) : TE_UNKNOWN;
    if (rc == TE_USED)
        return env_facebook(r, 400, 100, 36009, "OAuthException",
                            "This authorization code has been used.");
    if (rc == TE_EXPIRED)
        return env_facebook(r, 400, 100, 36007, "OAuthException",
                            "This authorization code has expired.");
    if (rc != TE_OK)
        return env_facebook(r, 400, 100, 36010, "OAuthException",
                            "Invalid verification code format.");
    const char *redirect = req_query(r, "redirect_uri");
    if (!redirect || strcmp(redirect, g.redirect_uri))
        return env_facebook(r, 400, 100, 36008, "OAuthException",
                            "Error validating verification code. Please make sure your "
                            "redirect_uri is identical to the one you used in the OAuth dialog "
                            "request");
    if (strcmp(client_id, g.client_id))
        return env_facebook(r, 400, 100, 0, "OAuthException",
                            "Error validating verification code: it was issued to another app.");
    if (!pkce_ok(&g, req_query(r, "code_verifier")))
        return env_facebook(r, 400, 100, 0, "OAuthException", "Invalid code verifier.");
    if (!state_code_consume(code))
        return env_facebook(r, 400, 100, 36009, "OAuthException",
                            "This authorization code has been used.");
    char at[SBX_TOKEN_MAX + 1];
    int64_t ttl = state_ttl(net, TK_ACCESS, rules[net].access_s);
    g.kind = TK_ACCESS;
    g.challenge[0] = '\0';
    state_token_issue(&g, ttl, at);
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kstr(&w, "access_token", at);
    jw_kstr(&w, "token_type", "bearer");
    jw_kint(&w, "expires_in", ttl);
    jw_obj_end(&w);
    return ST_OK;
}

/* DELETE {graph}/me/permissions: the user removes the app, and with it every
 * token the app holds for them, page tokens included. */
enum status sbx_token_graph_revoke(struct app *app, struct req *r)
{
    (void)app;
    enum sbx_net net = (enum sbx_net)sbx_net_of_path(r->path);
    struct sbx_grant g;
    if (!sbx_auth(r, net, false, &g))
        return ST_OK;
    state_revoke_login(net, g.login, g.client_id);
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kbool(&w, "success", true);
    jw_obj_end(&w);
    return ST_OK;
}

/* ---- revocation --------------------------------------------------------------------- */

enum status sbx_token_revoke(struct app *app, struct req *r)
{
    (void)app;
    enum sbx_net net = (enum sbx_net)sbx_net_of_path(r->path);
    struct sbx_form f;
    sbx_form_parse(r, &f);
    const char *token = sbx_param(r, &f, "token");
    if (!token)
        return env_oauth_fail(r, net, "invalid_request", "Missing required parameter: token.");
    struct sbx_grant g;
    enum sbx_tokerr rc = state_token_check(net, token, &g);
    struct jw w;
    switch (net) {
    case NET_GMB:
    case NET_YOUTUBE:
        /* Google revokes the whole grant: the refresh token and its access
         * tokens die together. An unknown or dead token is an error. */
        if (rc != TE_OK)
            return env_oauth_fail(r, net, "invalid_token", "Token expired or revoked");
        state_token_revoke(net, token, true);
        buf_puts(&r->out, "{}");
        return ST_OK;
    case NET_REDDIT:
        /* Revoking a refresh token also revokes its access tokens (RFC 7009
         * answers 204 whether or not the token was known). */
        if (rc != TE_UNKNOWN && rc != TE_WRONG_NET)
            state_token_revoke(net, token, g.kind == TK_REFRESH);
        r->http_status = 204;
        r->content_type = "text/plain; charset=utf-8";
        return ST_OK;
    case NET_TIKTOK:
        /* TikTok's revoke ends the user's authorization of the app. */
        if (rc != TE_UNKNOWN && rc != TE_WRONG_NET)
            state_token_revoke(net, token, true);
        buf_puts(&r->out, "{}");
        return ST_OK;
    case NET_TWITTER:
        state_token_revoke(net, token, false);
        sbx_json(r, &w);
        jw_obj(&w);
        jw_kbool(&w, "revoked", true);
        jw_obj_end(&w);
        return ST_OK;
    default:
        state_token_revoke(net, token, false);
        r->content_type = "text/plain; charset=utf-8";
        return ST_OK;
    }
}
