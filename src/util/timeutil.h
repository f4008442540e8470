/*
 * timeutil: the server's clock and its ISO-8601 formats.
 *
 * All stored times are int64 milliseconds since the Unix epoch (UTC). The
 * clock can be shifted for tests: when SOCIALD_TEST_CLOCK_FILE names a file,
 * its content (a signed number of milliseconds) is added to the real time,
 * read again at most every 50 ms. Nothing else in the code reads the time of
 * day directly.
 */
#ifndef SOCIALD_UTIL_TIMEUTIL_H
#define SOCIALD_UTIL_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIME_ISO_MS_LEN 24 /* 2022-11-14T16:18:49.110Z */
#define TIME_ISO_S_LEN  20 /* 2022-11-02T01:03:42Z */
#define MS_PER_DAY      86400000LL

/* Wall-clock milliseconds since the epoch, test offset included. */
int64_t time_now_ms(void);
/* Monotonic milliseconds, for timeouts and intervals only. */
int64_t time_mono_ms(void);
/* Formats ms as 2022-11-14T16:18:49.110Z into out (at least 25 bytes). */
void time_iso_ms(int64_t ms, char *out, size_t outlen);
/* Formats ms as 2022-11-02T01:03:42Z (to the second) into out (>= 21 bytes). */
void time_iso_s(int64_t ms, char *out, size_t outlen);
/* Parses RFC 3339 UTC times (Z or offsets, optional fraction); false if bad. */
bool time_parse_iso(const char *s, int64_t *ms);
/* The "YYYY-MM" key of the UTC month containing ms (out >= 8 bytes). */
void time_month_key(int64_t ms, char *out, size_t outlen);
/* Milliseconds at 00:00:00 UTC on the first day of the month after ms. */
int64_t time_next_month_ms(int64_t ms);

#endif
