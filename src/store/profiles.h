/*
 * store/profiles: user profiles (table profiles): lookups by key, title,
 * refId and bio handle, settings, changes, the tombstone of a delete, and
 * keyset-paged listings. See store.h for the conventions every store
 * function follows.
 */
#ifndef SOCIALD_STORE_PROFILES_H
#define SOCIALD_STORE_PROFILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

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
/* The profile's details were read from the networks at now_ms. */
enum store_rc store_profile_details_done(struct store *st, int64_t profile_id, int64_t now_ms);

#endif
