/*
 * base64: URL-safe base64 without padding (RFC 4648 §5), for opaque
 * tokens that travel in query strings.
 */
#ifndef SOCIALD_UTIL_BASE64_H
#define SOCIALD_UTIL_BASE64_H

#include <stdbool.h>
#include <stddef.h>

/* Characters base64url_encode writes for n bytes (without the NUL). */
size_t base64url_len(size_t n);
/* Encodes n bytes into out (base64url_len(n) + 1 bytes, NUL-terminated). */
void base64url_encode(const unsigned char *in, size_t n, char *out);
/* Standard base64 with padding (RFC 4648 §4), for HTTP Basic auth. out
 * needs (n + 2) / 3 * 4 + 1 bytes. */
void base64_encode(const unsigned char *in, size_t n, char *out);
/* Decodes standard base64 (padding optional, no white space) into out. */
bool base64_decode(const char *s, unsigned char *out, size_t cap, size_t *n);
/* Decodes s into out (capacity cap); false on a bad character or length.
 * *n receives the decoded length. */
bool base64url_decode(const char *s, unsigned char *out, size_t cap, size_t *n);

#endif
