/*
 * webhook: the job kind that delivers webhook events (guarantees and the
 * wire format at the top of webhook.c).
 */
#ifndef SOCIALD_JOBS_WEBHOOK_H
#define SOCIALD_JOBS_WEBHOOK_H

#include "core/app.h"
#include "jobs/runner.h"

/* The "webhook" job kind, delivering with app's client, vault and store. */
struct runner_kind webhook_job_kind(struct app *app);

#endif
