/* store/deliveries: the delivery runner's batches, on a real store (SQLite,
 * or PostgreSQL with SOCIALD_TEST_PG) — a lease's deliveries read in one go
 * with the secrets that sign them, chosen as store_webhook_secret_get
 * chooses; a drain's outcomes recorded in one go with the same effect as
 * recording them one by one in order (the webhook's failure count, its
 * disabling, a cancelled delivery staying cancelled). */
#include "suites.h"
#include "testutil.h"
#include "store/accounts.h"
#include "store/deliveries.h"
#include "store/profiles.h"
#include "store/webhooks.h"

#include <stdio.h>
#include <string.h>

static struct ut_store ut;
static struct store *st;
static struct arena *ar;
static int64_t account_id, primary_id, shop_id; /* the account, its primary profile, another */

static void setup(void)
{
    st = ut_store_open(&ut);
    ar = arena_new();
    unsigned char kh[STORE_HASH_LEN], ph[STORE_HASH_LEN];
    memset(kh, 1, sizeof(kh));
    memset(ph, 2, sizeof(ph));
    ck_assert_int_eq(store_account_create(st, "d@example.com", "business", kh,
                                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1000,
                                          &account_id),
                     STORE_OK);
    struct account acct;
    ck_assert_int_eq(store_auth(st, ar, kh, &acct), STORE_OK);
    primary_id = acct.primary_profile_id;
    ck_assert_int_eq(store_profile_create(st, account_id, "Shop", ph,
                                          "cccccccccccccccccccccccccccccccccccccccc", NULL, 2000,
                                          &shop_id),
                     STORE_OK);
    /* The account's webhook (on its primary profile) takes every
     * profile's social events. */
    ck_assert_int_eq(
        store_webhook_put(st, account_id, primary_id, "social", "https://hooks.example/a", 3000),
        STORE_OK);
}

static void teardown(void)
{
    arena_free(ar);
    ut_store_close(&ut);
}

/* A social event of profile_id; returns its delivery's id. */
static int64_t emit(int64_t profile_id)
{
    static int seq;
    char hook[32], pub[32], payload[64];
    seq++;
    snprintf(hook, sizeof(hook), "hook%d", seq);
    snprintf(pub, sizeof(pub), "dlv_%d", seq);
    snprintf(payload, sizeof(payload), "{\"n\":%d}", seq);
    struct event_new e = {
        .account_id = account_id,
        .profile_id = profile_id,
        .action = "social",
        .hook_id = hook,
        .payload = payload,
        .created_ms = 4000 + seq,
    };
    int64_t id = 0;
    ck_assert_int_eq(store_event_emit(st, &e, pub, &id), STORE_OK);
    ck_assert_int_gt(id, 0);
    return id;
}

/* The webhook of profile_id for social. */
static struct webhook hook_of(int64_t profile_id)
{
    struct webhook *w = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_webhook_list(st, ar, profile_id, &w, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    return w[0];
}

static struct delivery delivery(int64_t id)
{
    struct delivery_send *d = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_delivery_get_many(st, ar, &id, 1, &d, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    return d[0].d;
}

static struct delivery_outcome outcome(int64_t id, const char *status, int64_t at)
{
    bool failed = !strcmp(status, "failed");
    return (struct delivery_outcome){
        .delivery_id = id,
        .status = status,
        .attempts = 1,
        .http_status = failed ? 404 : 200,
        .error = failed ? "the receiver answered HTTP 404" : NULL,
        .url = "https://hooks.example/a",
        .attempt_ms = at,
        .next_attempt_ms = !strcmp(status, "pending") ? at + 5000 : 0,
        .disable_after = 3,
    };
}

static void same_secret(const struct webhook_secret *a, const struct webhook_secret *b)
{
    ck_assert_int_eq(a->profile_id, b->profile_id);
    ck_assert_uint_eq(a->secret_len, b->secret_len);
    ck_assert_uint_eq(a->prev_len, b->prev_len);
    ck_assert_int_eq(a->rotated_ms, b->rotated_ms);
    ck_assert(a->secret_len == 0 || !memcmp(a->secret, b->secret, a->secret_len));
    ck_assert(a->prev_len == 0 || !memcmp(a->prev, b->prev, a->prev_len));
}

START_TEST(get_many_reads_a_batch_with_its_secrets)
{
    int64_t d1 = emit(shop_id), d2 = emit(primary_id);
    struct delivery_send *rows = NULL;
    size_t n = 99;
    ck_assert_int_eq(store_delivery_get_many(st, ar, NULL, 0, &rows, &n), STORE_OK);
    ck_assert_uint_eq(n, 0);

    /* No secret anywhere: unsigned (profile 0). Missing ids are left out;
     * the rest come in id order. */
    int64_t ids[] = {d2, d1 + d2 + 1000, d1};
    ck_assert_int_eq(store_delivery_get_many(st, ar, ids, 3, &rows, &n), STORE_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rows[0].d.id, d1);
    ck_assert_int_eq(rows[1].d.id, d2);
    ck_assert_int_eq(rows[0].secret.profile_id, 0);
    ck_assert_ptr_null(rows[0].secret.secret);
    ck_assert_str_eq(rows[0].d.status, "pending");
    ck_assert_str_eq(rows[0].d.url, "https://hooks.example/a");
    ck_assert(!strncmp(rows[0].d.public_id, "dlv_", 4));
    ck_assert(!strncmp(rows[0].d.payload, "{\"n\":", 5));
    ck_assert(!strncmp(rows[0].d.hook_id, "hook", 4));
    ck_assert_int_eq(rows[0].d.profile_id, shop_id);
    ck_assert_int_eq(rows[0].d.webhook_profile_id, primary_id);
    ck_assert(rows[0].d.webhook_live);

    /* The account's secret signs the account's webhook. */
    ck_assert_int_eq(store_webhook_secret_set(st, primary_id, "sealed-a", 8, 7, 5000), STORE_OK);
    ck_assert_int_eq(store_webhook_secret_set(st, primary_id, "sealed-b", 8, 7, 6000), STORE_OK);
    ck_assert_int_eq(store_delivery_get_many(st, ar, ids, 3, &rows, &n), STORE_OK);
    ck_assert_uint_eq(n, 2);
    struct webhook_secret want;
    ck_assert_int_eq(store_webhook_secret_get(st, ar, primary_id, &want), STORE_OK);
    ck_assert_int_eq(want.profile_id, primary_id);
    ck_assert_uint_eq(want.prev_len, 8); /* rotated: the previous one too */
    same_secret(&rows[0].secret, &want);
    same_secret(&rows[1].secret, &want);

    /* The shop's own webhook, without a secret of its own: the account's
     * signs; with one: its own. */
    ck_assert_int_eq(
        store_webhook_put(st, account_id, shop_id, "social", "https://hooks.example/s", 7000),
        STORE_OK);
    int64_t d3 = emit(shop_id);
    ck_assert_int_eq(store_delivery_get_many(st, ar, &d3, 1, &rows, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(rows[0].d.url, "https://hooks.example/s");
    ck_assert_int_eq(rows[0].d.webhook_profile_id, shop_id);
    same_secret(&rows[0].secret, &want);
    ck_assert_int_eq(store_webhook_secret_set(st, shop_id, "sealed-shop", 11, 7, 8000), STORE_OK);
    ck_assert_int_eq(store_delivery_get_many(st, ar, &d3, 1, &rows, &n), STORE_OK);
    ck_assert_int_eq(store_webhook_secret_get(st, ar, shop_id, &want), STORE_OK);
    ck_assert_int_eq(want.profile_id, shop_id);
    same_secret(&rows[0].secret, &want);
    ck_assert_mem_eq(rows[0].secret.secret, "sealed-shop", 11);
}
END_TEST

START_TEST(record_many_writes_each_delivery)
{
    int64_t ok = emit(shop_id), retry = emit(shop_id), failed = emit(shop_id),
            twice = emit(shop_id);
    struct delivery_outcome o[] = {
        outcome(ok, "delivered", 10000),
        outcome(retry, "pending", 10001),
        outcome(failed, "failed", 10002),
        outcome(twice, "pending", 10003),
        outcome(ok + retry + failed + twice + 1000, "delivered", 10004), /* gone: skipped */
        outcome(twice, "delivered", 10005),                              /* the later stays */
    };
    o[1].http_status = 0;
    o[1].error = "timeout: no answer";
    bool disabled[6] = {true, true, true, true, true, true};
    ck_assert_int_eq(store_delivery_record_many(st, o, 6, disabled), STORE_OK);
    for (int i = 0; i < 6; i++)
        ck_assert(!disabled[i]);

    struct delivery d = delivery(ok);
    ck_assert_str_eq(d.status, "delivered");
    ck_assert_int_eq(d.attempts, 1);
    ck_assert_int_eq(d.last_status, 200);
    ck_assert_ptr_null(d.last_error);
    ck_assert_int_eq(d.last_attempt_ms, 10000);
    ck_assert_int_eq(d.completed_ms, 10000);
    ck_assert_int_eq(d.next_attempt_ms, 0);
    d = delivery(retry);
    ck_assert_str_eq(d.status, "pending");
    ck_assert_int_eq(d.last_status, 0);
    ck_assert_str_eq(d.last_error, "timeout: no answer");
    ck_assert_int_eq(d.next_attempt_ms, 15001);
    ck_assert_int_eq(d.completed_ms, 0);
    d = delivery(failed);
    ck_assert_str_eq(d.status, "failed");
    ck_assert_int_eq(d.last_status, 404);
    ck_assert_str_eq(d.last_error, "the receiver answered HTTP 404");
    ck_assert_int_eq(d.completed_ms, 10002);
    d = delivery(twice);
    ck_assert_str_eq(d.status, "delivered");
    ck_assert_int_eq(d.last_attempt_ms, 10005);
    ck_assert_int_eq(d.next_attempt_ms, 0);
    /* Two final failures and two successes, the last a success. */
    ck_assert_int_eq(hook_of(primary_id).failures, 0);
    ck_assert_int_eq(store_delivery_record_many(st, o, 0, disabled), STORE_OK);
}
END_TEST

START_TEST(record_many_keeps_a_cancelled_delivery_cancelled)
{
    int64_t d = emit(shop_id);
    ck_assert_int_eq(store_webhook_delete(st, primary_id, "social", 9000), STORE_OK);
    struct delivery_outcome o = outcome(d, "delivered", 10000);
    bool disabled;
    ck_assert_int_eq(store_delivery_record_many(st, &o, 1, &disabled), STORE_OK);
    struct delivery got = delivery(d);
    ck_assert_str_eq(got.status, "cancelled");
    ck_assert_int_eq(got.completed_ms, 9000);
    ck_assert_int_eq(got.next_attempt_ms, 0);
    ck_assert_int_eq(got.attempts, 1); /* the attempt is still recorded */
    ck_assert_int_eq(got.last_attempt_ms, 10000);
}
END_TEST

/* The failure count and the disabling, batch by batch, as recording one
 * outcome at a time would leave them (disable_after 3). */
START_TEST(record_many_counts_failures_in_order)
{
    int64_t d[16];
    for (int i = 0; i < 16; i++)
        d[i] = emit(shop_id);
    bool disabled[8];

    /* fail, fail: 2 */
    struct delivery_outcome b1[] = {outcome(d[0], "failed", 10000), outcome(d[1], "failed", 10001)};
    ck_assert_int_eq(store_delivery_record_many(st, b1, 2, disabled), STORE_OK);
    ck_assert_int_eq(hook_of(primary_id).failures, 2);
    ck_assert_int_eq(hook_of(primary_id).disabled_ms, 0);

    /* (2) ok, fail, retrying: 1; a pending outcome does not count */
    struct delivery_outcome b2[] = {outcome(d[2], "delivered", 11000),
                                    outcome(d[3], "failed", 11001),
                                    outcome(d[4], "pending", 11002)};
    ck_assert_int_eq(store_delivery_record_many(st, b2, 3, disabled), STORE_OK);
    ck_assert_int_eq(hook_of(primary_id).failures, 1);

    /* (1) fail, ok, fail, fail: 2 — the first failure made 2, not 3 */
    struct delivery_outcome b3[] = {outcome(d[5], "failed", 12000),
                                    outcome(d[6], "delivered", 12001),
                                    outcome(d[7], "failed", 12002), outcome(d[8], "failed", 12003)};
    ck_assert_int_eq(store_delivery_record_many(st, b3, 4, disabled), STORE_OK);
    ck_assert_int_eq(hook_of(primary_id).failures, 2);
    ck_assert_int_eq(hook_of(primary_id).disabled_ms, 0);

    /* (2) ok, fail, fail, fail, ok: the run of three after the success
     * disabled it (reported on its third failure); the count ends at 0 and
     * the webhook stays disabled. */
    struct delivery_outcome b4[] = {
        outcome(d[9], "delivered", 13000), outcome(d[10], "failed", 13001),
        outcome(d[11], "failed", 13002), outcome(d[12], "failed", 13003),
        outcome(d[13], "delivered", 13004)};
    ck_assert_int_eq(store_delivery_record_many(st, b4, 5, disabled), STORE_OK);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(disabled[i] == (i == 3), "disabled[%d]", i);
    struct webhook w = hook_of(primary_id);
    ck_assert_int_eq(w.failures, 0);
    ck_assert_int_eq(w.disabled_ms, 13004);
    ck_assert_str_eq(w.disabled_reason,
                     "the last events all failed; register the webhook again to enable it");

    /* A disabled webhook keeps counting, and is not disabled again. */
    struct delivery_outcome b5[] = {outcome(d[14], "failed", 14000),
                                    outcome(d[15], "failed", 14001)};
    ck_assert_int_eq(store_delivery_record_many(st, b5, 2, disabled), STORE_OK);
    ck_assert(!disabled[0] && !disabled[1]);
    w = hook_of(primary_id);
    ck_assert_int_eq(w.failures, 2);
    ck_assert_int_eq(w.disabled_ms, 13004);
}
END_TEST

/* A run that reaches the limit from the count before the batch, each
 * webhook on its own. */
START_TEST(record_many_disables_from_the_count_before)
{
    ck_assert_int_eq(
        store_webhook_put(st, account_id, shop_id, "social", "https://hooks.example/s", 7000),
        STORE_OK);
    int64_t a[3], s[2];
    for (int i = 0; i < 3; i++)
        a[i] = emit(primary_id); /* the account's webhook */
    for (int i = 0; i < 2; i++)
        s[i] = emit(shop_id); /* the shop's own */
    bool disabled[4];
    struct delivery_outcome b1[] = {outcome(a[0], "failed", 10000), outcome(s[0], "failed", 10001)};
    ck_assert_int_eq(store_delivery_record_many(st, b1, 2, disabled), STORE_OK);
    /* account's webhook: 1 + 2 = 3, disabled on its last failure; the
     * shop's: 1 + 1 = 2, still enabled */
    struct delivery_outcome b2[] = {outcome(a[1], "failed", 11000), outcome(s[1], "failed", 11001),
                                    outcome(a[2], "failed", 11002)};
    ck_assert_int_eq(store_delivery_record_many(st, b2, 3, disabled), STORE_OK);
    ck_assert(!disabled[0] && !disabled[1] && disabled[2]);
    ck_assert_int_eq(hook_of(primary_id).failures, 3);
    ck_assert_int_eq(hook_of(primary_id).disabled_ms, 11002);
    ck_assert_int_eq(hook_of(shop_id).failures, 2);
    ck_assert_int_eq(hook_of(shop_id).disabled_ms, 0);
}
END_TEST

Suite *deliveries_suite(void)
{
    Suite *s = suite_create("store/deliveries");
    TCase *tc = tcase_create("batches");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, get_many_reads_a_batch_with_its_secrets);
    tcase_add_test(tc, record_many_writes_each_delivery);
    tcase_add_test(tc, record_many_keeps_a_cancelled_delivery_cancelled);
    tcase_add_test(tc, record_many_counts_failures_in_order);
    tcase_add_test(tc, record_many_disables_from_the_count_before);
    suite_add_tcase(s, tc);
    return s;
}
