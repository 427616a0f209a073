/* The tracker's database: schema, migrations and seed data. */
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
