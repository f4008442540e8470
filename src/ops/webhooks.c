/*
 * ops/webhooks: a webhook's registration and secret, and a delivery's
 * outcome (see ops.h for what is written together).
 */
#include "crypto/vault.h"
#include "ops/events.h"
#include "ops/ops.h"
#include "store/deliveries.h"
#include "store/jobs.h"
#include "store/store.h"
#include "store/webhooks.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Seals and stores the profile's secret; inside the caller's transaction
 * when there is one. */
static enum store_rc save_secret(struct app *app, int64_t profile_id, const char *secret,
                                 int64_t now_ms)
{
    char aad[64];
    snprintf(aad, sizeof(aad), "webhook_secret:%lld", (long long)profile_id);
    size_t n = 0;
    unsigned char *sealed = vault_seal(app->vault, secret, strlen(secret), aad, &n);
    if (!sealed)
        return STORE_ERROR;
    enum store_rc rc = store_webhook_secret_set(app->store, profile_id, sealed, n,
                                                vault_key_of(sealed, n), now_ms);
    free(sealed);
    return rc;
}

enum store_rc ops_webhook_register(struct app *app, int64_t account_id, int64_t profile_id,
                                   const char *action, const char *url, const char *secret,
                                   int64_t now_ms)
{
    struct store *st = app->store;
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    rc = store_webhook_put(st, account_id, profile_id, action, url, now_ms);
    if (rc == STORE_OK && secret)
        rc = save_secret(app, profile_id, secret, now_ms);
    if (rc == STORE_OK)
        return store_commit(st);
    store_rollback(st);
    return rc;
}

enum store_rc ops_webhook_secret_set(struct app *app, int64_t profile_id, const char *secret,
                                     int64_t now_ms)
{
    return save_secret(app, profile_id, secret, now_ms);
}

enum store_rc ops_delivery_record_many(struct app *app, const struct delivery_outcome *o,
                                       const int64_t *job_ids, size_t n, bool *disabled)
{
    struct store *st = app->store;
    int64_t *ended = mem_malloc((n ? n : 1) * sizeof(*ended));
    struct job_release *again = mem_malloc((n ? n : 1) * sizeof(*again));
    size_t nended = 0, nagain = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(o[i].status, "pending"))
            ended[nended++] = job_ids[i];
        else
            again[nagain++] = (struct job_release){job_ids[i], o[i].next_attempt_ms};
    }
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        goto out;
    rc = store_delivery_record_many(st, o, n, disabled);
    if (rc == STORE_OK)
        rc = store_job_delete_many(st, ended, nended);
    if (rc == STORE_OK)
        rc = store_job_reschedule_many(st, again, nagain);
    if (rc == STORE_OK)
        rc = store_commit(st);
    else
        store_rollback(st);
out:
    free(ended);
    free(again);
    return rc;
}

enum store_rc ops_delivery_resend(struct app *app, int64_t delivery_id, const char *public_id,
                                  int64_t now_ms, int64_t *new_id)
{
    enum store_rc rc = store_delivery_resend(app->store, delivery_id, public_id, now_ms, new_id);
    if (rc == STORE_OK)
        ops_kick(app);
    return rc;
}
