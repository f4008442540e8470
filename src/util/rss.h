/*
 * rss: giving back what start-up left resident.
 */
#ifndef SOCIALD_UTIL_RSS_H
#define SOCIALD_UTIL_RSS_H

#include <stddef.h>

/*
 * Drops from the process's page tables the clean pages of the files it maps
 * privately and read-only (program and library code and constants), and
 * returns free heap to the system. Loading and initialising the libraries
 * (OpenSSL, GnuTLS under libmicrohttpd, libcurl and theirs) leaves some
 * 9 MiB of them resident, most never used again; the pages stay in the
 * page cache and those in use come back on their next access. A mapping
 * with a page of its own (relocated, written) is left alone.
 *
 * Call it while no other thread can map or unmap memory (before starting
 * any): a range read as a file's and replaced by another thread before it
 * is dropped could be anonymous memory by then, and dropping that loses it.
 * Returns the KiB dropped (what was resident).
 */
size_t rss_drop_startup(void);

#endif
