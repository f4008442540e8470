/*
 * ops/profile: unlinking an account and deleting a profile (see ops.h for
 * what is written together).
 */
#include "ops/events.h"
#include "ops/ops.h"
#include "render/render.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "store/store.h"
#include "util/timeutil.h"

enum store_rc ops_unlink(struct app *app, struct arena *a, const struct profile *p,
                         const char *platform, const char *source, const char *details)
{
    struct store *st = app->store;
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    const char *name = NULL;
    rc = store_linked_delete(st, a, p->id, platform, &name);
    /* The social webhook is written with the change: both or neither. */
    if (rc == STORE_OK)
        rc = ops_event_social(st, p, "unlink", platform, source, name, details, time_now_ms());
    return ops_commit(app, rc);
}

enum store_rc ops_profile_delete(struct app *app, struct arena *a, const struct profile *pr,
                                 const char *by)
{
    struct store *st = app->store;
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    /* Each linked account's unlink webhook is written with the deletion. */
    struct linked_account *la = NULL;
    size_t n = 0;
    int64_t now = time_now_ms();
    rc = store_linked_list(st, a, pr->id, &la, &n);
    if (rc == STORE_OK)
        rc = store_profile_delete(st, pr->id, by, now);
    /* Accounts the system unlinked already had their unlink webhook. */
    for (size_t i = 0; i < n && rc == STORE_OK; i++)
        if (render_shown(&la[i]))
            rc = ops_event_social(st, pr, "unlink", la[i].platform, "user", la[i].disp.display_name,
                                  NULL, now);
    return ops_commit(app, rc);
}
