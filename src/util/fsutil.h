/*
 * fsutil: file-system helpers shared by the modules that keep files (the
 * data directory, batch exports).
 */
#ifndef SOCIALD_UTIL_FSUTIL_H
#define SOCIALD_UTIL_FSUTIL_H

#include <stdbool.h>

/* Creates dir and its missing parents, each with mode 0700 (the data
 * directory holds the master key); true when it made dir or dir already
 * existed (an existing name is not checked to be a directory: the next open
 * under it reports that). On failure errno says why (ENAMETOOLONG for a path
 * of 4096 bytes or more). */
bool fs_mkdir_p(const char *dir);

#endif
