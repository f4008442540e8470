/*
 * platform: one interface for the ten networks' connectors (SPEC §9).
 *
 * A connector turns an OAuth code into tokens, reads who the tokens belong
 * to (one or more linkable identities: a user, pages, locations, channels),
 * refreshes and revokes tokens, and classifies every failure as the grant
 * being gone (re-link), a passing problem (retry later), or a bad answer.
 * Telegram links a chat through the operator's bot instead of OAuth.
 *
 * Connector calls block: they run on offload worker threads
 * (core/offload.h), never on HTTP threads, and reach the network through the
 * outbound client. Every base URL is configurable (platforms/netconf.c);
 * `--sandbox URL` points them all at `sociald sandbox`.
 *
 * Memory: everything a connector returns lives in the net's arena.
 */
#ifndef SOCIALD_PLATFORMS_PLATFORM_H
#define SOCIALD_PLATFORMS_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "platforms/names.h"
#include "store/display.h"
#include "util/arena.h"

struct app;
struct client;
struct oauth2;

enum net_rc {
    NET_OK = 0,
    NET_AUTH,      /* the grant is gone or the token refused: the account must be re-linked */
    NET_TRANSIENT, /* network error, 5xx, 429: try again later */
    NET_TIMEOUT,   /* no answer in time */
    NET_DENIED,    /* the user declined, or a permission is missing */
    NET_BAD,       /* an answer that makes no sense, or a request the network refused */
};

/* URL slots a network may use (which ones, per network, in netconf.c). */
enum net_slot { SLOT_AUTHORIZE, SLOT_AUTH, SLOT_API, SLOT_API2, SLOT_API3, SLOT_COUNT };

/* One network's operator configuration (with sandbox or account overrides
 * applied). */
struct netconf {
    const char *client_id;
    const char *client_secret;
    const char *scopes;
    const char *urls[SLOT_COUNT];
    const char *bot_token; /* telegram */
    const char *app_token; /* twitter: the app-only bearer for usage */
    bool sandbox;
};

struct tokens {
    const char *access;
    const char *refresh;        /* NULL when the network issues none */
    int64_t access_expires_ms;  /* 0: does not expire (or unknown) */
    int64_t refresh_expires_ms; /* 0: no known expiry */
    const char *scopes;
};

/* One account the tokens can link (a user, a page, a location, ...). */
struct identity {
    struct display_fields disp; /* what GET /api/user will show of it */
    const char *access;         /* a token of its own (a page token) to store, or NULL */
    const char *extra;          /* JSON object text: network ids later calls need */
    const char *label;          /* how the choice page names it ("Page · Blue Coffee") */
};

/* The context of connector calls: the outbound client, the network's
 * configuration, an arena, and the last failure. */
struct net {
    struct client *client;
    const struct netconf *conf;
    struct arena *a;
    const char *platform;
    long timeout_ms;
    enum net_rc rc;         /* of the last failure */
    long http_status;       /* of the last answer */
    const char *error;      /* a short, token-free description of the last failure */
    int64_t retry_after_ms; /* when the network said so */
};

struct platform {
    const char *name;  /* "facebook" */
    const char *label; /* "Facebook" */
    bool oauth;        /* false: telegram */
    bool pkce;
    const char *scopes; /* default scopes, in the network's separator */
    /* The URL the user's browser goes to for consent; NULL: the standard
     * parameters with the connector's scopes (platform_authorize). */
    const char *(*authorize_url)(struct net *n, const char *redirect_uri, const char *state,
                                 const char *challenge);
    /* code -> tokens. */
    enum net_rc (*exchange)(struct net *n, const char *code, const char *redirect_uri,
                            const char *verifier, struct tokens *out);
    /* tokens -> the identities they can link (at least one on NET_OK). */
    enum net_rc (*identities)(struct net *n, const struct tokens *t, struct identity **out,
                              size_t *count);
    /* A fresh access token (and the newest refresh token); NULL when the
     * network has no refresh (long-lived or page tokens). */
    enum net_rc (*refresh)(struct net *n, const struct tokens *t, struct tokens *out);
    /* Revokes the grant at the network; NULL when it offers no revocation. */
    enum net_rc (*revoke)(struct net *n, const struct tokens *t);
    /* The shared OAuth 2 token calls (platforms/oauth2.h) used where
     * exchange, refresh or revoke is NULL. */
    const struct oauth2 *oauth2;
};

/* The connector's calls, or the shared OAuth 2 ones (see oauth2). Callers
 * use these, never the members. */
const char *platform_authorize(const struct platform *p, struct net *n, const char *redirect_uri,
                               const char *state, const char *challenge);
enum net_rc platform_exchange(const struct platform *p, struct net *n, const char *code,
                              const char *redirect_uri, const char *verifier, struct tokens *out);
/* False for networks whose tokens do not expire or cannot be refreshed. */
bool platform_can_refresh(const struct platform *p);
enum net_rc platform_refresh(const struct platform *p, struct net *n, const struct tokens *t,
                             struct tokens *out);
/* False for networks that offer no revocation (Pinterest, Telegram). */
bool platform_can_revoke(const struct platform *p);
enum net_rc platform_revoke(const struct platform *p, struct net *n, const struct tokens *t);

/* ---- live data for GET /api/user (SPEC §2) ---- */

/* Instagram's content-publishing limit of account ig_id (t: the page
 * token): posts in the last rolling 24 h and the quota. */
enum net_rc instagram_publishing_limit(struct net *n, const struct tokens *t, const char *ig_id,
                                       int64_t *used, int64_t *total);
/* X's monthly post usage of the operator's project (n->conf->app_token):
 * usage, cap, and the day of month it resets. */
enum net_rc twitter_project_usage(struct net *n, int64_t *usage, int64_t *cap, int *reset_day);

/* ---- acting on an account (SPEC §3, §4) ---- */

/* Every board of the Pinterest user (t), following the bookmark pages of
 * 250 to the end; each board object is appended to out (a JSON array). At
 * most max boards; NET_BAD on a bookmark that repeats. */
enum net_rc pinterest_read_boards(struct net *n, const struct tokens *t, json_t *out, size_t max);
/* PATCHes a Business Profile location ("locations/<id>") with the JSON
 * body, mask naming its fields; *location is Google's answer (the arena's).
 * A 4xx refusal is NET_BAD with Google's message in n->error. */
enum net_rc gmb_patch_location(struct net *n, const struct tokens *t, const char *location,
                               const char *mask, const char *body, json_t **location_out);

/* ---- Telegram: proof of control of a chat (docs/networks.md) ---- */

/* One message the bot received (getUpdates): a channel post, or a message
 * in a group or in a private chat with the bot. Numbers are kept as text. */
struct telegram_update {
    int64_t update_id;
    bool channel_post;
    const char *chat_id;
    const char *chat_type;      /* private | group | supergroup | channel */
    const char *from_id;        /* the sender; NULL in channels */
    const char *sender_chat_id; /* sent on behalf of a chat (anonymous admin, channel), or NULL */
    const char *text;           /* NULL when the message has none */
};

/* The operator's bot (getMe): its id and @username (without the @). */
enum net_rc telegram_me(struct net *n, const char **id, const char **username);
/* Up to 100 messages and channel posts from update offset on (getUpdates
 * without waiting; asking from offset confirms those before it). An
 * update that is neither is listed with a NULL chat_id. A webhook set on
 * the bot, or another program polling it, answers 409: NET_DENIED with
 * n->http_status 409. */
enum net_rc telegram_updates(struct net *n, int64_t offset, struct telegram_update **out,
                             size_t *count);
/* user_id's status in chat_id (getChatMember): creator, administrator,
 * member, restricted, left or kicked. */
enum net_rc telegram_member_status(struct net *n, const char *chat_id, const char *user_id,
                                   const char **status);

/* The connector of a platform name ("gbp" is "gmb"), or NULL. */
const struct platform *platform_get(const char *name);
/* The connector of platform index i (platforms/names.h order). */
const struct platform *platform_at(int i);

/* Sets n's failure and returns rc; message is printf-formatted. */
enum net_rc net_fail(struct net *n, enum net_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A short name of rc for logs and API details. */
const char *net_rc_name(enum net_rc rc);

#endif
