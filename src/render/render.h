/*
 * render: the GET /api/user body (SPEC §2), shared by the endpoint and the
 * batch export so both produce exactly the same bytes for a profile.
 *
 * The linked-accounts part (activeSocialAccounts and displayNames) is
 * rendered separately into two JSON fragments, which the directory caches
 * per profile version; the rest is cheap and written per request.
 */
#ifndef SOCIALD_RENDER_RENDER_H
#define SOCIALD_RENDER_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "store/accounts.h"
#include "store/linked.h"
#include "store/profiles.h"
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

/* Live network data for GET /api/user, read and cached by api/live.h and
 * rendered into the instagram and twitter entries. */
struct live_ig {
    int64_t at_ms;
    bool ok;
    int64_t used, total;
    int code; /* when !ok: 630 | 631 | 632 (SPEC §1.2) */
    char message[200];
};

struct live_x {
    int64_t at_ms;
    bool ok;
    int64_t usage, cap;
    char reset[11]; /* YYYY-MM-DD */
    int code;
    char message[200];
};

struct render_live {
    bool instagram_quota;     /* instagram's type, and quota fields when ig is set */
    const struct live_ig *ig; /* NULL: not asked */
    const struct live_x *x;   /* NULL: not shown */
};

struct render_user {
    const struct config *cfg;
    const struct account *acct;
    const struct profile *profile;
    const struct linked_json *linked;
    int64_t month_calls;
    int64_t quota;          /* -1: the plan has none, the field is omitted */
    int64_t next_update_ms; /* nextUpdate */
};

/*
 * Renders the linked accounts (sorted by platform) into two buffers owned
 * by the caller; accounts that must be re-linked are left out (*shown
 * counts the others). live (NULL: none) adds live fields. Returns false
 * when a buffer's cap was reached.
 */
bool render_linked(const struct linked_account *la, size_t n, const struct render_live *live,
                   int64_t now_ms, struct buf *active, struct buf *names, int64_t *until_ms,
                   size_t *shown);
/* False for a linked account GET /api/user does not show (relink_required). */
bool render_shown(const struct linked_account *la);
/* Writes one displayNames entry (as GET /api/user shows it) to w. */
void render_display_name(struct jw *w, const struct linked_account *la, int64_t now_ms);
/* Writes the whole body object for u to w. */
void render_user(struct jw *w, const struct render_user *u);

#endif
