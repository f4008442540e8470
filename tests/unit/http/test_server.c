/* http/server: the suspend/resume contract of server.h, on a real server
 * bound to a free loopback port. A suspended request is answered by its
 * one req_resume(), from the handler's thread before it returns or from
 * another thread; a second req_resume(), a resume of a request its handler
 * answered itself, and a second req_suspend() abort debug builds. */
#include "suites.h"
#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static enum status plain(struct app *app, struct req *r)
{
    (void)app;
    buf_puts(&r->out, "{\"plain\":true}");
    return ST_OK;
}

/* The task ends before the handler suspends: allowed (server.h). */
static enum status resumed_first(struct app *app, struct req *r)
{
    (void)app;
    buf_puts(&r->out, "{\"first\":true}");
    req_resume(r, ST_OK);
    req_suspend(r);
    return ST_OK;
}

static void *resume_later(void *arg)
{
    struct req *r = arg;
    buf_puts(&r->out, "{\"later\":true}");
    req_resume(r, ST_OK);
    return NULL;
}

static enum status resumed_elsewhere(struct app *app, struct req *r)
{
    (void)app;
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, resume_later, r), 0);
    pthread_detach(t);
    req_suspend(r);
    return ST_OK;
}

static enum status resumed_twice(struct app *app, struct req *r)
{
    (void)app;
    req_suspend(r);
    req_resume(r, ST_OK);
    req_resume(r, ST_OK);
    return ST_OK;
}

static enum status resumed_unasked(struct app *app, struct req *r)
{
    (void)app;
    req_resume(r, ST_OK);
    return ST_OK;
}

static enum status suspended_twice(struct app *app, struct req *r)
{
    (void)app;
    req_suspend(r);
    req_suspend(r);
    req_resume(r, ST_OK);
    return ST_OK;
}

static const struct route routes[] = {
    {.methods = HM_GET, .pattern = "/plain", .handler = plain, .action = "request"},
    {.methods = HM_GET, .pattern = "/first", .handler = resumed_first, .action = "request"},
    {.methods = HM_GET, .pattern = "/elsewhere", .handler = resumed_elsewhere, .action = "request"},
    {.methods = HM_GET, .pattern = "/twice", .handler = resumed_twice, .action = "request"},
    {.methods = HM_GET, .pattern = "/unasked", .handler = resumed_unasked, .action = "request"},
    {.methods = HM_GET,
     .pattern = "/suspend-twice",
     .handler = suspended_twice,
     .action = "request"},
};

static enum status dispatch(void *ctx, struct req *r)
{
    (void)ctx;
    return r->route->handler(NULL, r);
}

static struct http_server *serve(void)
{
    struct http_config hc = {
        .host = "127.0.0.1",
        .port = 0,
        .threads = 1,
        .conn_limit = 16,
        .timeout_s = 10,
        .header_max = 16384,
        .body_max = 65536,
    };
    struct http_app ha = {
        .routes = routes, .nroutes = sizeof(routes) / sizeof(routes[0]), .dispatch = dispatch};
    char err[256];
    struct http_server *s = http_server_start(&hc, &ha, err, sizeof(err));
    ck_assert_msg(s != NULL, "%s", err);
    return s;
}

/* GETs path; returns the HTTP status (0: no answer) and the answer's tail
 * in body. */
static int get(struct http_server *s, const char *path, char *body, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)http_server_port(s))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    char req[256];
    int n =
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
    ck_assert_int_eq(write(fd, req, (size_t)n), n);
    char resp[4096];
    size_t len = 0;
    ssize_t got;
    while (len < sizeof(resp) - 1 && (got = read(fd, resp + len, sizeof(resp) - 1 - len)) > 0)
        len += (size_t)got;
    resp[len] = '\0';
    close(fd);
    int status = 0;
    sscanf(resp, "HTTP/1.1 %d", &status);
    const char *b = strstr(resp, "\r\n\r\n");
    snprintf(body, cap, "%s", b ? b + 4 : "");
    return status;
}

START_TEST(suspended_requests_answer_through_their_resume)
{
    struct http_server *s = serve();
    char body[256];
    ck_assert_int_eq(get(s, "/plain", body, sizeof(body)), 200);
    ck_assert_str_eq(body, "{\"plain\":true}");
    ck_assert_int_eq(get(s, "/first", body, sizeof(body)), 200);
    ck_assert_str_eq(body, "{\"first\":true}");
    ck_assert_int_eq(get(s, "/elsewhere", body, sizeof(body)), 200);
    ck_assert_str_eq(body, "{\"later\":true}");
    http_server_stop(s);
}
END_TEST

#ifndef NDEBUG
/* Each of these must abort the process in the handler; failing that the
 * request is answered, the test ends normally, and fails. */
static void must_abort(const char *path)
{
    struct http_server *s = serve();
    char body[256];
    get(s, path, body, sizeof(body));
    http_server_stop(s);
}

START_TEST(resuming_twice_aborts)
{
    must_abort("/twice");
}
END_TEST

START_TEST(resuming_a_request_not_suspended_aborts)
{
    must_abort("/unasked");
}
END_TEST

START_TEST(suspending_twice_aborts)
{
    must_abort("/suspend-twice");
}
END_TEST
#endif

Suite *server_suite(void)
{
    Suite *s = suite_create("http/server");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, suspended_requests_answer_through_their_resume);
#ifndef NDEBUG
    tcase_add_test_raise_signal(tc, resuming_twice_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, resuming_a_request_not_suspended_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, suspending_twice_aborts, SIGABRT);
#endif
    suite_add_tcase(s, tc);
    return s;
}
