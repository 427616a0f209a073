/* Attachments: attachment.get, attachment.create, attachment.update,
 * attachment.delete (soft) and attachment.file_name. Content is stored as its
 * bytes (a BLOB) and travels as base64; every change is recorded in the
 * history, in the change's transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker.h"

#define DEFAULT_CONTENT_TYPE "application/octet-stream"

/* Decodes the base64 text in content into *bytes (malloc'd). *given is 0
 * when the request has no content; *status is set when it is required then,
 * or not base64. SQLite's JSON functions end a string at an escaped NUL
 * (\u0000), so the JSON text is searched for one: such content must fail
 * rather than decode as the part before the NUL. */
static void requested_content(sqlite3 *db, const ch_request *request, int required, unsigned char **bytes,
                              size_t *length, int *given, ch_response *response, ch_status *status) {
    *bytes = NULL;
    *given = 0;
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT json_type(?1, '$.content'), json_extract(?1, '$.content'),"
                           " instr(?1 -> '$.content', '\\u0000')",
                           -1, &statement, NULL) != SQLITE_OK) {
        *status = tracker_fail_sqlite(response, db, "reading content");
        return;
    }
    tracker_bind_request(statement, 1, request);
    if (sqlite3_step(statement) != SQLITE_ROW) {
        *status = tracker_fail(response, CH_STATUS_INVALID_REQUEST, "the request is not a valid JSON object");
    } else {
        const char *type = (const char *)sqlite3_column_text(statement, 0);
        if (!type || strcmp(type, "null") == 0) {
            if (required)
                *status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                       "content (the file's bytes as base64 text) is required");
        } else if (strcmp(type, "text") != 0) {
            *status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                   "content must be the file's bytes as base64 text, not a JSON %s", type);
        } else if (sqlite3_column_int(statement, 2) > 0) {
            *status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                   "content holds a NUL character (\\u0000), which base64 text never does");
        } else {
            char error[160];
            const char *text = (const char *)sqlite3_column_text(statement, 1);
            *bytes = tracker_base64_decode(text, (size_t)sqlite3_column_bytes(statement, 1), length, error,
                                           sizeof error);
            if (*bytes)
                *given = 1;
            else
                *status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                       "content is not base64 as RFC 4648 defines it (standard alphabet, '=' "
                                       "padding, no line breaks): %s",
                                       error);
        }
    }
    sqlite3_finalize(statement);
}

/* The live entity owning the live attachment id, when it is of the type the
 * request names in entityTypeId (if it names one); 0 with the error set
 * otherwise. */
static long long attachment_entity(sqlite3 *db, const ch_request *request, long long attachment,
                                   ch_response *response, ch_status *status) {
    const tracker_entity_type *requested = tracker_requested_type(db, request, response, status, 1);
    if (*status != CH_STATUS_OK) return 0;
    sqlite3_stmt *statement = NULL;
    long long entity = 0;
    const tracker_entity_type *type = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT e.id, e.entity_type FROM attachments a JOIN entities e ON e.id = a.entity_id"
                           " WHERE a.id = ?1 AND a.deleted = 0 AND e.deleted = 0",
                           -1, &statement, NULL) != SQLITE_OK) {
        *status = tracker_fail_sqlite(response, db, "reading an attachment");
        return 0;
    }
    sqlite3_bind_int64(statement, 1, attachment);
    if (sqlite3_step(statement) == SQLITE_ROW) {
        entity = sqlite3_column_int64(statement, 0);
        type = tracker_find_entity_type((const char *)sqlite3_column_text(statement, 1));
    }
    sqlite3_finalize(statement);
    if (!entity || (requested && requested != type)) {
        *status = tracker_fail(response, CH_STATUS_NOT_FOUND, "no attachment %lld%s%s (or it is deleted)", attachment,
                               requested ? " of a " : "", requested ? requested->id : "");
        return 0;
    }
    return entity;
}

static char *attachment_json(sqlite3 *db, long long attachment) {
    return tracker_query_text(db, "SELECT " TRACKER_ATTACHMENT_JSON " FROM attachments a WHERE a.id = ?1", attachment);
}

ch_status tracker_attachment_create(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    sqlite3 *db = state->db;
    ch_status status = CH_STATUS_OK;
    int present = 0, given = 0;
    char *file_name = tracker_request_string(db, request, "$.fileName", 0, &present, response, &status);
    char *content_type = NULL, *file_comment = NULL;
    unsigned char *bytes = NULL;
    size_t length = 0;
    if (status == CH_STATUS_OK && !file_name)
        status = tracker_fail(response, CH_STATUS_INVALID_REQUEST, "fileName (a non-empty string) is required");
    if (status == CH_STATUS_OK)
        content_type = tracker_request_string(db, request, "$.contentType", 0, &present, response, &status);
    if (status == CH_STATUS_OK)
        file_comment = tracker_request_string(db, request, "$.fileComment", 1, &present, response, &status);
    if (status == CH_STATUS_OK) requested_content(db, request, 1, &bytes, &length, &given, response, &status);
    if (status == CH_STATUS_OK) status = tracker_begin(db, response);
    long long entity = 0;
    if (status == CH_STATUS_OK && !(entity = tracker_requested_entity(db, request, response, &status)))
        tracker_abandon(db);
    char *attachment = NULL;
    if (status == CH_STATUS_OK) {
        sqlite3_stmt *statement = NULL;
        int result = sqlite3_prepare_v2(db,
                                        "INSERT INTO attachments (entity_id, file_name, content_type, content,"
                                        " file_comment, created_at, created_by)"
                                        " VALUES (?1, ?2, ?3, ?4, ?5, " TRACKER_NOW_SQL ", ?6)",
                                        -1, &statement, NULL);
        if (result == SQLITE_OK) {
            sqlite3_bind_int64(statement, 1, entity);
            sqlite3_bind_text(statement, 2, file_name, -1, SQLITE_STATIC);
            sqlite3_bind_text(statement, 3, content_type ? content_type : DEFAULT_CONTENT_TYPE, -1, SQLITE_STATIC);
            sqlite3_bind_blob64(statement, 4, bytes, length, SQLITE_STATIC);
            if (file_comment) sqlite3_bind_text(statement, 5, file_comment, -1, SQLITE_STATIC);
            sqlite3_bind_text(statement, 6, state->username, -1, SQLITE_STATIC);
            result = sqlite3_step(statement);
        }
        sqlite3_finalize(statement);
        if (result != SQLITE_DONE)
            status = tracker_roll_back(db, response, "creating an attachment");
        else if (!(attachment = attachment_json(db, sqlite3_last_insert_rowid(db))))
            status = tracker_roll_back(db, response, "reading the new attachment");
        else if ((status = tracker_commit_change(db, response, TRACKER_HISTORY_ATTACHMENT, entity, state->username, NULL,
                                                 attachment)) == CH_STATUS_OK)
            status = tracker_reply(response, attachment, strlen(attachment));
    }
    sqlite3_free(attachment);
    free(bytes);
    sqlite3_free(file_name);
    sqlite3_free(content_type);
    sqlite3_free(file_comment);
    return status;
}

ch_status tracker_attachment_update(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    sqlite3 *db = state->db;
    ch_status status = CH_STATUS_OK;
    long long id = tracker_requested_id(db, request, "$.attachmentId", "attachment", response, &status);
    if (!id) return status;
    int name_given = 0, type_given = 0, comment_given = 0, content_given = 0;
    char *file_name = tracker_request_string(db, request, "$.fileName", 0, &name_given, response, &status);
    char *content_type = NULL, *file_comment = NULL;
    unsigned char *bytes = NULL;
    size_t length = 0;
    if (status == CH_STATUS_OK && name_given && !file_name)
        status = tracker_fail(response, CH_STATUS_INVALID_REQUEST, "fileName cannot be null: leave it out to keep it");
    if (status == CH_STATUS_OK)
        content_type = tracker_request_string(db, request, "$.contentType", 0, &type_given, response, &status);
    if (status == CH_STATUS_OK && type_given && !content_type)
        status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                              "contentType cannot be null: leave it out to keep it");
    if (status == CH_STATUS_OK)
        file_comment = tracker_request_string(db, request, "$.fileComment", 1, &comment_given, response, &status);
    if (status == CH_STATUS_OK) requested_content(db, request, 0, &bytes, &length, &content_given, response, &status);
    if (status == CH_STATUS_OK && !(name_given || type_given || comment_given || content_given))
        status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                              "attachment.update changes fileName, contentType, content or fileComment; the request "
                              "gives none of them");
    if (status == CH_STATUS_OK) status = tracker_begin(db, response);
    long long entity = 0;
    if (status == CH_STATUS_OK && !(entity = attachment_entity(db, request, id, response, &status)))
        tracker_abandon(db);
    char *before = NULL, *after = NULL;
    if (status == CH_STATUS_OK) {
        before = attachment_json(db, id);
        sqlite3_stmt *statement = NULL;
        int result = sqlite3_prepare_v2(db,
                                        "UPDATE attachments SET file_name = coalesce(?2, file_name),"
                                        " content_type = coalesce(?3, content_type),"
                                        " content = CASE WHEN ?4 THEN ?5 ELSE content END,"
                                        " file_comment = CASE WHEN ?6 THEN ?7 ELSE file_comment END WHERE id = ?1",
                                        -1, &statement, NULL);
        if (result == SQLITE_OK) {
            sqlite3_bind_int64(statement, 1, id);
            if (file_name) sqlite3_bind_text(statement, 2, file_name, -1, SQLITE_STATIC);
            if (content_type) sqlite3_bind_text(statement, 3, content_type, -1, SQLITE_STATIC);
#ifdef TRACKER_DEFECT_UPDATE_KEEPS_CONTENT
            /* A planted defect: attachment.update ignores new content. */
            sqlite3_bind_int(statement, 4, 0);
#else
            sqlite3_bind_int(statement, 4, content_given);
#endif
            if (content_given) sqlite3_bind_blob64(statement, 5, bytes, length, SQLITE_STATIC);
            sqlite3_bind_int(statement, 6, comment_given);
            if (file_comment) sqlite3_bind_text(statement, 7, file_comment, -1, SQLITE_STATIC);
            result = sqlite3_step(statement);
        }
        sqlite3_finalize(statement);
        if (!before || result != SQLITE_DONE)
            status = tracker_roll_back(db, response, "updating an attachment");
        else if (!(after = attachment_json(db, id)))
            status = tracker_roll_back(db, response, "reading the updated attachment");
        else if ((status = tracker_commit_change(db, response, TRACKER_HISTORY_ATTACHMENT, entity, state->username,
                                                 before, after)) == CH_STATUS_OK)
            status = tracker_reply(response, after, strlen(after));
    }
    sqlite3_free(before);
    sqlite3_free(after);
    free(bytes);
    sqlite3_free(file_name);
    sqlite3_free(content_type);
    sqlite3_free(file_comment);
    return status;
}

ch_status tracker_attachment_delete(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    sqlite3 *db = state->db;
    ch_status status = CH_STATUS_OK;
    long long id = tracker_requested_id(db, request, "$.attachmentId", "attachment", response, &status);
    if (!id) return status;
    if ((status = tracker_begin(db, response)) != CH_STATUS_OK) return status;
    long long entity = attachment_entity(db, request, id, response, &status);
    if (!entity) {
        tracker_abandon(db);
        return status;
    }
    char *before = attachment_json(db, id);
    sqlite3_stmt *statement = NULL;
    int result = sqlite3_prepare_v2(db, "UPDATE attachments SET deleted = 1 WHERE id = ?1", -1, &statement, NULL);
    if (result == SQLITE_OK) {
        sqlite3_bind_int64(statement, 1, id);
        result = sqlite3_step(statement);
    }
    sqlite3_finalize(statement);
    if (!before || result != SQLITE_DONE)
        status = tracker_roll_back(db, response, "deleting an attachment");
    else
        status = tracker_commit_change(db, response, TRACKER_HISTORY_ATTACHMENT, entity, state->username, before, NULL);
    sqlite3_free(before);
    if (status != CH_STATUS_OK) return status;
    return tracker_reply_deleted(response, id);
}

/* The attachment ID in a content URI "attachment:<id>"; 0 when it is not one. */
static long long content_uri_id(const char *uri) {
    size_t prefix = strlen(TRACKER_CONTENT_URI_PREFIX);
    if (strncmp(uri, TRACKER_CONTENT_URI_PREFIX, prefix) != 0 || uri[prefix] < '1' || uri[prefix] > '9') return 0;
    char *end = NULL;
    long long id = strtoll(uri + prefix, &end, 10);
    return *end == '\0' ? id : 0;
}

ch_status tracker_attachment_get(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    sqlite3 *db = state->db;
    int wrong_type = 0;
    char *uri = tracker_request_text(db, request, "$.contentUri", &wrong_type);
    long long id = uri ? content_uri_id(uri) : 0;
    ch_status status = CH_STATUS_OK;
    if (!id)
        status = uri ? tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                    "contentUri '%s' is not a tracker content URI: use the contentUri an attachment "
                                    "answers, such as \"" TRACKER_CONTENT_URI_PREFIX "7\"",
                                    uri)
                     : tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                    "contentUri (a string such as \"" TRACKER_CONTENT_URI_PREFIX "7\") is required");
    sqlite3_free(uri);
    if (!id || !attachment_entity(db, request, id, response, &status)) return status;
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2(db, "SELECT file_name, content_type, content FROM attachments WHERE id = ?1 AND deleted = 0",
                           -1, &statement, NULL) != SQLITE_OK)
        return tracker_fail_sqlite(response, db, "reading an attachment");
    sqlite3_bind_int64(statement, 1, id);
    int step = sqlite3_step(statement);
    if (step != SQLITE_ROW) {
        /* Another session may have deleted it since it was looked up. */
        status = step == SQLITE_DONE
                     ? tracker_fail(response, CH_STATUS_NOT_FOUND, "no attachment %lld (or it is deleted)", id)
                     : tracker_fail_sqlite(response, db, "reading an attachment");
        sqlite3_finalize(statement);
        return status;
    }
    /* A zero-length BLOB reads as a NULL pointer: no bytes to encode then. */
    const unsigned char *bytes = sqlite3_column_blob(statement, 2);
    size_t length = (size_t)sqlite3_column_bytes(statement, 2);
    tracker_text text = {0};
    tracker_text_append_string(&text, "{\"content\":\"");
#ifdef TRACKER_DEFECT_ATTACHMENT_BYTE
    /* A planted defect: the content does not round-trip, its first byte has
     * every bit flipped. */
    unsigned char *changed = length ? malloc(length) : NULL;
    if (changed) {
        memcpy(changed, bytes, length);
        changed[0] ^= 0xFF;
        tracker_text_append_base64(&text, changed, length);
        free(changed);
    } else if (length) {
        text.failed = 1;
    }
#else
    if (length) tracker_text_append_base64(&text, bytes, length);
#endif
    tracker_text_append_string(&text, "\",\"fileName\":");
    tracker_text_append_json_string(&text, (const char *)sqlite3_column_text(statement, 0));
    tracker_text_append_string(&text, ",\"contentType\":");
    tracker_text_append_json_string(&text, (const char *)sqlite3_column_text(statement, 1));
    char tail[48];
    snprintf(tail, sizeof tail, ",\"contentLength\":%zu}", length);
    tracker_text_append_string(&text, tail);
    sqlite3_finalize(statement);
    return tracker_reply_text(response, &text);
}

/* Whether length bytes are well-formed UTF-8: a decoded file name goes into
 * JSON text, which must be. */
static int is_utf8(const unsigned char *bytes, size_t length) {
    for (size_t at = 0; at < length;) {
        unsigned char lead = bytes[at];
        size_t more;
        unsigned long value, minimum;
        if (lead < 0x80) {
            at++;
            continue;
        }
        if ((lead & 0xE0) == 0xC0) more = 1, value = lead & 0x1Fu, minimum = 0x80;
        else if ((lead & 0xF0) == 0xE0) more = 2, value = lead & 0x0Fu, minimum = 0x800;
        else if ((lead & 0xF8) == 0xF0) more = 3, value = lead & 0x07u, minimum = 0x10000;
        else return 0;
        if (length - at <= more) return 0;
        for (size_t index = 1; index <= more; index++) {
            if ((bytes[at + index] & 0xC0) != 0x80) return 0;
            value = value << 6 | (bytes[at + index] & 0x3Fu);
        }
        if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
        at += more + 1;
    }
    return 1;
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Replies with the file name in a URL: its last path segment, without query
 * or fragment, percent-decoded. */
static ch_status reply_file_name_of_url(const char *field, const char *url, ch_response *response) {
    size_t end = strcspn(url, "?#");
    /* The path starts past "scheme://authority" or "//authority": a host
     * name is no file name. */
    const char *authority = NULL;
    size_t scheme = strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
    if (strncmp(url, "//", 2) == 0)
        authority = url + 2;
    else if (scheme > 0 && strncmp(url + scheme, "://", 3) == 0)
        authority = url + scheme + 3;
    size_t path = authority ? (size_t)(authority - url) + strcspn(authority, "/?#") : 0;
    size_t segment = path;
    for (size_t at = path; at < end; at++)
        if (url[at] == '/') segment = at + 1;
    if (segment >= end)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                            "%s '%s' names no file: its path is empty or ends with '/'", field, url);
    unsigned char *name = malloc(end - segment + 1);
    if (!name) return tracker_fail(response, CH_STATUS_TRANSIENT, "out of memory decoding a file name");
    size_t length = 0;
    for (size_t at = segment; at < end; at++) {
        if (url[at] != '%') {
            name[length++] = (unsigned char)url[at];
            continue;
        }
        int high = at + 2 < end ? hex_value(url[at + 1]) : -1;
        int low = high >= 0 ? hex_value(url[at + 2]) : -1;
        if (low < 0 || (high == 0 && low == 0)) {
            free(name);
            return low < 0 ? tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                          "%s '%s' has a '%%' at offset %zu that two hex digits do not follow; "
                                          "write a literal '%%' as %%25",
                                          field, url, at)
                           : tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                                          "%s '%s' holds %%00 at offset %zu: a file name cannot contain a NUL byte",
                                          field, url, at);
        }
        name[length++] = (unsigned char)(high << 4 | low);
        at += 2;
    }
    name[length] = '\0';
    ch_status status;
    if (!is_utf8(name, length)) {
        status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                              "%s '%s' decodes to a file name that is not UTF-8 text", field, url);
    } else {
        tracker_text text = {0};
        tracker_text_append_string(&text, "{\"fileName\":");
        tracker_text_append_json_string(&text, (const char *)name);
        tracker_text_append_string(&text, "}");
        status = tracker_reply_text(response, &text);
    }
    free(name);
    return status;
}

ch_status tracker_attachment_file_name(ch_session *session, const ch_request *request, ch_response *response) {
    tracker_session *state = session->state;
    sqlite3 *db = state->db;
    ch_status status = CH_STATUS_OK;
    int href_given = 0, imgsrc_given = 0;
    char *href = tracker_request_string(db, request, "$.href", 0, &href_given, response, &status);
    char *imgsrc = NULL;
    if (status == CH_STATUS_OK)
        imgsrc = tracker_request_string(db, request, "$.imgsrc", 0, &imgsrc_given, response, &status);
    if (status == CH_STATUS_OK && href && imgsrc)
        status = tracker_fail(response, CH_STATUS_INVALID_REQUEST, "give href or imgsrc, not both");
    else if (status == CH_STATUS_OK && !href && !imgsrc)
        status = tracker_fail(response, CH_STATUS_INVALID_REQUEST, "href or imgsrc (a URL string) is required");
    if (status == CH_STATUS_OK) {
        const char *field = href ? "href" : "imgsrc";
        const char *url = href ? href : imgsrc;
        long long id = content_uri_id(url);
        /* The tracker's own content URIs carry no name: it is looked up. */
        if (id)
            status = tracker_reply_query_id(db, id, response,
                                            "SELECT json_object('fileName', file_name) FROM attachments"
                                            " WHERE id = ?1 AND deleted = 0",
                                            "no attachment %lld (or it is deleted)");
        else
            status = reply_file_name_of_url(field, url, response);
    }
    sqlite3_free(href);
    sqlite3_free(imgsrc);
    return status;
}
