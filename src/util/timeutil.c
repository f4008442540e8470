/*
 * timeutil: clock and formats (see timeutil.h).
 */
#include "util/timeutil.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Atomic int64_t test_offset_ms;
static _Atomic int64_t test_offset_read_at;

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t test_offset(void)
{
    static const char *path;
    static _Atomic int checked;
    if (!atomic_load(&checked)) {
        path = getenv("SOCIALD_TEST_CLOCK_FILE");
        atomic_store(&checked, 1);
    }
    if (!path || !*path)
        return 0;
    int64_t now = time_mono_ms();
    if (now - atomic_load(&test_offset_read_at) < 50)
        return atomic_load(&test_offset_ms);
    FILE *f = fopen(path, "r");
    if (f) {
        char line[64] = {0};
        if (fgets(line, sizeof(line), f))
            atomic_store(&test_offset_ms, strtoll(line, NULL, 10));
        fclose(f);
    }
    atomic_store(&test_offset_read_at, now);
    return atomic_load(&test_offset_ms);
}

int64_t time_now_ms(void)
{
    return real_ms() + test_offset();
}

static void split(int64_t ms, struct tm *tm, int *millis)
{
    int64_t secs = ms / 1000;
    int64_t rem = ms % 1000;
    if (rem < 0) {
        rem += 1000;
        secs -= 1;
    }
    time_t t = (time_t)secs;
    gmtime_r(&t, tm);
    *millis = (int)rem;
}

void time_iso_ms(int64_t ms, char *out, size_t outlen)
{
    struct tm tm;
    int millis;
    split(ms, &tm, &millis);
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

void time_iso_s(int64_t ms, char *out, size_t outlen)
{
    struct tm tm;
    int millis;
    split(ms, &tm, &millis);
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool time_parse_iso(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, frac_ms = 0;
    if (strlen(s) < 19 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        int n = 0, scale = 100;
        while (*p >= '0' && *p <= '9') {
            if (n < 3)
                frac_ms += (*p - '0') * scale;
            scale /= 10;
            n++;
            p++;
        }
        if (n == 0)
            return false;
    }
    int off_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om))
            return false;
        off_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return false;
    }
    if (*p)
        return false;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    *ms = ((int64_t)t - off_min * 60) * 1000 + frac_ms;
    return true;
}

void time_month_key(int64_t ms, char *out, size_t outlen)
{
    struct tm tm;
    int millis;
    split(ms, &tm, &millis);
    snprintf(out, outlen, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
}

int64_t time_next_month_ms(int64_t ms)
{
    struct tm tm;
    int millis;
    split(ms, &tm, &millis);
    struct tm n = {0};
    n.tm_year = tm.tm_year + (tm.tm_mon == 11 ? 1 : 0);
    n.tm_mon = (tm.tm_mon + 1) % 12;
    n.tm_mday = 1;
    return (int64_t)timegm(&n) * 1000;
}
