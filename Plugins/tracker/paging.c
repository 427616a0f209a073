/* Paging, shared by entity.list and the history operations: the page a
 * request asks for, and a page of rows as the reply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker.h"

ch_status tracker_requested_page(sqlite3 *db, const ch_request *request, ch_response *response, int strict_link,
                                 tracker_page *page) {
    page->start = 0;
    page->max_results = TRACKER_MAX_RESULTS;
    page->after = 0;
    if (tracker_request_integer(db, request, "$.startIndex", &page->start) < 0 || page->start < 0)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST, "startIndex must be an integer of at least 0");
    if (tracker_request_integer(db, request, "$.maxResults", &page->max_results) < 0 || page->max_results < 1)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST, "maxResults must be an integer of at least 1");
    if (page->max_results > TRACKER_MAX_RESULTS) page->max_results = TRACKER_MAX_RESULTS;
    int wrong_type = 0;
    char *page_link = tracker_request_text(db, request, "$.nextPageLink", &wrong_type);
    if (wrong_type && strict_link)
        return tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                            "nextPageLink must be the string a previous page answered, or null");
    if (!page_link) return CH_STATUS_OK;
    char *end = NULL;
    page->after = strncmp(page_link, "after:", 6) == 0 ? strtoll(page_link + 6, &end, 10) : 0;
    ch_status status = CH_STATUS_OK;
    if (!(end && *end == '\0' && page->after > 0))
        status = tracker_fail(response, CH_STATUS_INVALID_REQUEST,
                              "nextPageLink '%s' is not one this tracker gave out", page_link);
    sqlite3_free(page_link);
    return status;
}

ch_status tracker_reply_page(sqlite3 *db, sqlite3_stmt *statement, const char *member, const tracker_page *page,
                             long long total, const char *extra, const char *doing, ch_response *response) {
    tracker_text text = {0};
    tracker_text_append_string(&text, "{\"");
    tracker_text_append_string(&text, member);
    tracker_text_append_string(&text, "\":[");
    long long rows = 0, last_id = 0;
    int step;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW && rows < page->max_results) {
        if (rows++) tracker_text_append_string(&text, ",");
        tracker_text_append(&text, (const char *)sqlite3_column_text(statement, 0),
                            (size_t)sqlite3_column_bytes(statement, 0));
        last_id = sqlite3_column_int64(statement, 1);
    }
    sqlite3_finalize(statement);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        tracker_text_free(&text);
        return tracker_fail_sqlite(response, db, doing);
    }
    char tail[160];
    snprintf(tail, sizeof tail, "],\"startIndex\":%lld,\"maxResults\":%lld,\"totalCount\":%lld,\"nextPageLink\":",
             page->start, page->max_results, total);
    tracker_text_append_string(&text, tail);
    char link[40] = "null";
    if (step == SQLITE_ROW) snprintf(link, sizeof link, "\"after:%lld\"", last_id);
    tracker_text_append_string(&text, link);
    tracker_text_append_string(&text, extra);
    tracker_text_append_string(&text, "}");
    return tracker_reply_text(response, &text);
}
