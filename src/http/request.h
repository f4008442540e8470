/*
 * request: what a handler sees of an HTTP request, and what it fills in for
 * the answer. Handlers never see libmicrohttpd (DESIGN.md "the way a request
 * travels", STYLE.md rule 9).
 *
 * Everything reachable from a struct req lives in its arena and is released
 * when the request completes.
 */
#ifndef SOCIALD_HTTP_REQUEST_H
#define SOCIALD_HTTP_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/status.h"
#include "util/arena.h"
#include "util/buf.h"

#define REQ_MAX_PARAMS  4
#define REQ_MAX_HEADERS 16
#define REQ_ID_LEN      16

enum http_method {
    HM_GET = 1u << 0,
    HM_POST = 1u << 1,
    HM_PUT = 1u << 2,
    HM_PATCH = 1u << 3,
    HM_DELETE = 1u << 4,
    HM_HEAD = 1u << 5,
    HM_OPTIONS = 1u << 6,
    HM_OTHER = 1u << 7,
};

struct kv {
    const char *key;
    const char *val;
};

struct route;
struct http_conn;

struct req {
    struct arena *arena;
    const struct route *route;
    enum http_method method;
    const char *path; /* raw (still percent-encoded) path */
    char id[REQ_ID_LEN + 1];
    int64_t start_us;                   /* monotonic, for latency */
    const char *params[REQ_MAX_PARAMS]; /* decoded path parameters, in order */
    int nparams;
    struct kv *query; /* decoded query arguments, in order */
    size_t nquery;
    json_t *body;        /* the JSON object sent, or NULL when the body was empty */
    struct buf body_raw; /* the bytes received, capped by the route's limit */
    struct kv *form;     /* a ROUTE_BODY_FORM route's decoded fields, in order */
    size_t nform;
    void *principal; /* set by the application's middleware */

    /* The answer. */
    struct buf out;           /* body; JSON unless content_type is set */
    const char *content_type; /* NULL: application/json; charset=utf-8 */
    unsigned http_status;     /* 0: from the status table */
    const char *err_message;  /* overrides the table's message */
    json_t *err_details;      /* the error body's "details" object */
    json_t *err_extra;        /* more top-level members of the error body (owned) */
    struct kv hdrs[REQ_MAX_HEADERS];
    int nhdrs;
    int file_fd; /* req_send_file: >= 0 answers with this file's bytes */
    uint64_t file_off, file_len;

    struct http_conn *conn; /* private to the HTTP layer */
};

/* Splits a query string or urlencoded form q into decoded key/value pairs
 * (arena); 600 naming `what` when malformed or over 256 pairs. */
enum status req_parse_pairs(struct req *r, const char *q, const char *what, struct kv **out,
                            size_t *nout);
/* The value of request header name (case-insensitive), or NULL. */
const char *req_header(struct req *r, const char *name);
/* The first value of query argument name, or NULL. */
const char *req_query(struct req *r, const char *name);
/* The first value of form field name (ROUTE_BODY_FORM routes), or NULL. */
const char *req_form(struct req *r, const char *name);
/*
 * Reads query argument name as a boolean (true/false/1/0, any case).
 * Absent: *out = dflt. Present but malformed: fails the request with 600.
 */
enum status req_query_bool(struct req *r, const char *name, bool dflt, bool *out);
/*
 * Collects the values of an array argument sent as name[0]=a&name[1]=b,
 * name[]=a, name=a&name=b or name=a,b. Returns the count (at most max);
 * the strings live in the arena.
 */
size_t req_query_array(struct req *r, const char *name, const char **out, size_t max);
/*
 * Answers (with ST_OK) len bytes of the open file fd from offset, sent
 * with sendfile; content_type and headers apply as usual, the body buffer
 * is ignored. The HTTP layer owns fd from this call on and closes it.
 */
void req_send_file(struct req *r, int fd, uint64_t offset, uint64_t len);
/* Adds a response header; both strings must live as long as the request. */
void req_add_header(struct req *r, const char *name, const char *value);
/* Sets the error details {field, reason} and returns s, for one-line fails. */
enum status req_fail(struct req *r, enum status s, const char *field, const char *reason);
/* Adds key = value (a string) to the error details, creating them. */
void req_detail_str(struct req *r, const char *key, const char *value);
/* Adds key = v (an integer) to the error details, creating them. */
void req_detail_int(struct req *r, const char *key, int64_t v);
/* The client's IP address as text (arena string). */
const char *req_client_ip(struct req *r);

#endif
