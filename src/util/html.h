/*
 * html: escaping for the server-rendered pages (linking page, bio page).
 * Every value that did not come from a literal in the code goes through
 * html_esc, in text and in quoted attributes alike.
 */
#ifndef SOCIALD_UTIL_HTML_H
#define SOCIALD_UTIL_HTML_H

#include "util/buf.h"

/* Appends s with & < > " ' escaped (NULL appends nothing). */
void html_esc(struct buf *b, const char *s);
/* The same for the first n bytes of s. */
void html_esc_n(struct buf *b, const char *s, size_t n);
/* Appends s percent-encoded for a URL query value or path segment. */
void html_urlenc(struct buf *b, const char *s);
/* True for an http(s) URL without characters that need escaping in an
 * attribute beyond html_esc (used for avatars and profile links). */
int html_safe_url(const char *s);

#endif
