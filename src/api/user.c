/*
 * user: GET /api/user (SPEC §2) — the account or one user profile, its
 * linked networks and usage.
 */
#include "api/api.h"
#include "api/render.h"
#include "util/timeutil.h"

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
                              p->profile.title ? p->profile.title : "", "deleted", ts,
                              "deletedBy", p->profile.deleted_by ? p->profile.deleted_by : "api");
        req_detail_str(r, "refId", p->profile.ref_id);
        r->err_extra = json_pack("{s:o}", "deleted", d);
        return ST_PROFILE_DELETED;
    }

    struct linked_account *linked = NULL;
    size_t n = 0;
    if (store_linked_list(app->store, r->arena, p->profile.id, &linked, &n) != STORE_OK)
        return ST_INTERNAL;
    struct render_user u = {
        .cfg = app->cfg,
        .acct = &p->acct,
        .profile = &p->profile,
        .linked = linked,
        .nlinked = n,
        .month_calls = p->month_calls,
        .quota = p->plan ? p->plan->monthly_quota : -1,
        .instagram_quota = igq || igd,
        .now_ms = time_now_ms(),
    };
    struct jw w;
    jw_init(&w, &r->out);
    render_user(&w, &u);
    return jw_failed(&w) ? ST_INTERNAL : ST_OK;
}
