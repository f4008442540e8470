/*
 * sandbox internals: what the sandbox's files share (docs/sandbox.md is the
 * contract they implement).
 *
 * The sandbox is one process-wide singleton: sandbox_run() creates the state
 * (state.c), the fault list and its delay thread (faults.c) and the call log
 * (calls.c) before the HTTP server starts, and frees them after it stopped,
 * so handlers reach them through these functions instead of a context
 * pointer. Every piece of shared state has its own mutex; handlers run on
 * the HTTP thread pool and, for delayed requests, on the delay thread.
 *
 * Handlers answer the networks' own JSON shapes: they write r->out, set
 * r->http_status (and r->content_type for non-JSON) and return ST_OK, so the
 * HTTP layer sends the body as is. Other statuses (sociald's own error
 * body) are only for the sandbox's /_sandbox endpoints and for internal
 * failures.
 */
#ifndef SOCIALD_SANDBOX_INTERNAL_H
#define SOCIALD_SANDBOX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/request.h"
#include "util/jsonw.h"

struct app;

#define SBX_LOGIN_MAX     64
#define SBX_TOKEN_MAX     63 /* "sbx-tw-at-" + 32 hex, with room */
#define SBX_CLIENT_MAX    256
#define SBX_SCOPE_MAX     1024
#define SBX_URI_MAX       2048
#define SBX_CHALLENGE_MAX 128
#define SBX_ID_MAX        40
#define SBX_NAME_MAX      100  /* a display name set by a rename (YouTube's title limit) */
#define SBX_RENAMES_MAX   1000 /* accounts renamed at once */

/* ---- networks (sandbox.c) --------------------------------------------------------- */

enum sbx_net {
    NET_FACEBOOK,
    NET_INSTAGRAM,
    NET_LINKEDIN,
    NET_GMB,
    NET_YOUTUBE,
    NET_PINTEREST,
    NET_REDDIT,
    NET_TELEGRAM,
    NET_TIKTOK,
    NET_TWITTER,
    NET_COUNT
};

/* The network's path name ("facebook"); a static string. */
const char *sbx_net_name(enum sbx_net n);
/* The network's display name ("Facebook", "X"); a static string. */
const char *sbx_net_title(enum sbx_net n);
/* The network named by the n bytes at s, or -1. */
int sbx_net_parse(const char *s, size_t n);
/* The network whose prefix starts path ("/twitter/2/users/me"), or -1. */
int sbx_net_of_path(const char *path);
/* The sandbox's base URL as the client reached it ("http://127.0.0.1:8090"),
 * from the Host header when it looks sane; an arena string. */
const char *sbx_base_url(struct req *r);

/* ---- request helpers (params.c) ------------------------------------------------- */

/* A decoded application/x-www-form-urlencoded body. */
struct sbx_form {
    struct kv *kv;
    size_t n;
};

/* Decodes r's body as a form into the arena; an empty or malformed body
 * gives an empty form (the caller then reports the missing parameters). */
void sbx_form_parse(struct req *r, struct sbx_form *f);
/* The first value of name in f, or NULL. */
const char *sbx_form_get(const struct sbx_form *f, const char *name);
/* A parameter from the form, else from the query; NULL when absent or empty. */
const char *sbx_param(struct req *r, const struct sbx_form *f, const char *name);
/* HTTP Basic credentials from the Authorization header, decoded into the
 * arena; false when there are none. */
bool sbx_basic_auth(struct req *r, const char **id, const char **secret);
/* The bearer token of the Authorization header (Facebook's graph also takes
 * ?access_token=), or NULL. The string lives in the arena. */
const char *sbx_bearer(struct req *r, enum sbx_net net);
/* Appends s percent-encoded for a query value (RFC 3986 unreserved kept)
 * to b; like buf_append, it stops silently at b's cap. */
void sbx_url_encode(struct buf *b, const char *s);
/* Starts a JSON body in r->out; the caller closes what it opens. */
void sbx_json(struct req *r, struct jw *w);
/* Sets the answer to status with a plain-text body (consent page errors). */
enum status sbx_text(struct req *r, unsigned status, const char *text);
/* A random opaque id of n hex characters (log_id, fbtrace_id); arena string. */
char *sbx_random_hex(struct req *r, size_t n);
/* TikTok's log_id: a UTC timestamp and random hex; arena string. */
char *sbx_log_id(struct req *r);

/* ---- tokens and other state (state.c) --------------------------------------------- */

enum sbx_kind { TK_CODE, TK_ACCESS, TK_REFRESH, TK_PAGE };

/* What a code or token stands for; copied out of the store. */
struct sbx_grant {
    enum sbx_net net;
    enum sbx_kind kind;
    char login[SBX_LOGIN_MAX + 1];
    char client_id[SBX_CLIENT_MAX + 1];
    char scope[SBX_SCOPE_MAX + 1];
    char redirect_uri[SBX_URI_MAX + 1];    /* codes */
    char challenge[SBX_CHALLENGE_MAX + 1]; /* codes: the PKCE challenge, or "" */
    bool challenge_plain;                  /* codes: method plain (else S256) */
    char page_id[SBX_ID_MAX + 1];          /* page tokens */
    uint64_t grant;                        /* the consent every token descends from */
    int64_t issued_ms;
    int64_t expires_ms;  /* 0: never */
    int64_t deadline_ms; /* refresh tokens: when the refresh chain ends (LinkedIn); 0: none */
};

enum sbx_tokerr { TE_OK, TE_UNKNOWN, TE_WRONG_NET, TE_USED, TE_EXPIRED, TE_REVOKED };

/* Creates the store; sandbox_run() calls it once before serving. */
void state_init(void);
/* Frees everything the store holds. */
void state_free(void);
/* Stores g as a new code (a fresh grant id is assigned) valid for ttl_s;
 * writes the code into out. */
void state_code_new(struct sbx_grant *g, int64_t ttl_s, char out[SBX_TOKEN_MAX + 1]);
/* Copies the code's grant into g without using it up. */
enum sbx_tokerr state_code_get(enum sbx_net net, const char *code, struct sbx_grant *g);
/* Marks the code used; false when it already was (a concurrent exchange). */
bool state_code_consume(const char *code);
/* Issues a token of g->kind for g, expiring in ttl_s seconds (negative:
 * never; 0: already expired), deadline_ms kept as given; writes its value
 * into out. */
void state_token_issue(const struct sbx_grant *g, int64_t ttl_s, char out[SBX_TOKEN_MAX + 1]);
/* Stores value as a token for g unless it exists (deterministic page tokens). */
void state_token_put(const char *value, const struct sbx_grant *g);
/* The page token of page_id for a user token's grant, stored on first use;
 * writes its value into out. */
void state_page_token(const struct sbx_grant *user, const char *page_id,
                      char out[SBX_TOKEN_MAX + 1]);
/* Looks up a live token of net; copies it into g when found (also when
 * expired or revoked, so callers can tell the reasons apart). */
enum sbx_tokerr state_token_check(enum sbx_net net, const char *value, struct sbx_grant *g);
/* True when the sandbox issued value to a user, on any network. */
bool state_token_known(const char *value);
/* Kills a refresh token that is being rotated; false if it died meanwhile. */
bool state_token_retire(const char *value);
/* Revokes value (of net), or every token of its grant when whole_grant.
 * Returns false when the token is unknown. */
bool state_token_revoke(enum sbx_net net, const char *value, bool whole_grant);
/* Revokes every code and token of login on net (client_id NULL: any
 * client); returns how many died. */
size_t state_revoke_login(enum sbx_net net, const char *login, const char *client_id);
/* Overrides the lifetimes of tokens issued from now (-1 keeps the default). */
void state_ttl_set(enum sbx_net net, int64_t access_s, int64_t refresh_s);
/* The lifetime in seconds for a new token of kind on net: the override, or
 * dflt (negative: never expires). */
int64_t state_ttl(enum sbx_net net, enum sbx_kind kind, int64_t dflt);
/* Sets Instagram's quota_usage for login. */
void state_quota_set(const char *login, int64_t used);
/* Instagram's quota_usage set for login; false when none was set. */
bool state_quota_get(const char *login, int64_t *used);
/* Renames login's account on net: from now on it reports name (at most
 * SBX_NAME_MAX bytes) and, unless image is NULL, that avatar URL (at most
 * SBX_URI_MAX bytes); a later rename replaces the whole earlier one. The
 * state copies both. False, changing nothing, when SBX_RENAMES_MAX
 * accounts are renamed already and this one is not among them. */
bool state_rename_set(enum sbx_net net, const char *login, const char *name, const char *image);
/* Copies the rename of login on net into name and image ("" when it set
 * none); false, leaving both alone, when the account was not renamed. */
bool state_rename_get(enum sbx_net net, const char *login, char name[SBX_NAME_MAX + 1],
                      char image[SBX_URI_MAX + 1]);
/* Forgets every override a state change set — token lifetimes, Instagram
 * quotas, renames — for DELETE /_sandbox/faults. Revocations stay: a
 * revoked token or bot is dead for good, as on the networks. */
void state_overrides_clear(void);
/* A copy of the edited Location with this id (the caller decrefs), or NULL. */
json_t *state_location_get(const char *id);
/* Stores a copy of an edited Location. */
void state_location_put(const char *id, const json_t *loc);
/* Remembers that chat id names the Telegram chat name. */
void state_chat_remember(const char *id, const char *name);
/* The Telegram chat name a numeric id was seen for; false when unknown. */
bool state_chat_lookup(const char *id, char name[SBX_LOGIN_MAX + 1]);
/* Telegram chat members, users and the bots' update queue (getUpdates). */
#define SBX_TG_STATUS_MAX 16
enum { SBX_TGU_MESSAGE = 1, SBX_TGU_CHANNEL_POST = 2, SBX_TGU_ALL = 3 };
/* Sets user_id's status in chat_id ("creator", "administrator", "member",
 * "restricted", "left", "kicked"). */
void state_tg_member_set(const char *chat_id, const char *user_id, const char *status);
/* user_id's status in chat_id; false when none was set. */
bool state_tg_member_get(const char *chat_id, const char *user_id,
                         char status[SBX_TG_STATUS_MAX + 1]);
/* Remembers that user id user_id is the sandbox user login. */
void state_tg_user_remember(const char *user_id, const char *login);
/* The login of user id user_id; false when never seen. */
bool state_tg_user_lookup(const char *user_id, char login[SBX_LOGIN_MAX + 1]);
/* Queues an update for bot (NULL: every bot) holding the Message object
 * json under kind (SBX_TGU_MESSAGE or SBX_TGU_CHANNEL_POST); returns its
 * update_id. The newest 1000 are kept. */
int64_t state_tg_update_add(const char *bot, unsigned kind, const char *json);
/* A getUpdates call: offset (0: none), limit (1-100), allowed_updates. */
struct sbx_tg_poll {
    int64_t offset;
    size_t limit;
    bool allowed_set; /* allowed_updates was sent (else the bot's last setting holds) */
    unsigned allowed; /* SBX_TGU_ bits; 0: every kind */
};
/* Confirms and writes bot's updates for p as the result array into w. */
void state_tg_updates(const char *bot, const struct sbx_tg_poll *p, struct jw *w);
/* Makes every call of the Telegram bot with this id fail as Unauthorized
 * (a bot token revoked with @BotFather). */
void state_bot_revoke(const char *bot_id);
/* True once state_bot_revoke(bot_id) was called. */
bool state_bot_revoked(const char *bot_id);

/* ---- accounts derived from the login (ident.c) ------------------------------------ */

struct sbx_login {
    char name[SBX_LOGIN_MAX + 1];   /* as typed */
    char title[SBX_NAME_MAX + 1];   /* "alice-smith" -> "Alice Smith", or a rename's name */
    char first[SBX_NAME_MAX + 1];   /* "Alice" (a rename: its first word) */
    char last[SBX_NAME_MAX + 1];    /* "Smith" (a rename: the rest; may be "") */
    char handle[SBX_LOGIN_MAX + 1]; /* "alicesmith" (a rename keeps it) */
    char image[SBX_URI_MAX + 1];    /* a rename's avatar URL, or "" */
    bool renamed;                   /* a rename applies (ident_account) */
    int pages, ig, orgs, locations, channels, boards, quota; /* scenario words */
};

/* True when s is 1-64 of a-z A-Z 0-9 . _ - (the consent page's rule). */
bool ident_login_valid(const char *s);
/* Derives names and scenario counts from a valid login. */
void ident_login(const char *s, struct sbx_login *out);
/* ident_login() for login's account on net, with the name and image of a
 * rename applied (POST /_sandbox/faults "rename"); ids and the handle stay. */
void ident_account(enum sbx_net net, const char *login, struct sbx_login *out);
/* n (<= 32) decimal digits, first not 0, from SHA-256("<net>:<login>[:<salt>]"). */
void ident_digits(enum sbx_net net, const char *login, const char *salt, size_t n, char *out);
/* A number from the same hash, for counts (followers, karma). */
uint64_t ident_u64(enum sbx_net net, const char *login, const char *salt);
/* A UUID-shaped lowercase hex id (TikTok's open_id) into out[37]. */
void ident_uuid(enum sbx_net net, const char *login, const char *salt, char out[37]);
/* n (<= 32) characters of [0-9a-z] (Reddit's base36 ids). */
void ident_base36(enum sbx_net net, const char *login, const char *salt, size_t n, char *out);
/* n (<= 40) characters of [A-Za-z0-9_-] (YouTube channel ids, place ids). */
void ident_b64(enum sbx_net net, const char *login, const char *salt, size_t n, char *out);
/* The account's avatar: a rename's image verbatim (every variant is that
 * URL), else "{S}/_sandbox/img/<net>/<login>.png" with "?<query>" appended
 * when query is not NULL. Points into l or the arena. */
const char *ident_avatar(struct req *r, enum sbx_net net, const struct sbx_login *l,
                         const char *query);
/* Answers r with a valid 1x1 PNG (image/png). */
enum status ident_send_png(struct req *r);
/* The account a token belongs to (ident_account() of its network and
 * login); for handlers after sbx_auth(). */
void ident_of(const struct sbx_grant *g, struct sbx_login *out);

/* ---- error envelopes (envelope.c) ------------------------------------------------- */

enum sbx_authfail { AF_MISSING, AF_INVALID, AF_EXPIRED, AF_REVOKED };

/* Answers an API call whose token failed, in the network's format. */
enum status env_auth_fail(struct req *r, enum sbx_net net, enum sbx_authfail why);
/* Answers a token endpoint failure (error is the OAuth word: invalid_grant,
 * invalid_request, invalid_client, unsupported_grant_type, ...). */
enum status env_oauth_fail(struct req *r, enum sbx_net net, const char *error, const char *desc);
/* Answers with status in the network's envelope (fault injection); oauth
 * picks the token endpoint format. 429 adds Retry-After: retry_after. */
enum status env_status(struct req *r, enum sbx_net net, unsigned status, int64_t retry_after,
                       bool oauth);
/* Facebook's error envelope; subcode 0 leaves error_subcode out. */
enum status env_facebook(struct req *r, unsigned http, int code, int subcode, const char *type,
                         const char *message);
/* Google's error envelope {"error":{"code","message","status"}}. */
enum status env_google(struct req *r, unsigned http, const char *status, const char *message);
/* TikTok's API envelope {"data":{},"error":{"code","message","log_id"}}. */
enum status env_tiktok(struct req *r, unsigned http, const char *code, const char *message);
/* Checks the request's access token for net (kinds: access, and page tokens
 * when pages is set). On failure answers in the network's format and
 * returns false; on success copies the token into g. */
bool sbx_auth(struct req *r, enum sbx_net net, bool pages, struct sbx_grant *g);

/* ---- handlers ----------------------------------------------------------------------- */

/* oauth.c: the consent page, GET and POST, for every network but Telegram. */
enum status sbx_oauth_consent(struct app *app, struct req *r);
/* token.c: token endpoints and revocation. */
enum status sbx_token_exchange(struct app *app, struct req *r);
enum status sbx_token_graph(struct app *app, struct req *r);
enum status sbx_token_revoke(struct app *app, struct req *r);
enum status sbx_token_graph_revoke(struct app *app, struct req *r);
/* meta.c: Facebook's and Instagram's graph. */
enum status sbx_meta_me(struct app *app, struct req *r);
enum status sbx_meta_accounts(struct app *app, struct req *r);
enum status sbx_meta_debug_token(struct app *app, struct req *r);
enum status sbx_meta_object(struct app *app, struct req *r);
enum status sbx_meta_publishing_limit(struct app *app, struct req *r);
/* linkedin.c */
enum status sbx_linkedin_userinfo(struct app *app, struct req *r);
enum status sbx_linkedin_me(struct app *app, struct req *r);
enum status sbx_linkedin_acls(struct app *app, struct req *r);
enum status sbx_linkedin_org(struct app *app, struct req *r);
/* google.c: userinfo, accounts, YouTube. */
enum status sbx_google_userinfo(struct app *app, struct req *r);
enum status sbx_google_accounts(struct app *app, struct req *r);
enum status sbx_youtube_channels(struct app *app, struct req *r);
/* gbp.c: Business Information locations. */
enum status sbx_gbp_locations(struct app *app, struct req *r);
enum status sbx_gbp_location(struct app *app, struct req *r);
/* pinterest.c */
enum status sbx_pinterest_user(struct app *app, struct req *r);
enum status sbx_pinterest_boards(struct app *app, struct req *r);
/* reddit.c */
enum status sbx_reddit_me(struct app *app, struct req *r);
/* telegram.c */
enum status sbx_telegram_method(struct app *app, struct req *r);
enum status sbx_telegram_file(struct app *app, struct req *r);
/* POST /_sandbox/telegram/members and /_sandbox/telegram/messages. */
enum status sbx_telegram_member(struct app *app, struct req *r);
enum status sbx_telegram_message(struct app *app, struct req *r);
/* tiktok.c */
enum status sbx_tiktok_user_info(struct app *app, struct req *r);
/* twitter.c */
enum status sbx_twitter_me(struct app *app, struct req *r);
enum status sbx_twitter_usage(struct app *app, struct req *r);
/* ident.c: GET /_sandbox/img/<network>/<login>.png */
enum status sbx_ident_image(struct app *app, struct req *r);
/* faults.c: POST/DELETE /_sandbox/faults */
enum status sbx_faults_handle(struct app *app, struct req *r);
/* calls.c: GET/DELETE /_sandbox/calls */
enum status sbx_calls_handle(struct app *app, struct req *r);

/* ---- fault injection (faults.c) and the call log (calls.c) ------------------------ */

/* Starts the delay thread. */
void faults_init(void);
/* Answers every delayed request now and stops the delay thread; faults
 * still apply afterwards, but without their delay (shutdown). */
void faults_drain(void);
/* Frees the faults; after the HTTP server stopped. */
void faults_free(void);
/* Applies the first fault matching r (a request to net), if any. Returns
 * true when the fault answered or suspended r: the caller returns *st.
 * False: the handler runs as usual. */
bool faults_apply(struct req *r, enum sbx_net net, enum status *st);

/* Creates the call log. */
void calls_init(void);
/* Frees the call log. */
void calls_free(void);
/* Records r (a request to net) with secrets masked. */
void calls_record(struct req *r, enum sbx_net net);

#endif
