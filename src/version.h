/* The version `sociald version` prints and logs carry. */
#ifndef SOCIALD_VERSION_H
#define SOCIALD_VERSION_H

#define SOCIALD_VERSION "0.1.0"

#endif
