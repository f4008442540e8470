/*
 * client: outbound HTTP for webhook deliveries and network APIs — with
 * s3.c (the object store's blocking calls), the only code that includes
 * curl.h.
 *
 * One thread drives a curl multi handle; requests are submitted from any
 * thread and their completion callback runs on the client thread (it must
 * not block: hand results to another thread or resume a suspended HTTP
 * request). Nothing waits on the network but this thread.
 *
 * Policy: only http and https, no redirects followed, a response size cap,
 * and — unless allow_private — no connection to a non-public address
 * (util/netaddr.h), checked on the address actually connected to, so a
 * host that resolves differently at delivery time (DNS rebinding) is still
 * refused.
 */
#ifndef SOCIALD_PLATFORMS_CLIENT_H
#define SOCIALD_PLATFORMS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum client_error {
    CLIENT_OK = 0,    /* an HTTP answer arrived (any status) */
    CLIENT_TIMEOUT,   /* no complete answer within the timeout */
    CLIENT_CONNECT,   /* DNS, connection or TLS failure */
    CLIENT_BLOCKED,   /* the destination is not allowed (private address, scheme) */
    CLIENT_TOO_LARGE, /* the answer passed max_response */
    CLIENT_SHUTDOWN,  /* the client stopped before the request ran */
    CLIENT_FAILED,    /* anything else */
};

struct client_request {
    const char *method; /* "GET", "POST", ... */
    const char *url;
    const char *const *headers; /* "Name: value" */
    size_t nheaders;
    const void *body;
    size_t body_len;
    long timeout_ms;
    bool allow_private;  /* false: refuse non-public destinations */
    size_t max_response; /* 0: 1 MiB */
};

struct client_response {
    enum client_error error;
    const char *error_text; /* a short reason when error != CLIENT_OK */
    long status;            /* the HTTP status, 0 without an answer */
    const char *body;       /* NUL-terminated */
    size_t body_len;
    const char *retry_after; /* the Retry-After header, or NULL */
    int64_t elapsed_ms;
};

/* Called once per request on the client thread; resp is valid only during
 * the call. */
typedef void (*client_done_fn)(void *arg, const struct client_response *resp);

struct client;

/* Starts the client thread; at most max_concurrent transfers run at once. */
struct client *client_new(unsigned max_concurrent);
/* Queues a request (its strings and body are copied). */
void client_submit(struct client *c, const struct client_request *req, client_done_fn done,
                   void *arg);
/* Requests queued or running. */
size_t client_pending(struct client *c);
/* Stops the client thread: running and queued requests complete with
 * CLIENT_SHUTDOWN, and so does every request submitted afterwards (its
 * callback then runs on the submitting thread). */
void client_stop(struct client *c);
/* Stops (if not done) and frees c. */
void client_free(struct client *c);
/* Initialises libcurl; call once from main before any thread starts. */
void client_global_init(void);
/* A short name for error, for logs and the deliveries log. */
const char *client_error_name(enum client_error e);

#endif
