/*
 * oauth2: shared token calls (see oauth2.h).
 */
#include "platforms/oauth2.h"
#include "platforms/net.h"

#define FORM_MAX 16384

static void client_fields(struct net *n, const struct oauth2 *o, struct buf *f)
{
    if (o->client == OAUTH2_BODY || o->client_id_in_body)
        net_form_add(f, "client_id", n->conf->client_id);
    if (o->client == OAUTH2_BODY_KEY)
        net_form_add(f, "client_key", n->conf->client_id);
    if (o->client != OAUTH2_BASIC)
        net_form_add(f, "client_secret", n->conf->client_secret);
}

/* Posts form f (freed here) to base + path with the client's credentials. */
static enum net_rc post(struct net *n, const struct oauth2 *o, const char *path, struct buf *f,
                        struct net_answer *a)
{
    const char *url = arena_printf(n->a, "%s%s", n->conf->urls[o->slot], path);
    bool basic = o->client == OAUTH2_BASIC;
    enum net_rc rc =
        net_post_form(n, url, f->data ? f->data : "", NULL, basic ? n->conf->client_id : NULL,
                      basic ? n->conf->client_secret : NULL, a);
    buf_free(f);
    return rc;
}

static enum net_rc token_call(struct net *n, const struct oauth2 *o, struct buf *f,
                              struct tokens *out)
{
    if (o->extra_key)
        net_form_add(f, o->extra_key, o->extra_value);
    client_fields(n, o, f);
    struct net_answer a;
    enum net_rc rc = post(n, o, o->token_path, f, &a);
    return rc != NET_OK ? rc : net_parse_tokens(n, &a, out);
}

enum net_rc oauth2_exchange(struct net *n, const struct oauth2 *o, const char *code,
                            const char *redirect_uri, const char *verifier, struct tokens *out)
{
    struct buf f;
    buf_init(&f, FORM_MAX);
    net_form_add(&f, "grant_type", "authorization_code");
    net_form_add(&f, "code", code);
    net_form_add(&f, "redirect_uri", redirect_uri);
    if (o->pkce && verifier)
        net_form_add(&f, "code_verifier", verifier);
    return token_call(n, o, &f, out);
}

enum net_rc oauth2_refresh(struct net *n, const struct oauth2 *o, const struct tokens *t,
                           struct tokens *out)
{
    if (!t->refresh)
        return net_fail(n, NET_AUTH, "%s issued no refresh token; the account must be re-linked",
                        n->platform);
    struct buf f;
    buf_init(&f, FORM_MAX);
    net_form_add(&f, "grant_type", "refresh_token");
    net_form_add(&f, "refresh_token", t->refresh);
    enum net_rc rc = token_call(n, o, &f, out);
    if (rc == NET_OK && o->keeps_refresh && !out->refresh) {
        out->refresh = t->refresh;
        out->refresh_expires_ms = t->refresh_expires_ms;
    }
    return rc;
}

enum net_rc oauth2_revoke(struct net *n, const struct oauth2 *o, const struct tokens *t)
{
    bool refresh = o->revoke_refresh && t->refresh;
    const char *token = refresh ? t->refresh : t->access;
    if (!token)
        return NET_OK;
    struct buf f;
    buf_init(&f, FORM_MAX);
    net_form_add(&f, "token", token);
    if (o->revoke_hint)
        net_form_add(&f, "token_type_hint", refresh ? "refresh_token" : "access_token");
    client_fields(n, o, &f);
    struct net_answer a;
    if (post(n, o, o->revoke_path, &f, &a) != NET_OK)
        return n->rc;
    return a.status >= 200 && a.status < 300 ? NET_OK : net_check(n, &a, "revoke");
}
