/* The unit suites, one per source module (tests mirror src/). */
#ifndef SOCIALD_TESTS_SUITES_H
#define SOCIALD_TESTS_SUITES_H

#include <check.h>

Suite *arena_suite(void);
Suite *buf_suite(void);
Suite *base64_suite(void);
Suite *cursor_suite(void);
Suite *cache_suite(void);
Suite *i64map_suite(void);
Suite *jsonw_suite(void);
Suite *rss_suite(void);
Suite *str_suite(void);
Suite *timeutil_suite(void);
Suite *router_suite(void);
Suite *request_suite(void);
Suite *status_suite(void);
Suite *crypto_suite(void);
Suite *sigv4_suite(void);
Suite *s3_suite(void);
Suite *config_suite(void);
Suite *log_suite(void);
Suite *ratelimit_suite(void);
Suite *usage_suite(void);
Suite *store_suite(void);
Suite *batch_suite(void);
Suite *changelog_suite(void);
Suite *deliveries_suite(void);
Suite *render_suite(void);
Suite *netaddr_suite(void);
Suite *url_suite(void);
Suite *vault_suite(void);
Suite *client_suite(void);
Suite *directory_suite(void);
Suite *linktoken_suite(void);
Suite *oauth_suite(void);
Suite *html_suite(void);
Suite *fsutil_suite(void);
Suite *upkeep_suite(void);
Suite *link_tg_suite(void);
Suite *server_suite(void);
Suite *runner_suite(void);
Suite *webhook_suite(void);
Suite *fields_suite(void);
Suite *middleware_suite(void);
Suite *routes_suite(void);
Suite *ops_suite(void);

#endif
