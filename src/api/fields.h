/*
 * fields: reading and validating JSON body fields, collecting every
 * problem at once.
 *
 * A handler reads each field it knows with a fields_* call; absent fields
 * leave the output untouched and return false, malformed ones are recorded.
 * fields_done() then answers 600 with details {field, reason} of the first
 * problem and "fields": [{field, reason}, ...] listing all of them, so a
 * client fixes its request in one round. Unknown fields are ignored (SPEC §1).
 */
#ifndef SOCIALD_API_FIELDS_H
#define SOCIALD_API_FIELDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "http/request.h"

struct fields {
    struct req *r;
    json_t *obj;        /* the object read from: the body, or a nested object */
    json_t *errors;     /* [{field, reason}] */
    const char *prefix; /* "phoneNumbers." for nested objects, "" at the top */
};

/* Starts reading r's body (an empty body reads as {}). */
void fields_init(struct fields *f, struct req *r);
/* Records a problem with field (its full name is prefix + name). */
void fields_fail(struct fields *f, const char *name, const char *reason);
/* True when the field is present (even null). */
bool fields_has(struct fields *f, const char *name);
/*
 * A string of min..max characters (Unicode code points) without control
 * characters. When nullable, null sets *out = NULL and returns true.
 * Returns true when present and valid.
 */
bool fields_str(struct fields *f, const char *name, size_t min, size_t max, bool nullable,
                const char **out);
/* A JSON boolean. */
bool fields_bool(struct fields *f, const char *name, bool *out);
/* A JSON number (integer or real). */
bool fields_number(struct fields *f, const char *name, double *out);
/*
 * An array of at most max_items strings of min..max characters each; when
 * allowed is non-NULL every item must be one of it (NULL-terminated).
 * *out_json is the array re-encoded compactly (arena string), for storage.
 */
bool fields_str_array(struct fields *f, const char *name, size_t max_items, size_t min, size_t max,
                      const char *const *allowed, const char **out_json);
/* A nested object: *sub reads from it with names prefixed "name.". */
bool fields_object(struct fields *f, const char *name, struct fields *sub);
/* Adopts a nested reader's problems. */
void fields_merge(struct fields *f, struct fields *sub);
/* True when no problem was recorded. */
bool fields_ok(const struct fields *f);
/* ST_OK, or ST_BAD_PARAM with the details above. */
enum status fields_done(struct fields *f);

#endif
