/*
 * asset: files built into the binary by tools/embed.c (the linking page's
 * stylesheet), so the server needs no files at run time and no CDN.
 */
#ifndef SOCIALD_UTIL_ASSET_H
#define SOCIALD_UTIL_ASSET_H

#include <stddef.h>

struct asset {
    const char *name; /* the file's base name */
    const char *data;
    size_t len;
};

/* The web/ files (generated: web_assets.c). Ends with a zeroed entry. */
extern const struct asset web_assets[];

#endif
