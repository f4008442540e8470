/*
 * secrets: the server's own random secrets (see store/secrets.h).
 */
#include "store/secrets.h"
#include "store/internal.h"
#include "crypto/crypto.h"

#include <string.h>

#define D (st->drv)

enum store_rc store_secret(struct store *st, const char *name, unsigned char out[32])
{
    unsigned char fresh[32];
    crypto_random(fresh, sizeof(fresh));
    /* Insert-if-absent then read: concurrent first users agree on one value. */
    struct db_stmt *s = store_stmt(st, Q_SECRET_INSERT,
                                   "INSERT INTO secrets (name, value) VALUES (?, ?) "
                                   "ON CONFLICT (name) DO NOTHING");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, name);
    D->bind_blob(s, 2, fresh, sizeof(fresh));
    if (store_run(st, s) != DB_DONE)
        return STORE_ERROR;
    s = store_stmt(st, Q_SECRET_GET, "SELECT value FROM secrets WHERE name = ?");
    if (!s)
        return STORE_ERROR;
    D->bind_text(s, 1, name);
    enum store_rc rc = STORE_ERROR;
    if (D->step(s) == DB_ROW) {
        size_t len = 0;
        const void *v = D->col_blob(s, 0, &len);
        if (len == 32) {
            memcpy(out, v, 32);
            rc = STORE_OK;
        }
    }
    D->reset(s);
    return rc;
}
