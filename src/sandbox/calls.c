/*
 * calls: the log of the last 1000 network requests (docs/sandbox.md: GET and
 * DELETE /_sandbox/calls), so tests can check what a connector sent, e.g.
 * that unlinking revoked the token.
 *
 * Each entry is rendered to JSON when the request arrives (before any fault
 * or handler runs, so a test that got its answer finds the call logged) and
 * kept in a ring. Secrets are masked on the way in: client_secret and every
 * parameter naming a token keep only their last four characters
 * ("***a1b2"), and a Telegram bot token in the path keeps only its bot id.
 * Headers are never recorded.
 */
#include "sandbox/internal.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CALLS_MAX 1000
#define ENTRY_MAX 65536 /* a call's JSON; bigger ones are kept without their parameters */

static struct {
    pthread_mutex_t mu;
    char *ring[CALLS_MAX];
    size_t next; /* where the next entry goes */
    size_t count;
} cl;

void calls_init(void)
{
    pthread_mutex_init(&cl.mu, NULL);
}

static void clear(void)
{
    for (size_t i = 0; i < CALLS_MAX; i++) {
        free(cl.ring[i]);
        cl.ring[i] = NULL;
    }
    cl.next = cl.count = 0;
}

void calls_free(void)
{
    clear();
    pthread_mutex_destroy(&cl.mu);
}

static bool secret_key(const char *k)
{
    return !strcmp(k, "client_secret") ||
           (strstr(k, "token") && !strstr(k, "hint") && strcmp(k, "token_type"));
}

static const char *mask(struct req *r, const char *v)
{
    size_t n = strlen(v);
    return n > 8 ? arena_printf(r->arena, "***%s", v + n - 4) : "***";
}

static void params(struct req *r, struct jw *w, const struct kv *kv, size_t n)
{
    jw_obj(w);
    for (size_t i = 0; i < n; i++)
        jw_kstr(w, kv[i].key, secret_key(kv[i].key) ? mask(r, kv[i].val) : kv[i].val);
    jw_obj_end(w);
}

/* The path with a Telegram bot token cut to its id ("bot123:***"). */
static const char *safe_path(struct req *r)
{
    const char *p = strstr(r->path, "/bot");
    const char *colon = p ? strchr(p, ':') : NULL;
    if (sbx_net_of_path(r->path) != NET_TELEGRAM || !colon)
        return r->path;
    const char *end = strchr(colon, '/');
    return arena_printf(r->arena, "%.*s:***%s", (int)(colon - r->path), r->path, end ? end : "");
}

static const char *method_name(enum http_method m)
{
    switch (m) {
    case HM_GET:
        return "GET";
    case HM_POST:
        return "POST";
    case HM_PUT:
        return "PUT";
    case HM_PATCH:
        return "PATCH";
    case HM_DELETE:
        return "DELETE";
    case HM_HEAD:
        return "HEAD";
    case HM_OPTIONS:
        return "OPTIONS";
    default:
        return "OTHER";
    }
}

static void entry(struct req *r, enum sbx_net net, struct buf *b, bool with_params)
{
    char at[TIME_ISO_MS_LEN + 1];
    time_iso_ms(time_now_ms(), at, sizeof(at));
    struct jw w;
    jw_init(&w, b);
    jw_obj(&w);
    jw_kstr(&w, "at", at);
    jw_kstr(&w, "method", method_name(r->method));
    jw_kstr(&w, "network", sbx_net_name(net));
    jw_kstr(&w, "path", safe_path(r));
    if (!with_params) {
        jw_kbool(&w, "truncated", true);
        jw_obj_end(&w);
        return;
    }
    jw_key(&w, "query");
    params(r, &w, r->query, r->nquery);
    const char *ct = req_header(r, "Content-Type");
    jw_key(&w, "form");
    if (ct && !strncasecmp(ct, "application/x-www-form-urlencoded", 33)) {
        struct sbx_form f;
        sbx_form_parse(r, &f);
        params(r, &w, f.kv, f.n);
    } else {
        jw_null(&w);
    }
    if (ct && !strncasecmp(ct, "application/json", 16) && r->body_raw.len) {
        /* Not in the contract's list, but what a GBP PATCH or a Telegram
         * JSON call sent is worth seeing too; top-level secrets masked. */
        json_error_t err;
        json_t *j = json_loadb(r->body_raw.data, r->body_raw.len, 0, &err);
        if (json_is_object(j)) {
            const char *k;
            json_t *v;
            json_object_foreach(j, k, v)
            {
                if (secret_key(k) && json_is_string(v))
                    json_object_set_new(j, k, json_string(mask(r, json_string_value(v))));
            }
            char *s = json_dumps(j, JSON_COMPACT);
            if (s) {
                jw_key(&w, "json");
                jw_raw(&w, s, strlen(s));
                free(s);
            }
        }
        json_decref(j);
    }
    jw_obj_end(&w);
}

void calls_record(struct req *r, enum sbx_net net)
{
    struct buf b;
    buf_init(&b, ENTRY_MAX);
    entry(r, net, &b, true);
    if (!b.data || b.len == 0 || b.len >= ENTRY_MAX - 1 || b.data[b.len - 1] != '}') {
        buf_free(&b);
        buf_init(&b, ENTRY_MAX);
        entry(r, net, &b, false);
    }
    char *s = buf_steal(&b, NULL);
    pthread_mutex_lock(&cl.mu);
    free(cl.ring[cl.next]);
    cl.ring[cl.next] = s;
    cl.next = (cl.next + 1) % CALLS_MAX;
    if (cl.count < CALLS_MAX)
        cl.count++;
    pthread_mutex_unlock(&cl.mu);
}

enum status sbx_calls_handle(struct app *app, struct req *r)
{
    (void)app;
    pthread_mutex_lock(&cl.mu);
    if (r->method == HM_DELETE) {
        clear();
        pthread_mutex_unlock(&cl.mu);
        buf_puts(&r->out, "{\"status\":\"ok\"}");
        return ST_OK;
    }
    /* ?network= narrows the list to one network. */
    const char *only = req_query(r, "network");
    int rc = buf_putc(&r->out, '[');
    bool first = true;
    for (size_t i = 0; i < cl.count && !rc; i++) {
        const char *e = cl.ring[(cl.next + CALLS_MAX - cl.count + i) % CALLS_MAX];
        if (only && !strstr(e, arena_printf(r->arena, "\"network\":\"%s\"", only)))
            continue;
        if (!first)
            rc = buf_putc(&r->out, ',');
        rc = rc || buf_puts(&r->out, e);
        first = false;
    }
    rc = rc || buf_putc(&r->out, ']');
    pthread_mutex_unlock(&cl.mu);
    return rc ? ST_INTERNAL : ST_OK;
}
