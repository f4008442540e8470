/* api/fields: each body field reader with a good value, a value of the
 * wrong type and values at and past its bounds; every problem is reported
 * at once by fields_done(). */
#include "suites.h"
#include "api/fields.h"

#include <string.h>

/* A request whose JSON body is text (arena-owned; the body is released
 * with the arena). */
static struct req *mkreq(struct arena *a, const char *text)
{
    struct req *r = arena_alloc(a, sizeof(*r));
    r->arena = a;
    r->file_fd = -1;
    json_error_t err;
    r->body = text ? json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err) : NULL;
    ck_assert_msg(!text || r->body, "%s", err.text);
    return r;
}

static void done(struct arena *a, struct req *r)
{
    json_t *body = r->body;
    arena_free(a);
    json_decref(body);
}

/* The reason recorded for field name, or NULL. */
static const char *reason(const struct fields *f, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(f->errors, i, e)
    {
        if (!strcmp(json_string_value(json_object_get(e, "field")), name))
            return json_string_value(json_object_get(e, "reason"));
    }
    return NULL;
}

START_TEST(strings)
{
    struct arena *a = arena_new();
    struct req *r = mkreq(a, "{\"ok\":\"h\\u00e9llo\", \"num\":5, \"empty\":\"\","
                             "\"long\":\"abcdef\", \"ctl\":\"a\\u0001b\", \"nul\":\"a\\u0000b\","
                             "\"tab\":\"a\\tb\\nc\", \"null\":null, \"null2\":null}");
    struct fields f;
    fields_init(&f, r);
    const char *s = "untouched";
    /* 5 characters (é is one, though two bytes). */
    ck_assert(fields_str(&f, "ok", 5, 5, false, &s));
    ck_assert_str_eq(s, "h\xc3\xa9llo");
    ck_assert(fields_str(&f, "tab", 1, 10, false, &s)); /* tab and newline are text */
    ck_assert(!fields_str(&f, "absent", 1, 10, false, &s));
    ck_assert_str_eq(s, "a\tb\nc"); /* absent leaves the output alone */
    ck_assert(fields_ok(&f));

    ck_assert(!fields_str(&f, "num", 0, 10, false, &s));
    ck_assert_str_eq(reason(&f, "num"), "must be a string");
    ck_assert(!fields_str(&f, "empty", 1, 10, false, &s));
    ck_assert_str_eq(reason(&f, "empty"), "must be 1 to 10 characters");
    ck_assert(!fields_str(&f, "long", 5, 5, false, &s));
    ck_assert_str_eq(reason(&f, "long"), "must be 5 characters");
    ck_assert(!fields_str(&f, "ctl", 0, 10, false, &s));
    ck_assert_str_eq(reason(&f, "ctl"), "must not contain control characters");
    ck_assert(!fields_str(&f, "nul", 0, 10, false, &s));
    ck_assert_str_eq(reason(&f, "nul"), "must not contain NUL characters");
    /* null: a value only where nullable. */
    ck_assert(fields_str(&f, "null", 0, 10, true, &s));
    ck_assert_ptr_null(s);
    ck_assert(!fields_str(&f, "null2", 0, 10, false, &s));
    ck_assert_str_eq(reason(&f, "null2"), "must be a string");
    ck_assert(!fields_str(&f, "num", 0, 10, true, &s));
    ck_assert(!fields_ok(&f));
    done(a, r);
}
END_TEST

START_TEST(booleans_and_numbers)
{
    struct arena *a = arena_new();
    struct req *r =
        mkreq(a, "{\"t\":true, \"f\":false, \"one\":1, \"s\":\"true\", \"n\":-2.5, \"i\":7}");
    struct fields f;
    fields_init(&f, r);
    bool b = false;
    double d = 0;
    ck_assert(fields_bool(&f, "t", &b));
    ck_assert(b);
    ck_assert(fields_bool(&f, "f", &b));
    ck_assert(!b);
    ck_assert(fields_number(&f, "n", &d));
    ck_assert(d == -2.5);
    ck_assert(fields_number(&f, "i", &d));
    ck_assert(d == 7);
    ck_assert(!fields_bool(&f, "absent", &b));
    ck_assert(!fields_number(&f, "absent", &d));
    ck_assert(fields_ok(&f));

    ck_assert(!fields_bool(&f, "one", &b));
    ck_assert_str_eq(reason(&f, "one"), "must be true or false");
    ck_assert(!fields_number(&f, "s", &d));
    ck_assert_str_eq(reason(&f, "s"), "must be a number");
    ck_assert(!fields_number(&f, "t", &d));
    done(a, r);
}
END_TEST

START_TEST(string_arrays)
{
    struct arena *a = arena_new();
    struct req *r = mkreq(a, "{\"nets\":[\"facebook\",\"twitter\"], \"none\":[],"
                             "\"many\":[\"a\",\"b\",\"c\"], \"obj\":{}, \"mixed\":[\"a\",2,\"\"],"
                             "\"bad\":[\"facebook\",\"myspace\"]}");
    struct fields f;
    fields_init(&f, r);
    static const char *const allowed[] = {"facebook", "twitter", NULL};
    const char *js = NULL;
    ck_assert(fields_str_array(&f, "nets", 2, 1, 16, allowed, &js));
    ck_assert_str_eq(js, "[\"facebook\",\"twitter\"]");
    ck_assert(fields_str_array(&f, "none", 2, 1, 16, NULL, &js));
    ck_assert_str_eq(js, "[]");
    ck_assert(fields_ok(&f));

    ck_assert(!fields_str_array(&f, "many", 2, 1, 16, NULL, &js));
    ck_assert_str_eq(reason(&f, "many"), "must have at most 2 items");
    ck_assert(!fields_str_array(&f, "obj", 2, 1, 16, NULL, &js));
    ck_assert_str_eq(reason(&f, "obj"), "must be an array of strings");
    /* Each bad item is named by its index. */
    ck_assert(!fields_str_array(&f, "mixed", 5, 1, 16, NULL, &js));
    ck_assert_str_eq(reason(&f, "mixed[1]"), "must be a string");
    ck_assert_str_eq(reason(&f, "mixed[2]"), "must be 1 to 16 characters");
    ck_assert_ptr_null(reason(&f, "mixed[0]"));
    ck_assert(!fields_str_array(&f, "bad", 5, 1, 16, allowed, &js));
    ck_assert_str_eq(reason(&f, "bad[1]"), "'myspace' is not one of the allowed values");
    done(a, r);
}
END_TEST

START_TEST(nested_objects_prefix_their_fields)
{
    struct arena *a = arena_new();
    struct req *r = mkreq(a, "{\"profile\":{\"title\":7, \"ok\":\"x\"}, \"notobj\":[1]}");
    struct fields f, sub;
    fields_init(&f, r);
    ck_assert(fields_has(&f, "profile"));
    ck_assert(!fields_has(&f, "title"));
    ck_assert(fields_object(&f, "profile", &sub));
    const char *s = NULL;
    ck_assert(fields_str(&sub, "ok", 1, 5, false, &s));
    ck_assert(!fields_str(&sub, "title", 1, 5, false, &s));
    fields_merge(&f, &sub);
    ck_assert_str_eq(reason(&f, "profile.title"), "must be a string");
    ck_assert(!fields_object(&f, "notobj", &sub));
    ck_assert_str_eq(reason(&f, "notobj"), "must be an object");
    ck_assert_uint_eq(json_array_size(f.errors), 2); /* merged once, not twice */
    done(a, r);
}
END_TEST

START_TEST(done_reports_every_problem)
{
    struct arena *a = arena_new();
    struct req *r = mkreq(a, "{\"title\":1, \"hide\":\"no\"}");
    struct fields f;
    fields_init(&f, r);
    const char *s;
    bool b;
    fields_str(&f, "title", 1, 10, false, &s);
    fields_bool(&f, "hide", &b);
    ck_assert_int_eq(fields_done(&f), ST_BAD_PARAM);
    /* details: the first problem, and all of them under "fields". */
    ck_assert_str_eq(json_string_value(json_object_get(r->err_details, "field")), "title");
    ck_assert_str_eq(json_string_value(json_object_get(r->err_details, "reason")),
                     "must be a string");
    json_t *all = json_object_get(r->err_details, "fields");
    ck_assert_uint_eq(json_array_size(all), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(all, 1), "field")), "hide");
    done(a, r);
}
END_TEST

START_TEST(an_empty_body_reads_as_no_fields)
{
    struct arena *a = arena_new();
    struct req *r = mkreq(a, NULL);
    struct fields f;
    fields_init(&f, r);
    const char *s = NULL;
    ck_assert(!fields_has(&f, "title"));
    ck_assert(!fields_str(&f, "title", 1, 10, false, &s));
    ck_assert_int_eq(fields_done(&f), ST_OK);
    ck_assert_ptr_null(r->err_details);
    done(a, r);
}
END_TEST

Suite *fields_suite(void)
{
    Suite *s = suite_create("api/fields");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, strings);
    tcase_add_test(tc, booleans_and_numbers);
    tcase_add_test(tc, string_arrays);
    tcase_add_test(tc, nested_objects_prefix_their_fields);
    tcase_add_test(tc, done_reports_every_problem);
    tcase_add_test(tc, an_empty_body_reads_as_no_fields);
    suite_add_tcase(s, tc);
    return s;
}
