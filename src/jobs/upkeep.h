/*
 * upkeep: keeping linked accounts alive (SPEC §2, §9) — two job kinds on
 * the upkeep lane (store/jobs.h), each at most once per account or profile:
 *
 *  - refresh (ref: linked account): renews the access token at 80 % of its
 *    life (a little earlier, at random, so that accounts linked together do
 *    not come due together), saving the newest refresh token every time.
 *    Network errors, timeouts, 429, 5xx and answers that make no sense mark
 *    the account refresh_failing and are retried (refresh-retries, with
 *    jitter; never sooner than a Retry-After); a 429 also pauses that
 *    network's refreshes. Only the network saying the grant is gone (or a
 *    token that expired with no way to refresh it) marks the account
 *    relink_required and sends the social webhook type unlink, source
 *    system, with the reason. Refreshes start at most refresh-rate per
 *    second per network.
 *  - remind (ref: linked LinkedIn account): 15 days before the link must be
 *    renewed (link time + 365 days, or the refresh token's end if sooner)
 *    sends the social webhook type refresh, source system.
 *
 * Network calls run on the upkeep workers (their own offload pool, so that
 * a storm of refreshes never delays a user linking an account); results
 * are written on the runner thread, guarded by the account's token version,
 * by the changes of ops/ (ops_refresh_saved, ops_refresh_failing,
 * ops_relink_required, ops_remind_sent). The details refresh (jobs/details.h)
 * shares the workers and each network's 429 pause.
 */
#ifndef SOCIALD_JOBS_UPKEEP_H
#define SOCIALD_JOBS_UPKEEP_H

#include "core/app.h"
#include "runner/runner.h"
#include "store/linked.h"
#include "platforms/net.h"
#include "store/profiles.h"

struct upkeep;

/* Per-process state: network pauses, pacing. */
struct upkeep *upkeep_new(const struct config *cfg);
void upkeep_free(struct upkeep *u);

struct runner_kind upkeep_refresh_kind(struct app *app);
struct runner_kind upkeep_remind_kind(struct app *app);

/* Is network idx paused by a 429 at now? */
bool upkeep_paused(struct upkeep *u, int idx, int64_t now);
/* A 429 from network idx (n's last answer) pauses its upkeep calls for the
 * network's Retry-After, or a minute without one. Other answers: nothing. */
void upkeep_pause_on_429(struct upkeep *u, int idx, const struct net *n, int64_t now);

#endif
