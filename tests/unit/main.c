/* Runs every unit suite; Check prints the summary line CI reads. */
#include "suites.h"

#include <stdlib.h>

int main(void)
{
    Suite *(*suites[])(void) = {
        arena_suite,   buf_suite,       cache_suite,      i64map_suite,    jsonw_suite,
        str_suite,     timeutil_suite,  router_suite,     request_suite,   status_suite,
        crypto_suite,  config_suite,    ratelimit_suite,  usage_suite,     store_suite,
        render_suite,  directory_suite, base64_suite,     cursor_suite,    netaddr_suite,
        url_suite,     vault_suite,     client_suite,     linktoken_suite, oauth_suite,
        html_suite,    upkeep_suite,    link_tg_suite,    server_suite,    runner_suite,
        webhook_suite, fields_suite,    middleware_suite, routes_suite,    fsutil_suite,
        ops_suite,     log_suite,       rss_suite,        changelog_suite, sigv4_suite,
        s3_suite,      batch_suite,     deliveries_suite,
    };
    SRunner *sr = srunner_create(NULL);
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        srunner_add_suite(sr, suites[i]());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
