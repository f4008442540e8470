/*
 * health: whether the database answers, as its driver last saw it.
 *
 * The PostgreSQL driver marks the database unreachable when a connection
 * breaks or cannot be made, and reachable again at its next statement that
 * succeeds. The HTTP layer answers a request that failed meanwhile with 503
 * (651) and Retry-After instead of 500 (SPEC §12 "Failover"), and
 * GET /metrics shows it. SQLite, a file, is always reachable.
 */
#ifndef SOCIALD_CORE_HEALTH_H
#define SOCIALD_CORE_HEALTH_H

#include <stdbool.h>

void health_db_set(bool reachable);
bool health_db_reachable(void);

#endif
