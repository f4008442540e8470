/*
 * sigv4: AWS Signature Version 4, for the S3 object-store client (batch
 * export uploads, pre-signed GET URLs) and any S3-compatible store.
 *
 * Two ways to sign, both from the AWS documentation:
 *   - query-string auth, a pre-signed URL (S3 API Reference,
 *     "Authenticating Requests: Using Query Parameters"): sigv4_url_presign;
 *   - the Authorization header for a request sent now (S3 API Reference,
 *     "Signature Calculations for the Authorization Header: Transferring
 *     Payload in a Single Chunk"): sigv4_headers_sign, for when libcurl's
 *     CURLOPT_AWS_SIGV4 does not do what the client needs.
 * Both build the canonical request, the string to sign and the signature
 * the same way (IAM User Guide, "Create a signed AWS API request"); the
 * signing key is derived per call (four HMACs) and wiped afterwards.
 *
 * Paths are never normalised: S3 signs the object key as it is, "//" and
 * "." included. Every input is bounded (the SIGV4_*_MAX below) and checked
 * for characters that could break out of a URL or a header line (host,
 * access key, session token, header names and values); a function refuses
 * what does not fit, with false or NULL, and never writes a partial result.
 */
#ifndef SOCIALD_CRYPTO_SIGV4_H
#define SOCIALD_CRYPTO_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"

#define SIGV4_KEY_LEN          32             /* a derived signing key, in bytes */
#define SIGV4_DATE_LEN         16             /* 20130524T000000Z, the x-amz-date value */
#define SIGV4_SIG_LEN          64             /* a signature in lowercase hex */
#define SIGV4_EXPIRES_MAX      604800         /* seven days: the longest S3 accepts */
#define SIGV4_TIME_MAX         253402300799LL /* 9999-12-31T23:59:59Z */
#define SIGV4_ACCESS_KEY_MAX   128
#define SIGV4_SECRET_MAX       128
#define SIGV4_TOKEN_MAX        8192 /* STS does not promise a size; seen: 1-2 KB */
#define SIGV4_LABEL_MAX        64   /* region, service */
#define SIGV4_HOST_MAX         255  /* host[:port], as sent in Host */
#define SIGV4_PATH_MAX         2048 /* "/" + bucket + "/" + a key of up to 1024 bytes */
#define SIGV4_QUERY_MAX        8192 /* a canonical query given to sigv4_headers_sign */
#define SIGV4_PARAMS_MAX       16   /* extra query parameters of a pre-signed URL */
#define SIGV4_PARAM_MAX        1024 /* a query parameter's name or value, not encoded */
#define SIGV4_HEADERS_MAX      32   /* headers signed besides the ones added */
#define SIGV4_HEADER_NAME_MAX  64
#define SIGV4_HEADER_VALUE_MAX 4096

/* The payload hash of a pre-signed URL for S3, whose body is not known when
 * the URL is made. */
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

struct sigv4_creds {
    const char *access_key;    /* printable ASCII without '/' or ',' */
    const char *secret_key;    /* any bytes */
    const char *session_token; /* temporary credentials' token; NULL or "" for none */
    const char *region;        /* "us-east-1"; letters, digits, '-', '_' */
    const char *service;       /* "s3"; the same characters */
};

/* A query parameter or a header, as given (not yet encoded or trimmed). */
struct sigv4_pair {
    const char *name;
    const char *value; /* NULL is taken as "" */
};

/*
 * The signing key for a day: HMAC-SHA256 chained over "AWS4" + secret, then
 * date8 (YYYYMMDD), region, service and "aws4_request", into out. False,
 * out untouched, when an input is missing, too long or malformed.
 */
bool sigv4_key_derive(const char *secret, const char *date8, const char *region,
                      const char *service, unsigned char out[SIGV4_KEY_LEN]);

/*
 * Appends the n bytes at s to b URI-encoded the way SigV4 and S3 want it:
 * A-Z a-z 0-9 - . _ ~ kept, every other byte as %XX (uppercase hex, UTF-8
 * bytes one by one, a space as %20, never '+'); '/' kept unless
 * encode_slash (keep it for an object key in a path, encode it in query
 * names and values). Returns 0, or -1 with b as it was when the result
 * would pass b's cap.
 */
int sigv4_uri_encode(struct buf *b, const char *s, size_t n, bool encode_slash);

/*
 * The canonical query string of n parameters (at most SIGV4_PARAMS_MAX,
 * names non-empty, names and values at most SIGV4_PARAM_MAX bytes): each
 * name and value URI-encoded (slashes too), "name=value" (a NULL or empty
 * value gives "name="), sorted by encoded name and then by encoded value,
 * joined with '&'. The same string is the query to send. In the arena; ""
 * for n == 0; NULL when a parameter does not fit.
 */
char *sigv4_query_build(struct arena *a, const struct sigv4_pair *params, size_t n);

/* A pre-signed URL to make (sigv4_url_presign). */
struct sigv4_presign {
    const char *method;              /* "GET", "PUT"...: 1-16 uppercase letters */
    const char *scheme;              /* "https" or "http" */
    const char *host;                /* host[:port]; [v6]:port allowed */
    const char *path;                /* starts with '/'; NOT encoded (each segment will be) */
    const struct sigv4_pair *params; /* extra query parameters, not encoded
                                        (response-content-disposition...) */
    size_t n_params;                 /* 0 for none */
    int64_t expires_s;               /* 1 to SIGV4_EXPIRES_MAX seconds */
    const char *payload_hash;        /* NULL: UNSIGNED-PAYLOAD (S3); other services
                                        sign the empty body's SHA-256 */
};

/*
 * A pre-signed URL: scheme://host/encoded-path?query, where the query holds
 * X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date (from t_s, Unix seconds),
 * X-Amz-Expires, X-Amz-Security-Token when the credentials carry one, and
 * X-Amz-SignedHeaders=host, with the extra parameters, all sorted as the
 * canonical query and signed, then X-Amz-Signature last. In the arena;
 * NULL (the arena may keep scraps of the attempt) when an input is
 * missing, out of bounds or malformed, expires_s is outside 1 to
 * SIGV4_EXPIRES_MAX, or an extra parameter is named like one of the
 * X-Amz-* parameters above or X-Amz-Signature.
 */
char *sigv4_url_presign(struct arena *a, const struct sigv4_creds *c, const struct sigv4_presign *p,
                        int64_t t_s);

/* A request to sign with the Authorization header (sigv4_headers_sign). */
struct sigv4_request {
    const char *method;               /* 1-16 uppercase letters */
    const char *host;                 /* host[:port], the Host header's value */
    const char *path;                 /* canonical URI, ALREADY encoded ("/" at least) */
    const char *query;                /* canonical query (sigv4_query_build); NULL or "" */
    const struct sigv4_pair *headers; /* further headers to sign (Range, Content-Type...) */
    size_t n_headers;                 /* at most SIGV4_HEADERS_MAX */
    const char *payload_hash;         /* 64 lowercase hex (SHA-256 of the body), or
                                         SIGV4_UNSIGNED_PAYLOAD */
};

/* What the caller sends with a request signed by sigv4_headers_sign. */
struct sigv4_auth {
    char amz_date[SIGV4_DATE_LEN + 1]; /* send as x-amz-date */
    char signature[SIGV4_SIG_LEN + 1]; /* also inside authorization */
    const char *signed_headers;        /* "host;range;x-amz-date", in the arena */
    const char *authorization;         /* send as Authorization, in the arena */
};

/*
 * Signs a request sent at t_s (Unix seconds). Signed besides r->headers,
 * which must not name them: host (r->host), x-amz-date (out->amz_date),
 * x-amz-content-sha256 (r->payload_hash) when the service is "s3", and
 * x-amz-security-token when the credentials carry a session token. The
 * caller sends each of these with exactly that value, r->headers as given
 * and Authorization: out->authorization. Header names are compared without
 * case and signed in lowercase; values are signed trimmed, runs of spaces
 * inside made one (SigV4's "trimall"). Strings in the arena; false,
 * *out unspecified, when an input is missing, out of bounds or malformed
 * (a header name that is not an HTTP token, a control character in a
 * value, a header named twice).
 */
bool sigv4_headers_sign(struct arena *a, const struct sigv4_creds *c, const struct sigv4_request *r,
                        int64_t t_s, struct sigv4_auth *out);

#endif
