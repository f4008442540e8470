/*
 * store/linking: the linking page's single-use state (SPEC §6): linking
 * sessions (table link_sessions), OAuth states (oauth_states), identities
 * waiting for the user's choice (link_pending) and Telegram codes
 * (telegram_codes). The accounts they link are store/linked.h. See store.h
 * for the conventions every store function follows.
 */
#ifndef SOCIALD_STORE_LINKING_H
#define SOCIALD_STORE_LINKING_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

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
/* Revokes the profile's live sessions other than keep_id (logout). */
enum store_rc store_link_session_revoke_others(struct store *st, int64_t profile_id,
                                               const char *keep_id, int64_t now_ms);
/* Drops sessions, states, pending choices and Telegram codes that ended
 * before cutoff_ms. */
enum store_rc store_link_gc(struct store *st, int64_t cutoff_ms);

/* ---- OAuth states and pending choices ---- */

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

/* ---- Telegram codes ---- */

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

#endif
