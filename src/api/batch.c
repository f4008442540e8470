/*
 * batch: GET /api/user/batch (SPEC §5) — the account's newest export of
 * every user profile, starting a new one when due — and GET /files/batch/…,
 * which serves an export's file to whoever holds its signed URL.
 */
#include "api/api.h"
#include "jobs/batch.h"
#include "ops/ops.h"
#include "store/accounts.h"
#include "store/batch.h"
#include "store/store.h"
#include "util/jsonw.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum status api_batch_get(struct app *app, struct req *r)
{
    struct principal *p = api_principal(r);
    int64_t now = time_now_ms();
    int64_t interval = app->cfg->batch_interval_s * 1000;
    struct batch_export e;
    bool started = false;
    /* One write transaction (ops_batch_request): concurrent requests queue
     * there, and the second sees the first one's export. */
    char file[40];
    batch_file_name(now, file);
    enum store_rc rc = ops_batch_request(app, r->arena, p->acct.id, file, now, interval,
                                         app->cfg->batch_url_ttl_s * 1000, &e, &started);
    if (rc != STORE_OK)
        return ST_INTERNAL;

    char avail[32], expires[32], last[32], next[32];
    int64_t ready = e.ready_ms ? e.ready_ms : e.estimate_ms > now + 500 ? e.estimate_ms : now + 500;
    time_iso_ms(ready, avail, sizeof(avail));
    time_iso_ms(e.expires_ms, expires, sizeof(expires));
    time_iso_ms(e.started_ms, last, sizeof(last));
    time_iso_ms(e.started_ms + interval, next, sizeof(next));
    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_key(&w, "success");
    jw_bool(&w, true);
    jw_kstr(&w, "url", batch_url(app, r->arena, p->acct.ref_id, e.file, e.expires_ms));
    jw_kstr(&w, "urlAvailable", avail);
    jw_kstr(&w, "urlExpires", expires);
    jw_kstr(&w, "lastUpdated", last);
    jw_kstr(&w, "nextUpdate", next);
    jw_obj_end(&w);
    return jw_failed(&w) ? ST_INTERNAL : ST_OK;
}

/* "bytes=a-b", "bytes=a-" or "bytes=-n" within size: *off, *len. Anything
 * else (several ranges, nonsense, out of range) is ignored: the whole file
 * is sent, as RFC 9110 allows. */
bool api_batch_parse_range(const char *h, uint64_t size, uint64_t *off, uint64_t *len)
{
    if (!h || strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') || size == 0)
        return false;
    const char *spec = h + 6, *dash = strchr(spec, '-');
    if (!dash)
        return false;
    int64_t a = -1, b = -1;
    char first[24], second[24];
    size_t fn = (size_t)(dash - spec), sn = strlen(dash + 1);
    if (fn >= sizeof(first) || sn >= sizeof(second))
        return false;
    memcpy(first, spec, fn);
    first[fn] = '\0';
    memcpy(second, dash + 1, sn + 1);
    if (fn && !str_to_i64(first, 0, INT64_MAX, &a))
        return false;
    if (sn && !str_to_i64(second, 0, INT64_MAX, &b))
        return false;
    if (!fn) {
        /* the last b bytes */
        if (b <= 0)
            return false;
        *len = (uint64_t)b < size ? (uint64_t)b : size;
        *off = size - *len;
        return true;
    }
    if ((uint64_t)a >= size || (sn && b < a))
        return false;
    uint64_t end = sn && (uint64_t)b < size - 1 ? (uint64_t)b : size - 1;
    *off = (uint64_t)a;
    *len = end - (uint64_t)a + 1;
    return true;
}

static bool plain_name(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (!n || n > max || s[0] == '.')
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
            return false;
    return true;
}

enum status api_batch_file(struct app *app, struct req *r)
{
    const char *ref = r->params[0], *file = r->params[1];
    int64_t now = time_now_ms();
    /* Names are hex and [a-z0-9.-]: the decoded path is the signed one. */
    if (!plain_name(ref, 64) || !plain_name(file, 64))
        return ST_SIGNATURE_INVALID;
    const char *path = arena_printf(r->arena, "/files/batch/%s/%s", ref, file);
    if (!batch_signature_ok(app, path, req_query(r, "expires"), req_query(r, "signature"), now))
        return ST_SIGNATURE_INVALID;
    struct account acct;
    struct batch_export e;
    enum store_rc rc = store_account_find(app->store, r->arena, ref, &acct);
    if (rc == STORE_OK && strcmp(acct.ref_id ? acct.ref_id : "", ref) != 0)
        rc = STORE_NOTFOUND; /* an email never names a directory */
    if (rc == STORE_OK)
        rc = store_batch_by_file(app->store, r->arena, acct.id, file, &e);
    if (rc == STORE_NOTFOUND) {
        r->err_message = "This batch file no longer exists. Request GET /api/user/batch again.";
        return ST_NOT_FOUND;
    }
    if (rc != STORE_OK)
        return ST_INTERNAL;
    if (!e.ready_ms) {
        char ts[32];
        int64_t at = e.estimate_ms > now + 500 ? e.estimate_ms : now + 500;
        time_iso_ms(at, ts, sizeof(ts));
        req_detail_str(r, "urlAvailable", ts);
        return ST_BATCH_NOT_READY;
    }
    int fd = open(batch_path(app, r->arena, ref, file), O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        if (fd >= 0)
            close(fd);
        if (errno == ENOENT) {
            r->err_message = "This batch file no longer exists. Request GET /api/user/batch again.";
            return ST_NOT_FOUND;
        }
        return ST_INTERNAL;
    }
    uint64_t size = (uint64_t)sb.st_size, off = 0, len = size;
    r->content_type = "application/json; charset=utf-8";
    const char *etag = e.etag ? e.etag : "\"b\"";
    req_add_header(r, "ETag", etag);
    req_add_header(r, "Accept-Ranges", "bytes");
    req_add_header(r, "Cache-Control", "private, no-transform");
    const char *inm = req_header(r, "If-None-Match");
    if (inm && (strstr(inm, etag) || !strcmp(inm, "*"))) {
        close(fd);
        r->http_status = 304;
        return ST_OK;
    }
    const char *range = req_header(r, "Range");
    const char *if_range = req_header(r, "If-Range");
    if ((!if_range || !strcmp(if_range, etag)) && api_batch_parse_range(range, size, &off, &len)) {
        r->http_status = 206;
        req_add_header(r, "Content-Range",
                       arena_printf(r->arena, "bytes %llu-%llu/%llu", (unsigned long long)off,
                                    (unsigned long long)(off + len - 1), (unsigned long long)size));
    }
    req_send_file(r, fd, off, len);
    return ST_OK;
}
