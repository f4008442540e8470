/*
 * profiles: create, list, update and delete user profiles (SPEC §6), under
 * every path and verb real clients use (see the route table).
 *
 * A profile key is returned only by create and stored only as its SHA-256.
 * Titles are unique among an account's live profiles (146), enforced by a
 * unique index, so concurrent creates of one title yield exactly one
 * profile. Deleting keeps a tombstone for GET /api/user?validate=true.
 */
#include "api/api.h"
#include "api/cursor.h"
#include "api/fields.h"
#include "render/render.h"
#include "crypto/crypto.h"
#include "ops/ops.h"
#include "platforms/names.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "store/store.h"
#include "util/jsonw.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

#define TITLE_MAX       200
#define HEADER_MAX      500
#define TAGS_MAX        50
#define TAG_LEN_MAX     100
#define LIST_MAX        5000 /* SPEC §6: limit 1-5000, default 5000 */
#define KEYS_FILTER_MAX 100

/* disableSocial accepts every network Ayrshare names, linked here or not. */
static const char *const social_names[] = {
    "bluesky",  "facebook", "gmb",     "instagram", "linkedin", "pinterest", "reddit",
    "snapchat", "telegram", "threads", "tiktok",    "twitter",  "youtube",   NULL};

static bool email_ok(const char *e)
{
    const char *at = strchr(e, '@');
    return at && at != e && at[1] && !strchr(at + 1, '@') && !strchr(e, ' ') && strchr(at + 1, '.');
}

/* The settings create and update share; fills u's set_ flags. */
static void read_settings(struct fields *f, struct profile_update *u)
{
    u->set_messaging_active = fields_bool(f, "messagingActive", &u->messaging_active);
    u->set_hide_top_header = fields_bool(f, "hideTopHeader", &u->hide_top_header);
    u->set_top_header = fields_str(f, "topHeader", 0, HEADER_MAX, true, &u->top_header);
    u->set_sub_header = fields_str(f, "subHeader", 0, HEADER_MAX, true, &u->sub_header);
    u->set_disable_social =
        fields_str_array(f, "disableSocial", 13, 1, 20, social_names, &u->disable_social);
    u->set_tags = fields_str_array(f, "tags", TAGS_MAX, 1, TAG_LEN_MAX, NULL, &u->tags);
    u->set_team = fields_bool(f, "team", &u->team);
    u->set_email = fields_str(f, "email", 3, 254, true, &u->email);
    if (u->set_email && u->email && !email_ok(u->email)) {
        fields_fail(f, "email", "must be an email address");
        u->set_email = false;
    }
    if (u->set_team && u->team && !(u->set_email && u->email))
        fields_fail(f, "email", "is required when team is true");
}

static bool blank(const char *s)
{
    struct slice t = str_trim(s);
    return t.n == 0;
}

enum status api_profiles_create(struct app *app, struct req *r)
{
    struct principal *p = api_principal(r);
    struct fields f;
    fields_init(&f, r);
    const char *title = NULL;
    if (!fields_str(&f, "title", 1, TITLE_MAX, false, &title) && !fields_has(&f, "title"))
        fields_fail(&f, "title", "is required");
    if (title && blank(title))
        fields_fail(&f, "title", "must not be blank");
    struct profile_update u;
    memset(&u, 0, sizeof(u));
    read_settings(&f, &u);
    enum status st = fields_done(&f);
    if (st != ST_OK)
        return st;

    struct profile_settings ps = {
        .messaging_active = u.messaging_active,
        .hide_top_header = u.hide_top_header,
        .top_header = u.top_header,
        .sub_header = u.sub_header,
        .disable_social = u.disable_social,
        .tags = u.tags,
        .team = u.team,
        .email = u.email,
    };
    char key[CRYPTO_KEY_LEN + 1], ref[CRYPTO_REFID_LEN + 1];
    unsigned char hash[STORE_HASH_LEN];
    crypto_key_new(key);
    crypto_refid_new(ref);
    crypto_sha256(key, strlen(key), hash);
    enum store_rc rc =
        store_profile_create(app->store, p->acct.id, title, hash, ref, &ps, time_now_ms(), NULL);
    if (rc == STORE_CONFLICT) {
        req_detail_str(r, "title", title);
        return ST_TITLE_EXISTS;
    }
    if (rc != STORE_OK)
        return ST_INTERNAL;
    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "status", "success");
    jw_kstr(&w, "title", title);
    jw_kstr(&w, "refId", ref);
    jw_kstr(&w, "profileKey", key);
    jw_obj_end(&w);
    return ST_OK;
}

/* ---- update ---- */

static bool handle_ok(const char *h)
{
    size_t n = strlen(h);
    if (n < 3 || n > 30)
        return false;
    for (const char *c = h; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
            return false;
    return true;
}

enum status api_profiles_update(struct app *app, struct req *r)
{
    struct principal *p = api_principal(r);
    if (!p->via_profile_key)
        return req_fail(r, ST_BAD_PARAM, "profileKey",
                        "send the Profile-Key of the profile to update (header or body "
                        "profileKey)");
    struct fields f;
    fields_init(&f, r);
    struct profile_update u;
    memset(&u, 0, sizeof(u));
    u.set_title = fields_str(&f, "title", 1, TITLE_MAX, false, &u.title);
    if (u.set_title && blank(u.title)) {
        fields_fail(&f, "title", "must not be blank");
        u.set_title = false;
    }
    u.set_display_title = fields_str(&f, "displayTitle", 0, TITLE_MAX, true, &u.display_title);
    u.set_hide_title = fields_bool(&f, "hideTitle", &u.hide_title);
    read_settings(&f, &u);
    u.set_bio_handle = fields_str(&f, "bioHandle", 3, 30, true, &u.bio_handle);
    if (u.set_bio_handle && u.bio_handle && !handle_ok(u.bio_handle)) {
        fields_fail(&f, "bioHandle", "must be 3 to 30 of a-z, 0-9, _ and -");
        u.set_bio_handle = false;
    }
    enum status st = fields_done(&f);
    if (st != ST_OK)
        return st;
    if (!(u.set_title || u.set_display_title || u.set_hide_title || u.set_messaging_active ||
          u.set_hide_top_header || u.set_top_header || u.set_sub_header || u.set_disable_social ||
          u.set_tags || u.set_team || u.set_email || u.set_bio_handle))
        return req_fail(r, ST_BAD_PARAM, "body",
                        "send at least one field to change (title, displayTitle, hideTitle, "
                        "messagingActive, hideTopHeader, topHeader, subHeader, disableSocial, "
                        "tags, team, email, bioHandle)");

    const char *conflict = NULL;
    enum store_rc rc = store_profile_update(app->store, p->profile.id, &u, &conflict);
    if (rc == STORE_CONFLICT && conflict && !strcmp(conflict, "title")) {
        req_detail_str(r, "title", u.title);
        return ST_TITLE_EXISTS;
    }
    if (rc == STORE_CONFLICT)
        return req_fail(r, ST_BAD_PARAM, "bioHandle", "is already used by another profile");
    if (rc == STORE_NOTFOUND)
        return ST_PROFILE_KEY_INVALID; /* deleted meanwhile */
    if (rc != STORE_OK)
        return ST_INTERNAL;
    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "status", "success");
    jw_kstr(&w, "refId", p->profile.ref_id);
    jw_obj_end(&w);
    return ST_OK;
}

/* ---- delete ---- */

static enum status already_deleted(struct req *r, const struct profile *pr)
{
    char ts[32];
    time_iso_ms(pr->deleted_ms, ts, sizeof(ts));
    r->err_message = "This User Profile was already deleted.";
    req_detail_str(r, "refId", pr->ref_id);
    req_detail_str(r, "deleted", ts);
    return ST_PROFILE_KEY_INVALID;
}

enum status api_profiles_delete(struct app *app, struct req *r)
{
    struct principal *p = api_principal(r);
    struct profile target;
    if (p->via_profile_key) {
        target = p->profile;
        if (target.deleted_ms)
            return already_deleted(r, &target);
    } else {
        struct fields f;
        fields_init(&f, r);
        const char *title = NULL;
        bool has = fields_str(&f, "title", 1, TITLE_MAX, false, &title);
        enum status st = fields_done(&f);
        if (st != ST_OK)
            return st;
        if (!has)
            return req_fail(r, ST_BAD_PARAM, "profileKey",
                            "send the Profile-Key of the profile to delete (header or body "
                            "profileKey), or its exact title");
        enum store_rc rc = store_profile_by_title(app->store, r->arena, p->acct.id, title, &target);
        if (rc == STORE_NOTFOUND)
            return req_fail(r, ST_BAD_PARAM, "title",
                            "no live profile of this account has this title");
        if (rc != STORE_OK)
            return ST_INTERNAL;
    }
    enum store_rc rc = ops_profile_delete(app, r->arena, &target, "api");
    if (rc == STORE_NOTFOUND) {
        target.deleted_ms = time_now_ms();
        return already_deleted(r, &target);
    }
    if (rc != STORE_OK)
        return ST_INTERNAL;
    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "status", "success");
    jw_kstr(&w, "refId", target.ref_id);
    jw_obj_end(&w);
    return ST_OK;
}

/* ---- list ---- */

struct listing {
    struct profile_filter f;
    size_t limit;
    bool health;
    const char *keys[KEYS_FILTER_MAX];
    size_t nkeys;
};

static enum status parse_listing(struct req *r, struct listing *l)
{
    memset(l, 0, sizeof(*l));
    l->f.has_active = -1;
    l->limit = LIST_MAX;
    l->f.title = req_query(r, "title");
    l->f.ref_id = req_query(r, "refId");
    bool has;
    if (req_query(r, "hasActiveSocialAccounts")) {
        enum status st = req_query_bool(r, "hasActiveSocialAccounts", false, &has);
        if (st != ST_OK)
            return st;
        l->f.has_active = has ? 1 : 0;
    }
    const char *plats[PLATFORM_COUNT + 4];
    size_t np = req_query_array(r, "includesActiveSocialAccounts", plats, PLATFORM_COUNT + 4);
    for (size_t i = 0; i < np; i++) {
        int idx = platform_index(plats[i]);
        if (idx < 0)
            return req_fail(
                r, ST_BAD_PARAM, "includesActiveSocialAccounts",
                arena_printf(r->arena, "'%.40s' is not a network sociald links", plats[i]));
        l->f.includes_mask |= 1u << idx;
    }
    const char *lim = req_query(r, "limit");
    int64_t v;
    if (lim) {
        if (!str_to_i64(lim, 1, LIST_MAX, &v))
            return req_fail(r, ST_BAD_PARAM, "limit", "must be a whole number from 1 to 5000");
        l->limit = (size_t)v;
    }
    const char *inc[4];
    size_t ni = req_query_array(r, "include", inc, 4);
    for (size_t i = 0; i < ni; i++) {
        if (strcmp(inc[i], "socialHealth"))
            return req_fail(r, ST_BAD_PARAM, "include",
                            arena_printf(r->arena,
                                         "'%.40s' is not supported (supported: "
                                         "socialHealth)",
                                         inc[i]));
        l->health = true;
    }
    if (l->health && !l->f.ref_id)
        return req_fail(r, ST_BAD_PARAM, "include", "include=socialHealth needs a refId");
    l->nkeys = req_query_array(r, "profileKeys", l->keys, KEYS_FILTER_MAX);
    return ST_OK;
}

/* A fingerprint of the filters, so a cursor only continues its own listing. */
static uint64_t fingerprint(const struct listing *l)
{
    char buf[1024];
    int n =
        snprintf(buf, sizeof(buf), "%s\x1f%s\x1f%d\x1f%u\x1f%zu", l->f.title ? l->f.title : "",
                 l->f.ref_id ? l->f.ref_id : "\x01", l->f.has_active, l->f.includes_mask, l->nkeys);
    unsigned char h[32];
    crypto_sha256(buf, n > 0 ? (size_t)n : 0, h);
    for (size_t i = 0; i < l->nkeys; i++) {
        unsigned char in[64];
        memcpy(in, h, 32);
        crypto_sha256(l->keys[i], strlen(l->keys[i]), in + 32);
        crypto_sha256(in, 64, h);
    }
    uint64_t fp = 0;
    for (int i = 0; i < 8; i++)
        fp = fp << 8 | h[i];
    return fp;
}

static void write_health(struct jw *w, const struct linked_health *h, size_t n)
{
    char ts[32];
    jw_key(w, "socialHealth");
    jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        jw_obj(w);
        jw_kstr(w, "platform", h[i].platform);
        jw_kstr(w, "status", h[i].status);
        jw_key(w, "tokenExpires");
        if (h[i].access_expires_ms) {
            time_iso_ms(h[i].access_expires_ms, ts, sizeof(ts));
            jw_str(w, ts);
        } else {
            jw_null(w);
        }
        jw_key(w, "lastRefresh");
        if (h[i].last_refresh_ms) {
            time_iso_ms(h[i].last_refresh_ms, ts, sizeof(ts));
            jw_str(w, ts);
        } else {
            jw_null(w);
        }
        jw_kstr(w, "lastError", h[i].last_error);
        jw_key(w, "refreshRequired");
        if (!strcmp(h[i].platform, "linkedin")) {
            time_iso_ms(h[i].linked_ms + 365 * MS_PER_DAY, ts, sizeof(ts));
            jw_str(w, ts);
        } else {
            jw_null(w);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

static int row_cmp(const void *a, const void *b)
{
    const struct profile_row *x = a, *y = b;
    if (x->created_ms != y->created_ms)
        return x->created_ms < y->created_ms ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The rows a profileKeys[] filter selects (at most KEYS_FILTER_MAX). */
static enum status rows_by_keys(struct app *app, struct req *r, const struct listing *l,
                                const struct cursor *after, struct profile_row **out, size_t *n)
{
    struct profile_row *rows = arena_alloc(r->arena, (l->nkeys + 1) * sizeof(*rows));
    size_t cnt = 0;
    for (size_t i = 0; i < l->nkeys; i++) {
        unsigned char h[STORE_HASH_LEN];
        crypto_sha256(l->keys[i], strlen(l->keys[i]), h);
        struct profile pr;
        if (store_profile_by_key(app->store, r->arena, api_principal(r)->acct.id, h, &pr) !=
            STORE_OK)
            continue; /* unknown keys simply match nothing */
        struct profile_filter f = l->f;
        f.profile_id = pr.id;
        struct profile_row *one = NULL;
        size_t got = 0;
        if (store_profile_list(app->store, r->arena, pr.account_id, &f, after->created_ms,
                               after->id, 1, &one, &got) != STORE_OK)
            return ST_INTERNAL;
        bool dup = false;
        for (size_t k = 0; k < cnt && got; k++)
            dup |= rows[k].id == one[0].id;
        if (got && !dup)
            rows[cnt++] = one[0];
    }
    qsort(rows, cnt, sizeof(*rows), row_cmp);
    *out = rows;
    *n = cnt;
    return ST_OK;
}

enum status api_profiles_list(struct app *app, struct req *r)
{
    struct principal *p = api_principal(r);
    struct listing l;
    enum status st = parse_listing(r, &l);
    if (st != ST_OK)
        return st;
    uint64_t fp = fingerprint(&l);
    struct cursor after = {p->acct.id, INT64_MIN, 0, fp};
    const char *cur = req_query(r, "cursor");
    if (cur && *cur) {
        struct cursor c;
        if (!cursor_decode(app->signing_key, cur, &c) || c.account_id != p->acct.id)
            return req_fail(r, ST_BAD_PARAM, "cursor",
                            "is not a cursor this server issued for this account");
        if (c.filters != fp)
            return req_fail(r, ST_BAD_PARAM, "cursor",
                            "was issued for other filters; send the same filters with it");
        after = c;
    }
    struct profile_row *rows = NULL;
    size_t n = 0;
    if (l.nkeys) {
        st = rows_by_keys(app, r, &l, &after, &rows, &n);
        if (st != ST_OK)
            return st;
    } else if (store_profile_list(app->store, r->arena, p->acct.id, &l.f, after.created_ms,
                                  after.id, l.limit + 1, &rows, &n) != STORE_OK) {
        return ST_INTERNAL;
    }
    bool more = n > l.limit;
    if (more)
        n = l.limit;

    int64_t now = time_now_ms();
    char ts[32];
    buf_reserve(&r->out, 256 + n * 260);
    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_key(&w, "profiles");
    jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        const struct profile_row *row = &rows[i];
        jw_obj(&w);
        jw_kstr(&w, "status", row->suspended_ms ? "suspended" : "active");
        jw_kstr(&w, "title", row->title);
        jw_kstr_opt(&w, "displayTitle", row->display_title);
        jw_key(&w, "created");
        jw_obj(&w);
        jw_kint(&w, "_seconds", row->created_ms / 1000);
        jw_kint(&w, "_nanoseconds", row->created_ms % 1000 * 1000000);
        jw_obj_end(&w);
        time_iso_ms(row->created_ms, ts, sizeof(ts));
        jw_kstr(&w, "createdUTC", ts);
        jw_kstr(&w, "refId", row->ref_id);
        if (row->linked_mask) {
            jw_key(&w, "activeSocialAccounts");
            jw_arr(&w);
            for (int b = 0; b < PLATFORM_COUNT; b++)
                if (row->linked_mask & (1u << b))
                    jw_str(&w, platform_name(b));
            jw_arr_end(&w);
        }
        if (row->suspended_ms)
            jw_kbool(&w, "suspended", true);
        if (l.health) {
            struct linked_health *h = NULL;
            size_t nh = 0;
            if (store_linked_health(app->store, r->arena, row->id, &h, &nh) != STORE_OK)
                return ST_INTERNAL;
            write_health(&w, h, nh);
        }
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_kint(&w, "count", (int64_t)n);
    /* (sociald) Listings are read live: lastUpdated is now and a new
     * request may come at once, so nextUpdate equals it. */
    time_iso_ms(now, ts, sizeof(ts));
    jw_kstr(&w, "lastUpdated", ts);
    jw_kstr(&w, "nextUpdate", ts);
    jw_key(&w, "pagination");
    jw_obj(&w);
    jw_kbool(&w, "hasMore", more);
    jw_key(&w, "nextCursor");
    if (more) {
        struct cursor next = {p->acct.id, rows[n - 1].created_ms, rows[n - 1].id, fp};
        jw_str(&w, cursor_encode(r->arena, app->signing_key, &next));
    } else {
        jw_null(&w);
    }
    jw_kint(&w, "limit", (int64_t)l.limit);
    jw_obj_end(&w);
    jw_obj_end(&w);
    return jw_failed(&w) ? ST_INTERNAL : ST_OK;
}
