#include "store/accounts.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "suites.h"
#include "render/render.h"
#include "api/live.h"

#include <jansson.h>
#include <string.h>

static json_t *render(const struct linked_account *la, size_t n, bool igq, int64_t now,
                      const struct profile *p, int64_t quota, int64_t *until)
{
    struct config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.public_url = "https://social.example.com";
    cfg.details_ttl_s = 30;
    struct account acct = {.email = "me@example.com"};
    struct buf active, names, out;
    buf_init(&active, 1 << 16);
    buf_init(&names, 1 << 16);
    buf_init(&out, 1 << 16);
    struct render_live live = {.instagram_quota = igq};
    size_t shown = 0;
    ck_assert(render_linked(la, n, &live, now, &active, &names, until, &shown));
    struct linked_json lj = {
        active.data ? active.data : "", active.len, names.data, names.len, shown, *until};
    struct render_user u = {.cfg = &cfg,
                            .acct = &acct,
                            .profile = p,
                            .linked = &lj,
                            .month_calls = 49,
                            .quota = quota,
                            .next_update_ms = p->details_updated_ms + 30000};
    struct jw w;
    jw_init(&w, &out);
    render_user(&w, &u);
    ck_assert(!jw_failed(&w));
    json_error_t err;
    json_t *j = json_loads(out.data, 0, &err);
    ck_assert_msg(j != NULL, "%s", out.data);
    /* key order of the seed */
    const char *order[] = {"activeSocialAccounts", "ayrlinkUrl", "created",
                           "displayNames",         "email",      "monthlyApiCalls",
                           "monthlyApiCallsQuota", "refId",      "title",
                           "lastUpdated",          "nextUpdate"};
    const char *pos = out.data;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        char key[64];
        snprintf(key, sizeof(key), "\"%s\":", order[i]);
        const char *f = strstr(pos, key);
        if (f)
            pos = f;
        else
            ck_assert_ptr_null(strstr(out.data, key));
    }
    buf_free(&active);
    buf_free(&names);
    buf_free(&out);
    return j;
}

START_TEST(profile_body_shape)
{
    struct profile p = {.title = "Primary Profile",
                        .is_primary = true,
                        .created_ms = 1667351022814LL,
                        .details_updated_ms = 1704383477775LL,
                        .bio_handle = "shop"};
    strcpy(p.ref_id, "13a9da9e0df1183a7a6a1fc2c60b8023fa9a32a0");
    struct linked_account la[] = {
        {.platform = "instagram",
         .disp.network_id = "1784144322",
         .disp.display_name = "Ayrshare",
         .disp.type = "business",
         .linked_ms = 1668026218659LL},
        {.platform = "linkedin",
         .disp.network_id = "72157",
         .disp.display_name = "Ayrshare",
         .disp.type = "corporate",
         .linked_ms = 1668711149830LL},
        {.platform = "telegram",
         .disp.network_id = "-10017122",
         .disp.display_name = "Ayrshare",
         .linked_ms = 1668711316320LL},
    };
    int64_t now = 1668711149830LL + 86400000LL, until;
    json_t *j = render(la, 3, false, now, &p, 500, &until);
    ck_assert_str_eq(json_string_value(json_object_get(j, "ayrlinkUrl")),
                     "https://social.example.com/bio/shop");
    json_t *created = json_object_get(j, "created");
    ck_assert_int_eq(json_integer_value(json_object_get(created, "_seconds")), 1667351022);
    ck_assert_int_eq(json_integer_value(json_object_get(created, "_nanoseconds")), 814000000);
    ck_assert_str_eq(json_string_value(json_object_get(created, "utc")), "2022-11-02T01:03:42Z");
    ck_assert_str_eq(json_string_value(json_object_get(j, "nextUpdate")),
                     "2024-01-04T15:51:47.775Z");
    json_t *dn = json_object_get(j, "displayNames");
    ck_assert_uint_eq(json_array_size(dn), 3);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "activeSocialAccounts")), 3);
    /* instagram's type only with instagramQuota */
    ck_assert_ptr_null(json_object_get(json_array_get(dn, 0), "type"));
    json_t *li = json_array_get(dn, 1);
    ck_assert_int_eq(json_integer_value(json_object_get(li, "refreshDaysRemaining")), 364);
    ck_assert_str_eq(json_string_value(json_object_get(li, "refreshRequired")),
                     "2023-11-17T18:52:29.830Z");
    /* exactly one day after linking: the count drops to 363 one day later + 1 ms */
    ck_assert_int_eq(until, now + 1);
    ck_assert(json_is_integer(json_object_get(json_array_get(dn, 2), "id")));
    ck_assert_int_eq(json_integer_value(json_object_get(j, "monthlyApiCalls")), 49);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "monthlyApiCallsQuota")), 500);
    ck_assert_str_eq(json_string_value(json_object_get(j, "email")), "me@example.com");
    json_decref(j);
    j = render(la, 3, true, now, &p, 500, &until);
    dn = json_object_get(j, "displayNames");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(dn, 0), "type")), "business");
    json_decref(j);
}
END_TEST

START_TEST(user_profile_no_links)
{
    struct profile p = {.title = "Shop", .created_ms = 1000};
    int64_t until;
    json_t *j = render(NULL, 0, false, 5000, &p, -1, &until);
    ck_assert_ptr_null(json_object_get(j, "activeSocialAccounts"));
    ck_assert_ptr_null(json_object_get(j, "monthlyApiCallsQuota"));
    ck_assert_ptr_null(json_object_get(j, "ayrlinkUrl"));
    ck_assert(json_is_null(json_object_get(j, "email")));
    ck_assert_uint_eq(json_array_size(json_object_get(j, "displayNames")), 0);
    ck_assert_int_eq(until, INT64_MAX);
    json_decref(j);
}
END_TEST

/* Renders la with live data into a displayNames array (jansson). */
static json_t *names_with(const struct linked_account *la, size_t n, const struct render_live *live,
                          size_t *shown, struct buf *active)
{
    struct buf names;
    buf_init(active, 1 << 16);
    buf_init(&names, 1 << 16);
    int64_t until;
    ck_assert(render_linked(la, n, live, 1700000000000LL, active, &names, &until, shown));
    json_t *j = json_loadb(names.data, names.len, 0, NULL);
    ck_assert_ptr_nonnull(j);
    /* keys of each entry in alphabetical order, as the seed's */
    size_t i;
    json_t *e;
    json_array_foreach(j, i, e)
    {
        const char *prev = "", *k;
        json_t *v;
        json_object_foreach(e, k, v)
        {
            ck_assert_msg(strcmp(prev, k) < 0, "%s before %s", prev, k);
            prev = k;
        }
    }
    buf_free(&names);
    return j;
}

START_TEST(live_fields_and_relink_hidden)
{
    struct linked_account la[] = {
        {.platform = "instagram",
         .disp.network_id = "1",
         .disp.display_name = "Ig",
         .disp.type = "business",
         .disp.user_image = "https://img/ig",
         .linked_ms = 1},
        {.platform = "tiktok",
         .disp.network_id = "2",
         .disp.display_name = "Tt",
         .linked_ms = 1,
         .status = "relink_required"},
        {.platform = "twitter",
         .disp.network_id = "3",
         .disp.display_name = "X",
         .disp.username = "x",
         .linked_ms = 1,
         .status = "refresh_failing"},
    };
    struct live_ig ig = {.ok = true, .used = 7, .total = 50};
    struct live_x x = {.ok = true, .usage = 4323, .cap = 100000, .reset = "2024-02-02"};
    struct render_live live = {.instagram_quota = true, .ig = &ig, .x = &x};
    size_t shown = 0;
    struct buf active;
    json_t *j = names_with(la, 3, &live, &shown, &active);
    ck_assert_uint_eq(shown, 2);
    ck_assert_uint_eq(json_array_size(j), 2);
    ck_assert(active.len == strlen("[\"instagram\",\"twitter\"]") &&
              !memcmp(active.data, "[\"instagram\",\"twitter\"]", active.len));
    json_t *e = json_array_get(j, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(e, "usedQuota")), 7);
    ck_assert_int_eq(json_integer_value(json_object_get(e, "quotaTotal")), 50);
    ck_assert_str_eq(json_string_value(json_object_get(e, "type")), "business");
    json_t *u = json_object_get(json_array_get(j, 1), "twitterUsage");
    ck_assert_int_eq(json_integer_value(json_object_get(u, "monthlyUsage")), 4323);
    ck_assert_int_eq(json_integer_value(json_object_get(u, "monthlyLimit")), 100000);
    ck_assert_str_eq(json_string_value(json_object_get(u, "monthlyReset")), "2024-02-02");
    json_decref(j);
    buf_free(&active);

    /* failures are entries, not missing accounts */
    ig = (struct live_ig){.ok = false, .code = 631, .message = "slow"};
    x = (struct live_x){.ok = false, .code = 630, .message = "down"};
    j = names_with(la, 3, &live, &shown, &active);
    e = json_array_get(j, 0);
    ck_assert_ptr_null(json_object_get(e, "usedQuota"));
    json_t *qe = json_object_get(e, "quotaError");
    ck_assert_int_eq(json_integer_value(json_object_get(qe, "code")), 631);
    ck_assert_str_eq(json_string_value(json_object_get(qe, "message")), "slow");
    json_t *xe = json_object_get(json_array_get(j, 1), "twitterUsageError");
    ck_assert_int_eq(json_integer_value(json_object_get(xe, "code")), 630);
    json_decref(j);
    buf_free(&active);

    /* only relink_required accounts: nothing active */
    j = names_with(&la[1], 1, NULL, &shown, &active);
    ck_assert_uint_eq(shown, 0);
    ck_assert_uint_eq(json_array_size(j), 0);
    ck_assert_uint_eq(active.len, 0);
    json_decref(j);
    buf_free(&active);
}
END_TEST

Suite *render_suite(void)
{
    Suite *s = suite_create("api/render");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, profile_body_shape);
    tcase_add_test(tc, user_profile_no_links);
    tcase_add_test(tc, live_fields_and_relink_hidden);
    suite_add_tcase(s, tc);
    return s;
}
