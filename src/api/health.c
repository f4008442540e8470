/*
 * health: GET /healthz (SPEC §11) — 200 when the database answers.
 */
#include "api/api.h"

enum status health_get(struct app *app, struct req *r)
{
    if (store_ping(app->store) != STORE_OK)
        return ST_UNAVAILABLE;
    buf_puts(&r->out, "{\"status\":\"ok\"}");
    return ST_OK;
}
