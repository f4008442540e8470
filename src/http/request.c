/*
 * request: the handler-facing helpers that need no HTTP library (see
 * request.h); header and address lookups live in server.c.
 */
#include "http/request.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *req_query(struct req *r, const char *name)
{
    for (size_t i = 0; i < r->nquery; i++)
        if (!strcmp(r->query[i].key, name))
            return r->query[i].val;
    return NULL;
}

const char *req_form(struct req *r, const char *name)
{
    for (size_t i = 0; i < r->nform; i++)
        if (!strcmp(r->form[i].key, name))
            return r->form[i].val;
    return NULL;
}

enum status req_query_bool(struct req *r, const char *name, bool dflt, bool *out)
{
    const char *v = req_query(r, name);
    if (!v) {
        *out = dflt;
        return ST_OK;
    }
    if (!str_to_bool(v, out))
        return req_fail(r, ST_BAD_PARAM, name, "must be true, false, 1 or 0");
    return ST_OK;
}

/* Index of "name[N]" or "name[]" keys: returns N, -1 for "[]", -2 for no match. */
static long array_index(const char *key, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(key, name, n) || key[n] != '[')
        return -2;
    const char *p = key + n + 1;
    if (*p == ']' && p[1] == '\0')
        return -1;
    char *end = NULL;
    long idx = strtol(p, &end, 10);
    if (end == p || *end != ']' || end[1] != '\0' || idx < 0 || idx > 100000)
        return -2;
    return idx;
}

size_t req_query_array(struct req *r, const char *name, const char **out, size_t max)
{
    size_t count = 0;
    for (size_t i = 0; i < r->nquery && count < max; i++) {
        const char *k = r->query[i].key, *v = r->query[i].val;
        if (!strcmp(k, name)) {
            /* name=a,b (and repeated name=) */
            const char *p = v;
            while (count < max) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p);
                struct slice s = {p, len};
                while (s.n && (*s.p == ' ')) {
                    s.p++;
                    s.n--;
                }
                while (s.n && s.p[s.n - 1] == ' ')
                    s.n--;
                if (s.n)
                    out[count++] = arena_strndup(r->arena, s.p, s.n);
                if (!comma)
                    break;
                p = comma + 1;
            }
        } else if (array_index(k, name) != -2 && *v) {
            /* name[0]=a&name[1]=b: the SDKs send them in index order. */
            out[count++] = v;
        }
    }
    return count;
}

void req_add_header(struct req *r, const char *name, const char *value)
{
    for (int i = 0; i < r->nhdrs; i++) {
        if (!strcmp(r->hdrs[i].key, name)) {
            r->hdrs[i].val = value;
            return;
        }
    }
    if (r->nhdrs < REQ_MAX_HEADERS) {
        r->hdrs[r->nhdrs].key = name;
        r->hdrs[r->nhdrs].val = value;
        r->nhdrs++;
    }
}

static void release_json(void *p)
{
    json_decref(p);
}

static json_t *details(struct req *r)
{
    if (!r->err_details) {
        r->err_details = json_object();
        arena_on_free(r->arena, release_json, r->err_details);
    }
    return r->err_details;
}

void req_detail_str(struct req *r, const char *key, const char *value)
{
    json_object_set_new(details(r), key, json_string(value ? value : ""));
}

void req_detail_int(struct req *r, const char *key, int64_t v)
{
    json_object_set_new(details(r), key, json_integer((json_int_t)v));
}

enum status req_fail(struct req *r, enum status s, const char *field, const char *reason)
{
    if (field)
        req_detail_str(r, "field", field);
    if (reason)
        req_detail_str(r, "reason", reason);
    return s;
}
