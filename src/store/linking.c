/*
 * linking: linking sessions, OAuth states, pending choices and Telegram
 * codes (see store/linking.h).
 */
#include "store/linking.h"
#include "store/internal.h"

#include <stdio.h>
#include <string.h>

#define D (st->drv)

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
    struct db_stmt *s = store_stmt(
        st, Q_LINK_SESSION_OPEN,
        "UPDATE link_sessions SET opened_ms = ?1, "
        "expires_ms = CASE WHEN expires_ms > ?2 THEN expires_ms ELSE ?2 END WHERE id = ?3 AND "
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
