/*
 * link: what the linking API (api/link_api.c: generateJWT, link-sessions,
 * import) and the linking page (api/link_page.c) share — linking sessions.
 *
 * A session is a bearer secret (32 random bytes, base64url, 43 characters)
 * naming one profile, the networks the page may offer, where "Done" goes,
 * and until when it may be opened. The store keeps only its SHA-256 (hex),
 * like every other key. A generateJWT token carries the secret as its jti;
 * /link?jwt= verifies the token and sends the browser on to
 * /link/s/<secret>. A page opened in time stays usable for
 * link_page_minutes (default 30) from the first opening, so a user who
 * opens a 5-minute URL can still finish a network's consent screens. That
 * end (the later of the token's exp and first opening + link_page_minutes)
 * is hard: reopening the URL or using the page never moves it, so a leaked
 * URL dies with it.
 */
#ifndef SOCIALD_API_LINK_H
#define SOCIALD_API_LINK_H

#include "api/api.h"
#include "store/profiles.h"

#define LINK_SECRET_LEN      43
#define LINK_HASH_LEN        64
#define LINK_MINUTES_DEFAULT 5
#define LINK_MINUTES_MAX     2880

/* The store id of a session secret (hex SHA-256); false when secret is not
 * shaped like one. */
bool link_session_hash(const char *secret, char out[LINK_HASH_LEN + 1]);
/*
 * Creates a linking session for profile p of account_id; fills secret
 * (LINK_SECRET_LEN + 1 bytes). public_key (PEM, or NULL) is the key its
 * RS256 token verifies with instead of the account's. Also drops sessions,
 * OAuth states and pending choices that ended more than a day ago.
 */
enum store_rc link_session_create(struct app *app, int64_t account_id, int64_t profile_id,
                                  unsigned allowed_mask, const char *redirect, const char *via,
                                  const char *public_key, int64_t expires_ms,
                                  char secret[LINK_SECRET_LEN + 1]);

/*
 * Telegram: the one-time code that proves control of a chat (see
 * api/link_telegram.c).
 */
#define LINK_TG_CODE_LEN     10
#define LINK_TG_CODE_MINUTES 10

/* The code in a message's text into out (upper case): the code alone, or
 * after /connect or /connect@<bot>, in any case, with nothing else. False
 * when the text holds none. */
bool link_tg_code_in(const char *text, char out[LINK_TG_CODE_LEN + 1]);
/* The code of a row, from its nonce, into out. */
void link_tg_code_text(struct app *app, const char *nonce, char out[LINK_TG_CODE_LEN + 1]);
/* Issues a new code for session_id (a session's hash) bound to chat_id
 * (numeric), replacing the session's unused ones. */
enum store_rc link_tg_code_issue(struct app *app, const char *session_id, const char *chat_id,
                                 const char *chat_title, const char *bot_username, int64_t now_ms);
/* Reads the bot's updates (getUpdates) and records every live code seen in
 * them for its session: seen by someone in control of its chat, or why
 * not. Blocks on the network: offload workers only. */
enum net_rc link_tg_poll(struct app *app, struct net *n);
/* handlers: the API */
enum status api_link_generate_jwt(struct app *app, struct req *r);
enum status api_link_sessions_create(struct app *app, struct req *r);
enum status api_link_import(struct app *app, struct req *r);
/* handlers: the page */
enum status api_link_jwt_open(struct app *app, struct req *r);
enum status api_link_page(struct app *app, struct req *r);
enum status api_link_start(struct app *app, struct req *r);
enum status api_link_callback(struct app *app, struct req *r);
enum status api_link_choose_page(struct app *app, struct req *r);
enum status api_link_choose(struct app *app, struct req *r);
enum status api_link_unlink(struct app *app, struct req *r);
enum status api_link_telegram(struct app *app, struct req *r);
enum status api_link_telegram_check(struct app *app, struct req *r);
enum status api_link_asset(struct app *app, struct req *r);
enum status api_bio_page(struct app *app, struct req *r);

#endif
