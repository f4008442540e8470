/*
 * secrets: the server's own secrets, sealed at rest (see secrets.h).
 */
#include "app/secrets.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "crypto/vault.h"
#include "store/store.h"
#include "util/arena.h"
#include "store/secrets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET_LEN 32

static void aad_of(const char *name, char *aad, size_t n)
{
    snprintf(aad, n, "secret:%s", name);
}

/* Seals a plain row's value (SECRET_LEN bytes) under the current key. */
static unsigned char *seal_plain(struct vault *v, const struct server_secret *row, size_t *n)
{
    char aad[96];
    aad_of(row->name, aad, sizeof(aad));
    return vault_seal(v, row->value, row->len, aad, n);
}

/* A row written before schema 10: its value is used as it is and sealed in
 * place (unless another process sealed it first). */
static bool adopt_plain(struct store *st, struct vault *v, const struct server_secret *row,
                        unsigned char out[32], char *err, size_t errlen)
{
    if (row->len != SECRET_LEN) {
        snprintf(err, errlen, "the server secret %s in the database is not %d bytes", row->name,
                 SECRET_LEN);
        return false;
    }
    memcpy(out, row->value, SECRET_LEN);
    size_t n = 0;
    unsigned char *sealed = seal_plain(v, row, &n);
    enum store_rc rc = store_secret_seal(st, row->name, sealed, n, vault_key_of(sealed, n), true);
    free(sealed);
    if (rc == STORE_OK)
        log_info("sealed the server secret %s under the master key", row->name);
    else if (rc != STORE_NOTFOUND) /* NOTFOUND: another process sealed it */
        snprintf(err, errlen, "cannot seal the server secret %s", row->name);
    return rc == STORE_OK || rc == STORE_NOTFOUND;
}

static bool open_sealed(struct vault *v, const struct server_secret *row, unsigned char out[32],
                        char *err, size_t errlen)
{
    char aad[96];
    aad_of(row->name, aad, sizeof(aad));
    size_t pl = 0;
    char *plain = vault_unseal(v, row->value, row->len, aad, &pl);
    bool ok = plain && pl == SECRET_LEN;
    if (ok)
        memcpy(out, plain, SECRET_LEN);
    else
        snprintf(err, errlen,
                 "cannot open the server secret %s: master key %u is not in master.key or "
                 "SOCIALD_MASTER_KEY (or the row was altered)",
                 row->name, (unsigned)row->key_id);
    vault_wipe(plain, pl);
    return ok;
}

bool app_secrets_load(struct store *st, struct vault *v, const char *name, unsigned char out[32],
                      char *err, size_t errlen)
{
    struct arena *a = arena_new();
    char aad[96];
    aad_of(name, aad, sizeof(aad));
    unsigned char fresh[SECRET_LEN];
    crypto_random(fresh, sizeof(fresh));
    size_t n = 0;
    unsigned char *sealed = vault_seal(v, fresh, sizeof(fresh), aad, &n);
    explicit_bzero(fresh, sizeof(fresh));
    struct server_secret row;
    bool ok = false;
    if (store_secret_ensure(st, a, name, sealed, n, vault_key_of(sealed, n), &row) != STORE_OK)
        snprintf(err, errlen, "cannot read or create the server secret %s", name);
    else if (row.key_id)
        ok = open_sealed(v, &row, out, err, errlen);
    else {
        ok = adopt_plain(st, v, &row, out, err, errlen);
        explicit_bzero((void *)row.value, row.len);
    }
    free(sealed);
    arena_free(a);
    return ok;
}

bool app_secrets_reseal(struct store *st, struct vault *v, int64_t *count)
{
    struct arena *a = arena_new();
    struct server_secret *rows = NULL;
    size_t nrows = 0;
    bool ok = store_secrets_all(st, a, &rows, &nrows) == STORE_OK;
    for (size_t i = 0; ok && i < nrows; i++) {
        char aad[96];
        aad_of(rows[i].name, aad, sizeof(aad));
        unsigned char *sealed = NULL;
        size_t n = 0, pl = 0;
        if (rows[i].key_id) {
            char *plain = vault_unseal(v, rows[i].value, rows[i].len, aad, &pl);
            if (plain)
                sealed = vault_seal(v, plain, pl, aad, &n);
            vault_wipe(plain, pl);
        } else {
            sealed = seal_plain(v, &rows[i], &n);
            explicit_bzero((void *)rows[i].value, rows[i].len);
        }
        ok = sealed && store_secret_seal(st, rows[i].name, sealed, n, vault_key_of(sealed, n),
                                         false) == STORE_OK;
        free(sealed);
        if (!ok)
            log_error("cannot re-seal the server secret %s (its master key %u is missing?); "
                      "nothing retired",
                      rows[i].name, (unsigned)rows[i].key_id);
        else
            (*count)++;
    }
    arena_free(a);
    return ok;
}
