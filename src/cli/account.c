/*
 * account: `sociald account create|list|set-plan|rotate-key` (SPEC §11).
 *
 * API keys are printed exactly once, by create and rotate-key; the store
 * keeps only their SHA-256. Accounts are selected by --email or --ref-id.
 */
#include "cli/cli.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

static bool email_ok(const char *e)
{
    const char *at = strchr(e, '@');
    size_t n = strlen(e);
    if (!at || at == e || !at[1] || strchr(at + 1, '@') || n > 254)
        return false;
    for (const char *p = e; *p; p++)
        if ((unsigned char)*p <= ' ')
            return false;
    return true;
}

static bool plan_ok(const struct config *cfg, const char *plan)
{
    if (config_plan(cfg, plan))
        return true;
    log_error("unknown plan %s (configured: free, premium, launch, business, enterprise)", plan);
    return false;
}

static void print_key(const char *key, const char *ref, const char *email, const char *plan)
{
    struct buf b;
    buf_init(&b, 4096);
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kstr(&w, "apiKey", key);
    jw_kstr(&w, "refId", ref);
    jw_kstr(&w, "email", email);
    jw_kstr(&w, "plan", plan);
    jw_obj_end(&w);
    cli_print(b.data);
    buf_free(&b);
}

static int create(const struct config *cfg, struct store *st, struct args *a)
{
    const char *email = args_get(a, "email");
    const char *plan = args_get(a, "plan");
    if (!plan)
        plan = "business";
    if (!email || !email_ok(email)) {
        log_error("account create needs --email with a valid address");
        return 2;
    }
    if (!plan_ok(cfg, plan))
        return 2;
    char key[CRYPTO_KEY_LEN + 1], ref[CRYPTO_REFID_LEN + 1];
    unsigned char hash[STORE_HASH_LEN];
    crypto_key_new(key);
    crypto_refid_new(ref);
    crypto_sha256(key, strlen(key), hash);
    enum store_rc rc = store_account_create(st, email, plan, hash, ref, time_now_ms(), NULL);
    if (rc == STORE_CONFLICT) {
        log_error("an account with the email %s already exists", email);
        return 1;
    }
    if (rc != STORE_OK) {
        log_error("account create failed");
        return 1;
    }
    print_key(key, ref, email, plan);
    return 0;
}

static int find(struct store *st, struct arena *ar, struct args *a, struct account *acct)
{
    const char *sel = args_get(a, "ref-id");
    if (!sel)
        sel = args_get(a, "email");
    if (!sel) {
        log_error("select the account with --email or --ref-id");
        return 2;
    }
    enum store_rc rc = store_account_find(st, ar, sel, acct);
    if (rc == STORE_NOTFOUND) {
        log_error("no account with email or refId %s", sel);
        return 1;
    }
    return rc == STORE_OK ? 0 : 1;
}

static int list(struct store *st, struct arena *ar)
{
    struct account *accts = NULL;
    size_t n = 0;
    if (store_account_list(st, ar, &accts, &n) != STORE_OK)
        return 1;
    struct buf b;
    buf_init(&b, (size_t)1 << 30);
    struct jw w;
    jw_init(&w, &b);
    jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        char ts[32];
        time_iso_ms(accts[i].created_ms, ts, sizeof(ts));
        jw_obj(&w);
        jw_kstr(&w, "refId", accts[i].ref_id);
        jw_kstr(&w, "email", accts[i].email);
        jw_kstr(&w, "plan", accts[i].plan);
        jw_kstr(&w, "created", ts);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    cli_print(b.data);
    buf_free(&b);
    return 0;
}

int cli_account(const struct config *cfg, struct args *a)
{
    const char *sub = a->nwords > 1 ? a->words[1] : NULL;
    if (!sub) {
        log_error("usage: sociald account create|list|set-plan|rotate-key");
        return 2;
    }
    struct store *st = cli_open_store(cfg);
    if (!st)
        return 1;
    struct arena *ar = arena_new();
    struct account acct;
    int rc = 2;
    if (!strcmp(sub, "create")) {
        rc = create(cfg, st, a);
    } else if (!strcmp(sub, "list")) {
        rc = list(st, ar);
    } else if (!strcmp(sub, "set-plan")) {
        const char *plan = args_get(a, "plan");
        if (!plan) {
            log_error("account set-plan needs --plan");
        } else if (plan_ok(cfg, plan) && (rc = find(st, ar, a, &acct)) == 0) {
            rc = store_account_set_plan(st, acct.id, plan) == STORE_OK ? 0 : 1;
            if (rc == 0) {
                char out[256];
                snprintf(out, sizeof(out), "{\"refId\":\"%s\",\"plan\":\"%s\"}", acct.ref_id, plan);
                cli_print(out);
            }
        }
    } else if (!strcmp(sub, "rotate-key")) {
        if ((rc = find(st, ar, a, &acct)) == 0) {
            char key[CRYPTO_KEY_LEN + 1];
            unsigned char hash[STORE_HASH_LEN];
            crypto_key_new(key);
            crypto_sha256(key, strlen(key), hash);
            rc = store_account_set_key(st, acct.id, hash) == STORE_OK ? 0 : 1;
            if (rc == 0)
                print_key(key, acct.ref_id, acct.email, acct.plan);
        }
    } else {
        log_error("unknown account command %s (create, list, set-plan, rotate-key)", sub);
    }
    arena_free(ar);
    store_close(st);
    return rc;
}
