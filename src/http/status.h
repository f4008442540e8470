/*
 * status: the one table of outcomes (STYLE.md rule 5, after libuv's
 * UV_ERRNO_MAP).
 *
 * Handlers return an enum status; only the HTTP layer turns it into a
 * response: the HTTP status, the SPEC §1.2 code and the default message all
 * come from this table. Codes never change meaning once shipped.
 */
#ifndef SOCIALD_HTTP_STATUS_H
#define SOCIALD_HTTP_STATUS_H

/* X(name, http status, sociald/Ayrshare code, default message) */
#define STATUS_TABLE(X)                                                                            \
    X(OK, 200, 0, "OK")                                                                            \
    X(API_KEY_INVALID, 401, 102,                                                                   \
      "API Key not valid. Send your API key as 'Authorization: Bearer <API key>'.")                \
    X(QUOTA_EXCEEDED, 429, 106,                                                                    \
      "The monthly API call quota of your plan is used up. It resets at the time in "              \
      "details.resets.")                                                                           \
    X(TITLE_EXISTS, 400, 146,                                                                      \
      "A User Profile with this title already exists in this account. Choose another title.")      \
    X(NOT_LINKED, 400, 156,                                                                        \
      "This social network is not linked to the profile. Link it on the linking page first.")      \
    X(PRIVATE_KEY_INVALID, 400, 189,                                                               \
      "The privateKey is not a usable RSA private key. Send the PEM text, or set base64 to "       \
      "true and send it base64-encoded.")                                                          \
    X(SESSION_REVOKED, 400, 501, "This linking session was revoked. Request a new linking URL.")   \
    X(SESSION_NOT_FOUND, 404, 502,                                                                 \
      "This linking session does not exist. Request a new linking URL.")                           \
    X(SESSION_EXPIRED, 410, 503, "This linking session has expired. Request a new linking URL.")   \
    X(BAD_PARAM, 400, 600, "A parameter is missing, malformed or out of range. See details.")      \
    X(NOT_FOUND, 404, 601, "No such endpoint. Check the method and path.")                         \
    X(METHOD_NOT_ALLOWED, 405, 602,                                                                \
      "This method is not allowed on this endpoint. The Allow header lists the methods that are.") \
    X(BODY_TOO_LARGE, 413, 603, "The request body is larger than the limit. Send a smaller body.") \
    X(HEADERS_TOO_LARGE, 431, 603,                                                                 \
      "The request headers are larger than the limit. Send smaller headers.")                      \
    X(BAD_JSON, 400, 604, "The request body is not valid JSON, or not a JSON object.")             \
    X(PROFILE_KEY_INVALID, 403, 610, "Profile Key not valid.")                                     \
    X(PROFILE_DELETED, 404, 611,                                                                   \
      "This User Profile was deleted. The delete details are in 'deleted'.")                       \
    X(PROFILE_SUSPENDED, 403, 612,                                                                 \
      "This User Profile is suspended. Ask the operator to reactivate it.")                        \
    X(PROFILE_KEY_AS_API_KEY, 401, 613,                                                            \
      "A Profile Key was sent as the API key. Send the API key in 'Authorization: Bearer' and "    \
      "the Profile Key in the 'Profile-Key' header.")                                              \
    X(PLAN_REQUIRED, 403, 620, "Your plan does not include this endpoint.")                        \
    X(RATE_LIMITED, 429, 621,                                                                      \
      "Too many requests for this profile. Retry after the time in the Retry-After header.")       \
    X(NETWORK_ERROR, 502, 630, "The social network's API failed. See details.")                    \
    X(NETWORK_REJECTED, 400, 630,                                                                  \
      "The social network refused the change. Its message is in details.error.")                   \
    X(NETWORK_TIMEOUT, 504, 631, "The social network's API did not answer in time. Try again.")    \
    X(NETWORK_AUTH, 400, 632,                                                                      \
      "The social network rejected the stored authorization. Re-link the account.")                \
    X(GBP_EDIT_LIMIT, 400, 633,                                                                    \
      "Google allows at most 5 changes of this field in 24 hours. Retry after "                    \
      "details.availableAt.")                                                                      \
    X(BATCH_NOT_READY, 425, 640,                                                                   \
      "The batch file is not ready yet. Retry after details.urlAvailable.")                        \
    X(SIGNATURE_INVALID, 403, 641, "The signed URL has expired or its signature is wrong.")        \
    X(INTERNAL, 500, 650,                                                                          \
      "Internal error. It was logged; quote details.requestId when reporting it.")                 \
    X(UNAVAILABLE, 503, 651, "The server is shutting down or overloaded. Retry shortly.")

enum status {
#define X(name, http, code, msg) ST_##name,
    STATUS_TABLE(X)
#undef X
        ST_COUNT_
};

/* The HTTP status for s (200 for ST_OK). */
unsigned status_http(enum status s);
/* The SPEC §1.2 code for s (0 for ST_OK). */
int status_code(enum status s);
/* The default message for s; a static string. */
const char *status_message(enum status s);
/* The table's name for s ("NOT_FOUND"); a static string, for logs. */
const char *status_name(enum status s);

#endif
