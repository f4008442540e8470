/*
 * rotate: `sociald rotate-master-key` — adds a fresh master key, re-seals
 * every sealed value (webhook secrets, network tokens, the server's own
 * signing and JWT keys, sealing those still plain from an older database)
 * under it, then retires the keys no ciphertext uses any more.
 *
 * Safe while servers run: they re-read the key file when it changes and
 * seal with the newest key from then on; a key is retired only when no row
 * uses it, so a value sealed by a server in the moment before it noticed
 * the new key keeps its key (the next rotation re-seals it).
 * With SOCIALD_MASTER_KEY the operator adds the new key to the environment
 * (id:hex at the end); this command then re-seals under it.
 */
#include "cli/cli.h"
#include "app/app.h"
#include "app/secrets.h"
#include "core/log.h"
#include "crypto/vault.h"
#include "store/linked.h"
#include "store/store.h"
#include "store/webhooks.h"
#include "util/buf.h"
#include "util/jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Re-seals one value under the current key; NULL stays NULL. Returns false
 * when it cannot be opened (a key is missing: stop before losing data). */
static bool reseal(struct vault *v, const void *blob, size_t n, const char *aad,
                   unsigned char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (!blob)
        return true;
    size_t pl = 0;
    char *plain = vault_unseal(v, blob, n, aad, &pl);
    if (!plain)
        return false;
    *out = vault_seal(v, plain, pl, aad, outlen);
    vault_wipe(plain, pl);
    return true;
}

static bool reseal_webhook_secrets(struct store *st, struct vault *v, struct arena *a,
                                   int64_t *count)
{
    struct sealed_pair *rows = NULL;
    size_t n = 0;
    if (store_webhook_secrets_all(st, a, &rows, &n) != STORE_OK)
        return false;
    for (size_t i = 0; i < n; i++) {
        char aad[64];
        snprintf(aad, sizeof(aad), "webhook_secret:%lld", (long long)rows[i].id);
        unsigned char *s1 = NULL, *s2 = NULL;
        size_t l1 = 0, l2 = 0;
        bool ok = reseal(v, rows[i].a, rows[i].alen, aad, &s1, &l1) &&
                  reseal(v, rows[i].b, rows[i].blen, aad, &s2, &l2) &&
                  store_webhook_secret_reseal(st, rows[i].id, s1, l1, vault_key_of(s1, l1), s2, l2,
                                              vault_key_of(s2, l2)) == STORE_OK;
        free(s1);
        free(s2);
        if (!ok) {
            log_error("cannot re-seal the webhook secret of profile %lld (its master key is "
                      "missing?); nothing retired",
                      (long long)rows[i].id);
            return false;
        }
        (*count)++;
    }
    return true;
}

static bool reseal_tokens(struct store *st, struct vault *v, struct arena *a, int64_t *count)
{
    struct sealed_tokens *rows = NULL;
    size_t n = 0;
    if (store_linked_tokens_all(st, a, &rows, &n) != STORE_OK)
        return false;
    for (size_t i = 0; i < n; i++) {
        char aad_a[96], aad_r[96];
        snprintf(aad_a, sizeof(aad_a), "linked:%s:access", rows[i].aad_key);
        snprintf(aad_r, sizeof(aad_r), "linked:%s:refresh", rows[i].aad_key);
        unsigned char *s1 = NULL, *s2 = NULL;
        size_t l1 = 0, l2 = 0;
        bool ok = reseal(v, rows[i].access, rows[i].access_len, aad_a, &s1, &l1) &&
                  reseal(v, rows[i].refresh, rows[i].refresh_len, aad_r, &s2, &l2) &&
                  store_linked_reseal(st, rows[i].id, s1, l1, s2, l2, vault_current(v)) == STORE_OK;
        free(s1);
        free(s2);
        if (!ok) {
            log_error("cannot re-seal the tokens of linked account %lld (its master key is "
                      "missing?); nothing retired",
                      (long long)rows[i].id);
            return false;
        }
        (*count)++;
    }
    return true;
}

int cli_rotate_master_key(const struct config *cfg)
{
    struct app app;
    if (!cli_app_open(&app, cfg, APP_CLI | APP_VAULT))
        return 1;
    struct store *st = app.store;
    struct vault *v = app.vault;
    char err[512] = "";
    int rc = 1;
    struct arena *a = arena_new();
    uint32_t id = 0;
    int64_t count = 0, server = 0;
    bool from_env = getenv("SOCIALD_MASTER_KEY") && *getenv("SOCIALD_MASTER_KEY");
    if (!from_env && !vault_add_key(v, &id, err, sizeof(err))) {
        log_error("%s", err);
        goto out;
    }
    id = vault_current(v);
    /* Not an ops/ change: re-sealing every secret with the new key is a
     * maintenance pass over several tables and the server's own secrets
     * (app/secrets.c, above ops/ in the layers); one transaction, so a crash
     * leaves every secret under the old key or every one under the new. */
    if (store_begin(st) != STORE_OK)
        goto out;
    if (!reseal_webhook_secrets(st, v, a, &count) || !reseal_tokens(st, v, a, &count) ||
        !app_secrets_reseal(st, v, &server)) {
        store_rollback(st);
        goto out;
    }
    if (store_commit(st) != STORE_OK)
        goto out;
    uint32_t *used = NULL, held[VAULT_MAX_KEYS];
    size_t nused = 0, nheld = vault_key_ids(v, held);
    if (store_key_ids_in_use(st, a, &used, &nused) != STORE_OK ||
        !vault_retire_keys(v, used, nused, err, sizeof(err))) {
        log_error("re-sealed, but could not retire old keys: %s", err);
        goto out;
    }
    uint32_t after[VAULT_MAX_KEYS];
    size_t nafter = vault_key_ids(v, after);
    struct buf b;
    buf_init(&b, 4096);
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kint(&w, "keyId", id);
    jw_kint(&w, "resealed", count);
    jw_kint(&w, "serverSecrets", server);
    jw_kint(&w, "retired", (int64_t)(nheld - nafter));
    jw_kbool(&w, "fromEnvironment", from_env);
    jw_obj_end(&w);
    cli_print(b.data);
    buf_free(&b);
    rc = 0;
out:
    arena_free(a);
    app_close(&app);
    return rc;
}
