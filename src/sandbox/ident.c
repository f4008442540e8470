/*
 * ident: accounts derived from the login typed on the consent page
 * (docs/sandbox.md "Accounts: deterministic from the login name").
 *
 * Every id is a function of SHA-256("<network>:<login>[:<salt>]"), so the
 * same login always yields the same account and a restarted sandbox hands
 * out the same ids. Words of the login (split at . _ -) choose scenarios:
 * pagesN, igN, noorg/orgsN, locationsN, channelsN, boardsN, quotaN.
 *
 * A rename (docs/sandbox.md "State changes") replaces the title-cased login
 * as the account's name, so every name derived from it follows (pages,
 * channels, locations, organisations), and optionally its avatar URL; ids
 * and handles stay, as a display-name change on a network leaves them.
 */
#include "sandbox/internal.h"
#include "crypto/crypto.h"
#include "util/str.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Caps on the scenario counts: enough for paging tests, small enough that
 * one listing stays a few hundred kilobytes. */
#define PAGES_MAX     250
#define ORGS_MAX      250
#define LOCATIONS_MAX 1000
#define CHANNELS_MAX  50
#define BOARDS_MAX    5000

bool ident_login_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SBX_LOGIN_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '.' && c != '_' && c != '-')
            return false;
    }
    return true;
}

/* Reads "<prefix><digits>" into *out (clamped to max); false otherwise. */
static bool word_count(const char *w, size_t wn, const char *prefix, int max, int *out)
{
    size_t pn = strlen(prefix);
    if (wn <= pn || strncmp(w, prefix, pn) != 0)
        return false;
    long v = 0;
    for (size_t i = pn; i < wn; i++) {
        if (!isdigit((unsigned char)w[i]))
            return false;
        if (v < 1000000)
            v = v * 10 + (w[i] - '0');
    }
    *out = v > max ? max : (int)v;
    return true;
}

static void scenario_word(const char *w, size_t n, struct sbx_login *l)
{
    if (n == 5 && !strncmp(w, "noorg", 5)) {
        l->orgs = 0;
        return;
    }
    if (word_count(w, n, "pages", PAGES_MAX, &l->pages) ||
        word_count(w, n, "ig", PAGES_MAX, &l->ig) || word_count(w, n, "orgs", ORGS_MAX, &l->orgs) ||
        word_count(w, n, "locations", LOCATIONS_MAX, &l->locations) ||
        word_count(w, n, "channels", CHANNELS_MAX, &l->channels) ||
        word_count(w, n, "boards", BOARDS_MAX, &l->boards))
        return;
    (void)word_count(w, n, "quota", 1000000, &l->quota);
}

/* Appends the n bytes at w title-cased ("aLICE" -> "Alice") to out. */
static void append_word(char *out, size_t cap, const char *w, size_t n)
{
    size_t o = strlen(out);
    if (o && o + 1 < cap)
        out[o++] = ' ';
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)w[i];
        out[o++] = (char)(i == 0 ? toupper(c) : tolower(c));
    }
    out[o] = '\0';
}

void ident_login(const char *s, struct sbx_login *l)
{
    memset(l, 0, sizeof(*l));
    str_copy(l->name, sizeof(l->name), s);
    l->pages = 2;
    l->ig = 1;
    l->orgs = 1;
    l->locations = 2;
    l->channels = 1;
    l->boards = 3;
    l->quota = 3;
    size_t h = 0;
    for (const char *p = s; *p && h + 1 < sizeof(l->handle); p++) {
        char c = (char)tolower((unsigned char)*p);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
            l->handle[h++] = c;
    }
    l->handle[h] = '\0';
    if (!h)
        str_copy(l->handle, sizeof(l->handle), "user");
    const char *p = s;
    int nwords = 0;
    while (*p) {
        size_t n = strcspn(p, "._-");
        if (n) {
            append_word(l->title, sizeof(l->title), p, n);
            append_word(nwords == 0 ? l->first : l->last,
                        nwords == 0 ? sizeof(l->first) : sizeof(l->last), p, n);
            scenario_word(p, n, l);
            nwords++;
        }
        p += n;
        if (*p)
            p++;
    }
    if (!nwords) {
        str_copy(l->title, sizeof(l->title), "User");
        str_copy(l->first, sizeof(l->first), "User");
    }
}

void ident_account(enum sbx_net net, const char *login, struct sbx_login *out)
{
    ident_login(login, out);
    if (!state_rename_get(net, login, out->title, out->image))
        return;
    out->renamed = true;
    /* given_name/family_name (LinkedIn, Google): the first word and the rest. */
    size_t n = strcspn(out->title, " ");
    memcpy(out->first, out->title, n);
    out->first[n] = '\0';
    str_copy(out->last, sizeof(out->last), out->title + n + strspn(out->title + n, " "));
}

void ident_of(const struct sbx_grant *g, struct sbx_login *out)
{
    ident_account(g->net, g->login, out);
}

static void digest(enum sbx_net net, const char *login, const char *salt,
                   unsigned char out[CRYPTO_SHA256_LEN])
{
    char in[256];
    int n = snprintf(in, sizeof(in), "%s:%s%s%s", sbx_net_name(net), login, salt ? ":" : "",
                     salt ? salt : "");
    size_t len = n < 0 ? 0 : (size_t)n >= sizeof(in) ? sizeof(in) - 1 : (size_t)n;
    crypto_sha256(in, len, out);
}

void ident_digits(enum sbx_net net, const char *login, const char *salt, size_t n, char *out)
{
    unsigned char h[CRYPTO_SHA256_LEN];
    digest(net, login, salt, h);
    if (n > CRYPTO_SHA256_LEN)
        n = CRYPTO_SHA256_LEN;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(i == 0 ? '1' + h[i] % 9 : '0' + h[i] % 10);
    out[n] = '\0';
}

uint64_t ident_u64(enum sbx_net net, const char *login, const char *salt)
{
    unsigned char h[CRYPTO_SHA256_LEN];
    digest(net, login, salt, h);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | h[i];
    return v;
}

void ident_uuid(enum sbx_net net, const char *login, const char *salt, char out[37])
{
    unsigned char h[CRYPTO_SHA256_LEN];
    char hex[33];
    digest(net, login, salt, h);
    crypto_hex(h, 16, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static void from_alphabet(enum sbx_net net, const char *login, const char *salt, size_t n,
                          char *out, const char *alphabet, size_t size)
{
    unsigned char h[CRYPTO_SHA256_LEN];
    digest(net, login, salt, h);
    if (n > CRYPTO_SHA256_LEN)
        n = CRYPTO_SHA256_LEN;
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[h[i] % size];
    out[n] = '\0';
}

void ident_base36(enum sbx_net net, const char *login, const char *salt, size_t n, char *out)
{
    from_alphabet(net, login, salt, n, out, "0123456789abcdefghijklmnopqrstuvwxyz", 36);
}

void ident_b64(enum sbx_net net, const char *login, const char *salt, size_t n, char *out)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    from_alphabet(net, login, salt, n, out, b64, 64);
}

static const char *img_url(struct req *r, enum sbx_net net, const char *login)
{
    return arena_printf(r->arena, "%s/_sandbox/img/%s/%s.png", sbx_base_url(r), sbx_net_name(net),
                        login);
}

const char *ident_avatar(struct req *r, enum sbx_net net, const struct sbx_login *l,
                         const char *query)
{
    /* A rename's URL is used as given: appending a variant's query could
     * break a URL that carries one (signed CDN links). */
    if (l->image[0])
        return l->image;
    const char *url = img_url(r, net, l->name);
    return query ? arena_printf(r->arena, "%s?%s", url, query) : url;
}

/* A valid 1x1 PNG (one grey-blue pixel): every image URL the sandbox hands
 * out resolves to it, so connectors that cache avatars have bytes to cache. */
static const unsigned char png_1x1[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00,
    0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78,
    0xda, 0x63, 0xf0, 0xaf, 0xb9, 0x06, 0x00, 0x02, 0xbf, 0x01, 0xa2, 0x7c, 0x3d, 0x43,
    0xbe, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

enum status ident_send_png(struct req *r)
{
    buf_reset(&r->out);
    if (buf_append(&r->out, png_1x1, sizeof(png_1x1)))
        return ST_INTERNAL;
    r->content_type = "image/png";
    req_add_header(r, "Cache-Control", "public, max-age=86400");
    return ST_OK;
}

enum status sbx_ident_image(struct app *app, struct req *r)
{
    (void)app;
    const char *net = r->params[0], *file = r->params[1];
    size_t n = strlen(file);
    if (sbx_net_parse(net, strlen(net)) < 0 || n <= 4 || strcmp(file + n - 4, ".png"))
        return sbx_text(r, 404, "Not Found");
    char login[SBX_LOGIN_MAX + 5];
    if (!str_copy(login, sizeof(login), file))
        return sbx_text(r, 404, "Not Found");
    login[n - 4] = '\0';
    if (!ident_login_valid(login))
        return sbx_text(r, 404, "Not Found");
    return ident_send_png(r);
}
