/*
 * connectors: what the per-network connector files share (private to
 * src/platforms/): the Meta Graph login used by Facebook and Instagram,
 * Google's OAuth used by Business Profile and YouTube, and the registry.
 */
#ifndef SOCIALD_PLATFORMS_CONNECTORS_H
#define SOCIALD_PLATFORMS_CONNECTORS_H

#include "platforms/net.h"
#include "platforms/platform.h"

extern const struct platform platform_facebook, platform_gmb, platform_instagram, platform_linkedin,
    platform_pinterest, platform_reddit, platform_telegram, platform_tiktok, platform_twitter,
    platform_youtube;

/* The authorize URL with the usual parameters; extra key/value pairs
 * (NULL-terminated) follow. scopes falls back to the connector's. */
const char *connector_authorize(struct net *n, const char *scope_default, const char *redirect_uri,
                                const char *state, ...) __attribute__((sentinel));
/* The configured scopes, or the connector's default. */
const char *connector_scopes(const struct net *n, const char *dflt);

/* Meta Graph: code -> short-lived -> long-lived user token (stored as the
 * refresh token: it lists pages again and revokes; page tokens do not
 * expire). */
enum net_rc meta_exchange(struct net *n, const char *code, const char *redirect_uri,
                          const char *verifier, struct tokens *out);
/* Reads a Graph answer: error code 190 (token) is NET_AUTH; 4, 17, 32, 613
 * and 80000s (rate limits) NET_TRANSIENT. */
enum net_rc meta_check(struct net *n, const struct net_answer *a, const char *what);
/* Revokes the app's permissions with the user token. */
enum net_rc meta_revoke(struct net *n, const struct tokens *t);

/* Google OAuth (offline access, consent prompt, PKCE). */
const char *google_authorize(struct net *n, const char *scopes, const char *redirect_uri,
                             const char *state, const char *challenge);
extern const struct oauth2 google_oauth2;
enum net_rc google_revoke(struct net *n, const struct tokens *t);
/* Reads a Google API answer (UNAUTHENTICATED is NET_AUTH). */
enum net_rc google_check(struct net *n, const struct net_answer *a, const char *what);

/* A one-element identity array in the arena. */
struct identity *connector_one(struct net *n);
/* A JSON object of string key/value pairs (NULL-terminated; NULL values
 * skipped), as arena text: an identity's extra ids. */
const char *connector_extra(struct net *n, ...) __attribute__((sentinel));
/* Grows an identity array by one (arena); returns the new element. */
struct identity *connector_push(struct net *n, struct identity **arr, size_t *count, size_t *cap);

#endif
