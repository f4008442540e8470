/*
 * render: the GET /api/user body (SPEC §2), shared by the endpoint and the
 * batch export so both produce exactly the same bytes for a profile.
 */
#ifndef SOCIALD_API_RENDER_H
#define SOCIALD_API_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "store/store.h"
#include "util/jsonw.h"

struct render_user {
    const struct config *cfg;
    const struct account *acct;
    const struct profile *profile;
    const struct linked_account *linked; /* sorted by platform */
    size_t nlinked;
    int64_t month_calls;
    int64_t quota;        /* -1: the plan has none, the field is omitted */
    bool instagram_quota; /* instagramQuota=true: instagram gains type */
    int64_t now_ms;
};

/* Writes the whole body object for u to w. */
void render_user(struct jw *w, const struct render_user *u);
/* Writes one displayNames entry (keys in alphabetical order, as the seed). */
void render_display_name(struct jw *w, const struct linked_account *la, bool instagram_quota,
                         int64_t now_ms);

#endif
