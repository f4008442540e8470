/*
 * live: the parts of GET /api/user read from the networks at request time
 * (SPEC §2) — Instagram's publishing quota (cached 60 s per profile) and
 * X's monthly usage for the operator's app (cached 15 minutes). A failure
 * is an entry in the answer (quotaError, twitterUsageError), cached for a
 * few seconds, never a failed request.
 *
 * The fetches block: they run on the offload workers while the request is
 * suspended (STYLE.md rule 10).
 */
#ifndef SOCIALD_API_LIVE_H
#define SOCIALD_API_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "render/render.h"
#include "util/arena.h"

#define LIVE_IG_TTL_MS    60000
#define LIVE_X_TTL_MS     (15 * 60000)
#define LIVE_ERROR_TTL_MS 10000

struct live *live_new(void);
/* NULL is ignored. */
void live_free(struct live *l);

/* A fresh cached quota of the profile's Instagram account, if any. */
bool live_ig_cached(struct live *l, int64_t profile_id, int64_t now_ms, struct live_ig *out);
/* Reads it from Instagram (blocking) and caches it. */
void live_ig_fetch(struct app *app, struct arena *a, int64_t profile_id, int64_t now_ms,
                   struct live_ig *out);

/* The cache of rendered Pinterest board lists by profile id (60 s). */
struct cache *live_boards(struct live *l);

/* True when X's usage can be shown (an app token is configured). */
bool live_x_enabled(struct app *app);
/* A fresh cached usage, if any. */
bool live_x_cached(struct live *l, int64_t now_ms, struct live_x *out);
/* Reads it from X (blocking) and caches it. */
void live_x_fetch(struct app *app, struct arena *a, int64_t now_ms, struct live_x *out);

/* The next date (YYYY-MM-DD, UTC) on day of month `day` after now_ms; a
 * day past the month's end means its last day. */
void live_reset_date(int64_t now_ms, int day, char out[11]);

#endif
