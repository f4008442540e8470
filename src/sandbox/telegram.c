/*
 * telegram: the Bot API methods connectors use, {api}/bot<token>/<method>
 * (docs/sandbox.md "Telegram"), plus the file download URL getFile leads to.
 *
 * There is no OAuth: any token shaped <digits>:<letters digits _ -> is a
 * bot whose id is the digits (until a revoke fault names that id). Chats are
 * derived from their @name: "group..." is a basic group, "super..." a
 * supergroup, anything else a channel; "nobot..." chats do not know the bot
 * and "notadmin..." ones have it as a plain member. A numeric chat id works
 * once its @name was resolved (the sandbox remembers the mapping), as a
 * connector stores the id it got from getChat. Parameters come from the
 * query, a form or a JSON body, as the Bot API accepts all three.
 *
 * A rename of telegram login <name> retitles the chat @<name>; one whose
 * login is a bot id renames the bot (getMe's first_name), as a revoke's
 * login names a bot. A rename's image gives the chat new photo file ids,
 * the way a new chat photo does (the Bot API has no photo URL).
 */
#include "sandbox/internal.h"
#include "crypto/crypto.h"
#include "util/str.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct tg {
    char bot_id[24];
    struct sbx_form form;
    json_t *json; /* a JSON body, or NULL; released with the request */
};

static void release_json(void *p)
{
    json_decref(p);
}

/* Reads the bot id out of "bot<digits>:<secret>"; false when malformed. */
static bool bot_parse(const char *seg, char id[24])
{
    if (strncmp(seg, "bot", 3))
        return false;
    const char *p = seg + 3;
    size_t d = strspn(p, "0123456789");
    if (d == 0 || d >= 24 || p[d] != ':' || !p[d + 1])
        return false;
    for (const char *s = p + d + 1; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return false;
    memcpy(id, p, d);
    id[d] = '\0';
    return true;
}

static const char *param(struct req *r, struct tg *t, const char *name)
{
    if (t->json) {
        json_t *v = json_object_get(t->json, name);
        if (json_is_string(v))
            return json_string_value(v);
        if (json_is_integer(v))
            return arena_printf(r->arena, "%lld", (long long)json_integer_value(v));
    }
    return sbx_param(r, &t->form, name);
}

static enum status fail(struct req *r, unsigned http, const char *description)
{
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_kbool(&w, "ok", false);
    jw_kint(&w, "error_code", http);
    jw_kstr(&w, "description", description);
    jw_obj_end(&w);
    r->http_status = http;
    return ST_OK;
}

/* Starts {"ok":true,"result": ...; the caller writes the result and closes
 * the outer object. */
static void ok(struct req *r, struct jw *w)
{
    sbx_json(r, w);
    jw_obj(w);
    jw_kbool(w, "ok", true);
    jw_key(w, "result");
}

static void bot_user(struct req *r, struct jw *w, const char *bot_id)
{
    int64_t id = 0;
    (void)str_to_i64(bot_id, 0, INT64_MAX, &id);
    struct sbx_login l;
    ident_account(NET_TELEGRAM, bot_id, &l);
    jw_obj(w);
    jw_kint(w, "id", id);
    jw_kbool(w, "is_bot", true);
    jw_kstr(w, "first_name", l.renamed ? l.title : "Sandbox Bot");
    jw_kstr(w, "username", arena_printf(r->arena, "sandbox_%s_bot", bot_id));
    jw_obj_end(w);
}

struct chat {
    char name[SBX_LOGIN_MAX + 1];
    char id[24];
    const char *type;
};

/* Resolves chat_id ("@name" or a remembered numeric id); false: not found. */
static bool chat_resolve(const char *chat_id, struct chat *c)
{
    memset(c, 0, sizeof(*c));
    if (chat_id[0] == '@') {
        size_t n = strlen(chat_id + 1);
        if (n == 0 || n > SBX_LOGIN_MAX)
            return false;
        for (size_t i = 0; i < n; i++) {
            char ch = (char)tolower((unsigned char)chat_id[1 + i]);
            if (!isalnum((unsigned char)ch) && ch != '_')
                return false;
            c->name[i] = ch; /* Telegram usernames are case-insensitive */
        }
    } else if (!state_chat_lookup(chat_id, c->name)) {
        return false;
    }
    char digits[16];
    ident_digits(NET_TELEGRAM, c->name, "chat", 10, digits);
    bool group = str_starts(c->name, "group");
    c->type = group ? "group" : str_starts(c->name, "super") ? "supergroup" : "channel";
    /* Basic groups have short negative ids; supergroups and channels -100... */
    snprintf(c->id, sizeof(c->id), group ? "-4%.9s" : "-100%s", digits);
    state_chat_remember(c->id, c->name);
    return true;
}

/* The photo's file id from the chat's name and, once renamed with one, its
 * image URL. */
static void file_id(const struct sbx_login *l, const char *size, char out[48])
{
    unsigned char h[CRYPTO_SHA256_LEN];
    char hex[33];
    char in[SBX_LOGIN_MAX + SBX_URI_MAX + 16];
    int n = snprintf(in, sizeof(in), "%s:%s%s%s", l->name, size, l->image[0] ? ":" : "", l->image);
    crypto_sha256(in, n < 0 ? 0 : (size_t)n, h);
    crypto_hex(h, 16, hex);
    snprintf(out, 48, "AQADsbx%s", hex);
}

static enum status get_chat(struct req *r, struct tg *t)
{
    const char *chat_id = param(r, t, "chat_id");
    if (!chat_id)
        return fail(r, 400, "Bad Request: chat_id is empty");
    struct chat c;
    if (!chat_resolve(chat_id, &c) || str_starts(c.name, "nobot"))
        return fail(r, 400, "Bad Request: chat not found");
    int64_t id = 0;
    (void)str_to_i64(c.id, INT64_MIN, 0, &id);
    struct sbx_login l;
    ident_account(NET_TELEGRAM, c.name, &l);
    char small[48], big[48];
    file_id(&l, "small", small);
    file_id(&l, "big", big);
    struct jw w;
    ok(r, &w);
    jw_obj(&w);
    jw_kint(&w, "id", id);
    jw_kstr(&w, "type", c.type);
    jw_kstr(&w, "title", l.title);
    jw_kstr(&w, "username", c.name);
    jw_kstr(&w, "description", arena_printf(r->arena, "The sandbox %s %s.", c.type, l.title));
    jw_key(&w, "photo");
    jw_obj(&w);
    jw_kstr(&w, "small_file_id", small);
    jw_kstr(&w, "big_file_id", big);
    jw_obj_end(&w);
    jw_obj_end(&w);
    jw_obj_end(&w);
    return ST_OK;
}

static enum status get_chat_member(struct req *r, struct tg *t)
{
    const char *chat_id = param(r, t, "chat_id"), *user_id = param(r, t, "user_id");
    if (!chat_id)
        return fail(r, 400, "Bad Request: chat_id is empty");
    int64_t uid;
    if (!user_id || !str_to_i64(user_id, 1, INT64_MAX, &uid))
        return fail(r, 400, "Bad Request: invalid user_id specified");
    struct chat c;
    if (!chat_resolve(chat_id, &c) || str_starts(c.name, "nobot"))
        return fail(r, 400, "Bad Request: chat not found");
    if (strcmp(user_id, t->bot_id))
        return fail(r, 400, "Bad Request: user not found");
    struct jw w;
    ok(r, &w);
    jw_obj(&w);
    jw_kstr(&w, "status", str_starts(c.name, "notadmin") ? "member" : "administrator");
    jw_key(&w, "user");
    bot_user(r, &w, t->bot_id);
    jw_obj_end(&w);
    jw_obj_end(&w);
    return ST_OK;
}

static enum status get_file(struct req *r, struct tg *t)
{
    const char *id = param(r, t, "file_id");
    if (!id)
        return fail(r, 400, "Bad Request: invalid file_id");
    unsigned char h[CRYPTO_SHA256_LEN];
    char hex[2 * CRYPTO_SHA256_LEN + 1];
    crypto_sha256(id, strlen(id), h);
    crypto_hex(h, 8, hex);
    struct jw w;
    ok(r, &w);
    jw_obj(&w);
    jw_kstr(&w, "file_id", id);
    jw_kstr(&w, "file_path", arena_printf(r->arena, "photos/%s.jpg", hex));
    jw_obj_end(&w);
    jw_obj_end(&w);
    return ST_OK;
}

enum status telegram_method(struct app *app, struct req *r)
{
    (void)app;
    struct tg t;
    memset(&t, 0, sizeof(t));
    if (!bot_parse(r->params[0], t.bot_id) || state_bot_revoked(t.bot_id))
        return env_auth_fail(r, NET_TELEGRAM, AF_INVALID);
    const char *ct = req_header(r, "Content-Type");
    if (ct && !strncasecmp(ct, "application/json", 16) && r->body_raw.len) {
        json_error_t err;
        t.json = json_loadb(r->body_raw.data, r->body_raw.len, 0, &err);
        if (!json_is_object(t.json)) {
            json_decref(t.json);
            return fail(r, 400, "Bad Request: can't parse JSON object");
        }
        arena_on_free(r->arena, release_json, t.json);
    } else {
        sbx_form_parse(r, &t.form);
    }
    const char *m = r->params[1];
    if (!strcasecmp(m, "getMe")) {
        struct jw w;
        ok(r, &w);
        bot_user(r, &w, t.bot_id);
        jw_obj_end(&w);
        return ST_OK;
    }
    if (!strcasecmp(m, "getChat"))
        return get_chat(r, &t);
    if (!strcasecmp(m, "getChatMember"))
        return get_chat_member(r, &t);
    if (!strcasecmp(m, "getFile"))
        return get_file(r, &t);
    return fail(r, 404, "Not Found");
}

enum status telegram_file(struct app *app, struct req *r)
{
    (void)app;
    /* A file URL carries the bot token too, and is refused like a method. */
    char bot_id[24];
    if (!bot_parse(r->params[0], bot_id) || state_bot_revoked(bot_id))
        return env_auth_fail(r, NET_TELEGRAM, AF_INVALID);
    return ident_send_png(r);
}
