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

static void record(void *arg)
{
    struct attempt *at = arg;
    struct app *app = at->app;
    const struct config *cfg = app->cfg;
    int64_t now = time_now_ms();
    struct store *st = app->store;

    if (at->cancel) {
        metrics_delivery(MD_CANCELLED);
        store_job_delete(st, at->job_id);
        attempt_free(at);
        return;
    }
    if (at->shutdown) {
        /* Not the receiver's fault: run again first thing. */
        store_job_reschedule(st, at->job_id, now);
        attempt_free(at);
        return;
    }
    int64_t delay = 0;
    const char *verdict =
        webhook_verdict(cfg, at->error, at->status, at->attempt, at->retry_after_ms, &delay);
    bool ok = !strcmp(verdict, "delivered");
    struct delivery_outcome o = {
        .status = verdict,
        .attempts = at->attempt,
        .http_status = at->status,
        .url = at->url,
        .attempt_ms = now,
        .disable_after = (int)cfg->webhook_disable_after,
    };
    char *err = NULL;
    if (!ok) {
        err = describe(at);
        o.error = err;
    }
    if (!strcmp(verdict, "pending"))
        o.next_attempt_ms = now + delay;
    metrics_delivery(ok ? MD_DELIVERED : !strcmp(o.status, "pending") ? MD_RETRY : MD_FAILED);
    bool disabled = false;
    enum store_rc rc = ops_delivery_record(app, at->delivery_id, &o, at->job_id, &disabled);
    if (rc != STORE_OK)
        log_error("cannot record webhook delivery %s; it will be retried", at->public_id);

    struct logline l;
    log_begin(&l, ok ? LOG_INFO : LOG_WARN, "webhook delivery");
    jw_kstr(&l.w, "delivery", at->public_id);
    jw_kstr(&l.w, "hookId", at->hook_id);
    jw_kint(&l.w, "attempt", at->attempt);
    jw_kstr(&l.w, "outcome", o.status);
    if (at->status)
        jw_kint(&l.w, "status", at->status);
    if (err)
        jw_kstr(&l.w, "error", err);
    jw_kint(&l.w, "ms", at->elapsed_ms);
    log_end(&l);
    if (disabled)
        log_warn("webhook of delivery %s disabled after %lld failed events in a row", at->public_id,
                 (long long)cfg->webhook_disable_after);
    free(err);
    attempt_free(at);
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
    runner_finish(at->runner, at->job_id, record, at);
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

static void start(void *ctx, struct runner *r, const struct job *job)
{
    struct app *app = ctx;
    struct attempt *at = mem_calloc(1, sizeof(*at));
    at->app = app;
    at->runner = r;
    at->job_id = job->id;
    at->delivery_id = job->ref;
    at->attempt = job->attempts;
    struct arena *a = arena_new();
    struct delivery d;
    enum store_rc rc = store_delivery_get(app->store, a, job->ref, &d);
    if (rc != STORE_OK || strcmp(d.status, "pending") != 0 || !d.url) {
        /* Gone, finished, or cancelled with its webhook: drop the job. */
        at->cancel = rc != STORE_ERROR;
        if (rc == STORE_ERROR)
            at->shutdown = true; /* try again soon */
        arena_free(a);
        runner_finish(r, at->job_id, record, at);
        return;
    }
    snprintf(at->public_id, sizeof(at->public_id), "%s", d.public_id);
    snprintf(at->hook_id, sizeof(at->hook_id), "%s", d.hook_id);
    at->url = mem_strdup(d.url);

    /* Signing secrets of the webhook's owner (the account or the profile),
     * else the account's: a profile's webhook registered without a secret
     * is signed with the account's, unsigned only when neither has one. */
    struct webhook_secret ws;
    char *cur = NULL, *prev = NULL;
    size_t cur_len = 0, prev_len = 0;
    char aad[64];
    if (store_webhook_secret_get(app->store, a, d.webhook_profile_id, &ws) == STORE_OK) {
        snprintf(aad, sizeof(aad), "webhook_secret:%lld", (long long)ws.profile_id);
        if (ws.secret)
            cur = vault_unseal(app->vault, ws.secret, ws.secret_len, aad, &cur_len);
        if (ws.prev && time_now_ms() - ws.rotated_ms < ROTATION_OVERLAP_MS)
            prev = vault_unseal(app->vault, ws.prev, ws.prev_len, aad, &prev_len);
        if (ws.secret && !cur)
            log_error("cannot unseal the webhook secret of profile %lld (master key missing?)",
                      (long long)ws.profile_id);
    }

    const char *body = d.payload;
    char ts[24];
    snprintf(ts, sizeof(ts), "%lld", (long long)(time_now_ms() / 1000));
    const char *headers[10];
    size_t nh = 0;
    headers[nh++] = "Content-Type: application/json";
    headers[nh++] = arena_printf(a, "X-Authorization-Timestamp: %s", ts);
    headers[nh++] = arena_printf(a, "X-Sociald-Delivery: %s", d.public_id);
    headers[nh++] = arena_printf(a, "X-Sociald-Attempt: %lld", (long long)job->attempts);
    if (cur)
        nh += webhook_sign(a, cur, cur_len, prev, prev_len, ts, body, headers + nh);
    vault_wipe(cur, cur_len);
    vault_wipe(prev, prev_len);
    struct client_request req = {
        .method = "POST",
        .url = d.url,
        .headers = headers,
        .nheaders = nh,
        .body = body,
        .body_len = strlen(body),
        .timeout_ms = app->cfg->webhook_timeout_ms,
        .allow_private = app->cfg->webhook_allow_private,
        .max_response = 64 * 1024,
    };
    client_submit(app->client, &req, on_answer, at);
    arena_free(a);
}

struct runner_kind webhook_job_kind(struct app *app)
{
    return (struct runner_kind){.name = "webhook", .start = start, .ctx = app};
}
