/*
 * profile: `sociald profile reactivate|suspend|delete --ref-id REF`.
 *
 * reactivate is SPEC §7's way back for a profile suspended after too many
 * rate-limit errors; suspend and delete (sociald) let an operator act on a
 * profile without its key. A running server sees the change at once.
 */
#include "cli/cli.h"
#include "ops/ops.h"
#include "app/app.h"
#include "core/log.h"
#include "store/profiles.h"
#include "store/store.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

int cli_profile(const struct config *cfg, struct args *a)
{
    const char *sub = a->nwords > 1 ? a->words[1] : NULL;
    const char *ref = args_get(a, "ref-id");
    if (!sub || !ref ||
        (strcmp(sub, "reactivate") && strcmp(sub, "suspend") && strcmp(sub, "delete"))) {
        log_error("usage: sociald profile reactivate|suspend|delete --ref-id REF");
        return 2;
    }
    struct app app;
    if (!cli_app_open(&app, cfg, APP_CLI))
        return 1;
    struct store *st = app.store;
    struct arena *ar = arena_new();
    struct profile p;
    int rc = 1;
    enum store_rc src = store_profile_by_ref(st, ar, ref, &p);
    if (src == STORE_NOTFOUND || (src == STORE_OK && (p.is_primary || p.deleted_ms))) {
        log_error("no live user profile with refId %s", ref);
        goto out;
    }
    if (src != STORE_OK)
        goto out;
    if (!strcmp(sub, "delete")) {
        /* As the API does: webhooks for the linked accounts, with the deletion.
         * A running server's job runner delivers them. */
        src = ops_profile_delete(&app, ar, &p, "cli");
    } else
        src = store_profile_set_suspended(st, p.id, strcmp(sub, "suspend") ? 0 : time_now_ms());
    if (src != STORE_OK)
        goto out;
    char out[160];
    snprintf(out, sizeof(out), "{\"refId\":\"%s\",\"status\":\"%s\"}", p.ref_id,
             !strcmp(sub, "delete")    ? "deleted"
             : !strcmp(sub, "suspend") ? "suspended"
                                       : "active");
    cli_print(out);
    rc = 0;
out:
    arena_free(ar);
    app_close(&app);
    return rc;
}
