/*
 * store/deliveries: events (table events) and their deliveries to webhooks
 * (table deliveries), with the jobs that send them. See store.h for the
 * conventions every store function follows.
 */
#ifndef SOCIALD_STORE_DELIVERIES_H
#define SOCIALD_STORE_DELIVERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "store/webhooks.h"

struct event_new {
    int64_t account_id;
    int64_t profile_id;
    const char *action;
    const char *hook_id;
    const char *payload; /* the JSON body receivers get */
    int64_t created_ms;
};

/*
 * Records an event and, when a webhook is registered for it (the profile's
 * for the action, else the account's), a delivery and its job. Call inside
 * the transaction of the change that caused the event. *delivery_id is 0
 * when no webhook takes the event; a disabled webhook gets a 'skipped'
 * delivery (visible in the log, resendable) and no job.
 */
enum store_rc store_event_emit(struct store *st, const struct event_new *e,
                               const char *delivery_public_id, int64_t *delivery_id);

struct delivery {
    int64_t id;
    const char *public_id;
    int64_t event_id;
    const char *hook_id;
    const char *action;
    const char *payload;
    int64_t account_id;
    int64_t profile_id;
    int64_t webhook_id;
    int64_t webhook_profile_id; /* whose secret signs */
    const char *url;            /* the webhook's current URL */
    bool webhook_live;          /* registered and not disabled */
    const char *status;
    int64_t attempts;
    int64_t last_status;
    const char *last_error;
    int64_t created_ms;
    int64_t last_attempt_ms;
    int64_t next_attempt_ms;
    int64_t completed_ms;
};

/* What sending a delivery needs. */
struct delivery_send {
    struct delivery d;
    /* The secrets that sign it: store_webhook_secret_get's for
     * d.webhook_profile_id (the webhook owner's, else its account's). */
    struct webhook_secret secret;
};

/*
 * The deliveries of the n ids, each with its event, webhook and signing
 * secrets, in one statement (the delivery runner reads a lease's worth at
 * once). *out is an arena array of the ones that exist (*nout <= n), in
 * ascending id order; strings and secrets live in a.
 */
enum store_rc store_delivery_get_many(struct store *st, struct arena *a, const int64_t *ids,
                                      size_t n, struct delivery_send **out, size_t *nout);
/* A delivery of account_id by its public id. */
enum store_rc store_delivery_by_public(struct store *st, struct arena *a, int64_t account_id,
                                       const char *public_id, struct delivery *out);
/* The account's deliveries, newest first, before before_id (0: from the
 * newest); profile_id 0 means all profiles; action/status NULL: any. */
enum store_rc store_delivery_list(struct store *st, struct arena *a, int64_t account_id,
                                  int64_t profile_id, const char *action, const char *status,
                                  int64_t before_id, size_t limit, struct delivery **out,
                                  size_t *n);

/* The outcome of one delivery attempt. */
struct delivery_outcome {
    int64_t delivery_id;
    const char *status; /* pending (will retry) | delivered | failed */
    int64_t attempts;
    int64_t http_status; /* 0: no answer */
    const char *error;   /* NULL on success */
    const char *url;
    int64_t attempt_ms;
    int64_t next_attempt_ms; /* for pending */
    int disable_after;       /* failed events in a row that disable the webhook */
};

/*
 * Records the outcomes of n attempts, in the order given, on their
 * deliveries and webhooks, in two statements whatever n: a success resets
 * its webhook's failure count; a final failure increments it and disables
 * the webhook when it reaches disable_after (a disabled webhook keeps
 * counting). A delivery cancelled meanwhile stays cancelled (the attempt is
 * still recorded); of two outcomes for one delivery, the later one stays.
 * Outcomes of deliveries that no longer exist are skipped. Sets
 * disabled[i] (n of them) when outcome i disabled its webhook (its
 * disabled_ms: the batch's latest attempt_ms). Call inside
 * a transaction with the jobs' updates; STORE_ERROR when a statement
 * failed (the transaction must then roll back).
 */
enum store_rc store_delivery_record_many(struct store *st, const struct delivery_outcome *o,
                                         size_t n, bool *disabled);
/* A new delivery (and job) of the same event to its webhook's current URL,
 * for resend. */
enum store_rc store_delivery_resend(struct store *st, int64_t id, const char *public_id,
                                    int64_t now_ms, int64_t *new_id);

#endif
