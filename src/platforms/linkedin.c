/*
 * linkedin: a member, or a company page they administer (platforms.md §4).
 *
 * Access tokens last 60 days; approved apps also get a refresh token whose
 * 365-day deadline a refresh does not extend (SPEC §2 shows it as
 * refreshRequired). Errors carry a code string: REVOKED_ACCESS_TOKEN and
 * EXPIRED_ACCESS_TOKEN mean the token, invalid_grant the grant.
 */
#include "platforms/connectors.h"
#include "platforms/oauth2.h"

#include <string.h>

#define SCOPES "openid profile email w_member_social r_organization_admin"

static enum net_rc check(struct net *n, const struct net_answer *a, const char *what)
{
    const char *code = a->json ? net_jstr(n, a->json, "code") : NULL;
    if (code && (!strcmp(code, "REVOKED_ACCESS_TOKEN") || !strcmp(code, "EXPIRED_ACCESS_TOKEN") ||
                 !strcmp(code, "INVALID_ACCESS_TOKEN")))
        return net_fail(n, NET_AUTH, "LinkedIn refused the token (%s)", code);
    return net_check(n, a, what);
}

/* LinkedIn: client credentials in the form; a refresh returns the same
 * refresh token, whose deadline was fixed at first consent. */
static const struct oauth2 oauth = {
    .slot = SLOT_AUTH,
    .token_path = "/accessToken",
    .revoke_path = "/revoke",
    .client = OAUTH2_BODY,
    .keeps_refresh = true,
};

static enum net_rc refresh(struct net *n, const struct tokens *t, struct tokens *out)
{
    enum net_rc rc = oauth2_refresh(n, &oauth, t, out);
    if (rc == NET_OK && t->refresh_expires_ms)
        out->refresh_expires_ms = t->refresh_expires_ms;
    return rc;
}

static enum net_rc identities(struct net *n, const struct tokens *t, struct identity **out,
                              size_t *count)
{
    const char *api = n->conf->urls[SLOT_API];
    struct net_answer who, me, acls;
    if (net_get(n, arena_printf(n->a, "%s/v2/userinfo", api), t->access, &who) != NET_OK ||
        check(n, &who, "userinfo") != NET_OK)
        return n->rc;
    /* vanityName needs r_basicprofile; without it there is no username. */
    const char *vanity = NULL;
    if (net_get(n, arena_printf(n->a, "%s/v2/me", api), t->access, &me) == NET_OK &&
        me.status == 200 && me.json)
        vanity = net_jstr(n, me.json, "vanityName");
    size_t cap = 0;
    *out = NULL;
    *count = 0;
    struct identity *p = connector_push(n, out, count, &cap);
    const char *sub = net_jstr(n, who.json, "sub"), *name = net_jstr(n, who.json, "name");
    p->disp.network_id = sub;
    p->disp.display_name = name;
    p->disp.username = vanity;
    p->disp.profile_url =
        vanity ? arena_printf(n->a, "https://www.linkedin.com/in/%s", vanity) : NULL;
    p->disp.user_image = net_jstr(n, who.json, "picture");
    p->disp.type = "personal";
    p->extra = connector_extra(n, "urn", arena_printf(n->a, "urn:li:person:%s", sub), NULL);
    p->label = arena_printf(n->a, "Personal · %s", name ? name : sub);

    const char *acl_url = net_url(n->a, api, "/v2/organizationAcls", "q", "roleAssignee", "role",
                                  "ADMINISTRATOR", "state", "APPROVED", NULL);
    if (net_get(n, acl_url, t->access, &acls) != NET_OK)
        return n->rc;
    if (acls.status == 403)
        return NET_OK; /* no organisation scope granted: the member alone */
    if (check(n, &acls, "organizationAcls") != NET_OK)
        return n->rc;
    size_t i;
    json_t *el;
    json_array_foreach(net_jget(acls.json, "elements"), i, el)
    {
        const char *urn = net_jstr(n, el, "organization");
        const char *id = urn && strrchr(urn, ':') ? strrchr(urn, ':') + 1 : NULL;
        struct net_answer org;
        if (!id ||
            net_get(n, arena_printf(n->a, "%s/v2/organizations/%s", api, id), t->access, &org) !=
                NET_OK ||
            check(n, &org, "organization") != NET_OK)
            return n->rc ? n->rc : net_fail(n, NET_BAD, "LinkedIn organisation without an id");
        struct identity *o = connector_push(n, out, count, &cap);
        const char *oname = net_jstr(n, org.json, "localizedName");
        const char *ovanity = net_jstr(n, org.json, "vanityName");
        o->disp.network_id = id;
        o->disp.display_name = oname;
        o->disp.page_name = oname;
        o->disp.username = vanity; /* the member who linked it (the seed's example) */
        o->disp.profile_url =
            arena_printf(n->a, "https://www.linkedin.com/company/%s", ovanity ? ovanity : id);
        o->disp.user_image = net_jstr(n, org.json, "logoV2.original");
        o->disp.type = "corporate";
        o->extra = connector_extra(n, "urn", urn, NULL);
        o->label = arena_printf(n->a, "Company page · %s", oname ? oname : id);
    }
    return NET_OK;
}

const struct platform platform_linkedin = {
    .name = "linkedin",
    .label = "LinkedIn",
    .oauth = true,
    .scopes = SCOPES,
    .identities = identities,
    .oauth2 = &oauth,
    .refresh = refresh,
};
