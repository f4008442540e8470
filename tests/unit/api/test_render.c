#include "suites.h"
#include "api/render.h"

#include <jansson.h>
#include <string.h>

START_TEST(profile_body_shape)
{
    struct config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.public_url = "https://social.example.com";
    cfg.details_ttl_s = 30;
    struct account acct = {.email = "me@example.com"};
    struct profile p = {.title = "Primary Profile", .is_primary = true,
                        .created_ms = 1667351022814LL, .details_updated_ms = 1704383477775LL,
                        .bio_handle = "shop"};
    strcpy(p.ref_id, "13a9da9e0df1183a7a6a1fc2c60b8023fa9a32a0");
    struct linked_account la[] = {
        {.platform = "instagram", .network_id = "1784144322", .display_name = "Ayrshare",
         .type = "business", .linked_ms = 1668026218659LL},
        {.platform = "linkedin", .network_id = "72157", .display_name = "Ayrshare",
         .type = "corporate", .linked_ms = 1668711149830LL},
        {.platform = "telegram", .network_id = "-10017122", .display_name = "Ayrshare",
         .linked_ms = 1668711316320LL},
    };
    struct render_user u = {.cfg = &cfg, .acct = &acct, .profile = &p, .linked = la,
                            .nlinked = 3, .month_calls = 49, .quota = 500,
                            .now_ms = 1668711149830LL + 86400000LL};
    struct buf b;
    buf_init(&b, 1 << 16);
    struct jw w;
    jw_init(&w, &b);
    render_user(&w, &u);
    ck_assert(!jw_failed(&w));
    json_error_t err;
    json_t *j = json_loads(b.data, 0, &err);
    ck_assert_ptr_nonnull(j);
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
    /* instagram's type only with instagramQuota */
    ck_assert_ptr_null(json_object_get(json_array_get(dn, 0), "type"));
    json_t *li = json_array_get(dn, 1);
    ck_assert_int_eq(json_integer_value(json_object_get(li, "refreshDaysRemaining")), 364);
    ck_assert_str_eq(json_string_value(json_object_get(li, "refreshRequired")),
                     "2023-11-17T18:52:29.830Z");
    ck_assert(json_is_integer(json_object_get(json_array_get(dn, 2), "id")));
    ck_assert_int_eq(json_integer_value(json_object_get(j, "monthlyApiCalls")), 49);
    ck_assert_str_eq(json_string_value(json_object_get(j, "email")), "me@example.com");
    /* key order of the seed */
    const char *order[] = {"activeSocialAccounts", "ayrlinkUrl", "created", "displayNames",
                           "email", "monthlyApiCalls", "monthlyApiCallsQuota", "refId", "title",
                           "lastUpdated", "nextUpdate"};
    const char *pos = b.data;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        char key[64];
        snprintf(key, sizeof(key), "\"%s\":", order[i]);
        const char *f = strstr(pos, key);
        ck_assert_msg(f != NULL, "%s out of order", order[i]);
        pos = f;
    }
    json_decref(j);
    buf_free(&b);
}
END_TEST

START_TEST(user_profile_no_links)
{
    struct config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.public_url = "http://x";
    cfg.details_ttl_s = 30;
    struct account acct = {.email = "me@example.com"};
    struct profile p = {.title = "Shop", .created_ms = 1000};
    struct render_user u = {.cfg = &cfg, .acct = &acct, .profile = &p, .quota = -1};
    struct buf b;
    buf_init(&b, 1 << 16);
    struct jw w;
    jw_init(&w, &b);
    render_user(&w, &u);
    json_t *j = json_loads(b.data, 0, NULL);
    ck_assert_ptr_null(json_object_get(j, "activeSocialAccounts"));
    ck_assert_ptr_null(json_object_get(j, "monthlyApiCallsQuota"));
    ck_assert_ptr_null(json_object_get(j, "ayrlinkUrl"));
    ck_assert(json_is_null(json_object_get(j, "email")));
    ck_assert_uint_eq(json_array_size(json_object_get(j, "displayNames")), 0);
    json_decref(j);
    buf_free(&b);
}
END_TEST

Suite *render_suite(void)
{
    Suite *s = suite_create("api/render");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, profile_body_shape);
    tcase_add_test(tc, user_profile_no_links);
    suite_add_tcase(s, tc);
    return s;
}
