/* ops: each change writes itself, its events and its jobs together, and a
 * change that cannot happen writes nothing. A real migrated store and a
 * vault in a temporary directory; no runners (app->runner NULL). */
#include "suites.h"
#include "testutil.h"
#include "core/app.h"
#include "crypto/vault.h"
#include "ops/linked.h"
#include "ops/ops.h"
#include "platforms/names.h"
#include "store/accounts.h"
#include "store/deliveries.h"
#include "store/jobs.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "store/webhooks.h"
#include "util/timeutil.h"

#include <string.h>

static struct ut_store ut;
static struct app app;
static struct arena *ar;
static struct profile prof;

static void setup(void)
{
    memset(&app, 0, sizeof(app));
    app.store = ut_store_open(&ut);
    char err[256];
    app.vault = vault_open(ut.dir, NULL, err, sizeof(err));
    ck_assert_ptr_nonnull(app.vault);
    ar = arena_new();
    unsigned char kh[STORE_HASH_LEN];
    memset(kh, 1, sizeof(kh));
    int64_t aid = 0;
    ck_assert_int_eq(store_account_create(app.store, "o@example.com", "business", kh,
                                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1000, &aid),
                     STORE_OK);
    unsigned char ph[STORE_HASH_LEN];
    memset(ph, 2, sizeof(ph));
    int64_t pid = 0;
    ck_assert_int_eq(store_profile_create(app.store, aid, "Shop", ph,
                                          "cccccccccccccccccccccccccccccccccccccccc", NULL, 2000,
                                          &pid),
                     STORE_OK);
    ck_assert_int_eq(store_profile_get(app.store, ar, pid, &prof), STORE_OK);
    ck_assert_int_eq(
        store_webhook_put(app.store, aid, pid, "social", "https://hooks.example/x", 3000),
        STORE_OK);
}

static void teardown(void)
{
    arena_free(ar);
    vault_free(app.vault);
    ut_store_close(&ut);
}

/* Events written for the account (each has a delivery: a webhook takes
 * social events). */
static size_t events(void)
{
    struct delivery *d = NULL;
    size_t n = 0;
    ck_assert_int_eq(
        store_delivery_list(app.store, ar, prof.account_id, 0, NULL, NULL, 0, 100, &d, &n),
        STORE_OK);
    return n;
}

static const char *last_event(void)
{
    struct delivery *d = NULL;
    size_t n = 0;
    ck_assert_int_eq(
        store_delivery_list(app.store, ar, prof.account_id, 0, NULL, NULL, 0, 1, &d, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    return d[0].payload;
}

/* Jobs queued of kind. */
static int64_t jobs(const char *kind)
{
    struct job_kind_count *c = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_job_counts(app.store, ar, 32, &c, &n), STORE_OK);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(c[i].kind, kind))
            return c[i].queued;
    return 0;
}

static size_t linked(void)
{
    struct linked_account *la = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_linked_list(app.store, ar, prof.id, &la, &n), STORE_OK);
    return n;
}

/* Links a LinkedIn account whose token expires in an hour. */
static int64_t link_linkedin(void)
{
    struct identity id = {.disp = {.network_id = "li-1", .display_name = "Ada"}};
    struct tokens t = {
        .access = "acc-secret",
        .refresh = "ref-secret",
        .access_expires_ms = time_now_ms() + 3600000,
    };
    ck_assert_int_eq(ops_link(&app, ar, &prof, platform_index("linkedin"), &id, &t), STORE_OK);
    struct linked_account *la = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_linked_list(app.store, ar, prof.id, &la, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    return la[0].id;
}

/* The id of the queued job of kind (leased, so it can be ended). */
static int64_t job_id(const char *kind)
{
    struct job *j = NULL;
    size_t n = 0;
    ck_assert_int_eq(
        store_job_lease(app.store, ar, JOB_LANE_UPKEEP, "test", INT64_MAX / 2, 60000, 16, &j, &n),
        STORE_OK);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(j[i].kind, kind))
            return j[i].id;
    ck_abort_msg("no %s job", kind);
    return 0;
}

START_TEST(link_writes_account_event_and_jobs)
{
    link_linkedin();
    ck_assert_uint_eq(events(), 1);
    ck_assert_ptr_nonnull(strstr(last_event(), "\"type\":\"link\""));
    ck_assert_int_eq(jobs("refresh"), 1);
    ck_assert_int_eq(jobs("remind"), 1);
    /* The tokens are sealed, never stored in clear. */
    struct linked_account *la = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_linked_list(app.store, ar, prof.id, &la, &n), STORE_OK);
    struct linked_state ls;
    ck_assert_int_eq(store_linked_state(app.store, ar, la[0].id, &ls), STORE_OK);
    ck_assert(ls.access_len > 0 && !memmem(ls.access, ls.access_len, "acc-secret", 10));
}
END_TEST

START_TEST(choose_taken_choice_writes_nothing)
{
    struct identity id = {.disp = {.network_id = "pg-1", .display_name = "Page"}};
    struct tokens t = {.access = "a"};
    ck_assert_int_eq(
        ops_link_choose(&app, ar, "no-such-choice", &prof, platform_index("facebook"), &id, &t),
        STORE_NOTFOUND);
    ck_assert_uint_eq(linked(), 0);
    ck_assert_uint_eq(events(), 0);
}
END_TEST

START_TEST(telegram_unknown_code_writes_nothing)
{
    struct identity id = {.disp = {.network_id = "-100", .display_name = "Chat"}};
    struct tokens t = {.access = "bot"};
    ck_assert_int_eq(ops_link_telegram(&app, ar, &prof, 424242, &id, &t), STORE_NOTFOUND);
    ck_assert_uint_eq(linked(), 0);
    ck_assert_uint_eq(events(), 0);
}
END_TEST

START_TEST(unlink_writes_event_and_revocation)
{
    link_linkedin();
    ck_assert_int_eq(ops_unlink(&app, ar, &prof, "linkedin", "user", NULL), STORE_OK);
    ck_assert_uint_eq(linked(), 0);
    ck_assert_uint_eq(events(), 2);
    ck_assert_ptr_nonnull(strstr(last_event(), "\"type\":\"unlink\""));
    ck_assert_int_eq(jobs("revoke"), 1);
    /* Not linked: no event, no job. */
    ck_assert_int_eq(ops_unlink(&app, ar, &prof, "twitter", "user", NULL), STORE_NOTFOUND);
    ck_assert_uint_eq(events(), 2);
    ck_assert_int_eq(jobs("revoke"), 1);
}
END_TEST

START_TEST(profile_delete_once)
{
    link_linkedin();
    ck_assert_int_eq(ops_profile_delete(&app, ar, &prof, "api"), STORE_OK);
    ck_assert_uint_eq(events(), 2);
    ck_assert_ptr_nonnull(strstr(last_event(), "\"type\":\"unlink\""));
    ck_assert_int_eq(jobs("revoke"), 1);
    /* Already deleted: NOTFOUND, nothing more. */
    ck_assert_int_eq(ops_profile_delete(&app, ar, &prof, "api"), STORE_NOTFOUND);
    ck_assert_uint_eq(events(), 2);
    ck_assert_int_eq(jobs("revoke"), 1);
}
END_TEST

START_TEST(relink_required_and_its_race)
{
    int64_t lid = link_linkedin();
    struct linked_state ls;
    ck_assert_int_eq(store_linked_state(app.store, ar, lid, &ls), STORE_OK);
    /* A re-link won the race (the version moved): nothing written. */
    struct linked_state stale = ls;
    stale.token_version = ls.token_version - 1;
    ck_assert_int_eq(ops_relink_required(&app, ar, &stale, "gone", 0, time_now_ms()),
                     STORE_CONFLICT);
    ck_assert_uint_eq(events(), 1);
    ck_assert_int_eq(jobs("remind"), 1);
    /* Inside a caller's transaction (the drain), the race leaves the
     * caller's other writes alone. */
    ck_assert_int_eq(store_begin(app.store), STORE_OK);
    ck_assert_int_eq(store_job_add(app.store, "details", prof.id, 0, 0), STORE_OK);
    ck_assert_int_eq(ops_relink_required(&app, ar, &stale, "gone", 0, time_now_ms()),
                     STORE_CONFLICT);
    ck_assert_int_eq(store_commit(app.store), STORE_OK);
    ck_assert_int_eq(jobs("details"), 1);
    /* The grant is gone: status, event, reminder and refresh job ended. */
    int64_t refresh = job_id("refresh");
    ck_assert_int_eq(ops_relink_required(&app, ar, &ls, "gone", refresh, time_now_ms()), STORE_OK);
    ck_assert_uint_eq(events(), 2);
    ck_assert_ptr_nonnull(strstr(last_event(), "\"source\":\"system\""));
    ck_assert_int_eq(jobs("remind"), 0);
    ck_assert_int_eq(jobs("refresh"), 0);
    ck_assert_int_eq(store_linked_state(app.store, ar, lid, &ls), STORE_OK);
    ck_assert_str_eq(ls.status, "relink_required");
}
END_TEST

START_TEST(refresh_outcomes)
{
    int64_t lid = link_linkedin();
    struct linked_state ls;
    ck_assert_int_eq(store_linked_state(app.store, ar, lid, &ls), STORE_OK);
    int64_t job = job_id("refresh");
    int64_t now = time_now_ms();
    /* A passing failure: marked, retried; no event. */
    ck_assert_int_eq(
        ops_refresh_failing(&app, job, lid, ls.token_version, "503", 1, now + 60000, now),
        STORE_OK);
    ck_assert_int_eq(store_linked_state(app.store, ar, lid, &ls), STORE_OK);
    ck_assert_str_eq(ls.status, "refresh_failing");
    ck_assert_uint_eq(events(), 1);
    /* New tokens under a stale version: superseded, nothing written. */
    struct linked_secret sec = {.access_expires_ms = now + 7200000};
    ck_assert(ops_linked_seal(app.vault, ar, prof.id, "linkedin", "new", "newr", &sec));
    ck_assert_int_eq(ops_refresh_saved(&app, job, lid, ls.token_version - 1, &sec, now),
                     STORE_CONFLICT);
    ck_assert_int_eq(store_linked_state(app.store, ar, lid, &ls), STORE_OK);
    ck_assert_str_eq(ls.status, "refresh_failing");
    /* Saved: the account is ok again, its job stays for the next refresh. */
    ck_assert_int_eq(ops_refresh_saved(&app, job, lid, ls.token_version, &sec, now), STORE_OK);
    ck_assert_int_eq(store_linked_state(app.store, ar, lid, &ls), STORE_OK);
    ck_assert_str_eq(ls.status, "ok");
    ck_assert_int_eq(jobs("refresh"), 1);
}
END_TEST

START_TEST(remind_and_details)
{
    int64_t lid = link_linkedin();
    struct linked_state ls;
    ck_assert_int_eq(store_linked_state(app.store, ar, lid, &ls), STORE_OK);
    int64_t remind = job_id("remind");
    ck_assert_int_eq(ops_remind_sent(&app, ar, &ls, "link again", remind, time_now_ms()), STORE_OK);
    ck_assert_uint_eq(events(), 2);
    ck_assert_ptr_nonnull(strstr(last_event(), "\"type\":\"refresh\""));
    ck_assert_int_eq(jobs("remind"), 0);

    struct linked_account found = {.id = lid, .profile_id = prof.id, .platform = "linkedin"};
    found.disp.network_id = "li-1";
    found.disp.display_name = "Ada Lovelace";
    /* Two profiles' results in one write: the second read nothing. */
    struct ops_details res[2] = {
        {.profile_id = prof.id, .found = &found, .n = 1, .refresh_now = &lid, .nrefresh = 1},
        {.profile_id = prof.id},
    };
    int64_t now = time_now_ms();
    ck_assert_int_eq(ops_details_saved(&app, res, 2, now), STORE_OK);
    ck_assert_uint_eq(res[0].changed, 1);
    ck_assert_uint_eq(res[1].changed, 0);
    ck_assert_int_eq(jobs("refresh"), 1); /* the refused token's refresh, due now */
    struct profile p;
    ck_assert_int_eq(store_profile_get(app.store, ar, prof.id, &p), STORE_OK);
    ck_assert_int_eq(p.details_updated_ms, now);
}
END_TEST

START_TEST(webhook_register_with_secret)
{
    ck_assert_int_eq(ops_webhook_register(&app, prof.account_id, prof.id, "batch",
                                          "https://hooks.example/b", "s3cret-s3cret", 5000),
                     STORE_OK);
    struct webhook *w = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_webhook_list(app.store, ar, prof.id, &w, &n), STORE_OK);
    ck_assert_uint_eq(n, 2);
}
END_TEST

/* A social event of prof with its delivery (and job); the delivery's id. */
static int64_t emit_event(const char *public_id)
{
    struct event_new e = {.account_id = prof.account_id,
                          .profile_id = prof.id,
                          .action = "social",
                          .hook_id = public_id,
                          .payload = "{}",
                          .created_ms = 4000};
    int64_t id = 0;
    ck_assert_int_eq(store_event_emit(app.store, &e, public_id, &id), STORE_OK);
    return id;
}

START_TEST(delivery_outcomes_end_and_move_their_jobs)
{
    int64_t d[2] = {emit_event("dlv_a"), emit_event("dlv_b")};
    struct job *j = NULL;
    size_t n = 0;
    ck_assert_int_eq(
        store_job_lease(app.store, ar, JOB_LANE_DELIVERY, "test", 5000, 60000, 8, &j, &n),
        STORE_OK);
    ck_assert_uint_eq(n, 2);
    int64_t job_ids[2];
    for (size_t i = 0; i < 2; i++)
        job_ids[j[i].ref == d[0] ? 0 : 1] = j[i].id;
    struct delivery_outcome o[2] = {
        {.delivery_id = d[0],
         .status = "delivered",
         .attempts = 1,
         .http_status = 200,
         .url = "https://hooks.example/x",
         .attempt_ms = 6000,
         .disable_after = 10},
        {.delivery_id = d[1],
         .status = "pending",
         .attempts = 1,
         .http_status = 503,
         .error = "the receiver answered HTTP 503",
         .url = "https://hooks.example/x",
         .attempt_ms = 6000,
         .next_attempt_ms = 11000,
         .disable_after = 10},
    };
    bool disabled[2];
    ck_assert_int_eq(ops_delivery_record_many(&app, o, job_ids, 2, disabled), STORE_OK);
    /* The delivered one's job ended; the other's waits for its retry. */
    ck_assert_int_eq(jobs("webhook"), 1);
    ck_assert_int_eq(
        store_job_lease(app.store, ar, JOB_LANE_DELIVERY, "test", 10999, 60000, 8, &j, &n),
        STORE_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(
        store_job_lease(app.store, ar, JOB_LANE_DELIVERY, "test", 11000, 60000, 8, &j, &n),
        STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(j[0].ref, d[1]);
    ck_assert_int_eq(j[0].attempts, 2);
    struct delivery *list = NULL;
    ck_assert_int_eq(
        store_delivery_list(app.store, ar, prof.account_id, 0, NULL, NULL, 0, 10, &list, &n),
        STORE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(list[0].status, "pending"); /* newest first: dlv_b */
    ck_assert_int_eq(list[0].last_status, 503);
    ck_assert_str_eq(list[1].status, "delivered");
}
END_TEST

START_TEST(batch_request_once)
{
    struct batch_export e;
    bool started = false;
    int64_t now = time_now_ms();
    ck_assert_int_eq(ops_batch_request(&app, ar, prof.account_id, "f1.json.gz", now, 3600000,
                                       86400000, &e, &started),
                     STORE_OK);
    ck_assert(started);
    int64_t first = e.id;
    ck_assert_int_eq(ops_batch_request(&app, ar, prof.account_id, "f2.json.gz", now + 1, 3600000,
                                       86400000, &e, &started),
                     STORE_OK);
    ck_assert(!started);
    ck_assert_int_eq(e.id, first);
}
END_TEST

Suite *ops_suite(void)
{
    Suite *s = suite_create("ops");
    TCase *tc = tcase_create("changes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, link_writes_account_event_and_jobs);
    tcase_add_test(tc, choose_taken_choice_writes_nothing);
    tcase_add_test(tc, telegram_unknown_code_writes_nothing);
    tcase_add_test(tc, unlink_writes_event_and_revocation);
    tcase_add_test(tc, profile_delete_once);
    tcase_add_test(tc, relink_required_and_its_race);
    tcase_add_test(tc, refresh_outcomes);
    tcase_add_test(tc, remind_and_details);
    tcase_add_test(tc, webhook_register_with_secret);
    tcase_add_test(tc, delivery_outcomes_end_and_move_their_jobs);
    tcase_add_test(tc, batch_request_once);
    suite_add_tcase(s, tc);
    return s;
}
