/* The change log PostgreSQL's processes follow (store/changelog.c). On
 * SQLite there is none (the stamps are shared memory) and these tests
 * pass without checking anything. */
#include "store/accounts.h"
#include "store/store.h"
#include "suites.h"
#include "testutil.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static struct ut_store ut;

/* Runs sql in a psql of its own on the test database; in the background
 * when bg (its output discarded). */
static void psql(const char *sql, bool bg)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "PGOPTIONS='-c client_min_messages=warning' psql -qX -v ON_ERROR_STOP=1 '%s' "
             "-c \"%s\" >/dev/null 2>&1 %s",
             ut.path, sql, bg ? "&" : "");
    ck_assert_int_eq(system(cmd), 0);
}

/* A row of another process's for profile id. */
static void row_sql(char *out, size_t n, int64_t id)
{
    snprintf(out, n, "INSERT INTO change_log (kind, id, origin, at_ms) VALUES (2, %lld, 7, %lld)",
             (long long)id, (long long)time_now_ms());
}

/* Waits up to 5 s for the entity's stamp to move from was. */
static bool moves_kind(struct store *st, enum store_kind kind, int64_t id, uint64_t was)
{
    for (int i = 0; i < 500; i++) {
        if (store_stamp(st, kind, id) != was)
            return true;
        usleep(10000);
    }
    return false;
}

static bool moves(struct store *st, int64_t id, uint64_t was)
{
    return moves_kind(st, STORE_KIND_PROFILE, id, was);
}

/* A row that commits after a higher-numbered one was read (its number
 * handed out first) is still applied: its number was kept as a hole. */
START_TEST(a_row_committed_late_is_applied)
{
    if (!getenv("SOCIALD_TEST_PG"))
        return;
    struct store *st = ut_store_open(&ut);
    uint64_t s1 = store_stamp(st, STORE_KIND_PROFILE, 101);
    uint64_t s2 = store_stamp(st, STORE_KIND_PROFILE, 202);
    char row[256], sql[512];
    row_sql(row, sizeof(row), 101);
    snprintf(sql, sizeof(sql), "BEGIN; %s; SELECT pg_sleep(1.5); COMMIT;", row);
    psql(sql, true);
    usleep(300000); /* the slow one has its number */
    row_sql(row, sizeof(row), 202);
    psql(row, false);
    ck_assert(moves(st, 202, s2));
    ck_assert(moves(st, 101, s1));
    ut_store_close(&ut);
}
END_TEST

/* A number whose row never commits is given up after a while, with every
 * stamp bumped: nothing cached can outlive a change it missed. */
START_TEST(a_hole_never_filled_bumps_everything)
{
    if (!getenv("SOCIALD_TEST_PG"))
        return;
    struct store *st = ut_store_open(&ut);
    uint64_t other = store_stamp(st, STORE_KIND_PROFILE, 999);
    uint64_t s4 = store_stamp(st, STORE_KIND_PROFILE, 404);
    char row[256], sql[512];
    row_sql(row, sizeof(row), 303);
    snprintf(sql, sizeof(sql), "BEGIN; %s; ROLLBACK;", row);
    psql(sql, false);
    row_sql(row, sizeof(row), 404);
    psql(row, false);
    ck_assert(moves(st, 404, s4));
    /* 999 was never written: only giving up the hole moves it. */
    for (int i = 0; i < 1000 && store_stamp(st, STORE_KIND_PROFILE, 999) == other; i++)
        usleep(10000);
    ck_assert_uint_ne(store_stamp(st, STORE_KIND_PROFILE, 999), other);
    ut_store_close(&ut);
}
END_TEST

/* A process's own rows are not applied again: its commit bumped them. */
START_TEST(own_rows_are_not_applied_twice)
{
    if (!getenv("SOCIALD_TEST_PG"))
        return;
    struct store *st = ut_store_open(&ut);
    struct store *other = ut_store_another(&ut);
    unsigned char kh[32] = {1};
    int64_t aid;
    ck_assert_int_eq(store_account_create(st, "c@example.com", "free", kh,
                                          "4444444444444444444444444444444444444444", 1, &aid),
                     STORE_OK);
    usleep(300000); /* both followers are past the account's creation */
    uint64_t before = store_stamp(st, STORE_KIND_ACCOUNT, aid);
    uint64_t o = store_stamp(other, STORE_KIND_ACCOUNT, aid);
    ck_assert_int_eq(store_account_set_plan(st, aid, "business"), STORE_OK);
    uint64_t after = store_stamp(st, STORE_KIND_ACCOUNT, aid);
    ck_assert_uint_eq(after, before + 1);
    /* The other handle sees it through the log... */
    ck_assert(moves_kind(other, STORE_KIND_ACCOUNT, aid, o));
    /* ...and the writer, whose follower has read past its own row by
     * then, did not bump it again. */
    usleep(300000);
    ck_assert_uint_eq(store_stamp(st, STORE_KIND_ACCOUNT, aid), after);
    store_close(other);
    ut_store_close(&ut);
}
END_TEST

Suite *changelog_suite(void)
{
    Suite *s = suite_create("store/changelog");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, a_row_committed_late_is_applied);
    tcase_add_test(tc, a_hole_never_filled_bumps_everything);
    tcase_add_test(tc, own_rows_are_not_applied_twice);
    suite_add_tcase(s, tc);
    return s;
}
