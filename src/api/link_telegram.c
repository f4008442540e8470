/*
 * link_telegram: proof that whoever links a Telegram chat controls it
 * (docs/networks.md "Telegram"; the page's side is in link_page.c).
 *
 * Knowing a chat's @name is not enough: any tenant could link any chat the
 * operator's bot administers. So the page shows a one-time code, bound to
 * its linking session and to the chat (its numeric id, read when the code
 * was issued), valid LINK_TG_CODE_MINUTES and usable once. The link
 * completes only when the bot has seen the code
 *   - as a post in that channel (only its administrators post there),
 *   - as a message in that group from an administrator or the creator
 *     (getChatMember), or from an anonymous administrator (sent on behalf
 *     of the group itself), or
 *   - in a private message to the bot from an administrator of the chat.
 * A code seen anywhere else, or from anyone else, does not count.
 *
 * The bot learns of messages through getUpdates, polled when the user says
 * the code is posted (never on an HTTP thread: link_page.c offloads it).
 * getUpdates is one queue per bot: an update is confirmed (gone for good)
 * once a later call asks from a higher offset, so every code in a batch is
 * recorded in the store for whichever session it belongs to before the
 * offset moves past it; a crash in between only means the batch is read
 * again. One poll at a time per process (Telegram answers overlapping
 * polls with 409); processes sharing a database share what they record.
 *
 * The code is never stored: it is derived from the row's random nonce with
 * the server's signing key (so the page can show it again), and the row is
 * found again by an HMAC of the code, so the database alone cannot name a
 * code and guessing one needs the key.
 */
#include "api/link.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "ops/linked.h"
#include "platforms/net.h"
#include "store/linking.h"
#include "store/profiles.h"
#include "store/store.h"
#include "util/base64.h"
#include "util/timeutil.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define CODE_ALPHABET "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" /* 32: no I, O, 0, 1 */
#define POLL_ROUNDS   10                                 /* batches of 100 read per check at most */
#define SPACES        " \t\r\n"

/* The next update to ask for; 0 before the first poll (Telegram then starts
 * from its oldest unconfirmed update). */
static struct {
    pthread_mutex_t mu;
    int64_t offset;
} poller = {PTHREAD_MUTEX_INITIALIZER, 0};

static void mac(struct app *app, const char *what, const char *s, unsigned char out[32])
{
    char msg[128];
    int n = snprintf(msg, sizeof(msg), "%s\n%s", what, s);
    crypto_hmac_sha256(app->signing_key, sizeof(app->signing_key), msg,
                       n < 0                     ? 0
                       : (size_t)n < sizeof(msg) ? (size_t)n
                                                 : sizeof(msg) - 1,
                       out);
}

void link_tg_code_text(struct app *app, const char *nonce, char out[LINK_TG_CODE_LEN + 1])
{
    unsigned char m[32];
    mac(app, "telegram-code", nonce, m);
    for (size_t i = 0; i < LINK_TG_CODE_LEN; i++)
        out[i] = CODE_ALPHABET[m[i] & 31];
    out[LINK_TG_CODE_LEN] = '\0';
}

static void lookup_of(struct app *app, const char *code, char out[65])
{
    unsigned char m[32];
    mac(app, "telegram-code-lookup", code, m);
    crypto_hex(m, sizeof(m), out);
}

enum store_rc link_tg_code_issue(struct app *app, const char *session_id, const char *chat_id,
                                 const char *chat_title, const char *bot_username, int64_t now_ms)
{
    unsigned char raw[16];
    crypto_random(raw, sizeof(raw));
    char nonce[23], code[LINK_TG_CODE_LEN + 1], lookup[65];
    base64url_encode(raw, sizeof(raw), nonce);
    link_tg_code_text(app, nonce, code);
    lookup_of(app, code, lookup);
    struct telegram_code c = {
        .lookup = lookup,
        .nonce = nonce,
        .session_id = session_id,
        .chat_id = chat_id,
        .chat_title = chat_title,
        .bot_username = bot_username,
        .created_ms = now_ms,
        .expires_ms = now_ms + LINK_TG_CODE_MINUTES * 60000LL,
    };
    return store_telegram_code_add(app->store, &c);
}

bool link_tg_code_in(const char *text, char out[LINK_TG_CODE_LEN + 1])
{
    const char *p = text + strspn(text, SPACES);
    size_t w = strcspn(p, SPACES);
    if (*p == '/') {
        if (w < 8 || strncasecmp(p, "/connect", 8) != 0 || (w > 8 && p[8] != '@'))
            return false;
        p += w;
        p += strspn(p, SPACES);
        w = strcspn(p, SPACES);
    }
    if (w != LINK_TG_CODE_LEN || p[w + strspn(p + w, SPACES)] != '\0')
        return false;
    for (size_t i = 0; i < w; i++) {
        char c = (char)toupper((unsigned char)p[i]);
        if (!c || !strchr(CODE_ALPHABET, c))
            return false;
        out[i] = c;
    }
    out[w] = '\0';
    return true;
}

static void log_sighting(const struct telegram_code *c, const char *by, const char *why)
{
    struct logline l;
    log_begin(&l, LOG_INFO, by ? "telegram code seen" : "telegram code refused");
    jw_kstr(&l.w, "chat", c->chat_id);
    jw_kint(&l.w, "codeId", c->id); /* the row, never the code */
    jw_kstr(&l.w, by ? "by" : "reason", by ? by : why);
    log_end(&l);
}

/* Records what one update says about a code; a failure means the update
 * must be read again (the offset does not move past it). */
static enum net_rc sighting(struct app *app, struct net *n, const struct telegram_update *u)
{
    char code[LINK_TG_CODE_LEN + 1], lookup[65];
    if (!u->chat_id || !u->text || !link_tg_code_in(u->text, code))
        return NET_OK;
    lookup_of(app, code, lookup);
    struct telegram_code c;
    enum store_rc src = store_telegram_code_by_lookup(app->store, n->a, lookup, time_now_ms(), &c);
    if (src == STORE_NOTFOUND)
        return NET_OK; /* unknown, used or expired: it proves nothing */
    if (src != STORE_OK)
        return net_fail(n, NET_TRANSIENT, "cannot read the Telegram codes");
    const char *by = NULL, *why = NULL;
    bool ask = false; /* the sender must administer the chat: getChatMember */
    if (u->chat_type && !strcmp(u->chat_type, "private")) {
        ask = true; /* sent to the bot */
        by = "private message";
    } else if (strcmp(u->chat_id, c.chat_id) != 0) {
        why = "elsewhere";
    } else if (u->channel_post) {
        by = "channel post"; /* only a channel's administrators post in it */
    } else if (u->sender_chat_id) {
        /* On behalf of the group itself: an anonymous administrator. On
         * behalf of another chat (a linked channel, a user's own channel):
         * nobody we can check. */
        if (!strcmp(u->sender_chat_id, c.chat_id))
            by = "anonymous administrator";
        else
            why = "notadmin";
    } else {
        ask = true;
        by = "administrator";
    }
    if (ask) {
        const char *status = NULL;
        enum net_rc rc =
            u->from_id ? telegram_member_status(n, c.chat_id, u->from_id, &status) : NET_BAD;
        if (rc == NET_TRANSIENT || rc == NET_TIMEOUT || rc == NET_AUTH)
            return rc;
        if (rc != NET_OK || (strcmp(status, "administrator") && strcmp(status, "creator"))) {
            by = NULL;
            why = "notadmin";
        }
    }
    src = by ? store_telegram_code_seen(app->store, c.id, time_now_ms(), by)
             : store_telegram_code_refused(app->store, c.id, why);
    if (src != STORE_OK)
        return net_fail(n, NET_TRANSIENT, "cannot record a Telegram code");
    log_sighting(&c, by, why);
    return NET_OK;
}

enum net_rc link_tg_poll(struct app *app, struct net *n)
{
    enum net_rc rc = NET_OK;
    pthread_mutex_lock(&poller.mu);
    for (int round = 0; round < POLL_ROUNDS && rc == NET_OK; round++) {
        struct telegram_update *ups = NULL;
        size_t count = 0;
        rc = telegram_updates(n, poller.offset, &ups, &count);
        for (size_t i = 0; i < count && rc == NET_OK; i++) {
            rc = sighting(app, n, &ups[i]);
            if (rc == NET_OK && ups[i].update_id >= poller.offset)
                poller.offset = ups[i].update_id + 1;
        }
        if (count < 100)
            break;
    }
    pthread_mutex_unlock(&poller.mu);
    return rc;
}
