/*
 * linkedin: LinkedIn's member and organisation endpoints (docs/sandbox.md
 * "LinkedIn"): OpenID userinfo, /v2/me, the member's organisation ACLs
 * (ADMINISTRATOR of every organisation; noorg/orgsN choose how many) with
 * Rest.li start/count paging, and one organisation by id.
 */
#include "sandbox/internal.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>

#define ACL_COUNT     10 /* Rest.li's default page size */
#define ACL_COUNT_MAX 100

static void org_id(const struct sbx_login *l, int i, char out[SBX_ID_MAX + 1])
{
    char salt[32];
    snprintf(salt, sizeof(salt), "org:%d", i);
    ident_digits(NET_LINKEDIN, l->name, salt, 8, out);
}

static enum status bad_request(struct req *r, const char *message)
{
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kint(&w, "status", 400);
    jw_kint(&w, "serviceErrorCode", 100);
    jw_kstr(&w, "code", "ILLEGAL_ARGUMENT");
    jw_kstr(&w, "message", message);
    jw_obj_end(&w);
    r->http_status = 400;
    return ST_OK;
}

enum status sbx_linkedin_userinfo(struct app *app, struct req *r)
{
    (void)app;
    struct sbx_grant g;
    if (!sbx_auth(r, NET_LINKEDIN, false, &g))
        return ST_OK;
    struct sbx_login l;
    ident_of(&g, &l);
    char sub[SBX_ID_MAX + 1];
    ident_digits(NET_LINKEDIN, l.name, NULL, 15, sub);
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kstr(&w, "sub", sub);
    jw_kstr(&w, "name", l.title);
    jw_kstr(&w, "given_name", l.first);
    jw_kstr(&w, "family_name", l.last);
    jw_kstr(&w, "picture", ident_avatar(r, NET_LINKEDIN, &l, NULL));
    jw_key(&w, "locale");
    jw_obj(&w);
    jw_kstr(&w, "country", "US");
    jw_kstr(&w, "language", "en");
    jw_obj_end(&w);
    jw_kstr(&w, "email", arena_printf(r->arena, "%s@example.com", l.handle));
    jw_kbool(&w, "email_verified", true);
    jw_obj_end(&w);
    return ST_OK;
}

enum status sbx_linkedin_me(struct app *app, struct req *r)
{
    (void)app;
    struct sbx_grant g;
    if (!sbx_auth(r, NET_LINKEDIN, false, &g))
        return ST_OK;
    struct sbx_login l;
    ident_of(&g, &l);
    char id[SBX_ID_MAX + 1];
    ident_digits(NET_LINKEDIN, l.name, NULL, 15, id);
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kstr(&w, "id", id);
    jw_kstr(&w, "localizedFirstName", l.first);
    jw_kstr(&w, "localizedLastName", l.last);
    jw_kstr(&w, "vanityName", l.handle);
    jw_obj_end(&w);
    return ST_OK;
}

enum status sbx_linkedin_acls(struct app *app, struct req *r)
{
    (void)app;
    struct sbx_grant g;
    if (!sbx_auth(r, NET_LINKEDIN, false, &g))
        return ST_OK;
    const char *q = req_query(r, "q");
    if (!q || strcmp(q, "roleAssignee"))
        return bad_request(r, "Invalid query parameters passed to request: q must be roleAssignee");
    int64_t start = 0, count = ACL_COUNT;
    const char *s = req_query(r, "start"), *c = req_query(r, "count");
    if ((s && !str_to_i64(s, 0, INT32_MAX, &start)) || (c && !str_to_i64(c, 0, INT32_MAX, &count)))
        return bad_request(r, "start and count must be non-negative integers");
    if (count > ACL_COUNT_MAX)
        count = ACL_COUNT_MAX;
    struct sbx_login l;
    ident_of(&g, &l);
    /* The member is ADMINISTRATOR (APPROVED) of each organisation, so other
     * role or state filters match nothing. */
    const char *role = req_query(r, "role"), *state = req_query(r, "state");
    int total = l.orgs;
    if ((role && strcmp(role, "ADMINISTRATOR")) || (state && strcmp(state, "APPROVED")))
        total = 0;
    char sub[SBX_ID_MAX + 1];
    ident_digits(NET_LINKEDIN, l.name, NULL, 15, sub);
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_key(&w, "elements");
    jw_arr(&w);
    for (int64_t i = start; i < total && i < start + count; i++) {
        char id[SBX_ID_MAX + 1];
        org_id(&l, (int)i, id);
        jw_obj(&w);
        jw_kstr(&w, "organization", arena_printf(r->arena, "urn:li:organization:%s", id));
        jw_kstr(&w, "role", "ADMINISTRATOR");
        jw_kstr(&w, "state", "APPROVED");
        jw_kstr(&w, "roleAssignee", arena_printf(r->arena, "urn:li:person:%s", sub));
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "paging");
    jw_obj(&w);
    jw_kint(&w, "count", count);
    jw_kint(&w, "start", start);
    jw_kint(&w, "total", total);
    jw_obj_end(&w);
    jw_obj_end(&w);
    return ST_OK;
}

enum status sbx_linkedin_org(struct app *app, struct req *r)
{
    (void)app;
    struct sbx_grant g;
    if (!sbx_auth(r, NET_LINKEDIN, false, &g))
        return ST_OK;
    struct sbx_login l;
    ident_of(&g, &l);
    const char *want = r->params[0];
    for (int i = 0; i < l.orgs; i++) {
        char id[SBX_ID_MAX + 1];
        org_id(&l, i, id);
        if (strcmp(id, want))
            continue;
        int64_t num = 0;
        (void)str_to_i64(id, 0, INT64_MAX, &num);
        struct jw w;
        sbx_json(r, &w);
        jw_obj(&w);
        jw_kint(&w, "id", num);
        jw_kstr(&w, "localizedName", arena_printf(r->arena, "%s Company %d", l.title, i + 1));
        jw_kstr(&w, "vanityName", arena_printf(r->arena, "%s-company-%d", l.handle, i + 1));
        jw_key(&w, "logoV2");
        jw_obj(&w);
        jw_kstr(&w, "original",
                ident_avatar(r, NET_LINKEDIN, &l, arena_printf(r->arena, "org=%d", i + 1)));
        jw_obj_end(&w);
        jw_obj_end(&w);
        return ST_OK;
    }
    /* LinkedIn answers 403 for organisations the member may not see. */
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kint(&w, "status", 403);
    jw_kint(&w, "serviceErrorCode", 100);
    jw_kstr(&w, "code", "ACCESS_DENIED");
    jw_kstr(&w, "message",
            arena_printf(r->arena,
                         "Not enough permissions to access: organizations.GET.NO_VERSION "
                         "urn:li:organization:%s",
                         want));
    jw_obj_end(&w);
    r->http_status = 403;
    return ST_OK;
}
