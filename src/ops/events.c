/*
 * events: webhook event payloads (see events.h).
 */
#include "ops/events.h"
#include "crypto/crypto.h"
#include "runner/runner.h"
#include "store/deliveries.h"
#include "store/profiles.h"
#include "store/store.h"
#include "util/timeutil.h"

#include <string.h>

static void random_hex(char *out, size_t bytes)
{
    unsigned char raw[32];
    crypto_random(raw, bytes);
    crypto_hex(raw, bytes, out);
}

void ops_event_begin(struct event *e, const char *action, const struct profile *p, int64_t now_ms)
{
    memset(e, 0, sizeof(*e));
    buf_init(&e->b, (size_t)1 << 20);
    jw_init(&e->w, &e->b);
    random_hex(e->hook_id, 12);
    e->profile = p;
    e->action = action;
    e->now_ms = now_ms;
    char ts[32];
    time_iso_ms(now_ms, ts, sizeof(ts));
    jw_obj(&e->w);
    jw_kstr(&e->w, "action", action);
    jw_kstr(&e->w, "hookId", e->hook_id);
    jw_kstr(&e->w, "created", ts);
    jw_kstr(&e->w, "refId", p->ref_id);
    jw_kstr(&e->w, "title", p->title ? p->title : "");
}

enum store_rc ops_event_emit(struct store *st, struct event *e)
{
    jw_obj_end(&e->w);
    enum store_rc rc = STORE_ERROR;
    if (!jw_failed(&e->w)) {
        char public_id[29] = "dlv_";
        random_hex(public_id + 4, 12);
        struct event_new ev = {
            .account_id = e->profile->account_id,
            .profile_id = e->profile->id,
            .action = e->action,
            .hook_id = e->hook_id,
            .payload = e->b.data,
            .created_ms = e->now_ms,
        };
        int64_t delivery = 0;
        rc = store_event_emit(st, &ev, public_id, &delivery);
    }
    buf_free(&e->b);
    return rc;
}

enum store_rc ops_event_social(struct store *st, const struct profile *p, const char *type,
                               const char *platform, const char *source, const char *display_name,
                               const char *details, int64_t now_ms)
{
    struct event e;
    ops_event_begin(&e, "social", p, now_ms);
    jw_kstr(&e.w, "type", type);
    jw_kstr(&e.w, "platform", platform);
    jw_kstr(&e.w, "source", source);
    jw_kstr(&e.w, "displayName", display_name ? display_name : "");
    if (details)
        jw_kstr(&e.w, "details", details);
    return ops_event_emit(st, &e);
}

void ops_kick(struct app *app)
{
    runner_wake(app->runner);
    /* Changes that queue upkeep jobs (revocations) commit the same way. */
    if (app->upkeep_runner)
        runner_wake(app->upkeep_runner);
}

enum store_rc ops_commit(struct app *app, enum store_rc rc)
{
    if (rc != STORE_OK) {
        store_rollback(app->store);
        return rc;
    }
    rc = store_commit(app->store);
    if (rc == STORE_OK)
        ops_kick(app);
    return rc;
}
