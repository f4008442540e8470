#include "suites.h"
#include "util/rss.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGES 16

/* The Rss and Anonymous KiB /proc/self/smaps gives the mapping at p. */
static void resident(const void *p, long *rss, long *anon)
{
    FILE *f = fopen("/proc/self/smaps", "re");
    ck_assert_ptr_nonnull(f);
    char line[512];
    bool in = false;
    *rss = *anon = -1;
    while (fgets(line, sizeof(line), f)) {
        unsigned long s, e;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) == 3)
            in = (unsigned long)p >= s && (unsigned long)p < e;
        else if (in && !strncmp(line, "Rss:", 4))
            *rss = strtol(line + 4, NULL, 10);
        else if (in && !strncmp(line, "Anonymous:", 10))
            *anon = strtol(line + 10, NULL, 10);
    }
    fclose(f);
}

/* A file of PAGES pages, page i filled with 'a' + i, mapped privately. */
static unsigned char *map_file(int prot)
{
    char path[] = "/tmp/sociald-rss-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    long pg = sysconf(_SC_PAGESIZE);
    for (int i = 0; i < PAGES; i++) {
        unsigned char page[65536];
        memset(page, 'a' + i, (size_t)pg);
        ck_assert_int_eq(write(fd, page, (size_t)pg), pg);
    }
    unsigned char *p = mmap(NULL, (size_t)(pg * PAGES), prot, MAP_PRIVATE, fd, 0);
    close(fd);
    ck_assert_ptr_ne(p, MAP_FAILED);
    return p;
}

START_TEST(clean_file_pages_go_and_come_back)
{
    long pg = sysconf(_SC_PAGESIZE), rss, anon;
    unsigned char *p = map_file(PROT_READ);
    unsigned sum = 0;
    for (int i = 0; i < PAGES; i++)
        sum += p[i * pg];
    resident(p, &rss, &anon);
    ck_assert_int_eq(rss, pg * PAGES / 1024);
    ck_assert_int_eq(anon, 0);
    ck_assert_uint_ge(rss_drop_startup(), (size_t)rss);
    resident(p, &rss, &anon);
    ck_assert_int_eq(rss, 0);
    /* The same bytes on the next access. */
    unsigned again = 0;
    for (int i = 0; i < PAGES; i++) {
        ck_assert_int_eq(p[i * pg], 'a' + i);
        again += p[i * pg];
    }
    ck_assert_uint_eq(again, sum);
    munmap(p, (size_t)(pg * PAGES));
}
END_TEST

/* A private mapping with a page written (a library's relocated data, made
 * read-only afterwards) holds memory the file does not: it must stay. */
START_TEST(written_pages_stay)
{
    long pg = sysconf(_SC_PAGESIZE), rss, anon;
    unsigned char *p = map_file(PROT_READ | PROT_WRITE);
    for (int i = 0; i < PAGES; i++)
        (void)*(volatile unsigned char *)&p[i * pg];
    p[3 * pg] = 'X';
    ck_assert_int_eq(mprotect(p, (size_t)(pg * PAGES), PROT_READ), 0);
    resident(p, &rss, &anon);
    ck_assert_int_gt(anon, 0);
    rss_drop_startup();
    ck_assert_int_eq(p[3 * pg], 'X');
    resident(p, &rss, &anon);
    ck_assert_int_eq(rss, pg * PAGES / 1024);
    munmap(p, (size_t)(pg * PAGES));
}
END_TEST

Suite *rss_suite(void)
{
    Suite *s = suite_create("util/rss");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, clean_file_pages_go_and_come_back);
    tcase_add_test(tc, written_pages_stay);
    suite_add_tcase(s, tc);
    return s;
}
