/*
 * revoke: the job kind that revokes an unlinked account's tokens at its
 * network (SPEC §6 delete, §9).
 *
 * Unlinking moves the sealed tokens to the store's revocations table and
 * queues a 'revoke' job in the same transaction (store_linked_delete,
 * store_profile_delete), so a revocation survives a crash. The job opens
 * the tokens and calls the connector's revoke on an offload worker.
 * Revoked, already dead (the network says the token is invalid), refused,
 * or a network without revocation: done, the row is dropped. Network
 * errors, timeouts, 429 and 5xx: retried after 1 min, 5 min, 30 min, 2 h
 * and 12 h, then given up (logged).
 */
#ifndef SOCIALD_JOBS_REVOKE_H
#define SOCIALD_JOBS_REVOKE_H

#include "core/app.h"
#include "runner/runner.h"

struct runner_kind revoke_job_kind(struct app *app);

#endif
