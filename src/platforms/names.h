/*
 * names: the ten networks sociald links, in the seed's (alphabetical)
 * order. A network's index is its bit in a profile's linked mask (the
 * store's profiles.linked_mask column), so iterating the bits of a mask
 * yields platforms already sorted by name.
 */
#ifndef SOCIALD_PLATFORMS_NAMES_H
#define SOCIALD_PLATFORMS_NAMES_H

#include <stdbool.h>

#define PLATFORM_COUNT 10

/* The name of platform i (0 <= i < PLATFORM_COUNT). */
const char *platform_name(int i);
/* The index of name, or -1. Accepts "gbp" for "gmb" (Ayrshare's alias). */
int platform_index(const char *name);
/* True for the networks Ayrshare names that sociald does not link
 * (bluesky, fbg, snapchat, threads, tumblr, whatsapp): accepted in lists
 * and by unlink, never linked. */
bool platform_known_elsewhere(const char *name);

#endif
