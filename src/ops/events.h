/*
 * ops/events: the webhook events sociald emits (SPEC §8) — one payload
 * builder for every action, used by the changes of ops/ (ops.h).
 *
 * Each payload carries action, hookId, created, refId and title; social
 * events add type, platform, source, displayName (and details for system
 * events). An event is written with store_event_emit() inside the caller's
 * transaction, so it exists exactly when the change does; ops_commit()
 * commits and then wakes the runners (ops_kick) so delivery starts at once.
 */
#ifndef SOCIALD_OPS_EVENTS_H
#define SOCIALD_OPS_EVENTS_H

#include "core/app.h"
#include "store/profiles.h"
#include "util/jsonw.h"

/* A payload being built: its common fields are written by ops_event_begin. */
struct event {
    struct buf b;
    struct jw w;
    char hook_id[25];
    const struct profile *profile;
    const char *action;
    int64_t now_ms;
};

/* Starts the payload of an action event about profile p. */
void ops_event_begin(struct event *e, const char *action, const struct profile *p, int64_t now_ms);
/* Finishes the payload and records the event (and its delivery, when a
 * webhook takes it). Frees the builder either way. */
enum store_rc ops_event_emit(struct store *st, struct event *e);
/* A social event: type link|unlink|refresh, source user|system. */
enum store_rc ops_event_social(struct store *st, const struct profile *p, const char *type,
                               const char *platform, const char *source, const char *display_name,
                               const char *details, int64_t now_ms);
/* Starts delivering what was just committed. */
void ops_kick(struct app *app);
/* Ends the caller's transaction of a change and its events: commits when
 * rc is STORE_OK (then starts delivery), else rolls back. Returns the
 * outcome. */
enum store_rc ops_commit(struct app *app, enum store_rc rc);

#endif
