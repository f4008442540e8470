/*
 * store: the persistence interface the rest of sociald uses.
 *
 * Nothing here names a database: the SQLite driver (and later PostgreSQL)
 * sit behind it. Every function is safe to call from any thread; each thread
 * uses its own connection, opened on first use. A transaction opened with
 * store_begin() belongs to the calling thread and covers the store calls that
 * thread makes until store_commit()/store_rollback().
 *
 * Memory: strings in results are allocated in the caller's arena and live as
 * long as it does. Functions return STORE_OK, STORE_NOTFOUND (no such row),
 * STORE_CONFLICT (a uniqueness rule would be broken; nothing was changed) or
 * STORE_ERROR (logged; the caller answers 650).
 *
 * Times are int64 milliseconds since the Unix epoch (UTC). Keys are never
 * stored or passed here: only their SHA-256 (STORE_HASH_LEN bytes).
 */
#ifndef SOCIALD_STORE_STORE_H
#define SOCIALD_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define STORE_HASH_LEN  32
#define STORE_REFID_LEN 40
#define STORE_PLAN_LEN  16

enum store_rc { STORE_OK = 0, STORE_NOTFOUND, STORE_CONFLICT, STORE_ERROR };

struct store;

struct account {
    int64_t id;
    int64_t primary_profile_id;
    const char *email;
    const char *ref_id; /* the primary profile's refId */
    char plan[STORE_PLAN_LEN];
    int64_t created_ms;
};

struct profile {
    int64_t id;
    int64_t account_id;
    char ref_id[STORE_REFID_LEN + 1];
    const char *title;
    bool is_primary;
    int64_t created_ms;
    int64_t version;            /* changes whenever GET /api/user would */
    int64_t details_updated_ms; /* when linked accounts were last read from the networks */
    int64_t suspended_ms;       /* 0: active */
    int64_t deleted_ms;         /* 0: live */
    const char *deleted_by;     /* "api" | "cli" when deleted */
    const char *bio_handle;     /* NULL when none */
    unsigned linked_mask;       /* bit i: platform i (platforms/names.h) is linked */
};

/* The settings a profile carries beyond its identity (profiles API). */
struct profile_settings {
    const char *display_title;
    bool hide_title;
    bool messaging_active;
    bool hide_top_header;
    const char *top_header;
    const char *sub_header;
    const char *disable_social; /* JSON array text, or NULL */
    const char *tags;           /* JSON array text, or NULL */
    bool team;
    const char *email;
};

struct linked_account {
    int64_t id;
    int64_t profile_id;
    const char *platform;
    const char *network_id;
    const char *display_name;
    const char *username;
    const char *profile_url;
    const char *user_image;
    const char *page_name;
    const char *type;
    const char *description;
    const char *maps_url;
    const char *place_id;
    const char *review_url;
    int64_t linked_ms;
    const char *status; /* ok | refresh_failing | relink_required */
};

/* A profile change: only the fields whose set_ flag is true are written;
 * a NULL string clears an optional field. */
struct profile_update {
    bool set_title, set_display_title, set_hide_title, set_messaging_active;
    bool set_hide_top_header, set_top_header, set_sub_header, set_disable_social;
    bool set_tags, set_team, set_email, set_bio_handle;
    const char *title;
    const char *display_title;
    bool hide_title;
    bool messaging_active;
    bool hide_top_header;
    const char *top_header;
    const char *sub_header;
    const char *disable_social; /* JSON array text */
    const char *tags;           /* JSON array text */
    bool team;
    const char *email;
    const char *bio_handle;
};

/* What GET /api/profiles filters on; zero values filter nothing. */
struct profile_filter {
    const char *title; /* exact */
    const char *ref_id;
    int has_active;         /* -1: either, 0: nothing linked, 1: something linked */
    unsigned includes_mask; /* all of these platforms linked */
    int64_t profile_id;     /* 0: any */
};

/* One row of a profile listing. */
struct profile_row {
    int64_t id;
    char ref_id[STORE_REFID_LEN + 1];
    const char *title;
    const char *display_title;
    int64_t created_ms;
    int64_t suspended_ms;
    unsigned linked_mask;
};

/* The health of one linked account (SPEC §9). */
struct linked_health {
    const char *platform;
    const char *status; /* ok | refresh_failing | relink_required */
    int64_t linked_ms;
    int64_t access_expires_ms; /* 0: unknown or never */
    int64_t last_refresh_ms;   /* 0: never */
    const char *last_error;
};

struct usage_delta {
    int64_t profile_id;
    char month[8]; /* YYYY-MM */
    int64_t calls;
    int64_t total; /* out: the stored total after adding */
};

/* ---- lifecycle ---- */

/* Opens the store at target (a SQLite file path, or "sqlite:PATH"). Does not
 * migrate. NULL with err filled on failure; store_close() releases it. */
struct store *store_open(const char *target, char *err, size_t errlen);
/* Closes the calling thread's connection and frees the store. Other threads
 * must have finished using it (their connections close as they exit). */
void store_close(struct store *st);
/* Applies pending migrations in order, each in its own transaction; sets
 * *applied to how many ran. */
enum store_rc store_migrate(struct store *st, int *applied);
/* The schema version (highest applied migration), or -1 on error. */
int store_schema_version(struct store *st);
/* A trivial query, for /healthz. */
enum store_rc store_ping(struct store *st);

/* Starts a write transaction on the calling thread's connection. */
enum store_rc store_begin(struct store *st);
enum store_rc store_commit(struct store *st);
/* Rolls back; safe to call when no transaction is open. */
void store_rollback(struct store *st);

/* ---- change stamps ----
 *
 * Every committed write that changes an account or a profile (or what
 * GET /api/user shows for it: linked accounts) bumps that entity's stamp.
 * A cache notes the stamp before reading the store and may trust its copy
 * for as long as the stamp is unchanged. Stamps live in shared memory beside
 * the database, so writes by other processes and by the CLI are seen at once.
 * Distinct entities may share a stamp (a hash table of counters): a collision
 * only causes a spurious reload.
 */
enum store_kind { STORE_KIND_ACCOUNT = 1, STORE_KIND_PROFILE = 2 };

/* The current stamp of an entity; an atomic load, no I/O. */
uint64_t store_stamp(struct store *st, enum store_kind kind, int64_t id);

/* ---- accounts ---- */

/* Creates an account and its primary profile (title "Primary Profile",
 * refId ref_id). STORE_CONFLICT when the email is taken. */
enum store_rc store_account_create(struct store *st, const char *email, const char *plan,
                                   const unsigned char key_hash[STORE_HASH_LEN], const char *ref_id,
                                   int64_t now_ms, int64_t *account_id);
/*
 * Authenticates an API key: the account whose key hash matches. The match is
 * confirmed with a constant-time comparison of the stored hash.
 */
enum store_rc store_auth(struct store *st, struct arena *a,
                         const unsigned char key_hash[STORE_HASH_LEN], struct account *acct);
/* Finds an account by email or by its refId. */
/* The account with this id. */
enum store_rc store_account_get(struct store *st, struct arena *a, int64_t id, struct account *out);
enum store_rc store_account_find(struct store *st, struct arena *a, const char *email_or_ref,
                                 struct account *out);
/* All accounts in creation order; *out is an arena array of *n entries. */
enum store_rc store_account_list(struct store *st, struct arena *a, struct account **out,
                                 size_t *n);
enum store_rc store_account_set_plan(struct store *st, int64_t account_id, const char *plan);
/* Replaces the account's key hash; the old key stops working at once. */
enum store_rc store_account_set_key(struct store *st, int64_t account_id,
                                    const unsigned char key_hash[STORE_HASH_LEN]);

/* ---- profiles ---- */

/* The profile of account_id whose key hash matches (live, deleted or
 * suspended: the caller decides). */
enum store_rc store_profile_by_key(struct store *st, struct arena *a, int64_t account_id,
                                   const unsigned char key_hash[STORE_HASH_LEN],
                                   struct profile *out);
/* The profile with this id. */
enum store_rc store_profile_get(struct store *st, struct arena *a, int64_t profile_id,
                                struct profile *out);
/* The live profile with this bio handle (GET /bio/:handle). */
enum store_rc store_profile_by_bio(struct store *st, struct arena *a, const char *handle,
                                   struct profile *out);
/* The profile's settings (strings in the arena). */
enum store_rc store_profile_settings(struct store *st, struct arena *a, int64_t profile_id,
                                     struct profile_settings *out);
/* True when some profile (of any account) has this key hash: used to tell
 * "a profile key sent as the API key" (613) from an unknown key (102). */
bool store_profile_key_exists(struct store *st, const unsigned char key_hash[STORE_HASH_LEN]);
/* Creates a user profile. STORE_CONFLICT when a live profile of the account
 * already has the title. */
enum store_rc store_profile_create(struct store *st, int64_t account_id, const char *title,
                                   const unsigned char key_hash[STORE_HASH_LEN], const char *ref_id,
                                   const struct profile_settings *settings, int64_t now_ms,
                                   int64_t *profile_id);

/* The live profile of account_id with exactly this title. */
enum store_rc store_profile_by_title(struct store *st, struct arena *a, int64_t account_id,
                                     const char *title, struct profile *out);
/* The profile with this refId, of any account (for the operator's CLI). */
enum store_rc store_profile_by_ref(struct store *st, struct arena *a, const char *ref_id,
                                   struct profile *out);
/*
 * Applies u to the profile. STORE_CONFLICT when a live profile of the
 * account already has the new title (*conflict = "title") or any profile
 * has the bio handle (*conflict = "bioHandle"); nothing is changed then.
 */
enum store_rc store_profile_update(struct store *st, int64_t profile_id,
                                   const struct profile_update *u, const char **conflict);
/*
 * Deletes a profile, keeping a tombstone (its refId, title, key hash, when
 * and by whom) for validate=true: its linked accounts are dropped, its bio
 * handle released, its title free again. STORE_NOTFOUND when it was already
 * deleted. Joins the caller's transaction when one is open.
 */
enum store_rc store_profile_delete(struct store *st, int64_t profile_id, const char *by,
                                   int64_t now_ms);
/* Suspends (at suspended_ms) or, with 0, reactivates a profile. */
enum store_rc store_profile_set_suspended(struct store *st, int64_t profile_id,
                                          int64_t suspended_ms);
/*
 * Lists live user profiles of account_id matching f in creation order,
 * starting after (after_created_ms, after_id) — keyset paging, so profiles
 * created or deleted between pages are never skipped or repeated. At most
 * limit rows; *out is an arena array.
 */
enum store_rc store_profile_list(struct store *st, struct arena *a, int64_t account_id,
                                 const struct profile_filter *f, int64_t after_created_ms,
                                 int64_t after_id, size_t limit, struct profile_row **out,
                                 size_t *n);

/* ---- linked accounts ---- */

/* The profile's linked accounts sorted by platform; arena array. */
enum store_rc store_linked_list(struct store *st, struct arena *a, int64_t profile_id,
                                struct linked_account **out, size_t *n);
/* Inserts or replaces the display fields of a linked account (no tokens). */
enum store_rc store_linked_put(struct store *st, const struct linked_account *la);

/* Removes the profile's account on platform; *removed_name (arena, may be
 * NULL) gets its display name. STORE_NOTFOUND when none was linked. Its
 * tokens are queued for revocation at the network (struct revocation). */
enum store_rc store_linked_delete(struct store *st, struct arena *a, int64_t profile_id,
                                  const char *platform, const char **removed_name);
/* The health of each of the profile's linked accounts, by platform. */
enum store_rc store_linked_health(struct store *st, struct arena *a, int64_t profile_id,
                                  struct linked_health **out, size_t *n);

/* ---- webhooks, events, deliveries ---- */

struct webhook {
    int64_t id;
    int64_t account_id;
    int64_t profile_id;
    const char *action;
    const char *url;
    int64_t updated_ms;
    int64_t failures;
    int64_t disabled_ms; /* 0: enabled */
    const char *disabled_reason;
};

/* A profile's signing secrets, as sealed by the vault. */
struct webhook_secret {
    int64_t profile_id; /* whose they are (the vault binds them to it); 0: none */
    const void *secret; /* NULL: none set */
    size_t secret_len;
    const void *prev; /* NULL: none */
    size_t prev_len;
    int64_t rotated_ms;
};

/* Registers (or replaces, re-enabling) the profile's webhook for action. */
enum store_rc store_webhook_put(struct store *st, int64_t account_id, int64_t profile_id,
                                const char *action, const char *url, int64_t now_ms);
/* Unregisters it; its pending deliveries are cancelled. STORE_NOTFOUND when
 * none was registered. */
enum store_rc store_webhook_delete(struct store *st, int64_t profile_id, const char *action,
                                   int64_t now_ms);
/* The profile's registered webhooks, by action. */
enum store_rc store_webhook_list(struct store *st, struct arena *a, int64_t profile_id,
                                 struct webhook **out, size_t *n);
/* Sets the profile's secret; the one it replaces signs for 24 h more. */
enum store_rc store_webhook_secret_set(struct store *st, int64_t profile_id, const void *sealed,
                                       size_t n, uint32_t key_id, int64_t now_ms);
/*
 * The secrets that sign profile_id's webhooks: its own, else its account's
 * (the primary profile's), as Ayrshare does (SPEC §8). out->profile_id says
 * whose; everything zero/NULL when neither has one (deliveries go unsigned).
 * Copies live in a.
 */
enum store_rc store_webhook_secret_get(struct store *st, struct arena *a, int64_t profile_id,
                                       struct webhook_secret *out);

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

/* A delivery with its event and webhook, by row id. */
enum store_rc store_delivery_get(struct store *st, struct arena *a, int64_t id,
                                 struct delivery *out);
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
 * Records an attempt's outcome on the delivery and its webhook: success
 * resets the webhook's failure count; a final failure increments it and
 * disables the webhook when it reaches disable_after. Sets *disabled when
 * this outcome disabled it. Call inside a transaction with the job update.
 */
enum store_rc store_delivery_record(struct store *st, int64_t id, const struct delivery_outcome *o,
                                    bool *disabled);
/* A new delivery (and job) of the same event to its webhook's current URL,
 * for resend. */
enum store_rc store_delivery_resend(struct store *st, int64_t id, const char *public_id,
                                    int64_t now_ms, int64_t *new_id);

/* Every profile's sealed webhook secrets, for re-sealing under a new key:
 * rows hold profile id, secret and previous secret (either may be NULL). */
struct sealed_pair {
    int64_t id;
    const void *a;
    size_t alen;
    const void *b;
    size_t blen;
};
enum store_rc store_webhook_secrets_all(struct store *st, struct arena *a, struct sealed_pair **out,
                                        size_t *n);
/* Replaces a profile's sealed secrets (same values, new master key). */
enum store_rc store_webhook_secret_reseal(struct store *st, int64_t profile_id, const void *secret,
                                          size_t n, uint32_t key_id, const void *prev,
                                          size_t prev_n, uint32_t prev_key_id);
/* Every linked account's sealed tokens (id = the linked account's row id;
 * aad_key names the row for the vault: "<profile id>:<platform>"). */
struct sealed_tokens {
    int64_t id;
    const char *aad_key;
    const void *access;
    size_t access_len;
    const void *refresh;
    size_t refresh_len;
};
enum store_rc store_linked_tokens_all(struct store *st, struct arena *a, struct sealed_tokens **out,
                                      size_t *n);
/* Replaces a linked account's sealed tokens (same values, new master key). */
enum store_rc store_linked_reseal(struct store *st, int64_t id, const void *access,
                                  size_t access_len, const void *refresh, size_t refresh_len,
                                  uint32_t key_id);
/* The master key ids any sealed value uses; *out is an arena array. */
enum store_rc store_key_ids_in_use(struct store *st, struct arena *a, uint32_t **out, size_t *n);

/* ---- jobs ---- */

struct job {
    int64_t id;
    char kind[16];
    int64_t ref;
    int64_t attempts; /* leases taken so far, this one included */
};

/*
 * Jobs run in two lanes, each leased by its own runner, so that a storm in
 * one never delays the other: webhook deliveries, and upkeep (every other
 * kind: refresh, remind, details, revoke).
 */
enum job_lane { JOB_LANE_DELIVERY = 0, JOB_LANE_UPKEEP = 1 };
/* The lane of a job kind. */
enum job_lane store_job_lane(const char *kind);

/* Queues a job of kind about ref, due at run_at_ms. */
enum store_rc store_job_add(struct store *st, const char *kind, int64_t ref, int64_t run_at_ms,
                            int64_t now_ms);
/*
 * Kinds refresh, remind and details exist at most once per ref: queues the
 * job, or when there is one, moves it to run_at_ms (move) or leaves it as it
 * is (!move).
 */
enum store_rc store_job_put(struct store *st, const char *kind, int64_t ref, int64_t run_at_ms,
                            int64_t now_ms, bool move);
/* Drops the job of kind about ref, if any (refresh, remind, details). */
enum store_rc store_job_drop(struct store *st, const char *kind, int64_t ref);
/* Leases up to max due jobs of lane for owner until now + lease_ms
 * (atomically: two workers never lease one job). *out is an arena array. */
enum store_rc store_job_lease(struct store *st, struct arena *a, enum job_lane lane,
                              const char *owner, int64_t now_ms, int64_t lease_ms, size_t max,
                              struct job **out, size_t *n);
/* Extends owner's lease of job id to until_ms; STORE_NOTFOUND when owner no
 * longer holds it (it expired and another worker took the job). */
enum store_rc store_job_extend(struct store *st, int64_t id, const char *owner, int64_t until_ms);
/* Releases a leased job to run again at run_at_ms. */
enum store_rc store_job_reschedule(struct store *st, int64_t id, int64_t run_at_ms);
enum store_rc store_job_delete(struct store *st, int64_t id);
/* The earliest time any job of lane can be leased (INT64_MAX when none). */
enum store_rc store_job_next(struct store *st, enum job_lane lane, int64_t *when_ms);
/* Jobs queued (due or not), for metrics. */
enum store_rc store_job_count(struct store *st, int64_t *n);
/* Per kind: jobs queued and the earliest due time (for metrics); at most
 * max kinds, arena arrays. */
struct job_kind_count {
    const char *kind;
    int64_t queued;
    int64_t earliest_ms;
};
enum store_rc store_job_counts(struct store *st, struct arena *a, size_t max,
                               struct job_kind_count **out, size_t *n);

/* ---- secrets ---- */

/*
 * The server's own secrets (app/secrets.c), one row per name, the same for
 * every process on the database. value is sealed by the vault under master
 * key key_id; a database from before schema 10 holds the plain bytes
 * (key_id 0 here) until a start or rotate-master-key seals them.
 */
struct server_secret {
    const char *name;
    const void *value;
    size_t len;
    uint32_t key_id; /* 0: plain, not sealed yet */
};
/* Stores sealed (made with master key key_id) as name's value unless name
 * has one, then reads name's row into out (copies in a): processes starting
 * together agree on one value. */
enum store_rc store_secret_ensure(struct store *st, struct arena *a, const char *name,
                                  const void *sealed, size_t n, uint32_t key_id,
                                  struct server_secret *out);
/* Replaces name's value with sealed (made with master key key_id), zeroing
 * the space the old value took. With only_plain, only while the row is not
 * sealed yet: STORE_NOTFOUND when another process sealed it first. */
enum store_rc store_secret_seal(struct store *st, const char *name, const void *sealed, size_t n,
                                uint32_t key_id, bool only_plain);
/* Every server secret, for re-sealing under a new key (copies in a). */
enum store_rc store_secrets_all(struct store *st, struct arena *a, struct server_secret **out,
                                size_t *n);

/* ---- linking (SPEC §6, §9) ---- */

/* A linked account's sealed tokens and network ids. */
struct linked_secret {
    const void *access; /* sealed; NULL when none */
    size_t access_len;
    const void *refresh;
    size_t refresh_len;
    uint32_t key_id;
    int64_t access_expires_ms; /* 0: none known */
    int64_t refresh_expires_ms;
    const char *scopes;
    const char *extra; /* JSON object text of network ids */
    const char *status;
    int64_t linked_ms;
};

/*
 * Links (or re-links) an account: display fields, sealed tokens, expiries
 * and ids; status back to ok. Joins the caller's transaction when one is
 * open (the social webhook is written with it).
 */
enum store_rc store_linked_link(struct store *st, const struct linked_account *la,
                                const struct linked_secret *sec, int64_t *id);
/* ---- upkeep: refresh, reminders, details (SPEC §2, §9) ---- */

/* What the upkeep jobs know of a linked account. */
struct linked_state {
    int64_t id;
    int64_t profile_id;
    int64_t account_id;
    const char *platform;
    const char *network_id;
    const char *display_name;
    const char *status;
    const char *extra;
    const void *access; /* sealed */
    size_t access_len;
    const void *refresh; /* sealed; NULL when none */
    size_t refresh_len;
    int64_t access_expires_ms; /* 0: none known */
    int64_t refresh_expires_ms;
    int64_t linked_ms;
    int64_t last_refresh_ms; /* 0: never */
    int64_t token_version;   /* changes with every token write */
    int64_t failures;        /* consecutive failed refreshes */
};

/* The linked account with row id. */
enum store_rc store_linked_state(struct store *st, struct arena *a, int64_t id,
                                 struct linked_state *out);
/* Every linked account of a profile, by platform; arena array. */
enum store_rc store_linked_states(struct store *st, struct arena *a, int64_t profile_id,
                                  struct linked_state **out, size_t *n);
/*
 * A successful refresh: the new sealed tokens (both re-sealed under
 * sec->key_id) and expiries; status ok, no error, no failures,
 * last_refresh_ms = now_ms. STORE_CONFLICT when the tokens changed since
 * version was read (a re-link won the race).
 */
enum store_rc store_linked_refreshed(struct store *st, int64_t id, int64_t version,
                                     const struct linked_secret *sec, int64_t now_ms);
/* A failed refresh (or a grant found gone): status, error and failure
 * count. STORE_CONFLICT as above. */
enum store_rc store_linked_failed(struct store *st, int64_t id, int64_t version, const char *status,
                                  const char *error, int64_t failures);
/* New display fields read from the network for linked account la->id; only
 * fields that differ are written. *changed tells whether any did. */
enum store_rc store_linked_details(struct store *st, const struct linked_account *la,
                                   bool *changed);
/* The profile's details were read from the networks at now_ms. */
enum store_rc store_profile_details_done(struct store *st, int64_t profile_id, int64_t now_ms);

/* ---- batch exports (SPEC §5) ---- */

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

/* Queues a job of kind (ref 0) unless one of that kind exists. */
enum store_rc store_job_ensure(struct store *st, const char *kind, int64_t run_at_ms,
                               int64_t now_ms);

/* ---- Google Business Profile edit limits (SPEC §4) ---- */

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

/* The sealed tokens of the profile's account on platform. */
enum store_rc store_linked_secret(struct store *st, struct arena *a, int64_t profile_id,
                                  const char *platform, struct linked_secret *out);

struct link_session {
    char id[65]; /* hex SHA-256 of the session's secret */
    int64_t account_id;
    int64_t profile_id;
    unsigned allowed_mask;
    const char *redirect;
    const char *via;
    int64_t created_ms;
    int64_t expires_ms;
    int64_t revoked_ms;
    int64_t opened_ms;      /* 0: never opened */
    const char *public_key; /* PEM an RS256 token verifies with; NULL: the account's */
};

/* Records a linking session. */
enum store_rc store_link_session_add(struct store *st, const struct link_session *s);
/* The session with this id (revoked and expired ones too). */
enum store_rc store_link_session_get(struct store *st, struct arena *a, const char *id,
                                     struct link_session *out);
/* The first opening of a session: marks it opened and makes it live at
 * least until min_expires_ms. A session already opened is left as it is. */
enum store_rc store_link_session_open(struct store *st, const char *id, int64_t now_ms,
                                      int64_t min_expires_ms);
/* Drops sessions, states, pending choices and Telegram codes that ended
 * before cutoff_ms. */
enum store_rc store_link_gc(struct store *st, int64_t cutoff_ms);
/* Revokes the profile's live sessions other than keep_id (logout). */
enum store_rc store_link_session_revoke_others(struct store *st, int64_t profile_id,
                                               const char *keep_id, int64_t now_ms);
/* Records an OAuth state (nonce) with its sealed PKCE verifier. */
enum store_rc store_oauth_state_add(struct store *st, const char *nonce, const char *session_id,
                                    const char *platform, const void *verifier, size_t n,
                                    int64_t now_ms);
/*
 * Consumes a state: marks it used if it was unused, for this platform, and
 * younger than max_age_ms. STORE_NOTFOUND otherwise (unknown, replayed,
 * another network, too old). On success returns its session and verifier.
 */
enum store_rc store_oauth_state_take(struct store *st, struct arena *a, const char *nonce,
                                     const char *platform, int64_t now_ms, int64_t max_age_ms,
                                     const char **session_id, const void **verifier,
                                     size_t *verifier_len);
/* Stores identities waiting for the user's choice (payload sealed). */
enum store_rc store_link_pending_add(struct store *st, const char *id, const char *session_id,
                                     const char *platform, const void *payload, size_t n,
                                     int64_t now_ms);
/* Reads a pending choice of session_id (unused, younger than max_age_ms). */
enum store_rc store_link_pending_get(struct store *st, struct arena *a, const char *id,
                                     const char *session_id, int64_t now_ms, int64_t max_age_ms,
                                     const char **platform, const void **payload, size_t *n);
/* Marks a pending choice used; STORE_NOTFOUND when it already was. */
enum store_rc store_link_pending_take(struct store *st, const char *id, int64_t now_ms);

/*
 * A Telegram linking code (api/link_telegram.c): bound to a linking session
 * and a chat; the link completes once the operator's bot saw it posted by
 * someone in control of the chat. Strings live in the caller's arena.
 */
struct telegram_code {
    int64_t id;
    const char *lookup;     /* hex HMAC of the code under the signing key */
    const char *nonce;      /* the code is derived from it with the signing key */
    const char *session_id; /* link_sessions.id */
    const char *chat_id;    /* the numeric chat id it is bound to */
    const char *chat_title;
    const char *bot_username;
    int64_t created_ms;
    int64_t expires_ms;
    int64_t seen_ms;     /* 0: not seen from someone in control of the chat yet */
    const char *seen_by; /* how it was seen (for the log) */
    const char
        *refused; /* why the last sighting did not count ("notadmin", "elsewhere"), or NULL */
    int64_t used_ms;
};

/* Records a new code; the session's unused codes are dropped first (one
 * live code per session). */
enum store_rc store_telegram_code_add(struct store *st, const struct telegram_code *c);
/* The session's newest unused code, also when expired (the page says so). */
enum store_rc store_telegram_code_of_session(struct store *st, struct arena *a,
                                             const char *session_id, struct telegram_code *out);
/* The unused, unexpired code with this lookup. */
enum store_rc store_telegram_code_by_lookup(struct store *st, struct arena *a, const char *lookup,
                                            int64_t now_ms, struct telegram_code *out);
/* Records that the bot saw code id from someone in control of its chat
 * (the first sighting stays); by says how. */
enum store_rc store_telegram_code_seen(struct store *st, int64_t id, int64_t now_ms,
                                       const char *by);
/* Records why a sighting of code id did not count, unless it was seen. */
enum store_rc store_telegram_code_refused(struct store *st, int64_t id, const char *why);
/* Uses code id up: STORE_NOTFOUND when it was used, has expired, or was
 * not seen. Single use, like every linking step. */
enum store_rc store_telegram_code_take(struct store *st, int64_t id, int64_t now_ms);

/*
 * Tokens waiting to be revoked at a network after an unlink. Unlinking
 * (store_linked_delete, store_profile_delete) moves the sealed tokens here
 * and queues a 'revoke' job per row in the same transaction.
 */
struct revocation {
    int64_t id;
    int64_t profile_id;
    int64_t account_id;
    const char *platform;
    const void *access; /* sealed, AAD "linked:<profile id>:<platform>:access" */
    size_t access_len;
    const void *refresh;
    size_t refresh_len;
    const char *extra;
};
enum store_rc store_revocation_get(struct store *st, struct arena *a, int64_t id,
                                   struct revocation *out);
enum store_rc store_revocation_delete(struct store *st, int64_t id);

/* An account's own OAuth app for platform: client id and sealed secret. */
enum store_rc store_oauth_app_set(struct store *st, int64_t account_id, const char *platform,
                                  const char *client_id, const void *sealed, size_t n,
                                  uint32_t key_id);
enum store_rc store_oauth_app_get(struct store *st, struct arena *a, int64_t account_id,
                                  const char *platform, const char **client_id, const void **sealed,
                                  size_t *n);
/* The account's RS256 public key (PEM) for generateJWT; NULL clears it. */
enum store_rc store_account_set_public_key(struct store *st, int64_t account_id, const char *pem);
enum store_rc store_account_public_key(struct store *st, struct arena *a, int64_t account_id,
                                       const char **pem);

/* ---- usage ---- */

/* Adds the deltas to the monthly counters in one transaction and reports
 * each counter's new stored total (which includes other processes' calls). */
enum store_rc store_usage_add(struct store *st, struct usage_delta *d, size_t n);
/* The stored calls of profile_id in month (0 when none). */
enum store_rc store_usage_get(struct store *st, int64_t profile_id, const char *month,
                              int64_t *calls);

#endif
