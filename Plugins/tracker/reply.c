/* Building responses: JSON text, host-allocated bodies and error messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker.h"

void tracker_text_append(tracker_text *text, const char *bytes, size_t length) {
    if (text->failed) return;
    if (text->length + length + 1 > text->capacity) {
        size_t capacity = text->capacity ? text->capacity : 256;
        while (capacity < text->length + length + 1) capacity *= 2;
        char *grown = realloc(text->bytes, capacity);
        if (!grown) {
            text->failed = 1;
            return;
        }
        text->bytes = grown;
        text->capacity = capacity;
    }
    memcpy(text->bytes + text->length, bytes, length);
    text->length += length;
    text->bytes[text->length] = '\0';
}

void tracker_text_append_string(tracker_text *text, const char *string) {
    tracker_text_append(text, string, strlen(string));
}

void tracker_text_append_json_string(tracker_text *text, const char *string) {
    tracker_text_append(text, "\"", 1);
    for (const unsigned char *at = (const unsigned char *)string; *at; at++) {
        char escaped[8];
        switch (*at) {
        case '"': tracker_text_append(text, "\\\"", 2); break;
        case '\\': tracker_text_append(text, "\\\\", 2); break;
        case '\n': tracker_text_append(text, "\\n", 2); break;
        case '\r': tracker_text_append(text, "\\r", 2); break;
        case '\t': tracker_text_append(text, "\\t", 2); break;
        default:
            if (*at < 0x20) {
                snprintf(escaped, sizeof escaped, "\\u%04x", *at);
                tracker_text_append_string(text, escaped);
            } else {
                tracker_text_append(text, (const char *)at, 1);
            }
        }
    }
    tracker_text_append(text, "\"", 1);
}

void tracker_text_free(tracker_text *text) {
    free(text->bytes);
    text->bytes = NULL;
    text->length = text->capacity = 0;
}

ch_status tracker_fail(ch_response *response, ch_status status, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    char line[1024];
    int length = vsnprintf(line, sizeof line, format, arguments);
    va_end(arguments);
    if (length < 0) return status;
    size_t size = (size_t)length < sizeof line ? (size_t)length + 1 : sizeof line;
    char *message = tracker_host->allocate(size);
    if (message) {
        memcpy(message, line, size - 1);
        message[size - 1] = '\0';
        response->message = message;
    }
    return status;
}

ch_status tracker_fail_sqlite(ch_response *response, sqlite3 *db, const char *doing) {
    int code = sqlite3_errcode(db);
    ch_status status = (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_IOERR)
                           ? CH_STATUS_TRANSIENT
                           : CH_STATUS_PERMANENT;
    return tracker_fail(response, status, "%s: %s", doing, sqlite3_errmsg(db));
}

ch_status tracker_reply(ch_response *response, const char *json, size_t length) {
    uint8_t *body = tracker_host->allocate(length ? length : 1);
    if (!body) return tracker_fail(response, CH_STATUS_TRANSIENT, "out of memory for a %zu-byte response", length);
    memcpy(body, json, length);
    response->body = body;
    response->body_length = length;
    return CH_STATUS_OK;
}

ch_status tracker_reply_deleted(ch_response *response, long long id) {
    char body[96];
    int length = snprintf(body, sizeof body, "{\"id\":\"%lld\",\"deleted\":true}", id);
    return tracker_reply(response, body, (size_t)length);
}

ch_status tracker_reply_text(ch_response *response, tracker_text *text) {
    ch_status status = text->failed
                           ? tracker_fail(response, CH_STATUS_TRANSIENT, "out of memory while building the response")
                           : tracker_reply(response, text->bytes ? text->bytes : "", text->length);
    tracker_text_free(text);
    return status;
}

ch_status tracker_reply_first_column(sqlite3 *db, sqlite3_stmt *statement, ch_response *response, const char *doing,
                                     const char *not_found) {
    int step = sqlite3_step(statement);
    if (step == SQLITE_ROW && sqlite3_column_type(statement, 0) != SQLITE_NULL) {
        const char *json = (const char *)sqlite3_column_text(statement, 0);
        return tracker_reply(response, json, (size_t)sqlite3_column_bytes(statement, 0));
    }
    if ((step == SQLITE_ROW || step == SQLITE_DONE) && not_found)
        return tracker_fail(response, CH_STATUS_NOT_FOUND, "%s", not_found);
    return tracker_fail_sqlite(response, db, doing);
}

ch_status tracker_reply_query(sqlite3 *db, const ch_request *request, ch_response *response,
                              const char *sql, const char *not_found) {
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK)
        return tracker_fail_sqlite(response, db, "preparing a query");
    ch_status status;
    if (sqlite3_bind_parameter_count(statement) >= 1 && tracker_bind_request(statement, 1, request) != SQLITE_OK)
        status = tracker_fail_sqlite(response, db, "binding the request");
    else
        status = tracker_reply_first_column(db, statement, response, "running a query", not_found);
    sqlite3_finalize(statement);
    return status;
}

ch_status tracker_reply_query_id(sqlite3 *db, long long id, ch_response *response, const char *sql,
                                 const char *not_found) {
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK)
        return tracker_fail_sqlite(response, db, "preparing a query");
    char message[256];
    snprintf(message, sizeof message, not_found, id);
    sqlite3_bind_int64(statement, 1, id);
    ch_status status = tracker_reply_first_column(db, statement, response, "running a query", message);
    sqlite3_finalize(statement);
    return status;
}
