/*
 * webhook: the job that delivers one webhook event (SPEC §8).
 *
 * Guarantees (with the runner's): at least once — a delivery ends only when
 * the receiver answered 2xx, gave a final answer, or every attempt failed;
 * an attempt cut by a crash is repeated after the job's lease expires. The
 * hookId is the event's, the same on every attempt and resend, so
 * receivers deduplicate on it.
 *
 * Each attempt is a POST of the event's JSON with:
 *   X-Authorization-Timestamp: <unix s>
 *   X-Authorization-Content-SHA256: hex HMAC-SHA256(secret, body)      (Ayrshare's)
 *   X-Sociald-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, t "." body)>
 *   X-Sociald-Delivery: <delivery id>   X-Sociald-Attempt: <n>
 * For 24 h after the profile's secret was rotated, the previous secret signs
 * too: X-Authorization-Content-SHA256-Previous and a second v1= entry. The
 * secret is the webhook owner's, else the account's; with neither, the
 * attempt goes unsigned (no signature headers), as Ayrshare's do.
 *
 * Outcomes: 2xx delivered; network errors, timeouts, 408, 425, 429 and 5xx
 * are retried after the configured delays (default 5 s, 30 s, 2 min, 10 min,
 * 30 min, 1 h; a longer Retry-After is honoured up to the longest delay);
 * other answers are final. A webhook whose last webhook_disable_after
 * events (default 10) all failed is disabled.
 */
#include "jobs/webhook.h"
#include "core/metrics.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "crypto/vault.h"
#include "runner/runner.h"
#include "platforms/client.h"
#include "ops/ops.h"
#include "store/deliveries.h"
#include "store/jobs.h"
#include "store/store.h"
#include "store/webhooks.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROTATION_OVERLAP_MS (24 * 3600 * 1000LL)

/* One attempt, from start on the runner thread to record there again. */
struct attempt {
    struct app *app;
    struct runner *runner;
    int64_t job_id;
    int64_t delivery_id;
    int64_t attempt;
    char public_id[32];
    char hook_id[32];
    char *url;
    bool cancel;   /* nothing to send: the delivery ended meanwhile */
    bool shutdown; /* the client stopped before an answer */
    enum client_error error;
    long status;
    char *error_text;
    int64_t retry_after_ms;
    int64_t elapsed_ms;
};

static void attempt_free(struct attempt *at)
{
    free(at->url);
    free(at->error_text);
    free(at);
}

/* A short, log-safe description of a failed attempt. */
static char *describe(const struct attempt *at)
{
    char text[160];
    if (at->error == CLIENT_OK || (at->error == CLIENT_TOO_LARGE && at->status))
        snprintf(text, sizeof(text), "the receiver answered HTTP %ld", at->status);
    else
        snprintf(text, sizeof(text), "%s: %s", client_error_name(at->error),
                 at->error_text ? at->error_text : "");
    return mem_strdup(text);
}

static bool transient(enum client_error error, long status)
{
    if (error == CLIENT_BLOCKED)
        return false; /* the address is not allowed: retrying will not help */
    if (error != CLIENT_OK && !(error == CLIENT_TOO_LARGE && status))
        return true;
    return status == 408 || status == 425 || status == 429 || status >= 500;
}

const char *webhook_verdict(const struct config *cfg, enum client_error error, long status,
                            int64_t attempt, int64_t retry_after_ms, int64_t *delay_ms)
{
    *delay_ms = 0;
    if ((error == CLIENT_OK || error == CLIENT_TOO_LARGE) && status >= 200 && status < 300)
        return "delivered";
    int64_t max_attempts = (int64_t)cfg->webhook_nretries + 1;
    if (!transient(error, status) || attempt < 1 || attempt >= max_attempts)
        return "failed";
    int64_t delay = cfg->webhook_retry_ms[attempt - 1];
    int64_t longest = cfg->webhook_retry_ms[cfg->webhook_nretries - 1];
    if (retry_after_ms > delay)
        delay = retry_after_ms < longest ? retry_after_ms : longest;
    *delay_ms = delay;
    return "pending";
}

/* Logs an attempt's recorded outcome. */
static void log_outcome(const struct config *cfg, const struct attempt *at,
                        const struct delivery_outcome *o, bool disabled)
{
    bool ok = !strcmp(o->status, "delivered");
    struct logline l;
    log_begin(&l, ok ? LOG_INFO : LOG_WARN, "webhook delivery");
    jw_kstr(&l.w, "delivery", at->public_id);
    jw_kstr(&l.w, "hookId", at->hook_id);
    jw_kint(&l.w, "attempt", at->attempt);
    jw_kstr(&l.w, "outcome", o->status);
    if (at->status)
        jw_kint(&l.w, "status", at->status);
    if (o->error)
        jw_kstr(&l.w, "error", o->error);
    jw_kint(&l.w, "ms", at->elapsed_ms);
    log_end(&l);
    if (disabled)
        log_warn("webhook of delivery %s disabled after %lld failed events in a row", at->public_id,
                 (long long)cfg->webhook_disable_after);
}

/*
 * Records a drain's attempts together (runner_kind.record_many), inside
 * the drain's transaction: the jobs of attempts that did not happen end
 * (cancelled) or run again first thing (cut by shutdown: not the
 * receiver's fault), and the outcomes of the rest go to
 * ops_delivery_record_many as one batch.
 */
static void record_many(void *ctx, void **args, size_t n)
{
    struct app *app = ctx;
    const struct config *cfg = app->cfg;
    struct store *st = app->store;
    int64_t now = time_now_ms();
    struct delivery_outcome *o = mem_calloc(n, sizeof(*o));
    struct attempt **sent = mem_calloc(n, sizeof(*sent)); /* o[k]'s attempt */
    int64_t *job_ids = mem_calloc(n, sizeof(*job_ids));
    bool *disabled = mem_calloc(n, sizeof(*disabled));
    int64_t *cancelled = mem_calloc(n, sizeof(*cancelled));
    struct job_release *again = mem_calloc(n, sizeof(*again));
    size_t no = 0, nc = 0, na = 0;
    for (size_t i = 0; i < n; i++) {
        struct attempt *at = args[i];
        if (at->cancel) {
            metrics_delivery(MD_CANCELLED);
            cancelled[nc++] = at->job_id;
            continue;
        }
        if (at->shutdown) {
            again[na++] = (struct job_release){at->job_id, now};
            continue;
        }
        int64_t delay = 0;
        const char *verdict =
            webhook_verdict(cfg, at->error, at->status, at->attempt, at->retry_after_ms, &delay);
        bool ok = !strcmp(verdict, "delivered"), pending = !strcmp(verdict, "pending");
        o[no] = (struct delivery_outcome){
            .delivery_id = at->delivery_id,
            .status = verdict,
            .attempts = at->attempt,
            .http_status = at->status,
            .error = ok ? NULL : describe(at),
            .url = at->url,
            .attempt_ms = now,
            .next_attempt_ms = pending ? now + delay : 0,
            .disable_after = (int)cfg->webhook_disable_after,
        };
        metrics_delivery(ok ? MD_DELIVERED : pending ? MD_RETRY : MD_FAILED);
        job_ids[no] = at->job_id;
        sent[no++] = at;
    }
    if (store_job_delete_many(st, cancelled, nc) != STORE_OK ||
        store_job_reschedule_many(st, again, na) != STORE_OK)
        log_error("cannot end %zu webhook jobs; they will run again", nc + na);
    if (ops_delivery_record_many(app, o, job_ids, no, disabled) != STORE_OK)
        log_error("cannot record %zu webhook deliveries; they will be retried", no);
    for (size_t k = 0; k < no; k++) {
        log_outcome(cfg, sent[k], &o[k], disabled[k]);
        free((char *)o[k].error);
    }
    for (size_t i = 0; i < n; i++)
        attempt_free(args[i]);
    free(o);
    free(sent);
    free(job_ids);
    free(disabled);
    free(cancelled);
    free(again);
}

static void on_answer(void *arg, const struct client_response *resp)
{
    struct attempt *at = arg;
    at->shutdown = resp->error == CLIENT_SHUTDOWN;
    at->error = resp->error;
    at->status = resp->status;
    at->elapsed_ms = resp->elapsed_ms;
    if (resp->error_text)
        at->error_text = mem_strdup(resp->error_text);
    int64_t secs;
    if (resp->retry_after && str_to_i64(resp->retry_after, 0, 86400, &secs))
        at->retry_after_ms = secs * 1000;
    runner_finish(at->runner, at->job_id, NULL, at);
}

/* hex HMAC-SHA256(key, prefix || body) into out (65 bytes). */
static void sign(const char *key, size_t keylen, const char *prefix, const char *body, char *out)
{
    unsigned char mac[32];
    if (prefix && *prefix) {
        size_t pl = strlen(prefix), bl = strlen(body);
        char *msg = mem_malloc(pl + bl + 1);
        memcpy(msg, prefix, pl);
        memcpy(msg + pl, body, bl + 1);
        crypto_hmac_sha256(key, keylen, msg, pl + bl, mac);
        free(msg);
    } else {
        crypto_hmac_sha256(key, keylen, body, strlen(body), mac);
    }
    crypto_hex(mac, 32, out);
}

size_t webhook_sign(struct arena *a, const char *secret, size_t secret_len, const char *prev,
                    size_t prev_len, const char *ts, const char *body, const char *out[3])
{
    char sig[65], sig_prev[65], prefix[32];
    size_t n = 0;
    snprintf(prefix, sizeof(prefix), "%s.", ts);
    sign(secret, secret_len, NULL, body, sig);
    out[n++] = arena_printf(a, "X-Authorization-Content-SHA256: %s", sig);
    sign(secret, secret_len, prefix, body, sig);
    if (prev) {
        sign(prev, prev_len, prefix, body, sig_prev);
        out[n++] = arena_printf(a, "X-Sociald-Signature: t=%s,v1=%s,v1=%s", ts, sig, sig_prev);
        sign(prev, prev_len, NULL, body, sig_prev);
        out[n++] = arena_printf(a, "X-Authorization-Content-SHA256-Previous: %s", sig_prev);
    } else {
        out[n++] = arena_printf(a, "X-Sociald-Signature: t=%s,v1=%s", ts, sig);
    }
    return n;
}

/*
 * Sends job's delivery: ds is its row (NULL when gone) as the lease's read
 * (rc) found it; a is the batch's arena. Ends the job at once when there
 * is nothing to send.
 */
static void send_one(struct app *app, struct runner *r, const struct job *job, enum store_rc rc,
                     const struct delivery_send *ds, struct arena *a)
{
    struct attempt *at = mem_calloc(1, sizeof(*at));
    at->app = app;
    at->runner = r;
    at->job_id = job->id;
    at->delivery_id = job->ref;
    at->attempt = job->attempts;
    if (rc != STORE_OK || !ds || strcmp(ds->d.status, "pending") != 0 || !ds->d.url) {
        /* Gone, finished, or cancelled with its webhook: drop the job. */
        at->cancel = rc != STORE_ERROR;
        if (rc == STORE_ERROR)
            at->shutdown = true; /* try again soon */
        runner_finish(r, at->job_id, NULL, at);
        return;
    }
    const struct delivery *d = &ds->d;
    snprintf(at->public_id, sizeof(at->public_id), "%s", d->public_id);
    snprintf(at->hook_id, sizeof(at->hook_id), "%s", d->hook_id);
    at->url = mem_strdup(d->url);

    /* Signing secrets of the webhook's owner (the account or the profile),
     * else the account's: a profile's webhook registered without a secret
     * is signed with the account's, unsigned only when neither has one. */
    const struct webhook_secret *ws = &ds->secret;
    char *cur = NULL, *prev = NULL;
    size_t cur_len = 0, prev_len = 0;
    char aad[64];
    if (ws->profile_id) {
        snprintf(aad, sizeof(aad), "webhook_secret:%lld", (long long)ws->profile_id);
        if (ws->secret)
            cur = vault_unseal(app->vault, ws->secret, ws->secret_len, aad, &cur_len);
        if (ws->prev && time_now_ms() - ws->rotated_ms < ROTATION_OVERLAP_MS)
            prev = vault_unseal(app->vault, ws->prev, ws->prev_len, aad, &prev_len);
        if (ws->secret && !cur)
            log_error("cannot unseal the webhook secret of profile %lld (master key missing?)",
                      (long long)ws->profile_id);
    }

    const char *body = d->payload;
    char ts[24];
    snprintf(ts, sizeof(ts), "%lld", (long long)(time_now_ms() / 1000));
    const char *headers[10];
    size_t nh = 0;
    headers[nh++] = "Content-Type: application/json";
    headers[nh++] = arena_printf(a, "X-Authorization-Timestamp: %s", ts);
    headers[nh++] = arena_printf(a, "X-Sociald-Delivery: %s", d->public_id);
    headers[nh++] = arena_printf(a, "X-Sociald-Attempt: %lld", (long long)job->attempts);
    if (cur)
        nh += webhook_sign(a, cur, cur_len, prev, prev_len, ts, body, headers + nh);
    vault_wipe(cur, cur_len);
    vault_wipe(prev, prev_len);
    struct client_request req = {
        .method = "POST",
        .url = d->url,
        .headers = headers,
        .nheaders = nh,
        .body = body,
        .body_len = strlen(body),
        .timeout_ms = app->cfg->webhook_timeout_ms,
        .allow_private = app->cfg->webhook_allow_private,
        .max_response = 64 * 1024,
    };
    client_submit(app->client, &req, on_answer, at);
}

static int send_cmp(const void *key, const void *elem)
{
    int64_t id = *(const int64_t *)key, other = ((const struct delivery_send *)elem)->d.id;
    return id < other ? -1 : id > other;
}

/* Starts a lease's deliveries (runner_kind.start_many): one read for all
 * of them, then a request each. */
static void start_many(void *ctx, struct runner *r, const struct job *jobs, size_t n)
{
    struct app *app = ctx;
    struct arena *a = arena_new();
    int64_t *ids = arena_alloc(a, n * sizeof(*ids));
    for (size_t i = 0; i < n; i++)
        ids[i] = jobs[i].ref;
    struct delivery_send *rows = NULL;
    size_t nrows = 0;
    enum store_rc rc = store_delivery_get_many(app->store, a, ids, n, &rows, &nrows);
    for (size_t i = 0; i < n; i++) {
        /* rows come in id order */
        const struct delivery_send *ds =
            rc == STORE_OK ? bsearch(&jobs[i].ref, rows, nrows, sizeof(*rows), send_cmp) : NULL;
        send_one(app, r, &jobs[i], rc, ds, a);
    }
    arena_free(a);
}

struct runner_kind webhook_job_kind(struct app *app)
{
    return (struct runner_kind){
        .name = "webhook", .start_many = start_many, .record_many = record_many, .ctx = app};
}
