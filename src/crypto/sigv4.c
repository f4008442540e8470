/*
 * sigv4: AWS Signature Version 4 (see sigv4.h).
 *
 * The canonical request is
 *     method \n canonical URI \n canonical query \n canonical headers \n
 *     signed headers \n payload hash
 * where each canonical header is "name:value\n" (so the block ends with a
 * blank line); the string to sign is
 *     AWS4-HMAC-SHA256 \n x-amz-date \n date8/region/service/aws4_request \n
 *     hex(SHA-256(canonical request))
 * and the signature hex(HMAC-SHA256(signing key, string to sign)).
 */
#include "crypto/sigv4.h"
#include "crypto/crypto.h"
#include "util/timeutil.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALGORITHM "AWS4-HMAC-SHA256"
/* The canonical request and the URL: what the inputs' caps allow (16
 * parameters of 1024 bytes each way, encoded, and a token) fits. */
#define WORK_MAX   (256 * 1024)
#define METHOD_MAX 16
/* access-key/date8/region/service/aws4_request */
#define SCOPE_MAX (SIGV4_ACCESS_KEY_MAX + 2 * SIGV4_LABEL_MAX + 32)

/* ---- character classes and input checks ---- */

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

static bool label_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* A host name, an IPv4 address or a bracketed IPv6 one, and a port. */
static bool host_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == ':' || c == '[' || c == ']';
}

/* The access key appears bare in the Authorization header's Credential,
 * where '/' and ',' separate fields. */
static bool access_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '/' && c != ',';
}

/* A session token is sent bare in a header (base64 in practice). */
static bool token_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f;
}

static bool method_char(unsigned char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool digit_char(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* RFC 9110 token characters: what a header name may hold. */
static bool tchar(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A header value may hold anything but control characters (tab aside):
 * no CR or LF that would start another header line. */
static bool value_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Whether s is a string of min to max bytes, each passing ok (NULL: any);
 * its length into *n when n is not NULL. */
static bool text_ok(const char *s, size_t min, size_t max, bool (*ok)(unsigned char), size_t *n)
{
    if (!s)
        return false;
    size_t len = strnlen(s, max + 1);
    if (len < min || len > max)
        return false;
    for (size_t i = 0; ok && i < len; i++)
        if (!ok((unsigned char)s[i]))
            return false;
    if (n)
        *n = len;
    return true;
}

static bool token_given(const struct sigv4_creds *c)
{
    return c->session_token && c->session_token[0];
}

static bool creds_ok(const struct sigv4_creds *c)
{
    return c && text_ok(c->access_key, 1, SIGV4_ACCESS_KEY_MAX, access_char, NULL) &&
           text_ok(c->secret_key, 1, SIGV4_SECRET_MAX, NULL, NULL) &&
           text_ok(c->region, 1, SIGV4_LABEL_MAX, label_char, NULL) &&
           text_ok(c->service, 1, SIGV4_LABEL_MAX, label_char, NULL) &&
           (!token_given(c) || text_ok(c->session_token, 1, SIGV4_TOKEN_MAX, token_char, NULL));
}

static bool hexdigit(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

/* Whether s (already encoded) holds only unreserved characters, the extra
 * characters given, and %XX escapes. */
static bool encoded_ok(const char *s, size_t n, const char *extra)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n || !hexdigit((unsigned char)s[i + 1]) ||
                !hexdigit((unsigned char)s[i + 2]))
                return false;
            i += 2;
        } else if (!unreserved(c) && !strchr(extra, c)) {
            return false;
        }
    }
    return true;
}

static bool payload_hash_ok(const char *h)
{
    if (h && strcmp(h, SIGV4_UNSIGNED_PAYLOAD) == 0)
        return true;
    size_t n;
    if (!text_ok(h, SIGV4_SIG_LEN, SIGV4_SIG_LEN, NULL, &n))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!digit_char((unsigned char)h[i]) && !(h[i] >= 'a' && h[i] <= 'f'))
            return false;
    return true;
}

/* x-amz-date for t_s: 20130524T000000Z. */
static bool amz_date(int64_t t_s, char out[SIGV4_DATE_LEN + 1])
{
    if (t_s < 0 || t_s > SIGV4_TIME_MAX)
        return false;
    char iso[TIME_ISO_S_LEN + 1];
    time_iso_s(t_s * 1000, iso, sizeof(iso));
    size_t o = 0;
    for (const char *p = iso; *p && o < SIGV4_DATE_LEN; p++)
        if (*p != '-' && *p != ':')
            out[o++] = *p;
    out[o] = '\0';
    return o == SIGV4_DATE_LEN;
}

/* ---- the signature ---- */

bool sigv4_key_derive(const char *secret, const char *date8, const char *region,
                      const char *service, unsigned char out[SIGV4_KEY_LEN])
{
    size_t n_secret, n_region, n_service;
    if (!text_ok(secret, 1, SIGV4_SECRET_MAX, NULL, &n_secret) ||
        !text_ok(date8, 8, 8, digit_char, NULL) ||
        !text_ok(region, 1, SIGV4_LABEL_MAX, label_char, &n_region) ||
        !text_ok(service, 1, SIGV4_LABEL_MAX, label_char, &n_service))
        return false;
    unsigned char k[4 + SIGV4_SECRET_MAX], a[SIGV4_KEY_LEN], b[SIGV4_KEY_LEN];
    memcpy(k, "AWS4", 4);
    memcpy(k + 4, secret, n_secret);
    crypto_hmac_sha256(k, 4 + n_secret, date8, 8, a);
    crypto_hmac_sha256(a, sizeof(a), region, n_region, b);
    crypto_hmac_sha256(b, sizeof(b), service, n_service, a);
    crypto_hmac_sha256(a, sizeof(a), "aws4_request", 12, out);
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(a, sizeof(a));
    OPENSSL_cleanse(b, sizeof(b));
    return true;
}

/* The credential scope, date8/region/service/aws4_request, into b. */
static int put_scope(struct buf *b, const struct sigv4_creds *c, const char *date)
{
    return buf_printf(b, "%.8s/%s/%s/aws4_request", date, c->region, c->service);
}

/* The signature of canonical request creq, in hex, into sig. */
static bool sign(const struct sigv4_creds *c, const char *date, const struct buf *creq,
                 char sig[SIGV4_SIG_LEN + 1])
{
    unsigned char h[CRYPTO_SHA256_LEN], key[SIGV4_KEY_LEN], mac[CRYPTO_SHA256_LEN];
    char hex[2 * CRYPTO_SHA256_LEN + 1], date8[9];
    struct buf sts;
    bool ok = false;
    buf_init(&sts, 1024);
    memcpy(date8, date, 8);
    date8[8] = '\0';
    crypto_sha256(creq->data, creq->len, h);
    crypto_hex(h, sizeof(h), hex);
    if (buf_printf(&sts, ALGORITHM "\n%s\n", date) || put_scope(&sts, c, date) ||
        buf_printf(&sts, "\n%s", hex))
        goto out;
    if (!sigv4_key_derive(c->secret_key, date8, c->region, c->service, key))
        goto out;
    crypto_hmac_sha256(key, sizeof(key), sts.data, sts.len, mac);
    crypto_hex(mac, sizeof(mac), sig);
    ok = true;
out:
    OPENSSL_cleanse(key, sizeof(key));
    buf_free(&sts);
    return ok;
}

/* ---- encoding ---- */

int sigv4_uri_encode(struct buf *b, const char *s, size_t n, bool encode_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t start = b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc;
        if (unreserved(c) || (c == '/' && !encode_slash)) {
            rc = buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = buf_append(b, e, sizeof(e));
        }
        if (rc) {
            if (b->data) {
                b->len = start;
                b->data[start] = '\0';
            }
            return -1;
        }
    }
    return 0;
}

struct qparam {
    const char *name, *value; /* encoded, in the arena */
};

static int qparam_cmp(const void *x, const void *y)
{
    const struct qparam *a = x, *b = y;
    int d = strcmp(a->name, b->name);
    return d ? d : strcmp(a->value, b->value);
}

/* s URI-encoded (slashes too) into the arena, or NULL when it is longer
 * than max bytes (min: shorter than min). */
static const char *encode_dup(struct arena *a, const char *s, size_t min, size_t max)
{
    size_t n;
    struct buf b;
    if (!s)
        s = "";
    if (!text_ok(s, min, max, NULL, &n))
        return NULL;
    buf_init(&b, 3 * max);
    const char *out = NULL;
    if (buf_reserve(&b, 0) == 0 && sigv4_uri_encode(&b, s, n, true) == 0)
        out = arena_strndup(a, b.data, b.len);
    buf_free(&b);
    return out;
}

/* The extra parameters and n_auth already-encoded ones, sorted and joined,
 * into the arena; NULL when a parameter does not fit. */
static char *query_join(struct arena *a, const struct sigv4_pair *params, size_t n,
                        const struct qparam *auth, size_t n_auth)
{
    if (n > SIGV4_PARAMS_MAX || (n && !params))
        return NULL;
    size_t total = n + n_auth;
    struct qparam *q = arena_alloc(a, (total ? total : 1) * sizeof(*q));
    for (size_t i = 0; i < n; i++) {
        q[i].name = encode_dup(a, params[i].name, 1, SIGV4_PARAM_MAX);
        q[i].value = encode_dup(a, params[i].value, 0, SIGV4_PARAM_MAX);
        if (!q[i].name || !q[i].value)
            return NULL;
        for (size_t j = 0; j < n_auth; j++)
            if (strcmp(q[i].name, auth[j].name) == 0)
                return NULL;
    }
    if (n_auth)
        memcpy(q + n, auth, n_auth * sizeof(*q));
    qsort(q, total, sizeof(*q), qparam_cmp);
    struct buf b;
    char *out = NULL;
    buf_init(&b, WORK_MAX);
    if (buf_reserve(&b, 0))
        goto done;
    for (size_t i = 0; i < total; i++)
        if (buf_printf(&b, "%s%s=%s", i ? "&" : "", q[i].name, q[i].value))
            goto done;
    out = arena_strndup(a, b.data, b.len);
done:
    buf_free(&b);
    return out;
}

char *sigv4_query_build(struct arena *a, const struct sigv4_pair *params, size_t n)
{
    return query_join(a, params, n, NULL, 0);
}

/* ---- query-string auth ---- */

char *sigv4_url_presign(struct arena *a, const struct sigv4_creds *c, const struct sigv4_presign *p,
                        int64_t t_s)
{
    char date[SIGV4_DATE_LEN + 1], sig[SIGV4_SIG_LEN + 1], expires[24];
    struct buf scope, cred, path, creq, url;
    const char *query = NULL, *token = NULL;
    char *out = NULL;
    size_t n_path;
    buf_init(&scope, SCOPE_MAX);
    buf_init(&cred, 3 * SCOPE_MAX);
    buf_init(&path, 3 * SIGV4_PATH_MAX);
    buf_init(&creq, WORK_MAX);
    buf_init(&url, WORK_MAX);
    if (!creds_ok(c) || !p || !text_ok(p->method, 1, METHOD_MAX, method_char, NULL) || !p->scheme ||
        (strcmp(p->scheme, "https") != 0 && strcmp(p->scheme, "http") != 0) ||
        !text_ok(p->host, 1, SIGV4_HOST_MAX, host_char, NULL) ||
        !text_ok(p->path, 1, SIGV4_PATH_MAX, NULL, &n_path) || p->path[0] != '/' ||
        p->expires_s < 1 || p->expires_s > SIGV4_EXPIRES_MAX ||
        (p->payload_hash && !payload_hash_ok(p->payload_hash)) || !amz_date(t_s, date))
        goto out;
    /* S3 reads its own parameters from the query: an extra one of the same
     * name would be the signature, or the token, it checks. */
    for (size_t i = 0; i < p->n_params && p->params; i++)
        if (p->params[i].name && (strcmp(p->params[i].name, "X-Amz-Signature") == 0 ||
                                  strcmp(p->params[i].name, "X-Amz-Security-Token") == 0))
            goto out;
    snprintf(expires, sizeof(expires), "%lld", (long long)p->expires_s);
    /* The Credential's value is encoded like any other value, its slashes
     * as %2F (as in the documentation's example URL). */
    if (buf_printf(&scope, "%s/", c->access_key) || put_scope(&scope, c, date) ||
        buf_reserve(&cred, 0) || sigv4_uri_encode(&cred, scope.data, scope.len, true))
        goto out;
    if (token_given(c) && !(token = encode_dup(a, c->session_token, 1, SIGV4_TOKEN_MAX)))
        goto out;
    const struct qparam auth[] = {
        {"X-Amz-Algorithm", ALGORITHM},
        {"X-Amz-Credential", cred.data},
        {"X-Amz-Date", date},
        {"X-Amz-Expires", expires},
        {"X-Amz-SignedHeaders", "host"},
        {"X-Amz-Security-Token", token},
    };
    query = query_join(a, p->params, p->n_params, auth, token ? 6 : 5);
    if (!query || buf_reserve(&path, 0) || sigv4_uri_encode(&path, p->path, n_path, false))
        goto out;
    if (buf_printf(&creq, "%s\n%s\n%s\nhost:%s\n\nhost\n%s", p->method, path.data, query, p->host,
                   p->payload_hash ? p->payload_hash : SIGV4_UNSIGNED_PAYLOAD) ||
        !sign(c, date, &creq, sig))
        goto out;
    if (buf_printf(&url, "%s://%s%s?%s&X-Amz-Signature=%s", p->scheme, p->host, path.data, query,
                   sig))
        goto out;
    out = arena_strndup(a, url.data, url.len);
out:
    buf_free(&scope);
    buf_free(&cred);
    buf_free(&path);
    buf_free(&creq);
    buf_free(&url);
    return out;
}

/* ---- header auth ---- */

struct hdr {
    char name[SIGV4_HEADER_NAME_MAX + 1]; /* lowercase */
    const char *value;
    size_t len;
};

static int hdr_cmp(const void *x, const void *y)
{
    const struct hdr *a = x, *b = y;
    return strcmp(a->name, b->name);
}

/* Adds header name: value to h (a checked name, lowercased). */
static bool hdr_add(struct hdr *h, size_t *n, const char *name, const char *value)
{
    size_t nlen, vlen;
    if (!text_ok(name, 1, SIGV4_HEADER_NAME_MAX, tchar, &nlen) ||
        !text_ok(value ? value : "", 0, SIGV4_HEADER_VALUE_MAX, value_char, &vlen))
        return false;
    for (size_t i = 0; i <= nlen; i++) {
        char ch = name[i];
        h[*n].name[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    }
    h[*n].value = value ? value : "";
    h[*n].len = vlen;
    (*n)++;
    return true;
}

/* Appends value trimmed, each run of spaces and tabs inside made one space. */
static int put_trimmed(struct buf *b, const char *v, size_t n)
{
    size_t i = 0;
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    while (i < n && (v[i] == ' ' || v[i] == '\t'))
        i++;
    while (i < n) {
        size_t j = i;
        while (j < n && v[j] != ' ' && v[j] != '\t')
            j++;
        if (buf_append(b, v + i, j - i))
            return -1;
        if (j == n)
            break;
        if (buf_putc(b, ' '))
            return -1;
        while (j < n && (v[j] == ' ' || v[j] == '\t'))
            j++;
        i = j;
    }
    return 0;
}

bool sigv4_headers_sign(struct arena *a, const struct sigv4_creds *c, const struct sigv4_request *r,
                        int64_t t_s, struct sigv4_auth *out)
{
    struct hdr h[SIGV4_HEADERS_MAX + 4];
    size_t nh = 0, n_path, n_query = 0;
    struct buf creq, names, auth;
    bool ok = false;
    buf_init(&creq, WORK_MAX);
    buf_init(&names, SIGV4_HEADERS_MAX * (SIGV4_HEADER_NAME_MAX + 1) + 128);
    buf_init(&auth, 1024 + SIGV4_HEADERS_MAX * (SIGV4_HEADER_NAME_MAX + 1));
    if (!creds_ok(c) || !r || !out || !text_ok(r->method, 1, METHOD_MAX, method_char, NULL) ||
        !text_ok(r->host, 1, SIGV4_HOST_MAX, host_char, NULL) ||
        !text_ok(r->path, 1, 3 * SIGV4_PATH_MAX, NULL, &n_path) || r->path[0] != '/' ||
        !encoded_ok(r->path, n_path, "/") ||
        (r->query && !text_ok(r->query, 0, SIGV4_QUERY_MAX, NULL, &n_query)) ||
        !encoded_ok(r->query ? r->query : "", n_query, "=&") || !payload_hash_ok(r->payload_hash) ||
        r->n_headers > SIGV4_HEADERS_MAX || (r->n_headers && !r->headers) ||
        !amz_date(t_s, out->amz_date))
        goto out;

    for (size_t i = 0; i < r->n_headers; i++)
        if (!hdr_add(h, &nh, r->headers[i].name, r->headers[i].value))
            goto out;
    if (!hdr_add(h, &nh, "host", r->host) || !hdr_add(h, &nh, "x-amz-date", out->amz_date))
        goto out;
    /* S3 wants the payload hash sent, and signed, as x-amz-content-sha256
     * (also UNSIGNED-PAYLOAD); other services do not know the header. */
    if (strcmp(c->service, "s3") == 0 && !hdr_add(h, &nh, "x-amz-content-sha256", r->payload_hash))
        goto out;
    if (token_given(c) && !hdr_add(h, &nh, "x-amz-security-token", c->session_token))
        goto out;
    qsort(h, nh, sizeof(h[0]), hdr_cmp);
    for (size_t i = 1; i < nh; i++)
        if (strcmp(h[i - 1].name, h[i].name) == 0)
            goto out; /* named twice, or one of the headers added here */

    if (buf_printf(&creq, "%s\n%s\n%s\n", r->method, r->path, r->query ? r->query : "") ||
        buf_reserve(&names, 0))
        goto out;
    for (size_t i = 0; i < nh; i++) {
        if (buf_printf(&creq, "%s:", h[i].name) || put_trimmed(&creq, h[i].value, h[i].len) ||
            buf_putc(&creq, '\n') || buf_printf(&names, "%s%s", i ? ";" : "", h[i].name))
            goto out;
    }
    if (buf_printf(&creq, "\n%s\n%s", names.data, r->payload_hash) ||
        !sign(c, out->amz_date, &creq, out->signature))
        goto out;
    if (buf_printf(&auth, ALGORITHM " Credential=%s/", c->access_key) ||
        put_scope(&auth, c, out->amz_date) ||
        buf_printf(&auth, ", SignedHeaders=%s, Signature=%s", names.data, out->signature))
        goto out;
    out->signed_headers = arena_strndup(a, names.data, names.len);
    out->authorization = arena_strndup(a, auth.data, auth.len);
    ok = true;
out:
    buf_free(&creq);
    buf_free(&names);
    buf_free(&auth);
    return ok;
}
