/*
 * server: the HTTP front end on libmicrohttpd — the ONLY code that includes
 * microhttpd.h (DESIGN.md layout).
 *
 * Threading: MHD's internal poll(2) thread pool, one thread per core by
 * default. Not epoll: DESIGN.md measured MHD's epoll mode stalling when a
 * worker has exactly 128*k ready sockets (MAX_EVENTS is 128 and the drain loop
 * waits again with the original timeout); the poll pool never stalled.
 * tests/integration/keepalive.test.mjs holds 127, 128, 129, 256 and 384
 * keep-alive clients to prove it.
 *
 * Request path: the URI callback creates the request (arena, id, raw URI);
 * the first access-handler call (headers only) matches the route and checks
 * header and declared body sizes but does not answer, because answering on
 * the first call makes MHD drop keep-alive; body chunks accumulate in a
 * capped buffer; the final call runs the application's dispatch (middleware
 * + handler) and queues the response. A handler that must wait for the
 * network calls req_suspend() and later req_resume() from another thread.
 */
#ifndef SOCIALD_HTTP_SERVER_H
#define SOCIALD_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/router.h"

struct http_config {
    const char *host;    /* "127.0.0.1", "0.0.0.0", "::1" */
    unsigned port;       /* 0: any free port (read it with http_server_port) */
    unsigned threads;    /* 0: one per core */
    unsigned conn_limit; /* simultaneous connections */
    unsigned timeout_s;  /* idle connections and slow clients are cut after this */
    size_t header_max;   /* total request header bytes */
    size_t body_max;     /* default request body limit */
    bool access_log;     /* one JSON line per request */
};

struct http_app {
    const struct route *routes;
    size_t nroutes;
    /* Runs middleware and the handler; returns the outcome. */
    enum status (*dispatch)(void *ctx, struct req *r);
    /* Called once per finished request (after the answer was sent or the
     * connection died), for metrics; may be NULL. */
    void (*on_complete)(void *ctx, const struct req *r, unsigned http_status, int64_t dur_us);
    void *ctx;
};

struct http_server;

/* Starts listening; returns NULL and writes err on failure. The caller stops
 * it with http_server_stop(). */
struct http_server *http_server_start(const struct http_config *cfg, const struct http_app *app,
                                      char *err, size_t errlen);
/* The bound port. */
unsigned http_server_port(const struct http_server *s);
/* Stops accepting new connections; requests in flight continue. */
void http_server_quiesce(struct http_server *s);
/* Requests currently being processed (received, not yet answered). */
long http_server_inflight(const struct http_server *s);
/* Closes every connection and frees the server. */
void http_server_stop(struct http_server *s);

/* Marks r as waiting: the final call returns without answering and the
 * connection is suspended until req_resume(). Call from a handler only,
 * at most once (debug builds assert both). */
void req_suspend(struct req *r);
/* Answers a suspended request with outcome s (the handler's r->out etc. are
 * used as if it had returned s). Callable from any thread, exactly once,
 * and only for a request whose handler calls req_suspend() (possibly after
 * this call, when the task it started finishes first). Debug builds assert
 * a second call, and a resume of a request its handler answered itself. */
void req_resume(struct req *r, enum status s);

#endif
