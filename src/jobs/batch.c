/*
 * batch: the export job, the sweeper and signed URLs (see batch.h).
 */
#include "jobs/batch.h"
#include "render/render.h"
#include "core/log.h"
#include "core/offload.h"
#include "crypto/crypto.h"
#include "crypto/sigv4.h"
#include "limits/usage.h"
#include "ops/ops.h"
#include "platforms/s3.h"
#include "store/accounts.h"
#include "store/batch.h"
#include "store/jobs.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "store/store.h"
#include "util/fsutil.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WRITE_BUF      (256 * 1024)
#define SWEEP_MAX      256
#define SWEEP_BATCHES  200                  /* retention transactions per run, then the next run */
#define RETRY_FIRST_MS 30000                /* a failed export's first wait */
#define RETRY_MAX_MS   (15 * 60 * 1000)     /* and its longest */
#define SWEEP_RETRY_MS 60000                /* after a failed delete of an expired file */
#define STALE_UPLOADS  1000                 /* pending multipart uploads looked at per sweep */
#define STALE_AFTER    (24 * 3600 * 1000LL) /* an upload this old is abandoned */

void batch_file_name(int64_t started_ms, char out[40])
{
    time_t s = (time_t)(started_ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, 40, "users-batch-%Y-%m-%d-%H-%M.json", &tm);
}

static const char *batch_dir(struct app *app, struct arena *a, const char *ref)
{
    return arena_printf(a, "%s/files/batch/%s", app->cfg->data, ref);
}

const char *batch_path(struct app *app, struct arena *a, const char *ref, const char *file)
{
    return arena_printf(a, "%s/%s", batch_dir(app, a, ref), file);
}

static void sign(struct app *app, const char *path, int64_t expires_s, char hex[65])
{
    char msg[512];
    int n = snprintf(msg, sizeof(msg), "GET\n%s\n%lld", path, (long long)expires_s);
    unsigned char mac[32];
    crypto_hmac_sha256(app->signing_key, sizeof(app->signing_key), msg,
                       n > 0 && (size_t)n < sizeof(msg) ? (size_t)n : 0, mac);
    crypto_hex(mac, sizeof(mac), hex);
}

/* The object's key under the --files prefix. */
static const char *object_key(struct arena *a, const char *ref, const char *file)
{
    return arena_printf(a, "batch/%s/%s", ref, file);
}

const char *batch_url(struct app *app, struct arena *a, const char *ref, const char *file,
                      int64_t expires_ms)
{
    if (app->files) {
        /* Signed as of the export's start, valid until it expires: one URL
         * per export, the same in every answer and in the webhook. */
        int64_t ttl = app->cfg->batch_url_ttl_s, exp = expires_ms / 1000;
        int64_t at = exp - ttl, now = time_now_ms() / 1000;
        if (at > now) /* batch-url-ttl lowered since the export started */
            at = now;
        int64_t life =
            exp - at < SIGV4_EXPIRES_MAX ? exp - at : SIGV4_EXPIRES_MAX; /* made before --files */
        const char *url = s3_presign_get(app->files, a, object_key(a, ref, file), at, life);
        return url ? url : "";
    }
    const char *path = arena_printf(a, "/files/batch/%s/%s", ref, file);
    int64_t exp = expires_ms / 1000;
    char hex[65];
    sign(app, path, exp, hex);
    return arena_printf(a, "%s%s?expires=%lld&signature=%s", app->cfg->public_url, path,
                        (long long)exp, hex);
}

bool batch_signature_ok(struct app *app, const char *path, const char *expires,
                        const char *signature, int64_t now_ms)
{
    int64_t exp;
    unsigned char want[32], got[32];
    if (!path || strlen(path) > 400 || !expires || !signature ||
        !str_to_i64(expires, 0, INT64_MAX / 1000, &exp) ||
        !crypto_unhex(signature, got, sizeof(got)))
        return false;
    char hex[65];
    sign(app, path, exp, hex);
    crypto_unhex(hex, want, sizeof(want));
    bool ok = crypto_ct_eq(want, got, sizeof(got));
    return ok && exp * 1000 > now_ms;
}

/* ---- the export ---- */

struct writer {
    struct runner *runner; /* the lease is renewed while writing */
    int64_t job_id;
    int64_t kept_ms;
    bool lost; /* the lease went to another worker: stop */
    struct app *app;
    const struct account *acct;
    int64_t quota;
    int64_t now_ms;
    int fd;               /* the temporary file, or */
    struct s3_upload *up; /* the upload to the object store */
    bool failed;
    bool stopping;
    int64_t count;
    uint64_t bytes;
    struct buf out; /* what is not written yet: profiles are rendered into it */
    struct buf active, names;
};

/*
 * A big export outlasts a lease: renews it, well before it runs out, so no
 * other worker (in this process or another) starts it again. Called every
 * 256 profiles and, while an upload waits on the object store, about every
 * second (s3_upload_set_keep). False when the lease is lost or the server
 * is stopping: the export stops (and runs again).
 */
static bool keep_job(void *arg)
{
    struct writer *w = arg;
    if (runner_stopping(w->runner)) {
        w->stopping = true;
        return false;
    }
    int64_t now = time_mono_ms();
    if (now - w->kept_ms >= runner_lease_ms(w->runner) / 3) {
        w->kept_ms = now;
        if (!runner_keep(w->runner, w->job_id)) {
            w->lost = true;
            return false;
        }
    }
    return true;
}

static void flush_out(struct writer *w)
{
    size_t off = 0;
    if (w->up) {
        if (!w->failed && !s3_upload_write(w->up, w->out.data, w->out.len))
            w->failed = true;
        w->bytes += w->failed ? 0 : w->out.len;
        buf_reset(&w->out);
        return;
    }
    while (!w->failed && off < w->out.len) {
        ssize_t k = write(w->fd, w->out.data + off, w->out.len - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            w->failed = true;
        else
            off += (size_t)k;
    }
    w->bytes += off;
    buf_reset(&w->out);
}

static void put(struct writer *w, const char *p, size_t n)
{
    if (!w->failed && buf_append(&w->out, p, n))
        w->failed = true;
}

/* One profile: exactly its GET /api/user body. */
static bool each(void *arg, const struct profile *p, const struct linked_account *la, size_t n,
                 int64_t calls)
{
    struct writer *w = arg;
    buf_reset(&w->active);
    buf_reset(&w->names);
    struct linked_json lj = {0};
    size_t shown = 0;
    if (!render_linked(la, n, NULL, w->now_ms, &w->active, &w->names, &lj.until_ms, &shown)) {
        w->failed = true;
        return false;
    }
    lj.active = w->active.data ? w->active.data : "";
    lj.active_len = w->active.len;
    lj.names = w->names.data;
    lj.names_len = w->names.len;
    lj.count = shown;
    struct render_user u = {
        .cfg = w->app->cfg,
        .acct = w->acct,
        .profile = p,
        .linked = &lj,
        .month_calls = calls,
        .quota = w->quota,
        .next_update_ms = p->details_updated_ms + w->app->cfg->details_ttl_s * 1000,
    };
    /* Straight into what is written: no copy of the body. */
    put(w, w->count ? "," : "[", 1);
    struct jw j;
    jw_init(&j, &w->out);
    render_user(&j, &u);
    if (jw_failed(&j)) {
        w->failed = true;
        return false;
    }
    if (w->out.len >= WRITE_BUF)
        flush_out(w);
    w->count++;
    if ((w->count & 255) == 0 && !keep_job(w))
        return false;
    return !w->failed;
}

struct export_task {
    struct app *app;
    struct runner *runner;
    int64_t job_id;
    int64_t export_id;
    int64_t attempt;
    bool lost;     /* another worker holds the job now: leave it alone */
    bool done;     /* nothing (more) to do */
    bool retry;    /* failed: run again later */
    bool shutdown; /* not run */
    int64_t count;
    int64_t bytes;
    int64_t ready_ms;
    char etag[64];
    char error[200];
};

/* The account's primary profile (its refId names the batch directory). */
static enum store_rc primary_of(struct store *st, struct arena *a, int64_t account_id,
                                struct profile *out)
{
    struct account acct;
    enum store_rc rc = store_account_get(st, a, account_id, &acct);
    return rc == STORE_OK ? store_profile_get(st, a, acct.primary_profile_id, out) : rc;
}

/* Deletes the temporary files of earlier attempts at one export. */
static void remove_attempts(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    size_t pn = strlen(prefix);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n > pn + 4 && !strncmp(de->d_name, prefix, pn) && !strcmp(de->d_name + n - 4, ".tmp"))
            unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

static bool fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return false;
    bool ok = fsync(fd) == 0;
    close(fd);
    return ok;
}

int64_t batch_retry_delay_ms(int64_t attempt)
{
    int64_t wait = RETRY_FIRST_MS;
    for (int64_t i = 1; i < attempt && wait < RETRY_MAX_MS; i++)
        wait *= 2;
    return wait < RETRY_MAX_MS ? wait : RETRY_MAX_MS;
}

static void export_record(void *arg)
{
    struct export_task *t = arg;
    struct app *app = t->app;
    struct store *st = app->store;
    int64_t now = time_now_ms();
    struct arena *a = arena_new();
    enum store_rc rc = STORE_OK;
    if (t->lost) {
        log_warn("batch export %lld: lease lost to another worker; this attempt stops",
                 (long long)t->export_id);
    } else if (t->shutdown || t->retry) {
        int64_t wait = t->shutdown ? 0 : batch_retry_delay_ms(t->attempt);
        rc = store_job_reschedule(st, t->job_id, now + wait);
        if (t->retry)
            log_error("batch export %lld failed (%s); retrying in %lld s", (long long)t->export_id,
                      t->error, (long long)(wait / 1000));
    } else if (t->done) {
        rc = store_job_delete(st, t->job_id);
    } else {
        struct batch_export e;
        struct profile primary;
        rc = store_batch_get(st, a, t->export_id, &e);
        if (rc == STORE_OK && e.ready_ms) {
            /* Another attempt finished first and announced it. */
            rc = store_job_delete(st, t->job_id);
            goto done;
        }
        if (rc == STORE_OK)
            rc = primary_of(st, a, e.account_id, &primary);
        if (rc == STORE_OK)
            rc = ops_batch_ready(app, t->export_id, t->ready_ms, t->count, t->bytes, t->etag,
                                 &primary, batch_url(app, a, primary.ref_id, e.file, e.expires_ms),
                                 e.expires_ms, t->job_id, now);
        if (rc == STORE_OK) {
            struct logline l;
            log_begin(&l, LOG_INFO, "batch export ready");
            jw_kint(&l.w, "export", t->export_id);
            jw_kint(&l.w, "profiles", t->count);
            jw_kint(&l.w, "bytes", t->bytes);
            jw_kint(&l.w, "ms", t->ready_ms - e.started_ms);
            log_end(&l);
        }
    }
done:
    if (rc != STORE_OK)
        log_error("cannot record batch export %lld; it will run again", (long long)t->export_id);
    arena_free(a);
    free(t);
}

/* Aborts the multipart uploads earlier attempts at key left behind (a
 * crash, a lost lease): this attempt holds the job's lease, so none of them
 * can still complete legitimately. */
static void cancel_earlier(struct app *app, const char *key)
{
    struct arena *a = arena_new();
    struct s3_pending *p = NULL;
    size_t n = 0;
    char err[512];
    if (!s3_uploads_list(app->files, a, key, 100, &p, &n, err, sizeof(err)))
        log_warn("batch: cannot list earlier uploads (%s); the sweeper retries", err);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(p[i].key, key) &&
            !s3_upload_cancel(app->files, key, p[i].upload_id, err, sizeof(err)))
            log_warn("batch: cannot abort an earlier upload (%s); the sweeper retries", err);
    arena_free(a);
}

/* Where an attempt writes: a temporary file renamed into place, or an
 * upload to the object store completed at the end. */
struct dest {
    const char *dir, *final, *tmp; /* the data directory */
    const char *key;               /* the object store */
};

static bool dest_open(struct export_task *t, struct arena *a, const struct profile *primary,
                      const struct batch_export *e, struct dest *d, struct writer *w)
{
    struct app *app = t->app;
    if (app->files) {
        d->key = object_key(a, primary->ref_id, e->file);
        cancel_earlier(app, d->key);
        w->up = s3_upload_begin(app->files, d->key, "application/json");
        return true;
    }
    d->dir = batch_dir(app, a, primary->ref_id);
    d->final = batch_path(app, a, primary->ref_id, e->file);
    /* One temporary name per attempt: an attempt that lost its lease can
     * never write into the file of the one that holds it. */
    const char *prefix = arena_printf(a, ".%s.%lld.", e->file, (long long)e->id);
    d->tmp = arena_printf(a, "%s/%s%lld.tmp", d->dir, prefix, (long long)t->attempt);
    if (!fs_mkdir_p(d->dir)) {
        snprintf(t->error, sizeof(t->error), "cannot create %s: %s", d->dir, strerror(errno));
        return false;
    }
    remove_attempts(d->dir, prefix); /* of crashed or timed-out attempts */
    w->fd = open(d->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (w->fd < 0) {
        snprintf(t->error, sizeof(t->error), "cannot write %s: %s", d->tmp, strerror(errno));
        return false;
    }
    return true;
}

/* Makes the file appear whole under its name (keep), or leaves nothing. */
static bool dest_close(struct export_task *t, const struct dest *d, struct writer *w, bool keep)
{
    if (w->up) {
        if (!keep) {
            s3_upload_abort(w->up);
            return false;
        }
        return s3_upload_finish(w->up, t->error, sizeof(t->error));
    }
    bool ok = keep && fsync(w->fd) == 0;
    ok = close(w->fd) == 0 && ok;
    /* The file appears under its name only whole and on disk. */
    ok = ok && rename(d->tmp, d->final) == 0 && fsync_dir(d->dir);
    if (!ok && keep)
        snprintf(t->error, sizeof(t->error), "writing the file failed: %s", strerror(errno));
    if (!ok)
        unlink(d->tmp);
    return ok;
}

static void export_run(void *arg)
{
    struct export_task *t = arg;
    struct app *app = t->app;
    struct arena *a = arena_new();
    struct batch_export e;
    struct profile primary;
    struct account acct;
    struct dest d = {0};
    enum store_rc rc = store_batch_get(app->store, a, t->export_id, &e);
    if (rc == STORE_NOTFOUND || (rc == STORE_OK && (e.ready_ms || e.deleted_ms))) {
        t->done = true;
        goto out;
    }
    if (rc != STORE_OK || store_account_get(app->store, a, e.account_id, &acct) != STORE_OK ||
        store_profile_get(app->store, a, acct.primary_profile_id, &primary) != STORE_OK) {
        t->retry = true;
        snprintf(t->error, sizeof(t->error), "the store could not be read");
        goto out;
    }
    struct writer w = {.app = app,
                       .acct = &acct,
                       .now_ms = time_now_ms(),
                       .quota = -1,
                       .fd = -1,
                       .runner = t->runner,
                       .job_id = t->job_id,
                       .kept_ms = time_mono_ms()};
    if (!dest_open(t, a, &primary, &e, &d, &w)) {
        t->retry = true;
        goto out;
    }
    if (w.up)
        s3_upload_set_keep(w.up, keep_job, &w);
    const struct plan *plan = config_plan(app->cfg, acct.plan);
    w.quota = plan ? plan->monthly_quota : -1;
    /* Flushed past WRITE_BUF; one body may add up to 4 MiB. */
    buf_init(&w.out, WRITE_BUF + ((size_t)4 << 20));
    buf_reserve(&w.out, WRITE_BUF + 64 * 1024);
    buf_init(&w.active, (size_t)1 << 20);
    buf_init(&w.names, (size_t)1 << 20);
    usage_flush(app->usage); /* monthlyApiCalls as GET /api/user would show them */
    char month[8];
    time_month_key(w.now_ms, month, sizeof(month));
    rc = store_batch_scan(app->store, e.account_id, month, each, &w);
    put(&w, w.count ? "]" : "[]", w.count ? 1 : 2);
    flush_out(&w);
    buf_free(&w.out);
    buf_free(&w.active);
    buf_free(&w.names);
    bool written = rc == STORE_OK && !w.failed && !w.lost && !w.stopping;
    if (!written && !w.lost && !w.stopping) {
        const char *why = rc != STORE_OK                    ? "store error"
                          : w.up && s3_upload_failure(w.up) ? s3_upload_failure(w.up)
                                                            : strerror(errno);
        snprintf(t->error, sizeof(t->error), "writing the file failed: %s", why);
    }
    if (!dest_close(t, &d, &w, written) || w.lost || w.stopping) {
        /* Lost: another worker has it. Stopping: it runs again at once
         * after the restart (or on another process). */
        t->lost = w.lost;
        t->shutdown = !w.lost && w.stopping;
        t->retry = !w.lost && !w.stopping;
        goto out;
    }
    t->count = w.count;
    t->bytes = (int64_t)w.bytes;
    t->ready_ms = time_now_ms();
    snprintf(t->etag, sizeof(t->etag), "\"b%lld-%llu\"", (long long)e.id,
             (unsigned long long)w.bytes);
out:
    arena_free(a);
    runner_finish(t->runner, t->job_id, export_record, t);
}

static void export_start(void *ctx, struct runner *r, const struct job *job)
{
    struct app *app = ctx;
    struct export_task *t = mem_calloc(1, sizeof(*t));
    t->app = app;
    t->runner = r;
    t->job_id = job->id;
    t->export_id = job->ref;
    t->attempt = job->attempts;
    if (!offload_run(app->upkeep_offload, export_run, t)) {
        t->shutdown = true;
        runner_finish(r, t->job_id, export_record, t);
    }
}

struct runner_kind batch_job_kind(struct app *app)
{
    return (struct runner_kind){.name = "batch", .start = export_start, .ctx = app};
}

/* ---- the sweeper: rows past retention and expired files go ----
 *
 * One 'sweep' job for the server (one process at a time takes it): every
 * sweep_interval seconds, or sooner when more is waiting. The retention
 * deletes (ops_retention_sweep, short transactions of its own) run on an
 * upkeep worker, never in the runner's drain transaction; the files and the
 * next run are recorded on the runner thread. */

struct sweep_task {
    struct app *app;
    struct runner *runner;
    int64_t job_id;
    bool more;   /* retention or expired files left rows for the next run */
    bool failed; /* an expired file could not be deleted */
};

/* Deletes the files of exports whose URL expired; true when more wait.
 * *failed: one could not be deleted (it stays due: the next sweep retries). */
static bool delete_expired(struct app *app, int64_t now, bool *failed)
{
    struct store *st = app->store;
    struct arena *a = arena_new();
    struct batch_export *ex = NULL;
    size_t n = 0, removed = 0;
    char err[512];
    if (store_batch_expired(st, a, now, SWEEP_MAX, &ex, &n) != STORE_OK)
        n = 0;
    for (size_t i = 0; i < n; i++) {
        struct profile primary;
        if (primary_of(st, a, ex[i].account_id, &primary) == STORE_OK) {
            /* A newer export of the same name owns the file now. */
            struct batch_export cur;
            if (store_batch_by_file(st, a, ex[i].account_id, ex[i].file, &cur) != STORE_OK ||
                cur.id == ex[i].id) {
                if (!app->files) {
                    unlink(batch_path(app, a, primary.ref_id, ex[i].file));
                } else if (!s3_delete(app->files, object_key(a, primary.ref_id, ex[i].file), err,
                                      sizeof(err))) {
                    log_warn("batch: cannot delete an expired file (%s); the next sweep retries",
                             err);
                    *failed = true;
                    continue;
                }
            }
        }
        if (store_batch_deleted(st, ex[i].id, now) == STORE_OK)
            removed++;
    }
    if (removed) {
        struct logline l;
        log_begin(&l, LOG_INFO, "expired batch files deleted");
        jw_kint(&l.w, "files", (int64_t)removed);
        log_end(&l);
    }
    arena_free(a);
    return n == SWEEP_MAX;
}

/* True when key (batch/<refId>/<file>) is being written by a live export. */
static bool in_flight(struct app *app, struct arena *a, const char *key)
{
    char ref[80];
    const char *slash = strncmp(key, "batch/", 6) ? NULL : strchr(key + 6, '/');
    if (!slash || (size_t)(slash - key - 6) >= sizeof(ref))
        return false;
    memcpy(ref, key + 6, (size_t)(slash - key - 6));
    ref[slash - key - 6] = '\0';
    struct account acct;
    struct batch_export e;
    return store_account_find(app->store, a, ref, &acct) == STORE_OK && acct.ref_id &&
           !strcmp(acct.ref_id, ref) &&
           store_batch_by_file(app->store, a, acct.id, slash + 1, &e) == STORE_OK && !e.ready_ms &&
           !e.deleted_ms;
}

/* Aborts multipart uploads no export is writing any more (a process killed
 * mid-upload leaves one behind; its export's next attempt aborts those of
 * its own key first, this catches the rest), and any older than a day. */
static void abort_abandoned(struct app *app, int64_t now)
{
    struct arena *a = arena_new();
    struct s3_pending *p = NULL;
    size_t n = 0, aborted = 0;
    char err[512];
    if (!s3_uploads_list(app->files, a, "batch/", STALE_UPLOADS, &p, &n, err, sizeof(err)))
        log_warn("batch: cannot list pending uploads (%s)", err);
    for (size_t i = 0; i < n; i++) {
        bool old = p[i].initiated_ms && now - p[i].initiated_ms > STALE_AFTER;
        if (!old && in_flight(app, a, p[i].key))
            continue;
        if (s3_upload_cancel(app->files, p[i].key, p[i].upload_id, err, sizeof(err)))
            aborted++;
        else
            log_warn("batch: cannot abort an abandoned upload (%s)", err);
    }
    if (aborted) {
        struct logline l;
        log_begin(&l, LOG_INFO, "abandoned batch uploads aborted");
        jw_kint(&l.w, "uploads", (int64_t)aborted);
        log_end(&l);
    }
    arena_free(a);
}

/* On the runner thread: the next run. */
static void sweep_record(void *arg)
{
    struct sweep_task *t = arg;
    struct app *app = t->app;
    int64_t now = time_now_ms();
    /* Sooner when more are waiting, or when the next file expires. */
    int64_t next = t->more ? now : now + app->cfg->sweep_interval_s * 1000;
    int64_t soon = next;
    if (store_batch_next_expiry(app->store, &soon) == STORE_OK && soon < next)
        next = soon > now ? soon : now + 1000;
    /* A file the store would not delete is due still: not every second. */
    if (t->failed && next < now + SWEEP_RETRY_MS)
        next = now + SWEEP_RETRY_MS;
    store_job_reschedule(app->store, t->job_id, next);
    free(t);
}

/* On an upkeep worker: expired files (the object store is a network call),
 * abandoned uploads, then the retention deletes, each batch committed alone. */
static void sweep_run(void *arg)
{
    struct sweep_task *t = arg;
    struct app *app = t->app;
    int64_t now = time_now_ms();
    t->more = delete_expired(app, now, &t->failed);
    if (app->files)
        abort_abandoned(app, now);
    struct retention_counts c;
    enum store_rc rc = ops_retention_sweep(app, now, SWEEP_BATCHES, &c);
    if (rc != STORE_OK)
        log_warn("the retention sweep failed; it runs again at the next sweep");
    if (c.deliveries + c.events + c.webhooks + c.profiles + c.exports) {
        struct logline l;
        log_begin(&l, LOG_INFO, "rows past retention deleted");
        jw_kint(&l.w, "deliveries", (int64_t)c.deliveries);
        jw_kint(&l.w, "events", (int64_t)c.events);
        jw_kint(&l.w, "webhooks", (int64_t)c.webhooks);
        jw_kint(&l.w, "profiles", (int64_t)c.profiles);
        jw_kint(&l.w, "exports", (int64_t)c.exports);
        log_end(&l);
    }
    t->more = t->more || (rc == STORE_OK && c.more);
    runner_finish(t->runner, t->job_id, sweep_record, t);
}

static void sweep_start(void *ctx, struct runner *r, const struct job *job)
{
    struct sweep_task *t = mem_calloc(1, sizeof(*t));
    t->app = ctx;
    t->runner = r;
    t->job_id = job->id;
    if (!offload_run(t->app->upkeep_offload, sweep_run, t))
        runner_finish(r, t->job_id, sweep_record, t); /* stopping: the next run only */
}

struct runner_kind sweep_job_kind(struct app *app)
{
    return (struct runner_kind){.name = "sweep", .start = sweep_start, .ctx = app};
}
