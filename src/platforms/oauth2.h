/*
 * oauth2: the authorization-code token calls most networks share (RFC 6749
 * §4.1.3, §6; RFC 7009), described as data. A connector states where its
 * token and revocation endpoints are and how they take the client's
 * credentials; these functions build the form, post it and read the
 * answer with net_parse_tokens (invalid_grant is NET_AUTH).
 *
 * The Meta Graph login (GET with query parameters) and Google's revocation
 * (token in the query) do not fit and stay in their connectors.
 */
#ifndef SOCIALD_PLATFORMS_OAUTH2_H
#define SOCIALD_PLATFORMS_OAUTH2_H

#include "platforms/platform.h"

enum oauth2_client {
    OAUTH2_BASIC,    /* HTTP Basic client_id:client_secret */
    OAUTH2_BODY,     /* client_id and client_secret in the form */
    OAUTH2_BODY_KEY, /* client_key and client_secret in the form (TikTok) */
};

struct oauth2 {
    enum net_slot slot;      /* the base URL of the paths below */
    const char *token_path;  /* "/oauth2/token" */
    const char *revoke_path; /* NULL: revocation is not done here */
    enum oauth2_client client;
    bool client_id_in_body;  /* OAUTH2_BASIC that also wants client_id in the form (X) */
    bool pkce;               /* send the code_verifier */
    const char *extra_key;   /* one more form field on exchange and refresh */
    const char *extra_value; /* ("continuous_refresh=true" for Pinterest) */
    bool keeps_refresh;      /* refresh tokens are not rotated: keep the old one */
    bool revoke_refresh;     /* revoke the refresh token (the whole grant) when there is one */
    bool revoke_hint;        /* send token_type_hint */
};

enum net_rc oauth2_exchange(struct net *n, const struct oauth2 *o, const char *code,
                            const char *redirect_uri, const char *verifier, struct tokens *out);
/* NET_AUTH without a refresh token (nothing to refresh with: re-link). */
enum net_rc oauth2_refresh(struct net *n, const struct oauth2 *o, const struct tokens *t,
                           struct tokens *out);
/* Any 2xx is success; failures are read with net_check. */
enum net_rc oauth2_revoke(struct net *n, const struct oauth2 *o, const struct tokens *t);

#endif
