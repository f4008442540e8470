#include "suites.h"
#include "platforms/client.h"

#include <pthread.h>
#include <string.h>

struct result {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    enum client_error error;
};

static void on_done(void *arg, const struct client_response *resp)
{
    struct result *r = arg;
    pthread_mutex_lock(&r->mu);
    r->error = resp->error;
    r->done = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static enum client_error fetch(struct client *c, const char *url, bool allow_private)
{
    struct result r = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, CLIENT_OK};
    struct client_request req = {.method = "POST",
                                 .url = url,
                                 .body = "{}",
                                 .body_len = 2,
                                 .timeout_ms = 2000,
                                 .allow_private = allow_private};
    client_submit(c, &req, on_done, &r);
    pthread_mutex_lock(&r.mu);
    while (!r.done)
        pthread_cond_wait(&r.cv, &r.mu);
    pthread_mutex_unlock(&r.mu);
    return r.error;
}

START_TEST(private_destinations_blocked_at_connect)
{
    struct client *c = client_new(4);
    ck_assert_int_eq(fetch(c, "http://127.0.0.1:1/", false), CLIENT_BLOCKED);
    ck_assert_int_eq(fetch(c, "http://169.254.169.254/latest", false), CLIENT_BLOCKED);
    ck_assert_int_eq(fetch(c, "http://[::1]:1/", false), CLIENT_BLOCKED);
    /* the address table's IPv6 rows (issue 12): site-local, 6to4 of a
     * loopback, IPv4-translated of a private address */
    ck_assert_int_eq(fetch(c, "http://[fec0::1]:1/", false), CLIENT_BLOCKED);
    ck_assert_int_eq(fetch(c, "http://[2002:7f00:1::1]:1/", false), CLIENT_BLOCKED);
    ck_assert_int_eq(fetch(c, "http://[::ffff:0:a00:1]:1/", false), CLIENT_BLOCKED);
    /* allowed: it is tried (and refused by the closed port) */
    ck_assert_int_eq(fetch(c, "http://127.0.0.1:1/", true), CLIENT_CONNECT);
    ck_assert_int_eq(fetch(c, "file:///etc/passwd", true), CLIENT_BLOCKED);
    client_free(c);
}
END_TEST

Suite *client_suite(void)
{
    Suite *s = suite_create("platforms/client");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, private_destinations_blocked_at_connect);
    suite_add_tcase(s, tc);
    return s;
}
