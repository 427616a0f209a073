/* Base64 as RFC 4648 defines it (standard alphabet, '=' padding): attachment
 * content travels in JSON as base64 text and must round-trip byte for byte,
 * so decoding accepts only the one canonical encoding of each byte string. */
#include <stdio.h>
#include <stdlib.h>

#include "tracker.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void tracker_text_append_base64(tracker_text *text, const unsigned char *bytes, size_t length) {
    char quad[4];
    for (size_t at = 0; at < length; at += 3) {
        size_t left = length - at;
        unsigned long group = (unsigned long)bytes[at] << 16;
        if (left > 1) group |= (unsigned long)bytes[at + 1] << 8;
        if (left > 2) group |= bytes[at + 2];
        quad[0] = alphabet[group >> 18 & 63];
        quad[1] = alphabet[group >> 12 & 63];
        quad[2] = left > 1 ? alphabet[group >> 6 & 63] : '=';
        quad[3] = left > 2 ? alphabet[group & 63] : '=';
        tracker_text_append(text, quad, 4);
    }
}

/* The 6-bit value of a base64 character; -1 for any other character. */
static int sextet(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

unsigned char *tracker_base64_decode(const char *text, size_t length, size_t *decoded_length, char *error,
                                     size_t error_size) {
    if (length % 4 != 0) {
        snprintf(error, error_size, "its length, %zu bytes, is not a multiple of 4", length);
        return NULL;
    }
    size_t padding = length > 0 && text[length - 1] == '=' ? 1 + (text[length - 2] == '=') : 0;
    size_t size = length / 4 * 3 - padding;
    unsigned char *bytes = malloc(size ? size : 1);
    if (!bytes) {
        snprintf(error, error_size, "out of memory for %zu bytes", size);
        return NULL;
    }
    size_t written = 0;
    for (size_t at = 0; at < length; at += 4) {
        size_t padded = at + 4 == length ? padding : 0;
        unsigned long group = 0;
        for (size_t index = 0; index < 4; index++) {
            unsigned char c = (unsigned char)text[at + index];
            int value = index < 4 - padded ? sextet(c) : 0;
            if (value < 0) {
                if (c == '=')
                    snprintf(error, error_size, "'=' at offset %zu: padding may only end the text", at + index);
                else if (c > 0x20 && c < 0x7F)
                    snprintf(error, error_size, "'%c' at offset %zu is not a base64 character", c, at + index);
                else
                    snprintf(error, error_size, "byte 0x%02X at offset %zu is not a base64 character", c, at + index);
                free(bytes);
                return NULL;
            }
            group = group << 6 | (unsigned long)value;
        }
        /* Bits that padding leaves over must be zero: otherwise several texts
         * would decode to the same bytes. */
        if (group & (padded == 2 ? 0xFFFFul : padded == 1 ? 0xFFul : 0)) {
            snprintf(error, error_size, "the last group before the padding, at offset %zu, has non-zero unused bits",
                     at);
            free(bytes);
            return NULL;
        }
        bytes[written++] = (unsigned char)(group >> 16);
        if (padded < 2) bytes[written++] = (unsigned char)(group >> 8 & 0xFF);
        if (padded < 1) bytes[written++] = (unsigned char)(group & 0xFF);
    }
    *decoded_length = written;
    return bytes;
}
