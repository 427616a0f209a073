/* The tracker's entity types and their fields. */
#include <string.h>

#include "tracker.h"

enum { BUG = 1u << 0, TASK = 1u << 1, STORY = 1u << 2, ALL_TYPES = BUG | TASK | STORY };

const tracker_entity_type tracker_entity_types[] = {
    {"bug", "Bug", BUG},
    {"task", "Task", TASK},
    {"story", "Story", STORY},
};
const size_t tracker_entity_type_count = sizeof tracker_entity_types / sizeof tracker_entity_types[0];

static const tracker_lookup_value statuses[] = {
    {"open", "Open"}, {"in_progress", "In Progress"}, {"resolved", "Resolved"}, {"closed", "Closed"}, {NULL, NULL}};
static const tracker_lookup_value priorities[] = {
    {"low", "Low"}, {"medium", "Medium"}, {"high", "High"}, {"critical", "Critical"}, {NULL, NULL}};
static const tracker_lookup_value severities[] = {
    {"minor", "Minor"}, {"major", "Major"}, {"blocker", "Blocker"}, {NULL, NULL}};

const tracker_field tracker_fields[] = {
    {"title", "Title", TRACKER_FIELD_TEXT, 1, NULL, NULL, ALL_TYPES},
    {"description", "Description", TRACKER_FIELD_TEXT, 0, NULL, NULL, ALL_TYPES},
    {"status", "Status", TRACKER_FIELD_LOOKUP, 0, "\"open\"", statuses, ALL_TYPES},
    {"priority", "Priority", TRACKER_FIELD_LOOKUP, 0, "\"medium\"", priorities, ALL_TYPES},
    {"assignee", "Assignee", TRACKER_FIELD_USER, 0, NULL, NULL, ALL_TYPES},
    {"severity", "Severity", TRACKER_FIELD_LOOKUP, 0, "\"major\"", severities, BUG},
    {"estimateHours", "Estimate (hours)", TRACKER_FIELD_NUMBER, 0, NULL, NULL, TASK},
    {"storyPoints", "Story points", TRACKER_FIELD_NUMBER, 0, NULL, NULL, STORY},
};
const size_t tracker_field_count = sizeof tracker_fields / sizeof tracker_fields[0];

const tracker_entity_type *tracker_find_entity_type(const char *id) {
    if (!id) return NULL;
    for (size_t index = 0; index < tracker_entity_type_count; index++)
        if (strcmp(tracker_entity_types[index].id, id) == 0) return &tracker_entity_types[index];
    return NULL;
}

const tracker_field *tracker_find_field(const char *name, const tracker_entity_type *type) {
    for (size_t index = 0; index < tracker_field_count; index++) {
        const tracker_field *field = &tracker_fields[index];
        if (strcmp(field->name, name) == 0 && (!type || (field->entity_types & type->bit))) return field;
    }
    return NULL;
}

const char *tracker_field_kind_name(tracker_field_kind kind) {
    switch (kind) {
    case TRACKER_FIELD_TEXT: return "TEXT";
    case TRACKER_FIELD_LOOKUP: return "LOOKUP";
    case TRACKER_FIELD_USER: return "USER";
    case TRACKER_FIELD_NUMBER: return "NUMBER";
    }
    return "TEXT";
}
