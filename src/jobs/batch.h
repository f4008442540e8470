/*
 * batch: the export of every user profile of an account (SPEC §5) — the
 * 'batch' job that writes it and the 'sweep' job that deletes expired
 * files and, through ops_retention_sweep, rows past their retention
 * (config retain_*, every sweep_interval seconds) — and the signed URLs
 * that serve them.
 *
 * The file is written streaming (constant memory: one profile at a time,
 * from one consistent store snapshot) to a hidden temporary name in
 * <data>/files/batch/<refId>/, fsynced, renamed into place and the
 * directory fsynced; only then is the export marked ready and the batch
 * webhook written, in one transaction. A crash before that leaves at most a
 * temporary file (removed by the rerun or the sweeper) and the job runs
 * again when its lease expires.
 */
#ifndef SOCIALD_JOBS_BATCH_H
#define SOCIALD_JOBS_BATCH_H

#include "core/app.h"
#include "runner/runner.h"

struct runner_kind batch_job_kind(struct app *app);
struct runner_kind sweep_job_kind(struct app *app);

/* How long a failed export waits before its next attempt (attempt: 1 for
 * the first): 30 s, doubling with each failure, at most 15 minutes — a
 * store that refuses (403, a missing bucket) is not asked twice a minute
 * forever, each time rendering the whole export. */
int64_t batch_retry_delay_ms(int64_t attempt);
/* The export's file name for a start time: users-batch-YYYY-MM-DD-HH-MM.json. */
void batch_file_name(int64_t started_ms, char out[40]);
/* <data>/files/batch/<ref>/<file> (arena). */
const char *batch_path(struct app *app, struct arena *a, const char *ref, const char *file);
/* The signed URL of a file, valid until expires_ms (arena). */
const char *batch_url(struct app *app, struct arena *a, const char *ref, const char *file,
                      int64_t expires_ms);
/* True when signature (hex) signs GET path until expires (unix s) and that
 * time has not passed; compared in constant time. */
bool batch_signature_ok(struct app *app, const char *path, const char *expires,
                        const char *signature, int64_t now_ms);

#endif
