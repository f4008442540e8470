/*
 * user: GET /api/user (SPEC §2) — the account or one user profile, its
 * linked networks and usage.
 */
#include "api/api.h"
#include "api/directory.h"
#include "api/live.h"
#include "render/render.h"
#include "core/offload.h"
#include "http/server.h"
#include "jobs/details.h"
#include "platforms/names.h"
#include "store/linked.h"
#include "util/timeutil.h"

#include <string.h>

static void release_buf(void *b)
{
    buf_free(b);
}

/* A GET /api/user being answered (it may wait for live data). */
struct view {
    struct app *app;
    struct req *r;
    struct render_live live;
    bool fetch_ig, fetch_x;
    struct live_ig ig;
    struct live_x x;
};

static enum status render(struct view *v, int64_t now)
{
    struct app *app = v->app;
    struct req *r = v->r;
    struct principal *p = api_principal(r);
    struct linked_json lj;
    if (v->live.instagram_quota || v->live.x) {
        /* Live fields vary per request: render without the cache. */
        struct linked_account *la = NULL;
        size_t n = 0;
        if (store_linked_list(app->store, r->arena, p->profile.id, &la, &n) != STORE_OK)
            return ST_INTERNAL;
        struct buf *active = arena_alloc(r->arena, sizeof(*active));
        struct buf *names = arena_alloc(r->arena, sizeof(*names));
        buf_init(active, (size_t)1 << 20);
        buf_init(names, (size_t)1 << 20);
        arena_on_free(r->arena, release_buf, active);
        arena_on_free(r->arena, release_buf, names);
        if (!render_linked(la, n, &v->live, now, active, names, &lj.until_ms, &lj.count))
            return ST_INTERNAL;
        lj.active = active->data ? active->data : "";
        lj.active_len = active->len;
        lj.names = names->data;
        lj.names_len = names->len;
    } else if (dir_linked(app->dir, r->arena, &p->profile, now, &lj) != STORE_OK) {
        return ST_INTERNAL;
    }
    struct render_user u = {
        .cfg = app->cfg,
        .acct = &p->acct,
        .profile = &p->profile,
        .linked = &lj,
        .month_calls = p->month_calls,
        .quota = p->plan ? p->plan->monthly_quota : -1,
        .next_update_ms = details_next_ms(app->details, &p->profile, now),
    };
    struct jw w;
    buf_reserve(&r->out, lj.active_len + lj.names_len + 768);
    jw_init(&w, &r->out);
    render_user(&w, &u);
    return jw_failed(&w) ? ST_INTERNAL : ST_OK;
}

/* On an offload worker: read what the cache lacked, then answer. */
static void fetch_run(void *arg)
{
    struct view *v = arg;
    struct req *r = v->r;
    struct principal *p = api_principal(r);
    int64_t now = time_now_ms();
    if (v->fetch_ig)
        live_ig_fetch(v->app, r->arena, p->profile.id, now, &v->ig);
    if (v->fetch_x)
        live_x_fetch(v->app, r->arena, now, &v->x);
    req_resume(r, render(v, time_now_ms()));
}

enum status api_user_get(struct app *app, struct req *r)
{
    struct principal *p = api_principal(r);
    bool validate, igq, igd;
    enum status st = req_query_bool(r, "validate", false, &validate);
    if (st == ST_OK)
        st = req_query_bool(r, "instagramQuota", false, &igq);
    if (st == ST_OK)
        st = req_query_bool(r, "instagramDetails", false, &igd);
    if (st != ST_OK)
        return st;
    if (validate && !p->via_profile_key)
        return req_fail(r, ST_BAD_PARAM, "validate",
                        "validate=true checks a user profile: send its Profile-Key");

    if (p->profile.deleted_ms) {
        /* Without validate a deleted profile's key is simply invalid. */
        if (!validate)
            return ST_PROFILE_KEY_INVALID;
        char ts[32];
        time_iso_ms(p->profile.deleted_ms, ts, sizeof(ts));
        json_t *d = json_pack("{s:s, s:s, s:s, s:s}", "refId", p->profile.ref_id, "title",
                              p->profile.title ? p->profile.title : "", "deleted", ts, "deletedBy",
                              p->profile.deleted_by ? p->profile.deleted_by : "api");
        req_detail_str(r, "refId", p->profile.ref_id);
        r->err_extra = json_pack("{s:o}", "deleted", d);
        return ST_PROFILE_DELETED;
    }

    int64_t now = time_now_ms();
    struct view *v = arena_alloc(r->arena, sizeof(*v));
    memset(v, 0, sizeof(*v));
    v->app = app;
    v->r = r;
    v->live.instagram_quota = igq || igd;
    unsigned mask = p->profile.linked_mask;
    bool want_ig = v->live.instagram_quota && (mask & 1u << platform_index("instagram"));
    bool want_x =
        p->profile.is_primary && (mask & 1u << platform_index("twitter")) && live_x_enabled(app);
    v->fetch_ig = want_ig && !live_ig_cached(app->live, p->profile.id, now, &v->ig);
    v->fetch_x = want_x && !live_x_cached(app->live, now, &v->x);
    v->live.ig = want_ig ? &v->ig : NULL;
    v->live.x = want_x ? &v->x : NULL;
    /* Past nextUpdate: one background read of the details; never waited on. */
    details_read(app->details, &p->profile, now);
    if (v->fetch_ig || v->fetch_x) {
        /* Queued first: at shutdown nothing is queued and the answer is 651. */
        if (!offload_run(app->offload, fetch_run, v))
            return ST_UNAVAILABLE;
        req_suspend(r);
        return ST_OK;
    }
    return render(v, now);
}
