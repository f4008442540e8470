-- sociald schema, version 11: the details refresh is queued in memory
-- (jobs/details.h), no longer as jobs: a read past nextUpdate writes
-- nothing. Details jobs left by an older version are dropped; the next read
-- of each of those profiles queues it again.
DELETE FROM jobs WHERE kind = 'details';
