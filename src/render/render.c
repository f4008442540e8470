/*
 * render: GET /api/user bodies (see render.h).
 *
 * Field order follows the seed example: top-level keys in its order, and
 * each displayNames entry's keys alphabetically (Ayrshare serialises
 * Firestore maps that way). Absent network fields are omitted, never null.
 */
#include "render/render.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

#define LINKEDIN_LIFETIME_MS (365 * MS_PER_DAY) /* SPEC §2: link time + 365 days */

/* Telegram's id is the numeric chat id (SPEC §2); every other id a string. */
static void write_id(struct jw *w, const struct linked_account *la)
{
    if (!la->disp.network_id)
        return;
    jw_key(w, "id");
    int64_t n;
    if (!strcmp(la->platform, "telegram") &&
        str_to_i64(la->disp.network_id, INT64_MIN, INT64_MAX, &n))
        jw_int(w, n);
    else
        jw_str(w, la->disp.network_id);
}

static void write_error(struct jw *w, const char *key, int code, const char *message)
{
    jw_key(w, key);
    jw_obj(w);
    jw_kint(w, "code", code);
    jw_kstr(w, "message", message);
    jw_obj_end(w);
}

static void display_name(struct jw *w, const struct linked_account *la,
                         const struct render_live *live, int64_t now_ms, int64_t *until_ms)
{
    bool instagram_quota = live && live->instagram_quota;
    const struct live_ig *ig = live && !strcmp(la->platform, "instagram") ? live->ig : NULL;
    const struct live_x *x = live && !strcmp(la->platform, "twitter") ? live->x : NULL;
    char ts[32];
    bool linkedin = !strcmp(la->platform, "linkedin");
    bool instagram = !strcmp(la->platform, "instagram");
    jw_obj(w);
    time_iso_ms(la->linked_ms, ts, sizeof(ts));
    jw_kstr(w, "created", ts);
    jw_kstr_opt(w, "description", la->disp.description);
    jw_kstr(w, "displayName", la->disp.display_name ? la->disp.display_name : "");
    write_id(w, la);
    jw_kstr_opt(w, "mapsUrl", la->disp.maps_url);
    jw_kstr_opt(w, "pageName", la->disp.page_name);
    jw_kstr_opt(w, "placeId", la->disp.place_id);
    jw_kstr(w, "platform", la->platform);
    jw_kstr_opt(w, "profileUrl", la->disp.profile_url);
    if (ig && !ig->ok)
        write_error(w, "quotaError", ig->code, ig->message);
    if (ig && ig->ok)
        jw_kint(w, "quotaTotal", ig->total);
    if (linkedin) {
        int64_t due = la->linked_ms + LINKEDIN_LIFETIME_MS;
        int64_t left = due > now_ms ? (due - now_ms) / MS_PER_DAY : 0;
        jw_kint(w, "refreshDaysRemaining", left);
        time_iso_ms(due, ts, sizeof(ts));
        jw_kstr(w, "refreshRequired", ts);
        /* The day count drops when due - now crosses the next whole day. */
        if (due > now_ms) {
            int64_t change = now_ms + (due - now_ms) % MS_PER_DAY + 1;
            if (change < *until_ms)
                *until_ms = change;
        }
    }
    jw_kstr_opt(w, "reviewUrl", la->disp.review_url);
    if (x && x->ok) {
        jw_key(w, "twitterUsage");
        jw_obj(w);
        jw_kint(w, "monthlyUsage", x->usage);
        jw_kint(w, "monthlyLimit", x->cap);
        jw_kstr(w, "monthlyReset", x->reset);
        jw_obj_end(w);
    } else if (x) {
        write_error(w, "twitterUsageError", x->code, x->message);
    }
    /* Instagram's type is business|creator and only shown with
     * instagramQuota (the seed's comment); the others always. */
    if (!instagram || instagram_quota)
        jw_kstr_opt(w, "type", la->disp.type);
    if (ig && ig->ok)
        jw_kint(w, "usedQuota", ig->used);
    jw_kstr_opt(w, "userImage", la->disp.user_image);
    jw_kstr_opt(w, "username", la->disp.username);
    jw_obj_end(w);
}

bool render_shown(const struct linked_account *la)
{
    return !la->status || strcmp(la->status, "relink_required") != 0;
}

bool render_linked(const struct linked_account *la, size_t n, const struct render_live *live,
                   int64_t now_ms, struct buf *active, struct buf *names, int64_t *until_ms,
                   size_t *shown)
{
    struct jw wa, wn;
    *until_ms = INT64_MAX;
    *shown = 0;
    for (size_t i = 0; i < n; i++)
        *shown += render_shown(&la[i]);
    jw_init(&wa, active);
    if (*shown) {
        jw_arr(&wa);
        for (size_t i = 0; i < n; i++)
            if (render_shown(&la[i]))
                jw_str(&wa, la[i].platform);
        jw_arr_end(&wa);
    }
    jw_init(&wn, names);
    jw_arr(&wn);
    for (size_t i = 0; i < n; i++)
        if (render_shown(&la[i]))
            display_name(&wn, &la[i], live, now_ms, until_ms);
    jw_arr_end(&wn);
    return !jw_failed(&wa) && !jw_failed(&wn);
}

void render_display_name(struct jw *w, const struct linked_account *la, int64_t now_ms)
{
    int64_t until = INT64_MAX;
    display_name(w, la, NULL, now_ms, &until);
}

void render_user(struct jw *w, const struct render_user *u)
{
    const struct profile *p = u->profile;
    char ts[32];
    jw_obj(w);
    if (u->linked->count) {
        jw_key(w, "activeSocialAccounts");
        jw_raw(w, u->linked->active, u->linked->active_len);
    }
    if (p->bio_handle) {
        jw_key(w, "ayrlinkUrl");
        char url[512];
        snprintf(url, sizeof(url), "%s/bio/%s", u->cfg->public_url, p->bio_handle);
        jw_str(w, url);
    }
    jw_key(w, "created");
    jw_obj(w);
    int64_t secs = p->created_ms / 1000;
    jw_kint(w, "_seconds", secs);
    jw_kint(w, "_nanoseconds", (p->created_ms - secs * 1000) * 1000000);
    time_iso_s(p->created_ms, ts, sizeof(ts));
    jw_kstr(w, "utc", ts);
    jw_obj_end(w);
    jw_key(w, "displayNames");
    jw_raw(w, u->linked->names, u->linked->names_len);
    jw_key(w, "email");
    if (p->is_primary)
        jw_str(w, u->acct->email);
    else
        jw_null(w);
    jw_kint(w, "monthlyApiCalls", u->month_calls);
    if (u->quota >= 0)
        jw_kint(w, "monthlyApiCallsQuota", u->quota);
    jw_kstr(w, "refId", p->ref_id);
    jw_kstr(w, "title", p->title);
    time_iso_ms(p->details_updated_ms, ts, sizeof(ts));
    jw_kstr(w, "lastUpdated", ts);
    time_iso_ms(u->next_update_ms, ts, sizeof(ts));
    jw_kstr(w, "nextUpdate", ts);
    jw_obj_end(w);
}
