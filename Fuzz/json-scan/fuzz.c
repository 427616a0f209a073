/* libFuzzer harness: the vector inner loop of the JSON check against the
 * scalar rule it implements, at every alignment of the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "CConnectorHostJSON.h"

static int is_plain(uint8_t byte) { return byte >= 0x20 && byte < 0x80 && byte != '"' && byte != '\\'; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    for (size_t offset = 0; offset < size && offset < 16; offset++) {
        size_t expected = 0;
        while (offset + expected < size && is_plain(data[offset + expected])) expected++;
        if (CConnectorHostJSON_plain_prefix(data + offset, size - offset) != expected) abort();
    }
    return 0;
}
