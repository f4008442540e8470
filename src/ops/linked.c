/*
 * linked: connectors + vault + store (see linked.h).
 */
#include "ops/linked.h"
#include "crypto/vault.h"
#include "platforms/netconf.h"
#include "store/accounts.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

const char *ops_linked_app_aad(struct arena *a, int64_t account_id, const char *platform)
{
    return arena_printf(a, "oauthapp:%lld:%s", (long long)account_id, platform);
}

static void wipe(void *p)
{
    char *s = p;
    size_t n = strlen(s);
    /* volatile: the compiler must not drop the stores of a dying buffer */
    volatile char *v = s;
    for (size_t i = 0; i < n; i++)
        v[i] = 0;
}

/* An arena copy of a secret, zeroed when the arena is freed. */
static const char *secret_copy(struct arena *a, const char *s, size_t n)
{
    char *c = arena_strndup(a, s, n);
    arena_on_free(a, wipe, c);
    return c;
}

static char *open_blob(struct app *app, struct arena *a, const void *blob, size_t n,
                       const char *aad, bool *ok)
{
    if (!blob)
        return NULL;
    size_t len = 0;
    char *plain = vault_unseal(app->vault, blob, n, aad, &len);
    if (!plain) {
        *ok = false;
        return NULL;
    }
    const char *c = secret_copy(a, plain, len);
    vault_wipe(plain, len);
    return (char *)c;
}

bool ops_linked_net(struct app *app, struct arena *a, int64_t account_id, int idx, struct net *n)
{
    memset(n, 0, sizeof(*n));
    const struct netconf *base = netconf_get(app->nets, idx);
    const char *name = platform_name(idx);
    struct netconf *c = arena_alloc(a, sizeof(*c));
    *c = *base;
    const char *client_id = NULL;
    const void *sealed = NULL;
    size_t sn = 0;
    bool own = false;
    if (account_id && strcmp(name, "telegram") != 0 &&
        store_oauth_app_get(app->store, a, account_id, name, &client_id, &sealed, &sn) ==
            STORE_OK) {
        bool ok = true;
        const char *secret =
            open_blob(app, a, sealed, sn, ops_linked_app_aad(a, account_id, name), &ok);
        if (ok && secret) {
            c->client_id = client_id;
            c->client_secret = secret;
            own = true;
        }
    }
    n->client = app->client;
    n->conf = c;
    n->a = a;
    n->platform = name;
    n->timeout_ms = app->cfg->network_timeout_ms;
    return own || netconf_available(app->nets, idx);
}

bool ops_linked_available(struct app *app, struct arena *a, int64_t account_id, int idx)
{
    struct net n;
    return ops_linked_net(app, a, account_id, idx, &n);
}

static const char *aad(struct arena *a, int64_t profile_id, const char *platform, const char *what)
{
    return arena_printf(a, "linked:%lld:%s:%s", (long long)profile_id, platform, what);
}

static const void *seal(struct vault *v, struct arena *a, int64_t profile_id, const char *platform,
                        const char *what, const char *plain, size_t *n)
{
    *n = 0;
    if (!plain)
        return NULL;
    unsigned char *b = vault_seal(v, plain, strlen(plain), aad(a, profile_id, platform, what), n);
    if (!b)
        return NULL;
    void *c = arena_alloc(a, *n);
    memcpy(c, b, *n);
    free(b);
    return c;
}

bool ops_linked_seal(struct vault *v, struct arena *a, int64_t profile_id, const char *platform,
                     const char *access, const char *refresh, struct linked_secret *sec)
{
    sec->access = seal(v, a, profile_id, platform, "access", access, &sec->access_len);
    sec->refresh = seal(v, a, profile_id, platform, "refresh", refresh, &sec->refresh_len);
    sec->key_id = vault_current(v);
    return (!access || sec->access) && (!refresh || sec->refresh);
}

bool ops_linked_unseal(struct app *app, struct arena *a, int64_t profile_id, const char *platform,
                       const void *access, size_t access_len, const void *refresh,
                       size_t refresh_len, struct tokens *out)
{
    memset(out, 0, sizeof(*out));
    bool ok = true;
    out->access =
        open_blob(app, a, access, access_len, aad(a, profile_id, platform, "access"), &ok);
    out->refresh =
        open_blob(app, a, refresh, refresh_len, aad(a, profile_id, platform, "refresh"), &ok);
    return ok;
}

void ops_linked_from_identity(struct linked_account *la, const struct identity *id)
{
    *la = (struct linked_account){.disp = id->disp};
}
