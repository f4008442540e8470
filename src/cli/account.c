/*
 * account: `sociald account create|list|set-plan|rotate-key|set-oauth-app|
 * set-public-key` (SPEC §11).
 *
 * API keys are printed exactly once, by create and rotate-key; the store
 * keeps only their SHA-256. Accounts are selected by --email or --ref-id.
 *
 * set-oauth-app --platform P --client-id ID [--client-secret-file F]: the
 * account's own OAuth app for a network, used instead of the operator's
 * for its profiles' links. The secret is read from the file, or from
 * standard input when no file is named (never from the command line, where
 * other users could read it); it is stored sealed by the vault.
 * set-public-key --key-file F | --clear: the RSA public key (PEM) that
 * generateJWT's RS256 tokens must verify against.
 */
#include "cli/cli.h"
#include "app/app.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "crypto/linktoken.h"
#include "crypto/vault.h"
#include "ops/linked.h"
#include "platforms/names.h"
#include "store/accounts.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
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

/* Reads a whole small file ("-" or NULL: standard input) into the arena. */
static char *read_small(struct arena *ar, const char *path, size_t max)
{
    FILE *f = !path || !strcmp(path, "-") ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = arena_alloc(ar, max + 1);
    size_t n = fread(buf, 1, max + 1, f);
    if (f != stdin)
        fclose(f);
    if (n == 0 || n > max)
        return NULL;
    buf[n] = '\0';
    return buf;
}

static int set_oauth_app(struct vault *v, struct store *st, struct arena *ar, struct args *a)
{
    const char *platform = args_get(a, "platform"), *client_id = args_get(a, "client-id");
    int idx = platform ? platform_index(platform) : -1;
    if (idx < 0 || !client_id || !*client_id || !strcmp(platform_name(idx), "telegram")) {
        log_error("account set-oauth-app needs --platform (an OAuth network) and --client-id; "
                  "the secret comes from --client-secret-file or standard input");
        return 2;
    }
    struct account acct;
    int rc = find(st, ar, a, &acct);
    if (rc != 0)
        return rc;
    char *secret = read_small(ar, args_get(a, "client-secret-file"), 4096);
    if (secret) {
        struct slice s = str_trim(secret);
        secret = arena_strndup(ar, s.p, s.n);
    }
    if (!secret || !*secret) {
        log_error("no client secret read");
        return 2;
    }
    const char *name = platform_name(idx);
    size_t n = 0;
    unsigned char *sealed =
        vault_seal(v, secret, strlen(secret), ops_linked_app_aad(ar, acct.id, name), &n);
    rc = sealed && store_oauth_app_set(st, acct.id, name, client_id, sealed, n, vault_current(v)) ==
                       STORE_OK
             ? 0
             : 1;
    free(sealed);
    if (rc == 0) {
        char out[512];
        snprintf(out, sizeof(out), "{\"refId\":\"%s\",\"platform\":\"%s\",\"clientId\":\"%s\"}",
                 acct.ref_id, name, client_id);
        cli_print(out);
    }
    return rc;
}

static int set_public_key(struct store *st, struct arena *ar, struct args *a)
{
    bool clear = args_flag(a, "clear");
    const char *file = args_get(a, "key-file");
    if (!clear && !file) {
        log_error("account set-public-key needs --key-file FILE (PEM) or --clear");
        return 2;
    }
    struct account acct;
    int rc = find(st, ar, a, &acct);
    if (rc != 0)
        return rc;
    const char *pem = NULL;
    if (!clear) {
        pem = read_small(ar, file, 16384);
        if (!pem || !linktoken_public_ok(pem)) {
            log_error("%s is not an RSA public key in PEM (BEGIN PUBLIC KEY) of 1024 to 4096 "
                      "bits",
                      file);
            return 1;
        }
    }
    if (store_account_set_public_key(st, acct.id, pem) != STORE_OK)
        return 1;
    char out[256];
    snprintf(out, sizeof(out), "{\"refId\":\"%s\",\"publicKey\":%s}", acct.ref_id,
             pem ? "\"set\"" : "null");
    cli_print(out);
    return 0;
}

int cli_account(const struct config *cfg, struct args *a)
{
    const char *sub = a->nwords > 1 ? a->words[1] : NULL;
    if (!sub) {
        log_error("usage: sociald account "
                  "create|list|set-plan|rotate-key|set-oauth-app|set-public-key");
        return 2;
    }
    /* Only set-oauth-app seals: the others need no master key. */
    struct app app;
    if (!cli_app_open(&app, cfg, APP_CLI | (!strcmp(sub, "set-oauth-app") ? APP_VAULT : 0)))
        return 1;
    struct store *st = app.store;
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
    } else if (!strcmp(sub, "set-oauth-app")) {
        rc = set_oauth_app(app.vault, st, ar, a);
    } else if (!strcmp(sub, "set-public-key")) {
        rc = set_public_key(st, ar, a);
    } else {
        log_error("unknown account command %s (create, list, set-plan, rotate-key, "
                  "set-oauth-app, set-public-key)",
                  sub);
    }
    arena_free(ar);
    app_close(&app);
    return rc;
}
