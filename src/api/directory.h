/*
 * directory: the hot path's view of accounts and profiles — an in-memory
 * cache in front of the store (DESIGN.md "hot path budget": a hash lookup,
 * not a query).
 *
 * It maps API-key hashes to accounts, profile-key hashes to profile ids,
 * profile ids to profiles, and profile ids to their rendered linked
 * accounts. Every cached account and profile carries the store's change
 * stamp read before it was loaded; an entry is used only while the stamp is
 * unchanged, so any committed change — by this process, another server on
 * the same database, or the CLI — is seen by the next request. Rendered
 * linked accounts are keyed by the profile's version. Nothing negative is
 * cached: an unknown key always asks the store.
 *
 * Results are copied into the caller's arena.
 */
#ifndef SOCIALD_API_DIRECTORY_H
#define SOCIALD_API_DIRECTORY_H

#include <stddef.h>

#include "render/render.h"
#include "store/accounts.h"
#include "store/profiles.h"
#include "store/store.h"

struct directory;

/* Creates a directory over st holding at most about budget bytes. */
struct directory *dir_new(struct store *st, size_t budget);
void dir_free(struct directory *d);
/* The account whose API key hashes to h. */
enum store_rc dir_account(struct directory *d, struct arena *a,
                          const unsigned char h[STORE_HASH_LEN], struct account *out);
/* The profile of account_id whose key hashes to h (deleted or suspended
 * ones too: the caller decides). */
enum store_rc dir_profile_by_key(struct directory *d, struct arena *a, int64_t account_id,
                                 const unsigned char h[STORE_HASH_LEN], struct profile *out);
/* The profile with this id. */
enum store_rc dir_profile(struct directory *d, struct arena *a, int64_t id, struct profile *out);
/* The rendered linked accounts of p (whose version keys the cache). */
enum store_rc dir_linked(struct directory *d, struct arena *a, const struct profile *p,
                         int64_t now_ms, struct linked_json *out);
/* Entries and bytes cached, for metrics. */
void dir_stats(struct directory *d, size_t *entries, size_t *bytes);

/*
 * Warming: a low-priority thread reads every live profile in id order, a
 * page per read snapshot, and caches its key, its row and its rendered
 * linked accounts as a first read would (under the stamps, so a change
 * racing the warm is never served), until all are cached or the cache holds
 * 85 % of its budget. After a restart the server then answers from memory
 * instead of from the database, as a long-running one does.
 */
struct dir_warm;
struct usage;
/* u gets each profile's stored calls of the month (usage_prime), so that
 * a first read does not ask the store for them. */
struct dir_warm *dir_warm_start(struct directory *d, struct usage *u);
/* Stops the thread (between pages) and frees w; NULL is ignored. */
void dir_warm_stop(struct dir_warm *w);
/* Profiles cached so far, and whether the warm has ended. */
void dir_warm_stats(struct dir_warm *w, uint64_t *profiles, bool *done);

#endif
