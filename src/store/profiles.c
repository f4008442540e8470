/*
 * profiles: user profiles, linked accounts and usage counters (see store.h).
 */
#include "store/internal.h"
#include "crypto/crypto.h"

#include <string.h>

#define D (st->drv)

enum store_rc store_profile_by_key(struct store *st, struct arena *a, int64_t account_id,
                                   const unsigned char key_hash[STORE_HASH_LEN],
                                   struct profile *out)
{
    struct db_stmt *s = store_stmt(st, Q_PROFILE_BY_KEY,
                                   "SELECT " STORE_PROFILE_COLS ", p.key_hash FROM profiles p "
                                   "WHERE p.key_hash = ? AND p.account_id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_blob(s, 1, key_hash, STORE_HASH_LEN);
    D->bind_i64(s, 2, account_id);
    enum db_rc dr = D->step(s);
    enum store_rc rc = dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
    if (dr == DB_ROW) {
        size_t n = 0;
        const void *stored = D->col_blob(s, STORE_PROFILE_NCOLS, &n);
        if (n == STORE_HASH_LEN && crypto_ct_eq(stored, key_hash, STORE_HASH_LEN)) {
            store_read_profile(st, s, 0, a, out);
            rc = STORE_OK;
        } else {
            rc = STORE_NOTFOUND;
        }
    }
    D->reset(s);
    return rc;
}

enum store_rc store_profile_get(struct store *st, struct arena *a, int64_t profile_id,
                                struct profile *out)
{
    struct db_stmt *s = store_stmt(st, Q_PROFILE_GET,
                                   "SELECT " STORE_PROFILE_COLS " FROM profiles p WHERE p.id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    enum db_rc dr = D->step(s);
    enum store_rc rc = dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
    if (dr == DB_ROW)
        store_read_profile(st, s, 0, a, out);
    D->reset(s);
    return rc;
}

bool store_profile_key_exists(struct store *st, const unsigned char key_hash[STORE_HASH_LEN])
{
    struct db_stmt *s =
        store_stmt(st, Q_PROFILE_KEY_EXISTS, "SELECT 1 FROM profiles WHERE key_hash = ?");
    if (!s)
        return false;
    D->bind_blob(s, 1, key_hash, STORE_HASH_LEN);
    bool found = D->step(s) == DB_ROW;
    D->reset(s);
    return found;
}

enum store_rc store_profile_create(struct store *st, int64_t account_id, const char *title,
                                   const unsigned char key_hash[STORE_HASH_LEN], const char *ref_id,
                                   const struct profile_settings *ps, int64_t now_ms,
                                   int64_t *profile_id)
{
    struct db_stmt *s = store_stmt(
        st, Q_PROFILE_INSERT,
        "INSERT INTO profiles (account_id, ref_id, key_hash, title, display_title, hide_title, "
        "messaging_active, hide_top_header, top_header, sub_header, disable_social, tags, team, "
        "email, created_ms, details_updated_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!s)
        return STORE_ERROR;
    struct profile_settings none;
    memset(&none, 0, sizeof(none));
    if (!ps)
        ps = &none;
    D->bind_i64(s, 1, account_id);
    D->bind_text(s, 2, ref_id);
    D->bind_blob(s, 3, key_hash, STORE_HASH_LEN);
    D->bind_text(s, 4, title);
    D->bind_text(s, 5, ps->display_title);
    D->bind_i64(s, 6, ps->hide_title);
    D->bind_i64(s, 7, ps->messaging_active);
    D->bind_i64(s, 8, ps->hide_top_header);
    D->bind_text(s, 9, ps->top_header);
    D->bind_text(s, 10, ps->sub_header);
    D->bind_text(s, 11, ps->disable_social);
    D->bind_text(s, 12, ps->tags);
    D->bind_i64(s, 13, ps->team);
    D->bind_text(s, 14, ps->email);
    D->bind_i64(s, 15, now_ms);
    D->bind_i64(s, 16, now_ms);
    enum db_rc dr = D->step(s);
    int64_t id = dr == DB_ROW ? D->col_i64(s, 0) : 0;
    D->reset(s);
    if (dr != DB_ROW)
        return store_rc_of(dr) == STORE_OK ? STORE_ERROR : store_rc_of(dr);
    store_touch(st, STORE_KIND_PROFILE, id);
    if (profile_id)
        *profile_id = id;
    return STORE_OK;
}

enum store_rc store_linked_list(struct store *st, struct arena *a, int64_t profile_id,
                                struct linked_account **out, size_t *n)
{
    struct db_stmt *s = store_stmt(
        st, Q_LINKED_LIST,
        "SELECT id, profile_id, platform, network_id, display_name, username, profile_url, "
        "user_image, page_name, type, description, maps_url, place_id, review_url, linked_ms, "
        "status FROM linked_accounts WHERE profile_id = ? ORDER BY platform");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    size_t cap = 10, cnt = 0;
    struct linked_account *arr = arena_alloc(a, cap * sizeof(*arr));
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW) {
        if (cnt == cap) {
            struct linked_account *bigger = arena_alloc(a, cap * 2 * sizeof(*arr));
            memcpy(bigger, arr, cap * sizeof(*arr));
            arr = bigger;
            cap *= 2;
        }
        struct linked_account *la = &arr[cnt++];
        la->id = D->col_i64(s, 0);
        la->profile_id = D->col_i64(s, 1);
        la->platform = store_col_str(st, s, 2, a);
        la->network_id = store_col_str(st, s, 3, a);
        la->display_name = store_col_str(st, s, 4, a);
        la->username = store_col_str(st, s, 5, a);
        la->profile_url = store_col_str(st, s, 6, a);
        la->user_image = store_col_str(st, s, 7, a);
        la->page_name = store_col_str(st, s, 8, a);
        la->type = store_col_str(st, s, 9, a);
        la->description = store_col_str(st, s, 10, a);
        la->maps_url = store_col_str(st, s, 11, a);
        la->place_id = store_col_str(st, s, 12, a);
        la->review_url = store_col_str(st, s, 13, a);
        la->linked_ms = D->col_i64(s, 14);
        la->status = store_col_str(st, s, 15, a);
    }
    D->reset(s);
    if (dr != DB_DONE)
        return STORE_ERROR;
    *out = arr;
    *n = cnt;
    return STORE_OK;
}

enum store_rc store_linked_put(struct store *st, const struct linked_account *la)
{
    struct db_stmt *s = store_stmt(
        st, Q_LINKED_PUT,
        "INSERT INTO linked_accounts (profile_id, platform, network_id, display_name, username, "
        "profile_url, user_image, page_name, type, description, maps_url, place_id, review_url, "
        "linked_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (profile_id, platform) DO UPDATE SET network_id = excluded.network_id, "
        "display_name = excluded.display_name, username = excluded.username, "
        "profile_url = excluded.profile_url, user_image = excluded.user_image, "
        "page_name = excluded.page_name, type = excluded.type, "
        "description = excluded.description, maps_url = excluded.maps_url, "
        "place_id = excluded.place_id, review_url = excluded.review_url, "
        "linked_ms = excluded.linked_ms, status = 'ok'");
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
    enum store_rc rc = store_rc_of(store_run(st, s));
    if (rc == STORE_OK)
        store_touch(st, STORE_KIND_PROFILE, la->profile_id);
    return rc;
}

enum store_rc store_usage_add(struct store *st, struct usage_delta *d, size_t n)
{
    if (n == 0)
        return STORE_OK;
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    struct db_stmt *s = store_stmt(st, Q_USAGE_ADD,
                                   "INSERT INTO usage_monthly (profile_id, month, calls) "
                                   "VALUES (?, ?, ?) ON CONFLICT (profile_id, month) "
                                   "DO UPDATE SET calls = usage_monthly.calls + excluded.calls "
                                   "RETURNING calls");
    if (!s) {
        store_rollback(st);
        return STORE_ERROR;
    }
    for (size_t i = 0; i < n; i++) {
        D->bind_i64(s, 1, d[i].profile_id);
        D->bind_text(s, 2, d[i].month);
        D->bind_i64(s, 3, d[i].calls);
        enum db_rc dr = D->step(s);
        d[i].total = dr == DB_ROW ? D->col_i64(s, 0) : 0;
        D->reset(s);
        if (dr != DB_ROW) {
            store_rollback(st);
            return STORE_ERROR;
        }
    }
    return store_commit(st);
}

enum store_rc store_usage_get(struct store *st, int64_t profile_id, const char *month,
                              int64_t *calls)
{
    struct db_stmt *s = store_stmt(
        st, Q_USAGE_GET, "SELECT calls FROM usage_monthly WHERE profile_id = ? AND month = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    D->bind_text(s, 2, month);
    enum db_rc dr = D->step(s);
    *calls = dr == DB_ROW ? D->col_i64(s, 0) : 0;
    D->reset(s);
    return dr == DB_ROW || dr == DB_DONE ? STORE_OK : STORE_ERROR;
}
