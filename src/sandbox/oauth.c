/*
 * oauth: the consent page every network but Telegram sends its users to
 * (docs/sandbox.md "Consent page").
 *
 * GET checks the authorization request and shows who asks for what, with a
 * form whose hidden inputs echo every query parameter; POST of that form
 * either redirects back with a single-use code (valid 10 minutes, bound to
 * the client id, redirect URI, scopes, login and PKCE challenge) or with
 * error=access_denied. Problems with the request itself are answered 400 in
 * plain text, as the real providers show an error page instead of
 * redirecting to an unverified redirect URI.
 */
#include "sandbox/internal.h"
#include "util/html.h"
#include "util/str.h"
#include "util/url.h"

#include <string.h>

#define CODE_TTL_S 600
#define STATE_MAX  2048

/* The request's parameters: the form's on POST (the page echoes the query
 * there), else the query's. */
struct consent {
    enum sbx_net net;
    struct sbx_form form;
    bool post;
    const char *client_id, *redirect_uri, *scope, *state, *challenge, *method;
};

static const char *param(struct req *r, const struct consent *c, const char *name)
{
    return sbx_param(r, c->post ? &c->form : NULL, name);
}

/* Checks the authorization request; returns a reason to refuse it, or NULL. */
static const char *check(struct req *r, struct consent *c)
{
    const char *client_name = c->net == NET_TIKTOK ? "client_key" : "client_id";
    c->client_id = param(r, c, client_name);
    c->redirect_uri = param(r, c, "redirect_uri");
    c->scope = param(r, c, "scope");
    c->state = param(r, c, "state");
    c->challenge = param(r, c, "code_challenge");
    c->method = param(r, c, "code_challenge_method");
    const char *rt = param(r, c, "response_type");
    if (!c->client_id)
        return c->net == NET_TIKTOK ? "Missing client_key." : "Missing client_id.";
    if (strlen(c->client_id) > SBX_CLIENT_MAX)
        return "The client id is too long.";
    if (!c->redirect_uri)
        return "Missing redirect_uri.";
    struct url u;
    const char *why = NULL;
    if (strlen(c->redirect_uri) > SBX_URI_MAX || strchr(c->redirect_uri, '#') ||
        !url_parse(r->arena, c->redirect_uri, &u, &why))
        return "redirect_uri must be an absolute http(s) URL without a fragment.";
    if (!rt || strcmp(rt, "code"))
        return "response_type must be code.";
    if (c->scope && strlen(c->scope) > SBX_SCOPE_MAX)
        return "scope is too long.";
    if (c->state && strlen(c->state) > STATE_MAX)
        return "state is too long.";
    if (c->net == NET_TWITTER && !c->challenge)
        return "Missing code_challenge: X requires PKCE.";
    if (c->challenge) {
        if (strlen(c->challenge) > SBX_CHALLENGE_MAX)
            return "code_challenge is too long.";
        if (c->method && strcmp(c->method, "S256") && strcmp(c->method, "plain"))
            return "code_challenge_method must be S256 or plain.";
    }
    return NULL;
}

static void hidden(struct buf *b, const char *k, const char *v)
{
    buf_puts(b, "    <input type=\"hidden\" name=\"");
    html_esc(b, k);
    buf_puts(b, "\" value=\"");
    html_esc(b, v);
    buf_puts(b, "\">\n");
}

/* Lists the scopes one per item; providers separate them by spaces or commas. */
static void scope_list(struct buf *b, const char *scope)
{
    buf_puts(b, "      <ul>\n");
    int n = 0;
    for (const char *p = scope; p && *p;) {
        size_t len = strcspn(p, " ,");
        if (len) {
            buf_puts(b, "        <li><code>");
            html_esc_n(b, p, len);
            buf_puts(b, "</code></li>\n");
            n++;
        }
        p += len;
        p += strspn(p, " ,");
    }
    if (!n)
        buf_puts(b, "        <li>(none requested)</li>\n");
    buf_puts(b, "      </ul>\n");
}

static enum status page(struct req *r, const struct consent *c, unsigned status, const char *error)
{
    struct buf *b = &r->out;
    const char *title = sbx_net_title(c->net);
    buf_reset(b);
    buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<title>Sandbox ");
    html_esc(b, title);
    buf_puts(b, " \xe2\x80\x94 authorize</title>\n<link rel=\"icon\" href=\"data:,\">\n<style>\n"
                "body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;"
                "padding:0 1rem;line-height:1.5;color:#1a1a1a}\n"
                "input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}\n"
                "button{font-size:1rem;padding:.5rem 1.2rem;margin:.8rem .6rem 0 0}\n"
                ".error{color:#a00000;font-weight:600}\n.hint{color:#4a4a4a;font-size:.9rem}\n"
                ":focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}\n"
                "</style>\n</head>\n<body>\n<main>\n  <h1>Sandbox ");
    html_esc(b, title);
    buf_puts(b, " \xe2\x80\x94 authorize</h1>\n  <p>An application asks to use your ");
    html_esc(b, title);
    buf_puts(b, " account. This is the sociald sandbox: no real account is involved.</p>\n"
                "  <dl>\n    <dt>Client id</dt>\n    <dd><code>");
    html_esc(b, c->client_id);
    buf_puts(b, "</code></dd>\n    <dt>Redirect URI</dt>\n    <dd><code>");
    html_esc(b, c->redirect_uri);
    buf_puts(b, "</code></dd>\n    <dt>Scopes</dt>\n    <dd>\n");
    scope_list(b, c->scope);
    buf_puts(b, "    </dd>\n  </dl>\n  <form method=\"post\" action=\"");
    html_esc(b, r->path);
    buf_puts(b, "\">\n");
    const struct kv *kv = c->post ? c->form.kv : r->query;
    size_t n = c->post ? c->form.n : r->nquery;
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i].key, "login") && strcmp(kv[i].key, "decision"))
            hidden(b, kv[i].key, kv[i].val);
    if (error) {
        buf_puts(b, "    <p class=\"error\" id=\"login-error\" role=\"alert\">");
        html_esc(b, error);
        buf_puts(b, "</p>\n");
    }
    buf_puts(b, "    <label for=\"login\">Login</label>\n"
                "    <input id=\"login\" name=\"login\" required maxlength=\"64\" "
                "pattern=\"[A-Za-z0-9._\\-]{1,64}\" autocomplete=\"username\" "
                "autocapitalize=\"none\" spellcheck=\"false\" aria-describedby=\"login-hint");
    buf_puts(b, error ? " login-error\" aria-invalid=\"true\">\n" : "\">\n");
    buf_puts(b, "    <p class=\"hint\" id=\"login-hint\">Any login of 1 to 64 letters, digits, "
                "dots, underscores or hyphens. The same login always gives the same account; "
                "words such as pages3, noorg, locations5, channels0, boards600 or quota49 "
                "choose scenarios.</p>\n"
                "    <button type=\"submit\" name=\"decision\" value=\"allow\">Authorize</button>\n"
                "    <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\n"
                "  </form>\n</main>\n</body>\n</html>\n");
    r->content_type = "text/html; charset=utf-8";
    r->http_status = status;
    req_add_header(r, "Cache-Control", "no-store");
    return ST_OK;
}

static enum status redirect(struct req *r, const struct consent *c, const char *code)
{
    struct buf loc;
    buf_init(&loc, 3 * SBX_URI_MAX + 3 * STATE_MAX + 256);
    buf_puts(&loc, c->redirect_uri);
    buf_putc(&loc, strchr(c->redirect_uri, '?') ? '&' : '?');
    if (code) {
        buf_puts(&loc, "code=");
        sbx_url_encode(&loc, code);
    } else {
        buf_puts(&loc, "error=access_denied&error_description=");
        sbx_url_encode(&loc, "The user denied the authorization request.");
    }
    if (c->state) {
        buf_puts(&loc, "&state=");
        sbx_url_encode(&loc, c->state);
    }
    const char *location = arena_strdup(r->arena, loc.data ? loc.data : c->redirect_uri);
    buf_free(&loc);
    req_add_header(r, "Location", location);
    req_add_header(r, "Cache-Control", "no-store");
    buf_reset(&r->out);
    r->content_type = "text/plain; charset=utf-8";
    r->http_status = 302;
    return ST_OK;
}

enum status sbx_oauth_consent(struct app *app, struct req *r)
{
    (void)app;
    struct consent c;
    memset(&c, 0, sizeof(c));
    c.net = (enum sbx_net)sbx_net_of_path(r->path);
    c.post = r->method == HM_POST;
    if (c.post)
        sbx_form_parse(r, &c.form);
    const char *why = check(r, &c);
    if (why)
        return sbx_text(r, 400, why);
    if (!c.post)
        return page(r, &c, 200, NULL);

    const char *decision = sbx_form_get(&c.form, "decision");
    if (decision && !strcmp(decision, "deny"))
        return redirect(r, &c, NULL);
    if (!decision || strcmp(decision, "allow"))
        return sbx_text(r, 400, "decision must be allow or deny.");
    const char *login = sbx_form_get(&c.form, "login");
    if (!login || !ident_login_valid(login))
        return page(r, &c, 400,
                    "Enter a login of 1 to 64 letters, digits, dots, underscores or hyphens.");

    struct sbx_grant g;
    memset(&g, 0, sizeof(g));
    g.net = c.net;
    str_copy(g.login, sizeof(g.login), login);
    str_copy(g.client_id, sizeof(g.client_id), c.client_id);
    str_copy(g.scope, sizeof(g.scope), c.scope ? c.scope : "");
    str_copy(g.redirect_uri, sizeof(g.redirect_uri), c.redirect_uri);
    if (c.challenge) {
        str_copy(g.challenge, sizeof(g.challenge), c.challenge);
        /* RFC 7636 §4.3: the method defaults to plain. */
        g.challenge_plain = !c.method || !strcmp(c.method, "plain");
    }
    char code[SBX_TOKEN_MAX + 1];
    state_code_new(&g, CODE_TTL_S, code);
    return redirect(r, &c, code);
}
