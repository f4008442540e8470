/*
 * ops/schedule: when an account's upkeep jobs run — shared by the link
 * (ops/link.c) and the refresh outcomes (ops/upkeep.c). Internal to ops/.
 */
#ifndef SOCIALD_OPS_SCHEDULE_H
#define SOCIALD_OPS_SCHEDULE_H

#include "store/linked.h"
#include "store/store.h"

/* Queues (or moves) the upkeep jobs of an account just linked with sec (row
 * linked_id), inside the caller's transaction: its refresh when the token
 * expires (dropped otherwise), LinkedIn's reminder. */
enum store_rc ops_schedule_linked(struct store *st, int64_t linked_id, const char *platform,
                                  const struct linked_secret *sec, int64_t now_ms);

/* When the next refresh of a token issued now runs: at 80 % of its life,
 * up to 5 % of its life (at most an hour) earlier, spreading accounts that
 * were linked or refreshed together. 0: the token does not expire. */
int64_t ops_refresh_next(int64_t now_ms, int64_t expires_ms);

#endif
