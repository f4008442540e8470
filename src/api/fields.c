/*
 * fields: body field validation (see fields.h).
 */
#include "api/fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void release_json(void *p)
{
    json_decref(p);
}

void fields_init(struct fields *f, struct req *r)
{
    f->r = r;
    f->obj = r->body;
    f->errors = json_array();
    f->prefix = "";
    arena_on_free(r->arena, release_json, f->errors);
}

void fields_fail(struct fields *f, const char *name, const char *reason)
{
    char full[256];
    snprintf(full, sizeof(full), "%s%s", f->prefix, name);
    json_array_append_new(f->errors, json_pack("{s:s, s:s}", "field", full, "reason", reason));
}

static json_t *get(struct fields *f, const char *name)
{
    return f->obj ? json_object_get(f->obj, name) : NULL;
}

bool fields_has(struct fields *f, const char *name)
{
    return get(f, name) != NULL;
}

/* Characters (code points) in a valid UTF-8 string; -1 when it holds a
 * control character (tab and newline excepted). */
static long text_len(const char *s)
{
    long n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
            return -1;
        if ((*p & 0xC0) != 0x80)
            n++;
    }
    return n;
}

static bool check_str(struct fields *f, const char *name, const char *s, size_t min, size_t max)
{
    long n = text_len(s);
    char reason[96];
    if (n < 0) {
        fields_fail(f, name, "must not contain control characters");
        return false;
    }
    if ((size_t)n < min || (size_t)n > max) {
        if (min == max)
            snprintf(reason, sizeof(reason), "must be %zu characters", min);
        else
            snprintf(reason, sizeof(reason), "must be %zu to %zu characters", min, max);
        fields_fail(f, name, reason);
        return false;
    }
    return true;
}

bool fields_str(struct fields *f, const char *name, size_t min, size_t max, bool nullable,
                const char **out)
{
    json_t *v = get(f, name);
    if (!v)
        return false;
    if (json_is_null(v) && nullable) {
        *out = NULL;
        return true;
    }
    if (!json_is_string(v)) {
        fields_fail(f, name, nullable ? "must be a string or null" : "must be a string");
        return false;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        fields_fail(f, name, "must not contain NUL characters");
        return false;
    }
    if (!check_str(f, name, s, min, max))
        return false;
    *out = arena_strdup(f->r->arena, s);
    return true;
}

bool fields_bool(struct fields *f, const char *name, bool *out)
{
    json_t *v = get(f, name);
    if (!v)
        return false;
    if (!json_is_boolean(v)) {
        fields_fail(f, name, "must be true or false");
        return false;
    }
    *out = json_is_true(v);
    return true;
}

bool fields_number(struct fields *f, const char *name, double *out)
{
    json_t *v = get(f, name);
    if (!v)
        return false;
    if (!json_is_number(v)) {
        fields_fail(f, name, "must be a number");
        return false;
    }
    *out = json_number_value(v);
    return true;
}

bool fields_str_array(struct fields *f, const char *name, size_t max_items, size_t min, size_t max,
                      const char *const *allowed, const char **out_json)
{
    json_t *v = get(f, name);
    if (!v)
        return false;
    char reason[160];
    if (!json_is_array(v)) {
        fields_fail(f, name, "must be an array of strings");
        return false;
    }
    if (json_array_size(v) > max_items) {
        snprintf(reason, sizeof(reason), "must have at most %zu items", max_items);
        fields_fail(f, name, reason);
        return false;
    }
    size_t i;
    json_t *item;
    bool ok = true;
    json_array_foreach(v, i, item)
    {
        char iname[128];
        snprintf(iname, sizeof(iname), "%s[%zu]", name, i);
        if (!json_is_string(item)) {
            fields_fail(f, iname, "must be a string");
            ok = false;
            continue;
        }
        const char *s = json_string_value(item);
        if (strlen(s) != json_string_length(item)) {
            fields_fail(f, iname, "must not contain NUL characters");
            ok = false;
            continue;
        }
        if (!check_str(f, iname, s, min, max)) {
            ok = false;
            continue;
        }
        if (allowed) {
            bool found = false;
            for (size_t k = 0; allowed[k]; k++)
                if (!strcmp(allowed[k], s))
                    found = true;
            if (!found) {
                snprintf(reason, sizeof(reason), "'%.40s' is not one of the allowed values", s);
                fields_fail(f, iname, reason);
                ok = false;
            }
        }
    }
    if (!ok)
        return false;
    char *enc = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    *out_json = arena_strdup(f->r->arena, enc ? enc : "[]");
    free(enc);
    return true;
}

bool fields_object(struct fields *f, const char *name, struct fields *sub)
{
    json_t *v = get(f, name);
    if (!v)
        return false;
    if (!json_is_object(v)) {
        fields_fail(f, name, "must be an object");
        return false;
    }
    sub->r = f->r;
    sub->obj = v;
    sub->errors = f->errors; /* problems land in the parent's list */
    sub->prefix = arena_printf(f->r->arena, "%s%s.", f->prefix, name);
    return true;
}

void fields_merge(struct fields *f, struct fields *sub)
{
    if (sub->errors == f->errors)
        return;
    json_array_extend(f->errors, sub->errors);
}

bool fields_ok(const struct fields *f)
{
    return json_array_size(f->errors) == 0;
}

enum status fields_done(struct fields *f)
{
    if (fields_ok(f))
        return ST_OK;
    json_t *first = json_array_get(f->errors, 0);
    req_detail_str(f->r, "field", json_string_value(json_object_get(first, "field")));
    req_detail_str(f->r, "reason", json_string_value(json_object_get(first, "reason")));
    json_object_set(f->r->err_details, "fields", f->errors);
    return ST_BAD_PARAM;
}
