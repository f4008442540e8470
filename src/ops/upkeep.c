/*
 * ops/upkeep: the changes the upkeep jobs record — a refresh's outcome,
 * relink_required, LinkedIn's reminder, a details refresh (see ops.h).
 * They run on the upkeep runner's thread inside its drain's transaction
 * (runner/runner.h), which they join.
 */
#include "crypto/crypto.h"
#include "ops/events.h"
#include "ops/ops.h"
#include "ops/schedule.h"
#include "platforms/names.h"
#include "store/jobs.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "store/store.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINKEDIN_LIFETIME_MS (365 * MS_PER_DAY)

int64_t ops_refresh_at(int64_t issued_ms, int64_t expires_ms)
{
    int64_t life = expires_ms - issued_ms;
    if (life <= 0)
        return issued_ms < expires_ms ? issued_ms : expires_ms;
    return issued_ms + life / 5 * 4;
}

int64_t ops_remind_at(int64_t linked_ms, int64_t refresh_expires_ms)
{
    int64_t deadline = linked_ms + LINKEDIN_LIFETIME_MS;
    if (refresh_expires_ms > 0 && refresh_expires_ms < deadline)
        deadline = refresh_expires_ms;
    return deadline - OPS_REMIND_BEFORE_MS;
}

int64_t ops_refresh_next(int64_t now_ms, int64_t expires_ms)
{
    if (!expires_ms)
        return 0;
    int64_t at = ops_refresh_at(now_ms, expires_ms);
    int64_t spread = (expires_ms - now_ms) / 20;
    if (spread > 3600000)
        spread = 3600000;
    return spread > 0 ? at - (int64_t)(crypto_random_u64() % (uint64_t)spread) : at;
}

enum store_rc ops_schedule_linked(struct store *st, int64_t linked_id, const char *platform,
                                  const struct linked_secret *sec, int64_t now_ms)
{
    enum store_rc rc = STORE_OK;
    if (sec->access_expires_ms) {
        int64_t at = ops_refresh_next(now_ms, sec->access_expires_ms);
        rc = store_job_put(st, "refresh", linked_id, at, now_ms, true);
    } else {
        rc = store_job_drop(st, "refresh", linked_id);
    }
    if (rc == STORE_OK && !strcmp(platform, "linkedin")) {
        int64_t at = ops_remind_at(now_ms, sec->refresh_expires_ms);
        rc = store_job_put(st, "remind", linked_id, at > now_ms ? at : now_ms, now_ms, true);
    }
    return rc;
}

enum store_rc ops_refresh_saved(struct app *app, int64_t job_id, int64_t linked_id, int64_t version,
                                const struct linked_secret *sec, int64_t now_ms)
{
    struct store *st = app->store;
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    rc = store_linked_refreshed(st, linked_id, version, sec, now_ms);
    bool superseded = rc == STORE_CONFLICT;
    if (superseded) {
        /* Re-linked meanwhile (nothing written): look again with what is
         * stored now. */
        rc = store_job_reschedule(st, job_id, now_ms);
    } else if (rc == STORE_OK) {
        int64_t at = ops_refresh_next(now_ms, sec->access_expires_ms);
        rc = at ? store_job_reschedule(st, job_id, at) : store_job_delete(st, job_id);
    }
    rc = ops_commit(app, rc);
    return rc == STORE_OK && superseded ? STORE_CONFLICT : rc;
}

enum store_rc ops_refresh_failing(struct app *app, int64_t job_id, int64_t linked_id,
                                  int64_t version, const char *error, int64_t failures,
                                  int64_t retry_ms, int64_t now_ms)
{
    struct store *st = app->store;
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    rc = store_linked_failed(st, linked_id, version, "refresh_failing", error, failures);
    bool superseded = rc == STORE_CONFLICT;
    if (rc == STORE_OK || superseded)
        rc = store_job_reschedule(st, job_id, superseded ? now_ms : retry_ms);
    rc = ops_commit(app, rc);
    return rc == STORE_OK && superseded ? STORE_CONFLICT : rc;
}

enum store_rc ops_relink_required(struct app *app, struct arena *a, const struct linked_state *ls,
                                  const char *reason, int64_t job_id, int64_t now_ms)
{
    struct store *st = app->store;
    struct profile p;
    enum store_rc rc = store_profile_get(st, a, ls->profile_id, &p);
    if (rc != STORE_OK)
        return rc;
    const struct platform *pf = platform_get(ls->platform);
    char details[400];
    snprintf(details, sizeof(details), "%s unlinked: %s. Link the account again to keep using it.",
             pf ? pf->label : ls->platform, reason);
    rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    rc =
        store_linked_failed(st, ls->id, ls->token_version, "relink_required", reason, ls->failures);
    if (rc == STORE_CONFLICT) {
        /* A re-link won the race and nothing was written: end this
         * (possibly joined) transaction without rolling back its owner's. */
        rc = store_commit(st);
        return rc == STORE_OK ? STORE_CONFLICT : rc;
    }
    if (rc == STORE_OK)
        rc = store_job_drop(st, "remind", ls->id);
    if (rc == STORE_OK && job_id)
        rc = store_job_delete(st, job_id);
    if (rc == STORE_OK)
        rc = ops_event_social(st, &p, "unlink", ls->platform, "system", ls->display_name, details,
                              now_ms);
    return ops_commit(app, rc);
}

enum store_rc ops_remind_sent(struct app *app, struct arena *a, const struct linked_state *ls,
                              const char *details, int64_t job_id, int64_t now_ms)
{
    struct store *st = app->store;
    struct profile p;
    enum store_rc rc = store_profile_get(st, a, ls->profile_id, &p);
    if (rc != STORE_OK)
        return rc;
    rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    rc = ops_event_social(st, &p, "refresh", "linkedin", "system", ls->display_name, details,
                          now_ms);
    if (rc == STORE_OK)
        rc = store_job_delete(st, job_id);
    return ops_commit(app, rc);
}

static int by_profile(const void *a, const void *b)
{
    const struct ops_details *x = *(struct ops_details *const *)a;
    const struct ops_details *y = *(struct ops_details *const *)b;
    return x->profile_id < y->profile_id ? -1 : x->profile_id > y->profile_id;
}

enum store_rc ops_details_saved(struct app *app, struct ops_details *res, size_t n, int64_t now_ms)
{
    struct store *st = app->store;
    /* In profile order: two processes saving batches that share profiles
     * then lock their rows in the same order (on PostgreSQL, in finishing
     * order, they deadlocked and one batch was lost). */
    struct ops_details **order = mem_malloc((n ? n : 1) * sizeof(*order));
    for (size_t r = 0; r < n; r++)
        order[r] = &res[r];
    if (n > 1)
        qsort(order, n, sizeof(*order), by_profile);
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK) {
        free(order);
        return rc;
    }
    for (size_t r = 0; rc == STORE_OK && r < n; r++) {
        struct ops_details *d = order[r];
        d->changed = 0;
        for (size_t i = 0; rc == STORE_OK && i < d->n; i++) {
            bool c = false;
            if (d->found[i].id)
                rc = store_linked_details(st, &d->found[i], &c);
            d->changed += c;
        }
        /* A refused token: the refresher decides whether the grant is gone. */
        for (size_t i = 0; rc == STORE_OK && i < d->nrefresh; i++)
            rc = store_job_put(st, "refresh", d->refresh_now[i], now_ms, now_ms, true);
        if (rc == STORE_OK)
            rc = store_profile_details_done(st, d->profile_id, now_ms);
    }
    free(order);
    return ops_commit(app, rc);
}
