/* JSON bodies through the body validators: the generic field readers with
 * every kind of field, and PATCH /api/user/gbp's whole validation (its
 * Google body and update mask built from what passed). */
#include "fuzz.h"
#include "api/api.h"
#include "api/fields.h"

#include <jansson.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(body)) {
        json_decref(body);
        return 0;
    }
    struct arena *a = arena_new();
    struct req *r = arena_alloc(a, sizeof(*r));
    memset(r, 0, sizeof(*r));
    r->arena = a;
    r->file_fd = -1;
    r->body = body;

    struct fields f, sub;
    const char *s = NULL, *arr = NULL;
    double d;
    bool b;
    fields_init(&f, r);
    fields_str(&f, "title", 1, 100, false, &s);
    fields_str(&f, "email", 0, 320, true, &s);
    fields_bool(&f, "hideTitle", &b);
    fields_number(&f, "expiresIn", &d);
    fields_str_array(&f, "tags", 10, 1, 64, NULL, &arr);
    static const char *const nets[] = {"facebook", "twitter", NULL};
    fields_str_array(&f, "allowedSocial", 10, 1, 32, nets, &arr);
    if (fields_object(&f, "profile", &sub)) {
        fields_str(&sub, "description", 0, 750, false, &s);
        fields_merge(&f, &sub);
    }
    fields_done(&f);

    struct gbp_update u;
    api_gbp_parse(r, &u);

    arena_free(a); /* frees err_details too */
    json_decref(body);
    return 0;
}
