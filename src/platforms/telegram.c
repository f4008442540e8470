/*
 * telegram: a channel or group, linked through the operator's bot
 * (platforms.md §7; SPEC §9). There is no OAuth: the linking page asks for
 * the chat (@name or numeric id), and the bot must be an administrator
 * there. The "access token" kept for the account is the chat id. The
 * chat's photo is left out: its download URL would carry the bot token.
 */
#include "platforms/connectors.h"

#include <string.h>

static enum net_rc check(struct net *n, const struct net_answer *a, const char *what)
{
    if (a->json && json_is_true(net_jget(a->json, "ok")))
        return NET_OK;
    const char *desc = a->json ? net_jstr(n, a->json, "description") : NULL;
    if (a->status == 401)
        return net_fail(n, NET_AUTH, "Telegram refused the operator's bot token");
    if (a->status == 403)
        return net_fail(n, NET_DENIED, "the bot has no access to this chat: %s",
                        desc ? desc : "forbidden");
    if (a->status == 400 && desc && strstr(desc, "chat not found"))
        return net_fail(n, NET_DENIED, "chat not found: add the bot to the chat first");
    if (!a->json && a->status == 200)
        return net_fail(n, NET_BAD, "Telegram %s answered with something that is not JSON", what);
    return net_check(n, a, what);
}

static const char *method_url(struct net *n, const char *method)
{
    return arena_printf(n->a, "%s/bot%s/%s", n->conf->urls[SLOT_API], n->conf->bot_token, method);
}

/* t->access is the chat: "@channelname" or its numeric id. */
static enum net_rc identities(struct net *n, const struct tokens *t, struct identity **out,
                              size_t *count)
{
    if (!n->conf->bot_token)
        return net_fail(n, NET_DENIED, "the operator has not configured a Telegram bot");
    struct net_answer me, chat, member;
    if (net_get(n, method_url(n, "getMe"), NULL, &me) != NET_OK || check(n, &me, "getMe") != NET_OK)
        return n->rc;
    const char *bot_id = net_jstr(n, me.json, "result.id");
    const char *url = net_url(n->a, method_url(n, "getChat"), NULL, "chat_id", t->access, NULL);
    if (net_get(n, url, NULL, &chat) != NET_OK || check(n, &chat, "getChat") != NET_OK)
        return n->rc;
    const char *type = net_jstr(n, chat.json, "result.type");
    const char *id = net_jstr(n, chat.json, "result.id");
    if (!type || !id || !strcmp(type, "private"))
        return net_fail(n, NET_DENIED, "link a channel, group or supergroup, not a private chat");
    url =
        net_url(n->a, method_url(n, "getChatMember"), NULL, "chat_id", id, "user_id", bot_id, NULL);
    if (net_get(n, url, NULL, &member) != NET_OK || check(n, &member, "getChatMember") != NET_OK)
        return n->rc;
    const char *status = net_jstr(n, member.json, "result.status");
    if (!status || (strcmp(status, "administrator") && strcmp(status, "creator")))
        return net_fail(n, NET_DENIED, "make the bot an administrator of the chat, then try again");
    struct identity *e = connector_one(n);
    const char *username = net_jstr(n, chat.json, "result.username");
    e->network_id = id;
    e->display_name = net_jstr(n, chat.json, "result.title");
    e->username = username;
    e->profile_url = username ? arena_printf(n->a, "https://t.me/%s", username)
                              : arena_printf(n->a, "https://web.telegram.org/z/#%s", id);
    e->type = type;
    e->access = id; /* the chat id from now on, also when it was named by @name */
    e->label = e->display_name ? e->display_name : id;
    *out = e;
    *count = 1;
    return NET_OK;
}

const struct platform platform_telegram = {
    .name = "telegram",
    .label = "Telegram",
    .oauth = false,
    .identities = identities,
};
