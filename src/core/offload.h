/*
 * offload: worker threads for work that waits on the network (connector
 * calls for linking, import, live details). The HTTP request that needs it
 * is suspended (req_suspend) and resumed by the task when done, so HTTP
 * threads never wait (STYLE.md rule 10: one model, used everywhere).
 *
 * Tasks run in submission order on the first free worker. Shutdown has two
 * steps: offload_drain() refuses new tasks and waits for the queued and
 * running ones (each resumes its request), which must happen while the
 * HTTP server still runs — libmicrohttpd aborts when stopped with a
 * suspended connection; offload_free() then releases the pool.
 */
#ifndef SOCIALD_CORE_OFFLOAD_H
#define SOCIALD_CORE_OFFLOAD_H

#include <stdbool.h>

struct offload;

/* Starts threads workers. */
struct offload *offload_new(unsigned threads);
/* Queues fn(arg) to run on a worker; false (nothing queued) once draining
 * began: the caller answers 651 itself. */
bool offload_run(struct offload *o, void (*fn)(void *arg), void *arg);
/* True once draining began. A task that waits on something shutdown cannot
 * cut short (client_stop ends outbound calls; nothing ends a DNS lookup)
 * watches this, answers its request with 651 and returns, so draining
 * never waits on it. */
bool offload_stopping(struct offload *o);
/* Refuses new tasks, runs what is queued and waits for the workers. */
void offload_drain(struct offload *o);
/* Drains (if not done) and frees o. NULL is ignored. */
void offload_free(struct offload *o);

#endif
