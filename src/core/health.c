/* health: one process-wide flag (see health.h). */
#include "core/health.h"

#include <stdatomic.h>

static atomic_bool unreachable;

void health_db_set(bool reachable)
{
    /* A load first: statements succeed all the time, and a store to a
     * shared line on each would bounce it between cores. */
    if (atomic_load_explicit(&unreachable, memory_order_relaxed) == reachable)
        atomic_store_explicit(&unreachable, !reachable, memory_order_relaxed);
}

bool health_db_reachable(void)
{
    return !atomic_load_explicit(&unreachable, memory_order_relaxed);
}
