/*
 * linked: linked accounts — their display fields, sealed tokens, health,
 * and what the upkeep jobs read and write (see store/linked.h).
 *
 * Token writes are guarded by token_version: a job reads it with the
 * tokens and writes only if it is unchanged, so a refresh that raced a
 * re-link (or another refresh) never stores tokens of a grant that is no
 * longer the account's.
 */
#include "store/linked.h"
#include "store/internal.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

#define D (st->drv)

/* The columns and values of a new link (bind_link binds the 21 '?'). */
#define LINK_COLS                                                                                 \
    "(profile_id, platform, network_id, display_name, username, profile_url, user_image, "        \
    "page_name, type, description, maps_url, place_id, review_url, linked_ms, access_token, "     \
    "refresh_token, token_key_id, access_expires_ms, refresh_expires_ms, scopes, extra, status, " \
    "last_error) VALUES " LINK_VALUES
#define LINK_VALUES "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', NULL)"

void store_read_linked(struct store *st, struct db_stmt *s, int c, struct arena *a,
                       struct linked_account *la)
{
    la->id = D->col_i64(s, c + 0);
    la->profile_id = D->col_i64(s, c + 1);
    la->platform = store_col_str(st, s, c + 2, a);
    la->disp.network_id = store_col_str(st, s, c + 3, a);
    la->disp.display_name = store_col_str(st, s, c + 4, a);
    la->disp.username = store_col_str(st, s, c + 5, a);
    la->disp.profile_url = store_col_str(st, s, c + 6, a);
    la->disp.user_image = store_col_str(st, s, c + 7, a);
    la->disp.page_name = store_col_str(st, s, c + 8, a);
    la->disp.type = store_col_str(st, s, c + 9, a);
    la->disp.description = store_col_str(st, s, c + 10, a);
    la->disp.maps_url = store_col_str(st, s, c + 11, a);
    la->disp.place_id = store_col_str(st, s, c + 12, a);
    la->disp.review_url = store_col_str(st, s, c + 13, a);
    la->linked_ms = D->col_i64(s, c + 14);
    la->status = store_col_str(st, s, c + 15, a);
}

enum store_rc store_linked_list(struct store *st, struct arena *a, int64_t profile_id,
                                struct linked_account **out, size_t *n)
{
    struct db_stmt *s =
        store_stmt(st, Q_LINKED_LIST,
                   "SELECT " STORE_LINKED_COLS " FROM linked_accounts l WHERE l.profile_id = ? "
                   "ORDER BY l.platform");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    size_t cap = 10, cnt = 0;
    struct linked_account *arr = arena_alloc(a, cap * sizeof(*arr));
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW) {
        arr = arena_grow(a, arr, &cap, cnt, sizeof(*arr));
        store_read_linked(st, s, 0, a, &arr[cnt++]);
    }
    D->reset(s);
    if (dr != DB_DONE)
        return STORE_ERROR;
    *out = arr;
    *n = cnt;
    return STORE_OK;
}

/* Binds the 21 values of a linked account row, in the column order of
 * LINK_COLS, to the parameters o + 1 to o + 21. */
static void bind_link(struct store *st, struct db_stmt *s, int o, const struct linked_account *la,
                      const struct linked_secret *sec)
{
    D->bind_i64(s, o + 1, la->profile_id);
    D->bind_text(s, o + 2, la->platform);
    D->bind_text(s, o + 3, la->disp.network_id);
    D->bind_text(s, o + 4, la->disp.display_name);
    D->bind_text(s, o + 5, la->disp.username);
    D->bind_text(s, o + 6, la->disp.profile_url);
    D->bind_text(s, o + 7, la->disp.user_image);
    D->bind_text(s, o + 8, la->disp.page_name);
    D->bind_text(s, o + 9, la->disp.type);
    D->bind_text(s, o + 10, la->disp.description);
    D->bind_text(s, o + 11, la->disp.maps_url);
    D->bind_text(s, o + 12, la->disp.place_id);
    D->bind_text(s, o + 13, la->disp.review_url);
    D->bind_i64(s, o + 14, la->linked_ms);
    store_bind_opt_blob(st, s, o + 15, sec->access, sec->access_len);
    store_bind_opt_blob(st, s, o + 16, sec->refresh, sec->refresh_len);
    store_bind_opt_i64(st, s, o + 17, sec->key_id);
    store_bind_opt_i64(st, s, o + 18, sec->access_expires_ms);
    store_bind_opt_i64(st, s, o + 19, sec->refresh_expires_ms);
    D->bind_text(s, o + 20, sec->scopes);
    D->bind_text(s, o + 21, sec->extra);
}

enum store_rc store_linked_link(struct store *st, const struct linked_account *la,
                                const struct linked_secret *sec, int64_t *id)
{
    struct db_stmt *s = store_stmt(
        st, Q_LINKED_LINK,
        "INSERT INTO linked_accounts " LINK_COLS
        " ON CONFLICT (profile_id, platform) DO UPDATE SET network_id = excluded.network_id, "
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
        "refresh_failures = 0, token_version = linked_accounts.token_version + 1 RETURNING id");
    if (!s)
        return STORE_ERROR;
    bind_link(st, s, 0, la, sec);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW)
        *id = D->col_i64(s, 0);
    D->reset(s);
    if (dr != DB_ROW)
        return store_rc_of(dr);
    store_touch(st, STORE_KIND_PROFILE, la->profile_id);
    return STORE_OK;
}

enum store_rc store_linked_insert(struct store *st, const struct linked_account *la,
                                  const struct linked_secret *sec, size_t n)
{
    if (n == 0)
        return STORE_OK;
    if (n > STORE_LINKED_INSERT_MAX)
        return STORE_ERROR;
    /* The rows store_linked_link inserts, without the upsert and RETURNING
     * (for which SQLite opens a temporary table per statement), all in one
     * statement: one statement for n rows of a profile. */
    char sql[4096];
    size_t len = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO linked_accounts %s", LINK_COLS);
    for (size_t i = 1; i < n && len < sizeof(sql); i++)
        len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", %s", LINK_VALUES);
    if (len >= sizeof(sql))
        return STORE_ERROR;
    struct db_stmt *s = store_stmt(st, (enum stmt_id)(Q_LINKED_INSERT + n - 1), sql);
    if (!s)
        return STORE_ERROR;
    for (size_t i = 0; i < n; i++)
        bind_link(st, s, (int)(i * 21), &la[i], &sec[i]);
    enum db_rc dr = D->step(s);
    D->reset(s);
    if (dr != DB_DONE)
        return store_rc_of(dr);
    store_touch(st, STORE_KIND_PROFILE, la[0].profile_id);
    return STORE_OK;
}

enum store_rc store_bulk_linked(struct store *st, int64_t profile_id, int64_t n, unsigned mask)
{
    if (!store_in_bulk(st) || n == 0)
        return STORE_OK;
    /* What linked_accounts_ins (migration 0002) does for each row. */
    struct db_stmt *s = store_stmt(st, Q_BULK_LINKED,
                                   "UPDATE profiles SET version = version + ?, "
                                   "linked_mask = linked_mask | ? WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, n);
    D->bind_i64(s, 2, (int64_t)mask);
    D->bind_i64(s, 3, profile_id);
    return store_rc_of(store_run(st, s));
}

enum store_rc store_linked_delete(struct store *st, struct arena *a, int64_t profile_id,
                                  const char *platform, const char **removed_name)
{
    if (store_revocations_queue(st, profile_id, platform, time_now_ms()) != STORE_OK)
        return STORE_ERROR;
    struct db_stmt *s = store_stmt(st, Q_LINKED_DELETE,
                                   "DELETE FROM linked_accounts WHERE profile_id = ? AND "
                                   "platform = ? RETURNING display_name");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    D->bind_text(s, 2, platform);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW && removed_name)
        *removed_name = store_col_str(st, s, 0, a);
    D->reset(s);
    if (dr == DB_DONE)
        return STORE_NOTFOUND;
    if (dr != DB_ROW)
        return STORE_ERROR;
    store_touch(st, STORE_KIND_PROFILE, profile_id);
    return STORE_OK;
}

enum store_rc store_linked_health(struct store *st, struct arena *a, int64_t profile_id,
                                  struct linked_health **out, size_t *n)
{
    struct db_stmt *s = store_stmt(
        st, Q_LINKED_HEALTH,
        "SELECT platform, status, linked_ms, access_expires_ms, last_refresh_ms, last_error "
        "FROM linked_accounts WHERE profile_id = ? ORDER BY platform");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    size_t cap = 10, cnt = 0;
    struct linked_health *arr = arena_alloc(a, cap * sizeof(*arr));
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW) {
        arr = arena_grow(a, arr, &cap, cnt, sizeof(*arr));
        struct linked_health *h = &arr[cnt++];
        h->platform = store_col_str(st, s, 0, a);
        h->status = store_col_str(st, s, 1, a);
        h->linked_ms = D->col_i64(s, 2);
        h->access_expires_ms = D->col_null(s, 3) ? 0 : D->col_i64(s, 3);
        h->last_refresh_ms = D->col_null(s, 4) ? 0 : D->col_i64(s, 4);
        h->last_error = store_col_str(st, s, 5, a);
    }
    D->reset(s);
    if (dr != DB_DONE)
        return STORE_ERROR;
    *out = arr;
    *n = cnt;
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

#define STATE_COLS                                                                           \
    "l.id, l.profile_id, p.account_id, l.platform, l.network_id, l.display_name, l.status, " \
    "l.extra, l.access_token, l.refresh_token, l.access_expires_ms, l.refresh_expires_ms, "  \
    "l.linked_ms, l.last_refresh_ms, l.token_version, l.refresh_failures "                   \
    "FROM linked_accounts l JOIN profiles p ON p.id = l.profile_id "

static void read_state(struct store *st, struct db_stmt *s, struct arena *a, struct linked_state *o)
{
    memset(o, 0, sizeof(*o));
    o->id = D->col_i64(s, 0);
    o->profile_id = D->col_i64(s, 1);
    o->account_id = D->col_i64(s, 2);
    o->platform = store_col_str(st, s, 3, a);
    o->network_id = store_col_str(st, s, 4, a);
    o->display_name = store_col_str(st, s, 5, a);
    o->status = store_col_str(st, s, 6, a);
    o->extra = store_col_str(st, s, 7, a);
    o->access = store_col_blob(st, s, 8, a, &o->access_len);
    o->refresh = store_col_blob(st, s, 9, a, &o->refresh_len);
    o->access_expires_ms = store_col_opt_i64(st, s, 10);
    o->refresh_expires_ms = store_col_opt_i64(st, s, 11);
    o->linked_ms = D->col_i64(s, 12);
    o->last_refresh_ms = store_col_opt_i64(st, s, 13);
    o->token_version = D->col_i64(s, 14);
    o->failures = D->col_i64(s, 15);
}

enum store_rc store_linked_state(struct store *st, struct arena *a, int64_t id,
                                 struct linked_state *out)
{
    struct db_stmt *s = store_stmt(st, Q_LINKED_STATE, "SELECT " STATE_COLS "WHERE l.id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, id);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW)
        read_state(st, s, a, out);
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
}

enum store_rc store_linked_states(struct store *st, struct arena *a, int64_t profile_id,
                                  struct linked_state **out, size_t *n)
{
    struct db_stmt *s = store_stmt(
        st, Q_LINKED_STATES, "SELECT " STATE_COLS "WHERE l.profile_id = ? ORDER BY l.platform");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    /* At most one account per network: ten rows. */
    struct linked_state *arr = arena_alloc(a, 16 * sizeof(*arr));
    size_t cnt = 0;
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW)
        if (cnt < 16)
            read_state(st, s, a, &arr[cnt++]);
    D->reset(s);
    if (dr != DB_DONE)
        return STORE_ERROR;
    *out = arr;
    *n = cnt;
    return STORE_OK;
}

/* Runs a guarded token-row UPDATE ... RETURNING profile_id: STORE_CONFLICT
 * when the version guard matched no row; otherwise the owning profile's
 * stamp moves (its status, shown by GET /api/user, may have changed). */
static enum store_rc guarded_update(struct store *st, struct db_stmt *s)
{
    enum db_rc dr = D->step(s);
    int64_t profile_id = dr == DB_ROW ? D->col_i64(s, 0) : 0;
    D->reset(s);
    if (dr == DB_DONE)
        return STORE_CONFLICT;
    if (dr != DB_ROW)
        return store_rc_of(dr);
    store_touch(st, STORE_KIND_PROFILE, profile_id);
    return STORE_OK;
}

enum store_rc store_linked_refreshed(struct store *st, int64_t id, int64_t version,
                                     const struct linked_secret *sec, int64_t now_ms)
{
    struct db_stmt *s = store_stmt(
        st, Q_LINKED_REFRESHED,
        "UPDATE linked_accounts SET access_token = ?, refresh_token = ?, token_key_id = ?, "
        "access_expires_ms = ?, refresh_expires_ms = ?, scopes = COALESCE(?, scopes), "
        "last_refresh_ms = ?, status = 'ok', last_error = NULL, refresh_failures = 0, "
        "token_version = token_version + 1 WHERE id = ? AND token_version = ? "
        "RETURNING profile_id");
    if (!s)
        return STORE_ERROR;
    store_bind_opt_blob(st, s, 1, sec->access, sec->access_len);
    store_bind_opt_blob(st, s, 2, sec->refresh, sec->refresh_len);
    D->bind_i64(s, 3, sec->key_id);
    store_bind_opt_i64(st, s, 4, sec->access_expires_ms);
    store_bind_opt_i64(st, s, 5, sec->refresh_expires_ms);
    D->bind_text(s, 6, sec->scopes);
    D->bind_i64(s, 7, now_ms);
    D->bind_i64(s, 8, id);
    D->bind_i64(s, 9, version);
    return guarded_update(st, s);
}

enum store_rc store_linked_failed(struct store *st, int64_t id, int64_t version, const char *status,
                                  const char *error, int64_t failures)
{
    struct db_stmt *s = store_stmt(st, Q_LINKED_FAILED,
                                   "UPDATE linked_accounts SET status = ?, last_error = ?, "
                                   "refresh_failures = ? WHERE id = ? AND token_version = ? "
                                   "RETURNING profile_id");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, status);
    D->bind_text(s, 2, error);
    D->bind_i64(s, 3, failures);
    D->bind_i64(s, 4, id);
    D->bind_i64(s, 5, version);
    return guarded_update(st, s);
}

enum store_rc store_linked_details(struct store *st, const struct linked_account *la, bool *changed)
{
    /* "IS NOT" compares NULLs as values: the row (and the profile's
     * version, through its trigger) changes only when a field did. */
    struct db_stmt *s = store_stmt(
        st, Q_LINKED_DETAILS,
        "UPDATE linked_accounts SET display_name = ?2, username = ?3, profile_url = ?4, "
        "user_image = ?5, page_name = ?6, type = ?7, description = ?8, maps_url = ?9, "
        "place_id = ?10, review_url = ?11 WHERE id = ?1 AND (display_name IS DISTINCT FROM ?2 OR "
        "username IS DISTINCT FROM ?3 OR profile_url IS DISTINCT FROM ?4 OR user_image IS DISTINCT "
        "FROM ?5 OR "
        "page_name IS DISTINCT FROM ?6 OR type IS DISTINCT FROM ?7 OR description IS DISTINCT FROM "
        "?8 OR maps_url IS DISTINCT FROM ?9 OR "
        "place_id IS DISTINCT FROM ?10 OR review_url IS DISTINCT FROM ?11)");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, la->id);
    D->bind_text(s, 2, la->disp.display_name);
    D->bind_text(s, 3, la->disp.username);
    D->bind_text(s, 4, la->disp.profile_url);
    D->bind_text(s, 5, la->disp.user_image);
    D->bind_text(s, 6, la->disp.page_name);
    D->bind_text(s, 7, la->disp.type);
    D->bind_text(s, 8, la->disp.description);
    D->bind_text(s, 9, la->disp.maps_url);
    D->bind_text(s, 10, la->disp.place_id);
    D->bind_text(s, 11, la->disp.review_url);
    enum db_rc dr = store_run(st, s);
    if (dr != DB_DONE)
        return store_rc_of(dr);
    *changed = D->changes(store_db(st)) > 0;
    if (*changed)
        store_touch(st, STORE_KIND_PROFILE, la->profile_id);
    return STORE_OK;
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
