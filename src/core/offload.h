/*
 * offload: worker threads for work that waits on the network (connector
 * calls for linking, import, live details). The HTTP request that needs it
 * is suspended (req_suspend) and resumed by the task when done, so HTTP
 * threads never wait (STYLE.md rule 10: one model, used everywhere).
 *
 * Tasks run in submission order on the first free worker; offload_free()
 * waits for every queued task to finish.
 */
#ifndef SOCIALD_CORE_OFFLOAD_H
#define SOCIALD_CORE_OFFLOAD_H

struct offload;

/* Starts threads workers. */
struct offload *offload_new(unsigned threads);
/* Queues fn(arg) to run on a worker. */
void offload_run(struct offload *o, void (*fn)(void *arg), void *arg);
/* Runs what is queued, then stops the workers and frees o. NULL is ignored. */
void offload_free(struct offload *o);

#endif
