/*
 * render: the GET /api/user body (SPEC §2), shared by the endpoint and the
 * batch export so both produce exactly the same bytes for a profile.
 *
 * The linked-accounts part (activeSocialAccounts and displayNames) is
 * rendered separately into two JSON fragments, which the directory caches
 * per profile version; the rest is cheap and written per request.
 */
#ifndef SOCIALD_API_RENDER_H
#define SOCIALD_API_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "store/store.h"
#include "util/jsonw.h"

/* The rendered linked accounts of a profile. */
struct linked_json {
    const char *active; /* activeSocialAccounts array, "" when nothing is linked */
    size_t active_len;
    const char *names; /* displayNames array */
    size_t names_len;
    size_t count;
    int64_t until_ms; /* the rendering is exact until then (LinkedIn's day counter) */
};

struct render_user {
    const struct config *cfg;
    const struct account *acct;
    const struct profile *profile;
    const struct linked_json *linked;
    int64_t month_calls;
    int64_t quota; /* -1: the plan has none, the field is omitted */
};

/*
 * Renders the linked accounts (sorted by platform) into two buffers owned
 * by the caller. instagram_quota adds Instagram's type. Returns false when a
 * buffer's cap was reached.
 */
bool render_linked(const struct linked_account *la, size_t n, bool instagram_quota, int64_t now_ms,
                   struct buf *active, struct buf *names, int64_t *until_ms);
/* Writes one displayNames entry (as GET /api/user shows it) to w. */
void render_display_name(struct jw *w, const struct linked_account *la, int64_t now_ms);
/* Writes the whole body object for u to w. */
void render_user(struct jw *w, const struct render_user *u);

#endif
