#include "store/accounts.h"
#include "store/edits.h"
#include "store/jobs.h"
#include "store/linked.h"
#include "store/linking.h"
#include "store/profiles.h"
#include "store/usage.h"
#include "suites.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct ut_store ut;

static struct store *fresh(void)
{
    return ut_store_open(&ut);
}

static void cleanup(struct store *st)
{
    (void)st;
    ut_store_close(&ut);
}

static void hash(const char *k, unsigned char h[STORE_HASH_LEN])
{
    crypto_sha256(k, strlen(k), h);
}

START_TEST(migrate_is_idempotent)
{
    struct store *st = fresh();
    int applied = -1;
    ck_assert_int_eq(store_migrate(st, &applied), STORE_OK);
    ck_assert_int_eq(applied, 0);
    ck_assert_int_ge(store_schema_version(st), 1);
    ck_assert_int_eq(store_ping(st), STORE_OK);
    cleanup(st);
}
END_TEST

START_TEST(account_auth_and_profiles)
{
    struct store *st = fresh();
    unsigned char kh[STORE_HASH_LEN], ph[STORE_HASH_LEN], other[STORE_HASH_LEN];
    hash("api-key", kh);
    hash("profile-key", ph);
    hash("nope", other);
    int64_t aid;
    ck_assert_int_eq(store_account_create(st, "a@example.com", "business", kh,
                                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1000, &aid),
                     STORE_OK);
    ck_assert_int_eq(store_account_create(st, "a@example.com", "free", other,
                                          "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 1000, NULL),
                     STORE_CONFLICT);
    struct arena *a = arena_new();
    struct account acct;
    struct profile prim, prof;
    uint64_t s0 = store_stamp(st, STORE_KIND_ACCOUNT, aid);
    ck_assert_int_eq(store_auth(st, a, kh, &acct), STORE_OK);
    ck_assert_str_eq(acct.email, "a@example.com");
    ck_assert_str_eq(acct.plan, "business");
    ck_assert_str_eq(acct.ref_id, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    ck_assert_int_eq(store_profile_get(st, a, acct.primary_profile_id, &prim), STORE_OK);
    ck_assert(prim.is_primary);
    ck_assert_str_eq(prim.title, "Primary Profile");
    ck_assert_int_eq(store_auth(st, a, other, &acct), STORE_NOTFOUND);

    int64_t pid;
    ck_assert_int_eq(store_profile_create(st, aid, "Shop", ph,
                                          "cccccccccccccccccccccccccccccccccccccccc", NULL, 2000,
                                          &pid),
                     STORE_OK);
    ck_assert_int_eq(store_profile_create(st, aid, "Shop", other,
                                          "dddddddddddddddddddddddddddddddddddddddd", NULL, 2000,
                                          NULL),
                     STORE_CONFLICT);
    ck_assert(store_profile_key_exists(st, ph));
    ck_assert(!store_profile_key_exists(st, other));
    ck_assert_int_eq(store_profile_by_key(st, a, aid, ph, &prof), STORE_OK);
    ck_assert_str_eq(prof.title, "Shop");
    ck_assert(!prof.is_primary);
    ck_assert_int_eq(store_profile_by_key(st, a, aid + 1, ph, &prof), STORE_NOTFOUND);

    struct usage_delta d[2] = {{pid, "2026-11", 3, 0}, {pid, "2026-11", 4, 0}};
    ck_assert_int_eq(store_usage_add(st, d, 2), STORE_OK);
    ck_assert_int_eq(d[0].total, 3);
    ck_assert_int_eq(d[1].total, 7);
    int64_t calls;
    ck_assert_int_eq(store_usage_get(st, pid, "2026-11", &calls), STORE_OK);
    ck_assert_int_eq(calls, 7);
    ck_assert_int_eq(store_usage_get(st, pid, "2026-12", &calls), STORE_OK);
    ck_assert_int_eq(calls, 0);

    unsigned char nk[STORE_HASH_LEN];
    hash("rotated", nk);
    ck_assert_int_eq(store_account_set_key(st, aid, nk), STORE_OK);
    ck_assert_uint_ne(store_stamp(st, STORE_KIND_ACCOUNT, aid), s0);
    ck_assert_int_eq(store_auth(st, a, kh, &acct), STORE_NOTFOUND);
    ck_assert_int_eq(store_auth(st, a, nk, &acct), STORE_OK);
    ck_assert_int_eq(store_account_set_plan(st, aid, "free"), STORE_OK);
    ck_assert_int_eq(store_account_set_plan(st, aid + 5, "free"), STORE_NOTFOUND);
    arena_free(a);
    cleanup(st);
}
END_TEST

START_TEST(linked_accounts_sorted_and_bump_version)
{
    struct store *st = fresh();
    unsigned char kh[STORE_HASH_LEN];
    hash("k", kh);
    int64_t aid;
    store_account_create(st, "b@example.com", "free", kh,
                         "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", 1, &aid);
    struct arena *a = arena_new();
    struct account acct;
    struct profile p;
    store_auth(st, a, kh, &acct);
    store_profile_get(st, a, acct.primary_profile_id, &p);
    int64_t v0 = p.version;
    uint64_t s0 = store_stamp(st, STORE_KIND_PROFILE, p.id);
    const char *plats[] = {"youtube", "facebook", "linkedin"};
    for (int i = 0; i < 3; i++) {
        struct linked_account la = {
            .profile_id = p.id, .platform = plats[i], .disp.display_name = "X", .linked_ms = 5};
        ck_assert_int_eq(store_linked_link(st, &la, &(struct linked_secret){0}, &(int64_t){0}),
                         STORE_OK);
    }
    struct linked_account la2 = {
        .profile_id = p.id, .platform = "facebook", .disp.display_name = "Renamed", .linked_ms = 6};
    ck_assert_int_eq(store_linked_link(st, &la2, &(struct linked_secret){0}, &(int64_t){0}),
                     STORE_OK);
    struct linked_account *list;
    size_t n;
    ck_assert_int_eq(store_linked_list(st, a, p.id, &list, &n), STORE_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(list[0].platform, "facebook");
    ck_assert_str_eq(list[0].disp.display_name, "Renamed");
    ck_assert_str_eq(list[1].platform, "linkedin");
    ck_assert_str_eq(list[2].platform, "youtube");
    ck_assert_ptr_null(list[1].disp.username);
    store_profile_get(st, a, acct.primary_profile_id, &p);
    ck_assert_int_ge(p.version, v0 + 4);
    ck_assert_uint_ge(store_stamp(st, STORE_KIND_PROFILE, p.id), s0 + 4);
    arena_free(a);
    cleanup(st);
}
END_TEST

START_TEST(token_writes_guarded_by_version_and_relink_hides)
{
    struct store *st = fresh();
    unsigned char kh[STORE_HASH_LEN];
    hash("k", kh);
    int64_t aid;
    store_account_create(st, "v@example.com", "free", kh,
                         "dddddddddddddddddddddddddddddddddddddddd", 1, &aid);
    struct arena *a = arena_new();
    struct account acct;
    struct profile p;
    store_auth(st, a, kh, &acct);
    struct linked_account la = {.profile_id = acct.primary_profile_id,
                                .platform = "twitter",
                                .disp.network_id = "1",
                                .disp.display_name = "X",
                                .linked_ms = 5};
    struct linked_secret sec = {.access = "sealed-a",
                                .access_len = 8,
                                .key_id = 1,
                                .access_expires_ms = 1000,
                                .linked_ms = 5};
    int64_t id = 0, id2 = 0;
    ck_assert_int_eq(store_linked_link(st, &la, &sec, &id), STORE_OK);
    struct linked_state ls;
    ck_assert_int_eq(store_linked_state(st, a, id, &ls), STORE_OK);
    ck_assert_int_eq(ls.account_id, aid);
    int64_t old = ls.token_version;
    /* a re-link wins over a refresh that read the tokens before it */
    ck_assert_int_eq(store_linked_link(st, &la, &sec, &id2), STORE_OK);
    ck_assert_int_eq(id2, id);
    ck_assert_int_eq(store_linked_refreshed(st, id, old, &sec, 2000), STORE_CONFLICT);
    ck_assert_int_eq(store_linked_failed(st, id, old, "relink_required", "x", 1), STORE_CONFLICT);
    ck_assert_int_eq(store_linked_state(st, a, id, &ls), STORE_OK);
    ck_assert_int_eq(ls.last_refresh_ms, 0);
    ck_assert_int_eq(store_linked_refreshed(st, id, ls.token_version, &sec, 2000), STORE_OK);
    ck_assert_int_eq(store_linked_state(st, a, id, &ls), STORE_OK);
    ck_assert_int_eq(ls.last_refresh_ms, 2000);
    /* relink_required leaves linked_mask (activeSocialAccounts); a link restores it */
    store_profile_get(st, a, acct.primary_profile_id, &p);
    ck_assert_uint_eq(p.linked_mask, 1u << 8);
    ck_assert_int_eq(store_linked_failed(st, id, ls.token_version, "relink_required", "gone", 0),
                     STORE_OK);
    store_profile_get(st, a, acct.primary_profile_id, &p);
    ck_assert_uint_eq(p.linked_mask, 0);
    ck_assert_int_eq(store_linked_link(st, &la, &sec, &id2), STORE_OK);
    store_profile_get(st, a, acct.primary_profile_id, &p);
    ck_assert_uint_eq(p.linked_mask, 1u << 8);
    /* one refresh job per account: queuing again moves it */
    ck_assert_int_eq(store_job_put(st, "refresh", id, 500, 1, true), STORE_OK);
    ck_assert_int_eq(store_job_put(st, "refresh", id, 700, 1, true), STORE_OK);
    ck_assert_int_eq(store_job_put(st, "details", 9, 100, 1, false), STORE_OK);
    ck_assert_int_eq(store_job_put(st, "details", 9, 900, 1, false), STORE_OK);
    int64_t next = 0, count = 0;
    ck_assert_int_eq(store_job_count(st, &count), STORE_OK);
    ck_assert_int_eq(count, 2);
    /* a singleton job is queued once, however often it is ensured */
    ck_assert_int_eq(store_job_ensure(st, "sweep", 5000, 1), STORE_OK);
    ck_assert_int_eq(store_job_ensure(st, "sweep", 5000, 1), STORE_OK);
    ck_assert_int_eq(store_job_count(st, &count), STORE_OK);
    ck_assert_int_eq(count, 3);
    ck_assert_int_eq(store_job_next(st, JOB_LANE_UPKEEP, &next), STORE_OK);
    ck_assert_int_eq(next, 100);
    ck_assert_int_eq(store_job_next(st, JOB_LANE_DELIVERY, &next), STORE_OK);
    ck_assert_int_eq(next, INT64_MAX);
    struct job *jobs;
    size_t n;
    ck_assert_int_eq(store_job_lease(st, a, JOB_LANE_DELIVERY, "t", 1000, 100, 10, &jobs, &n),
                     STORE_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(store_job_lease(st, a, JOB_LANE_UPKEEP, "t", 1000, 100, 10, &jobs, &n),
                     STORE_OK);
    ck_assert_uint_eq(n, 2);
    /* RETURNING gives no order */
    ck_assert(!strcmp(jobs[0].kind, "details") != !strcmp(jobs[1].kind, "details"));
    arena_free(a);
    cleanup(st);
}
END_TEST

START_TEST(gbp_edit_window)
{
    struct store *st = fresh();
    const struct gbp_limit lim = {.window_ms = 1000, .limit = 2, .pending_ttl_ms = 100};
    const char *title[] = {"title"}, *both[] = {"storeCode", "title"};
    int64_t batch = 0, avail = 0;
    size_t blocked = 9;
    /* two edits fit in the window... */
    ck_assert_int_eq(
        store_gbp_reserve(st, "locations/1", title, 1, 10, &lim, &batch, &blocked, &avail),
        STORE_OK);
    ck_assert_int_eq(store_gbp_settle(st, batch, true, 20), STORE_OK);
    ck_assert_int_eq(
        store_gbp_reserve(st, "locations/1", title, 1, 30, &lim, &batch, &blocked, &avail),
        STORE_OK);
    /* ...a live reservation counts before it is settled */
    ck_assert_int_eq(
        store_gbp_reserve(st, "locations/1", both, 2, 40, &lim, &batch, &blocked, &avail),
        STORE_CONFLICT);
    ck_assert_uint_eq(blocked, 1);
    ck_assert_int_eq(avail, 20 + 1000); /* the oldest counted edit leaves the window */
    /* another location has its own count; a dropped reservation counts not */
    ck_assert_int_eq(
        store_gbp_reserve(st, "locations/2", title, 1, 40, &lim, &batch, &blocked, &avail),
        STORE_OK);
    ck_assert_int_eq(store_gbp_settle(st, batch, false, 50), STORE_OK);
    ck_assert_int_eq(
        store_gbp_reserve(st, "locations/2", both, 2, 50, &lim, &batch, &blocked, &avail),
        STORE_OK);
    /* a reservation older than its lease (the server died) stops counting */
    ck_assert_int_eq(
        store_gbp_reserve(st, "locations/1", title, 1, 131, &lim, &batch, &blocked, &avail),
        STORE_OK);
    ck_assert_int_eq(store_gbp_settle(st, batch, true, 140), STORE_OK);
    ck_assert_int_eq(
        store_gbp_reserve(st, "locations/1", title, 1, 150, &lim, &batch, &blocked, &avail),
        STORE_CONFLICT);
    ck_assert_int_eq(avail, 1020);
    /* the rolling window: at 1020 the first edit has left it */
    ck_assert_int_eq(
        store_gbp_reserve(st, "locations/1", title, 1, 1020, &lim, &batch, &blocked, &avail),
        STORE_OK);
    cleanup(st);
}
END_TEST

struct other_writer {
    struct store *st;
    int64_t profile_id;
    int64_t at;
};

static void *write_elsewhere(void *arg)
{
    struct other_writer *w = arg;
    ck_assert_int_eq(store_profile_details_done(w->st, w->profile_id, w->at), STORE_OK);
    return NULL;
}

START_TEST(read_snapshot_renewed_when_a_stamp_moved)
{
    struct store *st = fresh();
    unsigned char kh[STORE_HASH_LEN];
    hash("snap", kh);
    int64_t aid;
    ck_assert_int_eq(store_account_create(st, "s@example.com", "business", kh,
                                          "cccccccccccccccccccccccccccccccccccccccc", 1000, &aid),
                     STORE_OK);
    struct arena *a = arena_new();
    struct account acct;
    ck_assert_int_eq(store_auth(st, a, kh, &acct), STORE_OK);
    int64_t pid = acct.primary_profile_id;
    struct profile p;

    store_read_begin(st);
    ck_assert_int_eq(store_profile_get(st, a, pid, &p), STORE_OK); /* the snapshot starts */
    int64_t before = p.details_updated_ms;
    bool fits = false;
    (void)store_stamp_after(st, STORE_KIND_PROFILE, pid, &fits);
    ck_assert(fits); /* nothing changed since it began */
    /* Another thread (its own connection) commits a change to the profile. */
    struct other_writer w = {st, pid, before + 12345};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, write_elsewhere, &w), 0);
    pthread_join(t, NULL);
    /* Still the snapshot: the change is not seen yet. */
    ck_assert_int_eq(store_profile_get(st, a, pid, &p), STORE_OK);
    ck_assert_int_eq(p.details_updated_ms, before);
    /* A row read in it may no longer be trusted under the stamp. */
    (void)store_stamp_after(st, STORE_KIND_PROFILE, pid, &fits);
    ck_assert(!fits);
    ck_assert_int_eq(store_profile_get(st, a, pid, &p), STORE_OK);
    ck_assert_int_eq(p.details_updated_ms, before + 12345);
    struct other_writer w2 = {st, pid, before + 7};
    ck_assert_int_eq(pthread_create(&t, NULL, write_elsewhere, &w2), 0);
    pthread_join(t, NULL);
    /* Reading the profile's stamp (what a cache does before loading) moves
     * the snapshot past the change the stamp shows. */
    (void)store_stamp(st, STORE_KIND_PROFILE, pid);
    ck_assert_int_eq(store_profile_get(st, a, pid, &p), STORE_OK);
    ck_assert_int_eq(p.details_updated_ms, before + 7);
    /* A write outside a transaction, on a snapshot another writer has made
     * old, ends the snapshot and works (on it, SQLite would refuse it). */
    struct other_writer w3 = {st, pid, before + 9};
    ck_assert_int_eq(pthread_create(&t, NULL, write_elsewhere, &w3), 0);
    pthread_join(t, NULL);
    ck_assert_int_eq(store_profile_details_done(st, pid, before + 11), STORE_OK);
    ck_assert_int_eq(store_profile_get(st, a, pid, &p), STORE_OK);
    ck_assert_int_eq(p.details_updated_ms, before + 11);
    w3.at = before + 13;
    ck_assert_int_eq(pthread_create(&t, NULL, write_elsewhere, &w3), 0);
    pthread_join(t, NULL);
    /* A write inside ends the snapshot first, and works. */
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_profile_details_done(st, pid, before + 1), STORE_OK);
    ck_assert_int_eq(store_commit(st), STORE_OK);
    store_read_end(st);
    ck_assert_int_eq(store_profile_get(st, a, pid, &p), STORE_OK);
    ck_assert_int_eq(p.details_updated_ms, before + 1);
    arena_free(a);
    cleanup(st);
}
END_TEST

START_TEST(transactions_roll_back)
{
    struct store *st = fresh();
    unsigned char kh[STORE_HASH_LEN];
    hash("tx", kh);
    uint64_t before[8];
    for (int i = 0; i < 8; i++)
        before[i] = store_stamp(st, STORE_KIND_ACCOUNT, i);
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_account_create(st, "tx@example.com", "free", kh,
                                          "ffffffffffffffffffffffffffffffffffffffff", 1, NULL),
                     STORE_OK);
    store_rollback(st);
    struct arena *a = arena_new();
    struct account acct;
    ck_assert_int_eq(store_account_find(st, a, "tx@example.com", &acct), STORE_NOTFOUND);
    /* A rolled-back change bumps no stamp. */
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(store_stamp(st, STORE_KIND_ACCOUNT, i), before[i]);
    /* A write that fails inside a transaction ends all of it: the commit
     * that follows fails and keeps nothing, on both databases (on
     * PostgreSQL the server aborts the transaction as well). */
    unsigned char kh2[STORE_HASH_LEN];
    hash("tx2", kh2);
    ck_assert_int_eq(store_account_create(st, "tx2@example.com", "free", kh2,
                                          "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", 1, NULL),
                     STORE_OK);
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_account_create(st, "tx3@example.com", "free", kh,
                                          "dddddddddddddddddddddddddddddddddddddddd", 1, NULL),
                     STORE_OK);
    ck_assert_int_eq(store_account_create(st, "tx2@example.com", "free", kh2,
                                          "cccccccccccccccccccccccccccccccccccccccc", 1, NULL),
                     STORE_CONFLICT);
    ck_assert_int_eq(store_commit(st), STORE_ERROR);
    ck_assert_int_eq(store_account_find(st, a, "tx3@example.com", &acct), STORE_NOTFOUND);
    arena_free(a);
    cleanup(st);
}
END_TEST

START_TEST(telegram_codes_single_use_and_seen_first)
{
    struct store *st = fresh();
    struct arena *a = arena_new();
    struct telegram_code c = {.lookup = "L1",
                              .nonce = "n1",
                              .session_id = "sess",
                              .chat_id = "-1001",
                              .chat_title = "Chan",
                              .bot_username = "bot",
                              .created_ms = 1000,
                              .expires_ms = 5000};
    ck_assert_int_eq(store_telegram_code_add(st, &c), STORE_OK);
    struct telegram_code got;
    ck_assert_int_eq(store_telegram_code_of_session(st, a, "sess", &got), STORE_OK);
    ck_assert_str_eq(got.chat_id, "-1001");
    ck_assert_int_eq(got.seen_ms, 0);
    ck_assert_ptr_null(got.refused);
    /* Found by lookup while live only. */
    ck_assert_int_eq(store_telegram_code_by_lookup(st, a, "L1", 4999, &got), STORE_OK);
    int64_t id = got.id;
    ck_assert_int_gt(id, 0);
    ck_assert_int_eq(store_telegram_code_by_lookup(st, a, "L1", 5000, &got), STORE_NOTFOUND);
    ck_assert_int_eq(store_telegram_code_by_lookup(st, a, "L2", 1000, &got), STORE_NOTFOUND);
    /* Not seen: cannot be taken. A refusal is kept until it is seen. */
    ck_assert_int_eq(store_telegram_code_take(st, id, 2000), STORE_NOTFOUND);
    ck_assert_int_eq(store_telegram_code_refused(st, id, "notadmin"), STORE_OK);
    ck_assert_int_eq(store_telegram_code_of_session(st, a, "sess", &got), STORE_OK);
    ck_assert_str_eq(got.refused, "notadmin");
    ck_assert_int_eq(store_telegram_code_seen(st, id, 2000, "channel post"), STORE_OK);
    ck_assert_int_eq(store_telegram_code_seen(st, id, 3000, "administrator"), STORE_OK);
    ck_assert_int_eq(store_telegram_code_refused(st, id, "elsewhere"), STORE_OK);
    ck_assert_int_eq(store_telegram_code_of_session(st, a, "sess", &got), STORE_OK);
    ck_assert_int_eq(got.seen_ms, 2000); /* the first sighting stays */
    ck_assert_str_eq(got.seen_by, "channel post");
    ck_assert_ptr_null(got.refused);
    /* Expired: not taken, even when seen. */
    ck_assert_int_eq(store_telegram_code_take(st, id, 5000), STORE_NOTFOUND);
    /* Single use. */
    ck_assert_int_eq(store_telegram_code_take(st, id, 2500), STORE_OK);
    ck_assert_int_eq(store_telegram_code_take(st, id, 2600), STORE_NOTFOUND);
    ck_assert_int_eq(store_telegram_code_of_session(st, a, "sess", &got), STORE_NOTFOUND);
    ck_assert_int_eq(store_telegram_code_by_lookup(st, a, "L1", 2000, &got), STORE_NOTFOUND);
    /* A new code replaces the session's unused ones; other sessions keep theirs. */
    struct telegram_code d = c, e = c;
    d.lookup = "L2";
    e.lookup = "L3";
    e.session_id = "other";
    ck_assert_int_eq(store_telegram_code_add(st, &d), STORE_OK);
    ck_assert_int_eq(store_telegram_code_add(st, &e), STORE_OK);
    d.lookup = "L4";
    ck_assert_int_eq(store_telegram_code_add(st, &d), STORE_OK);
    ck_assert_int_eq(store_telegram_code_by_lookup(st, a, "L2", 1000, &got), STORE_NOTFOUND);
    ck_assert_int_eq(store_telegram_code_by_lookup(st, a, "L3", 1000, &got), STORE_OK);
    ck_assert_int_eq(store_telegram_code_of_session(st, a, "sess", &got), STORE_OK);
    ck_assert_str_eq(got.lookup, "L4");
    /* A lookup is unique. */
    e.session_id = "third";
    ck_assert_int_ne(store_telegram_code_add(st, &e), STORE_OK);
    arena_free(a);
    cleanup(st);
}
END_TEST

/* store_job_delete_many and store_job_reschedule_many: one statement for
 * a batch, each released job due at its own time, leased again then. */
START_TEST(jobs_end_and_move_in_batches)
{
    struct store *st = fresh();
    int64_t now = 1000000;
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(store_job_add(st, "webhook", i + 1, now, now), STORE_OK);
    struct arena *a = arena_new();
    struct job *j = NULL, *again = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_job_lease(st, a, JOB_LANE_DELIVERY, "me", now, 60000, 10, &j, &n),
                     STORE_OK);
    ck_assert_uint_eq(n, 5);
    int64_t ended[] = {j[0].id, j[1].id, j[0].id + j[4].id + 1000}; /* the last: no such job */
    ck_assert_int_eq(store_job_delete_many(st, ended, 3), STORE_OK);
    struct job_release moved[] = {{j[3].id, now + 200}, {j[2].id, now + 100}};
    ck_assert_int_eq(store_job_reschedule_many(st, moved, 2), STORE_OK);
    ck_assert_int_eq(store_job_delete_many(st, NULL, 0), STORE_OK);
    ck_assert_int_eq(store_job_reschedule_many(st, NULL, 0), STORE_OK);
    int64_t count = 0;
    ck_assert_int_eq(store_job_count(st, &count), STORE_OK);
    ck_assert_int_eq(count, 3);
    /* j[4] stays leased; the released ones are due at their own times. */
    ck_assert_int_eq(
        store_job_lease(st, a, JOB_LANE_DELIVERY, "me", now + 150, 60000, 10, &again, &n),
        STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(again[0].id, j[2].id);
    ck_assert_int_eq(again[0].attempts, 2);
    ck_assert_int_eq(
        store_job_lease(st, a, JOB_LANE_DELIVERY, "me", now + 250, 60000, 10, &again, &n),
        STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(again[0].id, j[3].id);
    arena_free(a);
    cleanup(st);
}
END_TEST

/* A libpq keyword/value string goes to PostgreSQL (never taken for a
 * SQLite path), and a failure does not print its password. */
START_TEST(conninfo_strings_are_postgres)
{
    char err[512] = "";
    struct store *st =
        store_open("host=127.0.0.1 port=1 user=nobody password=hunter2 dbname=x connect_timeout=2",
                   err, sizeof(err));
    ck_assert_ptr_null(st);
    ck_assert_msg(strstr(err, "PostgreSQL") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "hunter2") == NULL, "%s", err);
}
END_TEST

Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("sqlite");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, migrate_is_idempotent);
    tcase_add_test(tc, conninfo_strings_are_postgres);
    tcase_add_test(tc, account_auth_and_profiles);
    tcase_add_test(tc, linked_accounts_sorted_and_bump_version);
    tcase_add_test(tc, transactions_roll_back);
    tcase_add_test(tc, read_snapshot_renewed_when_a_stamp_moved);
    tcase_add_test(tc, token_writes_guarded_by_version_and_relink_hides);
    tcase_add_test(tc, gbp_edit_window);
    tcase_add_test(tc, telegram_codes_single_use_and_seen_first);
    tcase_add_test(tc, jobs_end_and_move_in_batches);
    suite_add_tcase(s, tc);
    return s;
}
