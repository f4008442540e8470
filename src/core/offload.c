/*
 * offload: a fixed pool of worker threads with a FIFO queue (see
 * offload.h).
 */
#include "core/offload.h"
#include "util/mem.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct task {
    struct task *next;
    void (*fn)(void *arg);
    void *arg;
};

struct offload {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct task *head, *tail;
    bool stop;   /* no new tasks; workers exit when the queue is empty */
    bool joined; /* the workers were joined */
    unsigned nthreads;
    pthread_t *threads;
};

static void *work(void *arg)
{
    struct offload *o = arg;
    for (;;) {
        pthread_mutex_lock(&o->mu);
        while (!o->head && !o->stop)
            pthread_cond_wait(&o->cv, &o->mu);
        struct task *t = o->head;
        if (t) {
            o->head = t->next;
            if (!o->head)
                o->tail = NULL;
        }
        pthread_mutex_unlock(&o->mu);
        if (!t)
            return NULL; /* stopping, and nothing left */
        t->fn(t->arg);
        free(t);
    }
}

struct offload *offload_new(unsigned threads)
{
    struct offload *o = mem_calloc(1, sizeof(*o));
    pthread_mutex_init(&o->mu, NULL);
    pthread_cond_init(&o->cv, NULL);
    o->nthreads = threads ? threads : 8;
    o->threads = mem_calloc(o->nthreads, sizeof(pthread_t));
    for (unsigned i = 0; i < o->nthreads; i++)
        if (pthread_create(&o->threads[i], NULL, work, o) != 0)
            abort();
    return o;
}

bool offload_run(struct offload *o, void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&o->mu);
    if (o->stop) {
        pthread_mutex_unlock(&o->mu);
        return false;
    }
    struct task *t = mem_calloc(1, sizeof(*t));
    t->fn = fn;
    t->arg = arg;
    if (o->tail)
        o->tail->next = t;
    else
        o->head = t;
    o->tail = t;
    pthread_cond_signal(&o->cv);
    pthread_mutex_unlock(&o->mu);
    return true;
}

bool offload_stopping(struct offload *o)
{
    pthread_mutex_lock(&o->mu);
    bool stop = o->stop;
    pthread_mutex_unlock(&o->mu);
    return stop;
}

void offload_drain(struct offload *o)
{
    if (!o)
        return;
    pthread_mutex_lock(&o->mu);
    bool joined = o->joined;
    o->stop = true;
    o->joined = true;
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->mu);
    if (joined)
        return;
    for (unsigned i = 0; i < o->nthreads; i++)
        pthread_join(o->threads[i], NULL);
}

void offload_free(struct offload *o)
{
    if (!o)
        return;
    offload_drain(o);
    free(o->threads);
    pthread_mutex_destroy(&o->mu);
    pthread_cond_destroy(&o->cv);
    free(o);
}
