/* The object store's XML answers (platforms/s3.c): the upload id, the
 * pending-upload listing with its paging markers, errors. The input is
 * never NUL-terminated: the reader must stay within its length. */
#include "fuzz.h"
#include "platforms/s3.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    /* An exact-size copy, so reading past it is caught by ASan. */
    char *x = mem_malloc(size ? size : 1);
    memcpy(x, data, size);
    static const char *const tags[] = {"UploadId", "Code", "IsTruncated", "NextKeyMarker",
                                       "NextUploadIdMarker"};
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        size_t pos = 0;
        while (s3_xml_text(a, x, size, &pos, tags[i]))
            ;
    }
    size_t pos = 0, start, len;
    while (s3_xml_element(x, size, &pos, "Upload", &start, &len)) {
        size_t p = 0;
        s3_xml_text(a, x + start, len, &p, "Key");
        p = 0;
        s3_xml_text(a, x + start, len, &p, "Initiated");
    }
    free(x);
    arena_free(a);
    return 0;
}
