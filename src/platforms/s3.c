/*
 * s3: an S3-compatible object store client (see s3.h).
 *
 * Request URLs are built here, already in SigV4's canonical form (each key
 * segment URI-encoded, query parameters sorted with "=" also when empty):
 * libcurl 7.88's CURLOPT_AWS_SIGV4 signs the path and query as given, it
 * does not sort them.
 */
#include "platforms/s3.h"
#include "crypto/crypto.h"
#include "core/log.h"
#include "crypto/sigv4.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_ANSWER    ((size_t)4 << 20) /* an XML answer; object bodies are never read */
#define TRIES         3
#define CONNECT_MS    10000L
#define STALL_SECONDS 60L    /* below 1 KiB/s for this long: the request failed */
#define CHECK_MS      10000L /* s3_check, at start: one try */
#define KEEP_EVERY_MS 1000   /* how often a waiting writer calls its keep-alive */
#define MAX_KEY       1024   /* S3's limit on a key */
#define MAX_PREFIX    512
#define MAX_HOST      255

struct s3 {
    char *bucket;
    char *prefix; /* "" or ending in '/' */
    char *scheme; /* "http" | "https" */
    char *host;   /* the host (and :port when not the scheme's default) requests go to */
    char *base;   /* scheme://host[/bucket]: the URL a key is appended to */
    char *region;
    char *sigv4;   /* "aws:amz:<region>:s3" */
    char *userpwd; /* access:secret, for libcurl */
    char *access_key;
    char *secret_key;
    char *token; /* NULL without a session token */
    char *describe;
    size_t part_size;
    bool path_style;
};

void s3_env_from_process(struct s3_env *env)
{
    const char *e = getenv("AWS_ENDPOINT_URL_S3");
    env->endpoint = e && *e ? e : getenv("AWS_ENDPOINT_URL");
    const char *r = getenv("AWS_REGION");
    env->region = r && *r ? r : getenv("AWS_DEFAULT_REGION");
    env->access_key = getenv("AWS_ACCESS_KEY_ID");
    env->secret_key = getenv("AWS_SECRET_ACCESS_KEY");
    env->session_token = getenv("AWS_SESSION_TOKEN");
}

/* S3's bucket naming rules: 3-63 of [a-z0-9.-], starting and ending with a
 * letter or digit. */
static bool bucket_ok(const char *b, size_t n)
{
    if (n < 3 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '.' && c != '-')
            return false;
        if ((i == 0 || i == n - 1) && !alnum)
            return false;
    }
    return true;
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

void s3_free(struct s3 *s)
{
    if (!s)
        return;
    free(s->bucket);
    free(s->prefix);
    free(s->scheme);
    free(s->host);
    free(s->base);
    free(s->region);
    free(s->sigv4);
    if (s->userpwd)
        memset(s->userpwd, 0, strlen(s->userpwd));
    free(s->userpwd);
    free(s->access_key);
    if (s->secret_key)
        memset(s->secret_key, 0, strlen(s->secret_key));
    free(s->secret_key);
    free(s->token);
    free(s->describe);
    free(s);
}

bool s3_open(const char *url, const struct s3_env *env, enum s3_addressing addressing,
             size_t part_size, struct s3 **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!url || strncmp(url, "s3://", 5) != 0) {
        snprintf(err, errlen, "--files must be s3://bucket[/prefix]");
        return false;
    }
    const char *b = url + 5, *slash = strchr(b, '/');
    size_t bn = slash ? (size_t)(slash - b) : strlen(b);
    if (!bucket_ok(b, bn)) {
        snprintf(err, errlen,
                 "--files: \"%.*s\" is not an S3 bucket name (3-63 of a-z, 0-9, '.', '-')",
                 (int)(bn < 64 ? bn : 64), b);
        return false;
    }
    const char *prefix = slash ? slash + 1 : "";
    size_t pn = strlen(prefix);
    while (pn && prefix[pn - 1] == '/')
        pn--;
    if (pn > MAX_PREFIX || !printable(prefix) || prefix[0] == '/') {
        snprintf(err, errlen, "--files: the prefix must be at most %d printable characters",
                 MAX_PREFIX);
        return false;
    }
    if (!env->access_key || !*env->access_key || !env->secret_key || !*env->secret_key) {
        snprintf(err, errlen,
                 "--files s3://… needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the "
                 "environment");
        return false;
    }
    if (part_size < S3_MIN_PART || part_size > ((size_t)5 << 30)) {
        snprintf(err, errlen, "the part size must be between 5 MiB and 5 GiB");
        return false;
    }
    const char *region = env->region && *env->region ? env->region : "us-east-1";
    if (strlen(region) > 64 || !printable(region) || strchr(region, '/') || strchr(region, ':')) {
        snprintf(err, errlen, "AWS_REGION is not a region name");
        return false;
    }
    /* The endpoint: scheme://host[:port], nothing after it. */
    char scheme[8] = "https", host[MAX_HOST + 1];
    bool custom = env->endpoint && *env->endpoint;
    if (custom) {
        const char *e = env->endpoint, *rest;
        if (!strncmp(e, "https://", 8)) {
            rest = e + 8;
        } else if (!strncmp(e, "http://", 7)) {
            rest = e + 7;
            str_copy(scheme, sizeof(scheme), "http");
        } else {
            snprintf(err, errlen, "AWS_ENDPOINT_URL must start with http:// or https://");
            return false;
        }
        size_t hn = strcspn(rest, "/?#");
        if (!hn || hn > MAX_HOST || (rest[hn] && strcmp(rest + hn, "/") != 0) ||
            memchr(rest, '@', hn)) {
            snprintf(err, errlen, "AWS_ENDPOINT_URL must be scheme://host[:port] (no path)");
            return false;
        }
        memcpy(host, rest, hn);
        host[hn] = '\0';
        /* The scheme's default port is not part of Host as clients send it
         * (a pre-signed URL signs the Host header): drop it. */
        const char *dflt = !strcmp(scheme, "https") ? ":443" : ":80";
        size_t dn = strlen(dflt);
        if (hn > dn && !strcmp(host + hn - dn, dflt) && host[hn - dn - 1] != ':')
            host[hn - dn] = '\0';
        if (!printable(host) || strchr(host, ' ')) {
            snprintf(err, errlen, "AWS_ENDPOINT_URL has a bad host");
            return false;
        }
    } else {
        snprintf(host, sizeof(host), "s3.%s.amazonaws.com", region);
    }
    /* Virtual-hosted style is AWS's default; a bucket with dots cannot be a
     * TLS host name, and other stores are often reached by address: those
     * get path style unless told otherwise. */
    bool path = addressing == S3_ADDR_PATH ||
                (addressing == S3_ADDR_AUTO && (custom || memchr(b, '.', bn) != NULL));
    struct s3 *s = mem_calloc(1, sizeof(*s));
    s->bucket = mem_strndup(b, bn);
    s->prefix = pn ? mem_printf("%.*s/", (int)pn, prefix) : mem_strdup("");
    s->scheme = mem_strdup(scheme);
    s->host = path ? mem_strdup(host) : mem_printf("%s.%s", s->bucket, host);
    s->base = path ? mem_printf("%s://%s/%s", scheme, host, s->bucket)
                   : mem_printf("%s://%s", scheme, s->host);
    s->region = mem_strdup(region);
    s->sigv4 = mem_printf("aws:amz:%s:s3", region);
    s->userpwd = mem_printf("%s:%s", env->access_key, env->secret_key);
    s->access_key = mem_strdup(env->access_key);
    s->secret_key = mem_strdup(env->secret_key);
    s->token = env->session_token && *env->session_token ? mem_strdup(env->session_token) : NULL;
    s->describe = mem_printf("s3://%s/%s at %s://%s (%s style)", s->bucket, s->prefix, scheme, host,
                             path ? "path" : "virtual-hosted");
    s->part_size = part_size;
    s->path_style = path;
    *out = s;
    return true;
}

const char *s3_prefix(const struct s3 *s)
{
    return s->prefix;
}

const char *s3_describe(const struct s3 *s)
{
    return s->describe;
}

/* ---- one request ---- */

struct call {
    const char *method;
    const char *key;   /* relative to the prefix; NULL: the bucket itself */
    const char *query; /* canonical (sorted, encoded) or NULL */
    const void *body;
    size_t body_len;
    const char *content_type;
    int tries;               /* 0: TRIES */
    long timeout_ms;         /* the whole request; 0: bounded by the stall limit only */
    bool (*keep)(void *arg); /* called while it runs (see s3_upload_set_keep) */
    void *keep_arg;
    /* out */
    long status;
    struct buf answer; /* the XML answer (capped) */
    char etag[128];
};

static size_t on_answer(char *p, size_t size, size_t n, void *arg)
{
    struct call *c = arg;
    /* Past the cap the rest is dropped: nothing we read is that long. */
    buf_append(&c->answer, p, size * n);
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct call *c = arg;
    size_t len = size * n;
    if (len > 5 && !strncasecmp(p, "etag:", 5)) {
        const char *v = p + 5;
        size_t vn = len - 5;
        while (vn && (*v == ' ' || *v == '\t'))
            v++, vn--;
        while (vn && (v[vn - 1] == '\r' || v[vn - 1] == '\n' || v[vn - 1] == ' '))
            vn--;
        if (vn < sizeof(c->etag)) {
            memcpy(c->etag, v, vn);
            c->etag[vn] = '\0';
        }
    }
    return len;
}

/* Appends s URI-encoded (SigV4's rules; '/' kept unless encode_slash). */
static void encode(struct buf *b, const char *s, bool encode_slash)
{
    sigv4_uri_encode(b, s, strlen(s), encode_slash);
}

/* The URL of key (relative to the prefix) with query, in a. */
static const char *object_url(struct s3 *s, struct arena *a, const char *key, const char *query)
{
    struct buf u;
    buf_init(&u, 8192);
    buf_puts(&u, s->base);
    if (key) {
        buf_putc(&u, '/');
        encode(&u, s->prefix, false);
        encode(&u, key, false);
    } else if (!s->path_style) {
        buf_putc(&u, '/'); /* the bucket is the host: its root */
    }
    if (query && *query) {
        buf_putc(&u, '?');
        buf_puts(&u, query);
    }
    const char *out = arena_strdup(a, u.data ? u.data : "");
    buf_free(&u);
    return out;
}

/* While a request of the writer's runs: its keep-alive (a false return
 * ends the transfer). */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    struct call *c = arg;
    return c->keep(c->keep_arg) ? 0 : 1;
}

static bool retryable(CURLcode cc, long status)
{
    if (cc != CURLE_OK) /* a keep-alive that said stop is not retried */
        return cc != CURLE_URL_MALFORMAT && cc != CURLE_UNSUPPORTED_PROTOCOL &&
               cc != CURLE_ABORTED_BY_CALLBACK;
    return status >= 500 || status == 429;
}

/* Runs c on handle h (reset first), up to TRIES times. False with err set
 * when no try got an answer of 2xx; c->status holds the last status. */
static bool perform(struct s3 *s, CURL *h, struct call *c, char *err, size_t errlen)
{
    struct arena *a = arena_new();
    unsigned char sum[CRYPTO_SHA256_LEN];
    char hex[2 * CRYPTO_SHA256_LEN + 1];
    crypto_sha256(c->body ? c->body : "", c->body_len, sum);
    crypto_hex(sum, sizeof(sum), hex);
    struct curl_slist *hdrs = NULL;
    hdrs = curl_slist_append(hdrs, arena_printf(a, "x-amz-content-sha256: %s", hex));
    if (s->token)
        hdrs = curl_slist_append(hdrs, arena_printf(a, "x-amz-security-token: %s", s->token));
    if (c->content_type)
        hdrs = curl_slist_append(hdrs, arena_printf(a, "Content-Type: %s", c->content_type));
    else
        hdrs = curl_slist_append(hdrs, "Content-Type:"); /* libcurl adds none for POST */
    hdrs = curl_slist_append(hdrs, "Expect:");           /* no 100-continue round trip */
    const char *url = object_url(s, a, c->key, c->query);
    bool ok = false;
    CURLcode cc = CURLE_OK;
    int tries = c->tries ? c->tries : TRIES;
    for (int attempt = 0; attempt < tries && !ok; attempt++) {
        if (attempt)
            usleep((useconds_t)(200000 << attempt)); /* 0.4 s, 0.8 s */
        buf_reset(&c->answer);
        c->etag[0] = '\0';
        c->status = 0;
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_MS);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, STALL_SECONDS);
        if (c->timeout_ms)
            curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
        if (c->keep) {
            curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
            curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
            curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
        }
        curl_easy_setopt(h, CURLOPT_USERAGENT, "sociald/0.1");
        curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s->sigv4);
        curl_easy_setopt(h, CURLOPT_USERPWD, s->userpwd);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_answer);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
        if (!strcmp(c->method, "GET")) {
            curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        } else {
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
            if (strcmp(c->method, "DELETE") != 0) {
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body ? c->body : "");
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
            }
        }
        cc = curl_easy_perform(h);
        if (cc == CURLE_OK)
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->status);
        ok = cc == CURLE_OK && c->status >= 200 && c->status < 300;
        if (!ok && !retryable(cc, c->status))
            break;
    }
    if (!ok) {
        size_t pos = 0;
        const char *code =
            c->answer.len ? s3_xml_text(a, c->answer.data, c->answer.len, &pos, "Code") : NULL;
        if (cc != CURLE_OK)
            snprintf(err, errlen, "%s %s: %s", c->method, s->describe, curl_easy_strerror(cc));
        else
            snprintf(err, errlen, "%s of %s%s answered %ld%s%s", c->method, s->prefix,
                     c->key ? c->key : "", c->status, code ? " " : "", code ? code : "");
    }
    curl_slist_free_all(hdrs);
    arena_free(a);
    return ok;
}

static CURL *handle(void)
{
    CURL *h = curl_easy_init();
    if (!h) {
        log_error("curl_easy_init failed: out of memory");
        abort();
    }
    return h;
}

static void call_init(struct call *c, const char *method, const char *key, const char *query)
{
    memset(c, 0, sizeof(*c));
    c->method = method;
    c->key = key;
    c->query = query;
    buf_init(&c->answer, MAX_ANSWER);
}

bool s3_check(struct s3 *s, char *err, size_t errlen)
{
    struct arena *a = arena_new();
    struct buf q;
    buf_init(&q, 2048);
    buf_puts(&q, "list-type=2&max-keys=1&prefix=");
    encode(&q, s->prefix, true);
    struct call c;
    call_init(&c, "GET", NULL, q.data);
    c.tries = 1; /* at start: say so at once, the exports retry */
    c.timeout_ms = CHECK_MS;
    CURL *h = handle();
    bool ok = perform(s, h, &c, err, errlen);
    curl_easy_cleanup(h);
    buf_free(&c.answer);
    buf_free(&q);
    arena_free(a);
    return ok;
}

bool s3_delete(struct s3 *s, const char *key, char *err, size_t errlen)
{
    struct call c;
    call_init(&c, "DELETE", key, NULL);
    CURL *h = handle();
    bool ok = perform(s, h, &c, err, errlen) || c.status == 404;
    curl_easy_cleanup(h);
    buf_free(&c.answer);
    return ok;
}

const char *s3_presign_get(struct s3 *s, struct arena *a, const char *key, int64_t signed_at_s,
                           int64_t expires_s)
{
    if (expires_s < 1 || expires_s > SIGV4_EXPIRES_MAX)
        return NULL;
    struct buf path;
    buf_init(&path, 4096);
    if (s->path_style) {
        /* /bucket/key */
        buf_putc(&path, '/');
        buf_puts(&path, s->bucket);
    }
    buf_putc(&path, '/');
    buf_puts(&path, s->prefix);
    buf_puts(&path, key);
    struct sigv4_creds creds = {
        .access_key = s->access_key,
        .secret_key = s->secret_key,
        .session_token = s->token,
        .region = s->region,
        .service = "s3",
    };
    struct sigv4_presign req = {
        .method = "GET",
        .scheme = s->scheme,
        .host = s->host,
        .path = path.data ? path.data : "/",
        .expires_s = expires_s,
    };
    const char *url = sigv4_url_presign(a, &creds, &req, signed_at_s);
    buf_free(&path);
    return url;
}

/* ---- XML answers ---- */

bool s3_xml_element(const char *xml, size_t n, size_t *pos, const char *tag, size_t *start,
                    size_t *len)
{
    size_t tn = strlen(tag);
    if (!tn || tn > 64 || *pos > n)
        return false;
    char open[70], close[70];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    size_t on = tn + 2, cn = tn + 3;
    for (size_t i = *pos; i + on <= n; i++) {
        if (xml[i] != '<' || memcmp(xml + i, open, on) != 0)
            continue;
        size_t from = i + on;
        for (size_t j = from; j + cn <= n; j++) {
            if (xml[j] == '<' && !memcmp(xml + j, close, cn)) {
                *start = from;
                *len = j - from;
                *pos = j + cn;
                return true;
            }
        }
        return false;
    }
    return false;
}

const char *s3_xml_text(struct arena *a, const char *xml, size_t n, size_t *pos, const char *tag)
{
    size_t start, len;
    if (!s3_xml_element(xml, n, pos, tag, &start, &len))
        return NULL;
    static const struct {
        const char *name;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    char *out = arena_alloc(a, len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        const char *p = xml + start + i;
        size_t k = 0;
        if (*p == '&') {
            for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
                size_t en = strlen(ents[k].name);
                if (en <= len - i && !memcmp(p, ents[k].name, en)) {
                    out[o++] = ents[k].c;
                    i += en;
                    break;
                }
            }
            if (k < sizeof(ents) / sizeof(ents[0]))
                continue;
        }
        out[o++] = *p;
        i++;
    }
    out[o] = '\0';
    return out;
}

/* ---- streaming uploads ---- */

struct part {
    struct part *next;
    unsigned number;
    struct buf data;
};

struct s3_upload {
    struct s3 *s;
    char *key;
    char *content_type;
    CURL *h;        /* the writer's: create, the single PUT, complete, abort */
    struct buf cur; /* the part being filled */
    uint64_t bytes;
    unsigned next_number; /* of the next part handed out */
    char *upload_id;      /* once the multipart upload exists */
    /* the uploader thread and what it shares, under mu */
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct part *queue, *queue_tail;
    unsigned queued; /* waiting or being sent */
    bool closing;    /* no more parts */
    bool failed;
    char error[256];
    char **etags; /* by part number - 1 */
    unsigned netags;
    bool (*keep)(void *arg); /* the writer's keep-alive while it waits */
    void *keep_arg;
};

struct s3_upload *s3_upload_begin(struct s3 *s, const char *key, const char *content_type)
{
    struct s3_upload *u = mem_calloc(1, sizeof(*u));
    u->s = s;
    u->key = mem_strdup(key);
    u->content_type = mem_strdup(content_type ? content_type : "application/octet-stream");
    u->h = handle();
    buf_init(&u->cur, s->part_size);
    pthread_mutex_init(&u->mu, NULL);
    pthread_cond_init(&u->cv, NULL);
    if (strlen(s->prefix) + strlen(key) > MAX_KEY) {
        u->failed = true;
        snprintf(u->error, sizeof(u->error), "the key is longer than %d bytes", MAX_KEY);
    }
    return u;
}

static void fail_locked(struct s3_upload *u, const char *why);

void s3_upload_set_keep(struct s3_upload *u, bool (*keep)(void *arg), void *arg)
{
    u->keep = keep;
    u->keep_arg = arg;
}

/* The writer's requests carry its keep-alive. */
static void call_keep(struct s3_upload *u, struct call *c)
{
    c->keep = u->keep;
    c->keep_arg = u->keep_arg;
}

/* Waits on the upload's condition (mu held) for at most KEEP_EVERY_MS;
 * then runs the keep-alive (mu released meanwhile). False when the
 * keep-alive says stop: the upload has failed. */
static bool wait_keeping(struct s3_upload *u)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += (KEEP_EVERY_MS % 1000) * 1000000L;
    ts.tv_sec += KEEP_EVERY_MS / 1000 + ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&u->cv, &u->mu, &ts);
    if (!u->keep)
        return true;
    pthread_mutex_unlock(&u->mu);
    bool ok = u->keep(u->keep_arg);
    pthread_mutex_lock(&u->mu);
    if (!ok)
        fail_locked(u, "the export stopped (its job lease was lost or the server is stopping)");
    return ok;
}

static void fail_locked(struct s3_upload *u, const char *why)
{
    if (!u->failed) {
        u->failed = true;
        str_copy(u->error, sizeof(u->error), why);
    }
}

static void *uploader(void *arg)
{
    struct s3_upload *u = arg;
    CURL *h = handle();
    struct arena *a = arena_new();
    pthread_mutex_lock(&u->mu);
    for (;;) {
        while (!u->queue && !u->closing)
            pthread_cond_wait(&u->cv, &u->mu);
        if (!u->queue)
            break;
        struct part *p = u->queue;
        bool skip = u->failed;
        pthread_mutex_unlock(&u->mu);
        char err[256] = "";
        bool ok = skip;
        char etag[128] = "";
        if (!skip) {
            struct call c;
            const char *q = arena_printf(a, "partNumber=%u&uploadId=%s", p->number, u->upload_id);
            call_init(&c, "PUT", u->key, q);
            c.body = p->data.data;
            c.body_len = p->data.len;
            ok = perform(u->s, h, &c, err, sizeof(err)) && c.etag[0];
            if (ok)
                str_copy(etag, sizeof(etag), c.etag);
            else if (!err[0])
                snprintf(err, sizeof(err), "part %u: the store sent no ETag", p->number);
            buf_free(&c.answer);
        }
        pthread_mutex_lock(&u->mu);
        u->queue = p->next;
        if (!u->queue)
            u->queue_tail = NULL;
        u->queued--;
        if (!skip && ok) {
            if (p->number > u->netags) {
                u->etags = mem_realloc(u->etags, p->number * sizeof(*u->etags));
                for (unsigned i = u->netags; i < p->number; i++)
                    u->etags[i] = NULL;
                u->netags = p->number;
            }
            u->etags[p->number - 1] = mem_strdup(etag);
        } else if (!skip) {
            fail_locked(u, err);
        }
        buf_free(&p->data);
        free(p);
        pthread_cond_broadcast(&u->cv);
        arena_free(a);
        a = arena_new();
    }
    pthread_mutex_unlock(&u->mu);
    arena_free(a);
    curl_easy_cleanup(h);
    return NULL;
}

/* Starts the multipart upload: POST ?uploads. */
static bool create(struct s3_upload *u)
{
    struct arena *a = arena_new();
    struct call c;
    call_init(&c, "POST", u->key, "uploads=");
    c.content_type = u->content_type;
    call_keep(u, &c);
    char err[256];
    bool ok = perform(u->s, u->h, &c, err, sizeof(err));
    size_t pos = 0;
    const char *id = ok ? s3_xml_text(a, c.answer.data, c.answer.len, &pos, "UploadId") : NULL;
    if (ok && (!id || !*id || strlen(id) > 1024 || !printable(id))) {
        ok = false;
        snprintf(err, sizeof(err), "the store answered no UploadId");
    }
    if (ok) {
        /* Query-safe as sent: encoded once here. */
        struct buf enc;
        buf_init(&enc, 4096);
        encode(&enc, id, true);
        u->upload_id = mem_strdup(enc.data ? enc.data : "");
        buf_free(&enc);
    } else {
        pthread_mutex_lock(&u->mu);
        fail_locked(u, err);
        pthread_mutex_unlock(&u->mu);
    }
    buf_free(&c.answer);
    arena_free(a);
    return ok;
}

/* Hands the filled part to the uploader, waiting while S3_PARTS_IN_FLIGHT
 * are in flight. */
static bool ship(struct s3_upload *u)
{
    if (!u->upload_id && !create(u))
        return false;
    if (!u->thread_started) {
        if (pthread_create(&u->thread, NULL, uploader, u) != 0) {
            pthread_mutex_lock(&u->mu);
            fail_locked(u, "cannot start the uploader thread");
            pthread_mutex_unlock(&u->mu);
            return false;
        }
        u->thread_started = true;
    }
    if (u->next_number >= S3_MAX_PARTS) {
        pthread_mutex_lock(&u->mu);
        fail_locked(u, "the file needs more than 10,000 parts: raise --files-part-mb");
        pthread_mutex_unlock(&u->mu);
        return false;
    }
    struct part *p = mem_calloc(1, sizeof(*p));
    p->number = ++u->next_number;
    p->data = u->cur; /* the buffer moves to the part */
    buf_init(&u->cur, u->s->part_size);
    pthread_mutex_lock(&u->mu);
    while (u->queued >= S3_PARTS_IN_FLIGHT && !u->failed)
        wait_keeping(u);
    bool ok = !u->failed;
    if (ok) {
        if (u->queue_tail)
            u->queue_tail->next = p;
        else
            u->queue = p;
        u->queue_tail = p;
        u->queued++;
        pthread_cond_broadcast(&u->cv);
    }
    pthread_mutex_unlock(&u->mu);
    if (!ok) {
        buf_free(&p->data);
        free(p);
    }
    return ok;
}

bool s3_upload_write(struct s3_upload *u, const void *p, size_t n)
{
    const char *b = p;
    while (n) {
        pthread_mutex_lock(&u->mu);
        bool failed = u->failed;
        pthread_mutex_unlock(&u->mu);
        if (failed)
            return false;
        size_t room = u->s->part_size - u->cur.len;
        size_t k = n < room ? n : room;
        if (buf_append(&u->cur, b, k) != 0)
            return false; /* cannot happen: room is within the cap */
        u->bytes += k;
        b += k;
        n -= k;
        if (u->cur.len == u->s->part_size && !ship(u))
            return false;
    }
    return true;
}

const char *s3_upload_failure(struct s3_upload *u)
{
    pthread_mutex_lock(&u->mu);
    const char *why = u->failed ? u->error : NULL;
    pthread_mutex_unlock(&u->mu);
    return why;
}

uint64_t s3_upload_bytes(const struct s3_upload *u)
{
    return u->bytes;
}

unsigned s3_upload_parts(const struct s3_upload *u)
{
    return u->next_number;
}

/* Stops the uploader after what is queued (sent, or skipped once failed). */
static void drain(struct s3_upload *u)
{
    if (!u->thread_started)
        return;
    pthread_mutex_lock(&u->mu);
    u->closing = true;
    pthread_cond_broadcast(&u->cv);
    /* The last parts go out: the writer keeps its job meanwhile. */
    while (u->queued && !u->failed)
        wait_keeping(u);
    pthread_mutex_unlock(&u->mu);
    pthread_join(u->thread, NULL);
    u->thread_started = false;
}

static void release(struct s3_upload *u)
{
    for (unsigned i = 0; i < u->netags; i++)
        free(u->etags[i]);
    free(u->etags);
    buf_free(&u->cur);
    curl_easy_cleanup(u->h);
    pthread_mutex_destroy(&u->mu);
    pthread_cond_destroy(&u->cv);
    free(u->upload_id);
    free(u->content_type);
    free(u->key);
    free(u);
}

static void abort_multipart(struct s3_upload *u)
{
    if (!u->upload_id)
        return;
    struct arena *a = arena_new();
    struct call c;
    call_init(&c, "DELETE", u->key, arena_printf(a, "uploadId=%s", u->upload_id));
    char err[256];
    if (!perform(u->s, u->h, &c, err, sizeof(err)) && c.status != 404)
        log_warn("%s; the sweeper aborts it later", err);
    buf_free(&c.answer);
    arena_free(a);
}

void s3_upload_abort(struct s3_upload *u)
{
    if (!u)
        return;
    pthread_mutex_lock(&u->mu);
    fail_locked(u, "aborted");
    pthread_mutex_unlock(&u->mu);
    drain(u);
    abort_multipart(u);
    release(u);
}

/* The CompleteMultipartUpload body: every part's number and ETag. */
static bool complete(struct s3_upload *u, char *err, size_t errlen)
{
    struct arena *a = arena_new();
    struct buf body;
    buf_init(&body, (size_t)u->netags * 200 + 256);
    buf_puts(&body, "<CompleteMultipartUpload>");
    for (unsigned i = 0; i < u->netags; i++) {
        buf_printf(&body, "<Part><PartNumber>%u</PartNumber><ETag>", i + 1);
        for (const char *e = u->etags[i]; *e; e++) {
            if (*e == '"')
                buf_puts(&body, "&quot;");
            else if (*e == '&')
                buf_puts(&body, "&amp;");
            else if (*e == '<')
                buf_puts(&body, "&lt;");
            else
                buf_putc(&body, *e);
        }
        buf_puts(&body, "</ETag></Part>");
    }
    buf_puts(&body, "</CompleteMultipartUpload>");
    struct call c;
    call_init(&c, "POST", u->key, arena_printf(a, "uploadId=%s", u->upload_id));
    c.body = body.data;
    c.body_len = body.len;
    c.content_type = "application/xml";
    call_keep(u, &c);
    bool ok = perform(u->s, u->h, &c, err, errlen);
    /* S3 may answer 200 and still fail: the error is in the body. */
    size_t pos = 0, start, len;
    if (ok && c.answer.len &&
        s3_xml_element(c.answer.data, c.answer.len, &pos, "Error", &start, &len)) {
        pos = 0;
        const char *code = s3_xml_text(a, c.answer.data, c.answer.len, &pos, "Code");
        snprintf(err, errlen, "completing the upload failed: %s", code ? code : "error");
        ok = false;
    }
    buf_free(&c.answer);
    buf_free(&body);
    arena_free(a);
    return ok;
}

bool s3_upload_finish(struct s3_upload *u, char *err, size_t errlen)
{
    bool ok;
    pthread_mutex_lock(&u->mu);
    ok = !u->failed;
    pthread_mutex_unlock(&u->mu);
    if (ok && !u->upload_id) {
        /* It all fits one part: one PUT. */
        struct call c;
        call_init(&c, "PUT", u->key, NULL);
        c.body = u->cur.data;
        c.body_len = u->cur.len;
        c.content_type = u->content_type;
        call_keep(u, &c);
        ok = perform(u->s, u->h, &c, err, errlen);
        buf_free(&c.answer);
        release(u);
        return ok;
    }
    /* The last part (a full one was shipped as it filled). */
    if (ok && u->cur.len)
        ok = ship(u);
    drain(u);
    pthread_mutex_lock(&u->mu);
    ok = ok && !u->failed && u->netags == u->next_number;
    for (unsigned i = 0; ok && i < u->netags; i++)
        ok = u->etags[i] != NULL;
    if (!ok)
        snprintf(err, errlen, "%s", u->error[0] ? u->error : "a part was not stored");
    pthread_mutex_unlock(&u->mu);
    if (ok)
        ok = complete(u, err, errlen);
    if (!ok)
        abort_multipart(u);
    release(u);
    return ok;
}

/* ---- multipart uploads left behind ---- */

bool s3_uploads_list(struct s3 *s, struct arena *a, const char *sub, size_t max,
                     struct s3_pending **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    const char *key_marker = NULL, *id_marker = NULL;
    CURL *h = handle();
    bool ok = true;
    for (int page = 0; ok && page < 1000 && *n < max; page++) {
        struct buf q;
        buf_init(&q, 8192);
        /* sorted: key-marker < prefix < upload-id-marker < uploads */
        if (key_marker) {
            buf_puts(&q, "key-marker=");
            encode(&q, key_marker, true);
            buf_putc(&q, '&');
        }
        buf_puts(&q, "prefix=");
        encode(&q, s->prefix, true);
        encode(&q, sub, true);
        if (id_marker) {
            buf_puts(&q, "&upload-id-marker=");
            encode(&q, id_marker, true);
        }
        buf_puts(&q, "&uploads=");
        struct call c;
        call_init(&c, "GET", NULL, q.data);
        ok = perform(s, h, &c, err, errlen);
        size_t pos = 0, start, len;
        while (ok && *n < max &&
               s3_xml_element(c.answer.data, c.answer.len, &pos, "Upload", &start, &len)) {
            size_t p2 = 0;
            const char *key = s3_xml_text(a, c.answer.data + start, len, &p2, "Key");
            p2 = 0;
            const char *id = s3_xml_text(a, c.answer.data + start, len, &p2, "UploadId");
            p2 = 0;
            const char *when = s3_xml_text(a, c.answer.data + start, len, &p2, "Initiated");
            size_t pl = strlen(s->prefix);
            if (!key || !id || strncmp(key, s->prefix, pl) != 0)
                continue;
            struct s3_pending *arr = arena_grow(a, *out, &cap, *n, sizeof(**out));
            *out = arr;
            arr[*n] = (struct s3_pending){.key = key + pl, .upload_id = id};
            int64_t ms;
            if (when && time_parse_iso(when, &ms))
                arr[*n].initiated_ms = ms;
            (*n)++;
        }
        pos = 0;
        const char *trunc =
            ok ? s3_xml_text(a, c.answer.data, c.answer.len, &pos, "IsTruncated") : NULL;
        bool more = trunc && !strcmp(trunc, "true");
        if (more) {
            pos = 0;
            key_marker = s3_xml_text(a, c.answer.data, c.answer.len, &pos, "NextKeyMarker");
            pos = 0;
            id_marker = s3_xml_text(a, c.answer.data, c.answer.len, &pos, "NextUploadIdMarker");
            more = key_marker && *key_marker;
        }
        buf_free(&c.answer);
        buf_free(&q);
        if (!more)
            break;
    }
    curl_easy_cleanup(h);
    return ok;
}

bool s3_upload_cancel(struct s3 *s, const char *key, const char *upload_id, char *err,
                      size_t errlen)
{
    struct buf q;
    buf_init(&q, 4096);
    buf_puts(&q, "uploadId=");
    encode(&q, upload_id, true);
    struct call c;
    call_init(&c, "DELETE", key, q.data);
    CURL *h = handle();
    bool ok = perform(s, h, &c, err, errlen) || c.status == 404;
    curl_easy_cleanup(h);
    buf_free(&c.answer);
    buf_free(&q);
    return ok;
}
