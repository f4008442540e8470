/*
 * store: the persistence interface the rest of sociald uses — the
 * connection, transactions, migrations and change stamps. Each table's
 * functions are declared beside their code, one header per table (or tight
 * group of tables), each of which includes this one:
 *
 *   store/accounts.h     accounts, API-key auth, public keys, own OAuth apps
 *   store/profiles.h     user profiles
 *   store/linked.h       linked accounts: display fields, sealed tokens, upkeep
 *   store/linking.h      linking sessions, OAuth states, pending choices, Telegram codes
 *   store/revocations.h  tokens waiting to be revoked after an unlink
 *   store/webhooks.h     webhook registrations and signing secrets
 *   store/deliveries.h   events and their deliveries
 *   store/jobs.h         the durable job queue
 *   store/batch.h        batch exports
 *   store/edits.h        Google Business Profile edit limits
 *   store/usage.h        monthly API-call counters
 *   store/secrets.h      the server's own secrets
 *
 * Nothing here names a database: the SQLite driver (and later PostgreSQL)
 * sit behind it. Every function is safe to call from any thread; each thread
 * uses its own connection, opened on first use. A transaction opened with
 * store_begin() belongs to the calling thread and covers the store calls that
 * thread makes until store_commit()/store_rollback().
 *
 * Memory: strings in results are allocated in the caller's arena and live as
 * long as it does. Functions return STORE_OK, STORE_NOTFOUND (no such row),
 * STORE_CONFLICT (a uniqueness rule would be broken; nothing was changed) or
 * STORE_ERROR (logged; the caller answers 650).
 *
 * Times are int64 milliseconds since the Unix epoch (UTC). Keys are never
 * stored or passed here: only their SHA-256 (STORE_HASH_LEN bytes).
 */
#ifndef SOCIALD_STORE_STORE_H
#define SOCIALD_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define STORE_HASH_LEN  32
#define STORE_REFID_LEN 40
#define STORE_PLAN_LEN  16

enum store_rc { STORE_OK = 0, STORE_NOTFOUND, STORE_CONFLICT, STORE_ERROR };

struct store;

/* ---- lifecycle ---- */

/* Opens the store at target (a SQLite file path, or "sqlite:PATH"). Does not
 * migrate. NULL with err filled on failure; store_close() releases it. */
struct store *store_open(const char *target, char *err, size_t errlen);
/* Closes the calling thread's connection and frees the store. Other threads
 * must have finished using it (their connections close as they exit). */
void store_close(struct store *st);
/* Applies pending migrations in order, each in its own transaction; sets
 * *applied to how many ran. */
enum store_rc store_migrate(struct store *st, int *applied);
/* The schema version (highest applied migration), or -1 on error. */
int store_schema_version(struct store *st);
/* A trivial query, for /healthz. */
enum store_rc store_ping(struct store *st);

/* ---- transactions ---- */

/* Starts a write transaction on the calling thread's connection. */
enum store_rc store_begin(struct store *st);
enum store_rc store_commit(struct store *st);
/* Rolls back; safe to call when no transaction is open. */
void store_rollback(struct store *st);
/*
 * A read snapshot over the reads the calling thread makes until
 * store_read_end(): one read transaction instead of one per statement (the
 * locking of each costs more than a point query). Nothing else changes for
 * the caller: store_begin() inside it ends the snapshot first, so a write
 * never runs on an old snapshot, and the reads after it see the newest
 * data. Both are no-ops inside a write transaction. Hold it for one
 * request, not longer: an open snapshot holds back checkpoints.
 */
void store_read_begin(struct store *st);
void store_read_end(struct store *st);

/*
 * A bulk load into a new database (sociald seed). When the calling thread's
 * connection is the only one on the database and the database holds no
 * account yet, store_bulk_begin() takes the database for itself (other
 * processes wait, then fail with busy) and turns off the rollback journal
 * and fsync, with a large page cache: true. Otherwise it changes nothing:
 * false. While it is on, a rollback does not undo and a crash can leave the
 * file unusable: there is nothing in it to lose yet, and the load is rerun
 * on a fresh database. store_bulk_end() puts WAL mode, fsync and the
 * shared lock back: call it once the load is committed, also after a
 * failure.
 */
bool store_bulk_begin(struct store *st);

/* Whether the database is one many processes on many machines share
 * (PostgreSQL), whose per-process state (rate-limit windows) must then
 * live in it; false for SQLite. */
bool store_shared(const struct store *st);
enum store_rc store_bulk_end(struct store *st);

/* ---- change stamps ----
 *
 * Every committed write that changes an account or a profile (or what
 * GET /api/user shows for it: linked accounts) bumps that entity's stamp.
 * A cache notes the stamp before reading the store and may trust its copy
 * for as long as the stamp is unchanged. Stamps live in shared memory beside
 * the database, so writes by other processes and by the CLI are seen at once.
 * Distinct entities may share a stamp (a hash table of counters): a collision
 * only causes a spurious reload.
 */
enum store_kind { STORE_KIND_ACCOUNT = 1, STORE_KIND_PROFILE = 2 };

/* The current stamp of an entity; an atomic load, no I/O. */
uint64_t store_stamp(struct store *st, enum store_kind kind, int64_t id);
/* The stamp of an entity just read inside a read snapshot, and whether
 * that read may be trusted under it (*fits): true when nothing changed
 * since the snapshot began, so the read holds every change the stamp shows.
 * Saves reading an entity twice when its id was only learned by reading it. */
uint64_t store_stamp_after(struct store *st, enum store_kind kind, int64_t id, bool *fits);

/* ---- sealed values ---- */

/* The master key ids any sealed value uses, in any table (for
 * `sociald rotate-master-key`); *out is an arena array. */
enum store_rc store_key_ids_in_use(struct store *st, struct arena *a, uint32_t **out, size_t *n);

#endif
