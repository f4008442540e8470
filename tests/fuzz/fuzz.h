/*
 * Fuzz targets for the parsers that read bytes from the network (STYLE.md:
 * every such parser has one). Each target file defines
 * LLVMFuzzerTestOneInput; built with clang -fsanitize=fuzzer by
 * scripts/fuzz.sh, and linked with replay.c into a plain executable that
 * the test suite runs over tests/fuzz/corpus/<target>/ (meson test --suite
 * fuzz), so every input that ever mattered stays a regression test.
 */
#ifndef SOCIALD_FUZZ_H
#define SOCIALD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
