/*
 * meta: Facebook's and Instagram's Graph API (docs/sandbox.md "Facebook and
 * Instagram"): the user, their pages with page tokens, the Instagram
 * business accounts behind pages, the publishing quota and debug_token.
 *
 * Like the real Graph, objects answer only the fields asked for (plus id),
 * with the Graph's field syntax (picture{url}, picture.type(large),
 * instagram_business_account{id,username}). A page token is accepted for
 * its own page and that page's Instagram account; a user token for all of
 * the user's. Pages list with cursor paging (limit, after).
 */
#include "sandbox/internal.h"
#include "util/base64.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>

#define FIELDS_MAX     32
#define PAGE_LIMIT     25
#define PAGE_LIMIT_MAX 100
#define IG_QUOTA_TOTAL 50 /* content_publishing_limit's documented quota_total */

struct gfield {
    char name[48];
    const char *sub; /* the {...} part without braces, or NULL */
    size_t subn;
};

/* Splits a Graph fields list at top-level commas. */
static size_t graph_fields(const char *s, struct gfield *out, size_t max)
{
    size_t n = 0;
    while (s && *s && n < max) {
        int depth = 0;
        const char *start = s;
        while (*s && (depth > 0 || *s != ',')) {
            depth += (*s == '{' || *s == '(') - (*s == '}' || *s == ')');
            s++;
        }
        size_t len = (size_t)(s - start);
        size_t name_len = strcspn(start, "{(.,");
        if (name_len > len)
            name_len = len;
        if (name_len && name_len < sizeof(out[n].name)) {
            memcpy(out[n].name, start, name_len);
            out[n].name[name_len] = '\0';
            out[n].sub = NULL;
            out[n].subn = 0;
            const char *brace = memchr(start, '{', len);
            const char *end = brace ? memchr(brace, '}', len - (size_t)(brace - start)) : NULL;
            if (brace && end) {
                out[n].sub = brace + 1;
                out[n].subn = (size_t)(end - brace - 1);
            }
            n++;
        }
        if (*s == ',')
            s++;
    }
    return n;
}

static const struct gfield *want(const struct gfield *f, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(f[i].name, name))
            return &f[i];
    return NULL;
}

struct page {
    int index;
    char id[SBX_ID_MAX + 1];
    char name[128];
    char username[128];
    bool has_ig;
    char ig_id[SBX_ID_MAX + 1];
    char ig_username[128];
    char ig_name[128];
};

static int page_count(enum sbx_net net, const struct sbx_login *l)
{
    return net == NET_INSTAGRAM && l->ig > l->pages ? l->ig : l->pages;
}

static void page_at(enum sbx_net net, const struct sbx_login *l, int i, struct page *p)
{
    char salt[32];
    memset(p, 0, sizeof(*p));
    p->index = i;
    snprintf(salt, sizeof(salt), "page:%d", i);
    ident_digits(net, l->name, salt, 15, p->id);
    snprintf(p->name, sizeof(p->name), "%s Page %d", l->title, i + 1);
    snprintf(p->username, sizeof(p->username), "%spage%d", l->handle, i + 1);
    p->has_ig = net == NET_INSTAGRAM && i < l->ig;
    if (p->has_ig) {
        char digits[16];
        snprintf(salt, sizeof(salt), "ig:%d", i);
        ident_digits(net, l->name, salt, 12, digits);
        /* Instagram professional account ids start with 17841. */
        snprintf(p->ig_id, sizeof(p->ig_id), "17841%s", digits);
        if (i == 0) {
            snprintf(p->ig_username, sizeof(p->ig_username), "%s", l->handle);
            snprintf(p->ig_name, sizeof(p->ig_name), "%s", l->title);
        } else {
            snprintf(p->ig_username, sizeof(p->ig_username), "%s_%d", l->handle, i + 1);
            snprintf(p->ig_name, sizeof(p->ig_name), "%s %d", l->title, i + 1);
        }
    }
}

/* Finds the page with this id (or whose Instagram account has it). */
static bool find_page(enum sbx_net net, const struct sbx_login *l, const char *id, struct page *p,
                      bool *is_ig)
{
    for (int i = 0; i < page_count(net, l); i++) {
        page_at(net, l, i, p);
        if (!strcmp(p->id, id) || (p->has_ig && !strcmp(p->ig_id, id))) {
            *is_ig = strcmp(p->id, id) != 0;
            return true;
        }
    }
    return false;
}

static const char *picture(struct req *r, enum sbx_net net, const struct sbx_login *l, int index)
{
    return ident_avatar(r, net, l, index < 0 ? NULL : arena_printf(r->arena, "page=%d", index + 1));
}

static void write_picture(struct jw *w, const char *url)
{
    jw_key(w, "picture");
    jw_obj(w);
    jw_key(w, "data");
    jw_obj(w);
    jw_kstr(w, "url", url);
    jw_obj_end(w);
    jw_obj_end(w);
}

static void write_ig(struct req *r, struct jw *w, const struct sbx_login *l, const struct page *p,
                     const struct gfield *f, size_t nf)
{
    jw_obj(w);
    jw_kstr(w, "id", p->ig_id);
    if (want(f, nf, "username"))
        jw_kstr(w, "username", p->ig_username);
    if (want(f, nf, "name"))
        jw_kstr(w, "name", p->ig_name);
    if (want(f, nf, "profile_picture_url"))
        jw_kstr(w, "profile_picture_url",
                ident_avatar(r, NET_INSTAGRAM, l,
                             p->index ? arena_printf(r->arena, "account=%d", p->index + 1) : NULL));
    jw_obj_end(w);
}

static void write_page(struct req *r, struct jw *w, enum sbx_net net, const struct sbx_login *l,
                       const struct page *p, const struct sbx_grant *g, const struct gfield *f,
                       size_t nf)
{
    static const char *const categories[] = {"Local business", "Brand", "Community", "Restaurant",
                                             "Media/news company"};
    jw_obj(w);
    jw_kstr(w, "id", p->id);
    if (want(f, nf, "name"))
        jw_kstr(w, "name", p->name);
    if (want(f, nf, "username"))
        jw_kstr(w, "username", p->username);
    if (want(f, nf, "link"))
        jw_kstr(w, "link", arena_printf(r->arena, "https://www.facebook.com/%s", p->username));
    if (want(f, nf, "category"))
        jw_kstr(w, "category", categories[p->index % 5]);
    if (want(f, nf, "access_token") && g->kind == TK_ACCESS) {
        char token[SBX_TOKEN_MAX + 1];
        state_page_token(g, p->id, token);
        jw_kstr(w, "access_token", token);
    }
    if (want(f, nf, "picture"))
        write_picture(w, picture(r, net, l, p->index));
    const struct gfield *ig = want(f, nf, "instagram_business_account");
    if (ig && p->has_ig) {
        struct gfield sub[FIELDS_MAX];
        char *subs = ig->sub ? arena_strndup(r->arena, ig->sub, ig->subn) : NULL;
        size_t ns = graph_fields(subs, sub, FIELDS_MAX);
        jw_key(w, "instagram_business_account");
        write_ig(r, w, l, p, sub, ns);
    }
    jw_obj_end(w);
}

static enum status no_object(struct req *r, const char *id)
{
    return env_facebook(r, 400, 100, 33, "GraphMethodException",
                        arena_printf(r->arena,
                                     "Unsupported get request. Object with ID '%s' does not exist, "
                                     "cannot be loaded due to missing permissions, or does not "
                                     "support this operation.",
                                     id));
}

enum status sbx_meta_me(struct app *app, struct req *r)
{
    (void)app;
    enum sbx_net net = (enum sbx_net)sbx_net_of_path(r->path);
    struct sbx_grant g;
    if (!sbx_auth(r, net, true, &g))
        return ST_OK;
    struct sbx_login l;
    ident_of(&g, &l);
    struct gfield f[FIELDS_MAX];
    const char *fields = req_query(r, "fields");
    size_t nf = graph_fields(fields ? fields : "id,name", f, FIELDS_MAX);
    struct jw w;
    sbx_json(r, &w);
    if (g.kind == TK_PAGE) {
        /* With a page token, "me" is the page. */
        struct page p;
        bool is_ig = false;
        if (!find_page(net, &l, g.page_id, &p, &is_ig))
            return no_object(r, g.page_id);
        write_page(r, &w, net, &l, &p, &g, f, nf);
        return ST_OK;
    }
    char id[SBX_ID_MAX + 1];
    ident_digits(net, l.name, NULL, 17, id);
    jw_obj(&w);
    jw_kstr(&w, "id", id);
    if (want(f, nf, "name"))
        jw_kstr(&w, "name", l.title);
    if (want(f, nf, "picture"))
        write_picture(&w, picture(r, net, &l, -1));
    jw_obj_end(&w);
    return ST_OK;
}

static char *cursor(struct req *r, int index)
{
    char raw[32];
    int n = snprintf(raw, sizeof(raw), "sbx:%d", index);
    char *out = arena_alloc(r->arena, base64url_len((size_t)n) + 1);
    base64url_encode((const unsigned char *)raw, (size_t)n, out);
    return out;
}

static bool cursor_parse(const char *c, int *index)
{
    unsigned char raw[32];
    size_t n = 0;
    if (!base64url_decode(c, raw, sizeof(raw) - 1, &n) || n < 5 || memcmp(raw, "sbx:", 4))
        return false;
    raw[n] = '\0';
    int64_t v;
    if (!str_to_i64((const char *)raw + 4, 0, 1000000, &v))
        return false;
    *index = (int)v;
    return true;
}

enum status sbx_meta_accounts(struct app *app, struct req *r)
{
    (void)app;
    enum sbx_net net = (enum sbx_net)sbx_net_of_path(r->path);
    struct sbx_grant g;
    if (!sbx_auth(r, net, true, &g))
        return ST_OK;
    if (g.kind == TK_PAGE)
        return env_facebook(r, 400, 100, 0, "OAuthException",
                            "(#100) Tried accessing nonexisting field (accounts) on node type "
                            "(Page)");
    struct sbx_login l;
    ident_of(&g, &l);
    const char *fields = req_query(r, "fields");
    struct gfield f[FIELDS_MAX];
    /* The Graph's default fields for /me/accounts. */
    size_t nf = graph_fields(fields ? fields : "name,access_token,category", f, FIELDS_MAX);
    int64_t limit = PAGE_LIMIT;
    const char *ls = req_query(r, "limit");
    if (ls && (!str_to_i64(ls, 1, INT32_MAX, &limit)))
        return env_facebook(r, 400, 100, 0, "OAuthException", "(#100) Invalid limit");
    if (limit > PAGE_LIMIT_MAX)
        limit = PAGE_LIMIT_MAX;
    int start = 0;
    const char *after = req_query(r, "after");
    if (after && *after) {
        if (!cursor_parse(after, &start))
            return env_facebook(r, 400, 100, 0, "OAuthException", "(#100) Invalid cursor");
        start++;
    }
    int total = page_count(net, &l);
    int end = start + (int)limit < total ? start + (int)limit : total;
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    for (int i = start; i < end; i++) {
        struct page p;
        page_at(net, &l, i, &p);
        write_page(r, &w, net, &l, &p, &g, f, nf);
    }
    jw_arr_end(&w);
    if (end > start) {
        jw_key(&w, "paging");
        jw_obj(&w);
        jw_key(&w, "cursors");
        jw_obj(&w);
        jw_kstr(&w, "before", cursor(r, start));
        jw_kstr(&w, "after", cursor(r, end - 1));
        jw_obj_end(&w);
        if (end < total) {
            /* The Graph's next link repeats the query, a query token included. */
            struct buf next;
            buf_init(&next, 8192);
            buf_printf(&next, "%s/%s/graph/me/accounts?fields=", sbx_base_url(r),
                       sbx_net_name(net));
            sbx_url_encode(&next, fields ? fields : "name,access_token,category");
            buf_printf(&next, "&limit=%d&after=%s", (int)limit, cursor(r, end - 1));
            const char *q = req_query(r, "access_token");
            if (q) {
                buf_puts(&next, "&access_token=");
                sbx_url_encode(&next, q);
            }
            jw_kstr(&w, "next", arena_strdup(r->arena, next.data));
            buf_free(&next);
        }
        jw_obj_end(&w);
    }
    jw_obj_end(&w);
    return ST_OK;
}

enum status sbx_meta_debug_token(struct app *app, struct req *r)
{
    (void)app;
    enum sbx_net net = (enum sbx_net)sbx_net_of_path(r->path);
    /* Called with an app token ("{app-id}|{app-secret}") or a user token;
     * the sandbox only needs one to be present. */
    if (!sbx_bearer(r, net))
        return env_auth_fail(r, net, AF_MISSING);
    const char *input = req_query(r, "input_token");
    if (!input || !*input)
        return env_facebook(r, 400, 100, 0, "OAuthException",
                            "(#100) The parameter input_token is required");
    struct sbx_grant g;
    enum sbx_tokerr rc = state_token_check(net, input, &g);
    bool valid = rc == TE_OK && (g.kind == TK_ACCESS || g.kind == TK_PAGE);
    bool known = rc != TE_UNKNOWN && rc != TE_WRONG_NET;
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_obj(&w);
    jw_kbool(&w, "is_valid", valid);
    jw_kint(&w, "expires_at", known ? g.expires_ms / 1000 : 0);
    jw_key(&w, "scopes");
    jw_arr(&w);
    for (const char *p = known ? g.scope : ""; *p;) {
        size_t n = strcspn(p, " ,");
        if (n)
            jw_strn(&w, p, n);
        p += n;
        p += strspn(p, " ,");
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_obj_end(&w);
    return ST_OK;
}

/* Resolves the :id of the path to a page or Instagram account the token may
 * read; answers the Graph's error otherwise. */
static bool object_for(struct req *r, enum sbx_net net, struct sbx_grant *g, struct sbx_login *l,
                       struct page *p, bool *is_ig)
{
    if (!sbx_auth(r, net, true, g))
        return false;
    ident_of(g, l);
    const char *id = r->params[0];
    if (!find_page(net, l, id, p, is_ig) || (g->kind == TK_PAGE && strcmp(g->page_id, p->id))) {
        no_object(r, id);
        return false;
    }
    return true;
}

enum status sbx_meta_object(struct app *app, struct req *r)
{
    (void)app;
    enum sbx_net net = (enum sbx_net)sbx_net_of_path(r->path);
    struct sbx_grant g;
    struct sbx_login l;
    struct page p;
    bool is_ig = false;
    if (!object_for(r, net, &g, &l, &p, &is_ig))
        return ST_OK;
    struct gfield f[FIELDS_MAX];
    const char *fields = req_query(r, "fields");
    struct jw w;
    sbx_json(r, &w);
    if (is_ig) {
        write_ig(r, &w, &l, &p, f, graph_fields(fields, f, FIELDS_MAX));
        return ST_OK;
    }
    write_page(r, &w, net, &l, &p, &g, f, graph_fields(fields ? fields : "name", f, FIELDS_MAX));
    return ST_OK;
}

enum status sbx_meta_publishing_limit(struct app *app, struct req *r)
{
    (void)app;
    enum sbx_net net = (enum sbx_net)sbx_net_of_path(r->path);
    struct sbx_grant g;
    struct sbx_login l;
    struct page p;
    bool is_ig = false;
    if (!object_for(r, net, &g, &l, &p, &is_ig))
        return ST_OK;
    if (!is_ig)
        return env_facebook(r, 400, 100, 0, "OAuthException",
                            "(#100) Tried accessing nonexisting field (content_publishing_limit) "
                            "on node type (Page)");
    int64_t used = l.quota;
    (void)state_quota_get(l.name, &used);
    struct gfield f[FIELDS_MAX];
    size_t nf = graph_fields(req_query(r, "fields"), f, FIELDS_MAX);
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    jw_obj(&w);
    /* Without fields the Graph returns quota_usage only. */
    if (!nf || want(f, nf, "quota_usage"))
        jw_kint(&w, "quota_usage", used);
    if (want(f, nf, "config")) {
        jw_key(&w, "config");
        jw_obj(&w);
        jw_kint(&w, "quota_total", IG_QUOTA_TOTAL);
        jw_kint(&w, "quota_duration", 86400);
        jw_obj_end(&w);
    }
    jw_obj_end(&w);
    jw_arr_end(&w);
    jw_obj_end(&w);
    return ST_OK;
}
