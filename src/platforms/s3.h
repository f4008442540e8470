/*
 * s3: the object store batch exports live in (SPEC §12, --files
 * s3://bucket/prefix): AWS S3 or anything that speaks its API (MinIO, Ceph,
 * R2, s3rver).
 *
 * Blocking calls, made from worker threads only (the export and the sweeper
 * run on upkeep workers; never an HTTP or runner thread). Requests are
 * signed by libcurl (CURLOPT_AWS_SIGV4) with x-amz-content-sha256 set here
 * to the body's SHA-256, so the store checks what it received; pre-signed
 * GET URLs are signed by crypto/sigv4. Each request is tried up to three
 * times (connection errors, 5xx, 429) with a short backoff; every call is
 * bounded in time (connect 10 s; slower than 1 KiB/s for 60 s aborts it;
 * s3_check: one try, 10 s in all).
 *
 * An upload (s3_upload_*) streams: bytes are gathered into parts of
 * part_size; the first full part starts a multipart upload, and each full
 * part is handed to an uploader thread, which sends parts one at a time
 * (at most S3_PARTS_IN_FLIGHT parts queued, the one being sent included,
 * so memory is bounded by S3_PARTS_IN_FLIGHT + 1 parts) while the writer
 * fills the next. While the writer waits on the store (a full queue, the
 * last parts, the completion) it calls its keep-alive about every second
 * (s3_upload_set_keep): a job renews its lease there, and stops the upload
 * by returning false. An upload that never fills one part is
 * one PUT. The object appears only when s3_upload_finish completes it;
 * s3_upload_abort (or any failure) aborts the multipart upload, so a failed
 * export leaves no object and no upload behind. A process killed mid-upload
 * leaves its multipart upload pending: s3_uploads_list finds it and
 * s3_upload_cancel removes it (jobs/batch.c does both).
 */
#ifndef SOCIALD_PLATFORMS_S3_H
#define SOCIALD_PLATFORMS_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define S3_PARTS_IN_FLIGHT 2
#define S3_MAX_PARTS       10000 /* S3's limit */
#define S3_MIN_PART        ((size_t)5 << 20)

/* Where the endpoint, region and credentials come from: the standard
 * variables (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, AWS_REGION or
 * AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN), as the caller read them; NULL when unset. */
struct s3_env {
    const char *endpoint;
    const char *region;
    const char *access_key;
    const char *secret_key;
    const char *session_token;
};

/* Reads struct s3_env from the process environment (pointers into it). */
void s3_env_from_process(struct s3_env *env);

enum s3_addressing {
    S3_ADDR_AUTO = 0, /* virtual-hosted on AWS, path-style on another endpoint */
    S3_ADDR_PATH,     /* https://endpoint/bucket/key */
    S3_ADDR_VIRTUAL,  /* https://bucket.endpoint/key */
};

struct s3;

/*
 * Parses url ("s3://bucket" or "s3://bucket/prefix") with env into a new
 * client (freed with s3_free). False, with a message in err, when the URL,
 * the bucket name, the endpoint or the credentials are unusable. Does not
 * contact the store (s3_check does).
 */
bool s3_open(const char *url, const struct s3_env *env, enum s3_addressing addressing,
             size_t part_size, struct s3 **out, char *err, size_t errlen);
void s3_free(struct s3 *s);

/* The key prefix, "" or ending in '/' (owned by s; e.g. "exports/"). */
const char *s3_prefix(const struct s3 *s);
/* "s3://bucket/prefix at endpoint" for logs (owned by s). */
const char *s3_describe(const struct s3 *s);

/* Lists one key under the prefix: true when the bucket answers to these
 * credentials (used at start, so a wrong setting fails loudly, early). */
bool s3_check(struct s3 *s, char *err, size_t errlen);

/* Deletes key (relative to the prefix). Deleting a missing key succeeds. */
bool s3_delete(struct s3 *s, const char *key, char *err, size_t errlen);

/* A pre-signed GET URL for key (relative to the prefix), signed as of
 * signed_at_s (unix seconds) and valid for expires_s seconds from then (1 to
 * 604,800, SigV4's limit); in a. NULL when expires_s is out of range. */
const char *s3_presign_get(struct s3 *s, struct arena *a, const char *key, int64_t signed_at_s,
                           int64_t expires_s);

/* ---- streaming uploads ---- */

struct s3_upload;

/* Starts an upload to key (relative to the prefix) of content_type. Sends
 * nothing yet; never fails (errors surface at write or finish). */
struct s3_upload *s3_upload_begin(struct s3 *s, const char *key, const char *content_type);
/* Sets the keep-alive the writer calls while it waits on the store (see
 * above); fn must be cheap when called often (rate-limit inside). */
void s3_upload_set_keep(struct s3_upload *u, bool (*fn)(void *arg), void *arg);
/* Appends n bytes; may block while S3_PARTS_IN_FLIGHT parts are in
 * flight. False once the upload has failed (s3_upload_error says why). */
bool s3_upload_write(struct s3_upload *u, const void *p, size_t n);
/* Sends what is left and completes the upload: true when the object is
 * stored whole. Frees u either way (on failure after aborting the
 * multipart upload); err gets the reason. */
bool s3_upload_finish(struct s3_upload *u, char *err, size_t errlen);
/* Abandons the upload: the multipart upload, if started, is aborted; frees
 * u. */
void s3_upload_abort(struct s3_upload *u);
/* Why the upload failed (owned by u), or NULL while it has not. */
const char *s3_upload_failure(struct s3_upload *u);
/* Bytes accepted so far. */
uint64_t s3_upload_bytes(const struct s3_upload *u);
/* Parts sent so far (0 while everything fits one part). */
unsigned s3_upload_parts(const struct s3_upload *u);

/* ---- multipart uploads left behind ---- */

struct s3_pending {
    const char *key; /* relative to the prefix */
    const char *upload_id;
    int64_t initiated_ms; /* 0 when the store did not say */
};

/* The multipart uploads not completed nor aborted whose keys start with
 * prefix + sub; at most max, in a. */
bool s3_uploads_list(struct s3 *s, struct arena *a, const char *sub, size_t max,
                     struct s3_pending **out, size_t *n, char *err, size_t errlen);
/* Aborts one pending upload (one that is gone already counts as done). */
bool s3_upload_cancel(struct s3 *s, const char *key, const char *upload_id, char *err,
                      size_t errlen);

/* ---- reading the store's XML answers (exposed for tests and fuzzing) ---- */

/* The text of the first <tag>…</tag> at or after *pos in xml[0..n), XML
 * entities decoded, in a; *pos moves past it. NULL when there is none. */
const char *s3_xml_text(struct arena *a, const char *xml, size_t n, size_t *pos, const char *tag);
/* The element <tag>…</tag> at or after *pos as a slice (start, len) of xml,
 * its contents only; *pos moves past it. False when there is none. */
bool s3_xml_element(const char *xml, size_t n, size_t *pos, const char *tag, size_t *start,
                    size_t *len);

#endif
