/*
 * profiles: user profiles, linked accounts and usage counters (see store.h).
 */
#include "store/internal.h"
#include "crypto/crypto.h"
#include "util/timeutil.h"

#include <stdio.h>
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

void store_read_linked(struct store *st, struct db_stmt *s, int c, struct arena *a,
                       struct linked_account *la)
{
    la->id = D->col_i64(s, c + 0);
    la->profile_id = D->col_i64(s, c + 1);
    la->platform = store_col_str(st, s, c + 2, a);
    la->network_id = store_col_str(st, s, c + 3, a);
    la->display_name = store_col_str(st, s, c + 4, a);
    la->username = store_col_str(st, s, c + 5, a);
    la->profile_url = store_col_str(st, s, c + 6, a);
    la->user_image = store_col_str(st, s, c + 7, a);
    la->page_name = store_col_str(st, s, c + 8, a);
    la->type = store_col_str(st, s, c + 9, a);
    la->description = store_col_str(st, s, c + 10, a);
    la->maps_url = store_col_str(st, s, c + 11, a);
    la->place_id = store_col_str(st, s, c + 12, a);
    la->review_url = store_col_str(st, s, c + 13, a);
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

static enum store_rc one_profile(struct store *st, struct db_stmt *s, struct arena *a,
                                 struct profile *out)
{
    enum db_rc dr = D->step(s);
    enum store_rc rc = dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
    if (dr == DB_ROW)
        store_read_profile(st, s, 0, a, out);
    D->reset(s);
    return rc;
}

enum store_rc store_profile_by_title(struct store *st, struct arena *a, int64_t account_id,
                                     const char *title, struct profile *out)
{
    struct db_stmt *s = store_stmt(st, Q_PROFILE_BY_TITLE,
                                   "SELECT " STORE_PROFILE_COLS " FROM profiles p "
                                   "WHERE p.account_id = ? AND p.title = ? AND p.is_primary = 0 "
                                   "AND p.deleted_ms IS NULL");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, account_id);
    D->bind_text(s, 2, title);
    return one_profile(st, s, a, out);
}

enum store_rc store_profile_by_ref(struct store *st, struct arena *a, const char *ref_id,
                                   struct profile *out)
{
    struct db_stmt *s = store_stmt(st, Q_PROFILE_BY_REF,
                                   "SELECT " STORE_PROFILE_COLS " FROM profiles p "
                                   "WHERE p.ref_id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, ref_id);
    return one_profile(st, s, a, out);
}

enum store_rc store_profile_by_bio(struct store *st, struct arena *a, const char *handle,
                                   struct profile *out)
{
    struct db_stmt *s = store_stmt(st, Q_PROFILE_BY_BIO,
                                   "SELECT " STORE_PROFILE_COLS " FROM profiles p "
                                   "WHERE p.bio_handle = ? AND p.deleted_ms IS NULL");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, handle);
    return one_profile(st, s, a, out);
}

/* True when the query (bound by the caller) returns a row. */
static bool exists(struct store *st, struct db_stmt *s)
{
    bool found = D->step(s) == DB_ROW;
    D->reset(s);
    return found;
}

enum store_rc store_profile_update(struct store *st, int64_t profile_id,
                                   const struct profile_update *u, const char **conflict)
{
    *conflict = NULL;
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    /* Checked inside the write transaction, so no other writer can take the
     * title or handle between the check and the update; the unique indexes
     * stay the last word. */
    if (u->set_title) {
        struct db_stmt *s =
            store_stmt(st, Q_PROFILE_TITLE_TAKEN,
                       "SELECT 1 FROM profiles p, profiles me WHERE me.id = ? AND p.account_id = "
                       "me.account_id AND p.id <> me.id AND p.title = ? AND p.deleted_ms IS NULL");
        if (!s)
            goto fail;
        D->bind_i64(s, 1, profile_id);
        D->bind_text(s, 2, u->title);
        if (exists(st, s)) {
            *conflict = "title";
            store_rollback(st);
            return STORE_CONFLICT;
        }
    }
    if (u->set_bio_handle && u->bio_handle) {
        struct db_stmt *s = store_stmt(st, Q_PROFILE_BIO_TAKEN,
                                       "SELECT 1 FROM profiles WHERE bio_handle = ? AND id <> ?");
        if (!s)
            goto fail;
        D->bind_text(s, 1, u->bio_handle);
        D->bind_i64(s, 2, profile_id);
        if (exists(st, s)) {
            *conflict = "bioHandle";
            store_rollback(st);
            return STORE_CONFLICT;
        }
    }
    struct db_stmt *s =
        store_stmt(st, Q_PROFILE_UPDATE,
                   "UPDATE profiles SET version = version + 1, "
                   "title = CASE WHEN ?1 = 1 THEN ?2 ELSE title END, "
                   "display_title = CASE WHEN ?3 = 1 THEN ?4 ELSE display_title END, "
                   "hide_title = CASE WHEN ?5 = 1 THEN ?6 ELSE hide_title END, "
                   "messaging_active = CASE WHEN ?7 = 1 THEN ?8 ELSE messaging_active END, "
                   "hide_top_header = CASE WHEN ?9 = 1 THEN ?10 ELSE hide_top_header END, "
                   "top_header = CASE WHEN ?11 = 1 THEN ?12 ELSE top_header END, "
                   "sub_header = CASE WHEN ?13 = 1 THEN ?14 ELSE sub_header END, "
                   "disable_social = CASE WHEN ?15 = 1 THEN ?16 ELSE disable_social END, "
                   "tags = CASE WHEN ?17 = 1 THEN ?18 ELSE tags END, "
                   "team = CASE WHEN ?19 = 1 THEN ?20 ELSE team END, "
                   "email = CASE WHEN ?21 = 1 THEN ?22 ELSE email END, "
                   "bio_handle = CASE WHEN ?23 = 1 THEN ?24 ELSE bio_handle END "
                   "WHERE id = ?25 AND deleted_ms IS NULL");
    if (!s)
        goto fail;
    D->bind_i64(s, 1, u->set_title);
    D->bind_text(s, 2, u->title);
    D->bind_i64(s, 3, u->set_display_title);
    D->bind_text(s, 4, u->display_title);
    D->bind_i64(s, 5, u->set_hide_title);
    D->bind_i64(s, 6, u->hide_title);
    D->bind_i64(s, 7, u->set_messaging_active);
    D->bind_i64(s, 8, u->messaging_active);
    D->bind_i64(s, 9, u->set_hide_top_header);
    D->bind_i64(s, 10, u->hide_top_header);
    D->bind_i64(s, 11, u->set_top_header);
    D->bind_text(s, 12, u->top_header);
    D->bind_i64(s, 13, u->set_sub_header);
    D->bind_text(s, 14, u->sub_header);
    D->bind_i64(s, 15, u->set_disable_social);
    D->bind_text(s, 16, u->disable_social);
    D->bind_i64(s, 17, u->set_tags);
    D->bind_text(s, 18, u->tags);
    D->bind_i64(s, 19, u->set_team);
    D->bind_i64(s, 20, u->team);
    D->bind_i64(s, 21, u->set_email);
    D->bind_text(s, 22, u->email);
    D->bind_i64(s, 23, u->set_bio_handle);
    D->bind_text(s, 24, u->bio_handle);
    D->bind_i64(s, 25, profile_id);
    enum db_rc dr = D->step(s);
    int64_t changed = D->changes(store_db(st));
    D->reset(s);
    if (dr == DB_CONSTRAINT) {
        *conflict = u->set_bio_handle ? "bioHandle" : "title";
        store_rollback(st);
        return STORE_CONFLICT;
    }
    if (dr != DB_DONE)
        goto fail;
    if (changed == 0) {
        store_rollback(st);
        return STORE_NOTFOUND;
    }
    store_touch(st, STORE_KIND_PROFILE, profile_id);
    return store_commit(st);
fail:
    store_rollback(st);
    return STORE_ERROR;
}

enum store_rc store_profile_settings(struct store *st, struct arena *a, int64_t profile_id,
                                     struct profile_settings *out)
{
    memset(out, 0, sizeof(*out));
    struct db_stmt *s = store_stmt(
        st, Q_PROFILE_SETTINGS,
        "SELECT display_title, hide_title, messaging_active, hide_top_header, top_header, "
        "sub_header, disable_social, tags, team, email FROM profiles WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, profile_id);
    enum db_rc dr = D->step(s);
    if (dr == DB_ROW) {
        out->display_title = store_col_str(st, s, 0, a);
        out->hide_title = D->col_i64(s, 1) != 0;
        out->messaging_active = D->col_i64(s, 2) != 0;
        out->hide_top_header = D->col_i64(s, 3) != 0;
        out->top_header = store_col_str(st, s, 4, a);
        out->sub_header = store_col_str(st, s, 5, a);
        out->disable_social = store_col_str(st, s, 6, a);
        out->tags = store_col_str(st, s, 7, a);
        out->team = D->col_i64(s, 8) != 0;
        out->email = store_col_str(st, s, 9, a);
    }
    D->reset(s);
    return dr == DB_ROW ? STORE_OK : dr == DB_DONE ? STORE_NOTFOUND : STORE_ERROR;
}

enum store_rc store_profile_delete(struct store *st, int64_t profile_id, const char *by,
                                   int64_t now_ms)
{
    enum store_rc rc = store_begin(st);
    if (rc != STORE_OK)
        return rc;
    struct db_stmt *s = store_stmt(st, Q_PROFILE_DELETE,
                                   "UPDATE profiles SET deleted_ms = ?, deleted_by = ?, "
                                   "bio_handle = NULL, version = version + 1 "
                                   "WHERE id = ? AND deleted_ms IS NULL AND is_primary = 0");
    if (!s)
        goto fail;
    D->bind_i64(s, 1, now_ms);
    D->bind_text(s, 2, by);
    D->bind_i64(s, 3, profile_id);
    if (store_run(st, s) != DB_DONE)
        goto fail;
    if (D->changes(store_db(st)) == 0) {
        store_rollback(st);
        return STORE_NOTFOUND;
    }
    if (store_revocations_queue(st, profile_id, NULL, now_ms) != STORE_OK)
        goto fail;
    s = store_stmt(st, Q_PROFILE_DROP_LINKED, "DELETE FROM linked_accounts WHERE profile_id = ?");
    if (!s)
        goto fail;
    D->bind_i64(s, 1, profile_id);
    if (store_run(st, s) != DB_DONE)
        goto fail;
    store_touch(st, STORE_KIND_PROFILE, profile_id);
    return store_commit(st);
fail:
    store_rollback(st);
    return STORE_ERROR;
}

enum store_rc store_profile_set_suspended(struct store *st, int64_t profile_id,
                                          int64_t suspended_ms)
{
    struct db_stmt *s =
        store_stmt(st, Q_PROFILE_SUSPEND,
                   "UPDATE profiles SET suspended_ms = CASE WHEN ?1 = 0 THEN NULL ELSE ?1 END, "
                   "version = version + 1 WHERE id = ?2 AND deleted_ms IS NULL");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, suspended_ms);
    D->bind_i64(s, 2, profile_id);
    if (store_run(st, s) != DB_DONE)
        return STORE_ERROR;
    if (D->changes(store_db(st)) == 0)
        return STORE_NOTFOUND;
    store_touch(st, STORE_KIND_PROFILE, profile_id);
    return STORE_OK;
}

enum store_rc store_profile_list(struct store *st, struct arena *a, int64_t account_id,
                                 const struct profile_filter *f, int64_t after_created_ms,
                                 int64_t after_id, size_t limit, struct profile_row **out,
                                 size_t *n)
{
    struct db_stmt *s = store_stmt(
        st, Q_PROFILE_LIST,
        "SELECT p.id, p.ref_id, p.title, p.display_title, p.created_ms, p.suspended_ms, "
        "p.linked_mask FROM profiles p "
        "WHERE p.account_id = ?1 AND p.is_primary = 0 AND p.deleted_ms IS NULL "
        "AND (?2 = 0 OR p.title = ?3) AND (?4 = 0 OR p.ref_id = ?5) "
        "AND (?6 < 0 OR (?6 = 1 AND p.linked_mask <> 0) OR (?6 = 0 AND p.linked_mask = 0)) "
        "AND (p.linked_mask & ?7) = ?7 AND (?8 = 0 OR p.id = ?8) "
        "AND (p.created_ms > ?9 OR (p.created_ms = ?9 AND p.id > ?10)) "
        "ORDER BY p.created_ms, p.id LIMIT ?11");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, account_id);
    D->bind_i64(s, 2, f->title != NULL);
    D->bind_text(s, 3, f->title ? f->title : "");
    D->bind_i64(s, 4, f->ref_id != NULL);
    D->bind_text(s, 5, f->ref_id ? f->ref_id : "");
    D->bind_i64(s, 6, f->has_active);
    D->bind_i64(s, 7, f->includes_mask);
    D->bind_i64(s, 8, f->profile_id);
    D->bind_i64(s, 9, after_created_ms);
    D->bind_i64(s, 10, after_id);
    D->bind_i64(s, 11, (int64_t)limit);
    size_t cap = limit < 64 ? limit + 1 : 64, cnt = 0;
    struct profile_row *rows = arena_alloc(a, cap * sizeof(*rows));
    enum db_rc dr;
    while ((dr = D->step(s)) == DB_ROW) {
        rows = arena_grow(a, rows, &cap, cnt, sizeof(*rows));
        struct profile_row *r = &rows[cnt++];
        r->id = D->col_i64(s, 0);
        const char *ref = D->col_text(s, 1);
        snprintf(r->ref_id, sizeof(r->ref_id), "%s", ref ? ref : "");
        r->title = store_col_str(st, s, 2, a);
        r->display_title = store_col_str(st, s, 3, a);
        r->created_ms = D->col_i64(s, 4);
        r->suspended_ms = D->col_null(s, 5) ? 0 : D->col_i64(s, 5);
        r->linked_mask = (unsigned)D->col_i64(s, 6);
    }
    D->reset(s);
    if (dr != DB_DONE)
        return STORE_ERROR;
    *out = rows;
    *n = cnt;
    return STORE_OK;
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

enum store_rc store_secret(struct store *st, const char *name, unsigned char out[32])
{
    unsigned char fresh[32];
    crypto_random(fresh, sizeof(fresh));
    /* Insert-if-absent then read: concurrent first users agree on one value. */
    struct db_stmt *s = store_stmt(st, Q_SECRET_INSERT,
                                   "INSERT INTO secrets (name, value) VALUES (?, ?) "
                                   "ON CONFLICT (name) DO NOTHING");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, name);
    D->bind_blob(s, 2, fresh, sizeof(fresh));
    if (store_run(st, s) != DB_DONE)
        return STORE_ERROR;
    s = store_stmt(st, Q_SECRET_GET, "SELECT value FROM secrets WHERE name = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, name);
    enum store_rc rc = STORE_ERROR;
    if (D->step(s) == DB_ROW) {
        size_t len = 0;
        const void *v = D->col_blob(s, 0, &len);
        if (len == 32) {
            memcpy(out, v, 32);
            rc = STORE_OK;
        }
    }
    D->reset(s);
    return rc;
}
