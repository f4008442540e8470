/*
 * details: acting on a linked network for the user (SPEC §3, §4) —
 * GET /api/user/details/pinterest (every board, cached 60 s per profile)
 * and PATCH /api/user/gbp (a Business Profile location update within
 * Google's per-field edit limit).
 *
 * Both wait on the network on an offload worker with the request
 * suspended; HTTP threads never wait.
 */
#include "api/api.h"
#include "api/fields.h"
#include "api/live.h"
#include "core/log.h"
#include "core/offload.h"
#include "http/server.h"
#include "ops/linked.h"
#include "platforms/names.h"
#include "store/edits.h"
#include "store/linked.h"
#include "util/cache.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BOARDS_TTL_MS   60000
#define BOARDS_MAX      10000
#define GBP_WINDOW_MS   (24 * 3600 * 1000LL)
#define GBP_EDITS       5
#define GBP_PENDING_TTL (5 * 60 * 1000LL)

/* The rendered board lists, by profile id. */
struct boards_entry {
    int64_t at_ms;
    int64_t linked_ms; /* a re-link makes the entry stale */
    size_t len;
    char body[];
};

struct boards_hit {
    int64_t now_ms, linked_ms;
    struct buf *out;
};

static bool boards_copy(void *entry, void *arg)
{
    const struct boards_entry *e = entry;
    struct boards_hit *h = arg;
    if (e->linked_ms != h->linked_ms || h->now_ms - e->at_ms >= BOARDS_TTL_MS ||
        h->now_ms < e->at_ms)
        return false;
    buf_append(h->out, e->body, e->len);
    return true;
}

/* The profile's live account on platform, with its tokens opened. */
static enum status linked_tokens(struct app *app, struct req *r, const char *platform,
                                 struct linked_secret *sec, struct tokens *tok)
{
    struct principal *p = api_principal(r);
    enum store_rc rc = store_linked_secret(app->store, r->arena, p->profile.id, platform, sec);
    if (rc == STORE_NOTFOUND ||
        (rc == STORE_OK && sec->status && !strcmp(sec->status, "relink_required"))) {
        req_detail_str(r, "platform", platform);
        return ST_NOT_LINKED;
    }
    if (rc != STORE_OK)
        return ST_INTERNAL;
    if (!ops_linked_unseal(app, r->arena, p->profile.id, platform, sec->access, sec->access_len,
                           sec->refresh, sec->refresh_len, tok) ||
        !tok->access) {
        r->err_message = "The stored authorization of this account cannot be used. Re-link it.";
        req_detail_str(r, "platform", platform);
        return ST_NETWORK_AUTH;
    }
    return ST_OK;
}

/* ---- GET /api/user/details/pinterest ---- */

struct boards_task {
    struct app *app;
    struct req *r;
    struct tokens tok;
    int64_t linked_ms;
};

static void write_board(struct jw *w, json_t *b)
{
    /* The seed's shape and key order. */
    jw_obj(w);
    json_t *privacy = json_object_get(b, "privacy");
    jw_kstr(w, "privacy", json_is_string(privacy) ? json_string_value(privacy) : "PUBLIC");
    jw_key(w, "owner");
    jw_obj(w);
    json_t *user = json_object_get(json_object_get(b, "owner"), "username");
    jw_kstr(w, "username", json_is_string(user) ? json_string_value(user) : "");
    jw_obj_end(w);
    json_t *id = json_object_get(b, "id");
    jw_kstr(w, "id", json_is_string(id) ? json_string_value(id) : "");
    json_t *name = json_object_get(b, "name");
    jw_kstr(w, "name", json_is_string(name) ? json_string_value(name) : "");
    json_t *desc = json_object_get(b, "description");
    jw_kstr(w, "description", json_is_string(desc) ? json_string_value(desc) : "");
    jw_obj_end(w);
}

static void boards_run(void *arg)
{
    struct boards_task *t = arg;
    struct req *r = t->r;
    struct app *app = t->app;
    struct principal *p = api_principal(r);
    enum status st = ST_OK;
    struct net n;
    int idx = platform_index("pinterest");
    if (!ops_linked_net(app, r->arena, p->profile.account_id, idx, &n)) {
        r->err_message = "Pinterest is not configured on this server.";
        req_detail_str(r, "platform", "pinterest");
        st = ST_NETWORK_ERROR;
        goto out;
    }
    json_t *boards = json_array();
    enum net_rc rc = pinterest_read_boards(&n, &t->tok, boards, BOARDS_MAX);
    if (rc != NET_OK) {
        json_decref(boards);
        st = api_net_status(r, &n, rc);
        goto out;
    }
    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_key(&w, "pinterest");
    jw_arr(&w);
    size_t i;
    json_t *b;
    json_array_foreach(boards, i, b) write_board(&w, b);
    jw_arr_end(&w);
    jw_obj_end(&w);
    json_decref(boards);
    if (jw_failed(&w)) {
        st = ST_INTERNAL;
        goto out;
    }
    struct boards_entry *e = mem_malloc(sizeof(*e) + r->out.len);
    e->at_ms = time_now_ms();
    e->linked_ms = t->linked_ms;
    e->len = r->out.len;
    memcpy(e->body, r->out.data, r->out.len);
    cache_put(live_boards(app->live), (uint64_t)p->profile.id, e, sizeof(*e) + e->len);
out:
    req_resume(r, st);
}

enum status api_details_get(struct app *app, struct req *r)
{
    const char *platform = r->params[0];
    if (strcmp(platform, "pinterest") != 0)
        return req_fail(r, ST_BAD_PARAM, "platform",
                        "details exist for pinterest only (GET /api/user/details/pinterest)");
    struct boards_task *t = arena_alloc(r->arena, sizeof(*t));
    memset(t, 0, sizeof(*t));
    t->app = app;
    t->r = r;
    struct linked_secret sec;
    enum status st = linked_tokens(app, r, "pinterest", &sec, &t->tok);
    if (st != ST_OK)
        return st;
    t->linked_ms = sec.linked_ms;
    struct boards_hit hit = {time_now_ms(), sec.linked_ms, &r->out};
    if (cache_with(live_boards(app->live), (uint64_t)api_principal(r)->profile.id, boards_copy,
                   &hit))
        return ST_OK;
    if (!offload_run(app->offload, boards_run, t))
        return ST_UNAVAILABLE;
    req_suspend(r);
    return ST_OK;
}

/* ---- PATCH /api/user/gbp ---- */

static void release_json(void *j)
{
    json_decref(j);
}

struct gbp_task {
    struct app *app;
    struct req *r;
    struct tokens tok;
    const char *location;
    const char *mask;
    const char *body;
    int64_t batch;
};

/* Phone-like: 3 to 32 characters of digits, spaces and + - ( ) . with at
 * least 3 digits. */
static bool phone_like(const char *s)
{
    size_t digits = 0, n = strlen(s);
    if (n < 3 || n > 32)
        return false;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (!strchr(" +-().", *p))
            return false;
    }
    return digits >= 3;
}

static bool http_url(const char *s)
{
    return (!strncmp(s, "https://", 8) && s[8] && s[8] != '/') ||
           (!strncmp(s, "http://", 7) && s[7] && s[7] != '/');
}

static void add_field(struct gbp_update *u, const char *mask, const char *name)
{
    u->mask[u->n] = mask;
    u->names[u->n] = name;
    u->n++;
}

static void read_phones(struct fields *f, struct gbp_update *u)
{
    struct fields sub;
    if (!fields_object(f, "phoneNumbers", &sub))
        return;
    const char *primary = NULL;
    json_t *phones = json_object();
    if (fields_str(&sub, "primaryPhone", 1, 32, false, &primary)) {
        if (phone_like(primary))
            json_object_set_new(phones, "primaryPhone", json_string(primary));
        else
            fields_fail(&sub, "primaryPhone", "must be a phone number (digits, spaces, + - ( ) .)");
    }
    json_t *extra = json_object_get(sub.obj, "additionalPhones");
    if (extra && !json_is_null(extra)) {
        if (!json_is_array(extra) || json_array_size(extra) > 2) {
            fields_fail(&sub, "additionalPhones", "must be an array of at most 2 phone numbers");
        } else {
            json_t *out = json_array();
            size_t i;
            json_t *v;
            json_array_foreach(extra, i, v)
            {
                if (json_is_string(v) && phone_like(json_string_value(v)))
                    json_array_append(out, v);
                else
                    fields_fail(&sub, "additionalPhones",
                                "must be an array of at most 2 phone numbers");
            }
            json_object_set_new(phones, "additionalPhones", out);
        }
    }
    if (!json_object_size(phones))
        fields_fail(&sub, "primaryPhone", "phoneNumbers needs primaryPhone or additionalPhones");
    fields_merge(f, &sub);
    json_object_set_new(u->body, "phoneNumbers", phones);
    add_field(u, "phoneNumbers", "phoneNumbers");
}

static void read_gbp(struct fields *f, struct gbp_update *u)
{
    const char *s = NULL;
    if (fields_has(f, "name"))
        fields_fail(f, "name", "is read-only: the location is the one linked to the profile");
    read_phones(f, u);
    if (fields_str(f, "adPhone", 1, 32, false, &s)) {
        if (phone_like(s)) {
            json_object_set_new(u->body, "adWordsLocationExtensions",
                                json_pack("{s:s}", "adPhone", s));
            add_field(u, "adWordsLocationExtensions.adPhone", "adPhone");
        } else {
            fields_fail(f, "adPhone", "must be a phone number (digits, spaces, + - ( ) .)");
        }
    }
    if (fields_str(f, "storeCode", 1, 64, false, &s)) {
        json_object_set_new(u->body, "storeCode", json_string(s));
        add_field(u, "storeCode", "storeCode");
    }
    if (fields_str(f, "title", 1, 100, false, &s)) {
        json_object_set_new(u->body, "title", json_string(s));
        add_field(u, "title", "title");
    }
    const char *url = NULL, *uri = NULL;
    bool has_url = fields_str(f, "websiteUrl", 1, 2048, false, &url);
    bool has_uri = fields_str(f, "websiteUri", 1, 2048, false, &uri);
    if (has_url && has_uri && strcmp(url, uri) != 0) {
        fields_fail(f, "websiteUri", "send websiteUrl or its alias websiteUri, not both");
    } else if (has_url || has_uri) {
        const char *w = has_url ? url : uri;
        if (http_url(w)) {
            json_object_set_new(u->body, "websiteUri", json_string(w));
            add_field(u, "websiteUri", has_url ? "websiteUrl" : "websiteUri");
        } else {
            fields_fail(f, has_url ? "websiteUrl" : "websiteUri",
                        "must be an absolute http:// or https:// URL");
        }
    }
    const char *labels = NULL;
    if (fields_str_array(f, "labels", 10, 1, 255, NULL, &labels)) {
        json_object_set_new(u->body, "labels", json_loads(labels, 0, NULL));
        add_field(u, "labels", "labels");
    }
    struct fields sub;
    if (fields_object(f, "latlng", &sub)) {
        double lat = NAN, lng = NAN;
        if (!fields_number(&sub, "latitude", &lat) && !fields_has(&sub, "latitude"))
            fields_fail(&sub, "latitude", "is required");
        else if (!(lat >= -90.0 && lat <= 90.0))
            fields_fail(&sub, "latitude", "must be a number from -90 to 90");
        if (!fields_number(&sub, "longitude", &lng) && !fields_has(&sub, "longitude"))
            fields_fail(&sub, "longitude", "is required");
        else if (!(lng >= -180.0 && lng <= 180.0))
            fields_fail(&sub, "longitude", "must be a number from -180 to 180");
        fields_merge(f, &sub);
        json_object_set_new(u->body, "latlng",
                            json_pack("{s:f,s:f}", "latitude", isfinite(lat) ? lat : 0.0,
                                      "longitude", isfinite(lng) ? lng : 0.0));
        add_field(u, "latlng", "latlng");
    }
    if (fields_object(f, "profile", &sub)) {
        const char *d = NULL;
        if (fields_str(&sub, "description", 0, 750, false, &d)) {
            json_object_set_new(u->body, "profile", json_pack("{s:s}", "description", d));
            add_field(u, "profile.description", "profile");
        } else if (!fields_has(&sub, "description")) {
            fields_fail(&sub, "description", "is required");
        }
        fields_merge(f, &sub);
    }
}

enum status api_gbp_parse(struct req *r, struct gbp_update *u)
{
    memset(u, 0, sizeof(*u));
    u->body = json_object();
    arena_on_free(r->arena, release_json, u->body);
    struct fields f;
    fields_init(&f, r);
    read_gbp(&f, u);
    if (fields_ok(&f) && !u->n)
        fields_fail(&f, "body",
                    "send at least one of phoneNumbers, adPhone, storeCode, title, websiteUrl, "
                    "labels, latlng, profile");
    return fields_done(&f);
}

static void gbp_run(void *arg)
{
    struct gbp_task *t = arg;
    struct req *r = t->r;
    struct app *app = t->app;
    struct principal *p = api_principal(r);
    enum status st = ST_OK;
    struct net n;
    json_t *loc = NULL;
    enum net_rc rc = NET_DENIED;
    if (!ops_linked_net(app, r->arena, p->profile.account_id, platform_index("gmb"), &n)) {
        r->err_message = "Google Business Profile is not configured on this server.";
        req_detail_str(r, "platform", "gmb");
        st = ST_NETWORK_ERROR;
    } else {
        rc = gmb_patch_location(&n, &t->tok, t->location, t->mask, t->body, &loc);
        if (rc == NET_BAD && n.http_status >= 400 && n.http_status < 500) {
            req_detail_str(r, "platform", "gmb");
            req_detail_int(r, "status", n.http_status);
            req_detail_str(r, "error", n.error ? n.error : "refused");
            st = ST_NETWORK_REJECTED;
        } else if (rc != NET_OK) {
            st = api_net_status(r, &n, rc);
        }
    }
    /* Only a change Google took counts against its limit. */
    if (store_gbp_settle(app->store, t->batch, rc == NET_OK, time_now_ms()) != STORE_OK)
        log_error("cannot settle Business Profile edit reservation %lld", (long long)t->batch);
    if (rc == NET_OK) {
        char *data = json_dumps(loc, JSON_COMPACT);
        if (!data) {
            st = ST_INTERNAL;
        } else {
            buf_puts(&r->out, "{\"gmb\":{\"status\":\"success\",\"data\":");
            buf_puts(&r->out, data);
            buf_puts(&r->out, "}}");
            free(data);
        }
    }
    req_resume(r, st);
}

enum status api_gbp_patch(struct app *app, struct req *r)
{
    const char *platform = r->params[0];
    if (strcmp(platform, "gbp") != 0 && strcmp(platform, "gmb") != 0)
        return req_fail(r, ST_BAD_PARAM, "platform",
                        "only Google Business Profile can be updated (PATCH /api/user/gbp)");
    struct gbp_update u;
    enum status st = api_gbp_parse(r, &u);
    if (st != ST_OK)
        return st;
    struct gbp_task *t = arena_alloc(r->arena, sizeof(*t));
    memset(t, 0, sizeof(*t));
    t->app = app;
    t->r = r;
    struct linked_secret sec;
    st = linked_tokens(app, r, "gmb", &sec, &t->tok);
    if (st != ST_OK)
        return st;
    json_t *extra = sec.extra ? json_loads(sec.extra, 0, NULL) : NULL;
    json_t *locj = json_object_get(extra, "location");
    t->location = json_is_string(locj) ? arena_strdup(r->arena, json_string_value(locj)) : NULL;
    json_decref(extra);
    if (!t->location) {
        r->err_message = "The linked Business Profile has no location name. Re-link it.";
        req_detail_str(r, "platform", "gmb");
        return ST_NETWORK_AUTH;
    }
    struct buf mask;
    buf_init(&mask, 512);
    for (size_t i = 0; i < u.n; i++) {
        if (i)
            buf_puts(&mask, ",");
        buf_puts(&mask, u.mask[i]);
    }
    t->mask = arena_strndup(r->arena, mask.data, mask.len);
    buf_free(&mask);
    char *body = json_dumps(u.body, JSON_COMPACT);
    if (!body)
        return ST_INTERNAL;
    t->body = arena_strdup(r->arena, body);
    free(body);

    const struct gbp_limit lim = {GBP_WINDOW_MS, GBP_EDITS, GBP_PENDING_TTL};
    size_t blocked = 0;
    int64_t available = 0;
    enum store_rc rc = store_gbp_reserve(app->store, t->location, u.mask, u.n, time_now_ms(), &lim,
                                         &t->batch, &blocked, &available);
    if (rc == STORE_CONFLICT) {
        char ts[32];
        time_iso_ms(available, ts, sizeof(ts));
        req_detail_str(r, "field", u.names[blocked]);
        req_detail_str(r, "availableAt", ts);
        return ST_GBP_EDIT_LIMIT;
    }
    if (rc != STORE_OK)
        return ST_INTERNAL;
    if (!offload_run(app->offload, gbp_run, t)) {
        store_gbp_settle(app->store, t->batch, false, time_now_ms());
        return ST_UNAVAILABLE;
    }
    req_suspend(r);
    return ST_OK;
}
