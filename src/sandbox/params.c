/*
 * params: the small request helpers the sandbox's handlers share — form
 * bodies, HTTP Basic client credentials, bearer tokens, plain-text answers,
 * percent-encoding and the random ids some envelopes carry.
 *
 * Forms are decoded here (routes do not declare ROUTE_BODY_FORM) because a
 * token endpoint must answer a malformed body in the network's own error
 * format, not the HTTP layer's.
 */
#include "sandbox/internal.h"
#include "crypto/crypto.h"
#include "util/base64.h"
#include "http/router.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <string.h>
#include <strings.h>

void sbx_form_parse(struct req *r, struct sbx_form *f)
{
    f->kv = NULL;
    f->n = 0;
    const char *p = r->body_raw.data;
    size_t len = r->body_raw.len;
    if (!p || !len)
        return;
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += p[i] == '&';
    f->kv = arena_alloc(r->arena, cap * sizeof(*f->kv));
    size_t i = 0;
    while (i < len && f->n < cap) {
        const char *amp = memchr(p + i, '&', len - i);
        size_t n = amp ? (size_t)(amp - (p + i)) : len - i;
        const char *eq = memchr(p + i, '=', n);
        size_t kn = eq ? (size_t)(eq - (p + i)) : n;
        char *k = router_decode(r->arena, p + i, kn, 1);
        char *v = eq ? router_decode(r->arena, eq + 1, n - kn - 1, 1) : arena_strdup(r->arena, "");
        if (k && v && *k) {
            f->kv[f->n].key = k;
            f->kv[f->n].val = v;
            f->n++;
        }
        i += n + 1;
    }
}

const char *sbx_form_get(const struct sbx_form *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->kv[i].key, name))
            return f->kv[i].val;
    return NULL;
}

const char *sbx_param(struct req *r, const struct sbx_form *f, const char *name)
{
    const char *v = f ? sbx_form_get(f, name) : NULL;
    if (!v || !*v)
        v = req_query(r, name);
    return v && *v ? v : NULL;
}

bool sbx_basic_auth(struct req *r, const char **id, const char **secret)
{
    const char *h = req_header(r, "Authorization");
    if (!h || strncasecmp(h, "Basic ", 6))
        return false;
    char raw[1024];
    size_t n = 0;
    struct slice t = str_trim(h + 6);
    char *enc = arena_strndup(r->arena, t.p, t.n);
    if (!base64_decode(enc, (unsigned char *)raw, sizeof(raw) - 1, &n))
        return false;
    raw[n] = '\0';
    if (strlen(raw) != n)
        return false;
    const char *colon = strchr(raw, ':');
    if (!colon)
        return false;
    /* RFC 6749 §2.3.1: both halves are form-encoded before base64. */
    *id = router_decode(r->arena, raw, (size_t)(colon - raw), 1);
    *secret = router_decode(r->arena, colon + 1, strlen(colon + 1), 1);
    return *id && *secret && **id;
}

const char *sbx_bearer(struct req *r, enum sbx_net net)
{
    const char *h = req_header(r, "Authorization");
    if (h && !strncasecmp(h, "Bearer ", 7)) {
        struct slice t = str_trim(h + 7);
        if (t.n)
            return arena_strndup(r->arena, t.p, t.n);
    }
    /* The Graph API takes the token as a query parameter too, and many
     * Facebook clients send it that way. */
    if (net == NET_FACEBOOK || net == NET_INSTAGRAM) {
        const char *q = req_query(r, "access_token");
        if (q && *q)
            return q;
    }
    return NULL;
}

void sbx_url_encode(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            buf_putc(b, (char)c);
        } else {
            buf_putc(b, '%');
            buf_putc(b, hex[c >> 4]);
            buf_putc(b, hex[c & 15]);
        }
    }
}

void sbx_json(struct req *r, struct jw *w)
{
    buf_reset(&r->out);
    jw_init(w, &r->out);
}

enum status sbx_text(struct req *r, unsigned status, const char *text)
{
    buf_reset(&r->out);
    buf_puts(&r->out, text);
    buf_putc(&r->out, '\n');
    r->content_type = "text/plain; charset=utf-8";
    r->http_status = status;
    return ST_OK;
}

char *sbx_random_hex(struct req *r, size_t n)
{
    unsigned char raw[32];
    char hex[65];
    if (n > 64)
        n = 64;
    crypto_random(raw, (n + 1) / 2);
    crypto_hex(raw, (n + 1) / 2, hex);
    return arena_strndup(r->arena, hex, n);
}

char *sbx_log_id(struct req *r)
{
    char iso[TIME_ISO_S_LEN + 1];
    time_iso_s(time_now_ms(), iso, sizeof(iso));
    /* "2024-05-06T07:08:09Z" -> "20240506070809" + 20 hex, TikTok's shape. */
    char stamp[16];
    size_t o = 0;
    for (const char *p = iso; *p && o + 1 < sizeof(stamp); p++)
        if (*p >= '0' && *p <= '9')
            stamp[o++] = *p;
    stamp[o] = '\0';
    char *hex = sbx_random_hex(r, 20);
    for (char *p = hex; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    return arena_printf(r->arena, "%s%s", stamp, hex);
}
