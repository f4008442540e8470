/*
 * webhook: the job kind that delivers webhook events (guarantees and the
 * wire format at the top of webhook.c).
 */
#ifndef SOCIALD_JOBS_WEBHOOK_H
#define SOCIALD_JOBS_WEBHOOK_H

#include "core/app.h"
#include "runner/runner.h"
#include "platforms/client.h"

/* The "webhook" job kind, delivering with app's client, vault and store. */
struct runner_kind webhook_job_kind(struct app *app);

/*
 * The signature headers of one attempt (SPEC §8) as "Name: value" lines
 * (arena strings) in out: X-Authorization-Content-SHA256 and
 * X-Sociald-Signature (t=ts,v1=...) signed with secret, then, when prev
 * is given (a rotation within 24 h), a second v1= entry and
 * X-Authorization-Content-SHA256-Previous signed with it. ts is the
 * X-Authorization-Timestamp value. Returns the lines written (2 or 3).
 */
size_t webhook_sign(struct arena *a, const char *secret, size_t secret_len, const char *prev,
                    size_t prev_len, const char *ts, const char *body, const char *out[3]);

/*
 * What an attempt's answer means (the outcomes at the top of webhook.c):
 * "delivered" (2xx), "pending" (to be tried again after *delay_ms: the
 * configured delay for this attempt, or a longer Retry-After capped at the
 * longest delay), or "failed" (a final answer, or the last attempt).
 * attempt counts from 1; error and status are the client's outcome.
 */
const char *webhook_verdict(const struct config *cfg, enum client_error error, long status,
                            int64_t attempt, int64_t retry_after_ms, int64_t *delay_ms);

#endif
