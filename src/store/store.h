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

/* Removes the profile's account on platform. STORE_NOTFOUND when none. */
enum store_rc store_linked_delete(struct store *st, int64_t profile_id, const char *platform);
/* The health of each of the profile's linked accounts, by platform. */
enum store_rc store_linked_health(struct store *st, struct arena *a, int64_t profile_id,
                                  struct linked_health **out, size_t *n);

/* ---- secrets ---- */

/* The 32-byte server secret called name, created at random on first use
 * and the same for every process on the database. */
enum store_rc store_secret(struct store *st, const char *name, unsigned char out[32]);

/* ---- usage ---- */

/* Adds the deltas to the monthly counters in one transaction and reports
 * each counter's new stored total (which includes other processes' calls). */
enum store_rc store_usage_add(struct store *st, struct usage_delta *d, size_t n);
/* The stored calls of profile_id in month (0 when none). */
enum store_rc store_usage_get(struct store *st, int64_t profile_id, const char *month,
                              int64_t *calls);

#endif
