/*
 * linking: linked accounts' tokens, linking sessions, OAuth states, pending
 * choices, Telegram codes, per-account OAuth apps and public keys (see
 * store.h).
 */
#include "store/internal.h"

#include <stdio.h>
#include <string.h>

#define D (st->drv)

enum store_rc store_linked_link(struct store *st, const struct linked_account *la,
                                const struct linked_secret *sec, int64_t *id)
{
    struct db_stmt *s = store_stmt(
        st, Q_LINKED_LINK,
        "INSERT INTO linked_accounts (profile_id, platform, network_id, display_name, username, "
        "profile_url, user_image, page_name, type, description, maps_url, place_id, review_url, "
        "linked_ms, access_token, refresh_token, token_key_id, access_expires_ms, "
        "refresh_expires_ms, scopes, extra, status, last_error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', NULL) "
        "ON CONFLICT (profile_id, platform) DO UPDATE SET network_id = excluded.network_id, "
        "display_name = excluded.display_name, username = excluded.username, "
        "profile_url = excluded.profile_url, user_image = excluded.user_image, "
        "page_name = excluded.page_name, type = excluded.type, "
        "description = excluded.description, maps_url = excluded.maps_url, "
        "place_id = excluded.place_id, review_url = excluded.review_url, "
        "linked_ms = excluded.linked_ms, access_token = excluded.access_token, "
        "refresh_token = excluded.refresh_token, token_key_id = excluded.token_key_id, "
        "access_expires_ms = excluded.access_expires_ms, "
        "refresh_expires_ms = excluded.refresh_expires_ms, scopes = excluded.scopes, "
        "extra = excluded.extra, status = 'ok', last_error = NULL, last_refresh_ms = NULL, "
        "refresh_failures = 0, token_version = token_version + 1 RETURNING id");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, la->profile_id);
    D->bind_text(s, 2, la->platform);
    D->bind_text(s, 3, la->network_id);
    D->bind_text(s, 4, la->display_name);
    D->bind_text(s, 5, la->username);
    D->bind_text(s, 6, la->profile_url);
    D->bind_text(s, 7, la->user_image);
    D->bind_text(s, 8, la->page_name);
    D->bind_text(s, 9, la->type);
    D->bind_text(s, 10, la->description);
    D->bind_text(s, 11, la->maps_url);
    D->bind_text(s, 12, la->place_id);
    D->bind_text(s, 13, la->review_url);
    D->bind_i64(s, 14, la->linked_ms);
    store_bind_opt_blob(st, s, 15, sec->access, sec->access_len);
    store_bind_opt_blob(st, s, 16, sec->refresh, sec->refresh_len);
    store_bind_opt_i64(st, s, 17, sec->key_id);
    store_bind_opt_i64(st, s, 18, sec->access_expires_ms);
    store_bind_opt_i64(st, s, 19, sec->refresh_expires_ms);
    D->bind_text(s, 20, sec->scopes);
    D->bind_text(s, 21, sec->extra);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW)
        *id = D->col_i64(s, 0);
    D->reset(s);
    if (dr != DB_ROW)
        return store_rc_of(dr);
    store_touch(st, STORE_KIND_PROFILE, la->profile_id);
    return STORE_OK;
}

enum store_rc store_linked_secret(struct store *st, struct arena *a, int64_t profile_id,
                                  const char *platform, struct linked_secret *out)
{
    memset(out, 0, sizeof(*out));
    struct db_stmt *s = store_stmt(
        st, Q_LINKED_SECRET,
        "SELECT access_token, refresh_token, token_key_id, access_expires_ms, refresh_expires_ms, "
        "scopes, extra, status, linked_ms FROM linked_accounts WHERE profile_id = ? AND "
        "platform = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    D->bind_text(s, 2, platform);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW) {
        out->access = store_col_blob(st, s, 0, a, &out->access_len);
        out->refresh = store_col_blob(st, s, 1, a, &out->refresh_len);
        out->key_id = (uint32_t)store_col_opt_i64(st, s, 2);
        out->access_expires_ms = store_col_opt_i64(st, s, 3);
        out->refresh_expires_ms = store_col_opt_i64(st, s, 4);
        out->scopes = store_col_str(st, s, 5, a);
        out->extra = store_col_str(st, s, 6, a);
        out->status = store_col_str(st, s, 7, a);
        out->linked_ms = D->col_i64(s, 8);
    }
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
}

enum store_rc store_link_session_add(struct store *st, const struct link_session *ls)
{
    struct db_stmt *s = store_stmt(st, Q_LINK_SESSION_ADD,
                                   "INSERT INTO link_sessions (id, account_id, profile_id, "
                                   "allowed_mask, redirect, via, created_ms, expires_ms, "
                                   "public_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, ls->id);
    D->bind_i64(s, 2, ls->account_id);
    D->bind_i64(s, 3, ls->profile_id);
    D->bind_i64(s, 4, ls->allowed_mask);
    D->bind_text(s, 5, ls->redirect);
    D->bind_text(s, 6, ls->via);
    D->bind_i64(s, 7, ls->created_ms);
    D->bind_i64(s, 8, ls->expires_ms);
    D->bind_text(s, 9, ls->public_key);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_link_session_get(struct store *st, struct arena *a, const char *id,
                                     struct link_session *out)
{
    memset(out, 0, sizeof(*out));
    struct db_stmt *s =
        store_stmt(st, Q_LINK_SESSION_GET,
                   "SELECT id, account_id, profile_id, allowed_mask, redirect, via, "
                   "created_ms, expires_ms, revoked_ms, opened_ms, public_key "
                   "FROM link_sessions WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, id);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW) {
        const char *sid = D->col_text(s, 0);
        snprintf(out->id, sizeof(out->id), "%s", sid ? sid : "");
        out->account_id = D->col_i64(s, 1);
        out->profile_id = D->col_i64(s, 2);
        out->allowed_mask = (unsigned)D->col_i64(s, 3);
        out->redirect = store_col_str(st, s, 4, a);
        out->via = store_col_str(st, s, 5, a);
        out->created_ms = D->col_i64(s, 6);
        out->expires_ms = D->col_i64(s, 7);
        out->revoked_ms = store_col_opt_i64(st, s, 8);
        out->opened_ms = store_col_opt_i64(st, s, 9);
        out->public_key = store_col_str(st, s, 10, a);
    }
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
}

enum store_rc store_link_session_open(struct store *st, const char *id, int64_t now_ms,
                                      int64_t min_expires_ms)
{
    /* Only the first opening: the end it sets is never moved again, so a
     * leaked URL reopened now and then does not live for ever. One
     * statement, so two first openings at once cannot both move it. */
    struct db_stmt *s = store_stmt(st, Q_LINK_SESSION_OPEN,
                                   "UPDATE link_sessions SET opened_ms = ?1, "
                                   "expires_ms = MAX(expires_ms, ?2) WHERE id = ?3 AND "
                                   "opened_ms IS NULL");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, now_ms);
    D->bind_i64(s, 2, min_expires_ms);
    D->bind_text(s, 3, id);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_link_gc(struct store *st, int64_t cutoff_ms)
{
    static const struct {
        enum stmt_id q;
        const char *sql;
    } gc[] = {
        {Q_LINK_GC_STATES, "DELETE FROM oauth_states WHERE created_ms < ?"},
        {Q_LINK_GC_PENDING, "DELETE FROM link_pending WHERE created_ms < ?"},
        {Q_LINK_GC_SESSIONS, "DELETE FROM link_sessions WHERE expires_ms < ?"},
        {Q_LINK_GC_TELEGRAM, "DELETE FROM telegram_codes WHERE expires_ms < ?"},
    };
    for (size_t i = 0; i < sizeof(gc) / sizeof(gc[0]); i++) {
        struct db_stmt *s = store_stmt(st, gc[i].q, gc[i].sql);
        if (!s)
            return STORE_ERROR;
        D->bind_i64(s, 1, cutoff_ms);
        if (store_run(st, s) != DB_DONE)
            return STORE_ERROR;
    }
    return STORE_OK;
}

enum store_rc store_revocations_queue(struct store *st, int64_t profile_id, const char *platform,
                                      int64_t now_ms)
{
    struct db_stmt *s = store_stmt(
        st, Q_REVOKE_QUEUE,
        "INSERT INTO revocations (profile_id, platform, access_token, refresh_token, "
        "token_key_id, extra, created_ms) SELECT profile_id, platform, access_token, "
        "refresh_token, token_key_id, extra, ?1 FROM linked_accounts WHERE profile_id = ?2 AND "
        "(?3 IS NULL OR platform = ?3) AND (access_token IS NOT NULL OR refresh_token IS NOT "
        "NULL) RETURNING id");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, now_ms);
    D->bind_i64(s, 2, profile_id);
    if (platform)
        D->bind_text(s, 3, platform);
    else
        D->bind_null(s, 3);
    int64_t ids[16];
    size_t n = 0;
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW)
        if (n < 16)
            ids[n++] = D->col_i64(s, 0);
    D->reset(s);
    if (dr != DB_DONE)
        return STORE_ERROR;
    for (size_t i = 0; i < n; i++) {
        s = store_stmt(st, Q_REVOKE_JOB,
                       "INSERT INTO jobs (kind, ref, run_at_ms, created_ms, lane) "
                       "VALUES ('revoke', ?, ?, ?, 1)");
        if (!s)
            return STORE_ERROR;
        D->bind_i64(s, 1, ids[i]);
        D->bind_i64(s, 2, now_ms);
        D->bind_i64(s, 3, now_ms);
        if (store_run(st, s) != DB_DONE)
            return STORE_ERROR;
    }
    return STORE_OK;
}

enum store_rc store_revocation_get(struct store *st, struct arena *a, int64_t id,
                                   struct revocation *out)
{
    memset(out, 0, sizeof(*out));
    struct db_stmt *s = store_stmt(
        st, Q_REVOKE_GET,
        "SELECT r.id, r.profile_id, p.account_id, r.platform, r.access_token, r.refresh_token, "
        "r.extra FROM revocations r JOIN profiles p ON p.id = r.profile_id WHERE r.id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, id);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW) {
        out->id = D->col_i64(s, 0);
        out->profile_id = D->col_i64(s, 1);
        out->account_id = D->col_i64(s, 2);
        out->platform = store_col_str(st, s, 3, a);
        out->access = store_col_blob(st, s, 4, a, &out->access_len);
        out->refresh = store_col_blob(st, s, 5, a, &out->refresh_len);
        out->extra = store_col_str(st, s, 6, a);
    }
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
}

enum store_rc store_revocation_delete(struct store *st, int64_t id)
{
    struct db_stmt *s = store_stmt(st, Q_REVOKE_DELETE, "DELETE FROM revocations WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, id);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_link_session_revoke_others(struct store *st, int64_t profile_id,
                                               const char *keep_id, int64_t now_ms)
{
    struct db_stmt *s = store_stmt(st, Q_LINK_SESSION_REVOKE,
                                   "UPDATE link_sessions SET revoked_ms = ? WHERE profile_id = ? "
                                   "AND id <> ? AND revoked_ms IS NULL AND expires_ms > ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, now_ms);
    D->bind_i64(s, 2, profile_id);
    D->bind_text(s, 3, keep_id);
    D->bind_i64(s, 4, now_ms);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_oauth_state_add(struct store *st, const char *nonce, const char *session_id,
                                    const char *platform, const void *verifier, size_t n,
                                    int64_t now_ms)
{
    struct db_stmt *s = store_stmt(st, Q_OAUTH_STATE_ADD,
                                   "INSERT INTO oauth_states (nonce, session_id, platform, "
                                   "verifier, created_ms) VALUES (?, ?, ?, ?, ?)");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, nonce);
    D->bind_text(s, 2, session_id);
    D->bind_text(s, 3, platform);
    store_bind_opt_blob(st, s, 4, verifier, n);
    D->bind_i64(s, 5, now_ms);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_oauth_state_take(struct store *st, struct arena *a, const char *nonce,
                                     const char *platform, int64_t now_ms, int64_t max_age_ms,
                                     const char **session_id, const void **verifier,
                                     size_t *verifier_len)
{
    /* One statement: marking it used and reading it cannot race another
     * callback with the same state. */
    struct db_stmt *s = store_stmt(st, Q_OAUTH_STATE_TAKE,
                                   "UPDATE oauth_states SET used_ms = ?1 WHERE nonce = ?2 AND "
                                   "platform = ?3 AND used_ms IS NULL AND created_ms > ?1 - ?4 "
                                   "RETURNING session_id, verifier");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, now_ms);
    D->bind_text(s, 2, nonce);
    D->bind_text(s, 3, platform);
    D->bind_i64(s, 4, max_age_ms);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW) {
        *session_id = store_col_str(st, s, 0, a);
        *verifier = store_col_blob(st, s, 1, a, verifier_len);
    }
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
}

enum store_rc store_link_pending_add(struct store *st, const char *id, const char *session_id,
                                     const char *platform, const void *payload, size_t n,
                                     int64_t now_ms)
{
    struct db_stmt *s = store_stmt(st, Q_LINK_PENDING_ADD,
                                   "INSERT INTO link_pending (id, session_id, platform, payload, "
                                   "created_ms) VALUES (?, ?, ?, ?, ?)");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, id);
    D->bind_text(s, 2, session_id);
    D->bind_text(s, 3, platform);
    D->bind_blob(s, 4, payload, n);
    D->bind_i64(s, 5, now_ms);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_link_pending_get(struct store *st, struct arena *a, const char *id,
                                     const char *session_id, int64_t now_ms, int64_t max_age_ms,
                                     const char **platform, const void **payload, size_t *n)
{
    struct db_stmt *s = store_stmt(st, Q_LINK_PENDING_GET,
                                   "SELECT platform, payload FROM link_pending WHERE id = ? AND "
                                   "session_id = ? AND used_ms IS NULL AND created_ms > ?");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, id);
    D->bind_text(s, 2, session_id);
    D->bind_i64(s, 3, now_ms - max_age_ms);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW) {
        *platform = store_col_str(st, s, 0, a);
        *payload = store_col_blob(st, s, 1, a, n);
    }
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
}

enum store_rc store_link_pending_take(struct store *st, const char *id, int64_t now_ms)
{
    struct db_stmt *s = store_stmt(st, Q_LINK_PENDING_TAKE,
                                   "UPDATE link_pending SET used_ms = ? WHERE id = ? AND "
                                   "used_ms IS NULL");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, now_ms);
    D->bind_text(s, 2, id);
    if (store_run(st, s) != DB_DONE)
        return STORE_ERROR;
    return D->changes(store_db(st)) ? STORE_OK : STORE_NOTFOUND;
}

enum store_rc store_oauth_app_set(struct store *st, int64_t account_id, const char *platform,
                                  const char *client_id, const void *sealed, size_t n,
                                  uint32_t key_id)
{
    struct db_stmt *s = store_stmt(
        st, Q_OAUTH_APP_SET,
        "INSERT INTO account_oauth_apps (account_id, platform, client_id, client_secret, key_id) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, platform) DO UPDATE SET "
        "client_id = excluded.client_id, client_secret = excluded.client_secret, "
        "key_id = excluded.key_id");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, account_id);
    D->bind_text(s, 2, platform);
    D->bind_text(s, 3, client_id);
    D->bind_blob(s, 4, sealed, n);
    D->bind_i64(s, 5, key_id);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_oauth_app_get(struct store *st, struct arena *a, int64_t account_id,
                                  const char *platform, const char **client_id, const void **sealed,
                                  size_t *n)
{
    struct db_stmt *s = store_stmt(st, Q_OAUTH_APP_GET,
                                   "SELECT client_id, client_secret FROM account_oauth_apps "
                                   "WHERE account_id = ? AND platform = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, account_id);
    D->bind_text(s, 2, platform);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW) {
        *client_id = store_col_str(st, s, 0, a);
        *sealed = store_col_blob(st, s, 1, a, n);
    }
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
}

enum store_rc store_account_set_public_key(struct store *st, int64_t account_id, const char *pem)
{
    struct db_stmt *s =
        store_stmt(st, Q_PUBLIC_KEY_SET, "UPDATE accounts SET public_key = ? WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, pem);
    D->bind_i64(s, 2, account_id);
    if (store_run(st, s) != DB_DONE)
        return STORE_ERROR;
    return D->changes(store_db(st)) ? STORE_OK : STORE_NOTFOUND;
}

enum store_rc store_account_public_key(struct store *st, struct arena *a, int64_t account_id,
                                       const char **pem)
{
    struct db_stmt *s =
        store_stmt(st, Q_PUBLIC_KEY_GET, "SELECT public_key FROM accounts WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, account_id);
    enum db_rc dr = D->step(s);
    *pem = dr == DB_ROW ? store_col_str(st, s, 0, a) : NULL;
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
}

enum store_rc store_linked_tokens_all(struct store *st, struct arena *a, struct sealed_tokens **out,
                                      size_t *n)
{
    struct db_stmt *s = store_stmt(st, Q_LINKED_TOKENS_ALL,
                                   "SELECT id, profile_id, platform, access_token, refresh_token "
                                   "FROM linked_accounts WHERE access_token IS NOT NULL "
                                   "OR refresh_token IS NOT NULL ORDER BY id");
    if (!s)
        return STORE_ERROR;
    size_t cap = 64, cnt = 0;
    struct sealed_tokens *arr = arena_alloc(a, cap * sizeof(*arr));
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW) {
        arr = arena_grow(a, arr, &cap, cnt, sizeof(*arr));
        struct sealed_tokens *t = &arr[cnt++];
        t->id = D->col_i64(s, 0);
        t->aad_key = arena_printf(a, "%lld:%s", (long long)D->col_i64(s, 1), D->col_text(s, 2));
        t->access = store_col_blob(st, s, 3, a, &t->access_len);
        t->refresh = store_col_blob(st, s, 4, a, &t->refresh_len);
    }
    D->reset(s);
    if (dr != DB_DONE)
        return STORE_ERROR;
    *out = arr;
    *n = cnt;
    return STORE_OK;
}

enum store_rc store_linked_reseal(struct store *st, int64_t id, const void *access,
                                  size_t access_len, const void *refresh, size_t refresh_len,
                                  uint32_t key_id)
{
    struct db_stmt *s =
        store_stmt(st, Q_LINKED_RESEAL,
                   "UPDATE linked_accounts SET access_token = ?, refresh_token = ?, "
                   "token_key_id = ? WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    store_bind_opt_blob(st, s, 1, access, access_len);
    store_bind_opt_blob(st, s, 2, refresh, refresh_len);
    D->bind_i64(s, 3, key_id);
    D->bind_i64(s, 4, id);
    return store_rc_of(store_run(st, s));
}

/* ---- Telegram codes ---- */

#define TG_CODE_COLS                                                                 \
    "id, lookup, nonce, session_id, chat_id, chat_title, bot_username, created_ms, " \
    "expires_ms, seen_ms, seen_by, refused, used_ms"

static void read_tg_code(struct store *st, struct db_stmt *s, struct arena *a,
                         struct telegram_code *c)
{
    c->id = D->col_i64(s, 0);
    c->lookup = store_col_str(st, s, 1, a);
    c->nonce = store_col_str(st, s, 2, a);
    c->session_id = store_col_str(st, s, 3, a);
    c->chat_id = store_col_str(st, s, 4, a);
    c->chat_title = store_col_str(st, s, 5, a);
    c->bot_username = store_col_str(st, s, 6, a);
    c->created_ms = D->col_i64(s, 7);
    c->expires_ms = D->col_i64(s, 8);
    c->seen_ms = store_col_opt_i64(st, s, 9);
    c->seen_by = store_col_str(st, s, 10, a);
    c->refused = store_col_str(st, s, 11, a);
    c->used_ms = store_col_opt_i64(st, s, 12);
}

enum store_rc store_telegram_code_add(struct store *st, const struct telegram_code *c)
{
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    struct db_stmt *s = store_stmt(
        st, Q_TG_CODE_DROP, "DELETE FROM telegram_codes WHERE session_id = ? AND used_ms IS NULL");
    rc = s ? STORE_OK : STORE_ERROR;
    if (rc == STORE_OK) {
        D->bind_text(s, 1, c->session_id);
        rc = store_rc_of(store_run(st, s));
    }
    if (rc == STORE_OK) {
        s = store_stmt(st, Q_TG_CODE_ADD,
                       "INSERT INTO telegram_codes (lookup, nonce, session_id, chat_id, "
                       "chat_title, bot_username, created_ms, expires_ms) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        rc = s ? STORE_OK : STORE_ERROR;
    }
    if (rc == STORE_OK) {
        D->bind_text(s, 1, c->lookup);
        D->bind_text(s, 2, c->nonce);
        D->bind_text(s, 3, c->session_id);
        D->bind_text(s, 4, c->chat_id);
        D->bind_text(s, 5, c->chat_title);
        D->bind_text(s, 6, c->bot_username);
        D->bind_i64(s, 7, c->created_ms);
        D->bind_i64(s, 8, c->expires_ms);
        rc = store_rc_of(store_run(st, s));
    }
    if (rc != STORE_OK) {
        store_rollback(st);
        return rc;
    }
    return store_commit(st);
}

enum store_rc store_telegram_code_of_session(struct store *st, struct arena *a,
                                             const char *session_id, struct telegram_code *out)
{
    memset(out, 0, sizeof(*out));
    struct db_stmt *s = store_stmt(st, Q_TG_CODE_OF_SESSION,
                                   "SELECT " TG_CODE_COLS " FROM telegram_codes WHERE "
                                   "session_id = ? AND used_ms IS NULL ORDER BY id DESC LIMIT 1");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, session_id);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW)
        read_tg_code(st, s, a, out);
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
}

enum store_rc store_telegram_code_by_lookup(struct store *st, struct arena *a, const char *lookup,
                                            int64_t now_ms, struct telegram_code *out)
{
    memset(out, 0, sizeof(*out));
    struct db_stmt *s = store_stmt(st, Q_TG_CODE_BY_LOOKUP,
                                   "SELECT " TG_CODE_COLS " FROM telegram_codes WHERE "
                                   "lookup = ? AND used_ms IS NULL AND expires_ms > ?");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, lookup);
    D->bind_i64(s, 2, now_ms);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW)
        read_tg_code(st, s, a, out);
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
}

enum store_rc store_telegram_code_seen(struct store *st, int64_t id, int64_t now_ms, const char *by)
{
    struct db_stmt *s = store_stmt(st, Q_TG_CODE_SEEN,
                                   "UPDATE telegram_codes SET seen_ms = ?, seen_by = ?, "
                                   "refused = NULL WHERE id = ? AND seen_ms IS NULL");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, now_ms);
    D->bind_text(s, 2, by);
    D->bind_i64(s, 3, id);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_telegram_code_refused(struct store *st, int64_t id, const char *why)
{
    struct db_stmt *s =
        store_stmt(st, Q_TG_CODE_REFUSED,
                   "UPDATE telegram_codes SET refused = ? WHERE id = ? AND seen_ms IS NULL");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, why);
    D->bind_i64(s, 2, id);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_telegram_code_take(struct store *st, int64_t id, int64_t now_ms)
{
    struct db_stmt *s = store_stmt(st, Q_TG_CODE_TAKE,
                                   "UPDATE telegram_codes SET used_ms = ?1 WHERE id = ?2 AND "
                                   "used_ms IS NULL AND seen_ms IS NOT NULL AND expires_ms > ?1");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, now_ms);
    D->bind_i64(s, 2, id);
    if (store_run(st, s) != DB_DONE)
        return STORE_ERROR;
    return D->changes(store_db(st)) ? STORE_OK : STORE_NOTFOUND;
}
