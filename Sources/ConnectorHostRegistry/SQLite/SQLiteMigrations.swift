import ConnectorHost
import Foundation

/// The registry's SQLite schema, one step per version; `PRAGMA user_version` records
/// how far a database has come. Steps are only ever appended.
enum SQLiteMigrations {
    static let steps: [String] = [
        // 1: orgs and tokens, registrations and their entity ID blocks, the
        // catalogue, UI payloads, the scan cache, the audit trail.
        """
        CREATE TABLE orgs (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          created_at TEXT NOT NULL
        );
        CREATE TABLE tokens (
          id TEXT PRIMARY KEY,
          org_id TEXT REFERENCES orgs(id),
          token_hash TEXT NOT NULL UNIQUE,
          created_at TEXT NOT NULL,
          revoked_at TEXT
        );
        CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO sequences VALUES ('next_block_start', 1000001);
        INSERT INTO sequences VALUES ('next_registration_id', 1);
        CREATE TABLE id_blocks (
          start_id INTEGER PRIMARY KEY,
          end_id INTEGER NOT NULL,
          registration_id TEXT NOT NULL
        );
        CREATE TABLE registrations (
          id TEXT PRIMARY KEY,
          org_id TEXT NOT NULL REFERENCES orgs(id),
          name TEXT NOT NULL,
          version TEXT NOT NULL,
          key TEXT NOT NULL UNIQUE,
          secret_salt BLOB NOT NULL,
          secret_hash BLOB NOT NULL,
          endpoint_entity_id INTEGER NOT NULL UNIQUE,
          function_entity_start_id INTEGER NOT NULL,
          function_entity_end_id INTEGER NOT NULL,
          created_at TEXT NOT NULL,
          UNIQUE (org_id, name, version)
        );
        CREATE TABLE ui_payloads (
          registration_id TEXT PRIMARY KEY REFERENCES registrations(id) ON DELETE CASCADE,
          payload TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE TABLE catalogue (
          id TEXT PRIMARY KEY,
          connector_id TEXT NOT NULL REFERENCES registrations(id),
          org_id TEXT NOT NULL REFERENCES orgs(id),
          name TEXT NOT NULL,
          type TEXT, category TEXT, version TEXT NOT NULL, description TEXT, licence TEXT, owner TEXT,
          iconurl TEXT, ui_spec TEXT,
          status TEXT NOT NULL CHECK (status IN ('Draft', 'InValidation', 'Live', 'Retired')),
          scope TEXT CHECK (scope IN ('catalogue', 'org')),
          file_path TEXT NOT NULL,
          file_sha256 TEXT NOT NULL,
          validation_report TEXT,
          created_by TEXT NOT NULL, updated_by TEXT NOT NULL,
          created_date TEXT NOT NULL, updated_date TEXT NOT NULL, live_date TEXT
        );
        CREATE INDEX catalogue_by_connector ON catalogue (connector_id);
        CREATE TABLE scan_cache (
          path TEXT NOT NULL, size INTEGER NOT NULL, modified INTEGER NOT NULL, sha256 TEXT NOT NULL,
          outcome TEXT NOT NULL,
          PRIMARY KEY (path, size, modified, sha256)
        );
        CREATE TABLE audit (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at TEXT NOT NULL,
          actor TEXT NOT NULL,
          action TEXT NOT NULL,
          subject TEXT,
          detail TEXT
        );
        """,
        // 2: connector names belong to one org, and what operators set on a
        // plugin (paused) or crashes brought on it (quarantined, for one build)
        // outlives a restart.
        //
        // Names:  The first registration (or
        // catalogue entry) of a name claims it; no other org may register,
        // upload or publish under it. Existing databases keep the earliest claim.
        """
        CREATE TABLE connector_names (
          name TEXT PRIMARY KEY COLLATE NOCASE,
          org_id TEXT NOT NULL REFERENCES orgs(id),
          claimed_at TEXT NOT NULL
        );
        INSERT OR IGNORE INTO connector_names (name, org_id, claimed_at)
          SELECT name, org_id, created_at FROM registrations ORDER BY CAST(id AS INTEGER);
        INSERT OR IGNORE INTO connector_names (name, org_id, claimed_at)
          SELECT name, org_id, created_date FROM catalogue ORDER BY created_date;
        CREATE TABLE operator_state (
          plugin TEXT PRIMARY KEY,
          paused INTEGER NOT NULL DEFAULT 0,
          quarantined_sha256 TEXT,
          quarantine_reason TEXT,
          updated_by TEXT NOT NULL,
          updated_at TEXT NOT NULL
        )
        """,
        // 3: the name a distribution's metadata.json gives a connector to
        // show (Obsrv's `name`, e.g. "PostgreSQL" for postgres-connector).
        """
        ALTER TABLE catalogue ADD COLUMN display_name TEXT
        """,
        // 4: the builder's drafts of declarative connectors, per org (NULL:
        // the admin's), and the tests each operation passed, tied to the
        // definition they tested.
        """
        CREATE TABLE builder_drafts (
          id TEXT PRIMARY KEY,
          org_id TEXT REFERENCES orgs(id),
          document TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE TABLE builder_test_passes (
          draft_id TEXT NOT NULL REFERENCES builder_drafts(id) ON DELETE CASCADE,
          operation TEXT NOT NULL,
          definition_sha256 TEXT NOT NULL,
          example TEXT NOT NULL,
          passed_at TEXT NOT NULL,
          PRIMARY KEY (draft_id, operation, definition_sha256)
        )
        """,
        // 5: saved connections: an org's settings for one connector, sealed
        // (ConnectionVault), for the version they were saved or moved to.
        """
        CREATE TABLE connections (
          id TEXT PRIMARY KEY,
          org_id TEXT NOT NULL REFERENCES orgs(id),
          connector TEXT NOT NULL,
          version TEXT NOT NULL,
          name TEXT NOT NULL,
          sealed_settings BLOB NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          UNIQUE (org_id, connector, name)
        )
        """,
        // 6: what the builder published from each draft: every version, with
        // its scope, changelog, the document as published and the tests
        // that passed (secrets removed), for history and re-testing.
        """
        CREATE TABLE builder_publications (
          draft_id TEXT NOT NULL REFERENCES builder_drafts(id),
          version TEXT NOT NULL,
          slug TEXT NOT NULL,
          org_id TEXT NOT NULL REFERENCES orgs(id),
          scope TEXT NOT NULL CHECK (scope IN ('catalogue', 'org')),
          changelog TEXT NOT NULL,
          catalogue_id TEXT NOT NULL,
          document TEXT NOT NULL,
          examples TEXT NOT NULL,
          published_by TEXT NOT NULL,
          published_at TEXT NOT NULL,
          PRIMARY KEY (draft_id, version)
        )
        """,
        // 7: the scan cache keeps accepted scans too (their secrets as
        // digests), and every outcome in one JSON form: rows of the older
        // form are dropped, which costs their files one scan.
        """
        DELETE FROM scan_cache
        """,
    ]

    /// Brings the database to the newest schema, in one transaction.
    static func migrate(_ database: SQLiteDatabase) async throws(ConnectorHostError) {
        try await database.write { transaction throws(ConnectorHostError) in
            let version = Int(try await transaction.row("PRAGMA user_version")?.integer("user_version") ?? 0)
            guard version <= steps.count else {
                throw ConnectorHostError(
                    .conflict,
                    "the registry \(database.location) has schema version \(version); this host knows up to \(steps.count): use a newer host"
                )
            }
            for step in steps[version...] {
                for statement in step.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
                where !statement.isEmpty {
                    try await transaction.execute(statement)
                }
            }
            try await transaction.execute("PRAGMA user_version = \(steps.count)")
        }
    }
}
