/*
 * envelope: each network's error bodies (docs/sandbox.md "Error formats")
 * and the bearer-token check every API handler starts with.
 *
 * The shapes follow ../shared/reference/platforms.md: a connector written
 * against the sandbox must classify errors exactly as it would against the
 * real network, so each envelope keeps the real field names and codes
 * (Facebook's 190/460, LinkedIn's serviceErrorCode, Google's status words,
 * Reddit's WWW-Authenticate, Telegram's retry_after...).
 */
#include "sandbox/internal.h"
#include "util/timeutil.h"

#include <string.h>

/* ---- envelopes ---------------------------------------------------------------------- */

static const char *reason_phrase(unsigned s)
{
    switch (s) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 409:
        return "Conflict";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return s >= 500 ? "Internal Server Error" : "Error";
    }
}

enum status env_facebook(struct req *r, unsigned http, int code, int subcode, const char *type,
                         const char *message)
{
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_key(&w, "error");
    jw_obj(&w);
    jw_kstr(&w, "message", message);
    jw_kstr(&w, "type", type);
    jw_kint(&w, "code", code);
    if (subcode)
        jw_kint(&w, "error_subcode", subcode);
    jw_kstr(&w, "fbtrace_id", sbx_random_hex(r, 11));
    jw_obj_end(&w);
    jw_obj_end(&w);
    r->http_status = http;
    return ST_OK;
}

enum status env_google(struct req *r, unsigned http, const char *status, const char *message)
{
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_key(&w, "error");
    jw_obj(&w);
    jw_kint(&w, "code", http);
    jw_kstr(&w, "message", message);
    jw_kstr(&w, "status", status);
    jw_obj_end(&w);
    jw_obj_end(&w);
    r->http_status = http;
    return ST_OK;
}

static void linkedin_body(struct req *r, unsigned http, int service, const char *code,
                          const char *message)
{
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kint(&w, "status", http);
    jw_kint(&w, "serviceErrorCode", service);
    jw_kstr(&w, "code", code);
    jw_kstr(&w, "message", message);
    jw_obj_end(&w);
    r->http_status = http;
}

static void code_message(struct req *r, unsigned http, int code, const char *message)
{
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kint(&w, "code", code);
    jw_kstr(&w, "message", message);
    jw_obj_end(&w);
    r->http_status = http;
}

static void reddit_body(struct req *r, unsigned http)
{
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kstr(&w, "message", reason_phrase(http));
    jw_kint(&w, "error", http);
    jw_obj_end(&w);
    r->http_status = http;
}

static void telegram_body(struct req *r, unsigned http, const char *desc, int64_t retry_after)
{
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kbool(&w, "ok", false);
    jw_kint(&w, "error_code", http);
    jw_kstr(&w, "description", desc);
    if (retry_after >= 0) {
        jw_key(&w, "parameters");
        jw_obj(&w);
        jw_kint(&w, "retry_after", retry_after);
        jw_obj_end(&w);
    }
    jw_obj_end(&w);
    r->http_status = http;
}

enum status env_tiktok(struct req *r, unsigned http, const char *code, const char *message)
{
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_obj(&w);
    jw_obj_end(&w);
    jw_key(&w, "error");
    jw_obj(&w);
    jw_kstr(&w, "code", code);
    jw_kstr(&w, "message", message);
    jw_kstr(&w, "log_id", sbx_log_id(r));
    jw_obj_end(&w);
    jw_obj_end(&w);
    r->http_status = http;
    return ST_OK;
}

static void twitter_body(struct req *r, unsigned http, const char *title, const char *detail,
                         const char *type)
{
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kstr(&w, "title", title);
    jw_kstr(&w, "type", type);
    jw_kint(&w, "status", http);
    jw_kstr(&w, "detail", detail);
    jw_obj_end(&w);
    r->http_status = http;
}

enum status env_auth_fail(struct req *r, enum sbx_net net, enum sbx_authfail why)
{
    switch (net) {
    case NET_FACEBOOK:
    case NET_INSTAGRAM:
        if (why == AF_MISSING)
            return env_facebook(r, 400, 2500, 0, "OAuthException",
                                "An active access token must be used to query information "
                                "about the current user.");
        if (why == AF_EXPIRED)
            return env_facebook(r, 400, 190, 463, "OAuthException",
                                "Error validating access token: Session has expired.");
        if (why == AF_REVOKED)
            return env_facebook(r, 400, 190, 460, "OAuthException",
                                "Error validating access token: The session has been "
                                "invalidated because the user changed their password or "
                                "Facebook has changed the session for security reasons.");
        return env_facebook(r, 400, 190, 0, "OAuthException",
                            "Error validating access token: Invalid OAuth access token - "
                            "Cannot parse access token");
    case NET_LINKEDIN:
        if (why == AF_REVOKED)
            linkedin_body(r, 401, 65601, "REVOKED_ACCESS_TOKEN",
                          "The token used in the request has been revoked by the user");
        else if (why == AF_EXPIRED)
            linkedin_body(r, 401, 65602, "EXPIRED_ACCESS_TOKEN",
                          "The token used in the request has expired");
        else
            linkedin_body(r, 401, 65600, "INVALID_ACCESS_TOKEN", "Invalid access token");
        return ST_OK;
    case NET_GMB:
    case NET_YOUTUBE:
        req_add_header(r, "WWW-Authenticate",
                       "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"");
        return env_google(r, 401, "UNAUTHENTICATED",
                          "Request had invalid authentication credentials.");
    case NET_PINTEREST:
        code_message(r, 401, 2, "Authentication failed.");
        return ST_OK;
    case NET_REDDIT:
        req_add_header(r, "WWW-Authenticate", "Bearer realm=\"reddit\", error=\"invalid_token\"");
        reddit_body(r, 401);
        return ST_OK;
    case NET_TELEGRAM:
        telegram_body(r, 401, "Unauthorized", -1);
        return ST_OK;
    case NET_TIKTOK:
        env_tiktok(r, 401, "access_token_invalid",
                   why == AF_EXPIRED ? "The access token has expired."
                                     : "The access token is invalid or not found in the request.");
        return ST_OK;
    case NET_TWITTER:
    case NET_COUNT:
        break;
    }
    twitter_body(r, 401, "Unauthorized", "Unauthorized", "about:blank");
    return ST_OK;
}

enum status env_oauth_fail(struct req *r, enum sbx_net net, const char *error, const char *desc)
{
    struct jw w;
    switch (net) {
    case NET_FACEBOOK:
    case NET_INSTAGRAM:
        return env_facebook(r, 400, 100, 0, "OAuthException", desc);
    case NET_PINTEREST:
        code_message(r, 400, 1, error);
        return ST_OK;
    case NET_REDDIT:
        if (!strcmp(error, "invalid_client")) {
            reddit_body(r, 401);
            return ST_OK;
        }
        /* Reddit's quirk: a failed grant is HTTP 200 with an error member
         * (prawcore checks the body for that reason). */
        sbx_json(r, &w);
        jw_obj(&w);
        jw_kstr(&w, "error", error);
        jw_obj_end(&w);
        r->http_status = 200;
        return ST_OK;
    default:
        break;
    }
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kstr(&w, "error", error);
    jw_kstr(&w, "error_description", desc);
    if (net == NET_TIKTOK)
        jw_kstr(&w, "log_id", sbx_log_id(r));
    jw_obj_end(&w);
    r->http_status = 400;
    return ST_OK;
}

static const char *google_status_word(unsigned s)
{
    switch (s) {
    case 400:
        return "INVALID_ARGUMENT";
    case 401:
        return "UNAUTHENTICATED";
    case 403:
        return "PERMISSION_DENIED";
    case 404:
        return "NOT_FOUND";
    case 409:
        return "ABORTED";
    case 429:
        return "RESOURCE_EXHAUSTED";
    case 501:
        return "UNIMPLEMENTED";
    case 503:
        return "UNAVAILABLE";
    case 504:
        return "DEADLINE_EXCEEDED";
    default:
        return s >= 500 ? "INTERNAL" : "UNKNOWN";
    }
}

static const char *oauth_word(unsigned s)
{
    if (s == 429)
        return "rate_limit_exceeded";
    if (s == 401)
        return "invalid_client";
    if (s == 403)
        return "access_denied";
    if (s == 503)
        return "temporarily_unavailable";
    return s >= 500 ? "server_error" : "invalid_request";
}

static void facebook_status(struct req *r, unsigned s)
{
    if (s == 429)
        env_facebook(r, s, 4, 0, "OAuthException", "(#4) Application request limit reached");
    else if (s == 401)
        env_auth_fail(r, NET_FACEBOOK, AF_REVOKED);
    else if (s == 403)
        env_facebook(r, s, 10, 0, "OAuthException",
                     "(#10) Application does not have permission for this action");
    else if (s == 404)
        env_facebook(r, s, 803, 0, "OAuthException",
                     "(#803) Some of the aliases you requested do not exist");
    else if (s >= 500)
        env_facebook(r, s, 2, 0, "OAuthException",
                     "An unexpected error has occurred. Please retry your request later.");
    else
        env_facebook(r, s, 100, 0, "OAuthException", "(#100) Invalid parameter");
    r->http_status = s;
}

static void linkedin_status(struct req *r, unsigned s)
{
    if (s == 401)
        linkedin_body(r, s, 65600, "INVALID_ACCESS_TOKEN", "Invalid access token");
    else if (s == 403)
        linkedin_body(r, s, 100, "ACCESS_DENIED", "Not enough permissions to access this resource");
    else if (s == 429)
        linkedin_body(r, s, 101, "TOO_MANY_REQUESTS",
                      "Resource level throttle limit for calls to this resource is reached.");
    else if (s == 404)
        linkedin_body(r, s, 0, "NOT_FOUND", "Not Found");
    else if (s >= 500)
        linkedin_body(r, s, 0, s == 503 ? "SERVICE_UNAVAILABLE" : "INTERNAL_SERVER_ERROR",
                      reason_phrase(s));
    else
        linkedin_body(r, s, 0, "ILLEGAL_ARGUMENT", reason_phrase(s));
}

static const char *tiktok_word(unsigned s)
{
    if (s == 401)
        return "access_token_invalid";
    if (s == 403)
        return "scope_not_authorized";
    if (s == 429)
        return "rate_limit_exceeded";
    return s >= 500 ? "internal_error" : "invalid_params";
}

enum status env_status(struct req *r, enum sbx_net net, unsigned s, int64_t retry_after, bool oauth)
{
    if (retry_after < 0)
        retry_after = 60;
    if (s == 429) {
        req_add_header(r, "Retry-After", arena_printf(r->arena, "%lld", (long long)retry_after));
        if (net == NET_TWITTER) {
            /* X's clients read the window's end from these headers. */
            req_add_header(r, "x-rate-limit-remaining", "0");
            req_add_header(
                r, "x-rate-limit-reset",
                arena_printf(r->arena, "%lld", (long long)(time_now_ms() / 1000 + retry_after)));
        }
    }
    bool oauth_format = oauth && (net == NET_LINKEDIN || net == NET_GMB || net == NET_YOUTUBE ||
                                  net == NET_TIKTOK || net == NET_TWITTER);
    if (oauth_format) {
        struct jw w;
        sbx_json(r, &w);
        jw_obj(&w);
        jw_kstr(&w, "error", oauth_word(s));
        jw_kstr(&w, "error_description", reason_phrase(s));
        if (net == NET_TIKTOK)
            jw_kstr(&w, "log_id", sbx_log_id(r));
        jw_obj_end(&w);
        r->http_status = s;
        return ST_OK;
    }
    switch (net) {
    case NET_FACEBOOK:
    case NET_INSTAGRAM:
        facebook_status(r, s);
        break;
    case NET_LINKEDIN:
        linkedin_status(r, s);
        break;
    case NET_GMB:
    case NET_YOUTUBE:
        env_google(r, s, google_status_word(s),
                   s == 429   ? "Resource has been exhausted (e.g. check quota)."
                   : s == 503 ? "The service is currently unavailable."
                   : s >= 500 ? "Internal error encountered."
                              : reason_phrase(s));
        break;
    case NET_PINTEREST:
        code_message(r, s,
                     s == 401   ? 2
                     : s == 429 ? 8
                                : (int)s,
                     s == 401   ? "Authentication failed."
                     : s == 429 ? "You have exceeded your rate limit. Try again later."
                                : reason_phrase(s));
        break;
    case NET_REDDIT:
        reddit_body(r, s);
        break;
    case NET_TELEGRAM:
        if (s == 429)
            telegram_body(r, s,
                          arena_printf(r->arena, "Too Many Requests: retry after %lld",
                                       (long long)retry_after),
                          retry_after);
        else
            telegram_body(r, s, reason_phrase(s), -1);
        break;
    case NET_TIKTOK:
        env_tiktok(r, s, tiktok_word(s), reason_phrase(s));
        break;
    case NET_TWITTER:
    case NET_COUNT:
        twitter_body(r, s, reason_phrase(s), reason_phrase(s), "about:blank");
        break;
    }
    r->http_status = s;
    return ST_OK;
}

bool sbx_auth(struct req *r, enum sbx_net net, bool pages, struct sbx_grant *g)
{
    memset(g, 0, sizeof(*g)); /* kind TK_CODE until a token is found */
    const char *token = sbx_bearer(r, net);
    if (!token) {
        env_auth_fail(r, net, AF_MISSING);
        return false;
    }
    enum sbx_tokerr rc = state_token_check(net, token, g);
    bool kind_ok = g->kind == TK_ACCESS || (pages && g->kind == TK_PAGE);
    if (rc == TE_OK && kind_ok)
        return true;
    enum sbx_authfail why = AF_INVALID;
    if (rc == TE_EXPIRED && kind_ok)
        why = AF_EXPIRED;
    else if (rc == TE_REVOKED && kind_ok)
        why = AF_REVOKED;
    env_auth_fail(r, net, why);
    return false;
}
