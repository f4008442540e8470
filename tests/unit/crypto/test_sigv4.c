/*
 * AWS Signature Version 4 against the vectors AWS publishes:
 *   - the S3 API Reference's examples, credentials AKIAIOSFODNN7EXAMPLE /
 *     wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, 2013-05-24T00:00:00Z:
 *     "Authenticating Requests: Using Query Parameters" (the pre-signed GET)
 *     and "Signature Calculations for the Authorization Header: Transferring
 *     Payload in a Single Chunk" (GET Object, PUT Object, GET Bucket
 *     lifecycle, GET Bucket list objects);
 *   - the General Reference's signing keys (signature-v4-examples: 20120215;
 *     sigv4-calculate-signature: 20150830);
 *   - AWS's signing test suite (aws-signing-test-suite/v4, as shipped in
 *     awslabs/aws-c-auth), credentials AKIDEXAMPLE /
 *     wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, service "service",
 *     2015-08-30T12:36:00Z, in both its header and its query ("presigned")
 *     forms; that suite signs a query with the empty body's hash rather than
 *     UNSIGNED-PAYLOAD, hence sigv4_presign.payload_hash.
 * The S3 cases the documents do not cover (a session token in a pre-signed
 * URL, keys with spaces, UTF-8, '+' and '=', an extra parameter) were
 * checked against botocore's S3SigV4QueryAuth and S3SigV4Auth.
 */
#include "suites.h"
#include "crypto/crypto.h"
#include "crypto/sigv4.h"
#include "util/arena.h"
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

#define T_2013 1369353600LL /* 2013-05-24T00:00:00Z */
#define T_2015 1440938160LL /* 2015-08-30T12:36:00Z */
#define T_2026 1767323045LL /* 2026-01-02T03:04:05Z */

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S3_HOST      "examplebucket.s3.amazonaws.com"
#define SUITE_HOST   "example.amazonaws.com"

static const struct sigv4_creds s3_doc = {
    .access_key = "AKIAIOSFODNN7EXAMPLE",
    .secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    .region = "us-east-1",
    .service = "s3",
};

static const struct sigv4_creds suite = {
    .access_key = "AKIDEXAMPLE",
    .secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    .region = "us-east-1",
    .service = "service",
};

static const char *key_hex(const char *secret, const char *date8, const char *region,
                           const char *service, char hex[65])
{
    unsigned char k[SIGV4_KEY_LEN];
    if (!sigv4_key_derive(secret, date8, region, service, k))
        return NULL;
    crypto_hex(k, sizeof(k), hex);
    return hex;
}

START_TEST(signing_keys_of_the_general_reference)
{
    char hex[65];
    /* signature-v4-examples ("Examples of how to derive a signing key"). */
    ck_assert_str_eq(
        key_hex("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam", hex),
        "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
    /* sigv4-calculate-signature (Task 3), the IAM request of 2015-08-30. */
    ck_assert_str_eq(
        key_hex("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam", hex),
        "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
    /* The key behind every S3 example of 2013-05-24. */
    ck_assert_str_eq(
        key_hex("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3", hex),
        "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378");
}
END_TEST

START_TEST(signing_key_inputs_are_checked)
{
    char hex[65], long_secret[SIGV4_SECRET_MAX + 2];
    memset(long_secret, 'k', sizeof(long_secret) - 1);
    long_secret[sizeof(long_secret) - 1] = '\0';
    ck_assert_ptr_null(key_hex("s", "2012021", "us-east-1", "s3", hex));
    ck_assert_ptr_null(key_hex("s", "201202150", "us-east-1", "s3", hex));
    ck_assert_ptr_null(key_hex("s", "2012O215", "us-east-1", "s3", hex));
    ck_assert_ptr_null(key_hex("", "20120215", "us-east-1", "s3", hex));
    ck_assert_ptr_null(key_hex(NULL, "20120215", "us-east-1", "s3", hex));
    ck_assert_ptr_null(key_hex("s", "20120215", "", "s3", hex));
    ck_assert_ptr_null(key_hex("s", "20120215", "us-east-1/x", "s3", hex));
    ck_assert_ptr_null(key_hex("s", "20120215", "us-east-1", "s 3", hex));
    ck_assert_ptr_null(key_hex(long_secret, "20120215", "us-east-1", "s3", hex));
    long_secret[SIGV4_SECRET_MAX] = '\0';
    ck_assert_ptr_nonnull(key_hex(long_secret, "20120215", "us-east-1", "s3", hex));
}
END_TEST

START_TEST(presigned_get_of_the_s3_documentation)
{
    struct arena *a = arena_new();
    struct sigv4_presign p = {
        .method = "GET",
        .scheme = "https",
        .host = S3_HOST,
        .path = "/test.txt",
        .expires_s = 86400,
    };
    ck_assert_str_eq(sigv4_url_presign(a, &s3_doc, &p, T_2013),
                     "https://examplebucket.s3.amazonaws.com/test.txt"
                     "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                     "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F"
                     "aws4_request"
                     "&X-Amz-Date=20130524T000000Z"
                     "&X-Amz-Expires=86400"
                     "&X-Amz-SignedHeaders=host"
                     "&X-Amz-Signature="
                     "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    arena_free(a);
}
END_TEST

/* The signature at the end of a pre-signed URL. */
static const char *url_sig(const char *url)
{
    const char *s = url ? strstr(url, "&X-Amz-Signature=") : NULL;
    return s ? s + strlen("&X-Amz-Signature=") : "(none)";
}

START_TEST(presigned_urls_of_the_signing_test_suite)
{
    struct arena *a = arena_new();
    struct sigv4_presign p = {
        .method = "GET",
        .scheme = "https",
        .host = SUITE_HOST,
        .path = "/",
        .expires_s = 3600,
        .payload_hash = EMPTY_SHA256,
    };
    /* get-vanilla */
    const char *url = sigv4_url_presign(a, &suite, &p, T_2015);
    ck_assert_str_eq(url, "https://example.amazonaws.com/?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                          "&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2F"
                          "aws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600"
                          "&X-Amz-SignedHeaders=host&X-Amz-Signature="
                          "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d");
    /* get-utf8: U+1234 in the path */
    p.path = "/\xe1\x88\xb4";
    url = sigv4_url_presign(a, &suite, &p, T_2015);
    ck_assert_ptr_nonnull(strstr(url, "amazonaws.com/%E1%88%B4?X-Amz-Algorithm="));
    ck_assert_str_eq(url_sig(url),
                     "10eae3f14a260bd3911cc6d008d3c576d143b05b62f09782a7a4b37f52178e44");
    /* get-space-unnormalized: a space, and no path normalisation */
    p.path = "/example space/";
    url = sigv4_url_presign(a, &suite, &p, T_2015);
    ck_assert_ptr_nonnull(strstr(url, "amazonaws.com/example%20space/?X-Amz-Algorithm="));
    ck_assert_str_eq(url_sig(url),
                     "7a1f416954786484c9824d93c1f26ef64acb9b1b6c9154d08c9f07d0e394abf6");
    /* get-unreserved: nothing to encode */
    p.path = "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    ck_assert_str_eq(url_sig(sigv4_url_presign(a, &suite, &p, T_2015)),
                     "95968482db1b9e0fadef6efc1bd24689f77c77d9ef56919c96a28cc92e0d6005");
    /* get-vanilla-query-order-encoded: extra parameters, sorted by their
     * encoded names among the X-Amz-* ones */
    const struct sigv4_pair params[] = {
        {"Param-3", "Value3"}, {"Param", "Value2"}, {"\xe1\x88\xb4", "Value1"}};
    p.path = "/";
    p.params = params;
    p.n_params = 3;
    url = sigv4_url_presign(a, &suite, &p, T_2015);
    ck_assert_ptr_nonnull(
        strstr(url, "/?%E1%88%B4=Value1&Param=Value2&Param-3=Value3&X-Amz-Algorithm="));
    ck_assert_str_eq(url_sig(url),
                     "c5f1848ceec943ac2ca68ee720460c23aaae30a2300586597ada94c4a65e4787");
    /* get-vanilla-with-session-token: the token is in the signed query */
    struct sigv4_creds tok = suite;
    tok.session_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
    p.params = NULL;
    p.n_params = 0;
    url = sigv4_url_presign(a, &tok, &p, T_2015);
    ck_assert_ptr_nonnull(strstr(url, "&X-Amz-Expires=3600&X-Amz-Security-Token="
                                      "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf"
                                      "194267&X-Amz-SignedHeaders=host&X-Amz-Signature="));
    ck_assert_str_eq(url_sig(url),
                     "7ff2b50b376cb4d151970630573d6291dc128cc5c2a12ffb237f73cc53f67b6c");
    arena_free(a);
}
END_TEST

START_TEST(presigned_s3_urls_with_token_odd_keys_and_parameters)
{
    struct arena *a = arena_new();
    struct sigv4_creds tok = s3_doc;
    tok.session_token = "FQoGZXIvYXdzE+tok/en=";
    struct sigv4_presign p = {
        .method = "GET",
        .scheme = "https",
        .host = S3_HOST,
        .path = "/test.txt",
        .expires_s = 3600,
    };
    const char *url = sigv4_url_presign(a, &tok, &p, T_2013);
    ck_assert_str_eq(url, "https://examplebucket.s3.amazonaws.com/test.txt"
                          "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                          "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F"
                          "aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=3600"
                          "&X-Amz-Security-Token=FQoGZXIvYXdzE%2Btok%2Fen%3D"
                          "&X-Amz-SignedHeaders=host&X-Amz-Signature="
                          "45142ca4940de117d4878a2a14423b74590a4ef5038696ae6f082ea7a522b9d8");
    /* A batch export's key: UTF-8, spaces, '+', '=', parentheses; seven
     * days; a download name. Each segment encoded, its slashes kept. */
    struct sigv4_creds eu = s3_doc;
    eu.region = "eu-west-1";
    const struct sigv4_pair disp[] = {
        {"response-content-disposition", "attachment; filename=\"a b.csv\""}};
    p.path = "/exports/\xc3\xa9t\xc3\xa9 2013/a+b=c (1).csv";
    p.expires_s = SIGV4_EXPIRES_MAX;
    p.params = disp;
    p.n_params = 1;
    url = sigv4_url_presign(a, &eu, &p, T_2026);
    ck_assert_str_eq(url, "https://examplebucket.s3.amazonaws.com"
                          "/exports/%C3%A9t%C3%A9%202013/a%2Bb%3Dc%20%281%29.csv"
                          "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                          "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260102%2Feu-west-1%2Fs3%2F"
                          "aws4_request&X-Amz-Date=20260102T030405Z&X-Amz-Expires=604800"
                          "&X-Amz-SignedHeaders=host"
                          "&response-content-disposition="
                          "attachment%3B%20filename%3D%22a%20b.csv%22"
                          "&X-Amz-Signature="
                          "9d98670c6815f13f64d4320329f5ad041f9faaa38e71065475ceaedeacdaea20");
    arena_free(a);
}
END_TEST

START_TEST(presign_refuses_what_does_not_fit)
{
    struct arena *a = arena_new();
    struct sigv4_presign p = {
        .method = "GET",
        .scheme = "https",
        .host = S3_HOST,
        .path = "/test.txt",
        .expires_s = 1,
    };
    ck_assert_ptr_nonnull(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    p.expires_s = 0;
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    p.expires_s = -1;
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    p.expires_s = SIGV4_EXPIRES_MAX + 1;
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    p.expires_s = SIGV4_EXPIRES_MAX;
    ck_assert_ptr_nonnull(sigv4_url_presign(a, &s3_doc, &p, T_2013));

    /* Time before 1970 or past year 9999. */
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, -1));
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, SIGV4_TIME_MAX + 1));
    ck_assert_ptr_nonnull(sigv4_url_presign(a, &s3_doc, &p, SIGV4_TIME_MAX));

    /* Host: bounded, and nothing that would change where the URL points. */
    static char host[SIGV4_HOST_MAX + 2];
    memset(host, 'h', sizeof(host) - 1);
    p.host = host;
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    host[SIGV4_HOST_MAX] = '\0';
    ck_assert_ptr_nonnull(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    const char *bad_hosts[] = {"",           "evil.com/x", "evil.com?x", "a b",
                               "u@evil.com", "h\r\nx: y",  "evil.com#",  "h%2e"};
    for (size_t i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
        p.host = bad_hosts[i];
        ck_assert_msg(!sigv4_url_presign(a, &s3_doc, &p, T_2013), "host %s", bad_hosts[i]);
    }
    p.host = "127.0.0.1:9000";
    ck_assert_ptr_nonnull(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    p.host = "[::1]:9000";
    ck_assert_ptr_nonnull(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    p.host = S3_HOST;

    /* Path: starts with '/', bounded. */
    static char path[SIGV4_PATH_MAX + 2];
    memset(path, 'k', sizeof(path) - 1);
    path[0] = '/';
    p.path = path;
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    path[SIGV4_PATH_MAX] = '\0';
    ck_assert_ptr_nonnull(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    memset(path, 0xe9, SIGV4_PATH_MAX); /* every byte tripled by encoding */
    path[0] = '/';
    ck_assert_ptr_nonnull(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    p.path = "test.txt";
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    p.path = "";
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    p.path = NULL;
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    p.path = "/test.txt";

    /* Method and scheme. */
    p.method = "get";
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    p.method = "GET\n";
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    p.method = "GET";
    p.scheme = "ftp";
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    p.scheme = "http";
    ck_assert_int_eq(strncmp(sigv4_url_presign(a, &s3_doc, &p, T_2013), "http://", 7), 0);
    p.scheme = "https";
    p.payload_hash = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    p.payload_hash = NULL;

    /* Credentials: over-long or malformed keys, tokens, region. */
    struct sigv4_creds c = s3_doc;
    static char big[SIGV4_TOKEN_MAX + 2];
    memset(big, 'A', sizeof(big) - 1);
    c.access_key = big;
    ck_assert_ptr_null(sigv4_url_presign(a, &c, &p, T_2013));
    c.access_key = "AKIA/EXAMPLE";
    ck_assert_ptr_null(sigv4_url_presign(a, &c, &p, T_2013));
    c.access_key = "AKIA EXAMPLE";
    ck_assert_ptr_null(sigv4_url_presign(a, &c, &p, T_2013));
    c.access_key = "";
    ck_assert_ptr_null(sigv4_url_presign(a, &c, &p, T_2013));
    c = s3_doc;
    c.secret_key = big;
    ck_assert_ptr_null(sigv4_url_presign(a, &c, &p, T_2013));
    c = s3_doc;
    c.session_token = big;
    ck_assert_ptr_null(sigv4_url_presign(a, &c, &p, T_2013));
    big[SIGV4_TOKEN_MAX] = '\0';
    ck_assert_ptr_nonnull(sigv4_url_presign(a, &c, &p, T_2013));
    c.session_token = "tok\r\nen";
    ck_assert_ptr_null(sigv4_url_presign(a, &c, &p, T_2013));
    c.session_token = ""; /* none */
    ck_assert_str_eq(url_sig(sigv4_url_presign(a, &c, &p, T_2013)),
                     url_sig(sigv4_url_presign(a, &s3_doc, &p, T_2013)));
    c = s3_doc;
    c.region = "us-east-1/../x";
    ck_assert_ptr_null(sigv4_url_presign(a, &c, &p, T_2013));
    ck_assert_ptr_null(sigv4_url_presign(a, NULL, &p, T_2013));
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, NULL, T_2013));

    /* Extra parameters: none named like the signer's own, bounded. */
    const char *taken[] = {"X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Date",
                           "X-Amz-Expires",   "X-Amz-Credential",     "X-Amz-SignedHeaders",
                           "X-Amz-Algorithm"};
    for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
        const struct sigv4_pair one = {taken[i], "x"};
        p.params = &one;
        p.n_params = 1;
        ck_assert_msg(!sigv4_url_presign(a, &s3_doc, &p, T_2013), "param %s", taken[i]);
    }
    struct sigv4_pair many[SIGV4_PARAMS_MAX + 1];
    for (size_t i = 0; i < SIGV4_PARAMS_MAX + 1; i++)
        many[i] = (struct sigv4_pair){"p", "v"};
    p.params = many;
    p.n_params = SIGV4_PARAMS_MAX + 1;
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    p.n_params = SIGV4_PARAMS_MAX;
    ck_assert_ptr_nonnull(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    many[0].value = big; /* 8192 bytes, past SIGV4_PARAM_MAX */
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    many[0] = (struct sigv4_pair){"", "v"};
    ck_assert_ptr_null(sigv4_url_presign(a, &s3_doc, &p, T_2013));
    arena_free(a);
}
END_TEST

START_TEST(uri_encoding_for_keys_and_queries)
{
    struct buf b;
    buf_init(&b, 64);
    const char *s = "a b+c=d/\xc3\xa9~-._*%?&#";
    ck_assert_int_eq(sigv4_uri_encode(&b, s, strlen(s), false), 0);
    ck_assert_str_eq(b.data, "a%20b%2Bc%3Dd/%C3%A9~-._%2A%25%3F%26%23");
    buf_reset(&b);
    ck_assert_int_eq(sigv4_uri_encode(&b, s, strlen(s), true), 0);
    ck_assert_str_eq(b.data, "a%20b%2Bc%3Dd%2F%C3%A9~-._%2A%25%3F%26%23");
    /* Bytes as bytes: a NUL, a control character, a lone high byte. */
    buf_reset(&b);
    ck_assert_int_eq(sigv4_uri_encode(&b, "\0\n\xff", 3, true), 0);
    ck_assert_str_eq(b.data, "%00%0A%FF");
    /* Past the cap: -1 and the buffer as it was. */
    buf_reset(&b);
    buf_puts(&b, "keep");
    char wide[32];
    memset(wide, ' ', sizeof(wide));
    ck_assert_int_eq(sigv4_uri_encode(&b, wide, sizeof(wide), false), -1);
    ck_assert_str_eq(b.data, "keep");
    ck_assert_uint_eq(b.len, 4);
    buf_free(&b);

    struct arena *a = arena_new();
    const struct sigv4_pair q[] = {{"prefix", "J"}, {"max-keys", "2"}};
    ck_assert_str_eq(sigv4_query_build(a, q, 2), "max-keys=2&prefix=J");
    const struct sigv4_pair flag[] = {{"lifecycle", NULL}};
    ck_assert_str_eq(sigv4_query_build(a, flag, 1), "lifecycle=");
    ck_assert_str_eq(sigv4_query_build(a, NULL, 0), "");
    /* Sorted by encoded name, then value; '/' and '+' encoded in both. */
    const struct sigv4_pair mixed[] = {
        {"b", "2"}, {"a/b", "x y"}, {"b", "1"}, {"B", "+"}, {"a", "é"}};
    ck_assert_str_eq(sigv4_query_build(a, mixed, 5), "B=%2B&a=%C3%A9&a%2Fb=x%20y&b=1&b=2");
    const struct sigv4_pair unnamed[] = {{"", "v"}};
    ck_assert_ptr_null(sigv4_query_build(a, unnamed, 1));
    const struct sigv4_pair null_name[] = {{NULL, "v"}};
    ck_assert_ptr_null(sigv4_query_build(a, null_name, 1));
    arena_free(a);
}
END_TEST

/* Signs r with c at t and checks the signature and signed headers. */
static void check_signed(const struct sigv4_creds *c, const struct sigv4_request *r, int64_t t,
                         const char *signed_headers, const char *sig)
{
    struct arena *a = arena_new();
    struct sigv4_auth au;
    ck_assert(sigv4_headers_sign(a, c, r, t, &au));
    ck_assert_str_eq(au.signed_headers, signed_headers);
    ck_assert_str_eq(au.signature, sig);
    char want[512];
    snprintf(want, sizeof(want),
             "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, SignedHeaders=%s, "
             "Signature=%s",
             c->access_key, au.amz_date, c->region, c->service, signed_headers, sig);
    ck_assert_str_eq(au.authorization, want);
    arena_free(a);
}

START_TEST(authorization_headers_of_the_s3_documentation)
{
    struct arena *a = arena_new();
    struct sigv4_auth au;
    /* GET Object, the first 10 bytes. */
    const struct sigv4_pair range[] = {{"Range", "bytes=0-9"}};
    struct sigv4_request r = {
        .method = "GET",
        .host = S3_HOST,
        .path = "/test.txt",
        .headers = range,
        .n_headers = 1,
        .payload_hash = EMPTY_SHA256,
    };
    ck_assert(sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au));
    ck_assert_str_eq(au.amz_date, "20130524T000000Z");
    ck_assert_str_eq(au.authorization,
                     "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                     "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                     "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");

    /* PUT Object: "Welcome to Amazon S3." as test$file.text, the key
     * encoded here ('$' as %24). */
    unsigned char h[32];
    char body_hash[65];
    crypto_sha256("Welcome to Amazon S3.", 21, h);
    crypto_hex(h, 32, body_hash);
    ck_assert_str_eq(body_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    struct buf path;
    buf_init(&path, 256);
    ck_assert_int_eq(sigv4_uri_encode(&path, "/test$file.text", 15, false), 0);
    ck_assert_str_eq(path.data, "/test%24file.text");
    const struct sigv4_pair put_headers[] = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                                             {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
    r = (struct sigv4_request){
        .method = "PUT",
        .host = S3_HOST,
        .path = path.data,
        .headers = put_headers,
        .n_headers = 2,
        .payload_hash = body_hash,
    };
    check_signed(&s3_doc, &r, T_2013,
                 "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                 "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
    buf_free(&path);

    /* GET Bucket lifecycle: a parameter without a value. */
    const struct sigv4_pair lifecycle[] = {{"lifecycle", ""}};
    r = (struct sigv4_request){
        .method = "GET",
        .host = S3_HOST,
        .path = "/",
        .query = sigv4_query_build(a, lifecycle, 1),
        .payload_hash = EMPTY_SHA256,
    };
    check_signed(&s3_doc, &r, T_2013, "host;x-amz-content-sha256;x-amz-date",
                 "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");

    /* GET Bucket (list objects), parameters given out of order. */
    const struct sigv4_pair list[] = {{"prefix", "J"}, {"max-keys", "2"}};
    r.query = sigv4_query_build(a, list, 2);
    check_signed(&s3_doc, &r, T_2013, "host;x-amz-content-sha256;x-amz-date",
                 "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
    arena_free(a);
}
END_TEST

START_TEST(authorization_headers_of_the_signing_test_suite)
{
    struct arena *a = arena_new();
    struct sigv4_auth au;
    /* get-vanilla */
    struct sigv4_request r = {
        .method = "GET",
        .host = SUITE_HOST,
        .path = "/",
        .payload_hash = EMPTY_SHA256,
    };
    ck_assert(sigv4_headers_sign(a, &suite, &r, T_2015, &au));
    ck_assert_str_eq(au.amz_date, "20150830T123600Z");
    ck_assert_str_eq(au.authorization,
                     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                     "aws4_request, SignedHeaders=host;x-amz-date, "
                     "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    /* get-vanilla-with-session-token */
    struct sigv4_creds tok = suite;
    tok.session_token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
    check_signed(&tok, &r, T_2015, "host;x-amz-date;x-amz-security-token",
                 "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
    /* get-utf8 */
    r.path = "/%E1%88%B4";
    check_signed(&suite, &r, T_2015, "host;x-amz-date",
                 "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
    /* get-vanilla-query-order-encoded */
    const struct sigv4_pair params[] = {
        {"Param-3", "Value3"}, {"Param", "Value2"}, {"\xe1\x88\xb4", "Value1"}};
    r.path = "/";
    r.query = sigv4_query_build(a, params, 3);
    ck_assert_str_eq(r.query, "%E1%88%B4=Value1&Param=Value2&Param-3=Value3");
    check_signed(&suite, &r, T_2015, "host;x-amz-date",
                 "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac");
    /* get-header-value-trim: names in any case, values trimmed and their
     * inner runs of spaces made one */
    const struct sigv4_pair trim[] = {{"My-Header2", "\"a   b   c\""},
                                      {"My-Header1", "  value1 \t"}};
    r.query = NULL;
    r.headers = trim;
    r.n_headers = 2;
    check_signed(&suite, &r, T_2015, "host;my-header1;my-header2;x-amz-date",
                 "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
    arena_free(a);
}
END_TEST

START_TEST(authorization_header_with_a_session_token_for_s3)
{
    /* botocore's S3SigV4Auth signs the same request to the same value. */
    struct sigv4_creds tok = s3_doc;
    tok.session_token = "FQoGZXIvYXdzE+tok/en=";
    unsigned char h[32];
    char body_hash[65];
    crypto_sha256("id,name\n", 8, h);
    crypto_hex(h, 32, body_hash);
    const struct sigv4_pair headers[] = {{"Content-Type", "text/csv"},
                                         {"x-amz-meta-note", "  two   spaces  "}};
    struct sigv4_request r = {
        .method = "PUT",
        .host = S3_HOST,
        .path = "/exports/a%20b.csv",
        .headers = headers,
        .n_headers = 2,
        .payload_hash = body_hash,
    };
    check_signed(
        &tok, &r, T_2026,
        "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-note;x-amz-security-token",
        "808f04600e502f151ca3b42bad8a2b3d0a101f37caa917f52d4ad48395670055");
}
END_TEST

START_TEST(header_signing_refuses_what_does_not_fit)
{
    struct arena *a = arena_new();
    struct sigv4_auth au;
    struct sigv4_pair one = {"Range", "bytes=0-9"};
    struct sigv4_request r = {
        .method = "GET",
        .host = S3_HOST,
        .path = "/test.txt",
        .headers = &one,
        .n_headers = 1,
        .payload_hash = EMPTY_SHA256,
    };
    ck_assert(sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au));
    r.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
    ck_assert(sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au));

    /* Headers the signer adds, or one named twice (in any case). */
    const char *taken[] = {"Host", "x-amz-date", "X-Amz-Content-SHA256"};
    for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
        one.name = taken[i];
        ck_assert_msg(!sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au), "header %s", taken[i]);
    }
    struct sigv4_creds tok = s3_doc;
    tok.session_token = "t";
    one.name = "X-Amz-Security-Token";
    ck_assert(!sigv4_headers_sign(a, &tok, &r, T_2013, &au));
    const struct sigv4_pair twice[] = {{"Range", "bytes=0-9"}, {"range", "bytes=10-19"}};
    r.headers = twice;
    r.n_headers = 2;
    ck_assert(!sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au));

    /* Names that are not tokens; values that would end the header line. */
    r.headers = &one;
    r.n_headers = 1;
    const char *bad_names[] = {"", "Ra nge", "Range:", "R\r\nX", "Räng"};
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        one.name = bad_names[i];
        ck_assert_msg(!sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au), "name %s", bad_names[i]);
    }
    one.name = "Range";
    one.value = "bytes=0-9\r\nx-evil: 1";
    ck_assert(!sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au));
    one.value = "bytes=0-9\n";
    ck_assert(!sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au));
    static char long_value[SIGV4_HEADER_VALUE_MAX + 2];
    memset(long_value, 'v', sizeof(long_value) - 1);
    one.value = long_value;
    ck_assert(!sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au));
    long_value[SIGV4_HEADER_VALUE_MAX] = '\0';
    ck_assert(sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au));
    one.value = NULL; /* an empty value */
    ck_assert(sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au));
    one.value = "bytes=0-9";

    /* Too many headers. */
    struct sigv4_pair many[SIGV4_HEADERS_MAX + 1];
    char names[SIGV4_HEADERS_MAX + 1][16];
    for (size_t i = 0; i < SIGV4_HEADERS_MAX + 1; i++) {
        snprintf(names[i], sizeof(names[i]), "x-amz-meta-%zu", i);
        many[i] = (struct sigv4_pair){names[i], "v"};
    }
    r.headers = many;
    r.n_headers = SIGV4_HEADERS_MAX + 1;
    ck_assert(!sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au));
    r.n_headers = SIGV4_HEADERS_MAX;
    ck_assert(sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au));
    r.headers = &one;
    r.n_headers = 1;

    /* Path and query must come encoded; the payload hash is hex or
     * UNSIGNED-PAYLOAD. */
    const char *bad_paths[] = {"", "test.txt", "/a b", "/a%2", "/a%zz", "/a?b", "/a#b"};
    for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
        r.path = bad_paths[i];
        ck_assert_msg(!sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au), "path %s", bad_paths[i]);
    }
    r.path = "/a%2Fb/%C3%A9";
    ck_assert(sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au));
    const char *bad_queries[] = {"a=b c", "a=b#", "a=%G0", "a=b\n"};
    for (size_t i = 0; i < sizeof(bad_queries) / sizeof(bad_queries[0]); i++) {
        r.query = bad_queries[i];
        ck_assert_msg(!sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au), "query %s", bad_queries[i]);
    }
    r.query = NULL;
    const char *bad_hashes[] = {"", "unsigned-payload", EMPTY_SHA256 "0",
                                "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                                NULL};
    for (size_t i = 0; i < sizeof(bad_hashes) / sizeof(bad_hashes[0]); i++) {
        r.payload_hash = bad_hashes[i];
        ck_assert_msg(!sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au), "hash %zu", i);
    }
    r.payload_hash = EMPTY_SHA256;
    r.host = "evil.com/x";
    ck_assert(!sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au));
    r.host = S3_HOST;
    r.method = "GE T";
    ck_assert(!sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au));
    r.method = "GET";
    ck_assert(!sigv4_headers_sign(a, &s3_doc, &r, -1, &au));
    ck_assert(!sigv4_headers_sign(a, NULL, &r, T_2013, &au));
    ck_assert(!sigv4_headers_sign(a, &s3_doc, NULL, T_2013, &au));
    ck_assert(sigv4_headers_sign(a, &s3_doc, &r, T_2013, &au));
    arena_free(a);
}
END_TEST

Suite *sigv4_suite(void)
{
    Suite *s = suite_create("sigv4");
    TCase *tc = tcase_create("vectors");
    tcase_add_test(tc, signing_keys_of_the_general_reference);
    tcase_add_test(tc, presigned_get_of_the_s3_documentation);
    tcase_add_test(tc, presigned_urls_of_the_signing_test_suite);
    tcase_add_test(tc, presigned_s3_urls_with_token_odd_keys_and_parameters);
    tcase_add_test(tc, authorization_headers_of_the_s3_documentation);
    tcase_add_test(tc, authorization_headers_of_the_signing_test_suite);
    tcase_add_test(tc, authorization_header_with_a_session_token_for_s3);
    suite_add_tcase(s, tc);
    tc = tcase_create("bounds");
    tcase_add_test(tc, signing_key_inputs_are_checked);
    tcase_add_test(tc, uri_encoding_for_keys_and_queries);
    tcase_add_test(tc, presign_refuses_what_does_not_fit);
    tcase_add_test(tc, header_signing_refuses_what_does_not_fit);
    suite_add_tcase(s, tc);
    return s;
}
