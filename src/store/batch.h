/*
 * store/batch: batch exports (table batch_exports) and the streaming scan
 * of an account's profiles behind them (SPEC §5). See store.h for the
 * conventions every store function follows.
 */
#ifndef SOCIALD_STORE_BATCH_H
#define SOCIALD_STORE_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/linked.h"
#include "store/profiles.h"
#include "store/store.h"

struct batch_export {
    int64_t id;
    int64_t account_id;
    const char *file;
    int64_t started_ms;
    int64_t estimate_ms;
    int64_t expires_ms;
    int64_t ready_ms; /* 0: being written */
    int64_t count;
    int64_t bytes;
    const char *etag;
    int64_t deleted_ms; /* 0: the file exists (or will) */
};

/* The account's newest export that was not deleted. */
enum store_rc store_batch_newest(struct store *st, struct arena *a, int64_t account_id,
                                 struct batch_export *out);
/* An export by id. */
enum store_rc store_batch_get(struct store *st, struct arena *a, int64_t id,
                              struct batch_export *out);
/* The account's newest live export written to file. */
enum store_rc store_batch_by_file(struct store *st, struct arena *a, int64_t account_id,
                                  const char *file, struct batch_export *out);
/*
 * Records a new export (in the caller's transaction) and queues its
 * 'batch' job. Older live exports of the same file name are marked deleted
 * (the new file replaces theirs). STORE_CONFLICT when one is in flight.
 */
enum store_rc store_batch_start(struct store *st, struct batch_export *e, int64_t *id);
/* The export's file is in place. */
enum store_rc store_batch_ready(struct store *st, int64_t id, int64_t now_ms, int64_t count,
                                int64_t bytes, const char *etag);
/* Live exports whose URL expired before now_ms (at most max); arena array. */
enum store_rc store_batch_expired(struct store *st, struct arena *a, int64_t now_ms, size_t max,
                                  struct batch_export **out, size_t *n);
enum store_rc store_batch_deleted(struct store *st, int64_t id, int64_t now_ms);
/* When the next live export expires (INT64_MAX when none). */
enum store_rc store_batch_next_expiry(struct store *st, int64_t *when_ms);
/* How many live user profiles the account has (for the estimate). */
enum store_rc store_batch_profiles(struct store *st, int64_t account_id, int64_t *n);

/*
 * Calls fn once per live user profile of the account (not the primary), in
 * creation order, with its linked accounts (sorted by platform) and its
 * stored API calls of month — one consistent snapshot, in constant memory
 * (a is reset between profiles). A false return stops the scan.
 */
typedef bool (*batch_fn)(void *arg, const struct profile *p, const struct linked_account *la,
                         size_t n, int64_t month_calls);

enum store_rc store_batch_scan(struct store *st, int64_t account_id, const char *month, batch_fn fn,
                               void *arg);

/* A profile as the cache warm reads it (store_warm_page). */
struct warm_profile {
    struct profile p;
    bool has_key; /* user profiles: key_hash holds the profile key's hash */
    unsigned char key_hash[STORE_HASH_LEN];
    struct linked_account *la; /* sorted by platform */
    size_t n;
    int64_t month_calls; /* its stored API calls of the month asked for */
};

/*
 * Up to max live profiles with ids above after_id, in id order, each with
 * its key hash, linked accounts and stored calls of month ("YYYY-MM"):
 * one statement, read in the calling
 * thread's snapshot when it has one (store_read_begin), so that the change
 * stamps can vouch for the whole page. *out is an arena array of *n.
 */
enum store_rc store_warm_page(struct store *st, struct arena *a, int64_t after_id, size_t max,
                              const char *month, struct warm_profile **out, size_t *n);

#endif
