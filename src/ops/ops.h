/*
 * ops: one home for each change (STYLE.md rule 15) — the changes users and
 * jobs make to linked accounts and profiles, each one function that opens
 * its transaction, writes the change, its webhook events (ops/events.h) and
 * the jobs it queues, and commits; after the commit it wakes the runners
 * that will deliver the events and run the jobs. Handlers, the linking
 * page, the jobs and the CLI call these and open no transaction of their
 * own.
 *
 * Guarantees, for every function here:
 *  - Together: the change, its events (and their deliveries, when a
 *    webhook takes them) and its jobs commit together or not at all. An
 *    event exists exactly when its change does.
 *  - A crash before the commit leaves nothing; after it, everything, and
 *    the runners find the new jobs and deliveries by polling (jobs_poll_ms)
 *    if the wake-up was lost with the process.
 *  - Nesting: called inside an open transaction (the job runner's drain,
 *    which records a batch of results in one; a change that includes
 *    another), the function joins it: its commit is the outer one's, and a
 *    failure rolls back the whole outer transaction (store.h).
 *  - Failure: any rc other than STORE_OK means nothing was written.
 *
 * Sealing (ops/linked.h) and network calls happen before, never inside, a
 * transaction.
 */
#ifndef SOCIALD_OPS_OPS_H
#define SOCIALD_OPS_OPS_H

#include "core/app.h"
#include "platforms/platform.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "store/batch.h"
#include "store/deliveries.h"
#include "util/arena.h"

/* ---- linking (ops/link.c) ---- */

/*
 * Links identity id (with tokens t) to profile p on network idx, replacing
 * what was linked there: the display fields, the tokens sealed, the
 * account's upkeep jobs (refresh at 80 % of the token's life; LinkedIn's
 * reminder), the profile's details marked fresh and the social webhook
 * (type link, source user). Used by the linking page for one account and
 * by POST /api/profiles/social (import, with the caller's token). STORE_ERROR
 * also when the tokens do not seal.
 */
enum store_rc ops_link(struct app *app, struct arena *a, const struct profile *p, int idx,
                       const struct identity *id, const struct tokens *t);
/*
 * The linking page's choice among several accounts (pages, organisations,
 * locations): takes pending choice pending_id (single use) and links id as
 * ops_link does, together. STORE_NOTFOUND when the choice was already
 * taken or expired (nothing linked).
 */
enum store_rc ops_link_choose(struct app *app, struct arena *a, const char *pending_id,
                              const struct profile *p, int idx, const struct identity *id,
                              const struct tokens *t);
/*
 * Telegram: uses up verification code code_id and links the chat as
 * ops_link does, together. STORE_NOTFOUND when the code was already used.
 */
enum store_rc ops_link_telegram(struct app *app, struct arena *a, const struct profile *p,
                                int64_t code_id, const struct identity *id, const struct tokens *t);

/* ---- unlinking and deleting (ops/profile.c) ---- */

/*
 * Unlinks the profile's account on platform — its sealed tokens move to
 * the revocations table with a revoke job (store_linked_delete) — and
 * writes its social webhook (type unlink, source user|system, details for
 * system). STORE_NOTFOUND when nothing was linked: no event then.
 */
enum store_rc ops_unlink(struct app *app, struct arena *a, const struct profile *p,
                         const char *platform, const char *source, const char *details);
/*
 * Deletes profile pr (tombstone; by is "api" or "cli"; its accounts'
 * tokens go to revocation) and writes a social unlink webhook for each
 * account shown as linked. STORE_NOTFOUND when it was already deleted:
 * nothing written.
 */
enum store_rc ops_profile_delete(struct app *app, struct arena *a, const struct profile *pr,
                                 const char *by);

/* ---- upkeep outcomes (ops/upkeep.c), recorded by the jobs on the upkeep
 * runner's thread, inside its drain's transaction ---- */

#define OPS_REMIND_BEFORE_MS (15 * 86400000LL)

/* When a token issued at issued_ms and expiring at expires_ms is refreshed:
 * at 80 % of its life (for expired tokens, issued_ms). */
int64_t ops_refresh_at(int64_t issued_ms, int64_t expires_ms);
/* When LinkedIn's reminder is due: 15 days before the earlier of link time
 * + 365 days and the refresh token's end (0: unknown). */
int64_t ops_remind_at(int64_t linked_ms, int64_t refresh_expires_ms);

/*
 * A refresh that worked: the new sealed tokens of linked account
 * linked_id (only if its token_version is still version) and refresh job
 * job_id moved to the next refresh (or ended when the token no longer
 * expires). STORE_CONFLICT when a re-link won the race: the job is moved to
 * now instead, to look again.
 */
enum store_rc ops_refresh_saved(struct app *app, int64_t job_id, int64_t linked_id, int64_t version,
                                const struct linked_secret *sec, int64_t now_ms);
/*
 * A refresh that failed for a passing reason: the account marked
 * refresh_failing with error and its failure count, and job job_id retried
 * at retry_ms (now when a re-link won the race). STORE_CONFLICT in that
 * case.
 */
enum store_rc ops_refresh_failing(struct app *app, int64_t job_id, int64_t linked_id,
                                  int64_t version, const char *error, int64_t failures,
                                  int64_t retry_ms, int64_t now_ms);
/*
 * The grant is gone: linked account ls marked relink_required with reason,
 * its reminder and refresh job job_id (when not 0) ended, and the social
 * webhook (type unlink, source system, the reason in details). STORE_CONFLICT
 * when a re-link won the race (nothing written).
 */
enum store_rc ops_relink_required(struct app *app, struct arena *a, const struct linked_state *ls,
                                  const char *reason, int64_t job_id, int64_t now_ms);
/*
 * LinkedIn's reminder: the social webhook (type refresh, source system,
 * details) about linked account ls, and reminder job job_id ended.
 */
enum store_rc ops_remind_sent(struct app *app, struct arena *a, const struct linked_state *ls,
                              const char *details, int64_t job_id, int64_t now_ms);
/* One profile's details refresh: the display fields read (found[0..n),
 * entries with id 0 skipped), the linked accounts whose token the network
 * refused (refresh_now[0..nrefresh): the refresher decides). */
struct ops_details {
    int64_t profile_id;
    const struct linked_account *found;
    size_t n;
    const int64_t *refresh_now;
    size_t nrefresh;
    size_t changed; /* out: accounts whose fields changed */
};
/*
 * The details refreshes res[0..n), in one transaction: the changed display
 * fields, a refresh job due now for each refused token, and each profile's
 * details marked fresh at now_ms.
 */
enum store_rc ops_details_saved(struct app *app, struct ops_details *res, size_t n, int64_t now_ms);

/* ---- webhooks (ops/webhooks.c) ---- */

/*
 * Registers (or replaces) profile_id's webhook for action at url and, when
 * secret is set, its signing secret sealed (bound to
 * "webhook_secret:<profile id>"), together. STORE_ERROR also when the secret
 * does not seal.
 */
enum store_rc ops_webhook_register(struct app *app, int64_t account_id, int64_t profile_id,
                                   const char *action, const char *url, const char *secret,
                                   int64_t now_ms);
/* Replaces profile_id's signing secret (sealed). One statement. */
enum store_rc ops_webhook_secret_set(struct app *app, int64_t profile_id, const char *secret,
                                     int64_t now_ms);
/*
 * The outcomes o[0..n) of delivery attempts, together: each on its delivery
 * (o[i].delivery_id) and its webhook's failure count (disabled[i] set when
 * o[i] disabled the webhook), and each attempt's job job_ids[i] ended
 * (delivered or failed) or moved to o[i].next_attempt_ms (pending). A few
 * statements whatever n (store_delivery_record_many). Recorded on the
 * delivery runner's thread, inside its drain; on failure nothing is
 * recorded, and the jobs run again after their lease.
 */
enum store_rc ops_delivery_record_many(struct app *app, const struct delivery_outcome *o,
                                       const int64_t *job_ids, size_t n, bool *disabled);

/* A new delivery (and job) of an event already delivered or failed, to its
 * webhook's current URL (public id public_id); the delivery runner is woken
 * after. One statement. */
enum store_rc ops_delivery_resend(struct app *app, int64_t delivery_id, const char *public_id,
                                  int64_t now_ms, int64_t *new_id);

/* ---- revocation and exports (ops/batch.c) ---- */

/* A token revocation ended (done, refused, or given up): its row (the
 * sealed tokens) and revoke job job_id deleted. */
enum store_rc ops_revocation_done(struct app *app, int64_t revocation_id, int64_t job_id);

/*
 * GET /api/user/batch: account_id's newest export into *e, and, when there
 * is none or the newest is ready and older than interval_ms, a new one
 * started under file name file (its row; its job is queued by the store) — one
 * write transaction, so concurrent requests queue and the second sees the
 * first one's export. *started tells whether a new one was. Strings of *e
 * in a.
 */
enum store_rc ops_batch_request(struct app *app, struct arena *a, int64_t account_id,
                                const char *file, int64_t now_ms, int64_t interval_ms,
                                int64_t url_ttl_ms, struct batch_export *e, bool *started);
/*
 * An export's file is in place: export_id marked ready (count profiles,
 * bytes, etag), the batch webhook to the account's primary profile
 * (status success, url, urlExpires, count), and export job job_id ended.
 */
enum store_rc ops_batch_ready(struct app *app, int64_t export_id, int64_t ready_ms, int64_t count,
                              int64_t bytes, const char *etag, const struct profile *primary,
                              const char *url, int64_t expires_ms, int64_t job_id, int64_t now_ms);

/* ---- retention (ops/retention.c) ---- */

struct retention_counts {
    size_t deliveries, events, webhooks, profiles, exports; /* rows deleted */
    bool more; /* the budget ran out first: sweep again soon */
};

/*
 * Deletes what is past the configured keeping time (config retain_*; 0
 * keeps a kind for ever): finished deliveries, events no delivery names,
 * unregistered webhooks without deliveries, deleted profiles' tombstones
 * (with their webhooks, sessions and usage; their keys then answer 610
 * instead of 611) and finished batch exports' records. Unlike the other
 * changes here it commits in batches (about 1,000 rows each) so that it
 * never holds the write lock for long: call it outside any transaction.
 * At most max_batches transactions; *out says what went. On failure what
 * earlier batches deleted stays deleted.
 */
enum store_rc ops_retention_sweep(struct app *app, int64_t now_ms, size_t max_batches,
                                  struct retention_counts *out);

#endif
