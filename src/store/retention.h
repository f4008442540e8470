/*
 * store/retention: deleting rows past their keeping time (ops/retention.c
 * runs them; the knobs are config's retain_*). See store.h for the
 * conventions every store function follows.
 *
 * Each function deletes at most max rows (oldest first) and says how many
 * it deleted in *n, so the caller can keep each transaction short and come
 * back while *n == max. Call each inside a transaction (store_begin); a
 * cutoff is "older than": rows written at or after it stay.
 */
#ifndef SOCIALD_STORE_RETENTION_H
#define SOCIALD_STORE_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/*
 * Deleted profiles (tombstones) deleted before cutoff_ms, with what only
 * they name: their webhooks and webhook secret, linking sessions and
 * monthly usage. A tombstone waits while a revocation of its tokens is
 * queued or a delivery still names one of its webhooks. Each one's change
 * stamp is bumped at commit, so every server's directory forgets it: its key
 * then answers 403/610, even with validate=true (SPEC §2's 611 needs the
 * tombstone).
 */
enum store_rc store_retain_profiles(struct store *st, int64_t cutoff_ms, size_t max, size_t *n);

/* Finished deliveries (not 'pending') created before cutoff_ms. */
enum store_rc store_retain_deliveries(struct store *st, int64_t cutoff_ms, size_t max, size_t *n);

/* Events created before cutoff_ms that no delivery names any more. */
enum store_rc store_retain_events(struct store *st, int64_t cutoff_ms, size_t max, size_t *n);

/* Unregistered webhooks (deleted before cutoff_ms) that no delivery names. */
enum store_rc store_retain_webhooks(struct store *st, int64_t cutoff_ms, size_t max, size_t *n);

/* Records of finished batch exports whose file was deleted (expired or
 * superseded) before cutoff_ms; nothing reads them once deleted. */
enum store_rc store_retain_batch(struct store *st, int64_t cutoff_ms, size_t max, size_t *n);

#endif
