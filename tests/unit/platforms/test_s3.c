#include "suites.h"
#include "platforms/s3.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>

static const struct s3_env aws_env = {
    .access_key = "AKIAIOSFODNN7EXAMPLE",
    .secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

static struct s3 *open_ok(const char *url, const struct s3_env *env, enum s3_addressing how)
{
    struct s3 *s = NULL;
    char err[256] = "";
    ck_assert_msg(s3_open(url, env, how, (size_t)8 << 20, &s, err, sizeof(err)), "%s", err);
    return s;
}

static void open_fails(const char *url, const struct s3_env *env, size_t part, const char *why)
{
    struct s3 *s = NULL;
    char err[256] = "";
    ck_assert(!s3_open(url, env, S3_ADDR_AUTO, part, &s, err, sizeof(err)));
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err, why) != NULL, "\"%s\" does not say \"%s\"", err, why);
}

/* The S3 API Reference's pre-signed URL example ("Authenticating Requests:
 * Using Query Parameters"), through the client: virtual-hosted style on
 * the global endpoint, no prefix, 24 hours from 2013-05-24T00:00:00Z. */
START_TEST(presigned_url_is_awss_example)
{
    struct s3_env env = aws_env;
    env.endpoint = "https://s3.amazonaws.com";
    struct s3 *s = open_ok("s3://examplebucket", &env, S3_ADDR_VIRTUAL);
    struct arena *a = arena_new();
    const char *url = s3_presign_get(s, a, "test.txt", 1369353600, 86400);
    ck_assert_str_eq(url, "https://examplebucket.s3.amazonaws.com/test.txt"
                          "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                          "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F"
                          "aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
                          "&X-Amz-SignedHeaders=host&X-Amz-Signature="
                          "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    /* SigV4's limits: at least a second, at most seven days. */
    ck_assert_ptr_null(s3_presign_get(s, a, "test.txt", 1369353600, 0));
    ck_assert_ptr_null(s3_presign_get(s, a, "test.txt", 1369353600, 604801));
    ck_assert_ptr_nonnull(s3_presign_get(s, a, "test.txt", 1369353600, 604800));
    arena_free(a);
    s3_free(s);
}
END_TEST

START_TEST(addressing_and_prefix)
{
    struct arena *a = arena_new();
    /* AWS without an endpoint: virtual-hosted in the region. */
    struct s3_env env = aws_env;
    env.region = "eu-west-1";
    struct s3 *s = open_ok("s3://my-exports/a b/c//", &env, S3_ADDR_AUTO);
    ck_assert_str_eq(s3_prefix(s), "a b/c/");
    const char *url = s3_presign_get(s, a, "batch/x/f.json", 1369353600, 60);
    ck_assert_msg(
        str_starts(url, "https://my-exports.s3.eu-west-1.amazonaws.com/a%20b/c/batch/x/f.json?"),
        "%s", url);
    ck_assert(strstr(url, "%2Feu-west-1%2Fs3%2F") != NULL);
    s3_free(s);
    /* A bucket with dots cannot be a TLS host name: path style. */
    s = open_ok("s3://my.exports", &env, S3_ADDR_AUTO);
    url = s3_presign_get(s, a, "k", 1369353600, 60);
    ck_assert_msg(str_starts(url, "https://s3.eu-west-1.amazonaws.com/my.exports/k?"), "%s", url);
    ck_assert_str_eq(s3_prefix(s), "");
    s3_free(s);
    /* Another endpoint (MinIO, s3rver): path style, its port kept. */
    env.endpoint = "http://127.0.0.1:9000/";
    s = open_ok("s3://bucket/p", &env, S3_ADDR_AUTO);
    url = s3_presign_get(s, a, "k", 1369353600, 60);
    ck_assert_msg(str_starts(url, "http://127.0.0.1:9000/bucket/p/k?"), "%s", url);
    ck_assert(strstr(s3_describe(s), "path style") != NULL);
    s3_free(s);
    /* ... unless told virtual-hosted. */
    env.endpoint = "https://storage.example.com";
    s = open_ok("s3://bucket/p", &env, S3_ADDR_VIRTUAL);
    url = s3_presign_get(s, a, "k", 1369353600, 60);
    ck_assert_msg(str_starts(url, "https://bucket.storage.example.com/p/k?"), "%s", url);
    s3_free(s);
    /* A session token travels in the URL, signed. */
    env.session_token = "FQoGZXIvYXdzE/token";
    s = open_ok("s3://bucket", &env, S3_ADDR_PATH);
    url = s3_presign_get(s, a, "k", 1369353600, 60);
    ck_assert_msg(strstr(url, "X-Amz-Security-Token=FQoGZXIvYXdzE%2Ftoken") != NULL, "%s", url);
    s3_free(s);
    arena_free(a);
}
END_TEST

START_TEST(settings_that_cannot_work_are_refused)
{
    size_t part = (size_t)8 << 20;
    open_fails("https://bucket/x", &aws_env, part, "s3://bucket");
    open_fails("s3://", &aws_env, part, "not an S3 bucket name");
    open_fails("s3://ab", &aws_env, part, "not an S3 bucket name");
    open_fails("s3://Upper", &aws_env, part, "not an S3 bucket name");
    open_fails("s3://-dash", &aws_env, part, "not an S3 bucket name");
    open_fails("s3://under_score", &aws_env, part, "not an S3 bucket name");
    open_fails("s3://bucket//x", &aws_env, part, "prefix");
    open_fails("s3://bucket/a\nb", &aws_env, part, "prefix");
    char long_prefix[700];
    memset(long_prefix, 'p', sizeof(long_prefix) - 1);
    long_prefix[sizeof(long_prefix) - 1] = '\0';
    char url[800];
    snprintf(url, sizeof(url), "s3://bucket/%s", long_prefix);
    open_fails(url, &aws_env, part, "prefix");
    struct s3_env env = aws_env;
    env.secret_key = NULL;
    open_fails("s3://bucket", &env, part, "AWS_SECRET_ACCESS_KEY");
    env = aws_env;
    env.access_key = "";
    open_fails("s3://bucket", &env, part, "AWS_ACCESS_KEY_ID");
    env = aws_env;
    env.endpoint = "ftp://host";
    open_fails("s3://bucket", &env, part, "http:// or https://");
    env.endpoint = "https://host/path";
    open_fails("s3://bucket", &env, part, "no path");
    env.endpoint = "https://user:pw@host";
    open_fails("s3://bucket", &env, part, "no path");
    env = aws_env;
    env.region = "us/east";
    open_fails("s3://bucket", &env, part, "region");
    open_fails("s3://bucket", &aws_env, (size_t)4 << 20, "part size");
}
END_TEST

START_TEST(xml_answers)
{
    struct arena *a = arena_new();
    const char *x = "<?xml version=\"1.0\"?><ListMultipartUploadsResult><Bucket>b</Bucket>"
                    "<IsTruncated>true</IsTruncated><NextKeyMarker>k&amp;2</NextKeyMarker>"
                    "<Upload><Key>a/&lt;1&gt;</Key><UploadId>id1</UploadId></Upload>"
                    "<Upload><Key>a/2</Key><UploadId>id2</UploadId>"
                    "<Initiated>2026-12-02T10:00:00.000Z</Initiated></Upload>"
                    "</ListMultipartUploadsResult>";
    size_t n = strlen(x), pos = 0, start, len;
    ck_assert_str_eq(s3_xml_text(a, x, n, &pos, "NextKeyMarker"), "k&2");
    pos = 0;
    ck_assert_str_eq(s3_xml_text(a, x, n, &pos, "IsTruncated"), "true");
    pos = 0;
    const char *keys[2], *ids[2];
    int found = 0;
    while (s3_xml_element(x, n, &pos, "Upload", &start, &len)) {
        size_t p = 0;
        ck_assert_int_lt(found, 2);
        keys[found] = s3_xml_text(a, x + start, len, &p, "Key");
        p = 0;
        ids[found] = s3_xml_text(a, x + start, len, &p, "UploadId");
        found++;
    }
    ck_assert_int_eq(found, 2);
    ck_assert_str_eq(keys[0], "a/<1>");
    ck_assert_str_eq(ids[0], "id1");
    ck_assert_str_eq(keys[1], "a/2");
    ck_assert_str_eq(ids[1], "id2");
    /* Missing, unclosed, empty, a tag that only starts like another. */
    pos = 0;
    ck_assert_ptr_null(s3_xml_text(a, x, n, &pos, "Code"));
    pos = 0;
    ck_assert_ptr_null(s3_xml_text(a, "<Code>open", 10, &pos, "Code"));
    pos = 0;
    ck_assert_str_eq(s3_xml_text(a, "<Code></Code>", 13, &pos, "Code"), "");
    pos = 0;
    ck_assert_ptr_null(s3_xml_text(a, "<CodeX>1</CodeX>", 16, &pos, "Code"));
    /* Bounded by n, not by a NUL. */
    pos = 0;
    ck_assert_ptr_null(s3_xml_text(a, "<Code>1</Code>", 10, &pos, "Code"));
    /* An unknown entity stays as written. */
    pos = 0;
    ck_assert_str_eq(s3_xml_text(a, "<Code>&#38;&x</Code>", 20, &pos, "Code"), "&#38;&x");
    arena_free(a);
}
END_TEST

Suite *s3_suite(void)
{
    Suite *s = suite_create("platforms/s3");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, presigned_url_is_awss_example);
    tcase_add_test(tc, addressing_and_prefix);
    tcase_add_test(tc, settings_that_cannot_work_are_refused);
    tcase_add_test(tc, xml_answers);
    suite_add_tcase(s, tc);
    return s;
}
