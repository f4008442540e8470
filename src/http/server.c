/*
 * server: libmicrohttpd front end (see server.h for the threading model and
 * the request path).
 */
#include "http/server.h"
#include "core/health.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <arpa/inet.h>
#include <assert.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define JSON_CT        "application/json; charset=utf-8"
#define OUT_MAX        ((size_t)256 << 20) /* the largest answer body we build in memory */
#define QUERY_MAX_ARGS 256
#define GZIP_MIN       1024 /* SPEC §1: bodies over 1 KiB are compressed */
#define DISCARD_FACTOR 16   /* read and drop over-limit bodies up to 16x the limit */

struct http_server {
    struct MHD_Daemon *d;
    struct http_config cfg;
    struct http_app app;
    unsigned port;
    atomic_long inflight;
    bool quiesced;
};

enum conn_state { CS_NEW, CS_BODY, CS_DISPATCHED, CS_ANSWERED };

struct http_conn {
    struct http_server *srv;
    struct MHD_Connection *c;
    enum conn_state state;
    enum status early; /* an error decided before dispatch; ST_OK when none */
    unsigned allow;    /* methods for a 405's Allow header */
    bool discarding;   /* body over the limit: drop the rest */
    bool answer_now;   /* answer before reading the body (see begin) */
    bool close;        /* the framing is doubtful: close after answering */
    size_t discarded;  /* bytes dropped so far */
    const char *uri;   /* raw request target */
    size_t body_max;
    int64_t deadline_ms; /* monotonic; a request still arriving after it is cut */
    unsigned sent_http;
    int sent_code;

    /* suspend/resume handshake (see req_resume) */
    pthread_mutex_t mu;
    bool suspend_wanted;
    bool suspended;
    bool result_ready;
    enum status result;
};

/* ---- request ids ---------------------------------------------------------------- */

static _Thread_local uint64_t rid_state;

static void make_request_id(char out[REQ_ID_LEN + 1])
{
    if (!rid_state)
        rid_state = crypto_random_u64() | 1u;
    /* xorshift64*: ids need to be unique in logs, not secret. */
    rid_state ^= rid_state >> 12;
    rid_state ^= rid_state << 25;
    rid_state ^= rid_state >> 27;
    uint64_t v = rid_state * 0x2545F4914F6CDD1DULL;
    unsigned char raw[8];
    for (int i = 0; i < 8; i++)
        raw[i] = (unsigned char)(v >> (8 * i));
    crypto_hex(raw, 8, out);
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- request lifetime ---------------------------------------------------------- */

static void release_buf(void *p)
{
    buf_free(p);
}

static void release_json(void *p)
{
    json_decref(p);
}

static void release_conn(void *p)
{
    struct http_conn *hc = p;
    pthread_mutex_destroy(&hc->mu);
}

/* A file handed over by req_send_file and never given to libmicrohttpd. */
static void close_file(void *p)
{
    struct req *r = p;
    if (r->file_fd >= 0)
        close(r->file_fd);
    r->file_fd = -1;
}

void req_send_file(struct req *r, int fd, uint64_t offset, uint64_t len)
{
    close_file(r);
    r->file_fd = fd;
    r->file_off = offset;
    r->file_len = len;
}

static struct req *req_new(struct http_server *s, const char *uri, struct MHD_Connection *c)
{
    struct arena *a = arena_new();
    struct req *r = arena_alloc(a, sizeof(*r));
    struct http_conn *hc = arena_alloc(a, sizeof(*hc));
    r->arena = a;
    r->conn = hc;
    r->start_us = mono_us();
    make_request_id(r->id);
    buf_init(&r->out, OUT_MAX);
    arena_on_free(a, release_buf, &r->out);
    buf_init(&r->body_raw, s->cfg.body_max);
    arena_on_free(a, release_buf, &r->body_raw);
    r->file_fd = -1;
    arena_on_free(a, close_file, r);
    hc->srv = s;
    hc->c = c;
    hc->uri = arena_strdup(a, uri ? uri : "/");
    hc->body_max = s->cfg.body_max;
    hc->deadline_ms = time_mono_ms() + (int64_t)s->cfg.timeout_s * 1000;
    pthread_mutex_init(&hc->mu, NULL);
    arena_on_free(a, release_conn, hc);
    atomic_fetch_add(&s->inflight, 1);
    return r;
}

/* MHD_OPTION_URI_LOG_CALLBACK: the first moment a request exists. Its return
 * value becomes the request's context, released in on_completed. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    return req_new(cls, uri, c);
}

static void log_access(struct http_server *s, const struct req *r, int64_t dur_us)
{
    const struct http_conn *hc = r->conn;
    struct logline l;
    log_begin(&l, hc->sent_http >= 500 ? LOG_WARN : LOG_INFO, "request");
    if (!l.on) {
        log_end(&l);
        return;
    }
    static const char *names[] = {"GET",    "POST", "PUT",     "PATCH",
                                  "DELETE", "HEAD", "OPTIONS", "OTHER"};
    int mi = r->method ? __builtin_ctz((unsigned)r->method) : 7;
    /* Every value here is generated or a literal: written without the
     * escaping pass, the line costs a third of what it did (callgrind). */
    jw_kstr_plain(&l.w, "rid", r->id);
    jw_kstr_plain(&l.w, "method", names[mi]);
    /* The route pattern, not the path: paths can carry link-session ids. The
     * query string is never logged (clients put profile keys there). */
    jw_kstr_plain(&l.w, "route", r->route ? r->route->pattern : "(none)");
    jw_kint_plain(&l.w, "status", hc->sent_http);
    if (hc->sent_code)
        jw_kint_plain(&l.w, "code", hc->sent_code);
    jw_kint_plain(&l.w, "us", dur_us);
    jw_kint_plain(&l.w, "bytes", (int64_t)r->out.len);
    (void)s;
    log_end(&l);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct req *r = *con_cls;
    (void)c;
    (void)toe;
    if (!r)
        return;
    int64_t dur = mono_us() - r->start_us;
    struct http_conn *hc = r->conn;
    if (hc->state != CS_NEW) {
        if (s->cfg.access_log)
            log_access(s, r, dur);
        if (s->app.on_complete)
            s->app.on_complete(s->app.ctx, r, hc->sent_http, dur);
    }
    json_decref(r->err_extra);
    arena_free(r->arena);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

/* ---- headers, query ------------------------------------------------------------ */

const char *req_header(struct req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn->c, MHD_HEADER_KIND, name);
}

const char *req_client_ip(struct req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn->c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char tmp[INET6_ADDRSTRLEN] = "unknown";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, tmp,
                      sizeof(tmp));
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, tmp,
                      sizeof(tmp));
    }
    return arena_strdup(r->arena, tmp);
}

/* What begin() learns from the header fields in one pass. */
struct head_scan {
    size_t total;         /* bytes, for the header limit */
    int content_lengths;  /* Content-Length fields */
    const char *first_cl; /* the first one's value */
    bool cl_differ;       /* two Content-Length fields disagree */
    bool chunked;         /* Transfer-Encoding given */
    bool nul;             /* a name or value holds a NUL byte (or a name is empty) */
};

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
    struct head_scan *h = cls;
    (void)kind;
    h->total += key_size + value_size + 4;
    if (!key || !key_size || strlen(key) != key_size || (value && strlen(value) != value_size))
        h->nul = true;
    if (key && !strcasecmp(key, "Content-Length")) {
        if (h->content_lengths++ && (!h->first_cl || !value || strcmp(h->first_cl, value)))
            h->cl_differ = true;
        else
            h->first_cl = value;
    }
    if (key && !strcasecmp(key, "Transfer-Encoding"))
        h->chunked = true;
    return MHD_YES;
}

enum status req_parse_pairs(struct req *r, const char *q, const char *what, struct kv **out,
                            size_t *nout)
{
    size_t cap = 8, n = 0;
    struct kv *items = arena_alloc(r->arena, cap * sizeof(*items));
    while (*q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        if (len) {
            if (n == QUERY_MAX_ARGS)
                return req_fail(r, ST_BAD_PARAM, what, "more than 256 arguments");
            const char *eq = memchr(q, '=', len);
            size_t klen = eq ? (size_t)(eq - q) : len;
            char *k = router_decode(r->arena, q, klen, 1);
            char *v = eq ? router_decode(r->arena, eq + 1, len - klen - 1, 1)
                         : arena_strdup(r->arena, "");
            if (!k || !v)
                return req_fail(r, ST_BAD_PARAM, what, "not valid percent-encoding");
            items = arena_grow(r->arena, items, &cap, n, sizeof(*items));
            items[n].key = k;
            items[n].val = v;
            n++;
        }
        if (!amp)
            break;
        q = amp + 1;
    }
    *out = items;
    *nout = n;
    return ST_OK;
}

/* First access-handler call: everything that needs only the request head. */
static void begin(struct http_server *s, struct req *r, const char *method)
{
    struct http_conn *hc = r->conn;
    r->method = router_method(method);

    struct head_scan h = {0};
    MHD_get_connection_values_n(hc->c, MHD_HEADER_KIND, scan_header, &h);
    if (h.total > s->cfg.header_max) {
        hc->early = ST_HEADERS_TOO_LARGE;
        return;
    }
    /* Ambiguous framing (RFC 9112 §6.1, §6.3): where this request ends is
     * unclear, so nothing after it on the connection can be trusted. */
    if (h.cl_differ || (h.content_lengths && h.chunked)) {
        hc->close = true;
        hc->early = req_fail(r, ST_BAD_PARAM, "Content-Length",
                             h.cl_differ ? "sent twice with different values"
                                         : "sent together with Transfer-Encoding");
        return;
    }
    /* A NUL would cut a key or a profile key short: refuse, never guess. */
    if (h.nul) {
        hc->close = true;
        hc->early = req_fail(r, ST_BAD_PARAM, "headers",
                             "a header name is empty or a header holds a NUL byte");
        return;
    }

    const char *uri = hc->uri;
    const char *qmark = strchr(uri, '?');
    size_t plen = qmark ? (size_t)(qmark - uri) : strlen(uri);
    const char *hash = memchr(uri, '#', plen);
    if (hash)
        plen = (size_t)(hash - uri);
    r->path = arena_strndup(r->arena, uri, plen);

    int bad_path = 0;
    r->route = router_match(s->app.routes, s->app.nroutes, r->method, r->path, r->arena, r->params,
                            &r->nparams, &hc->allow, &bad_path);
    if (bad_path) {
        hc->early = req_fail(r, ST_BAD_PARAM, "path", "not valid percent-encoding");
        return;
    }
    if (!r->route) {
        hc->early = hc->allow ? ST_METHOD_NOT_ALLOWED : ST_NOT_FOUND;
        return;
    }
    if (qmark) {
        const char *q = qmark + 1;
        const char *qh = strchr(q, '#');
        char *qcopy = qh ? arena_strndup(r->arena, q, (size_t)(qh - q)) : (char *)q;
        enum status st = req_parse_pairs(r, qcopy, "query", &r->query, &r->nquery);
        if (st != ST_OK) {
            hc->early = st;
            return;
        }
    }
    if (r->route->body_max) {
        hc->body_max = r->route->body_max;
        r->body_raw.max = r->route->body_max;
    }
    const char *cl = MHD_lookup_connection_value(hc->c, MHD_HEADER_KIND, "Content-Length");
    int64_t declared;
    bool huge = false;
    if (cl && !str_to_i64(cl, 0, INT64_MAX, &declared)) {
        /* All digits but beyond 2^63 - 1: too large, not malformed. */
        huge = *cl && strspn(cl, "0123456789") == strlen(cl);
        declared = INT64_MAX;
    }
    if (cl && (huge || (uint64_t)declared > hc->body_max) &&
        (huge || str_to_i64(cl, 0, INT64_MAX, &declared))) {
        hc->early = ST_BODY_TOO_LARGE;
        /* A client that waits for 100-continue, or announces a huge body,
         * gets the answer now (MHD then closes). Otherwise the body is read
         * and dropped so the client, still writing, can read the answer
         * instead of a reset. */
        const char *expect = MHD_lookup_connection_value(hc->c, MHD_HEADER_KIND, "Expect");
        hc->answer_now = (expect && !strcasecmp(expect, "100-continue")) ||
                         (uint64_t)declared > (uint64_t)hc->body_max * DISCARD_FACTOR;
        hc->discarding = true;
        buf_free(&r->body_raw);
    }
}

/* ---- answering -------------------------------------------------------------------- */

static bool accepts_gzip(const char *ae)
{
    if (!ae)
        return false;
    const char *p = ae;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ')
            p++;
        size_t n = (size_t)(p - start);
        bool is_gzip = (n == 4 && !strncasecmp(start, "gzip", 4)) || (n == 1 && *start == '*');
        bool q_zero = false;
        while (*p && *p != ',') {
            if (*p == ';') {
                p++;
                while (*p == ' ')
                    p++;
                if ((*p == 'q' || *p == 'Q') && p[1] == '=') {
                    double q = strtod(p + 2, NULL);
                    q_zero = q <= 0.0;
                }
            } else {
                p++;
            }
        }
        if (is_gzip)
            return !q_zero;
    }
    return false;
}

/* Compresses in into an arena buffer; returns NULL when it would not help. */
static unsigned char *gzip_body(struct arena *a, const char *in, size_t n, size_t *outlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    /* Level 1: the point is fewer bytes on the wire at little CPU. */
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&zs, (uLong)n) + 32;
    unsigned char *out = arena_alloc(a, cap);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    size_t total = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END || total >= n)
        return NULL;
    *outlen = total;
    return out;
}

/* Writes the SPEC §1.1 error body for s into r->out. */
static void error_body(struct req *r, enum status s)
{
    if (s == ST_INTERNAL)
        req_detail_str(r, "requestId", r->id);
    buf_reset(&r->out);
    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "action", r->route ? r->route->action : "request");
    jw_kstr(&w, "status", "error");
    jw_kint(&w, "code", status_code(s));
    jw_kstr(&w, "message", r->err_message ? r->err_message : status_message(s));
    if (r->err_extra) {
        const char *k;
        json_t *v;
        json_object_foreach(r->err_extra, k, v)
        {
            char *d = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
            if (d) {
                jw_key(&w, k);
                jw_raw(&w, d, strlen(d));
                free(d);
            }
        }
    }
    if (r->err_details && json_object_size(r->err_details)) {
        char *d = json_dumps(r->err_details, JSON_COMPACT | JSON_ENSURE_ASCII);
        if (d) {
            jw_key(&w, "details");
            jw_raw(&w, d, strlen(d));
            free(d);
        }
    }
    jw_obj_end(&w);
}

static enum MHD_Result answer(struct req *r, enum status st)
{
    struct http_conn *hc = r->conn;
    unsigned http;
    const char *ctype = JSON_CT;
    if (st == ST_OK) {
        http = r->http_status ? r->http_status : 200;
        if (r->content_type)
            ctype = r->content_type;
    } else {
        /* A request that failed while the database is out of reach is
         * retried, not reported (SPEC §12 "Failover"). */
        if (st == ST_INTERNAL && !health_db_reachable()) {
            st = ST_UNAVAILABLE;
            req_add_header(r, "Retry-After", "5");
        }
        error_body(r, st);
        http = status_http(st);
        hc->sent_code = status_code(st);
        if (st == ST_INTERNAL) {
            struct logline l;
            log_begin(&l, LOG_ERROR, "internal error");
            jw_kstr(&l.w, "rid", r->id);
            jw_kstr(&l.w, "route", r->route ? r->route->pattern : "(none)");
            log_end(&l);
        }
    }
    const char *body = r->out.data ? r->out.data : "";
    size_t len = r->out.len;
    bool gz = false;
    struct MHD_Response *resp = NULL;
    if (st == ST_OK && r->file_fd >= 0) {
        /* sendfile(2) from the file; libmicrohttpd closes it when done. */
        resp = MHD_create_response_from_fd_at_offset64(r->file_len, r->file_fd, r->file_off);
        if (!resp)
            return MHD_NO;
        r->file_fd = -1;
    } else if (len > GZIP_MIN && accepts_gzip(req_header(r, "Accept-Encoding"))) {
        size_t zlen = 0;
        unsigned char *z = gzip_body(r->arena, body, len, &zlen);
        if (z) {
            body = (const char *)z;
            len = zlen;
            gz = true;
        }
    }
    /* The body lives in the request's arena, which outlives the response:
     * on_completed runs only after the last byte is sent. */
    if (!resp)
        resp =
            MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", ctype);
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    if (gz)
        MHD_add_response_header(resp, "Content-Encoding", "gzip");
    if (r->out.len > GZIP_MIN)
        MHD_add_response_header(resp, "Vary", "Accept-Encoding");
    if (st == ST_METHOD_NOT_ALLOWED) {
        char allow[96];
        router_allow_header(hc->allow, allow, sizeof(allow));
        MHD_add_response_header(resp, "Allow", allow);
    }
    for (int i = 0; i < r->nhdrs; i++)
        MHD_add_response_header(resp, r->hdrs[i].key, r->hdrs[i].val);
    if (hc->close)
        MHD_add_response_header(resp, "Connection", "close");
    enum MHD_Result ret = MHD_queue_response(hc->c, http, resp);
    MHD_destroy_response(resp);
    hc->sent_http = http;
    hc->state = CS_ANSWERED;
    return ret;
}

/* Parses the collected body per the route's declared kind. */
static enum status parse_body(struct req *r)
{
    if (r->route && (r->route->flags & ROUTE_BODY_FORM) && r->body_raw.len) {
        char *text = arena_strndup(r->arena, r->body_raw.data, r->body_raw.len);
        if (strlen(text) != r->body_raw.len)
            return req_fail(r, ST_BAD_PARAM, "form", "contains a NUL byte");
        return req_parse_pairs(r, text, "form", &r->form, &r->nform);
    }
    if (!r->route || !(r->route->flags & ROUTE_BODY_JSON) || r->body_raw.len == 0)
        return ST_OK;
    /* A body of only white space counts as empty (some clients send "\n"). */
    size_t i = 0;
    for (char c; i < r->body_raw.len &&
                 ((c = r->body_raw.data[i]) == ' ' || c == '\t' || c == '\r' || c == '\n');)
        i++;
    if (i == r->body_raw.len)
        return ST_OK;
    json_error_t err;
    json_t *j = json_loadb(r->body_raw.data, r->body_raw.len, JSON_REJECT_DUPLICATES, &err);
    if (!j) {
        req_detail_str(r, "reason", err.text);
        req_detail_int(r, "line", err.line);
        req_detail_int(r, "column", err.column);
        return ST_BAD_JSON;
    }
    arena_on_free(r->arena, release_json, j);
    if (!json_is_object(j)) {
        req_detail_str(r, "reason", "the body must be a JSON object");
        return ST_BAD_JSON;
    }
    r->body = j;
    return ST_OK;
}

void req_suspend(struct req *r)
{
    struct http_conn *hc = r->conn;
    assert(hc->state == CS_DISPATCHED && "req_suspend: not called from a handler");
    assert(!hc->suspend_wanted && "req_suspend: called twice");
    hc->suspend_wanted = true;
}

#ifndef NDEBUG
/* True once req_resume() was called (for assertions). */
static bool resumed(struct http_conn *hc)
{
    pthread_mutex_lock(&hc->mu);
    bool ready = hc->result_ready;
    pthread_mutex_unlock(&hc->mu);
    return ready;
}
#endif

void req_resume(struct req *r, enum status s)
{
    struct http_conn *hc = r->conn;
    pthread_mutex_lock(&hc->mu);
    assert(!hc->result_ready && "req_resume: called twice");
    hc->result = s;
    hc->result_ready = true;
    bool was_suspended = hc->suspended;
    pthread_mutex_unlock(&hc->mu);
    if (was_suspended)
        MHD_resume_connection(hc->c);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    struct req *r = *con_cls;
    (void)version;
    if (!r) {
        r = req_new(s, url, c);
        *con_cls = r;
    }
    struct http_conn *hc = r->conn;

    switch (hc->state) {
    case CS_NEW:
        begin(s, r, method);
        hc->state = CS_BODY;
        if (hc->early == ST_HEADERS_TOO_LARGE || hc->answer_now)
            return answer(r, hc->early);
        return MHD_YES;

    case CS_BODY:
        if (*upload_data_size) {
            if (time_mono_ms() > hc->deadline_ms)
                return MHD_NO; /* slow client: cut */
            if (!hc->discarding && hc->early == ST_OK &&
                buf_append(&r->body_raw, upload_data, *upload_data_size)) {
                hc->discarding = true;
                hc->early = ST_BODY_TOO_LARGE;
                buf_free(&r->body_raw);
            }
            if (hc->discarding || hc->early != ST_OK) {
                hc->discarded += *upload_data_size;
                if (hc->discarded > hc->body_max * DISCARD_FACTOR)
                    return MHD_NO; /* not worth reading any further: cut */
            }
            *upload_data_size = 0;
            return MHD_YES;
        }
        hc->state = CS_DISPATCHED;
        if (hc->early != ST_OK)
            return answer(r, hc->early);
        enum status st = parse_body(r);
        if (st != ST_OK)
            return answer(r, st);
        st = s->app.dispatch(s->app.ctx, r);
        if (!hc->suspend_wanted) {
            /* The handler answered itself: nothing may resume it. */
            assert(!resumed(hc) && "req_resume: the handler did not suspend the request");
            return answer(r, st);
        }
        pthread_mutex_lock(&hc->mu);
        if (hc->result_ready) {
            pthread_mutex_unlock(&hc->mu);
            return answer(r, hc->result);
        }
        MHD_suspend_connection(c);
        hc->suspended = true;
        pthread_mutex_unlock(&hc->mu);
        return MHD_YES;

    case CS_DISPATCHED:
        /* Called again after req_resume(). */
        pthread_mutex_lock(&hc->mu);
        bool ready = hc->result_ready;
        enum status res = hc->result;
        pthread_mutex_unlock(&hc->mu);
        if (!ready)
            return MHD_YES;
        return answer(r, res);

    case CS_ANSWERED:
        break;
    }
    return MHD_YES;
}

/* fmt comes from libmicrohttpd's own literals. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    struct logline l;
    log_begin(&l, LOG_WARN, "libmicrohttpd");
    jw_kstr(&l.w, "detail", msg);
    log_end(&l);
}

struct http_server *http_server_start(const struct http_config *cfg, const struct http_app *app,
                                      char *err, size_t errlen)
{
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    char port[16];
    snprintf(port, sizeof(port), "%u", cfg->port);
    int gai = getaddrinfo(cfg->host, port, &hints, &ai);
    if (gai != 0 || !ai) {
        snprintf(err, errlen, "cannot resolve listen address %s: %s", cfg->host, gai_strerror(gai));
        return NULL;
    }

    struct http_server *s = mem_calloc(1, sizeof(*s));
    s->cfg = *cfg;
    s->app = *app;
    atomic_init(&s->inflight, 0);
    unsigned threads = cfg->threads;
    if (!threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* Headers must fit the per-connection pool with room for MHD's own use. */
    size_t pool = cfg->header_max * 2 + 32768;

    /* The logger goes first so MHD's own start-up messages use it too. */
    s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
                            NULL, MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE,
                            threads, MHD_OPTION_CONNECTION_LIMIT, cfg->conn_limit,
                            MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool, MHD_OPTION_URI_LOG_CALLBACK,
                            on_uri, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s:%u (address in use, or not allowed)", cfg->host,
                 cfg->port);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : cfg->port;
    return s;
}

unsigned http_server_port(const struct http_server *s)
{
    return s->port;
}

void http_server_quiesce(struct http_server *s)
{
    if (s->quiesced)
        return;
    MHD_socket fd = MHD_quiesce_daemon(s->d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    s->quiesced = true;
}

long http_server_inflight(const struct http_server *s)
{
    return atomic_load(&s->inflight);
}

void http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    free(s);
}
