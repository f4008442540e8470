/*
 * netconf: each network's operator configuration — client credentials,
 * scopes and base URLs — from the config file's "networks" object and the
 * environment, with the real networks' URLs as defaults and `--sandbox URL`
 * pointing every slot at `sociald sandbox` (docs/sandbox.md).
 *
 *   "networks": {"facebook": {"clientId": "…", "clientSecret": "…",
 *                "scopes": "…", "urls": {"authorize": "…", "api": "…"}}}
 *   SOCIALD_<NETWORK>_CLIENT_ID, SOCIALD_<NETWORK>_CLIENT_SECRET,
 *   SOCIALD_GOOGLE_CLIENT_ID/_SECRET (gmb and youtube), instagram falls back
 *   to facebook's app, SOCIALD_TELEGRAM_BOT_TOKEN, SOCIALD_TWITTER_APP_TOKEN.
 */
#ifndef SOCIALD_PLATFORMS_NETCONF_H
#define SOCIALD_PLATFORMS_NETCONF_H

#include <stdbool.h>

#include "core/config.h"
#include "platforms/platform.h"

struct netconfs;

/* Builds every network's configuration; the caller frees it. */
struct netconfs *netconf_load(const struct config *cfg);
void netconf_free(struct netconfs *nc);
/* Network i's configuration. */
const struct netconf *netconf_get(const struct netconfs *nc, int i);
/* True when network i can be linked (it has client credentials, or a bot
 * token for telegram). */
bool netconf_available(const struct netconfs *nc, int i);

#endif
