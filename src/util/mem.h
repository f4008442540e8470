/*
 * mem: allocation wrappers that abort loudly on out-of-memory.
 *
 * Out of memory is not an error a request can recover from; the process logs
 * and aborts and the supervisor restarts it (STYLE.md rule 7). Callers of these
 * wrappers never check for NULL.
 */
#ifndef SOCIALD_UTIL_MEM_H
#define SOCIALD_UTIL_MEM_H

#include <stddef.h>

/* Returns zeroed memory the caller frees with free(); never NULL. */
void *mem_calloc(size_t n, size_t size);
/* Returns memory the caller frees with free(); never NULL. */
void *mem_malloc(size_t size);
/* Like realloc(); never NULL. */
void *mem_realloc(void *p, size_t size);
/* Returns a copy of s the caller frees with free(); NULL only if s is NULL. */
char *mem_strdup(const char *s);
/* Returns a NUL-terminated copy of n bytes of s; the caller frees it. */
char *mem_strndup(const char *s, size_t n);
/* Returns a newly allocated formatted string the caller frees; never NULL. */
char *mem_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
