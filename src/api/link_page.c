/*
 * link_page: the linking page an end user opens (SPEC §9), rendered on the
 * server; it works without JavaScript and loads nothing from elsewhere.
 *
 *   GET  /link?jwt=…                    verify the token, then 302 to the page
 *   GET  /link/s/<secret>               the page: one card per network
 *   GET  /link/<platform>/start?s=…     302 to the network's consent screen
 *   GET  /link/<platform>/callback      the network sends the browser back
 *   GET  /link/s/<secret>/choose/<id>   pick a page/location/organisation
 *   POST /link/s/<secret>/choose/<id>   link the one picked
 *   POST /link/s/<secret>/unlink        unlink a network
 *   POST /link/s/<secret>/telegram      a code to link a Telegram chat with
 *   POST /link/s/<secret>/telegram/check  "I've posted the code": link it
 *
 * OAuth state: "<nonce>.<mac>", the mac an HMAC of the nonce and network
 * under the server's signing key, so a forged state is refused before the
 * store is asked. The nonce's row is single use (taken with one
 * UPDATE … RETURNING), bound to the session and the network, and lives 15
 * minutes; it holds the session secret and the PKCE verifier, sealed. The
 * browser that started is bound too: /start sets a cookie (HttpOnly,
 * SameSite=Lax, path of the callback) whose value is an HMAC of the nonce,
 * and the callback requires it — a consent completed in another browser
 * (someone sending a victim their own authorization link) links nothing.
 *
 * The code exchange and identity reads wait on the network: the request is
 * suspended and an offload worker finishes it (core/offload.h). After a
 * POST the browser is sent back with 303, so reloading never repeats it.
 * Outcomes reach the page as fixed notice codes (m=, p=, r=), never as
 * text from the URL.
 *
 * Telegram has no consent screen, and knowing a chat's name proves
 * nothing, so a chat is linked in two steps: the chat typed on the page
 * gets a one-time code (after the bot checked it administers the chat),
 * the user posts the code in the chat, and "I've posted the code" has the
 * bot look for it (api/link_telegram.c). Both steps wait on Telegram on an
 * offload worker; a code not seen yet is a notice, not a wait.
 */
#include "api/link.h"
#include "core/log.h"
#include "core/offload.h"
#include "crypto/crypto.h"
#include "crypto/linktoken.h"
#include "crypto/vault.h"
#include "http/server.h"
#include "ops/linked.h"
#include "ops/ops.h"
#include "platforms/net.h"
#include "platforms/names.h"
#include "store/accounts.h"
#include "store/linked.h"
#include "store/linking.h"
#include "store/profiles.h"
#include "util/asset.h"
#include "util/base64.h"
#include "util/html.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define STATE_MAX_AGE_MS   (15 * 60 * 1000LL)
#define PENDING_MAX_AGE_MS (15 * 60 * 1000LL)
#define NONCE_LEN          22 /* 16 bytes, base64url */
#define CHAT_MAX           64

/* ---- page scaffolding ---------------------------------------------------- */

static void security_headers(struct req *r)
{
    req_add_header(r, "Cache-Control", "no-store");
    /* The page's URL is a bearer secret: never send it to another site. */
    req_add_header(r, "Referrer-Policy", "no-referrer");
    req_add_header(r, "X-Content-Type-Options", "nosniff");
    req_add_header(r, "X-Frame-Options", "DENY");
    req_add_header(r, "Content-Security-Policy",
                   "default-src 'none'; style-src 'self'; img-src https: http: data:; "
                   "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
}

static void page_begin(struct req *r, const char *title, const char *body_class)
{
    struct buf *b = &r->out;
    r->content_type = "text/html; charset=utf-8";
    security_headers(r);
    buf_puts(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<title>");
    html_esc(b, title);
    buf_puts(b, "</title>\n<link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" "
                "href=\"/link/assets/link.css\">\n</head>\n"
                "<body");
    if (body_class) {
        buf_puts(b, " class=\"");
        html_esc(b, body_class);
        buf_putc(b, '"');
    }
    buf_puts(b, ">\n<main>\n");
}

static void page_end(struct req *r)
{
    buf_puts(&r->out, "</main>\n</body>\n</html>\n");
}

static bool wants_html(struct req *r)
{
    const char *a = req_header(r, "Accept");
    return a && strstr(a, "text/html");
}

/*
 * An error on a page route: an HTML page with the same HTTP status and code
 * for browsers, the JSON error body (action "link") for everything else.
 */
static enum status page_fail(struct req *r, enum status st)
{
    if (!wants_html(r))
        return st;
    const char *msg = r->err_message ? r->err_message : status_message(st);
    json_t *d = r->err_details;
    const char *field = d ? json_string_value(json_object_get(d, "field")) : NULL;
    const char *reason = d ? json_string_value(json_object_get(d, "reason")) : NULL;
    if (field && reason)
        msg = arena_printf(r->arena, "The %s %s.", field, reason);
    buf_reset(&r->out);
    page_begin(r, "Linking social accounts", NULL);
    buf_puts(&r->out, "<header><h1>This link cannot be used</h1></header>\n<p class=\"notice "
                      "err\" role=\"alert\">");
    html_esc(&r->out, msg);
    buf_printf(&r->out, " <small>(code %d)</small></p>\n", status_code(st));
    page_end(r);
    r->http_status = status_http(st);
    return ST_OK;
}

static enum status redirect(struct req *r, unsigned code, const char *location)
{
    r->http_status = code;
    req_add_header(r, "Location", location);
    security_headers(r);
    return ST_OK;
}

/* The page's URL with a notice: m = what happened, p = the network, x =
 * a reason code. */
static const char *page_url(struct req *r, const char *secret, const char *m, const char *p,
                            const char *x)
{
    struct buf b;
    buf_init(&b, 1024);
    buf_printf(&b, "/link/s/%s", secret);
    if (m) {
        buf_printf(&b, "?m=%s", m);
        if (p)
            buf_printf(&b, "&p=%s", p);
        if (x)
            buf_printf(&b, "&x=%s", x);
    }
    const char *s = arena_strndup(r->arena, b.data, b.len);
    buf_free(&b);
    return s;
}

/* ---- sessions ------------------------------------------------------------- */

struct live {
    const char *secret;
    char hash[LINK_HASH_LEN + 1];
    struct link_session s;
    struct profile p;
    struct profile_settings ps;
    unsigned offer; /* networks the page offers: allowed, not disabled, configured */
    const struct telegram_code *tg;     /* the page's live Telegram code, or NULL */
    char tg_code[LINK_TG_CODE_LEN + 1]; /* its text */
};

/* Reads a profile's disableSocial list into a mask. */
static unsigned disabled_mask(const char *json)
{
    unsigned m = 0;
    json_t *a = json ? json_loads(json, 0, NULL) : NULL;
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e)
    {
        int idx = json_is_string(e) ? platform_index(json_string_value(e)) : -1;
        if (idx >= 0)
            m |= 1u << idx;
    }
    json_decref(a);
    return m;
}

/* Loads the session named by secret and checks it can be used now. */
static enum status session_load(struct app *app, struct req *r, const char *secret, struct live *lv)
{
    memset(lv, 0, sizeof(*lv));
    lv->secret = secret;
    if (!link_session_hash(secret, lv->hash))
        return ST_SESSION_NOT_FOUND;
    enum store_rc rc = store_link_session_get(app->store, r->arena, lv->hash, &lv->s);
    if (rc == STORE_NOTFOUND)
        return ST_SESSION_NOT_FOUND;
    if (rc != STORE_OK)
        return ST_INTERNAL;
    if (lv->s.revoked_ms)
        return ST_SESSION_REVOKED;
    int64_t now = time_now_ms();
    if (now >= lv->s.expires_ms)
        return ST_SESSION_EXPIRED;
    rc = store_profile_get(app->store, r->arena, lv->s.profile_id, &lv->p);
    if (rc != STORE_OK)
        return rc == STORE_NOTFOUND ? ST_SESSION_NOT_FOUND : ST_INTERNAL;
    if (lv->p.deleted_ms) {
        r->err_message = "The profile of this linking session was deleted.";
        return ST_SESSION_REVOKED;
    }
    if (lv->p.suspended_ms)
        return ST_PROFILE_SUSPENDED;
    if (store_profile_settings(app->store, r->arena, lv->p.id, &lv->ps) != STORE_OK)
        return ST_INTERNAL;
    unsigned disabled = disabled_mask(lv->ps.disable_social);
    for (int i = 0; i < PLATFORM_COUNT; i++) {
        unsigned bit = 1u << i;
        if ((lv->s.allowed_mask & bit) && !(disabled & bit) &&
            ops_linked_available(app, r->arena, lv->s.account_id, i))
            lv->offer |= bit;
    }
    return ST_OK;
}

/* ---- GET /link?jwt= -------------------------------------------------------- */

/*
 * The public key an RS256 token must verify with, chosen from its unverified
 * claims: the one its session keeps (derived by generateJWT from the
 * caller's privateKey when the account had none registered), else the one
 * the account of its sub registered. NULL when there is none. Trusting the
 * unverified jti here gives nothing away: the session's key was stored by
 * the server, and knowing the jti already opens /link/s/<jti>.
 */
static const char *rs256_key(struct app *app, struct req *r, const struct link_claims *peek)
{
    char hash[LINK_HASH_LEN + 1];
    struct link_session s;
    if (link_session_hash(peek->jti, hash) &&
        store_link_session_get(app->store, r->arena, hash, &s) == STORE_OK && s.public_key)
        return s.public_key;
    struct profile p;
    const char *pub = NULL;
    if (store_profile_by_ref(app->store, r->arena, peek->sub, &p) == STORE_OK &&
        store_account_public_key(app->store, r->arena, p.account_id, &pub) == STORE_OK)
        return pub;
    return NULL;
}

enum status api_link_jwt_open(struct app *app, struct req *r)
{
    const char *token = req_query(r, "jwt");
    if (!token || !*token)
        return page_fail(r, req_fail(r, ST_BAD_PARAM, "jwt", "is required"));
    struct link_claims peek;
    enum linktoken_alg alg = linktoken_peek(token, &peek);
    int64_t now = time_now_ms();
    struct link_claims c = {0};
    enum linktoken_rc vr = LINKTOKEN_BAD;
    if (alg == LINKTOKEN_HS256) {
        vr = linktoken_verify_hs256(token, app->jwt_key, now / 1000, &c);
    } else if (alg == LINKTOKEN_RS256) {
        const char *pub = rs256_key(app, r, &peek);
        if (pub)
            vr = linktoken_verify_rs256(token, pub, now / 1000, &c);
    }
    /* A token this server did not sign (or altered, or dated in the future)
     * names no session. */
    if (vr == LINKTOKEN_BAD || strcmp(c.aud, app->cfg->public_url) != 0)
        return page_fail(r, ST_SESSION_NOT_FOUND);
    struct live lv;
    enum status st = session_load(app, r, c.jti, &lv);
    if (st == ST_OK && strcmp(lv.p.ref_id, c.sub) != 0)
        st = ST_SESSION_NOT_FOUND;
    if (st == ST_OK && vr == LINKTOKEN_EXPIRED && !lv.s.opened_ms)
        st = ST_SESSION_EXPIRED;
    if (st != ST_OK)
        return page_fail(r, st);
    /* Opened in time for the first time: the page stays usable for a while
     * (link.h). Later openings move nothing. */
    if (!lv.s.opened_ms &&
        store_link_session_open(app->store, lv.hash, now,
                                now + app->cfg->link_page_minutes * 60000) != STORE_OK)
        return page_fail(r, ST_INTERNAL);
    return redirect(r, 302, page_url(r, c.jti, NULL, NULL, NULL));
}

/* ---- the page -------------------------------------------------------------- */

static const char *label(int idx)
{
    const struct platform *p = platform_at(idx);
    return p ? p->label : platform_name(idx);
}

static const char *failure_text(const char *x)
{
    if (!x)
        return "something went wrong";
    if (!strcmp(x, "timeout"))
        return "the network did not answer in time";
    if (!strcmp(x, "transient"))
        return "the network is not available right now";
    if (!strcmp(x, "auth"))
        return "the network refused the authorization";
    if (!strcmp(x, "denied"))
        return "this account cannot be linked: a permission is missing, or there is nothing to "
               "link";
    if (!strcmp(x, "chat"))
        return "the chat was not found, or the bot is not an administrator there";
    if (!strcmp(x, "bad"))
        return "the network answered with something unexpected";
    if (!strcmp(x, "expired"))
        return "the code has expired or was already used; get a new code";
    if (!strcmp(x, "nocode"))
        return "there is no code to check; enter the channel or group to get one";
    if (!strcmp(x, "notadmin"))
        return "the code was posted by someone who is not an administrator of the chat; an "
               "administrator must post it (or send it to the bot)";
    if (!strcmp(x, "elsewhere"))
        return "the code was posted in another chat; post it in the chat it was issued for";
    if (!strcmp(x, "updates"))
        return "Telegram does not hand the bot's messages to this server (another program "
               "reads them, or the bot has a webhook); ask the operator";
    return "something went wrong";
}

/* The notice above the cards, from fixed codes only. */
static void notice(struct req *r)
{
    const char *m = req_query(r, "m"), *p = req_query(r, "p"), *x = req_query(r, "x");
    if (!m)
        return;
    int idx = p ? platform_index(p) : -1;
    const char *net = idx >= 0 ? label(idx) : "The network";
    struct buf *b = &r->out;
    bool ok = !strcmp(m, "linked") || !strcmp(m, "unlinked") || !strcmp(m, "tgcode");
    buf_printf(b, "<p class=\"notice %s\" role=\"%s\">", ok ? "ok" : "err",
               ok ? "status" : "alert");
    if (!strcmp(m, "linked")) {
        html_esc(b, net);
        buf_puts(b, " is linked.");
    } else if (!strcmp(m, "unlinked")) {
        html_esc(b, net);
        buf_puts(b, " was unlinked.");
    } else if (!strcmp(m, "denied")) {
        buf_puts(b, "Access was not granted on ");
        html_esc(b, idx >= 0 ? net : "the network");
        buf_puts(b, ", so nothing was linked.");
    } else if (!strcmp(m, "failed")) {
        buf_puts(b, "Linking ");
        html_esc(b, idx >= 0 ? net : "the account");
        buf_puts(b, " failed: ");
        html_esc(b, failure_text(x));
        buf_puts(b, ". Please try again.");
    } else if (!strcmp(m, "chat")) {
        buf_puts(b, "Enter the channel or group as @name, or as its numeric id.");
    } else if (!strcmp(m, "tgcode")) {
        buf_puts(b, "Now post the code shown on the Telegram card in the chat.");
    } else if (!strcmp(m, "tgwait")) {
        buf_puts(b, "The bot has not seen the code in the chat yet. Post it there exactly as "
                    "shown, wait a few seconds, then press \"I've posted the code\" again.");
    } else if (!strcmp(m, "expired")) {
        buf_puts(b, "That choice has expired. Please link again.");
    } else if (!strcmp(m, "unavailable")) {
        html_esc(b, net);
        buf_puts(b, " cannot be linked here.");
    } else {
        buf_puts(b, "Welcome back.");
    }
    buf_puts(b, "</p>\n");
}

static void header(struct req *r, const struct live *lv)
{
    struct buf *b = &r->out;
    if (lv->ps.hide_top_header)
        return;
    buf_puts(b, "<header>\n<h1>");
    html_esc(b, lv->ps.top_header && *lv->ps.top_header ? lv->ps.top_header
                                                        : "Link your social accounts");
    buf_puts(b, "</h1>\n");
    if (lv->ps.sub_header && *lv->ps.sub_header) {
        buf_puts(b, "<p>");
        html_esc(b, lv->ps.sub_header);
        buf_puts(b, "</p>\n");
    } else if (!lv->ps.hide_title && !lv->p.is_primary) {
        buf_puts(b, "<p>Choose the accounts to connect to ");
        html_esc(b, lv->ps.display_title ? lv->ps.display_title : lv->p.title);
        buf_puts(b, ".</p>\n");
    }
    buf_puts(b, "</header>\n");
}

static void avatar(struct buf *b, const char *url)
{
    if (!html_safe_url(url))
        return;
    buf_puts(b, "<img src=\"");
    html_esc(b, url);
    buf_puts(b, "\" alt=\"\" width=\"40\" height=\"40\" referrerpolicy=\"no-referrer\">");
}

/* Telegram's card when nothing is linked: the live code with "I've posted
 * the code", and the form that asks for a (new) code. */
static void telegram_card(struct req *r, const struct live *lv)
{
    struct buf *b = &r->out;
    const struct telegram_code *c = lv->tg;
    if (c) {
        char until[32];
        time_t secs = (time_t)(c->expires_ms / 1000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        strftime(until, sizeof(until), "%H:%M", &tm);
        buf_puts(b, "<p class=\"state\">To show that <b>");
        html_esc(b, c->chat_title && *c->chat_title ? c->chat_title : c->chat_id);
        buf_puts(b, "</b> is yours, post this message in it, or send it to ");
        if (c->bot_username && *c->bot_username) {
            buf_puts(b, "<b>@");
            html_esc(b, c->bot_username);
            buf_puts(b, "</b>");
        } else {
            buf_puts(b, "the bot");
        }
        buf_printf(b,
                   " from an administrator's account of the chat:</p>\n"
                   "<p class=\"code\"><code id=\"telegram-code\">/connect %s</code></p>\n"
                   "<p class=\"state\">The code works once, until %s UTC.</p>\n"
                   "<form method=\"post\" action=\"/link/s/%s/telegram/check\">"
                   "<button type=\"submit\" aria-label=\"Check the Telegram code\">I've posted "
                   "the code</button></form>\n",
                   lv->tg_code, until, lv->secret);
    }
    buf_printf(b,
               "<form method=\"post\" action=\"/link/s/%s/telegram\">"
               "<label for=\"chat\">%s</label>"
               "<input type=\"text\" id=\"chat\" name=\"chat\" required maxlength=\"64\" "
               "placeholder=\"@yourchannel\" autocomplete=\"off\">"
               "<button type=\"submit\"%s aria-label=\"Get a Telegram code\">%s</button></form>\n",
               lv->secret, c ? "Another channel or group" : "Channel or group",
               c ? " class=\"secondary\"" : "", c ? "Get a new code" : "Get a code");
    if (!c)
        buf_puts(b, "<p class=\"state\">Add the bot to the chat as an administrator first. You "
                    "will then post a one-time code in the chat, to show that it is yours.</p>\n");
}

static void card(struct req *r, const struct live *lv, int idx, const struct linked_account *la)
{
    struct buf *b = &r->out;
    const char *name = platform_name(idx), *lab = label(idx);
    buf_printf(b, "<li class=\"card%s\" id=\"card-%s\">\n<h2>", la ? " linked" : "", name);
    html_esc(b, lab);
    buf_puts(b, "</h2>\n");
    bool can_link = (lv->offer & (1u << idx)) != 0;
    if (la) {
        buf_puts(b, "<div class=\"who\">");
        avatar(b, la->disp.user_image);
        buf_puts(b, "<span class=\"name\">");
        html_esc(b, la->disp.display_name ? la->disp.display_name : la->disp.username);
        buf_puts(b, "</span></div>\n");
        bool relink = la->status && !strcmp(la->status, "relink_required");
        buf_printf(b, "<p class=\"state%s\">%s</p>\n", relink ? " warn" : "",
                   relink ? "The network ended this link. Link it again."
                   : la->status && !strcmp(la->status, "refresh_failing")
                       ? "Linked. Renewing access is failing; it will be retried."
                       : "Linked");
        buf_printf(b,
                   "<form method=\"post\" action=\"/link/s/%s/unlink\">"
                   "<input type=\"hidden\" name=\"platform\" value=\"%s\">"
                   "<button type=\"submit\" class=\"secondary\" aria-label=\"Unlink ",
                   lv->secret, name);
        html_esc(b, lab);
        buf_puts(b, "\">Unlink</button></form>\n");
        if (relink && can_link && strcmp(name, "telegram") != 0) {
            buf_printf(b, "<a class=\"button\" href=\"/link/%s/start?s=%s\" aria-label=\"Link ",
                       name, lv->secret);
            html_esc(b, lab);
            buf_puts(b, " again\">Link again</a>\n");
        }
    } else if (!strcmp(name, "telegram")) {
        telegram_card(r, lv);
    } else {
        buf_printf(b, "<a class=\"button\" href=\"/link/%s/start?s=%s\" aria-label=\"Link ", name,
                   lv->secret);
        html_esc(b, lab);
        buf_puts(b, "\">Link</a>\n");
    }
    buf_puts(b, "</li>\n");
}

enum status api_link_page(struct app *app, struct req *r)
{
    struct live lv;
    enum status st = session_load(app, r, r->params[0], &lv);
    if (st != ST_OK)
        return page_fail(r, st);
    int64_t now = time_now_ms();
    if (!lv.s.opened_ms &&
        store_link_session_open(app->store, lv.hash, now,
                                now + app->cfg->link_page_minutes * 60000) != STORE_OK)
        return page_fail(r, ST_INTERNAL);
    struct linked_account *la = NULL;
    size_t n = 0;
    if (store_linked_list(app->store, r->arena, lv.p.id, &la, &n) != STORE_OK)
        return page_fail(r, ST_INTERNAL);
    struct telegram_code tg;
    if (store_telegram_code_of_session(app->store, r->arena, lv.hash, &tg) == STORE_OK &&
        tg.expires_ms > now) {
        lv.tg = &tg;
        link_tg_code_text(app, tg.nonce, lv.tg_code);
    }

    page_begin(r, "Link your social accounts", NULL);
    header(r, &lv);
    notice(r);
    buf_puts(&r->out, "<ul class=\"cards\">\n");
    size_t shown = 0;
    for (int i = 0; i < PLATFORM_COUNT; i++) {
        const struct linked_account *mine = NULL;
        for (size_t k = 0; k < n; k++)
            if (!strcmp(la[k].platform, platform_name(i)))
                mine = &la[k];
        unsigned bit = 1u << i;
        /* A linked network stays on the page (to unlink it) even when the
         * operator no longer configures it. */
        bool show = (lv.offer & bit) || (mine && (lv.s.allowed_mask & bit));
        if (!show)
            continue;
        card(r, &lv, i, mine);
        shown++;
    }
    buf_puts(&r->out, "</ul>\n");
    if (!shown)
        buf_puts(&r->out, "<p class=\"notice\">No social network can be linked here. Ask the "
                          "operator to configure one.</p>\n");
    if (lv.s.redirect && html_safe_url(lv.s.redirect)) {
        buf_puts(&r->out, "<p class=\"done\"><a class=\"button\" href=\"");
        html_esc(&r->out, lv.s.redirect);
        buf_puts(&r->out, "\">Done</a></p>\n");
    }
    page_end(r);
    return ST_OK;
}

/* ---- OAuth ----------------------------------------------------------------- */

static void mac16(struct app *app, const char *what, const char *a, const char *b, const char *c,
                  char out[NONCE_LEN + 1])
{
    char msg[512];
    int n = snprintf(msg, sizeof(msg), "%s\n%s\n%s\n%s", what, a, b ? b : "", c ? c : "");
    unsigned char m[CRYPTO_SHA256_LEN];
    crypto_hmac_sha256(app->signing_key, sizeof(app->signing_key), msg,
                       n > 0 ? (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1 : 0, m);
    base64url_encode(m, 16, out);
}

static const char *redirect_uri(struct app *app, struct req *r, const char *name)
{
    return arena_printf(r->arena, "%s/link/%s/callback", app->cfg->public_url, name);
}

static bool https_public(struct app *app)
{
    return strncasecmp(app->cfg->public_url, "https://", 8) == 0;
}

static const char *state_aad(struct req *r, const char *nonce)
{
    return arena_printf(r->arena, "oauth-state:%s", nonce);
}

enum status api_link_start(struct app *app, struct req *r)
{
    int idx = platform_index(r->params[0]);
    const char *secret = req_query(r, "s");
    struct live lv;
    enum status st = session_load(app, r, secret ? secret : "", &lv);
    if (st != ST_OK)
        return page_fail(r, st);
    const struct platform *pf = idx >= 0 ? platform_at(idx) : NULL;
    if (!pf || !pf->oauth || !(lv.offer & (1u << idx)))
        return redirect(r, 303,
                        page_url(r, secret, "unavailable", idx >= 0 ? r->params[0] : NULL, NULL));
    const char *name = platform_name(idx);
    struct net n;
    ops_linked_net(app, r->arena, lv.s.account_id, idx, &n);

    unsigned char raw[16];
    crypto_random(raw, sizeof(raw));
    char nonce[NONCE_LEN + 1], mac[NONCE_LEN + 1], bind[NONCE_LEN + 1];
    base64url_encode(raw, sizeof(raw), nonce);
    mac16(app, "oauth-state", nonce, name, NULL, mac);
    mac16(app, "oauth-browser", nonce, NULL, NULL, bind);
    const char *verifier = NULL, *challenge = NULL;
    if (pf->pkce)
        net_pkce(r->arena, &verifier, &challenge);

    /* The row keeps what the callback needs, sealed: the page's secret (to
     * send the browser back) and the PKCE verifier. */
    json_t *keep = json_pack("{s:s,s:s?}", "s", secret, "v", verifier);
    char *plain = json_dumps(keep, JSON_COMPACT);
    json_decref(keep);
    size_t sn = 0;
    unsigned char *sealed =
        plain ? vault_seal(app->vault, plain, strlen(plain), state_aad(r, nonce), &sn) : NULL;
    if (plain)
        vault_wipe(plain, strlen(plain));
    enum store_rc rc =
        sealed ? store_oauth_state_add(app->store, nonce, lv.hash, name, sealed, sn, time_now_ms())
               : STORE_ERROR;
    free(sealed);
    if (rc != STORE_OK)
        return page_fail(r, ST_INTERNAL);

    const char *state = arena_printf(r->arena, "%s.%s", nonce, mac);
    const char *url = platform_authorize(pf, &n, redirect_uri(app, r, name), state, challenge);
    req_add_header(r, "Set-Cookie",
                   arena_printf(r->arena,
                                "sd_%s=%s; Path=/link/%s/callback; Max-Age=900; HttpOnly; "
                                "SameSite=Lax%s",
                                nonce, bind, name, https_public(app) ? "; Secure" : ""));
    return redirect(r, 302, url);
}

/* The value of cookie name in the request's Cookie header (arena), or NULL. */
static const char *cookie(struct req *r, const char *name)
{
    const char *h = req_header(r, "Cookie");
    size_t nl = strlen(name);
    while (h && *h) {
        while (*h == ' ' || *h == ';')
            h++;
        const char *end = strchr(h, ';');
        size_t len = end ? (size_t)(end - h) : strlen(h);
        if (len > nl && !strncmp(h, name, nl) && h[nl] == '=')
            return arena_strndup(r->arena, h + nl + 1, len - nl - 1);
        h = end;
    }
    return NULL;
}

struct callback {
    struct app *app;
    struct req *r;
    int idx;
    const char *secret;
    struct live lv;
    const char *code;
    const char *verifier;
    const char *chat; /* telegram */
};

static const char *pending_aad(struct req *r, const char *id)
{
    return arena_printf(r->arena, "link-pending:%s", id);
}

/* Keeps the identities for the user's choice; returns the choice's id. */
static const char *pending_save(struct callback *cb, const struct tokens *t,
                                const struct identity *ids, size_t count)
{
    struct req *r = cb->r;
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++) {
        const struct identity *d = &ids[i];
        json_array_append_new(
            list, json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,"
                            "s:s?}",
                            "id", d->disp.network_id, "dn", d->disp.display_name, "un",
                            d->disp.username, "pu", d->disp.profile_url, "ui", d->disp.user_image,
                            "pn", d->disp.page_name, "ty", d->disp.type, "de", d->disp.description,
                            "mu", d->disp.maps_url, "pl", d->disp.place_id, "ru",
                            d->disp.review_url, "ac", d->access, "ex", d->extra, "lb", d->label));
    }
    json_t *o = json_pack("{s:s?,s:s?,s:I,s:I,s:s?,s:o}", "a", t->access, "r", t->refresh, "ae",
                          (json_int_t)t->access_expires_ms, "re", (json_int_t)t->refresh_expires_ms,
                          "sc", t->scopes, "ids", list);
    char *plain = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!plain)
        return NULL;
    unsigned char raw[16];
    crypto_random(raw, sizeof(raw));
    char id[NONCE_LEN + 1];
    base64url_encode(raw, sizeof(raw), id);
    size_t sn = 0;
    unsigned char *sealed =
        vault_seal(cb->app->vault, plain, strlen(plain), pending_aad(r, id), &sn);
    vault_wipe(plain, strlen(plain));
    enum store_rc rc =
        sealed ? store_link_pending_add(cb->app->store, id, cb->lv.hash, platform_name(cb->idx),
                                        sealed, sn, time_now_ms())
               : STORE_ERROR;
    free(sealed);
    return rc == STORE_OK ? arena_strdup(r->arena, id) : NULL;
}

static void log_failure(const struct callback *cb, const struct net *n, enum net_rc rc)
{
    struct logline l;
    log_begin(&l, LOG_WARN, "linking failed");
    jw_kstr(&l.w, "rid", cb->r->id);
    jw_kstr(&l.w, "platform", platform_name(cb->idx));
    jw_kstr(&l.w, "refId", cb->lv.p.ref_id);
    jw_kstr(&l.w, "outcome", net_rc_name(rc));
    if (n->http_status)
        jw_kint(&l.w, "status", n->http_status);
    jw_kstr(&l.w, "error", n->error ? n->error : "");
    log_end(&l);
}

/* On an offload worker: exchange the code, read the identities, link one
 * or keep them for a choice; then answer. */
static void callback_run(void *arg)
{
    struct callback *cb = arg;
    struct req *r = cb->r;
    struct app *app = cb->app;
    const struct platform *pf = platform_at(cb->idx);
    const char *name = platform_name(cb->idx);
    struct net n;
    ops_linked_net(app, r->arena, cb->lv.s.account_id, cb->idx, &n);
    struct tokens t;
    memset(&t, 0, sizeof(t));
    enum net_rc rc =
        platform_exchange(pf, &n, cb->code, redirect_uri(app, r, name), cb->verifier, &t);
    struct identity *ids = NULL;
    size_t count = 0;
    if (rc == NET_OK)
        rc = pf->identities(&n, &t, &ids, &count);
    if (rc == NET_OK && count == 0)
        rc = net_fail(&n, NET_DENIED, "%s has no account to link", name);
    const char *to;
    if (rc != NET_OK) {
        log_failure(cb, &n, rc);
        to = page_url(r, cb->secret, "failed", name, net_rc_name(rc));
    } else if (count == 1) {
        enum store_rc src = ops_link(app, r->arena, &cb->lv.p, cb->idx, &ids[0], &t);
        if (src != STORE_OK) {
            req_resume(r, page_fail(r, ST_INTERNAL));
            return;
        }
        to = page_url(r, cb->secret, "linked", name, NULL);
    } else {
        const char *id = pending_save(cb, &t, ids, count);
        if (!id) {
            req_resume(r, page_fail(r, ST_INTERNAL));
            return;
        }
        to = arena_printf(r->arena, "/link/s/%s/choose/%s", cb->secret, id);
    }
    req_resume(r, redirect(r, 303, to));
}

enum status api_link_callback(struct app *app, struct req *r)
{
    int idx = platform_index(r->params[0]);
    const struct platform *pf = idx >= 0 ? platform_at(idx) : NULL;
    if (!pf || !pf->oauth)
        return page_fail(r, ST_NOT_FOUND);
    const char *name = platform_name(idx);
    const char *state = req_query(r, "state");
    const char *dot = state ? strchr(state, '.') : NULL;
    if (!dot || (size_t)(dot - state) != NONCE_LEN || strlen(dot + 1) != NONCE_LEN)
        return page_fail(r, req_fail(r, ST_BAD_PARAM, "state", "is missing or malformed"));
    const char *nonce = arena_strndup(r->arena, state, NONCE_LEN);
    char want_mac[NONCE_LEN + 1];
    mac16(app, "oauth-state", nonce, name, NULL, want_mac);
    if (!crypto_ct_eq(dot + 1, want_mac, NONCE_LEN))
        return page_fail(r, req_fail(r, ST_BAD_PARAM, "state", "is not one this server issued"));

    const char *sid_hash = NULL;
    const void *sealed = NULL;
    size_t sn = 0;
    const char *bind = cookie(r, arena_printf(r->arena, "sd_%s", nonce));
    char want_bind[NONCE_LEN + 1];
    mac16(app, "oauth-browser", nonce, NULL, NULL, want_bind);
    if (!bind || strlen(bind) != NONCE_LEN || !crypto_ct_eq(bind, want_bind, NONCE_LEN))
        return page_fail(r, req_fail(r, ST_BAD_PARAM, "state",
                                     "belongs to a linking attempt started in another browser; "
                                     "start again from the linking page"));
    enum store_rc rc = store_oauth_state_take(app->store, r->arena, nonce, name, time_now_ms(),
                                              STATE_MAX_AGE_MS, &sid_hash, &sealed, &sn);
    if (rc == STORE_NOTFOUND)
        return page_fail(r, req_fail(r, ST_BAD_PARAM, "state",
                                     "was already used or has expired; start again from the "
                                     "linking page"));
    if (rc != STORE_OK)
        return page_fail(r, ST_INTERNAL);
    size_t pn = 0;
    char *plain = vault_unseal(app->vault, sealed, sn, state_aad(r, nonce), &pn);
    json_t *keep = plain ? json_loadb(plain, pn, 0, NULL) : NULL;
    if (plain)
        vault_wipe(plain, pn);
    const char *secret = keep ? json_string_value(json_object_get(keep, "s")) : NULL;
    const char *verifier = keep ? json_string_value(json_object_get(keep, "v")) : NULL;
    struct callback *cb = arena_alloc(r->arena, sizeof(*cb));
    memset(cb, 0, sizeof(*cb));
    cb->secret = secret ? arena_strdup(r->arena, secret) : NULL;
    cb->verifier = verifier ? arena_strdup(r->arena, verifier) : NULL;
    json_decref(keep);
    if (!cb->secret)
        return page_fail(r, req_fail(r, ST_BAD_PARAM, "state",
                                     "can no longer be read; start again from the linking page"));
    /* The cookie has done its job. */
    req_add_header(r, "Set-Cookie",
                   arena_printf(r->arena,
                                "sd_%s=; Path=/link/%s/callback; Max-Age=0; HttpOnly; "
                                "SameSite=Lax%s",
                                nonce, name, https_public(app) ? "; Secure" : ""));
    enum status st = session_load(app, r, cb->secret, &cb->lv);
    if (st != ST_OK)
        return page_fail(r, st);
    if (strcmp(cb->lv.hash, sid_hash) != 0)
        return page_fail(r, ST_SESSION_NOT_FOUND);

    const char *error = req_query(r, "error");
    const char *code = req_query(r, "code");
    if (error)
        return redirect(r, 303, page_url(r, cb->secret, "denied", name, NULL));
    if (!code || !*code || strlen(code) > 4096)
        return redirect(r, 303, page_url(r, cb->secret, "failed", name, "bad"));
    cb->app = app;
    cb->r = r;
    cb->idx = idx;
    cb->code = code;
    if (!offload_run(app->offload, callback_run, cb))
        return page_fail(r, ST_UNAVAILABLE);
    req_suspend(r);
    return ST_OK;
}

/* ---- choosing among several accounts -------------------------------------- */

struct pending {
    const char *platform;
    struct tokens t;
    struct identity *ids;
    size_t count;
};

static const char *jget(struct req *r, json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? arena_strdup(r->arena, s) : NULL;
}

/* Reads a pending choice of the session; false when gone or used. */
static bool pending_load(struct app *app, struct req *r, const struct live *lv, const char *id,
                         struct pending *pd)
{
    memset(pd, 0, sizeof(*pd));
    const void *sealed = NULL;
    size_t sn = 0;
    if (strlen(id) != NONCE_LEN ||
        store_link_pending_get(app->store, r->arena, id, lv->hash, time_now_ms(),
                               PENDING_MAX_AGE_MS, &pd->platform, &sealed, &sn) != STORE_OK)
        return false;
    size_t pn = 0;
    char *plain = vault_unseal(app->vault, sealed, sn, pending_aad(r, id), &pn);
    json_t *o = plain ? json_loadb(plain, pn, 0, NULL) : NULL;
    if (plain)
        vault_wipe(plain, pn);
    json_t *ids = o ? json_object_get(o, "ids") : NULL;
    if (!json_is_array(ids) || json_array_size(ids) == 0) {
        json_decref(o);
        return false;
    }
    pd->t.access = jget(r, o, "a");
    pd->t.refresh = jget(r, o, "r");
    pd->t.access_expires_ms = json_integer_value(json_object_get(o, "ae"));
    pd->t.refresh_expires_ms = json_integer_value(json_object_get(o, "re"));
    pd->t.scopes = jget(r, o, "sc");
    pd->count = json_array_size(ids);
    pd->ids = arena_alloc(r->arena, pd->count * sizeof(*pd->ids));
    size_t i;
    json_t *e;
    json_array_foreach(ids, i, e)
    {
        struct identity *d = &pd->ids[i];
        d->disp.network_id = jget(r, e, "id");
        d->disp.display_name = jget(r, e, "dn");
        d->disp.username = jget(r, e, "un");
        d->disp.profile_url = jget(r, e, "pu");
        d->disp.user_image = jget(r, e, "ui");
        d->disp.page_name = jget(r, e, "pn");
        d->disp.type = jget(r, e, "ty");
        d->disp.description = jget(r, e, "de");
        d->disp.maps_url = jget(r, e, "mu");
        d->disp.place_id = jget(r, e, "pl");
        d->disp.review_url = jget(r, e, "ru");
        d->access = jget(r, e, "ac");
        d->extra = jget(r, e, "ex");
        d->label = jget(r, e, "lb");
    }
    json_decref(o);
    return platform_index(pd->platform) >= 0;
}

/* The session and pending choice of a choose route. False when the request
 * was answered already (*st: an error page, or back to the page when the
 * choice is gone). */
static bool choice_open(struct app *app, struct req *r, struct live *lv, struct pending *pd,
                        enum status *st)
{
    *st = session_load(app, r, r->params[0], lv);
    if (*st != ST_OK) {
        *st = page_fail(r, *st);
        return false;
    }
    if (!pending_load(app, r, lv, r->params[1], pd)) {
        *st = redirect(r, 303, page_url(r, lv->secret, "expired", NULL, NULL));
        return false;
    }
    return true;
}

enum status api_link_choose_page(struct app *app, struct req *r)
{
    struct live lv;
    struct pending pd;
    enum status st;
    if (!choice_open(app, r, &lv, &pd, &st))
        return st;
    int idx = platform_index(pd.platform);
    struct buf *b = &r->out;
    page_begin(r, "Choose the account to link", NULL);
    buf_puts(b, "<header><h1>Choose the ");
    html_esc(b, label(idx));
    buf_puts(b, " account to link</h1></header>\n");
    buf_printf(b, "<form method=\"post\" action=\"/link/s/%s/choose/", lv.secret);
    html_esc(b, r->params[1]);
    buf_puts(b, "\">\n<fieldset class=\"choices\"><legend>Accounts</legend>\n");
    for (size_t i = 0; i < pd.count; i++) {
        const struct identity *d = &pd.ids[i];
        buf_printf(b, "<label><input type=\"radio\" name=\"pick\" value=\"%zu\"%s>", i,
                   i == 0 ? " checked" : "");
        avatar(b, d->disp.user_image);
        buf_puts(b, "<span class=\"name\">");
        html_esc(b, d->label ? d->label : d->disp.display_name);
        buf_puts(b, "</span></label>\n");
    }
    buf_printf(b,
               "</fieldset>\n<button type=\"submit\">Link this account</button> "
               "<a class=\"button secondary\" href=\"/link/s/%s\">Cancel</a>\n</form>\n",
               lv.secret);
    page_end(r);
    return ST_OK;
}

enum status api_link_choose(struct app *app, struct req *r)
{
    struct live lv;
    struct pending pd;
    enum status st;
    if (!choice_open(app, r, &lv, &pd, &st))
        return st;
    const char *pick = req_form(r, "pick");
    int64_t i = -1;
    if (!pick || !str_to_i64(pick, 0, (int64_t)pd.count - 1, &i))
        return page_fail(r, req_fail(r, ST_BAD_PARAM, "pick", "must name one of the accounts"));
    /* Single use: a second submit of the same form links nothing more. */
    int idx = platform_index(pd.platform);
    enum store_rc rc = ops_link_choose(app, r->arena, r->params[1], &lv.p, idx, &pd.ids[i], &pd.t);
    if (rc == STORE_NOTFOUND)
        return redirect(r, 303, page_url(r, lv.secret, "expired", NULL, NULL));
    if (rc != STORE_OK)
        return page_fail(r, ST_INTERNAL);
    return redirect(r, 303, page_url(r, lv.secret, "linked", platform_name(idx), NULL));
}

/* ---- unlink, telegram ------------------------------------------------------- */

enum status api_link_unlink(struct app *app, struct req *r)
{
    struct live lv;
    enum status st = session_load(app, r, r->params[0], &lv);
    if (st != ST_OK)
        return page_fail(r, st);
    const char *p = req_form(r, "platform");
    int idx = p ? platform_index(p) : -1;
    if (idx < 0 || !(lv.s.allowed_mask & (1u << idx)))
        return page_fail(
            r, req_fail(r, ST_BAD_PARAM, "platform", "must be a network this page offers"));
    const char *name = platform_name(idx);
    enum store_rc rc = ops_unlink(app, r->arena, &lv.p, name, "user", NULL);
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return page_fail(r, ST_INTERNAL);
    return redirect(r, 303, page_url(r, lv.secret, "unlinked", name, NULL));
}

/* "@name" (5-32 of a-z A-Z 0-9 _) or a numeric chat id. */
static bool chat_ok(const char *c)
{
    size_t n = strlen(c);
    if (c[0] == '@') {
        if (n < 6 || n > 33)
            return false;
        for (size_t i = 1; i < n; i++)
            if (!((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= 'A' && c[i] <= 'Z') ||
                  (c[i] >= '0' && c[i] <= '9') || c[i] == '_'))
                return false;
        return true;
    }
    int64_t v;
    return n <= 21 && str_to_i64(c, INT64_MIN, INT64_MAX, &v) && v != 0;
}

/* Back to the page with notice m (and reason x) about Telegram. */
static void telegram_back(struct callback *cb, const char *m, const char *x)
{
    req_resume(cb->r, redirect(cb->r, 303, page_url(cb->r, cb->secret, m, "telegram", x)));
}

/* A Telegram call failed: logged, and the page says why — the chat itself,
 * the bot's updates refused (409: a webhook, or another poller), or the
 * failure's class. */
static void telegram_failed(struct callback *cb, const struct net *n, enum net_rc rc)
{
    log_failure(cb, n, rc);
    telegram_back(cb, "failed",
                  n->http_status == 409               ? "updates"
                  : rc == NET_DENIED || rc == NET_BAD ? "chat"
                                                      : net_rc_name(rc));
}

/* The chat of t, read again with the bot (which must administer it). */
static enum net_rc telegram_chat(struct callback *cb, struct net *n, const struct tokens *t,
                                 struct identity **id)
{
    size_t count = 0;
    enum net_rc rc = platform_at(cb->idx)->identities(n, t, id, &count);
    if (rc == NET_OK && count != 1)
        rc = net_fail(n, NET_BAD, "Telegram named %zu chats", count);
    return rc;
}

/* On an offload worker: check the chat with the bot (it must administer
 * it) and issue a code bound to it; then back to the page, which shows it. */
static void telegram_code_run(void *arg)
{
    struct callback *cb = arg;
    struct net n;
    ops_linked_net(cb->app, cb->r->arena, cb->lv.s.account_id, cb->idx, &n);
    struct tokens t = {.access = cb->chat};
    struct identity *id = NULL;
    const char *bot_id = NULL, *bot_name = NULL;
    enum net_rc rc = telegram_chat(cb, &n, &t, &id);
    if (rc == NET_OK)
        rc = telegram_me(&n, &bot_id, &bot_name);
    if (rc != NET_OK) {
        telegram_failed(cb, &n, rc);
        return;
    }
    if (link_tg_code_issue(cb->app, cb->lv.hash, id->disp.network_id, id->disp.display_name,
                           bot_name, time_now_ms()) != STORE_OK) {
        req_resume(cb->r, page_fail(cb->r, ST_INTERNAL));
        return;
    }
    telegram_back(cb, "tgcode", NULL);
}

/*
 * The start both Telegram steps share: the callback (request arena) for the
 * page session of r's path, when that session offers Telegram. NULL with
 * *st set to the answer (the session's failure page, or back to the page
 * with "unavailable") otherwise.
 */
static struct callback *telegram_callback(struct app *app, struct req *r, enum status *st)
{
    struct callback *cb = arena_alloc(r->arena, sizeof(*cb));
    memset(cb, 0, sizeof(*cb));
    *st = session_load(app, r, r->params[0], &cb->lv);
    if (*st != ST_OK) {
        *st = page_fail(r, *st);
        return NULL;
    }
    cb->app = app;
    cb->r = r;
    cb->idx = platform_index("telegram");
    cb->secret = cb->lv.secret;
    if (!(cb->lv.offer & (1u << cb->idx))) {
        *st = redirect(r, 303, page_url(r, cb->lv.secret, "unavailable", "telegram", NULL));
        return NULL;
    }
    return cb;
}

enum status api_link_telegram(struct app *app, struct req *r)
{
    enum status st;
    struct callback *cb = telegram_callback(app, r, &st);
    if (!cb)
        return st;
    const char *chat = req_form(r, "chat");
    if (chat) {
        struct slice s = str_trim(chat);
        chat = arena_strndup(r->arena, s.p, s.n);
    }
    if (!chat || strlen(chat) > CHAT_MAX || !chat_ok(chat))
        return redirect(r, 303, page_url(r, cb->lv.secret, "chat", "telegram", NULL));
    cb->chat = chat;
    if (!offload_run(app->offload, telegram_code_run, cb))
        return page_fail(r, ST_UNAVAILABLE);
    req_suspend(r);
    return ST_OK;
}

/* On an offload worker: have the bot read its messages, then link the chat
 * if the code was seen from someone in control of it; otherwise say why
 * not (not seen yet, a non-administrator, another chat, expired). */
static void telegram_check_run(void *arg)
{
    struct callback *cb = arg;
    struct req *r = cb->r;
    struct net n;
    ops_linked_net(cb->app, r->arena, cb->lv.s.account_id, cb->idx, &n);
    enum net_rc rc = link_tg_poll(cb->app, &n);
    if (rc != NET_OK) {
        telegram_failed(cb, &n, rc);
        return;
    }
    struct telegram_code c;
    enum store_rc src = store_telegram_code_of_session(cb->app->store, r->arena, cb->lv.hash, &c);
    if (src != STORE_OK && src != STORE_NOTFOUND) {
        req_resume(r, page_fail(r, ST_INTERNAL));
        return;
    }
    if (src == STORE_NOTFOUND || c.expires_ms <= time_now_ms()) {
        telegram_back(cb, "failed", "expired");
        return;
    }
    if (!c.seen_ms) {
        if (c.refused)
            telegram_back(cb, "failed", strcmp(c.refused, "elsewhere") ? "notadmin" : "elsewhere");
        else
            telegram_back(cb, "tgwait", NULL);
        return;
    }
    /* Seen: read the chat again (the bot must still administer it), then
     * use the code up and link the chat, together. */
    struct tokens t = {.access = c.chat_id};
    struct identity *id = NULL;
    rc = telegram_chat(cb, &n, &t, &id);
    if (rc != NET_OK) {
        telegram_failed(cb, &n, rc);
        return;
    }
    src = ops_link_telegram(cb->app, r->arena, &cb->lv.p, c.id, id, &t);
    if (src == STORE_NOTFOUND)
        telegram_back(cb, "failed", "expired");
    else if (src != STORE_OK)
        req_resume(r, page_fail(r, ST_INTERNAL));
    else
        telegram_back(cb, "linked", NULL);
}

enum status api_link_telegram_check(struct app *app, struct req *r)
{
    enum status st;
    struct callback *cb = telegram_callback(app, r, &st);
    if (!cb)
        return st;
    struct telegram_code c;
    enum store_rc rc = store_telegram_code_of_session(app->store, r->arena, cb->lv.hash, &c);
    if (rc == STORE_NOTFOUND)
        return redirect(r, 303, page_url(r, cb->lv.secret, "failed", "telegram", "nocode"));
    if (rc != STORE_OK)
        return page_fail(r, ST_INTERNAL);
    if (c.expires_ms <= time_now_ms())
        return redirect(r, 303, page_url(r, cb->lv.secret, "failed", "telegram", "expired"));
    if (!offload_run(app->offload, telegram_check_run, cb))
        return page_fail(r, ST_UNAVAILABLE);
    req_suspend(r);
    return ST_OK;
}

/* ---- assets ------------------------------------------------------------------ */

enum status api_link_asset(struct app *app, struct req *r)
{
    (void)app;
    for (const struct asset *a = web_assets; a->name; a++) {
        if (strcmp(a->name, r->params[0]) != 0)
            continue;
        buf_append(&r->out, a->data, a->len);
        const char *dot = strrchr(a->name, '.');
        r->content_type =
            dot && !strcmp(dot, ".css") ? "text/css; charset=utf-8" : "application/octet-stream";
        req_add_header(r, "Cache-Control", "public, max-age=3600");
        req_add_header(r, "X-Content-Type-Options", "nosniff");
        return ST_OK;
    }
    return ST_NOT_FOUND;
}
