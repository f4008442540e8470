/*
 * faults: injected failures and state changes (docs/sandbox.md "Fault
 * injection"): POST /_sandbox/faults adds a fault or changes state at once
 * (revoke, tokenTtl, quota, rename); DELETE clears faults and the overrides
 * state changes set (lifetimes, quotas, renames), not revocations, and
 * answers at once every request still waiting out a delay.
 *
 * A fault answers the next `count` requests that match its network and path
 * substring, first added first applied, with a status in the network's
 * envelope, a non-JSON body, an exact body, or a delay before the normal
 * answer (or before the fault's own answer, when both are given).
 *
 * Delays never hold an HTTP worker (STYLE.md rule 10): the request is
 * suspended and queued, sorted by due time, for one delay thread that
 * answers it then, running the handler there if the answer is the normal
 * one, and resumes the connection. The queue is bounded: past DELAYED_MAX
 * waiting requests a delay is skipped rather than queued. At shutdown the
 * thread answers everything still waiting at once.
 */
#include "sandbox/internal.h"
#include "http/server.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FAULTS_MAX   1000
#define DELAYED_MAX  1024
#define DELAY_MAX_MS 600000
#define BODY_MAX     65536
#define COUNT_MAX    1000000

struct fault {
    int net;    /* -1: any network */
    char *path; /* a substring of the path; NULL: any */
    int64_t count;
    unsigned status; /* 0: none */
    int64_t delay_ms;
    int64_t retry_after; /* -1: the default */
    bool garbage;
    char *body; /* NULL: none */
    struct fault *next;
};

/* What one request got from a fault; strings live in the request's arena. */
struct hit {
    unsigned status;
    int64_t delay_ms, retry_after;
    bool garbage;
    const char *body;
};

struct delayed {
    struct req *r;
    enum sbx_net net;
    struct hit hit;
    int64_t due_ms;
    struct delayed *next;
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool running, stopping;
    struct fault *head;
    size_t nfaults;
    struct delayed *pending; /* sorted by due_ms */
    size_t npending;
} fs;

static void fault_free(struct fault *f)
{
    free(f->path);
    free(f->body);
    free(f);
}

static bool acts(const struct hit *h)
{
    return h->status || h->garbage || h->body;
}

/* Answers r as the fault says (not the delay part). */
static enum status answer(struct req *r, enum sbx_net net, const struct hit *h)
{
    if (h->body) {
        buf_reset(&r->out);
        buf_puts(&r->out, h->body);
        r->http_status = h->status ? h->status : 200;
        return ST_OK;
    }
    if (h->garbage) {
        /* What a proxy's error page or a cut connection leaves: not JSON,
         * though the content type says it is. */
        buf_reset(&r->out);
        buf_puts(&r->out, "<html><body>sandbox garbage {\"data\": [\x01");
        r->http_status = 200;
        return ST_OK;
    }
    if (!strcmp(r->route->action, "consent"))
        return sbx_text(r, h->status, "The sandbox was told to fail this request.");
    return env_status(r, net, h->status, h->retry_after, !strcmp(r->route->action, "oauth"));
}

static void fire(struct delayed *d)
{
    enum status st =
        acts(&d->hit) ? answer(d->r, d->net, &d->hit) : d->r->route->handler(NULL, d->r);
    req_resume(d->r, st);
    free(d);
}

static void *delay_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&fs.mu);
    for (;;) {
        if (!fs.pending) {
            if (fs.stopping)
                break;
            pthread_cond_wait(&fs.cv, &fs.mu);
            continue;
        }
        int64_t now = time_mono_ms();
        if (!fs.stopping && fs.pending->due_ms > now) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            int64_t wait = fs.pending->due_ms - now;
            ts.tv_sec += wait / 1000;
            ts.tv_nsec += (long)(wait % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&fs.cv, &fs.mu, &ts);
            continue;
        }
        struct delayed *d = fs.pending;
        fs.pending = d->next;
        fs.npending--;
        /* Handlers take the state's lock: never call them under ours. */
        pthread_mutex_unlock(&fs.mu);
        fire(d);
        pthread_mutex_lock(&fs.mu);
    }
    pthread_mutex_unlock(&fs.mu);
    return NULL;
}

void faults_init(void)
{
    pthread_mutex_init(&fs.mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&fs.cv, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&fs.thread, NULL, delay_thread, NULL) != 0)
        abort();
    fs.running = true;
}

void faults_drain(void)
{
    pthread_mutex_lock(&fs.mu);
    fs.stopping = true;
    pthread_cond_signal(&fs.cv);
    pthread_mutex_unlock(&fs.mu);
    if (fs.running)
        pthread_join(fs.thread, NULL);
    fs.running = false;
}

static void clear_faults(void)
{
    while (fs.head) {
        struct fault *f = fs.head;
        fs.head = f->next;
        fault_free(f);
    }
    fs.nfaults = 0;
}

void faults_free(void)
{
    clear_faults();
    pthread_cond_destroy(&fs.cv);
    pthread_mutex_destroy(&fs.mu);
}

bool faults_apply(struct req *r, enum sbx_net net, enum status *st)
{
    struct hit h;
    memset(&h, 0, sizeof(h));
    bool found = false, queued = false;
    pthread_mutex_lock(&fs.mu);
    for (struct fault **pp = &fs.head; *pp; pp = &(*pp)->next) {
        struct fault *f = *pp;
        if ((f->net >= 0 && f->net != (int)net) || (f->path && !strstr(r->path, f->path)))
            continue;
        found = true;
        h.status = f->status;
        h.delay_ms = f->delay_ms;
        h.retry_after = f->retry_after;
        h.garbage = f->garbage;
        h.body = f->body ? arena_strdup(r->arena, f->body) : NULL;
        if (--f->count == 0) {
            *pp = f->next;
            fault_free(f);
            fs.nfaults--;
        }
        break;
    }
    if (found && h.delay_ms > 0 && !fs.stopping && fs.npending < DELAYED_MAX) {
        struct delayed *d = mem_calloc(1, sizeof(*d));
        d->r = r;
        d->net = net;
        d->hit = h;
        d->due_ms = time_mono_ms() + h.delay_ms;
        struct delayed **pp = &fs.pending;
        while (*pp && (*pp)->due_ms <= d->due_ms)
            pp = &(*pp)->next;
        d->next = *pp;
        *pp = d;
        fs.npending++;
        req_suspend(r);
        pthread_cond_signal(&fs.cv);
        queued = true;
    }
    pthread_mutex_unlock(&fs.mu);
    if (queued) {
        *st = ST_OK; /* answered by the delay thread through req_resume */
        return true;
    }
    if (found && acts(&h)) {
        *st = answer(r, net, &h);
        return true;
    }
    return false;
}

/* ---- POST/DELETE /_sandbox/faults -------------------------------------------------- */

/* Reads an optional integer member in [min, max]; false (and r failed) when
 * it is present but not such a number. */
static bool opt_int(struct req *r, const json_t *o, const char *key, int64_t min, int64_t max,
                    int64_t *out, enum status *st)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        *st = req_fail(r, ST_BAD_PARAM, key,
                       arena_printf(r->arena, "must be an integer from %lld to %lld",
                                    (long long)min, (long long)max));
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

static bool net_member(struct req *r, const json_t *o, const char *where, bool required, int *net,
                       enum status *st)
{
    json_t *v = json_object_get(o, "network");
    *net = -1;
    if (!v && !required)
        return true;
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (!s || (*net = sbx_net_parse(s, strlen(s))) < 0) {
        *st = req_fail(r, ST_BAD_PARAM, arena_printf(r->arena, "%snetwork", where),
                       "must be one of facebook, instagram, linkedin, gmb, youtube, pinterest, "
                       "reddit, telegram, tiktok, twitter");
        return false;
    }
    return true;
}

static bool login_member(struct req *r, const json_t *o, const char *where, const char **login,
                         enum status *st)
{
    json_t *v = json_object_get(o, "login");
    *login = json_is_string(v) ? json_string_value(v) : NULL;
    if (!*login || !ident_login_valid(*login)) {
        *st = req_fail(r, ST_BAD_PARAM, arena_printf(r->arena, "%slogin", where),
                       "must be a login of 1-64 of a-z A-Z 0-9 . _ -");
        return false;
    }
    return true;
}

/* True when the n bytes at s hold a byte below 0x20 or DEL. */
static bool has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return true;
    return false;
}

/* False (and r failed) when the state change o has a member not in known,
 * so a misspelt optional member is not silently ignored. */
static bool only_members(struct req *r, json_t *o, const char *where, const char *const *known,
                         enum status *st)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        const char *const *k = known;
        while (*k && strcmp(*k, key))
            k++;
        if (!*k) {
            *st = req_fail(r, ST_BAD_PARAM, arena_printf(r->arena, "%s%s", where, key),
                           "is not a member of this state change");
            return false;
        }
    }
    return true;
}

struct rename_req {
    int net;
    const char *login, *name, *image; /* image NULL: the derived avatar */
};

/* Reads {"network","login","name","image"?}. A name is what a network shows
 * as a display name: 1-100 bytes of UTF-8 (jansson checked the encoding),
 * no control characters, no space at either end. */
static bool rename_member(struct req *r, json_t *o, struct rename_req *rn, enum status *st)
{
    static const char *const known[] = {"network", "login", "name", "image", NULL};
    if (!json_is_object(o)) {
        *st = req_fail(r, ST_BAD_PARAM, "rename", "must be an object");
        return false;
    }
    if (!only_members(r, o, "rename.", known, st) ||
        !net_member(r, o, "rename.", true, &rn->net, st) ||
        !login_member(r, o, "rename.", &rn->login, st))
        return false;
    json_t *name = json_object_get(o, "name"), *image = json_object_get(o, "image");
    const char *s = json_is_string(name) ? json_string_value(name) : NULL;
    size_t n = s ? json_string_length(name) : 0;
    if (!s || n == 0 || n > SBX_NAME_MAX || strlen(s) != n || has_control(s, n) || s[0] == ' ' ||
        s[n - 1] == ' ') {
        *st = req_fail(r, ST_BAD_PARAM, "rename.name",
                       "must be a string of 1-100 bytes without control characters or spaces at "
                       "either end");
        return false;
    }
    rn->name = s;
    rn->image = NULL;
    if (!image)
        return true;
    s = json_is_string(image) ? json_string_value(image) : NULL;
    n = s ? json_string_length(image) : 0;
    size_t scheme = s && !strncmp(s, "https://", 8) ? 8 : s && !strncmp(s, "http://", 7) ? 7 : 0;
    if (!scheme || n <= scheme || n > SBX_URI_MAX || strlen(s) != n || has_control(s, n) ||
        strchr(s, ' ')) {
        *st = req_fail(r, ST_BAD_PARAM, "rename.image",
                       "must be an http or https URL of at most 2048 bytes");
        return false;
    }
    rn->image = s;
    return true;
}

static enum status post(struct req *r)
{
    enum status st = ST_BAD_PARAM;
    json_t *b = r->body;
    if (!b)
        return req_fail(r, ST_BAD_PARAM, "body", "send a JSON object");
    static const char *const known[] = {"network", "path",   "count",      "status", "delayMs",
                                        "garbage", "body",   "retryAfter", "revoke", "tokenTtl",
                                        "quota",   "rename", NULL};
    const char *key;
    json_t *v;
    json_object_foreach(b, key, v)
    {
        const char *const *k = known;
        while (*k && strcmp(*k, key))
            k++;
        if (!*k)
            return req_fail(r, ST_BAD_PARAM, key, "is not a fault or state change");
    }
    /* Validate everything first, so a bad request changes nothing. */
    struct fault f = {.net = -1, .count = 1, .retry_after = -1};
    int64_t status = 0;
    int rnet = -1, tnet = -1;
    const char *rlogin = NULL, *qlogin = NULL;
    int64_t access = -1, refresh = -1, used = 0;
    json_t *revoke = json_object_get(b, "revoke"), *ttl = json_object_get(b, "tokenTtl"),
           *quota = json_object_get(b, "quota"), *path = json_object_get(b, "path"),
           *body = json_object_get(b, "body"), *garbage = json_object_get(b, "garbage"),
           *ren = json_object_get(b, "rename");
    struct rename_req rn = {.net = -1};
    bool is_fault =
        json_object_get(b, "status") || json_object_get(b, "delayMs") || garbage || body;
    if (!net_member(r, b, "", false, &f.net, &st) ||
        !opt_int(r, b, "count", 1, COUNT_MAX, &f.count, &st) ||
        !opt_int(r, b, "status", 100, 599, &status, &st) ||
        !opt_int(r, b, "delayMs", 0, DELAY_MAX_MS, &f.delay_ms, &st) ||
        !opt_int(r, b, "retryAfter", 0, 86400, &f.retry_after, &st))
        return st;
    if (path && (!json_is_string(path) || !*json_string_value(path)))
        return req_fail(r, ST_BAD_PARAM, "path", "must be a non-empty string");
    if (garbage && !json_is_boolean(garbage))
        return req_fail(r, ST_BAD_PARAM, "garbage", "must be a boolean");
    if (body && (!json_is_string(body) || json_string_length(body) > BODY_MAX ||
                 strlen(json_string_value(body)) != json_string_length(body)))
        return req_fail(r, ST_BAD_PARAM, "body", "must be a string of at most 65536 bytes");
    if (revoke && (!json_is_object(revoke) || !net_member(r, revoke, "revoke.", true, &rnet, &st) ||
                   !login_member(r, revoke, "revoke.", &rlogin, &st)))
        return json_is_object(revoke) ? st
                                      : req_fail(r, ST_BAD_PARAM, "revoke", "must be an object");
    if (ttl && (!json_is_object(ttl) || !net_member(r, ttl, "tokenTtl.", true, &tnet, &st) ||
                !opt_int(r, ttl, "access", 0, 1000000000, &access, &st) ||
                !opt_int(r, ttl, "refresh", 0, 1000000000, &refresh, &st)))
        return json_is_object(ttl) ? st
                                   : req_fail(r, ST_BAD_PARAM, "tokenTtl", "must be an object");
    if (quota && (!json_is_object(quota) || !login_member(r, quota, "quota.", &qlogin, &st) ||
                  !opt_int(r, quota, "used", 0, 1000000, &used, &st)))
        return json_is_object(quota) ? st : req_fail(r, ST_BAD_PARAM, "quota", "must be an object");
    if (ren && !rename_member(r, ren, &rn, &st))
        return st;
    if (!is_fault && !revoke && !ttl && !quota && !ren)
        return req_fail(r, ST_BAD_PARAM, "body",
                        "give status, delayMs, garbage or body (a fault), or revoke, tokenTtl, "
                        "quota or rename (a state change)");

    /* The rename first: it is the state change that can still be refused. */
    if (ren && !state_rename_set((enum sbx_net)rn.net, rn.login, rn.name, rn.image))
        return req_fail(r, ST_BAD_PARAM, "rename",
                        "at most 1000 accounts may be renamed; DELETE /_sandbox/faults first");
    size_t revoked = 0;
    if (revoke && rnet == NET_TELEGRAM) {
        state_bot_revoke(rlogin); /* the login names the bot by its id */
        revoked = 1;
    } else if (revoke) {
        revoked = state_revoke_login((enum sbx_net)rnet, rlogin, NULL);
    }
    if (ttl)
        state_ttl_set((enum sbx_net)tnet, access, refresh);
    if (quota)
        state_quota_set(qlogin, used);
    size_t pending;
    pthread_mutex_lock(&fs.mu);
    if (is_fault && fs.nfaults >= FAULTS_MAX) {
        pthread_mutex_unlock(&fs.mu);
        return req_fail(r, ST_BAD_PARAM, "body", "at most 1000 faults may wait; DELETE them first");
    }
    if (is_fault) {
        struct fault *n = mem_calloc(1, sizeof(*n));
        *n = f;
        n->status = (unsigned)status;
        n->garbage = garbage && json_is_true(garbage);
        n->path = path ? mem_strdup(json_string_value(path)) : NULL;
        n->body = body ? mem_strdup(json_string_value(body)) : NULL;
        struct fault **pp = &fs.head;
        while (*pp)
            pp = &(*pp)->next;
        *pp = n;
        fs.nfaults++;
    }
    pending = fs.nfaults;
    pthread_mutex_unlock(&fs.mu);

    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kstr(&w, "status", "ok");
    jw_kint(&w, "faults", (int64_t)pending);
    if (revoke)
        jw_kint(&w, "revoked", (int64_t)revoked);
    jw_obj_end(&w);
    return ST_OK;
}

enum status sbx_faults_handle(struct app *app, struct req *r)
{
    (void)app;
    if (r->method == HM_POST)
        return post(r);
    pthread_mutex_lock(&fs.mu);
    clear_faults();
    /* Requests still waiting out a delay are answered now, in their order:
     * a test holds a request with a long delay and lets it go when it has
     * seen what it wanted while the request waited. */
    for (struct delayed *d = fs.pending; d; d = d->next)
        d->due_ms = 0;
    pthread_cond_signal(&fs.cv);
    pthread_mutex_unlock(&fs.mu);
    state_overrides_clear();
    buf_puts(&r->out, "{\"status\":\"ok\"}");
    return ST_OK;
}
