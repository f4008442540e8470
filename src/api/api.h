/*
 * api: the endpoint handlers, the route table and the middleware that runs
 * before every handler (authentication, profile resolution, plan, rate limit
 * and monthly quota). One file per endpoint family.
 */
#ifndef SOCIALD_API_API_H
#define SOCIALD_API_API_H

#include <stdbool.h>
#include <stddef.h>

#include "core/app.h"
#include "http/router.h"
#include "platforms/platform.h"
#include "store/accounts.h"
#include "store/profiles.h"

/* Who is calling and on which profile, set by the middleware. */
struct principal {
    struct account acct;
    struct profile profile;  /* the profile acted on: the Profile-Key's, else the primary */
    bool via_profile_key;    /* a Profile-Key selected the profile */
    const struct plan *plan; /* NULL when the account's plan is not configured */
    int64_t month_calls;     /* this month's calls of the profile, this one included */
    char month[8];           /* the UTC month the call counts in, "YYYY-MM" */
};

extern const struct route api_routes[];
extern const size_t api_nroutes;

/* The http_app dispatch callback: middleware, then the route's handler. */
enum status api_dispatch(void *ctx, struct req *r);

/* The credential of "Authorization: Bearer <credential>" (an arena string),
 * or NULL when absent, malformed or over 256 bytes. */
const char *api_bearer(struct req *r);
/* The same for the header value h (NULL: absent), in a's memory. */
const char *api_bearer_parse(struct arena *a, const char *h);
/*
 * The Profile-Key sent with r (SPEC §1), trimmed, in r's arena: header, the
 * Profile-Key header's value (NULL when absent; a parameter so the
 * precedence can be tested without HTTP), else the body's profileKey, else
 * the query's. *present tells whether one was sent at all; 600 when the
 * body's is not a string.
 */
enum status api_profile_key(struct req *r, const char *header, const char **out, bool *present);
/* ST_OK when the route r reached needs no plan family or p's plan opens it;
 * else 620 with a message naming the plans of cfg that do. */
enum status api_plan_check(const struct config *cfg, struct req *r, const struct principal *p);
struct rl_result;
/* Adds SPEC §7's x-ratelimit-* headers for the window's result rl; when rl
 * refuses the request, also Retry-After and details.retryAfter (seconds,
 * rounded up), and returns 621. */
enum status api_ratelimit_answer(struct req *r, const struct rl_result *rl);

/* The principal of an authenticated request. */
static inline struct principal *api_principal(struct req *r)
{
    return r->principal;
}

/* handlers */
enum status api_user_get(struct app *app, struct req *r);
enum status api_details_get(struct app *app, struct req *r);

/* The status for a network call's failure: 632 the token was refused, 631
 * no answer in time, 630 anything else (api/netfail.c). */
enum status api_net_rc_status(enum net_rc rc);
/* The same, with details {platform, status, error} of n's last failure. */
enum status api_net_status(struct req *r, const struct net *n, enum net_rc rc);
enum status api_gbp_patch(struct app *app, struct req *r);
/* PATCH /api/user/gbp's body, validated (every problem at once, as 600):
 * Google's Location JSON with the fields sent (owned by r's arena) and
 * their updateMask paths. Pure: no store, no network (fuzzed). */
#define GBP_FIELDS 8
struct gbp_update {
    json_t *body;
    const char *mask[GBP_FIELDS];
    const char *names[GBP_FIELDS]; /* the request's field names, for 633 */
    size_t n;
};
enum status api_gbp_parse(struct req *r, struct gbp_update *u);
enum status api_batch_get(struct app *app, struct req *r);
enum status api_batch_file(struct app *app, struct req *r);
/* A Range header's single byte range within size (false: send it all). */
bool api_batch_parse_range(const char *h, uint64_t size, uint64_t *off, uint64_t *len);
enum status api_health_get(struct app *app, struct req *r);
enum status api_metrics_get(struct app *app, struct req *r);
/* The HTTP layer's completion hook: counts the request in core/metrics. */
void api_on_complete(void *ctx, const struct req *r, unsigned http_status, int64_t dur_us);
enum status api_profiles_create(struct app *app, struct req *r);
enum status api_profiles_list(struct app *app, struct req *r);
enum status api_profiles_update(struct app *app, struct req *r);
enum status api_profiles_delete(struct app *app, struct req *r);
enum status api_social_unlink(struct app *app, struct req *r);
enum status api_webhooks_register(struct app *app, struct req *r);
enum status api_webhooks_unregister(struct app *app, struct req *r);
enum status api_webhooks_list(struct app *app, struct req *r);
enum status api_webhooks_secret(struct app *app, struct req *r);
enum status api_webhooks_deliveries(struct app *app, struct req *r);
enum status api_webhooks_resend(struct app *app, struct req *r);

#endif
