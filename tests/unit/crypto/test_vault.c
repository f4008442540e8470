#include "suites.h"
#include "crypto/vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static struct vault *fresh(void)
{
    snprintf(dir, sizeof(dir), "/tmp/sociald-vault-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char err[256];
    struct vault *v = vault_open(dir, NULL, err, sizeof(err));
    ck_assert_msg(v != NULL, "%s", err);
    return v;
}

static void cleanup(struct vault *v)
{
    vault_free(v);
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(seal_unseal_and_tamper)
{
    struct vault *v = fresh();
    char path[96];
    snprintf(path, sizeof(path), "%s/master.key", dir);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 0777, 0600);
    size_t n, pl;
    unsigned char *blob = vault_seal(v, "token-123", 9, "linked:7", &n);
    ck_assert_uint_eq(n, 1 + 4 + 12 + 9 + 16);
    ck_assert_uint_eq(vault_key_of(blob, n), 1);
    ck_assert(memmem(blob, n, "token-123", 9) == NULL);
    char *p = vault_unseal(v, blob, n, "linked:7", &pl);
    ck_assert_str_eq(p, "token-123");
    vault_wipe(p, pl);
    ck_assert_ptr_null(vault_unseal(v, blob, n, "linked:8", &pl)); /* other row */
    for (size_t i = 0; i < n; i++) {
        blob[i] ^= 0x01;
        ck_assert_msg(vault_unseal(v, blob, n, "linked:7", &pl) == NULL, "byte %zu", i);
        blob[i] ^= 0x01;
    }
    unsigned char *again = vault_seal(v, "token-123", 9, "linked:7", &n);
    ck_assert(memcmp(again + 5, blob + 5, 12) != 0); /* fresh nonce */
    free(again);
    free(blob);
    cleanup(v);
}
END_TEST

START_TEST(rotation_keeps_old_readable_until_retired)
{
    struct vault *v = fresh();
    size_t n, pl;
    unsigned char *old = vault_seal(v, "s", 1, "a", &n);
    uint32_t id = 0;
    char err[256];
    ck_assert(vault_add_key(v, &id, err, sizeof(err)));
    ck_assert_uint_eq(id, 2);
    ck_assert_uint_eq(vault_current(v), 2);
    char *p = vault_unseal(v, old, n, "a", &pl);
    ck_assert_ptr_nonnull(p);
    vault_wipe(p, pl);
    /* another process sees the new key through the file */
    struct vault *other = vault_open(dir, NULL, err, sizeof(err));
    ck_assert_uint_eq(vault_current(other), 2);
    ck_assert(vault_retire_keys(v, NULL, 0, err, sizeof(err)));
    uint32_t ids[VAULT_MAX_KEYS];
    ck_assert_uint_eq(vault_key_ids(v, ids), 1);
    ck_assert_ptr_null(vault_unseal(v, old, n, "a", &pl));
    vault_free(other);
    free(old);
    cleanup(v);
}
END_TEST

START_TEST(environment_keys)
{
    char err[256];
    const char *hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    struct vault *v = vault_open("/nonexistent", hex, err, sizeof(err));
    ck_assert_msg(v != NULL, "%s", err);
    ck_assert_uint_eq(vault_current(v), 1);
    uint32_t id;
    ck_assert(!vault_add_key(v, &id, err, sizeof(err)));
    vault_free(v);
    char two[200];
    snprintf(two, sizeof(two), "3:%s,7:%s", hex, hex);
    v = vault_open("/nonexistent", two, err, sizeof(err));
    ck_assert_uint_eq(vault_current(v), 7);
    vault_free(v);
    ck_assert_ptr_null(vault_open("/nonexistent", "tooshort", err, sizeof(err)));
}
END_TEST

START_TEST(only_the_owner_may_open_data_and_keys)
{
    struct vault *v = fresh();
    vault_free(v);
    char err[512], want[160], path[96];
    ck_assert_int_eq(chmod(dir, 0700), 0);
    ck_assert_msg(vault_path_private(dir, "data directory", err, sizeof(err)), "%s", err);
    /* group or others may read, write or enter: refused, saying what to run */
    const mode_t open_modes[] = {0755, 0750, 0770, 0701, 0702, 0710};
    for (size_t i = 0; i < sizeof(open_modes) / sizeof(open_modes[0]); i++) {
        ck_assert_int_eq(chmod(dir, open_modes[i]), 0);
        ck_assert(!vault_path_private(dir, "data directory", err, sizeof(err)));
        snprintf(want, sizeof(want), "data directory %s", dir);
        ck_assert_msg(strstr(err, want) != NULL, "%s", err);
        snprintf(want, sizeof(want), "chmod 700 %s", dir);
        ck_assert_msg(strstr(err, want) != NULL, "%s", err);
    }
    ck_assert_int_eq(chmod(dir, 0700), 0);
    /* the key file: 0600 only; vault_open refuses it otherwise */
    snprintf(path, sizeof(path), "%s/master.key", dir);
    ck_assert(vault_path_private(path, "master key file", err, sizeof(err)));
    ck_assert_int_eq(chmod(path, 0640), 0);
    ck_assert(!vault_path_private(path, "master key file", err, sizeof(err)));
    ck_assert_ptr_null(vault_open(dir, NULL, err, sizeof(err)));
    snprintf(want, sizeof(want), "chmod 600 %s", path);
    ck_assert_msg(strstr(err, want) != NULL, "%s", err);
    ck_assert_int_eq(chmod(path, 0600), 0);
    v = vault_open(dir, NULL, err, sizeof(err));
    ck_assert_msg(v != NULL, "%s", err);
    /* a path that is not there is not private either */
    snprintf(path, sizeof(path), "%s/missing", dir);
    ck_assert(!vault_path_private(path, "data directory", err, sizeof(err)));
    cleanup(v);
}
END_TEST

Suite *vault_suite(void)
{
    Suite *s = suite_create("crypto/vault");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, seal_unseal_and_tamper);
    tcase_add_test(tc, rotation_keeps_old_readable_until_retired);
    tcase_add_test(tc, environment_keys);
    tcase_add_test(tc, only_the_owner_may_open_data_and_keys);
    suite_add_tcase(s, tc);
    return s;
}
