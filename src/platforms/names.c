/*
 * names: platform names and indexes (see names.h).
 */
#include "platforms/names.h"

#include <string.h>

static const char *const names[PLATFORM_COUNT] = {
    "facebook", "gmb",      "instagram", "linkedin", "pinterest",
    "reddit",   "telegram", "tiktok",    "twitter",  "youtube",
};

const char *platform_name(int i)
{
    return i >= 0 && i < PLATFORM_COUNT ? names[i] : "";
}

int platform_index(const char *name)
{
    if (!strcmp(name, "gbp"))
        name = "gmb";
    for (int i = 0; i < PLATFORM_COUNT; i++)
        if (!strcmp(names[i], name))
            return i;
    return -1;
}

bool platform_known_elsewhere(const char *name)
{
    /* Ayrshare's current networks sociald does not link, and older names
     * its clients may still send (fbg: Facebook Groups, until 2023). */
    static const char *const others[] = {"bluesky", "fbg",      "snapchat", "threads",
                                         "tumblr",  "whatsapp", NULL};
    for (size_t i = 0; others[i]; i++)
        if (!strcmp(others[i], name))
            return true;
    return false;
}
