#include "suites.h"
#include "core/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool load(struct config *cfg, int argc, char **argv, char *err)
{
    struct args a;
    ck_assert(args_parse(argc, argv, &a, err, 256));
    return config_load(cfg, &a, err, 256);
}

START_TEST(defaults)
{
    struct config cfg;
    char err[256];
    char *argv[] = {"serve"};
    ck_assert(load(&cfg, 1, argv, err));
    ck_assert_str_eq(cfg.host, "127.0.0.1");
    ck_assert_uint_eq(cfg.port, 8080);
    ck_assert_str_eq(cfg.db, "./var/sociald.db");
    ck_assert_str_eq(cfg.public_url, "http://127.0.0.1:8080");
    ck_assert_int_eq(cfg.body_limit, 1048576);
    ck_assert_int_eq(cfg.rate_limit, 300);
    ck_assert_int_eq(config_plan(&cfg, "free")->monthly_quota, 20);
    ck_assert_int_eq(config_plan(&cfg, "business")->monthly_quota, -1);
    ck_assert(config_plan_allows(config_plan(&cfg, "launch"), "profiles"));
    ck_assert(!config_plan_allows(config_plan(&cfg, "premium"), "profiles"));
    ck_assert(config_plan_allows(config_plan(&cfg, "premium"), "details"));
    ck_assert(!config_plan_allows(config_plan(&cfg, "launch"), "batch"));
    config_free(&cfg);
}
END_TEST

START_TEST(precedence_file_env_flag)
{
    char path[] = "/tmp/sociald-cfg-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("{\"listen\":\"0.0.0.0:9000\",\"data\":\"/tmp/x\",\"rate_limit\":5,"
          "\"public_url\":\"https://api.example.com/\","
          "\"plans\":{\"free\":{\"monthlyQuota\":3},\"gold\":{\"families\":[\"user\",\"batch\"]}}}",
          f);
    fclose(f);
    setenv("SOCIALD_RATE_LIMIT", "7", 1);
    struct config cfg;
    char err[256];
    char *argv[] = {"serve", "--config", path, "--listen=[::1]:0"};
    ck_assert_msg(load(&cfg, 4, argv, err), "%s", err);
    unsetenv("SOCIALD_RATE_LIMIT");
    unlink(path);
    ck_assert_str_eq(cfg.host, "::1");
    ck_assert_uint_eq(cfg.port, 0);
    ck_assert_int_eq(cfg.rate_limit, 7);
    ck_assert_str_eq(cfg.db, "/tmp/x/sociald.db");
    ck_assert_str_eq(cfg.public_url, "https://api.example.com");
    ck_assert_int_eq(config_plan(&cfg, "free")->monthly_quota, 3);
    ck_assert(config_plan_allows(config_plan(&cfg, "gold"), "batch"));
    ck_assert_int_eq(config_plan(&cfg, "gold")->monthly_quota, -1);
    config_free(&cfg);
}
END_TEST

START_TEST(bad_values)
{
    struct config cfg;
    char err[256];
    char *a1[] = {"serve", "--listen", "nocolon"};
    ck_assert(!load(&cfg, 3, a1, err));
    config_free(&cfg);
    char *a2[] = {"serve", "--rate-limit", "-1"};
    ck_assert(!load(&cfg, 3, a2, err));
    ck_assert(strstr(err, "rate-limit") != NULL);
    config_free(&cfg);
    char *a3[] = {"serve", "--config", "/nonexistent/file.json"};
    ck_assert(!load(&cfg, 3, a3, err));
    config_free(&cfg);
}
END_TEST

START_TEST(args_words_and_unused)
{
    struct args a;
    char err[128];
    char *argv[] = {"account", "create", "--email", "a@b.c", "--bogus"};
    ck_assert(args_parse(5, argv, &a, err, sizeof(err)));
    ck_assert_uint_eq(a.nwords, 2);
    ck_assert_str_eq(args_get(&a, "email"), "a@b.c");
    ck_assert_str_eq(args_unused(&a), "bogus");
    ck_assert(args_flag(&a, "bogus"));
    ck_assert_ptr_null(args_unused(&a));
}
END_TEST

Suite *config_suite(void)
{
    Suite *s = suite_create("core/config");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, precedence_file_env_flag);
    tcase_add_test(tc, bad_values);
    tcase_add_test(tc, args_words_and_unused);
    suite_add_tcase(s, tc);
    return s;
}
