/*
 * ops/link: linking an account to a profile — one account, a choice among
 * several, a Telegram chat (see ops.h for what is written together).
 */
#include "crypto/crypto.h"
#include "ops/events.h"
#include "ops/linked.h"
#include "platforms/names.h"
#include "ops/ops.h"
#include "ops/schedule.h"
#include "store/jobs.h"
#include "store/linked.h"
#include "store/linking.h"
#include "store/profiles.h"
#include "store/store.h"
#include "util/timeutil.h"

#include <string.h>

/* The writes of a link, inside the caller's transaction: the account and
 * its sealed tokens, its upkeep jobs, the profile's details fresh, and the
 * social link event. */
static enum store_rc link_write(struct app *app, const struct profile *p, const char *name,
                                const struct identity *id, const struct linked_secret *sec,
                                int64_t now)
{
    struct store *st = app->store;
    struct linked_account la = {.disp = id->disp};
    la.profile_id = p->id;
    la.platform = name;
    la.linked_ms = now;
    int64_t linked_id = 0;
    enum store_rc rc = store_linked_link(st, &la, sec, &linked_id);
    /* The account's upkeep starts with it; its details are fresh. */
    if (rc == STORE_OK)
        rc = ops_schedule_linked(st, linked_id, name, sec, now);
    if (rc == STORE_OK)
        rc = store_profile_details_done(st, p->id, now);
    if (rc == STORE_OK)
        rc = ops_event_social(st, p, "link", name, "user", id->disp.display_name, NULL, now);
    return rc;
}

/* Seals the tokens of a link (outside any transaction). */
static bool link_seal(struct app *app, struct arena *a, const struct profile *p, const char *name,
                      const struct identity *id, const struct tokens *t, int64_t now,
                      struct linked_secret *sec)
{
    /* A page's (or chat's) own token is what later calls use; the user's
     * token stays as the refresh token where the connector keeps one. */
    const char *access = id->access ? id->access : t->access;
    *sec = (struct linked_secret){
        .access_expires_ms = id->access ? 0 : t->access_expires_ms,
        .refresh_expires_ms = t->refresh_expires_ms,
        .scopes = t->scopes,
        .extra = id->extra,
        .linked_ms = now,
    };
    return ops_linked_seal(app->vault, a, p->id, name, access, t->refresh, sec);
}

/* A link, with first (when set) the single-use row it uses up, in one
 * transaction. */
static enum store_rc link_with(struct app *app, struct arena *a, const struct profile *p, int idx,
                               const struct identity *id, const struct tokens *t,
                               const char *pending_id, int64_t code_id)
{
    const char *name = platform_name(idx);
    int64_t now = time_now_ms();
    struct linked_secret sec;
    if (!link_seal(app, a, p, name, id, t, now, &sec))
        return STORE_ERROR;
    enum store_rc rc = store_begin(app->store);
    if (rc != STORE_OK)
        return rc;
    if (pending_id)
        rc = store_link_pending_take(app->store, pending_id, now);
    else if (code_id)
        rc = store_telegram_code_take(app->store, code_id, now);
    if (rc == STORE_OK)
        rc = link_write(app, p, name, id, &sec, now);
    return ops_commit(app, rc);
}

enum store_rc ops_link(struct app *app, struct arena *a, const struct profile *p, int idx,
                       const struct identity *id, const struct tokens *t)
{
    return link_with(app, a, p, idx, id, t, NULL, 0);
}

enum store_rc ops_link_choose(struct app *app, struct arena *a, const char *pending_id,
                              const struct profile *p, int idx, const struct identity *id,
                              const struct tokens *t)
{
    return link_with(app, a, p, idx, id, t, pending_id, 0);
}

enum store_rc ops_link_telegram(struct app *app, struct arena *a, const struct profile *p,
                                int64_t code_id, const struct identity *id, const struct tokens *t)
{
    return link_with(app, a, p, platform_index("telegram"), id, t, NULL, code_id);
}
