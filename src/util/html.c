/*
 * html: page escaping (see html.h).
 */
#include "util/html.h"

#include <string.h>
#include <strings.h>

void html_esc(struct buf *b, const char *s)
{
    if (s)
        html_esc_n(b, s, strlen(s));
}

void html_esc_n(struct buf *b, const char *s, size_t n)
{
    for (const char *p = s; p < s + n; p++) {
        switch (*p) {
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        case '\'':
            buf_puts(b, "&#39;");
            break;
        default:
            buf_putc(b, *p);
        }
    }
}

void html_urlenc(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!s)
        return;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(b, e, 3);
        }
    }
}

int html_safe_url(const char *s)
{
    if (!s || (strncasecmp(s, "https://", 8) != 0 && strncasecmp(s, "http://", 7) != 0))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return 0;
    return strlen(s) <= 2048;
}
