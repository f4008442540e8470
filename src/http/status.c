/*
 * status: lookups into STATUS_TABLE (see status.h).
 */
#include "http/status.h"

static const struct {
    unsigned http;
    int code;
    const char *msg;
    const char *name;
} table[] = {
#define X(name, http, code, msg) {http, code, msg, #name},
    STATUS_TABLE(X)
#undef X
};

unsigned status_http(enum status s)
{
    return (unsigned)s < ST_COUNT_ ? table[s].http : 500;
}

int status_code(enum status s)
{
    return (unsigned)s < ST_COUNT_ ? table[s].code : 650;
}

const char *status_message(enum status s)
{
    return (unsigned)s < ST_COUNT_ ? table[s].msg : table[ST_INTERNAL].msg;
}

const char *status_name(enum status s)
{
    return (unsigned)s < ST_COUNT_ ? table[s].name : "INTERNAL";
}
