/*
 * routes: the route table — every endpoint, what it needs, and its handler
 * (STYLE.md rule 8). Aliases of SPEC §6 are separate rows pointing at the
 * same handler.
 */
#include "api/api.h"
#include "api/link.h"

#define AUTH_ACCOUNT (ROUTE_AUTH | ROUTE_BODY_JSON)
#define AUTH_PROFILE (ROUTE_AUTH | ROUTE_PROFILE | ROUTE_BODY_JSON)
#define LINK_FLAGS   ROUTE_NO_COUNT
#define LINK_FORM    (ROUTE_NO_COUNT | ROUTE_BODY_FORM)
#define DELETE_FLAGS (AUTH_PROFILE | ROUTE_TOMBSTONE_OK | ROUTE_SUSPENDED_OK)

const struct route api_routes[] = {
    {HM_GET, "/api/user", user_get, "user", AUTH_PROFILE | ROUTE_TOMBSTONE_OK, "user", 0},
    /* Acting on a linked network (SPEC §3, §4). */
    {HM_GET, "/api/user/details/:platform", details_get, "user", AUTH_PROFILE, "details", 0},
    {HM_PATCH, "/api/user/:platform", gbp_patch, "user", AUTH_PROFILE, "details", 0},
    /* Every user profile in one file (SPEC §5); the file is served to
     * whoever holds its signed URL. */
    {HM_GET, "/api/user/batch", batch_get, "user", AUTH_PROFILE, "batch", 0},
    {HM_GET, "/files/batch/:ref/:file", batch_file, "request", LINK_FLAGS, NULL, 0},

    /* Profiles (SPEC §6): every alias a real client uses. */
    {HM_POST, "/api/profiles", profiles_create, "profiles", AUTH_ACCOUNT, "profiles", 0},
    {HM_GET, "/api/profiles", profiles_list, "profiles", AUTH_ACCOUNT, "profiles", 0},
    {HM_PATCH, "/api/profiles", profiles_update, "profiles", AUTH_PROFILE, "profiles", 0},
    {HM_DELETE, "/api/profiles", profiles_delete, "profiles", DELETE_FLAGS, "profiles", 0},
    {HM_POST, "/api/profiles/profile", profiles_create, "profiles", AUTH_ACCOUNT, "profiles", 0},
    {HM_PUT | HM_PATCH, "/api/profiles/profile", profiles_update, "profiles", AUTH_PROFILE,
     "profiles", 0},
    {HM_DELETE, "/api/profiles/profile", profiles_delete, "profiles", DELETE_FLAGS, "profiles", 0},
    {HM_POST, "/api/profiles/create-profile", profiles_create, "profiles", AUTH_ACCOUNT, "profiles",
     0},
    {HM_DELETE, "/api/profiles/delete-profile", profiles_delete, "profiles", DELETE_FLAGS,
     "profiles", 0},
    /* Linking URLs for a user profile (SPEC §6). */
    {HM_POST, "/api/profiles/generateJWT", link_generate_jwt, "profiles", AUTH_PROFILE, "profiles",
     0},
    {HM_POST, "/api/profiles/link-sessions", link_sessions_create, "profiles", AUTH_PROFILE,
     "profiles", 0},
    /* Unlinking or importing the account's own network needs no profiles
     * plan. */
    {HM_DELETE, "/api/profiles/social", social_unlink, "profiles", AUTH_PROFILE, "user", 0},
    {HM_POST, "/api/profiles/social", link_import, "profiles", AUTH_PROFILE, "user", 0},

    /* The linking page (SPEC §9) and the bio page: no API key; the
     * session secret in the URL is the credential. */
    {HM_GET, "/link", link_jwt_open, "link", LINK_FLAGS, NULL, 0},
    {HM_GET, "/link/assets/:name", link_asset, "link", LINK_FLAGS, NULL, 0},
    {HM_GET, "/link/s/:session", link_page, "link", LINK_FLAGS, NULL, 0},
    {HM_POST, "/link/s/:session/unlink", link_unlink, "link", LINK_FORM, NULL, 4096},
    {HM_POST, "/link/s/:session/telegram", link_telegram, "link", LINK_FORM, NULL, 4096},
    {HM_POST, "/link/s/:session/telegram/check", link_telegram_check, "link", LINK_FORM, NULL,
     4096},
    {HM_GET, "/link/s/:session/choose/:choice", link_choose_page, "link", LINK_FLAGS, NULL, 0},
    {HM_POST, "/link/s/:session/choose/:choice", link_choose, "link", LINK_FORM, NULL, 4096},
    {HM_GET, "/link/:platform/start", link_start, "link", LINK_FLAGS, NULL, 0},
    {HM_GET, "/link/:platform/callback", link_callback, "link", LINK_FLAGS, NULL, 0},
    {HM_GET, "/bio/:handle", bio_page, "request", LINK_FLAGS, NULL, 0},

    /* Webhooks (SPEC §8), per profile or, without a Profile-Key, per account. */
    {HM_POST, "/api/hook/webhook", webhooks_register, "webhook", AUTH_PROFILE, "webhooks", 0},
    {HM_DELETE, "/api/hook/webhook", webhooks_unregister, "webhook", AUTH_PROFILE, "webhooks", 0},
    {HM_GET, "/api/hook/webhook", webhooks_list, "webhook", AUTH_PROFILE, "webhooks", 0},
    {HM_POST, "/api/hook/webhook/secret", webhooks_secret, "webhook", AUTH_PROFILE, "webhooks", 0},
    {HM_GET, "/api/hook/deliveries", webhooks_deliveries, "webhook", AUTH_PROFILE, "webhooks", 0},
    {HM_POST, "/api/hook/deliveries/:id/resend", webhooks_resend, "webhook", AUTH_PROFILE,
     "webhooks", 0},

    {HM_GET, "/healthz", health_get, "request", ROUTE_NO_COUNT, NULL, 0},
    {HM_GET, "/metrics", metrics_get, "request", ROUTE_NO_COUNT, NULL, 0},
};

const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
