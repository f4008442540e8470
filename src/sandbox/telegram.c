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
 *
 * People: a sandbox user is a login; its user id is derived from it. Tests
 * set who is what in a chat (POST /_sandbox/telegram/members) and post
 * messages as a user, as a group's anonymous administrator or as a channel
 * (POST /_sandbox/telegram/messages); every bot then finds the message in
 * getUpdates (a private message: only the bot it was sent to), in the Bot
 * API's Update shape, with offset confirming as Telegram's does.
 */
#include "sandbox/internal.h"
#include "crypto/crypto.h"
#include "util/str.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define TEXT_MAX         4096       /* a Telegram message's text */
#define ANONYMOUS_BOT_ID 1087968824 /* @GroupAnonymousBot, from of anonymous admins */

static _Atomic int64_t next_message_id = 1;

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

/* A sandbox user's id: 10 digits from the login. */
static void user_id_of(const char *login, char out[16])
{
    ident_digits(NET_TELEGRAM, login, "user", 10, out);
}

static void user_json(struct jw *w, const char *login, const char *id)
{
    struct sbx_login l;
    ident_login(login, &l);
    int64_t v = 0;
    (void)str_to_i64(id, 1, INT64_MAX, &v);
    jw_obj(w);
    jw_kint(w, "id", v);
    jw_kbool(w, "is_bot", false);
    jw_kstr(w, "first_name", l.first);
    if (l.last[0])
        jw_kstr(w, "last_name", l.last);
    jw_kstr(w, "username", l.handle);
    jw_obj_end(w);
}

static bool is_admin(const char *status)
{
    return !strcmp(status, "administrator") || !strcmp(status, "creator");
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
    char login[SBX_LOGIN_MAX + 1];
    bool bot = !strcmp(user_id, t->bot_id);
    if (!bot && !state_tg_user_lookup(user_id, login))
        return fail(r, 400, "Bad Request: user not found");
    char status[SBX_TG_STATUS_MAX + 1] = "left"; /* a known user never seen in the chat */
    if (bot)
        str_copy(status, sizeof(status),
                 str_starts(c.name, "notadmin") ? "member" : "administrator");
    else
        (void)state_tg_member_get(c.id, user_id, status);
    struct jw w;
    ok(r, &w);
    jw_obj(&w);
    jw_kstr(&w, "status", status);
    jw_key(&w, "user");
    if (bot)
        bot_user(r, &w, t->bot_id);
    else
        user_json(&w, login, user_id);
    if (is_admin(status))
        jw_kbool(&w, "is_anonymous", false);
    jw_obj_end(&w);
    jw_obj_end(&w);
    return ST_OK;
}

/* Reads allowed_updates (a JSON array, or its text in the query or a
 * form) into p; false when it is there but not such an array. */
static bool allowed_updates(struct req *r, struct tg *t, struct sbx_tg_poll *p)
{
    json_t *v = t->json ? json_object_get(t->json, "allowed_updates") : NULL, *own = NULL;
    const char *text = v ? NULL : sbx_param(r, &t->form, "allowed_updates");
    if (text)
        v = own = json_loads(text, 0, NULL);
    if (!v && !text)
        return true;
    bool good = json_is_array(v);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        const char *k = json_string_value(e);
        if (!k)
            good = false;
        else if (!strcmp(k, "message"))
            p->allowed |= SBX_TGU_MESSAGE;
        else if (!strcmp(k, "channel_post"))
            p->allowed |= SBX_TGU_CHANNEL_POST;
    }
    json_decref(own);
    p->allowed_set = good;
    /* Kinds the sandbox never produces were asked for alone: nothing. */
    if (good && json_array_size(v) && !p->allowed)
        p->allowed = ~(unsigned)SBX_TGU_ALL;
    return good;
}

/* getUpdates: answered at once (a timeout asks for a long poll; the
 * sandbox does not hold one: its updates come from tests, not people). */
static enum status get_updates(struct req *r, struct tg *t)
{
    struct sbx_tg_poll p = {.limit = 100};
    const char *offset = param(r, t, "offset"), *limit = param(r, t, "limit");
    int64_t v;
    if (offset && !str_to_i64(offset, INT64_MIN + 1, INT64_MAX, &p.offset))
        return fail(r, 400, "Bad Request: invalid offset specified");
    if (limit && str_to_i64(limit, INT64_MIN, INT64_MAX, &v))
        p.limit = v < 1 ? 1 : v > 100 ? 100 : (size_t)v; /* Telegram clamps */
    if (!allowed_updates(r, t, &p))
        return fail(r, 400, "Bad Request: can't parse allowed updates");
    struct jw w;
    ok(r, &w);
    state_tg_updates(t->bot_id, &p, &w);
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

enum status sbx_telegram_method(struct app *app, struct req *r)
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
    if (!strcasecmp(m, "getUpdates"))
        return get_updates(r, &t);
    return fail(r, 404, "Not Found");
}

enum status sbx_telegram_file(struct app *app, struct req *r)
{
    (void)app;
    /* A file URL carries the bot token too, and is refused like a method. */
    char bot_id[24];
    if (!bot_parse(r->params[0], bot_id) || state_bot_revoked(bot_id))
        return env_auth_fail(r, NET_TELEGRAM, AF_INVALID);
    return ident_send_png(r);
}

/* ---- POST /_sandbox/telegram/members, /_sandbox/telegram/messages ---------------------- */

/* The short Chat object of a message. */
static void chat_json(struct jw *w, const struct chat *c)
{
    struct sbx_login l;
    ident_account(NET_TELEGRAM, c->name, &l);
    int64_t id = 0;
    (void)str_to_i64(c->id, INT64_MIN, 0, &id);
    jw_obj(w);
    jw_kint(w, "id", id);
    jw_kstr(w, "title", l.title);
    jw_kstr(w, "username", c->name);
    jw_kstr(w, "type", c->type);
    jw_obj_end(w);
}

static const char *body_str(const json_t *b, const char *key)
{
    return json_string_value(json_object_get(b, key));
}

/* Reads member chat ("@name" or a seen id) of the body into c. */
static bool body_chat(struct req *r, const char *chat, struct chat *c, enum status *st)
{
    if (!chat || !chat_resolve(chat, c)) {
        *st =
            req_fail(r, ST_BAD_PARAM, "chat", "must be @name (a-z 0-9 _) or a chat id seen before");
        return false;
    }
    return true;
}

static bool body_login(struct req *r, const char *key, const char *login, enum status *st)
{
    if (!login || !ident_login_valid(login)) {
        *st = req_fail(r, ST_BAD_PARAM, key, "must be a login of 1-64 of a-z A-Z 0-9 . _ -");
        return false;
    }
    return true;
}

enum status sbx_telegram_member(struct app *app, struct req *r)
{
    (void)app;
    static const char *const statuses[] = {"creator", "administrator", "member", "restricted",
                                           "left",    "kicked",        NULL};
    json_t *b = r->body;
    if (!b)
        return req_fail(r, ST_BAD_PARAM, "body", "send a JSON object");
    enum status st;
    struct chat c;
    const char *user = body_str(b, "user"), *status = body_str(b, "status");
    if (!body_chat(r, body_str(b, "chat"), &c, &st) || !body_login(r, "user", user, &st))
        return st;
    size_t i = 0;
    while (statuses[i] && (!status || strcmp(statuses[i], status)))
        i++;
    if (!statuses[i])
        return req_fail(r, ST_BAD_PARAM, "status",
                        "must be one of creator, administrator, member, restricted, left, kicked");
    char uid[16];
    user_id_of(user, uid);
    state_tg_user_remember(uid, user);
    state_tg_member_set(c.id, uid, status);
    struct jw w;
    sbx_json(r, &w);
    jw_obj(&w);
    jw_key(&w, "chat");
    chat_json(&w, &c);
    jw_key(&w, "user");
    user_json(&w, user, uid);
    jw_kstr(&w, "status", status);
    jw_obj_end(&w);
    return ST_OK;
}

/* The message's text, with a bot_command entity when it starts with '/'. */
static void text_json(struct jw *w, const char *text)
{
    jw_kstr(w, "text", text);
    if (text[0] != '/')
        return;
    jw_key(w, "entities");
    jw_arr(w);
    jw_obj(w);
    jw_kint(w, "offset", 0);
    jw_kint(w, "length", (int64_t)strcspn(text, " \n"));
    jw_kstr(w, "type", "bot_command");
    jw_obj_end(w);
    jw_arr_end(w);
}

enum status sbx_telegram_message(struct app *app, struct req *r)
{
    (void)app;
    json_t *b = r->body;
    if (!b)
        return req_fail(r, ST_BAD_PARAM, "body", "send a JSON object");
    enum status st;
    const char *chat = body_str(b, "chat"), *from = body_str(b, "from");
    const char *text = body_str(b, "text"), *bot = body_str(b, "bot");
    bool anonymous = json_is_true(json_object_get(b, "anonymous"));
    if (!text || !*text || strlen(text) > TEXT_MAX)
        return req_fail(r, ST_BAD_PARAM, "text", "must be 1-4096 bytes");
    size_t bl = bot ? strlen(bot) : 0;
    if (bot && (bl == 0 || bl > 20 || strspn(bot, "0123456789") != bl))
        return req_fail(r, ST_BAD_PARAM, "bot", "must be a bot id (the digits of its token)");
    bool private_chat = chat && !strcmp(chat, "private");
    if (private_chat && !bot)
        return req_fail(r, ST_BAD_PARAM, "bot", "is required for a private message");
    struct chat c;
    memset(&c, 0, sizeof(c));
    if (!private_chat && !body_chat(r, chat, &c, &st))
        return st;
    bool channel = !private_chat && !strcmp(c.type, "channel");
    if ((from || !channel) && !body_login(r, "from", from, &st))
        return st;
    if (!private_chat && str_starts(c.name, "nobot"))
        return req_fail(r, ST_BAD_PARAM, "chat", "has no bot in it: no bot would see the message");
    char uid[16] = "", status[SBX_TG_STATUS_MAX + 1] = "";
    if (from) {
        user_id_of(from, uid);
        state_tg_user_remember(uid, from);
    }
    if (from && !private_chat && !state_tg_member_get(c.id, uid, status)) {
        str_copy(status, sizeof(status), "member"); /* posting in a group joins it */
        if (!channel)
            state_tg_member_set(c.id, uid, status);
    }
    if (from && !private_chat && (!strcmp(status, "left") || !strcmp(status, "kicked")))
        return req_fail(r, ST_BAD_PARAM, "from", "is not a member of the chat");
    if (from && (channel || anonymous) && !is_admin(status))
        return req_fail(r, ST_BAD_PARAM, "from",
                        channel ? "is not an administrator of the channel: only they post there"
                                : "is not an administrator: only they post anonymously");

    struct buf msg;
    buf_init(&msg, 2 * TEXT_MAX + 4096);
    struct jw w;
    jw_init(&w, &msg);
    jw_obj(&w);
    jw_kint(&w, "message_id", atomic_fetch_add(&next_message_id, 1));
    if (private_chat) {
        jw_key(&w, "from");
        user_json(&w, from, uid);
        struct sbx_login l;
        ident_login(from, &l);
        int64_t id = 0;
        (void)str_to_i64(uid, 1, INT64_MAX, &id);
        jw_key(&w, "chat");
        jw_obj(&w);
        jw_kint(&w, "id", id);
        jw_kstr(&w, "first_name", l.first);
        jw_kstr(&w, "username", l.handle);
        jw_kstr(&w, "type", "private");
        jw_obj_end(&w);
    } else if (channel) {
        jw_key(&w, "sender_chat");
        chat_json(&w, &c);
        jw_key(&w, "chat");
        chat_json(&w, &c);
    } else {
        jw_key(&w, "from");
        if (anonymous) {
            /* Sent on behalf of the group: from is a placeholder bot. */
            jw_obj(&w);
            jw_kint(&w, "id", ANONYMOUS_BOT_ID);
            jw_kbool(&w, "is_bot", true);
            jw_kstr(&w, "first_name", "Group");
            jw_kstr(&w, "username", "GroupAnonymousBot");
            jw_obj_end(&w);
            jw_key(&w, "sender_chat");
            chat_json(&w, &c);
        } else {
            user_json(&w, from, uid);
        }
        jw_key(&w, "chat");
        chat_json(&w, &c);
    }
    jw_kint(&w, "date", (int64_t)time(NULL));
    text_json(&w, text);
    jw_obj_end(&w);
    if (jw_failed(&w)) {
        buf_free(&msg);
        return ST_INTERNAL;
    }
    buf_putc(&msg, '\0');
    unsigned kind = channel ? SBX_TGU_CHANNEL_POST : SBX_TGU_MESSAGE;
    int64_t id = state_tg_update_add(bot, kind, msg.data);
    struct jw out;
    ok(r, &out);
    jw_obj(&out);
    jw_kint(&out, "update_id", id);
    jw_key(&out, channel ? "channel_post" : "message");
    jw_raw(&out, msg.data, strlen(msg.data));
    jw_obj_end(&out);
    jw_obj_end(&out);
    buf_free(&msg);
    return ST_OK;
}
