/*
 * social: a profile's links to networks — DELETE /api/profiles/social
 * (unlink, SPEC §6).
 *
 * Unlinking answers 200 even when the network was not linked (Ayrshare
 * documents that), and for the networks Ayrshare names that sociald does
 * not link (platform_known_elsewhere). The profile's GET /api/user changes at once: the store
 * bumps the profile's version and stamp in the same write, and the social
 * webhook (type unlink) is written in the same transaction.
 */
#include "api/api.h"
#include "api/fields.h"
#include "ops/ops.h"
#include "platforms/names.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "util/jsonw.h"

#include <string.h>

enum status api_social_unlink(struct app *app, struct req *r)
{
    struct principal *p = api_principal(r);
    struct fields f;
    fields_init(&f, r);
    const char *platform = NULL;
    if (!fields_str(&f, "platform", 1, 32, false, &platform) && !fields_has(&f, "platform"))
        fields_fail(&f, "platform", "is required");
    int idx = platform ? platform_index(platform) : -1;
    bool elsewhere = platform && idx < 0 && platform_known_elsewhere(platform);
    if (platform && idx < 0 && !elsewhere)
        fields_fail(&f, "platform",
                    "must be one of facebook, gmb, instagram, linkedin, pinterest, reddit, "
                    "telegram, tiktok, twitter, youtube, or another network Ayrshare names "
                    "(bluesky, snapchat, threads, ...)");
    enum status st = fields_done(&f);
    if (st != ST_OK)
        return st;

    /* A network Ayrshare names that sociald never links is never linked
     * here: the same 200 as any network that is not linked (SPEC §6), so a
     * client's cleanup loop over Ayrshare's list does not stop on it. */
    const char *name = elsewhere ? platform : platform_name(idx);
    if (!elsewhere) {
        enum store_rc rc = ops_unlink(app, r->arena, &p->profile, name, "user", NULL);
        if (rc != STORE_OK && rc != STORE_NOTFOUND)
            return ST_INTERNAL;
    }
    struct jw w;
    jw_init(&w, &r->out);
    jw_obj(&w);
    jw_kstr(&w, "status", "success");
    jw_kstr(&w, "platform", name);
    jw_kstr(&w, "refId", p->profile.ref_id);
    jw_obj_end(&w);
    return ST_OK;
}
