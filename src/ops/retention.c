/*
 * ops/retention: deleting rows past their keeping time (see ops.h).
 *
 * Guarantees: each batch (at most RETAIN_BATCH rows, RETAIN_PROFILES
 * tombstones) is one short write transaction of its own, so the sweep
 * never holds the write lock for long and a request or a job that wants it
 * waits one batch at most. A crash between batches leaves what the
 * committed ones deleted; the next sweep goes on from there. The order
 * (deliveries, then events and webhooks, then tombstones) deletes what
 * names a row before the row, so each batch is valid on its own.
 */
#include "ops/ops.h"
#include "core/config.h"
#include "store/retention.h"
#include "store/store.h"

#include <string.h>

/* Rows per transaction: ~1,000 keeps a batch in the low milliseconds. */
#define RETAIN_BATCH 1000
/* Tombstones per transaction: each bumps its change stamp at commit, and
 * the store tracks 64 per transaction before it bumps every stamp (which
 * would empty every directory's cache). */
#define RETAIN_PROFILES 64

typedef enum store_rc (*retain_fn)(struct store *st, int64_t cutoff_ms, size_t max, size_t *n);

/* Runs fn in batches until it finds fewer than max rows or *budget batches
 * are spent; adds what it deleted to *total. */
static enum store_rc retain(struct store *st, retain_fn fn, int64_t keep_s, int64_t now_ms,
                            size_t max, size_t *budget, size_t *total, bool *more)
{
    if (keep_s <= 0)
        return STORE_OK; /* kept for ever */
    int64_t cutoff = now_ms - keep_s * 1000;
    size_t n = max;
    while (n == max) {
        if (*budget == 0) {
            *more = true;
            return STORE_OK;
        }
        (*budget)--;
        enum store_rc rc = store_begin(st);
        if (rc == STORE_OK)
            rc = fn(st, cutoff, max, &n);
        if (rc != STORE_OK) {
            store_rollback(st);
            return rc;
        }
        rc = store_commit(st);
        if (rc != STORE_OK)
            return rc;
        *total += n;
    }
    return STORE_OK;
}

enum store_rc ops_retention_sweep(struct app *app, int64_t now_ms, size_t max_batches,
                                  struct retention_counts *out)
{
    const struct config *cfg = app->cfg;
    struct store *st = app->store;
    memset(out, 0, sizeof(*out));
    size_t budget = max_batches;
    enum store_rc rc = retain(st, store_retain_deliveries, cfg->retain_deliveries_s, now_ms,
                              RETAIN_BATCH, &budget, &out->deliveries, &out->more);
    if (rc == STORE_OK)
        rc = retain(st, store_retain_events, cfg->retain_events_s, now_ms, RETAIN_BATCH, &budget,
                    &out->events, &out->more);
    if (rc == STORE_OK)
        rc = retain(st, store_retain_webhooks, cfg->retain_deliveries_s, now_ms, RETAIN_BATCH,
                    &budget, &out->webhooks, &out->more);
    if (rc == STORE_OK)
        rc = retain(st, store_retain_profiles, cfg->retain_deleted_s, now_ms, RETAIN_PROFILES,
                    &budget, &out->profiles, &out->more);
    if (rc == STORE_OK)
        rc = retain(st, store_retain_batch, cfg->retain_jobs_s, now_ms, RETAIN_BATCH, &budget,
                    &out->exports, &out->more);
    return rc;
}
