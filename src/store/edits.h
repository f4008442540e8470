/*
 * store/edits: Google Business Profile per-field edit limits (table
 * gbp_edits, SPEC §4). See store.h for the conventions every store function
 * follows.
 */
#ifndef SOCIALD_STORE_EDITS_H
#define SOCIALD_STORE_EDITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct gbp_limit {
    int64_t window_ms;      /* the rolling window (24 h) */
    int64_t limit;          /* edits per field in it (5) */
    int64_t pending_ttl_ms; /* a reservation older than this no longer counts */
};

/*
 * Reserves one edit of each of fields (updateMask paths) of location at
 * now_ms, atomically with counting them: STORE_OK with *batch set, or
 * STORE_CONFLICT when a field has had lim->limit edits (done, or reserved
 * and live) in the window — *blocked names it and *available_ms says when
 * its oldest counted edit leaves the window. Nothing is reserved then.
 */
enum store_rc store_gbp_reserve(struct store *st, const char *location, const char *const *fields,
                                size_t n, int64_t now_ms, const struct gbp_limit *lim,
                                int64_t *batch, size_t *blocked, int64_t *available_ms);
/* Ends a reservation: done (the edits count from now_ms) or dropped. */
enum store_rc store_gbp_settle(struct store *st, int64_t batch, bool done, int64_t now_ms);

#endif
