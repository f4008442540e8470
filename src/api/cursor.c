/*
 * cursor: signed keyset cursors (see cursor.h).
 */
#include "api/cursor.h"
#include "crypto/crypto.h"
#include "util/base64.h"

#include <string.h>

#define VERSION     1
#define PAYLOAD_LEN 33 /* version + 4 x 8 bytes */
#define MAC_LEN     16
#define TOKEN_LEN   (PAYLOAD_LEN + MAC_LEN)

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (56 - 8 * i));
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

char *cursor_encode(struct arena *a, const unsigned char key[32], const struct cursor *c)
{
    unsigned char tok[TOKEN_LEN], mac[32];
    tok[0] = VERSION;
    put64(tok + 1, (uint64_t)c->account_id);
    put64(tok + 9, (uint64_t)c->created_ms);
    put64(tok + 17, (uint64_t)c->id);
    put64(tok + 25, c->filters);
    crypto_hmac_sha256(key, 32, tok, PAYLOAD_LEN, mac);
    memcpy(tok + PAYLOAD_LEN, mac, MAC_LEN);
    char *out = arena_alloc(a, base64url_len(TOKEN_LEN) + 1);
    base64url_encode(tok, TOKEN_LEN, out);
    return out;
}

bool cursor_decode(const unsigned char key[32], const char *s, struct cursor *out)
{
    unsigned char tok[TOKEN_LEN + 1], mac[32];
    size_t n = 0;
    if (strlen(s) != base64url_len(TOKEN_LEN) || !base64url_decode(s, tok, sizeof(tok), &n) ||
        n != TOKEN_LEN || tok[0] != VERSION)
        return false;
    crypto_hmac_sha256(key, 32, tok, PAYLOAD_LEN, mac);
    if (!crypto_ct_eq(mac, tok + PAYLOAD_LEN, MAC_LEN))
        return false;
    out->account_id = (int64_t)get64(tok + 1);
    out->created_ms = (int64_t)get64(tok + 9);
    out->id = (int64_t)get64(tok + 17);
    out->filters = get64(tok + 25);
    return true;
}
