/*
 * rss: giving back what start-up left resident (see rss.h).
 */
#include "util/rss.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct vma {
    unsigned long start, end;
    bool candidate; /* private, not writable, a file */
    long rss, anon; /* KiB; -1: not read yet */
};

/* Drops v's pages when it is a candidate holding none of its own: with
 * no anonymous (copy-on-write) page, every page is the file's, and
 * MADV_DONTNEED only unmaps them (the next access maps them again). */
static size_t drop(const struct vma *v)
{
    if (!v->candidate || v->rss <= 0 || v->anon != 0)
        return 0;
    if (madvise((void *)v->start, v->end - v->start, MADV_DONTNEED) != 0)
        return 0;
    return (size_t)v->rss;
}

size_t rss_drop_startup(void)
{
    size_t dropped = 0;
    FILE *f = fopen("/proc/self/smaps", "re");
    if (f) {
        char line[512];
        struct vma v = {.candidate = false, .rss = -1, .anon = -1};
        while (fgets(line, sizeof(line), f)) {
            unsigned long s, e;
            char perms[8], path[8] = "";
            if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %7s", &s, &e, perms, path) >= 3) {
                dropped += drop(&v);
                v = (struct vma){.start = s,
                                 .end = e,
                                 .candidate = perms[1] != 'w' && perms[3] == 'p' && path[0] == '/',
                                 .rss = -1,
                                 .anon = -1};
            } else if (!strncmp(line, "Rss:", 4)) {
                v.rss = strtol(line + 4, NULL, 10);
            } else if (!strncmp(line, "Anonymous:", 10)) {
                v.anon = strtol(line + 10, NULL, 10);
            }
        }
        dropped += drop(&v);
        fclose(f);
    }
    malloc_trim(0);
    return dropped;
}
