/*
 * net: blocking network calls for connectors (see net.h).
 */
#include "platforms/net.h"
#include "core/metrics.h"
#include "crypto/crypto.h"
#include "platforms/client.h"
#include "util/base64.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANSWER_MAX ((size_t)4 << 20)

static const char *const rc_names[] = {"ok", "auth", "transient", "timeout", "denied", "bad"};

const char *net_rc_name(enum net_rc rc)
{
    return (unsigned)rc < sizeof(rc_names) / sizeof(rc_names[0]) ? rc_names[rc] : "bad";
}

enum net_rc net_fail(struct net *n, enum net_rc rc, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    n->rc = rc;
    n->error = arena_strdup(n->a, msg);
    return rc;
}

/* A waiter for one client request. */
struct wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    enum client_error error;
    char *error_text;
    long status;
    char *body;
    size_t len;
    int64_t retry_after_ms;
};

static void on_done(void *arg, const struct client_response *r)
{
    struct wait *w = arg;
    pthread_mutex_lock(&w->mu);
    w->error = r->error;
    w->error_text = r->error_text ? mem_strdup(r->error_text) : NULL;
    w->status = r->status;
    w->body = mem_strndup(r->body, r->body_len);
    w->len = r->body_len;
    int64_t s;
    if (r->retry_after && str_to_i64(r->retry_after, 0, 86400, &s))
        w->retry_after_ms = s * 1000;
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void release_json(void *p)
{
    json_decref(p);
}

enum net_rc net_send(struct net *n, const char *method, const char *url, const char *bearer,
                     const char *basic_user, const char *basic_pass, const char *content_type,
                     const char *body, struct net_answer *out)
{
    memset(out, 0, sizeof(*out));
    const char *headers[6];
    size_t nh = 0;
    headers[nh++] = "Accept: application/json";
    if (bearer)
        headers[nh++] = arena_printf(n->a, "Authorization: Bearer %s", bearer);
    if (basic_user) {
        char *pair = arena_printf(n->a, "%s:%s", basic_user, basic_pass ? basic_pass : "");
        size_t pl = strlen(pair);
        char *enc = arena_alloc(n->a, (pl + 2) / 3 * 4 + 1);
        base64_encode((const unsigned char *)pair, pl, enc);
        headers[nh++] = arena_printf(n->a, "Authorization: Basic %s", enc);
    }
    if (content_type)
        headers[nh++] = arena_printf(n->a, "Content-Type: %s", content_type);
    struct client_request req = {
        .method = method,
        .url = url,
        .headers = headers,
        .nheaders = nh,
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .timeout_ms = n->timeout_ms > 0 ? n->timeout_ms : 15000,
        /* The operator configures these URLs (the sandbox is on loopback). */
        .allow_private = true,
        .max_response = ANSWER_MAX,
    };
    struct wait w = {
        PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, CLIENT_OK, NULL, 0, NULL, 0, 0};
    client_submit(n->client, &req, on_done, &w);
    pthread_mutex_lock(&w.mu);
    while (!w.done)
        pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    n->retry_after_ms = w.retry_after_ms;
    enum net_rc rc = NET_OK;
    if (w.error == CLIENT_OK) {
        out->status = w.status;
        out->body = arena_strndup(n->a, w.body, w.len);
        out->len = w.len;
        out->json = json_loadb(w.body, w.len, 0, NULL);
        if (out->json)
            arena_on_free(n->a, release_json, out->json);
        n->http_status = w.status;
    } else if (w.error == CLIENT_TIMEOUT) {
        rc = net_fail(n, NET_TIMEOUT, "%s did not answer in time", n->platform);
    } else {
        rc = net_fail(n, NET_TRANSIENT, "%s: %s", n->platform,
                      w.error_text ? w.error_text : client_error_name(w.error));
    }
    int pi = n->platform ? platform_index(n->platform) : -1;
    metrics_net(pi, w.error == CLIENT_TIMEOUT ? MN_TIMEOUT
                    : w.error != CLIENT_OK    ? MN_ERROR
                    : w.status >= 500         ? MN_5XX
                    : w.status >= 400         ? MN_4XX
                    : w.status >= 300         ? MN_3XX
                                              : MN_2XX);
    free(w.error_text);
    free(w.body);
    return rc;
}

enum net_rc net_get(struct net *n, const char *url, const char *bearer, struct net_answer *out)
{
    return net_send(n, "GET", url, bearer, NULL, NULL, NULL, NULL, out);
}

enum net_rc net_post_form(struct net *n, const char *url, const char *form, const char *bearer,
                          const char *basic_user, const char *basic_pass, struct net_answer *out)
{
    return net_send(n, "POST", url, bearer, basic_user, basic_pass,
                    "application/x-www-form-urlencoded", form ? form : "", out);
}

static void encode(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            buf_putc(b, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            buf_append(b, e, 3);
        }
    }
}

void net_form_add(struct buf *b, const char *key, const char *value)
{
    if (!value)
        return;
    if (b->len)
        buf_putc(b, '&');
    encode(b, key);
    buf_putc(b, '=');
    encode(b, value);
}

char *net_url(struct arena *a, const char *base, const char *path, ...)
{
    struct buf q;
    buf_init(&q, (size_t)1 << 16);
    va_list ap;
    va_start(ap, path);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            break;
        const char *v = va_arg(ap, const char *);
        net_form_add(&q, k, v);
    }
    va_end(ap);
    char *url =
        arena_printf(a, "%s%s%s%s", base, path ? path : "", q.len ? "?" : "", q.len ? q.data : "");
    buf_free(&q);
    return url;
}

json_t *net_jget(json_t *j, const char *path)
{
    char seg[64];
    const char *p = path;
    while (j && *p) {
        size_t n = strcspn(p, ".");
        if (n >= sizeof(seg))
            return NULL;
        memcpy(seg, p, n);
        seg[n] = '\0';
        int64_t idx;
        if (json_is_array(j) && str_to_i64(seg, 0, 1000000, &idx))
            j = json_array_get(j, (size_t)idx);
        else
            j = json_is_object(j) ? json_object_get(j, seg) : NULL;
        p += n;
        if (*p == '.')
            p++;
    }
    return j;
}

const char *net_jstr(struct net *n, json_t *j, const char *path)
{
    json_t *v = net_jget(j, path);
    if (json_is_string(v))
        return arena_strdup(n->a, json_string_value(v));
    if (json_is_integer(v))
        return arena_printf(n->a, "%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return arena_printf(n->a, "%.17g", json_real_value(v));
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    return NULL;
}

int64_t net_jint(json_t *j, const char *path, int64_t dflt)
{
    json_t *v = net_jget(j, path);
    int64_t n;
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v)) {
        double d = json_real_value(v);
        /* Out-of-range (or NaN) conversion is undefined: treat it as absent. */
        if (!(d > -9.2e18 && d < 9.2e18))
            return dflt;
        return (int64_t)d;
    }
    if (json_is_string(v) && str_to_i64(json_string_value(v), INT64_MIN, INT64_MAX, &n))
        return n;
    return dflt;
}

enum net_rc net_parse_tokens(struct net *n, const struct net_answer *a, struct tokens *out)
{
    memset(out, 0, sizeof(*out));
    /* Passing trouble first: never mistaken for a dead grant. */
    if (a->status == 408 || a->status == 429 || a->status >= 500)
        return net_fail(n, NET_TRANSIENT, "%s token endpoint answered HTTP %ld", n->platform,
                        a->status);
    const char *err = a->json ? net_jstr(n, a->json, "error") : NULL;
    /* RFC 6749 §5.2: the grant (code or refresh token) is invalid, expired
     * or revoked. X says invalid_request for a dead refresh token. */
    if (err && (!strcmp(err, "invalid_grant") || !strcmp(err, "invalid_request")))
        return net_fail(n, NET_AUTH, "%s refused the grant (%s)", n->platform, err);
    /* The operator's client credentials are wrong: nothing the user did. */
    if (err && (!strcmp(err, "invalid_client") || !strcmp(err, "unauthorized_client")))
        return net_fail(n, NET_DENIED,
                        "%s refused the client credentials (%s): check its client "
                        "id and secret",
                        n->platform, err);
    /* Pinterest's envelope: {"code": n, "message": "…"}. */
    if (a->json && json_is_integer(net_jget(a->json, "code")) &&
        !net_jget(a->json, "access_token")) {
        const char *m = net_jstr(n, a->json, "message");
        bool grant = a->status == 401 || (m && strstr(m, "invalid_grant"));
        return net_fail(n, grant ? NET_AUTH : NET_BAD, "%s refused the token request (%s)",
                        n->platform, m ? m : "error");
    }
    if (a->status == 401)
        return net_fail(n, NET_AUTH, "%s token endpoint answered HTTP 401", n->platform);
    if (a->status >= 400)
        return net_fail(n, NET_BAD, "%s token endpoint answered HTTP %ld%s%s", n->platform,
                        a->status, err ? ": " : "", err ? err : "");
    json_t *at = a->json ? net_jget(a->json, "access_token") : NULL;
    const char *access = json_is_string(at) ? json_string_value(at) : NULL;
    if (!access || !*access)
        return net_fail(n, NET_BAD, "%s token endpoint answered without an access token",
                        n->platform);
    int64_t now = time_now_ms();
    out->access = access;
    /* Lifetimes come from the network: clamp them so that no answer can overflow a
     * millisecond timestamp.  Beyond ten years a lifetime means "does not expire". */
    const int64_t max_s = 10LL * 366 * 86400;
    out->refresh = net_jstr(n, a->json, "refresh_token");
    int64_t exp = net_jint(a->json, "expires_in", 0);
    out->access_expires_ms = exp > 0 && exp <= max_s ? now + exp * 1000 : 0;
    int64_t rexp = net_jint(a->json, "refresh_token_expires_in", 0);
    if (!rexp)
        rexp = net_jint(a->json, "refresh_expires_in", 0);
    int64_t rat = net_jint(a->json, "refresh_token_expires_at", 0);
    if (rat > 0 && rat <= now / 1000 + max_s)
        out->refresh_expires_ms = rat * 1000;
    else
        out->refresh_expires_ms = rexp > 0 && rexp <= max_s ? now + rexp * 1000 : 0;
    out->scopes = net_jstr(n, a->json, "scope");
    return NET_OK;
}

enum net_rc net_check(struct net *n, const struct net_answer *a, const char *what)
{
    if (a->status >= 200 && a->status < 300) {
        if (!a->json)
            return net_fail(n, NET_BAD, "%s %s answered with something that is not JSON",
                            n->platform, what);
        return NET_OK;
    }
    if (a->status == 401)
        return net_fail(n, NET_AUTH, "%s refused the token (%s: HTTP 401)", n->platform, what);
    if (a->status == 403)
        return net_fail(n, NET_DENIED, "%s refused %s (HTTP 403)", n->platform, what);
    if (a->status == 408 || a->status == 429 || a->status >= 500)
        return net_fail(n, NET_TRANSIENT, "%s %s answered HTTP %ld", n->platform, what, a->status);
    return net_fail(n, NET_BAD, "%s %s answered HTTP %ld", n->platform, what, a->status);
}

void net_pkce(struct arena *a, const char **verifier, const char **challenge)
{
    unsigned char raw[32], hash[32];
    crypto_random(raw, sizeof(raw));
    char *v = arena_alloc(a, base64url_len(sizeof(raw)) + 1);
    base64url_encode(raw, sizeof(raw), v);
    crypto_sha256(v, strlen(v), hash);
    char *c = arena_alloc(a, base64url_len(sizeof(hash)) + 1);
    base64url_encode(hash, sizeof(hash), c);
    *verifier = v;
    *challenge = c;
}
