/*
 * gbp: Business Information v1 locations (docs/sandbox.md "Google Business
 * Profile"): list an account's locations, get one, and PATCH one.
 *
 * A Location is built from the login (locationsN of them) unless a PATCH
 * edited it; edits are kept as whole Location objects in the state, so they
 * persist for the sandbox's lifetime. Reads return only the fields in
 * readMask, which Google requires.
 *
 * PATCH validates as Google does (platforms.md §2.4, §2.7): updateMask is
 * required and may name only title, storeCode, phoneNumbers, websiteUri,
 * labels, latlng, profile.description and adWordsLocationExtensions.adPhone
 * (phoneNumbers only as a whole: Google refuses phoneNumbers.primaryPhone).
 * A field in the mask but absent from the body is cleared. Bad values are
 * answered 400 INVALID_ARGUMENT with a google.rpc.ErrorInfo detail naming
 * the reason and the mask path; malformed requests (mask, JSON, types) with
 * a google.rpc.BadRequest detail, as Google's front end does.
 */
#include "sandbox/internal.h"
#include "util/str.h"
#include "util/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_SIZE       10 /* locations.list's default pageSize */
#define PAGE_SIZE_MAX   100
#define TITLE_MAX       100
#define STORE_CODE_MAX  64
#define PHONE_MAX       32
#define EXTRA_PHONES    2
#define LABELS_MAX      10
#define LABEL_MAX       255
#define DESCRIPTION_MAX 750
#define INFO_DOMAIN     "mybusinessbusinessinformation.googleapis.com"

static const char *const fields[] = {"name",
                                     "languageCode",
                                     "storeCode",
                                     "title",
                                     "phoneNumbers",
                                     "categories",
                                     "storefrontAddress",
                                     "websiteUri",
                                     "regularHours",
                                     "specialHours",
                                     "serviceArea",
                                     "labels",
                                     "adWordsLocationExtensions",
                                     "latlng",
                                     "openInfo",
                                     "metadata",
                                     "profile",
                                     "relationshipData",
                                     "moreHours",
                                     "serviceItems",
                                     NULL};

static const char *const editable[] = {
    "title",  "storeCode", "phoneNumbers",        "websiteUri",
    "labels", "latlng",    "profile.description", "adWordsLocationExtensions.adPhone",
    NULL};

static bool in_list(const char *const *list, const char *s, size_t n)
{
    for (; *list; list++)
        if (strlen(*list) == n && !memcmp(*list, s, n))
            return true;
    return false;
}

/* ---- answers ------------------------------------------------------------------------- */

static enum status send_json(struct req *r, json_t *j, unsigned status)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s)
        return ST_INTERNAL;
    buf_reset(&r->out);
    int rc = buf_puts(&r->out, s);
    free(s);
    r->http_status = status;
    return rc ? ST_INTERNAL : ST_OK;
}

/* A bad value: ErrorInfo with the reason and the mask path it concerns. */
static enum status info_fail(struct req *r, const char *reason, const char *mask)
{
    return send_json(r,
                     json_pack("{s:{s:i, s:s, s:s, s:[{s:s, s:s, s:s, s:{s:s}}]}}", "error", "code",
                               400, "message", "Request contains an invalid argument.", "status",
                               "INVALID_ARGUMENT", "details", "@type",
                               "type.googleapis.com/google.rpc.ErrorInfo", "reason", reason,
                               "domain", INFO_DOMAIN, "metadata", "field_mask", mask),
                     400);
}

/* A malformed request: BadRequest with one field violation. */
static enum status bad_request(struct req *r, const char *field, const char *description)
{
    return send_json(r,
                     json_pack("{s:{s:i, s:s, s:s, s:[{s:s, s:[{s:s, s:s}]}]}}", "error", "code",
                               400, "message", description, "status", "INVALID_ARGUMENT", "details",
                               "@type", "type.googleapis.com/google.rpc.BadRequest",
                               "fieldViolations", "field", field, "description", description),
                     400);
}

static enum status type_fail(struct req *r, const char *field, const char *type)
{
    return bad_request(r, arena_printf(r->arena, "location.%s", field),
                       arena_printf(r->arena, "Invalid value at 'location.%s' (%s)", field, type));
}

/* ---- the Location model --------------------------------------------------------------- */

static void location_id(const struct sbx_login *l, int i, char out[SBX_ID_MAX + 1])
{
    char salt[32];
    snprintf(salt, sizeof(salt), "location:%d", i);
    ident_digits(NET_GMB, l->name, salt, 20, out);
}

static json_t *location_default(struct req *r, const struct sbx_login *l, int i, const char *id)
{
    static const char *const cats[][2] = {{"gcid:bakery", "Bakery"},
                                          {"gcid:cafe", "Cafe"},
                                          {"gcid:florist", "Florist"},
                                          {"gcid:book_store", "Book store"},
                                          {"gcid:bicycle_store", "Bicycle store"}};
    char salt[32], digits[24], place[32], cid[24];
    snprintf(salt, sizeof(salt), "location:%d", i);
    uint64_t h = ident_u64(NET_GMB, l->name, salt);
    const char *const *cat = cats[i % 5];
    ident_b64(NET_GMB, l->name, arena_printf(r->arena, "place:%d", i), 23, place);
    ident_digits(NET_GMB, l->name, arena_printf(r->arena, "cid:%d", i), 19, cid);
    snprintf(digits, sizeof(digits), "%04u", (unsigned)(h % 10000));
    const char *title = i >= 5 ? arena_printf(r->arena, "%s %s %d", l->title, cat[1], i + 1)
                               : arena_printf(r->arena, "%s %s", l->title, cat[1]);
    const char *place_id = arena_printf(r->arena, "ChIJ%s", place);
    json_t *loc = json_pack(
        "{s:s, s:s, s:s, s:s, s:{s:s, s:[]}, s:{s:{s:s, s:s}}, s:{s:s, s:s, s:s, s:s, s:s, "
        "s:[s]}, s:s, s:[], s:{s:f, s:f}, s:{s:s}, s:{s:s}, s:{s:s, s:b}, s:{s:b, s:b, s:s, s:s, "
        "s:s}}",
        "name", arena_printf(r->arena, "locations/%s", id), "languageCode", "en", "title", title,
        "storeCode", arena_printf(r->arena, "STORE-%03d", i + 1), "phoneNumbers", "primaryPhone",
        arena_printf(r->arena, "+1 415-555-%s", digits), "additionalPhones", "categories",
        "primaryCategory", "name", arena_printf(r->arena, "categories/%s", cat[0]), "displayName",
        cat[1], "storefrontAddress", "regionCode", "US", "languageCode", "en", "postalCode",
        arena_printf(r->arena, "941%02u", (unsigned)(h / 10000 % 34)), "administrativeArea", "CA",
        "locality", "San Francisco", "addressLines",
        arena_printf(r->arena, "%u Market Street", (unsigned)(h / 1000000 % 2000 + 1)),
        "websiteUri",
        i ? arena_printf(r->arena, "https://%s.example.com/locations/%d", l->handle, i + 1)
          : arena_printf(r->arena, "https://%s.example.com/", l->handle),
        "labels", "latlng", "latitude", 37.70 + (double)(h % 1000) / 10000.0, "longitude",
        -122.50 + (double)(h / 1000 % 1000) / 10000.0, "profile", "description",
        arena_printf(r->arena, "%s, a %s in San Francisco run by %s.", title, cat[1], l->title),
        "adWordsLocationExtensions", "adPhone",
        arena_printf(r->arena, "+1 415-555-%04u", (unsigned)(h / 10000000 % 10000)), "openInfo",
        "status", "OPEN", "canReopen", 1, "metadata", "hasPendingEdits", 0, "canDelete", 1,
        "placeId", place_id, "mapsUri",
        arena_printf(r->arena, "https://maps.google.com/maps?cid=%s", cid), "newReviewUri",
        arena_printf(r->arena, "https://search.google.com/local/writereview?placeid=%s", place_id));
    if (!loc)
        abort(); /* a format error here is a bug, not a request problem */
    return loc;
}

/* The login's Location i: its edited copy, else the derived one. */
static json_t *location_at(struct req *r, const struct sbx_login *l, int i)
{
    char id[SBX_ID_MAX + 1];
    location_id(l, i, id);
    json_t *loc = state_location_get(id);
    return loc ? loc : location_default(r, l, i, id);
}

/* Checks readMask; copies the masked fields of loc into a new object. With
 * loc NULL it only validates. Returns NULL (and *bad the path) when a path
 * names no Location field. */
static json_t *masked(struct req *r, const json_t *loc, const char *mask, const char **bad)
{
    json_t *out = json_object();
    for (const char *p = mask; *p;) {
        size_t n = strcspn(p, ",");
        const char *s = p;
        size_t sn = n;
        while (sn && *s == ' ')
            s++, sn--;
        while (sn && s[sn - 1] == ' ')
            sn--;
        if (sn) {
            const char *dot = memchr(s, '.', sn);
            size_t top = dot ? (size_t)(dot - s) : sn;
            if (!in_list(fields, s, top)) {
                *bad = arena_strndup(r->arena, s, sn);
                json_decref(out);
                return NULL;
            }
            char *key = arena_strndup(r->arena, s, top);
            json_t *v = loc ? json_object_get(loc, key) : NULL;
            if (v && !dot) {
                json_object_set(out, key, v);
            } else if (v && json_is_object(v)) {
                /* "storefrontAddress.locality": only that member. */
                char *sub = arena_strndup(r->arena, dot + 1, sn - top - 1);
                json_t *sv = json_object_get(v, sub);
                if (sv) {
                    json_t *o = json_object_get(out, key);
                    if (!o) {
                        o = json_object();
                        json_object_set_new(out, key, o);
                    }
                    json_object_set(o, sub, sv);
                }
            }
        }
        p += n;
        if (*p)
            p++;
    }
    return out;
}

/* Common start of every location call: the token, and the login. */
static bool begin(struct req *r, struct sbx_login *l)
{
    struct sbx_grant g;
    if (!sbx_auth(r, NET_GMB, false, &g))
        return false;
    ident_of(&g, l);
    return true;
}

enum status sbx_gbp_locations(struct app *app, struct req *r)
{
    (void)app;
    struct sbx_login l;
    if (!begin(r, &l))
        return ST_OK;
    char account[SBX_ID_MAX + 1];
    ident_digits(NET_GMB, l.name, "account", 21, account);
    if (strcmp(r->params[0], account))
        return env_google(r, 403, "PERMISSION_DENIED", "The caller does not have permission");
    const char *mask = req_query(r, "readMask"), *bad = NULL;
    if (!mask || !*mask)
        return bad_request(r, "read_mask", "readMask is required");
    json_t *check = masked(r, NULL, mask, &bad);
    if (!check)
        return bad_request(r, "read_mask", arena_printf(r->arena, "Invalid field mask: %s", bad));
    json_decref(check);
    int64_t size = PAGE_SIZE, start = 0;
    const char *ps = req_query(r, "pageSize"), *pt = req_query(r, "pageToken");
    if (ps && !str_to_i64(ps, 0, INT32_MAX, &size))
        return bad_request(r, "page_size", "pageSize must be a non-negative integer");
    if (size == 0)
        size = PAGE_SIZE;
    if (size > PAGE_SIZE_MAX)
        size = PAGE_SIZE_MAX;
    if (pt && *pt && (strncmp(pt, "LOC", 3) || !str_to_i64(pt + 3, 0, l.locations, &start)))
        return bad_request(r, "page_token", "Invalid page token");
    json_t *list = json_array();
    for (int64_t i = start; i < l.locations && i < start + size; i++) {
        json_t *loc = location_at(r, &l, (int)i);
        json_array_append_new(list, masked(r, loc, mask, &bad));
        json_decref(loc);
    }
    /* Google leaves empty repeated fields out: no locations is {}. */
    json_t *out = json_object();
    if (json_array_size(list))
        json_object_set(out, "locations", list);
    json_decref(list);
    if (start + size < l.locations)
        json_object_set_new(
            out, "nextPageToken",
            json_string(arena_printf(r->arena, "LOC%lld", (long long)(start + size))));
    return send_json(r, out, 200);
}

/* ---- PATCH ---------------------------------------------------------------------------- */

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Digits, spaces and + - ( ) . only, a + only in front, 5 to 15 digits. */
static bool phone_ok(const char *s)
{
    size_t digits = 0, len = strlen(s);
    if (len > PHONE_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9')
            digits++;
        else if (c == '+' && i != strspn(s, " "))
            return false;
        else if (!strchr(" +-().", c))
            return false;
    }
    return digits >= 5 && digits <= 15;
}

/* Validates the body's value for one mask path and stores it into loc.
 * Returns false with *st set once the failure is answered. */
static bool apply_path(struct req *r, const char *path, const json_t *body, json_t *loc,
                       enum status *st)
{
    const char *why = NULL;
    *st = ST_OK;
#define FAIL(expr)    \
    do {              \
        *st = (expr); \
        return false; \
    } while (0)
    if (!strcmp(path, "title")) {
        json_t *v = json_object_get(body, "title");
        if (!v || json_is_null(v))
            FAIL(info_fail(r, "REQUIRED_FIELD_MISSING_VALUE", path));
        if (!json_is_string(v))
            FAIL(type_fail(r, "title", "TYPE_STRING"));
        struct slice t = str_trim(json_string_value(v));
        if (!t.n)
            FAIL(info_fail(r, "STRING_TOO_SHORT", path));
        if (utf8_chars(json_string_value(v)) > TITLE_MAX)
            FAIL(info_fail(r, "STRING_TOO_LONG", path));
        json_object_set(loc, "title", v);
    } else if (!strcmp(path, "storeCode") || !strcmp(path, "websiteUri")) {
        json_t *v = json_object_get(body, path);
        if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v))) {
            json_object_del(loc, path);
            return true;
        }
        if (!json_is_string(v))
            FAIL(type_fail(r, path, "TYPE_STRING"));
        struct url u;
        if (path[0] == 's' && utf8_chars(json_string_value(v)) > STORE_CODE_MAX)
            FAIL(info_fail(r, "STRING_TOO_LONG", path));
        if (path[0] == 'w' && !url_parse(r->arena, json_string_value(v), &u, &why))
            FAIL(info_fail(r, "INVALID_URL", path));
        json_object_set(loc, path, v);
    } else if (!strcmp(path, "phoneNumbers")) {
        json_t *v = json_object_get(body, "phoneNumbers");
        if (!v || json_is_null(v)) {
            json_object_del(loc, path);
            return true;
        }
        if (!json_is_object(v))
            FAIL(type_fail(r, path, "TYPE_MESSAGE"));
        json_t *primary = json_object_get(v, "primaryPhone");
        json_t *extra = json_object_get(v, "additionalPhones");
        if (primary && !json_is_string(primary))
            FAIL(type_fail(r, "phone_numbers.primary_phone", "TYPE_STRING"));
        if (!primary || !*json_string_value(primary))
            FAIL(info_fail(r, "MISSING_PRIMARY_PHONE_NUMBER", path));
        if (!phone_ok(json_string_value(primary)))
            FAIL(info_fail(r, "INVALID_PHONE_NUMBER", path));
        if (extra && !json_is_null(extra) && !json_is_array(extra))
            FAIL(type_fail(r, "phone_numbers.additional_phones", "TYPE_STRING"));
        if (json_array_size(extra) > EXTRA_PHONES)
            FAIL(info_fail(r, "TOO_MANY_VALUES", path));
        size_t i;
        json_t *p;
        json_array_foreach(extra, i, p)
        {
            if (!json_is_string(p))
                FAIL(type_fail(r, "phone_numbers.additional_phones", "TYPE_STRING"));
            if (!phone_ok(json_string_value(p)))
                FAIL(info_fail(r, "INVALID_PHONE_NUMBER", path));
        }
        json_t *phones = json_is_array(extra) ? json_copy(extra) : json_array();
        json_object_set_new(
            loc, path,
            json_pack("{s:O, s:o}", "primaryPhone", primary, "additionalPhones", phones));
    } else if (!strcmp(path, "labels")) {
        json_t *v = json_object_get(body, "labels");
        if (v && !json_is_null(v) && !json_is_array(v))
            FAIL(type_fail(r, path, "TYPE_STRING"));
        if (json_array_size(v) > LABELS_MAX)
            FAIL(info_fail(r, "TOO_MANY_VALUES", path));
        size_t i;
        json_t *s;
        json_array_foreach(v, i, s)
        {
            if (!json_is_string(s))
                FAIL(type_fail(r, path, "TYPE_STRING"));
            size_t n = utf8_chars(json_string_value(s));
            if (n < 1)
                FAIL(info_fail(r, "STRING_TOO_SHORT", path));
            if (n > LABEL_MAX)
                FAIL(info_fail(r, "STRING_TOO_LONG", path));
        }
        json_object_set_new(loc, path, json_is_array(v) ? json_copy(v) : json_array());
    } else if (!strcmp(path, "latlng")) {
        json_t *v = json_object_get(body, "latlng");
        if (!v || json_is_null(v)) {
            json_object_del(loc, path);
            return true;
        }
        if (!json_is_object(v))
            FAIL(type_fail(r, path, "TYPE_MESSAGE"));
        json_t *lat = json_object_get(v, "latitude"), *lng = json_object_get(v, "longitude");
        if (!json_is_number(lat) || !json_is_number(lng))
            FAIL(info_fail(r, "INVALID_LATLNG", path));
        double a = json_number_value(lat), o = json_number_value(lng);
        if (!(a >= -90.0 && a <= 90.0) || !(o >= -180.0 && o <= 180.0))
            FAIL(info_fail(r, "INVALID_LATLNG", path));
        json_object_set_new(loc, path, json_pack("{s:f, s:f}", "latitude", a, "longitude", o));
    } else if (!strcmp(path, "profile.description")) {
        json_t *prof = json_object_get(body, "profile");
        json_t *v = json_is_object(prof) ? json_object_get(prof, "description") : NULL;
        if (prof && !json_is_null(prof) && !json_is_object(prof))
            FAIL(type_fail(r, "profile", "TYPE_MESSAGE"));
        if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v))) {
            json_object_del(loc, "profile");
            return true;
        }
        if (!json_is_string(v))
            FAIL(type_fail(r, "profile.description", "TYPE_STRING"));
        const char *d = json_string_value(v);
        if (utf8_chars(d) > DESCRIPTION_MAX)
            FAIL(info_fail(r, "STRING_TOO_LONG", path));
        if (strstr(d, "http://") || strstr(d, "https://") || strstr(d, "www."))
            FAIL(info_fail(r, "PROFILE_DESCRIPTION_CONTAINS_URL", path));
        json_object_set_new(loc, "profile", json_pack("{s:O}", "description", v));
    } else { /* adWordsLocationExtensions.adPhone */
        json_t *ext = json_object_get(body, "adWordsLocationExtensions");
        json_t *v = json_is_object(ext) ? json_object_get(ext, "adPhone") : NULL;
        if (ext && !json_is_null(ext) && !json_is_object(ext))
            FAIL(type_fail(r, "ad_words_location_extensions", "TYPE_MESSAGE"));
        if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v))) {
            json_object_del(loc, "adWordsLocationExtensions");
            return true;
        }
        if (!json_is_string(v))
            FAIL(type_fail(r, "ad_words_location_extensions.ad_phone", "TYPE_STRING"));
        if (!phone_ok(json_string_value(v)))
            FAIL(info_fail(r, "INVALID_PHONE_NUMBER", path));
        json_object_set_new(loc, "adWordsLocationExtensions", json_pack("{s:O}", "adPhone", v));
    }
#undef FAIL
    return true;
}

static enum status patch(struct req *r, json_t *loc, const char *id)
{
    const char *mask = req_query(r, "updateMask");
    if (!mask || !*mask)
        return bad_request(r, "update_mask", "updateMask is required");
    json_error_t err;
    json_t *body = r->body_raw.len ? json_loadb(r->body_raw.data, r->body_raw.len, 0, &err) : NULL;
    if (!json_is_object(body)) {
        json_decref(body);
        return bad_request(r, "location", "Invalid JSON payload received. Expected an object.");
    }
    enum status st = ST_OK;
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (!in_list(fields, key, strlen(key))) {
            st = bad_request(r, "location",
                             arena_printf(r->arena,
                                          "Invalid JSON payload received. Unknown name \"%s\" at "
                                          "'location': Cannot find field.",
                                          key));
            goto out;
        }
    }
    for (const char *p = mask; *p;) {
        size_t n = strcspn(p, ",");
        struct slice t = str_trim(arena_strndup(r->arena, p, n));
        if (t.n && !in_list(editable, t.p, t.n)) {
            st =
                bad_request(r, "update_mask",
                            arena_printf(r->arena, "Invalid field mask path: %.*s", (int)t.n, t.p));
            goto out;
        }
        if (t.n && !apply_path(r, arena_strndup(r->arena, t.p, t.n), body, loc, &st))
            goto out;
        p += n;
        if (*p)
            p++;
    }
    const char *vo = req_query(r, "validateOnly");
    if (vo && !strcmp(vo, "true")) {
        /* validateOnly: an empty answer when everything is valid. */
        st = send_json(r, json_object(), 200);
        goto out;
    }
    state_location_put(id, loc);
    st = send_json(r, json_incref(loc), 200);
out:
    json_decref(body);
    return st;
}

enum status sbx_gbp_location(struct app *app, struct req *r)
{
    (void)app;
    struct sbx_login l;
    if (!begin(r, &l))
        return ST_OK;
    int found = -1;
    char id[SBX_ID_MAX + 1];
    for (int i = 0; i < l.locations && found < 0; i++) {
        location_id(&l, i, id);
        if (!strcmp(id, r->params[0]))
            found = i;
    }
    if (found < 0)
        return env_google(r, 404, "NOT_FOUND", "Requested entity was not found.");
    json_t *loc = location_at(r, &l, found);
    enum status st;
    if (r->method == HM_PATCH) {
        st = patch(r, loc, id);
    } else {
        const char *mask = req_query(r, "readMask"), *bad = NULL;
        json_t *out = mask && *mask ? masked(r, loc, mask, &bad) : NULL;
        if (!mask || !*mask)
            st = bad_request(r, "read_mask", "readMask is required");
        else if (!out)
            st = bad_request(r, "read_mask", arena_printf(r->arena, "Invalid field mask: %s", bad));
        else
            st = send_json(r, out, 200);
    }
    json_decref(loc);
    return st;
}
