/* The inner loop of the host's JSON check, where C reaches the vector
 * instructions Swift does not: every request and every response crosses it. */
#ifndef CCONNECTORHOSTJSON_H
#define CCONNECTORHOSTJSON_H

#include <stddef.h>
#include <stdint.h>

/* How many of the count bytes at bytes, from the first, may sit inside a JSON
 * string as they are: printable ASCII other than the quote and the backslash.
 * The first byte that may not (a control byte, a byte >= 0x80, '"' or '\\')
 * is at the returned index; count when there is none. */
size_t CConnectorHostJSON_plain_prefix(const uint8_t *bytes, size_t count);

#endif
