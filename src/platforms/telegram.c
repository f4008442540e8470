/*
 * telegram: a channel or group, linked through the operator's bot
 * (platforms.md §7; SPEC §9). There is no OAuth: the linking page asks for
 * the chat (@name or numeric id), and the bot must be an administrator
 * there. The "access token" kept for the account is the chat id. The
 * chat's photo is left out: its download URL would carry the bot token.
 *
 * Knowing a chat's name proves nothing, so the page also has the user post
 * a one-time code there (api/link_telegram.c); what that needs from the Bot
 * API is here: getMe, getUpdates and getChatMember.
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
    /* getUpdates while a webhook is set, or while another program polls. */
    if (a->status == 409)
        return net_fail(n, NET_DENIED, "Telegram will not hand out the bot's updates: %s",
                        desc ? desc : "conflict");
    if (!a->json && a->status == 200)
        return net_fail(n, NET_BAD, "Telegram %s answered with something that is not JSON", what);
    return net_check(n, a, what);
}

static const char *method_url(struct net *n, const char *method)
{
    return arena_printf(n->a, "%s/bot%s/%s", n->conf->urls[SLOT_API], n->conf->bot_token, method);
}

enum net_rc telegram_me(struct net *n, const char **id, const char **username)
{
    if (!n->conf->bot_token)
        return net_fail(n, NET_DENIED, "the operator has not configured a Telegram bot");
    struct net_answer me;
    if (net_get(n, method_url(n, "getMe"), NULL, &me) != NET_OK || check(n, &me, "getMe") != NET_OK)
        return n->rc;
    *id = net_jstr(n, me.json, "result.id");
    *username = net_jstr(n, me.json, "result.username");
    if (!*id)
        return net_fail(n, NET_BAD, "Telegram getMe answered without the bot's id");
    return NET_OK;
}

/* t->access is the chat: "@channelname" or its numeric id. */
static enum net_rc identities(struct net *n, const struct tokens *t, struct identity **out,
                              size_t *count)
{
    const char *bot_id = NULL, *bot_name = NULL;
    if (telegram_me(n, &bot_id, &bot_name) != NET_OK)
        return n->rc;
    struct net_answer chat;
    const char *url = net_url(n->a, method_url(n, "getChat"), NULL, "chat_id", t->access, NULL);
    if (net_get(n, url, NULL, &chat) != NET_OK || check(n, &chat, "getChat") != NET_OK)
        return n->rc;
    const char *type = net_jstr(n, chat.json, "result.type");
    const char *id = net_jstr(n, chat.json, "result.id");
    if (!type || !id || !strcmp(type, "private"))
        return net_fail(n, NET_DENIED, "link a channel, group or supergroup, not a private chat");
    const char *status = NULL;
    if (telegram_member_status(n, id, bot_id, &status) != NET_OK)
        return n->rc;
    if (strcmp(status, "administrator") && strcmp(status, "creator"))
        return net_fail(n, NET_DENIED, "make the bot an administrator of the chat, then try again");
    struct identity *e = connector_one(n);
    const char *username = net_jstr(n, chat.json, "result.username");
    e->disp.network_id = id;
    e->disp.display_name = net_jstr(n, chat.json, "result.title");
    e->disp.username = username;
    e->disp.profile_url = username ? arena_printf(n->a, "https://t.me/%s", username)
                                   : arena_printf(n->a, "https://web.telegram.org/z/#%s", id);
    e->disp.type = type;
    e->access = id; /* the chat id from now on, also when it was named by @name */
    e->label = e->disp.display_name ? e->disp.display_name : id;
    *out = e;
    *count = 1;
    return NET_OK;
}

enum net_rc telegram_member_status(struct net *n, const char *chat_id, const char *user_id,
                                   const char **status)
{
    struct net_answer member;
    const char *url = net_url(n->a, method_url(n, "getChatMember"), NULL, "chat_id", chat_id,
                              "user_id", user_id, NULL);
    if (net_get(n, url, NULL, &member) != NET_OK || check(n, &member, "getChatMember") != NET_OK)
        return n->rc;
    *status = net_jstr(n, member.json, "result.status");
    if (!*status)
        return net_fail(n, NET_BAD, "Telegram getChatMember answered without a status");
    return NET_OK;
}

enum net_rc telegram_updates(struct net *n, int64_t offset, struct telegram_update **out,
                             size_t *count)
{
    *out = NULL;
    *count = 0;
    if (!n->conf->bot_token)
        return net_fail(n, NET_DENIED, "the operator has not configured a Telegram bot");
    /* Short polling (timeout 0): the caller is a person waiting on a page.
     * allowed_updates keeps the queue to the two kinds a code comes in. */
    char off[24];
    snprintf(off, sizeof(off), "%lld", (long long)offset);
    const char *url =
        net_url(n->a, method_url(n, "getUpdates"), NULL, "offset", offset ? off : NULL, "limit",
                "100", "timeout", "0", "allowed_updates", "[\"message\",\"channel_post\"]", NULL);
    struct net_answer a;
    if (net_get(n, url, NULL, &a) != NET_OK || check(n, &a, "getUpdates") != NET_OK)
        return n->rc;
    json_t *list = net_jget(a.json, "result");
    if (!json_is_array(list))
        return net_fail(n, NET_BAD, "Telegram getUpdates answered without a result list");
    size_t total = json_array_size(list);
    struct telegram_update *ups = arena_alloc(n->a, (total ? total : 1) * sizeof(*ups));
    memset(ups, 0, (total ? total : 1) * sizeof(*ups));
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        struct telegram_update *u = &ups[i];
        json_t *id = json_object_get(e, "update_id");
        if (!json_is_integer(id))
            return net_fail(n, NET_BAD, "Telegram getUpdates answered an update without an id");
        u->update_id = json_integer_value(id);
        json_t *m = json_object_get(e, "channel_post");
        u->channel_post = m != NULL;
        if (!m)
            m = json_object_get(e, "message");
        if (!json_is_object(m))
            continue; /* another kind: counted for the offset only */
        u->chat_id = net_jstr(n, m, "chat.id");
        u->chat_type = net_jstr(n, m, "chat.type");
        u->from_id = net_jstr(n, m, "from.id");
        u->sender_chat_id = net_jstr(n, m, "sender_chat.id");
        u->text = net_jstr(n, m, "text");
    }
    *out = ups;
    *count = total;
    return NET_OK;
}

const struct platform platform_telegram = {
    .name = "telegram",
    .label = "Telegram",
    .oauth = false,
    .identities = identities,
};
