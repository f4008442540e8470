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

/* Civil date from days since 1970-01-01 (H. Hinnant's algorithm). Pure
 * arithmetic: gmtime_r takes glibc's global time-zone lock on every call,
 * which showed up as contention on the request path. */
static void civil(int64_t days, int *y, int *m, int *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Days since 1970-01-01 of a civil date. */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

struct civil_time {
    int year, mon, mday, hour, min, sec, millis;
};

static void split(int64_t ms, struct civil_time *t)
{
    int64_t days = ms / MS_PER_DAY, rem = ms % MS_PER_DAY;
    if (rem < 0) {
        rem += MS_PER_DAY;
        days -= 1;
    }
    civil(days, &t->year, &t->mon, &t->mday);
    t->hour = (int)(rem / 3600000);
    t->min = (int)(rem / 60000 % 60);
    t->sec = (int)(rem / 1000 % 60);
    t->millis = (int)(rem % 1000);
}

static char *put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* Writes YYYY-MM-DDTHH:MM:SS at p; returns the end. */
static char *put_datetime(char *p, const struct civil_time *t)
{
    p = put2(p, t->year / 100);
    p = put2(p, t->year % 100);
    *p++ = '-';
    p = put2(p, t->mon);
    *p++ = '-';
    p = put2(p, t->mday);
    *p++ = 'T';
    p = put2(p, t->hour);
    *p++ = ':';
    p = put2(p, t->min);
    *p++ = ':';
    return put2(p, t->sec);
}

void time_iso_ms(int64_t ms, char *out, size_t outlen)
{
    struct civil_time t;
    char tmp[32];
    split(ms, &t);
    char *p = put_datetime(tmp, &t);
    *p++ = '.';
    *p++ = (char)('0' + t.millis / 100);
    p = put2(p, t.millis % 100);
    *p++ = 'Z';
    *p = '\0';
    snprintf(out, outlen, "%s", tmp);
}

void time_iso_s(int64_t ms, char *out, size_t outlen)
{
    struct civil_time t;
    char tmp[32];
    split(ms, &t);
    char *p = put_datetime(tmp, &t);
    *p++ = 'Z';
    *p = '\0';
    snprintf(out, outlen, "%s", tmp);
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
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    *ms = (t - off_min * 60) * 1000 + frac_ms;
    return true;
}

void time_month_key(int64_t ms, char *out, size_t outlen)
{
    struct civil_time t;
    split(ms, &t);
    snprintf(out, outlen, "%04d-%02d", t.year, t.mon);
}

int64_t time_next_month_ms(int64_t ms)
{
    struct civil_time t;
    split(ms, &t);
    int y = t.mon == 12 ? t.year + 1 : t.year, m = t.mon == 12 ? 1 : t.mon + 1;
    return days_from_civil(y, m, 1) * MS_PER_DAY;
}
