/*
 * upkeep: keeping linked accounts alive (SPEC §2, §9) — three job kinds on
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
 *  - details (ref: profile): reads each linked account's name, username and
 *    avatar from its network again; queued by GET /api/user after
 *    nextUpdate, which never waits for it.
 *
 * Network calls run on the upkeep workers (their own offload pool, so that
 * a storm of refreshes never delays a user linking an account); results
 * are written on the runner thread, guarded by the account's token version,
 * by the changes of ops/ (ops_refresh_saved, ops_refresh_failing,
 * ops_relink_required, ops_remind_sent, ops_details_saved).
 */
#ifndef SOCIALD_JOBS_UPKEEP_H
#define SOCIALD_JOBS_UPKEEP_H

#include "core/app.h"
#include "runner/runner.h"
#include "store/linked.h"
#include "store/profiles.h"

struct upkeep;

/* Per-process state: network pauses, pacing, details throttle. */
struct upkeep *upkeep_new(const struct config *cfg);
void upkeep_free(struct upkeep *u);

struct runner_kind upkeep_refresh_kind(struct app *app);
struct runner_kind upkeep_remind_kind(struct app *app);
struct runner_kind upkeep_details_kind(struct app *app);

/* GET /api/user found profile p's details due (now past nextUpdate): queues
 * one details refresh, at most once per details-ttl per process. Never
 * blocks on the networks; failures are logged only. */
void upkeep_details_due(struct app *app, const struct profile *p, int64_t now_ms);

#endif
