/*
 * profiles: user profiles (see store/profiles.h).
 */
#include "store/profiles.h"
#include "store/internal.h"
#include "crypto/crypto.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>

#define D (st->drv)

void store_read_profile(struct store *st, struct db_stmt *s, int c, struct arena *a,
                        struct profile *p)
{
    memset(p, 0, sizeof(*p));
    p->id = D->col_i64(s, c + 0);
    p->account_id = D->col_i64(s, c + 1);
    const char *ref = D->col_text(s, c + 2);
    str_copy(p->ref_id, sizeof(p->ref_id), ref ? ref : "");
    p->title = store_col_str(st, s, c + 3, a);
    p->is_primary = D->col_i64(s, c + 4) != 0;
    p->created_ms = D->col_i64(s, c + 5);
    p->version = D->col_i64(s, c + 6);
    p->details_updated_ms = D->col_i64(s, c + 7);
    p->suspended_ms = D->col_null(s, c + 8) ? 0 : D->col_i64(s, c + 8);
    p->deleted_ms = D->col_null(s, c + 9) ? 0 : D->col_i64(s, c + 9);
    p->deleted_by = store_col_str(st, s, c + 10, a);
    p->bio_handle = store_col_str(st, s, c + 11, a);
    p->linked_mask = (unsigned)D->col_i64(s, c + 12);
}

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
    /* In a transaction: on PostgreSQL the change row commits with it. */
    if (store_begin(st) != STORE_OK)
        return STORE_ERROR;
    struct db_stmt *s =
        store_stmt(st, Q_PROFILE_SUSPEND,
                   "UPDATE profiles SET suspended_ms = CASE WHEN ?1 = 0 THEN NULL ELSE ?1 END, "
                   "version = version + 1 WHERE id = ?2 AND deleted_ms IS NULL");
    if (!s)
        return store_settle(st, STORE_ERROR);
    D->bind_i64(s, 1, suspended_ms);
    D->bind_i64(s, 2, profile_id);
    if (store_run(st, s) != DB_DONE)
        return store_settle(st, STORE_ERROR);
    if (D->changes(store_db(st)) == 0)
        return store_settle(st, STORE_NOTFOUND);
    store_touch(st, STORE_KIND_PROFILE, profile_id);
    return store_settle(st, STORE_OK);
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

enum store_rc store_profile_details_done(struct store *st, int64_t profile_id, int64_t now_ms)
{
    /* lastUpdated is read from the profile row (its stamp moves below); the
     * linked accounts' rendering, keyed by version, stays valid. */
    struct db_stmt *s = store_stmt(st, Q_PROFILE_DETAILS_DONE,
                                   "UPDATE profiles SET details_updated_ms = ? WHERE id = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_i64(s, 1, now_ms);
    D->bind_i64(s, 2, profile_id);
    enum db_rc dr = store_run(st, s);
    if (dr == DB_DONE)
        store_touch(st, STORE_KIND_PROFILE, profile_id);
    return store_rc_of(dr);
}
