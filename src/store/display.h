/*
 * store/display: the fields a network account is shown with — the entries
 * of GET /api/user's displayNames (SPEC §2). A connector reads them from
 * the network (struct identity, platforms/platform.h) and the store keeps
 * them with the linked account (struct linked_account, store/linked.h):
 * one struct for both, so a field added to one is added to the other.
 *
 * It lives in the store, not in platforms/ or util/: platforms/ sits above
 * the store (it already uses it) and may include it, whereas the store must
 * not include platforms/; util/ holds code with no knowledge of the domain.
 * This header includes nothing, so including it costs a connector nothing.
 *
 * Strings belong to whoever filled the struct (an arena); NULL: not known.
 */
#ifndef SOCIALD_STORE_DISPLAY_H
#define SOCIALD_STORE_DISPLAY_H

struct display_fields {
    const char *network_id; /* the network's id of the account (page, channel, ...) */
    const char *display_name;
    const char *username;
    const char *profile_url;
    const char *user_image;
    const char *page_name;
    const char *type; /* e.g. "business", "corporate", "channel" */
    const char *description;
    const char *maps_url; /* Google Business Profile only, as are the next two */
    const char *place_id;
    const char *review_url;
};

#endif
