/* The tracker's database: schema, migrations, seed data and write transactions. */
#include <stdio.h>
#include <string.h>

#include "tracker.h"

/* Each entry moves the schema one version up; applied in a transaction. */
static const char *const migrations[] = {
    /* 1: projects, users, entities and their history. */
    "CREATE TABLE projects (id TEXT PRIMARY KEY, name TEXT NOT NULL);"
    "CREATE TABLE users (username TEXT PRIMARY KEY, email TEXT UNIQUE, display_name TEXT NOT NULL);"
    "CREATE TABLE entities ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  project_id TEXT NOT NULL REFERENCES projects(id),"
    "  entity_type TEXT NOT NULL,"
    "  fields TEXT NOT NULL CHECK (json_valid(fields)),"
    "  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
    "  created_by TEXT NOT NULL, updated_by TEXT NOT NULL,"
    "  revision INTEGER NOT NULL DEFAULT 1,"
    "  deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX entities_by_type ON entities (project_id, entity_type, id);"
    "CREATE TABLE history ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  entity_id INTEGER NOT NULL REFERENCES entities(id),"
    "  revision INTEGER NOT NULL,"
    "  revision_type TEXT NOT NULL CHECK (revision_type IN ('CREATE','UPDATE','DELETE')),"
    "  updated_by TEXT NOT NULL, updated_at TEXT NOT NULL,"
    "  old_fields TEXT, new_fields TEXT);"
    "CREATE INDEX history_by_entity ON history (entity_id, id);"
    "INSERT INTO projects VALUES ('TRK', 'Tracker demo project'), ('OPS', 'Operations');"
    "INSERT INTO users VALUES"
    "  ('integration', 'integration@tracker.example', 'Integration User'),"
    "  ('alice', 'alice@tracker.example', 'Alice Example'),"
    "  ('bob', 'bob@tracker.example', 'Bob Example');",
    /* 2: comments, attachments and links of entities. History rows gain a
     * kind: ENTITY rows keep the entity's fields before and after the change in
     * old_fields/new_fields (as version 1 recorded them); ATTACHMENT, COMMENT
     * and LINK rows keep the items the change removed and added as JSON arrays. */
    "ALTER TABLE history ADD COLUMN kind TEXT NOT NULL DEFAULT 'ENTITY'"
    "  CHECK (kind IN ('ENTITY','ATTACHMENT','COMMENT','LINK'));"
    "ALTER TABLE history ADD COLUMN removed TEXT CHECK (removed IS NULL OR json_valid(removed));"
    "ALTER TABLE history ADD COLUMN added TEXT CHECK (added IS NULL OR json_valid(added));"
    "CREATE INDEX history_by_kind ON history (kind, id);"
    "CREATE TABLE comments ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  entity_id INTEGER NOT NULL REFERENCES entities(id),"
    "  body TEXT NOT NULL, author TEXT NOT NULL, created_at TEXT NOT NULL);"
    "CREATE INDEX comments_by_entity ON comments (entity_id, id);"
    "CREATE TABLE attachments ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  entity_id INTEGER NOT NULL REFERENCES entities(id),"
    "  file_name TEXT NOT NULL, content_type TEXT NOT NULL, content BLOB NOT NULL, file_comment TEXT,"
    "  created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
    "  deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX attachments_by_entity ON attachments (entity_id, id);"
    /* rank orders the children of a parent: distinct integers, kept so by
     * shifting the later siblings up when a child is placed among them. */
    "CREATE TABLE links ("
    "  entity_id INTEGER NOT NULL REFERENCES entities(id),"
    "  link_type TEXT NOT NULL CHECK (link_type IN ('relates_to','blocks','parent')),"
    "  linked_entity_id INTEGER NOT NULL REFERENCES entities(id),"
    "  link_comment TEXT,"
    "  rank INTEGER CHECK ((link_type = 'parent') = (rank IS NOT NULL)),"
    "  PRIMARY KEY (entity_id, link_type, linked_entity_id));"
    "CREATE UNIQUE INDEX links_one_parent ON links (entity_id) WHERE link_type = 'parent';"
    "CREATE INDEX links_children ON links (linked_entity_id, rank) WHERE link_type = 'parent';",
};

static int user_version(sqlite3 *db) {
    sqlite3_stmt *statement = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &statement, NULL) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW)
        version = sqlite3_column_int(statement, 0);
    sqlite3_finalize(statement);
    return version;
}

static int migrate(sqlite3 *db, char **error) {
    int count = (int)(sizeof migrations / sizeof migrations[0]);
    /* BEGIN IMMEDIATE: two sessions opening a new file at once migrate it once. */
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, error) != SQLITE_OK) return SQLITE_ERROR;
    int version = user_version(db);
    if (version > count) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        *error = sqlite3_mprintf("the database has schema version %d; this tracker knows up to %d", version, count);
        return SQLITE_ERROR;
    }
    for (int next = version; next < count; next++) {
        if (sqlite3_exec(db, migrations[next], NULL, NULL, error) != SQLITE_OK) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return SQLITE_ERROR;
        }
    }
    char pragma[48];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", count);
    if (sqlite3_exec(db, pragma, NULL, NULL, error) != SQLITE_OK ||
        sqlite3_exec(db, "COMMIT", NULL, NULL, error) != SQLITE_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return SQLITE_ERROR;
    }
    return SQLITE_OK;
}

int tracker_store_open(const char *path, sqlite3 **db, char **error) {
    *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK) {
        *error = sqlite3_mprintf("%s", *db ? sqlite3_errmsg(*db) : "out of memory");
        sqlite3_close(*db);
        *db = NULL;
        return SQLITE_ERROR;
    }
    sqlite3_busy_timeout(*db, 5000);
    if (sqlite3_exec(*db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL",
                     NULL, NULL, error) != SQLITE_OK ||
        migrate(*db, error) != SQLITE_OK) {
        sqlite3_close(*db);
        *db = NULL;
        return SQLITE_ERROR;
    }
    return SQLITE_OK;
}

ch_status tracker_begin(sqlite3 *db, ch_response *response) {
    sqlite3_mutex_enter(sqlite3_db_mutex(db));
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) return CH_STATUS_OK;
    ch_status status = tracker_fail_sqlite(response, db, "starting a transaction");
    sqlite3_mutex_leave(sqlite3_db_mutex(db));
    return status;
}

void tracker_abandon(sqlite3 *db) {
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_mutex_leave(sqlite3_db_mutex(db));
}

ch_status tracker_roll_back(sqlite3 *db, ch_response *response, const char *doing) {
    ch_status status = tracker_fail_sqlite(response, db, doing);
    tracker_abandon(db);
    return status;
}

ch_status tracker_commit(sqlite3 *db, ch_response *response) {
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) return tracker_roll_back(db, response, "committing");
    sqlite3_mutex_leave(sqlite3_db_mutex(db));
    return CH_STATUS_OK;
}

int tracker_exists(sqlite3 *db, const char *sql, const char *text) {
    sqlite3_stmt *statement = NULL;
    int exists = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) == SQLITE_OK) {
        sqlite3_bind_text(statement, 1, text, -1, SQLITE_STATIC);
        exists = sqlite3_step(statement) == SQLITE_ROW;
    }
    sqlite3_finalize(statement);
    return exists;
}

char *tracker_query_text(sqlite3 *db, const char *sql, long long id) {
    sqlite3_stmt *statement = NULL;
    char *text = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(statement, 1, id);
        if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_type(statement, 0) != SQLITE_NULL)
            text = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    return text;
}
