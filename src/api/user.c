/*
 * user: GET /api/user (SPEC §2) — the account or one user profile, its
 * linked networks and usage.
 */
#include "api/api.h"
#include "api/directory.h"
#include "api/render.h"
#include "util/timeutil.h"

static void release_buf(void *b)
{
    buf_free(b);
}

enum status user_get(struct app *app, struct req *r)
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
    struct linked_json lj;
    enum store_rc rc;
    if (igq || igd) {
        /* Instagram's live fields vary per request: render without cache. */
        struct linked_account *la = NULL;
        size_t n = 0;
        rc = store_linked_list(app->store, r->arena, p->profile.id, &la, &n);
        if (rc != STORE_OK)
            return ST_INTERNAL;
        struct buf *active = arena_alloc(r->arena, sizeof(*active));
        struct buf *names = arena_alloc(r->arena, sizeof(*names));
        buf_init(active, (size_t)1 << 20);
        buf_init(names, (size_t)1 << 20);
        arena_on_free(r->arena, release_buf, active);
        arena_on_free(r->arena, release_buf, names);
        if (!render_linked(la, n, true, now, active, names, &lj.until_ms))
            return ST_INTERNAL;
        lj.active = active->data ? active->data : "";
        lj.active_len = active->len;
        lj.names = names->data;
        lj.names_len = names->len;
        lj.count = n;
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
    };
    struct jw w;
    buf_reserve(&r->out, lj.active_len + lj.names_len + 768);
    jw_init(&w, &r->out);
    render_user(&w, &u);
    return jw_failed(&w) ? ST_INTERNAL : ST_OK;
}
