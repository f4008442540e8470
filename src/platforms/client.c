/*
 * client: curl multi on its own thread (see client.h).
 *
 * Guarantees: every submitted request gets exactly one completion callback,
 * also when the client stops (CLIENT_SHUTDOWN). Requests beyond the
 * concurrency limit wait in FIFO order.
 */
#include "platforms/client.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/netaddr.h"
#include "util/timeutil.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_MAX_RESPONSE ((size_t)1 << 20)

struct transfer {
    struct transfer *next; /* in the queue, or in the running list */
    struct transfer *prev_running;
    struct client *c;
    CURL *easy;
    struct curl_slist *headers;
    char *url;
    char *method;
    char *body;
    size_t body_len;
    long timeout_ms;
    bool allow_private;
    bool blocked;
    bool too_large;
    struct buf resp;
    char *retry_after;
    client_done_fn done;
    void *arg;
    int64_t started_ms;
};

struct client {
    CURLM *multi;
    pthread_t thread;
    pthread_mutex_t mu;
    struct transfer *queue_head, *queue_tail; /* not started yet */
    struct transfer *running_list;            /* started; client thread only */
    size_t queued;
    size_t running; /* under mu */
    unsigned max_concurrent;
    bool stop;    /* the thread is asked to end */
    bool stopped; /* the thread has ended: submissions complete at once */
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void client_global_init(void)
{
    pthread_once(&global_once, global_init);
}

const char *client_error_name(enum client_error e)
{
    switch (e) {
    case CLIENT_OK:
        return "ok";
    case CLIENT_TIMEOUT:
        return "timeout";
    case CLIENT_CONNECT:
        return "connect";
    case CLIENT_BLOCKED:
        return "blocked";
    case CLIENT_TOO_LARGE:
        return "too_large";
    case CLIENT_SHUTDOWN:
        return "shutdown";
    case CLIENT_FAILED:
        return "failed";
    }
    return "failed";
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct transfer *t = userdata;
    size_t n = size * nmemb;
    if (buf_append(&t->resp, ptr, n)) {
        t->too_large = true;
        return 0; /* aborts the transfer */
    }
    return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct transfer *t = userdata;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n > sizeof(name) - 1 && !strncasecmp(ptr, name, sizeof(name) - 1)) {
        const char *v = ptr + sizeof(name) - 1;
        size_t vl = n - (sizeof(name) - 1);
        while (vl && (*v == ' ' || *v == '\t')) {
            v++;
            vl--;
        }
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        free(t->retry_after);
        t->retry_after = mem_strndup(v, vl < 64 ? vl : 64);
    }
    return n;
}

/* Refuses connections to non-public addresses: this runs on the address
 * curl is about to connect to, after DNS, so rebinding cannot slip past. */
static curl_socket_t on_open_socket(void *clientp, curlsocktype purpose,
                                    struct curl_sockaddr *address)
{
    struct transfer *t = clientp;
    (void)purpose;
    if (!t->allow_private && !netaddr_is_public(&address->addr)) {
        t->blocked = true;
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

static void transfer_free(struct transfer *t)
{
    if (t->easy)
        curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    free(t->url);
    free(t->method);
    free(t->body);
    free(t->retry_after);
    buf_free(&t->resp);
    free(t);
}

static void complete(struct transfer *t, enum client_error err, const char *text, long status)
{
    struct client_response r = {
        .error = err,
        .error_text = text,
        .status = status,
        .body = t->resp.data ? t->resp.data : "",
        .body_len = t->resp.len,
        .retry_after = t->retry_after,
        .elapsed_ms = time_mono_ms() - t->started_ms,
    };
    t->done(t->arg, &r);
    transfer_free(t);
}

static bool start(struct client *c, struct transfer *t)
{
    CURL *e = curl_easy_init();
    if (!e)
        return false;
    t->easy = e;
    t->started_ms = time_mono_ms();
    curl_easy_setopt(e, CURLOPT_URL, t->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, t->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, t->timeout_ms < 5000 ? t->timeout_ms : 5000L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "sociald/0.1");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    if (!strcmp(t->method, "GET")) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t->method);
        if (t->body || strcmp(t->method, "DELETE")) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body ? t->body : "");
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->body_len);
        }
    }
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK)
        return false;
    t->next = c->running_list;
    t->prev_running = NULL;
    if (c->running_list)
        c->running_list->prev_running = t;
    c->running_list = t;
    pthread_mutex_lock(&c->mu);
    c->running++;
    pthread_mutex_unlock(&c->mu);
    return true;
}

/* Takes a started transfer out of the multi handle and the running list. */
static void stop_running(struct client *c, struct transfer *t)
{
    curl_multi_remove_handle(c->multi, t->easy);
    if (t->prev_running)
        t->prev_running->next = t->next;
    else
        c->running_list = t->next;
    if (t->next)
        t->next->prev_running = t->prev_running;
    pthread_mutex_lock(&c->mu);
    c->running--;
    pthread_mutex_unlock(&c->mu);
}

static void start_queued(struct client *c)
{
    for (;;) {
        pthread_mutex_lock(&c->mu);
        struct transfer *t = NULL;
        if (c->queue_head && c->running < c->max_concurrent) {
            t = c->queue_head;
            c->queue_head = t->next;
            if (!c->queue_head)
                c->queue_tail = NULL;
            c->queued--;
        }
        pthread_mutex_unlock(&c->mu);
        if (!t)
            return;
        if (!start(c, t))
            complete(t, CLIENT_FAILED, "could not start the transfer", 0);
    }
}

static void finish_done(struct client *c)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct transfer *t = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        CURLcode rc = m->data.result;
        long status = 0;
        curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        stop_running(c, t);
        if (rc == CURLE_OK)
            complete(t, CLIENT_OK, NULL, status);
        else if (t->blocked)
            complete(t, CLIENT_BLOCKED, "the destination address is not public", 0);
        else if (t->too_large)
            complete(t, CLIENT_TOO_LARGE, "the answer is larger than allowed", status);
        else if (rc == CURLE_OPERATION_TIMEDOUT)
            complete(t, CLIENT_TIMEOUT, "no answer in time", 0);
        else if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
                 rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
                 rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING)
            complete(t, CLIENT_CONNECT, curl_easy_strerror(rc), 0);
        else if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT)
            complete(t, CLIENT_BLOCKED, curl_easy_strerror(rc), 0);
        else
            complete(t, CLIENT_FAILED, curl_easy_strerror(rc), 0);
    }
}

static void *run(void *arg)
{
    struct client *c = arg;
    for (;;) {
        pthread_mutex_lock(&c->mu);
        bool stop = c->stop;
        pthread_mutex_unlock(&c->mu);
        if (stop)
            break;
        start_queued(c);
        int still = 0;
        curl_multi_perform(c->multi, &still);
        finish_done(c);
        curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
    }
    /* Stopping: everything still running or queued completes as shut down. */
    while (c->running_list) {
        struct transfer *r = c->running_list;
        stop_running(c, r);
        complete(r, CLIENT_SHUTDOWN, "the server is stopping", 0);
    }
    pthread_mutex_lock(&c->mu);
    struct transfer *t = c->queue_head;
    c->queue_head = c->queue_tail = NULL;
    pthread_mutex_unlock(&c->mu);
    while (t) {
        struct transfer *next = t->next;
        complete(t, CLIENT_SHUTDOWN, "the server is stopping", 0);
        t = next;
    }
    return NULL;
}

struct client *client_new(unsigned max_concurrent)
{
    client_global_init();
    struct client *c = mem_calloc(1, sizeof(*c));
    c->multi = curl_multi_init();
    c->max_concurrent = max_concurrent ? max_concurrent : 64;
    curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)c->max_concurrent);
    pthread_mutex_init(&c->mu, NULL);
    if (!c->multi || pthread_create(&c->thread, NULL, run, c) != 0)
        abort();
    return c;
}

void client_submit(struct client *c, const struct client_request *req, client_done_fn done,
                   void *arg)
{
    struct transfer *t = mem_calloc(1, sizeof(*t));
    t->c = c;
    t->url = mem_strdup(req->url);
    t->method = mem_strdup(req->method ? req->method : "GET");
    if (req->body) {
        t->body = mem_malloc(req->body_len + 1);
        memcpy(t->body, req->body, req->body_len);
        t->body[req->body_len] = '\0';
        t->body_len = req->body_len;
    }
    for (size_t i = 0; i < req->nheaders; i++)
        t->headers = curl_slist_append(t->headers, req->headers[i]);
    /* curl adds "Expect: 100-continue" to larger POSTs; receivers need not. */
    t->headers = curl_slist_append(t->headers, "Expect:");
    t->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : 10000;
    t->allow_private = req->allow_private;
    buf_init(&t->resp, req->max_response ? req->max_response : DEFAULT_MAX_RESPONSE);
    t->done = done;
    t->arg = arg;
    pthread_mutex_lock(&c->mu);
    if (c->stopped) {
        /* The client thread is gone: answer at once, on this thread. */
        pthread_mutex_unlock(&c->mu);
        complete(t, CLIENT_SHUTDOWN, "the server is stopping", 0);
        return;
    }
    if (c->queue_tail)
        c->queue_tail->next = t;
    else
        c->queue_head = t;
    c->queue_tail = t;
    c->queued++;
    pthread_mutex_unlock(&c->mu);
    curl_multi_wakeup(c->multi);
}

size_t client_pending(struct client *c)
{
    pthread_mutex_lock(&c->mu);
    size_t n = c->queued + c->running;
    pthread_mutex_unlock(&c->mu);
    return n;
}

void client_stop(struct client *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    bool already = c->stop;
    c->stop = true;
    pthread_mutex_unlock(&c->mu);
    if (already)
        return;
    curl_multi_wakeup(c->multi);
    pthread_join(c->thread, NULL);
    pthread_mutex_lock(&c->mu);
    c->stopped = true;
    struct transfer *t = c->queue_head; /* submitted while the thread ended */
    c->queue_head = c->queue_tail = NULL;
    pthread_mutex_unlock(&c->mu);
    while (t) {
        struct transfer *next = t->next;
        complete(t, CLIENT_SHUTDOWN, "the server is stopping", 0);
        t = next;
    }
}

void client_free(struct client *c)
{
    if (!c)
        return;
    client_stop(c);
    curl_multi_cleanup(c->multi);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
