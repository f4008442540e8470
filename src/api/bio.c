/*
 * bio: the public bio page GET /bio/<handle> (SPEC §2 ayrlinkUrl): the
 * profile's linked accounts with names, avatars and profile links, rendered
 * on the server, no JavaScript. A handle that is unknown (or whose profile
 * was deleted or suspended) is a plain 404 page.
 */
#include "api/link.h"
#include "render/render.h"
#include "platforms/names.h"
#include "platforms/platform.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "util/html.h"

#include <string.h>

static void not_found(struct req *r)
{
    buf_puts(&r->out, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                      "<title>Not found</title><link rel=\"stylesheet\" "
                      "href=\"/link/assets/link.css\"></head><body><main><header><h1>No such "
                      "page</h1></header></main></body></html>\n");
    r->http_status = 404;
}

enum status api_bio_page(struct app *app, struct req *r)
{
    struct buf *b = &r->out;
    r->content_type = "text/html; charset=utf-8";
    req_add_header(r, "X-Content-Type-Options", "nosniff");
    req_add_header(r, "Referrer-Policy", "no-referrer");
    req_add_header(r, "Content-Security-Policy",
                   "default-src 'none'; style-src 'self'; img-src https: http: data:; "
                   "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    req_add_header(r, "Cache-Control", "public, max-age=60");
    struct profile p;
    enum store_rc rc = store_profile_by_bio(app->store, r->arena, r->params[0], &p);
    if (rc == STORE_NOTFOUND || (rc == STORE_OK && p.suspended_ms)) {
        not_found(r);
        return ST_OK;
    }
    struct profile_settings ps;
    struct linked_account *la = NULL;
    size_t n = 0;
    if (rc != STORE_OK || store_profile_settings(app->store, r->arena, p.id, &ps) != STORE_OK ||
        store_linked_list(app->store, r->arena, p.id, &la, &n) != STORE_OK)
        return ST_INTERNAL;
    const char *title = ps.display_title ? ps.display_title : p.title;
    buf_puts(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<title>");
    html_esc(b, title);
    buf_puts(b, "</title>\n<link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" "
                "href=\"/link/assets/link.css\">\n</head>\n"
                "<body class=\"bio\">\n<main>\n<header><h1>");
    html_esc(b, title);
    buf_puts(b, "</h1>");
    if (ps.sub_header && *ps.sub_header) {
        buf_puts(b, "<p>");
        html_esc(b, ps.sub_header);
        buf_puts(b, "</p>");
    }
    buf_puts(b, "</header>\n<ul class=\"cards\">\n");
    for (size_t i = 0; i < n; i++) {
        if (!render_shown(&la[i]))
            continue; /* must be re-linked: not shown as linked anywhere */
        const struct platform *pf = platform_get(la[i].platform);
        bool link = html_safe_url(la[i].disp.profile_url);
        buf_puts(b, "<li class=\"card\">");
        if (link) {
            buf_puts(b, "<a href=\"");
            html_esc(b, la[i].disp.profile_url);
            buf_puts(b, "\" rel=\"me noopener\">");
        }
        buf_puts(b, "<div class=\"who\">");
        if (html_safe_url(la[i].disp.user_image)) {
            buf_puts(b, "<img src=\"");
            html_esc(b, la[i].disp.user_image);
            buf_puts(b, "\" alt=\"\" width=\"40\" height=\"40\" referrerpolicy=\"no-referrer\">");
        }
        buf_puts(b, "<div><span class=\"name\">");
        html_esc(b, la[i].disp.display_name ? la[i].disp.display_name : la[i].disp.username);
        buf_puts(b, "</span><p class=\"state\">");
        html_esc(b, pf ? pf->label : la[i].platform);
        if (la[i].disp.username) {
            buf_puts(b, " · ");
            html_esc(b, la[i].disp.username);
        }
        buf_puts(b, "</p></div></div>");
        if (link)
            buf_puts(b, "</a>");
        buf_puts(b, "</li>\n");
    }
    buf_puts(b, "</ul>\n");
    if (!n)
        buf_puts(b, "<p class=\"notice\">Nothing linked yet.</p>\n");
    buf_puts(b, "</main>\n</body>\n</html>\n");
    return ST_OK;
}
