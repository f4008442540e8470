/*
 * cursor: the opaque, tamper-proof paging cursor of GET /api/profiles.
 *
 * It names the last profile of a page by (created, id) — keyset paging, so
 * profiles created or deleted between pages are neither skipped nor
 * repeated — and binds the account and a fingerprint of the filters it was
 * issued for. It is base64url(payload || HMAC-SHA256(server secret,
 * payload)[0..16]); anything else is refused.
 */
#ifndef SOCIALD_API_CURSOR_H
#define SOCIALD_API_CURSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"

struct cursor {
    int64_t account_id;
    int64_t created_ms;
    int64_t id;
    uint64_t filters; /* fingerprint of the listing's filters */
};

/* Encodes c, signed with key; the string lives in a. */
char *cursor_encode(struct arena *a, const unsigned char key[32], const struct cursor *c);
/* Decodes and verifies s; false for anything this server did not issue. */
bool cursor_decode(const unsigned char key[32], const char *s, struct cursor *out);

#endif
