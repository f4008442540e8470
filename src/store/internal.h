/*
 * internal: what the store's own files share (private to src/store/).
 */
#ifndef SOCIALD_STORE_INTERNAL_H
#define SOCIALD_STORE_INTERNAL_H

#include "store/db.h"
#include "store/linked.h"
#include "store/profiles.h"
#include "store/store.h"

#include <pthread.h>

#include <stdatomic.h>

#define STORE_STAMP_SLOTS 65536u

struct store {
    const struct db_driver *drv;
    char *target;
    pthread_key_t key;
    /* STORE_STAMP_SLOTS counters and, after them, the epoch: bumped before
     * any of them is. Shared memory when possible. */
    _Atomic uint64_t *stamps;
    bool stamps_mapped;
    /* PostgreSQL: the change log this process follows (changelog.c). */
    struct changelog *changes;
};

/* One entity a transaction touched. */
struct store_touch_rec {
    enum store_kind kind;
    int64_t id;
};

/* Inside a transaction, waits for and takes the lock of (what, key) until
 * the transaction ends (outside one it does nothing): the check-then-write sequences that SQLite's
 * BEGIN IMMEDIATE serialises (writers take turns) take turns on
 * PostgreSQL too, across processes. A no-op on SQLite. */
enum store_rc store_lock(struct store *st, const char *what, const char *key);

/* Ends the caller's transaction by rc: committed when STORE_OK (then what
 * the commit returns), else rolled back and rc. */
enum store_rc store_settle(struct store *st, enum store_rc rc);

/* Bumps the entity's stamp (and the epoch first) / every stamp. */
void store_bump(struct store *st, enum store_kind kind, int64_t id);
void store_bump_all(struct store *st);

/* The change log (PostgreSQL; changelog.c): changelog_start reads where
 * the log stands and follows it on a thread of its own, bumping this
 * process's stamps for what other processes commit; changelog_put adds
 * the rows of the entities a transaction touched (all: every entity), in
 * the caller's transaction. */
struct changelog *changelog_start(struct store *st);
void changelog_stop(struct changelog *cl);
int64_t changelog_origin(const struct changelog *cl);
/* After a commit that added rows: wakes the other processes' followers. */
void changelog_notify(struct store *st);
enum store_rc changelog_put(struct store *st, const struct store_touch_rec *t, size_t n, bool all);

/* Records that the entity changed. Inside a transaction the stamp is bumped
 * when the outermost transaction commits (never before: a reader must not
 * trust pre-commit data under the new stamp); outside one, at once. */
void store_touch(struct store *st, enum store_kind kind, int64_t id);

/* Moves the sealed tokens of the profile's linked accounts (platform NULL:
 * all of them) to revocations and queues a 'revoke' job for each, before
 * the rows are deleted. Runs inside the caller's transaction
 * (store/revocations.c; called by store_linked_delete and
 * store_profile_delete). */
enum store_rc store_revocations_queue(struct store *st, int64_t profile_id, const char *platform,
                                      int64_t now_ms);

/* True between a successful store_bulk_begin() and store_bulk_end() on the
 * calling thread's connection: its triggers are off. */
bool store_in_bulk(struct store *st);

/* Statement slots: each SQL text the store runs has one, so every
 * connection prepares it once. */
enum stmt_id {
    Q_PING,
    Q_CHANGES_MAX,
    Q_CHANGES_HOLES,
    Q_CHANGES_NEXT,
    Q_CHANGES_TRIM,
    Q_CHANGES_PUT,
    Q_CHANGES_TABLE,
    Q_LOCK,
    Q_RATE_LEASE,
    Q_RATE_REFUSED,
    Q_USAGE_LEASE,
    Q_SNAP_BEGIN,
    Q_SNAP_COMMIT,
    Q_MIGRATION_VERSION,
    Q_MIGRATION_RECORD,
    Q_ACCOUNT_INSERT,
    Q_ACCOUNT_SET_PRIMARY,
    Q_PROFILE_INSERT_PRIMARY,
    Q_AUTH,
    Q_ACCOUNT_FIND,
    Q_ACCOUNT_GET,
    Q_ACCOUNT_LIST,
    Q_ACCOUNT_SET_PLAN,
    Q_ACCOUNT_SET_KEY,
    Q_PROFILE_BY_KEY,
    Q_PROFILE_GET,
    Q_PROFILE_KEY_EXISTS,
    Q_PROFILE_INSERT,
    Q_PROFILE_BY_TITLE,
    Q_PROFILE_BY_REF,
    Q_PROFILE_UPDATE,
    Q_PROFILE_TITLE_TAKEN,
    Q_PROFILE_BIO_TAKEN,
    Q_PROFILE_DELETE,
    Q_PROFILE_DROP_LINKED,
    Q_PROFILE_SUSPEND,
    Q_PROFILE_LIST,
    Q_LINKED_DELETE,
    Q_LINKED_HEALTH,
    Q_WEBHOOK_PUT_CLEAR,
    Q_WEBHOOK_PUT,
    Q_WEBHOOK_DELETE,
    Q_WEBHOOK_CANCEL,
    Q_WEBHOOK_CANCEL_JOBS,
    Q_WEBHOOK_LIST,
    Q_WEBHOOK_SECRET_SET,
    Q_WEBHOOK_SECRET_GET,
    Q_WEBHOOK_SECRETS_ALL,
    Q_WEBHOOK_SECRET_RESEAL,
    Q_KEY_IDS,
    Q_EVENT_INSERT,
    Q_EVENT_ROUTE,
    Q_DELIVERY_INSERT,
    Q_DELIVERY_BY_PUBLIC,
    Q_DELIVERY_LIST,
    Q_DELIVERY_RESEND,
    Q_JOB_ADD,
    Q_JOB_EXTEND,
    Q_JOB_COUNTS,
    Q_JOB_ENSURE,
    Q_BATCH_NEWEST,
    Q_BATCH_GET,
    Q_BATCH_BY_FILE,
    Q_BATCH_SUPERSEDE,
    Q_BATCH_INSERT,
    Q_BATCH_READY,
    Q_BATCH_EXPIRED,
    Q_BATCH_DELETED,
    Q_BATCH_PROFILES,
    Q_BATCH_NEXT_EXPIRY,
    Q_BATCH_SWEEP_SOONER,
    Q_BATCH_SCAN,
    Q_WARM_PAGE,
    Q_GBP_PRUNE,
    Q_GBP_COUNT,
    Q_GBP_NTH,
    Q_GBP_INSERT,
    Q_GBP_BATCH,
    Q_GBP_DONE,
    Q_GBP_DROP,
    Q_JOB_PUT_MOVE,
    Q_JOB_PUT_KEEP,
    Q_JOB_DROP,
    Q_LINKED_STATE,
    Q_LINKED_STATES,
    Q_LINKED_REFRESHED,
    Q_LINKED_FAILED,
    Q_LINKED_DETAILS,
    Q_PROFILE_DETAILS_DONE,
    Q_JOB_LEASE,
    Q_JOB_RESCHEDULE,
    Q_JOB_DELETE,
    Q_JOB_NEXT,
    Q_JOB_COUNT,
    Q_LINKED_LINK,
    Q_LINKED_SECRET,
    Q_LINK_SESSION_ADD,
    Q_LINK_SESSION_GET,
    Q_LINK_SESSION_REVOKE,
    Q_OAUTH_STATE_ADD,
    Q_OAUTH_STATE_TAKE,
    Q_LINK_PENDING_ADD,
    Q_LINK_PENDING_GET,
    Q_LINK_PENDING_TAKE,
    Q_OAUTH_APP_SET,
    Q_OAUTH_APP_GET,
    Q_PUBLIC_KEY_SET,
    Q_PUBLIC_KEY_GET,
    Q_LINKED_TOKENS_ALL,
    Q_LINKED_RESEAL,
    Q_LINK_SESSION_OPEN,
    Q_PROFILE_SETTINGS,
    Q_PROFILE_BY_BIO,
    Q_LINK_GC_STATES,
    Q_LINK_GC_PENDING,
    Q_LINK_GC_SESSIONS,
    Q_LINK_GC_TELEGRAM,
    Q_TG_CODE_DROP,
    Q_TG_CODE_ADD,
    Q_TG_CODE_OF_SESSION,
    Q_TG_CODE_BY_LOOKUP,
    Q_TG_CODE_SEEN,
    Q_TG_CODE_REFUSED,
    Q_TG_CODE_TAKE,
    Q_REVOKE_QUEUE,
    Q_REVOKE_JOB,
    Q_REVOKE_GET,
    Q_REVOKE_DELETE,
    Q_SECRET_INSERT,
    Q_SECRET_GET,
    Q_SECRET_SEAL,
    Q_SECRET_SEAL_PLAIN,
    Q_SECRETS_ALL,
    Q_LINKED_LIST,
    Q_USAGE_ADD,
    Q_USAGE_GET,
    Q_LINKED_INSERT, /* one to STORE_LINKED_INSERT_MAX rows: ten slots */
    Q_LINKED_INSERT_LAST_ = Q_LINKED_INSERT + STORE_LINKED_INSERT_MAX - 1,
    Q_BULK_JOURNAL_OFF,
    Q_BULK_JOURNAL_WAL,
    Q_BULK_EMPTY,
    Q_BULK_LINKED,
    Q_JOB_SOONER,
    Q_RETAIN_PROFILES,
    Q_RETAIN_PROFILE_SECRET,
    Q_RETAIN_PROFILE_HOOKS,
    Q_RETAIN_PROFILE_SESSIONS,
    Q_RETAIN_PROFILE_USAGE,
    Q_RETAIN_PROFILE_ROW,
    Q_RETAIN_DELIVERIES,
    Q_RETAIN_EVENTS,
    Q_RETAIN_WEBHOOKS,
    Q_RETAIN_BATCH,
    Q_DELIVERY_GET_MANY,
    Q_DELIVERY_RECORD_MANY,
    Q_DELIVERY_HOOKS_MANY,
    Q_JOB_DELETE_MANY,
    Q_JOB_RESCHEDULE_MANY,
    Q_COUNT_
};

/* The profile columns every profile query selects, in store_read_profile's
 * order. */
#define STORE_PROFILE_COLS                                                             \
    "p.id, p.account_id, p.ref_id, p.title, p.is_primary, p.created_ms, p.version, "   \
    "p.details_updated_ms, p.suspended_ms, p.deleted_ms, p.deleted_by, p.bio_handle, " \
    "p.linked_mask"
#define STORE_PROFILE_NCOLS 13

/* The linked-account columns (table alias l), in store_read_linked's order. */
#define STORE_LINKED_COLS                                                           \
    "l.id, l.profile_id, l.platform, l.network_id, l.display_name, l.username, "    \
    "l.profile_url, l.user_image, l.page_name, l.type, l.description, l.maps_url, " \
    "l.place_id, l.review_url, l.linked_ms, l.status"
#define STORE_LINKED_NCOLS 16

/* Reads STORE_LINKED_COLS starting at column c into la (strings in a). */
void store_read_linked(struct store *st, struct db_stmt *s, int c, struct arena *a,
                       struct linked_account *la);

/* Reads STORE_PROFILE_COLS starting at column c into p (strings in a). */
void store_read_profile(struct store *st, struct db_stmt *s, int c, struct arena *a,
                        struct profile *p);

/* The calling thread's connection, opened on first use; NULL on failure. */
struct db *store_db(struct store *st);
/* The calling thread's prepared statement for id; NULL on failure. */
struct db_stmt *store_stmt(struct store *st, enum stmt_id id, const char *sql);
/* Column col as an arena string; NULL when the column is NULL. */
const char *store_col_str(struct store *st, struct db_stmt *s, int col, struct arena *a);
/* Column col as an arena copy of its bytes; NULL (and *n 0) when NULL. */
const void *store_col_blob(struct store *st, struct db_stmt *s, int col, struct arena *a,
                           size_t *n);
/* Column col as an integer; 0 when NULL. */
int64_t store_col_opt_i64(struct store *st, struct db_stmt *s, int col);
/* Binds p (NULL binds NULL) / v (0 binds NULL). */
void store_bind_opt_blob(struct store *st, struct db_stmt *s, int idx, const void *p, size_t n);
void store_bind_opt_i64(struct store *st, struct db_stmt *s, int idx, int64_t v);
/*
 * Sets bound as one parameter, so that a batch costs one statement (one
 * round trip on PostgreSQL) instead of one per row:
 *  - a list of ids, bound with store_bind_ids and tested with
 *    "col" STORE_IN_IDS_SQLITE(N) / STORE_IN_IDS_PG(N) for parameter ?N;
 *  - rows, bound as a JSON array of objects, read by SQLite with
 *    json_each(?N) and json_extract(value, '$.key'), by PostgreSQL with
 *    jsonb_to_recordset(CAST(?N AS JSONB)) AS v(key TYPE, ...).
 */
#define STORE_IN_IDS_SQLITE(n) " IN (SELECT value FROM json_each(?" #n "))"
#define STORE_IN_IDS_PG(n)     " = ANY(CAST(?" #n " AS BIGINT[]))"
/* Binds the n ids as the text STORE_IN_IDS_* reads: a JSON array for
 * SQLite, an array literal for PostgreSQL. */
void store_bind_ids(struct store *st, struct db_stmt *s, int idx, const int64_t *ids, size_t n);
/* Runs a statement that returns no rows and resets it. */
enum db_rc store_run(struct store *st, struct db_stmt *s);
/* Maps a driver result to the store's. */
enum store_rc store_rc_of(enum db_rc rc);

#endif
