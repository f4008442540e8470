#include "suites.h"
#include "util/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh temporary directory for one test; removed by the caller's rm. */
static void tmpdir(char *dir, size_t n)
{
    snprintf(dir, n, "/tmp/sociald-fsutil-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rm_tree(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(mkdir_p_makes_parents)
{
    char dir[64], path[128];
    tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/a/b/c", dir);
    ck_assert(fs_mkdir_p(path));
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert(S_ISDIR(sb.st_mode));
    ck_assert_int_eq(sb.st_mode & 0777, 0700); /* data directories hold keys */
    snprintf(path, sizeof(path), "%s/a", dir);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0700);
    rm_tree(dir);
}
END_TEST

START_TEST(mkdir_p_existing_is_fine)
{
    char dir[64], path[128];
    tmpdir(dir, sizeof(dir));
    ck_assert(fs_mkdir_p(dir));
    snprintf(path, sizeof(path), "%s/x/", dir); /* a trailing slash */
    ck_assert(fs_mkdir_p(path));
    ck_assert(fs_mkdir_p(path));
    snprintf(path, sizeof(path), "%s/x", dir);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert(S_ISDIR(sb.st_mode));
    rm_tree(dir);
}
END_TEST

START_TEST(mkdir_p_failures)
{
    char dir[64], path[128];
    tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/file", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    /* A parent that is a file. */
    snprintf(path, sizeof(path), "%s/file/sub", dir);
    errno = 0;
    ck_assert(!fs_mkdir_p(path));
    ck_assert_int_eq(errno, ENOTDIR);
    /* A path longer than the buffer fails cleanly instead of truncating. */
    size_t n = 5000;
    char *longp = malloc(n + 1);
    memset(longp, 'a', n);
    longp[0] = '/';
    longp[n] = '\0';
    errno = 0;
    ck_assert(!fs_mkdir_p(longp));
    ck_assert_int_eq(errno, ENAMETOOLONG);
    free(longp);
    rm_tree(dir);
}
END_TEST

Suite *fsutil_suite(void)
{
    Suite *s = suite_create("util/fsutil");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, mkdir_p_makes_parents);
    tcase_add_test(tc, mkdir_p_existing_is_fine);
    tcase_add_test(tc, mkdir_p_failures);
    suite_add_tcase(s, tc);
    return s;
}
