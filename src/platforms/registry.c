/*
 * registry: the ten connectors by name and index, and helpers they share.
 */
#include "platforms/connectors.h"
#include "platforms/oauth2.h"
#include "util/jsonw.h"

#include <stdarg.h>
#include <string.h>

/* In platforms/names.h order. */
static const struct platform *const all[PLATFORM_COUNT] = {
    &platform_facebook,  &platform_gmb,     &platform_instagram, &platform_linkedin,
    &platform_pinterest, &platform_reddit,  &platform_telegram,  &platform_tiktok,
    &platform_twitter,   &platform_youtube,
};

const struct platform *platform_at(int i)
{
    return i >= 0 && i < PLATFORM_COUNT ? all[i] : NULL;
}

const struct platform *platform_get(const char *name)
{
    return platform_at(platform_index(name));
}

const char *connector_scopes(const struct net *n, const char *dflt)
{
    return n->conf->scopes ? n->conf->scopes : dflt;
}

const char *connector_authorize(struct net *n, const char *scope_default, const char *redirect_uri,
                                const char *state, ...)
{
    struct buf q;
    buf_init(&q, (size_t)1 << 16);
    net_form_add(&q, "client_id", n->conf->client_id);
    net_form_add(&q, "redirect_uri", redirect_uri);
    net_form_add(&q, "response_type", "code");
    net_form_add(&q, "scope", connector_scopes(n, scope_default));
    net_form_add(&q, "state", state);
    va_list ap;
    va_start(ap, state);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            break;
        net_form_add(&q, k, va_arg(ap, const char *));
    }
    va_end(ap);
    const char *base = n->conf->urls[SLOT_AUTHORIZE];
    char *url = arena_printf(n->a, "%s%s%s", base, strchr(base, '?') ? "&" : "?", q.data);
    buf_free(&q);
    return url;
}

struct identity *connector_one(struct net *n)
{
    return arena_alloc(n->a, sizeof(struct identity));
}

const char *connector_extra(struct net *n, ...)
{
    struct buf b;
    buf_init(&b, 8192);
    struct jw w;
    jw_init(&w, &b);
    jw_obj(&w);
    va_list ap;
    va_start(ap, n);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            break;
        const char *v = va_arg(ap, const char *);
        if (v)
            jw_kstr(&w, k, v);
    }
    va_end(ap);
    jw_obj_end(&w);
    const char *out = arena_strdup(n->a, b.data);
    buf_free(&b);
    return out;
}

struct identity *connector_push(struct net *n, struct identity **arr, size_t *count, size_t *cap)
{
    *arr = arena_grow(n->a, *arr, cap, *count, sizeof(**arr));
    return &(*arr)[(*count)++];
}

enum net_rc platform_exchange(const struct platform *p, struct net *n, const char *code,
                              const char *redirect_uri, const char *verifier, struct tokens *out)
{
    if (p->exchange)
        return p->exchange(n, code, redirect_uri, verifier, out);
    if (p->oauth2)
        return oauth2_exchange(n, p->oauth2, code, redirect_uri, verifier, out);
    return net_fail(n, NET_BAD, "%s does not use OAuth", p->label);
}

bool platform_can_refresh(const struct platform *p)
{
    return p->refresh || p->oauth2;
}

enum net_rc platform_refresh(const struct platform *p, struct net *n, const struct tokens *t,
                             struct tokens *out)
{
    if (p->refresh)
        return p->refresh(n, t, out);
    if (p->oauth2)
        return oauth2_refresh(n, p->oauth2, t, out);
    return net_fail(n, NET_BAD, "%s tokens are not refreshed", p->label);
}

bool platform_can_revoke(const struct platform *p)
{
    return p->revoke || (p->oauth2 && p->oauth2->revoke_path);
}

enum net_rc platform_revoke(const struct platform *p, struct net *n, const struct tokens *t)
{
    if (p->revoke)
        return p->revoke(n, t);
    if (p->oauth2 && p->oauth2->revoke_path)
        return oauth2_revoke(n, p->oauth2, t);
    return NET_OK;
}

const char *platform_authorize(const struct platform *p, struct net *n, const char *redirect_uri,
                               const char *state, const char *challenge)
{
    if (p->authorize_url)
        return p->authorize_url(n, redirect_uri, state, challenge);
    return connector_authorize(n, p->scopes, redirect_uri, state, NULL);
}
