#include "CConnectorHostJSON.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

static int is_plain(uint8_t byte) { return byte >= 0x20 && byte < 0x80 && byte != '"' && byte != '\\'; }

size_t CConnectorHostJSON_plain_prefix(const uint8_t *bytes, size_t count) {
    size_t index = 0;
#ifdef __SSE2__
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    for (; index + 16 <= count; index += 16) {
        __m128i chunk = _mm_loadu_si128((const __m128i *)(const void *)(bytes + index));
        /* A signed comparison: bytes >= 0x80 are negative, so below 0x20 too. */
        __m128i stops = _mm_or_si128(_mm_cmplt_epi8(chunk, space),
                                     _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)));
        unsigned mask = (unsigned)_mm_movemask_epi8(stops);
        if (mask != 0) return index + (size_t)__builtin_ctz(mask);
    }
#endif
    while (index < count && is_plain(bytes[index])) index++;
    return index;
}
