/*
 * db: the driver interface under the store (private to src/store/).
 *
 * The store's logic and SQL are written once (store.c and friends) against
 * this interface; a driver (sqlite.c now, postgres.c later) is the only code
 * that includes a database library's header. SQL uses '?' placeholders and
 * the subset both databases share (ON CONFLICT, RETURNING, partial indexes);
 * where dialects differ the store asks db_dialect().
 *
 * A struct db is one connection, used by one thread at a time. Statements
 * are prepared once per connection and cached by the caller's id.
 */
#ifndef SOCIALD_STORE_DB_H
#define SOCIALD_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum db_rc { DB_ROW = 1, DB_DONE = 0, DB_CONSTRAINT = -1, DB_BUSY = -2, DB_ERROR = -3 };
enum db_dialect { DB_SQLITE, DB_POSTGRES };

struct db;
struct db_stmt;

struct migration {
    int version;
    const char *name;
    const char *sql;
};

struct db_driver {
    enum db_dialect dialect;
    /* Opens a connection; NULL with err filled on failure. */
    struct db *(*connect)(const char *target, char *err, size_t errlen);
    void (*close)(struct db *db);
    /* Runs one or more statements without results (DDL, BEGIN, COMMIT). */
    enum db_rc (*exec)(struct db *db, const char *sql);
    /* Returns the connection's cached statement for slot id, preparing sql
     * on first use. NULL on a prepare error (logged). */
    struct db_stmt *(*stmt)(struct db *db, unsigned id, const char *sql);
    /* Like stmt, for a SELECT that may return more rows than fit in memory
     * (a whole account's): its rows come a batch at a time, all from one
     * snapshot, until reset. Bounded memory on every driver (SQLite's
     * statements stream anyway); an id is used with stmt or stream, never
     * both. */
    struct db_stmt *(*stream)(struct db *db, unsigned id, const char *sql);
    void (*bind_i64)(struct db_stmt *s, int idx, int64_t v);
    void (*bind_text)(struct db_stmt *s, int idx, const char *v); /* NULL binds NULL */
    void (*bind_blob)(struct db_stmt *s, int idx, const void *v, size_t n);
    void (*bind_null)(struct db_stmt *s, int idx);
    /* Advances to the next row (executing on the first call). */
    enum db_rc (*step)(struct db_stmt *s);
    bool (*col_null)(struct db_stmt *s, int col);
    int64_t (*col_i64)(struct db_stmt *s, int col);
    /* Valid until the next step or reset; NULL for a NULL column. */
    const char *(*col_text)(struct db_stmt *s, int col);
    const void *(*col_blob)(struct db_stmt *s, int col, size_t *n);
    /* Ends the statement's execution and clears its bindings. */
    void (*reset)(struct db_stmt *s);
    /* Rows changed by the last statement. */
    int64_t (*changes)(struct db *db);
    /* Whether the statement only reads (a read snapshot may cover it). */
    bool (*readonly)(struct db_stmt *s);
    /* The migrations for this dialect, in order, ended by a zero version. */
    const struct migration *migrations;
    /* Last error text for logs. */
    const char *(*errmsg)(struct db *db);
    /* PostgreSQL: listens on channel (from the first call on) and waits up
     * to timeout_ms for a notification; true when one came. NULL for
     * SQLite. */
    bool (*wait)(struct db *db, const char *channel, int timeout_ms);
    /* Turns the connection's triggers off or on (a bulk load writes what
     * they would, once per row group); false when it cannot. */
    bool (*triggers)(struct db *db, bool on);
};

extern const struct db_driver db_sqlite;
extern const struct db_driver db_postgres;

#endif
