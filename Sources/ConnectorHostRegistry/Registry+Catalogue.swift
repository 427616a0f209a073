import ConnectorHost
import Foundation

/// The connector catalogue (the Obsrv connector API) and publishing.
extension Registry {
    /// Records a plugin file as a Draft catalogue entry `name-version`, or
    /// updates the Draft of the same ID. A connector past Draft is frozen: a new
    /// build needs a new version.
    ///
    /// - Throws: `manifest_invalid` when the plugin's name is not its
    ///   registration's; `conflict` when the entry exists past Draft with another
    ///   file, or belongs to another org.
    @discardableResult
    public func recordDraft(
        _ description: PluginDescription, registration: Registration, filePath: String, sha256: String,
        metadata: ConnectorMetadata = ConnectorMetadata(), by actor: Principal
    ) async throws(ConnectorHostError) -> CatalogueEntry {
        let manifest = description.manifest
        let id = "\(manifest.name)-\(manifest.version)"
        let shown = metadata.over(manifest.metadata)
        return try await database.write { transaction throws(ConnectorHostError) -> CatalogueEntry in
            try registration.checkIdentity(of: manifest, subject: "the plugin's")
            try await claim(transaction, name: manifest.name, for: registration.org)
            let stamp = timestamp()
            if let existing = try await transaction.row("SELECT * FROM catalogue WHERE id = ?", .text(id)).map(Self.entry) {
                // Never reached while names have one owner; kept so that no path can rebind another org's entry.
                guard existing.org == registration.org else {
                    throw ConnectorHostError(.conflict, "\(id) belongs to another org")
                }
                if existing.fileSHA256 == sha256, existing.connectorId == registration.id { return existing }
                guard existing.status == .draft else {
                    throw ConnectorHostError(
                        .conflict,
                        "\(id) is \(existing.status.rawValue) with another build; publish a new build under a new version"
                    )
                }
            }
            try await transaction.execute(
                """
                INSERT INTO catalogue (id, connector_id, org_id, name, type, category, version, description, licence,
                  owner, iconurl, ui_spec, status, scope, file_path, file_sha256, created_by, updated_by,
                  created_date, updated_date, display_name)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'Draft', NULL, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET connector_id = excluded.connector_id, type = excluded.type,
                  display_name = excluded.display_name,
                  category = excluded.category, description = excluded.description, licence = excluded.licence,
                  owner = excluded.owner, iconurl = excluded.iconurl, ui_spec = excluded.ui_spec,
                  file_path = excluded.file_path, file_sha256 = excluded.file_sha256,
                  updated_by = excluded.updated_by, updated_date = excluded.updated_date
                """,
                .text(id), .text(registration.id), .text(registration.org), .text(manifest.name),
                Self.optional(shown.type), Self.optional(shown.category),
                .text(manifest.version), Self.optional(shown.description),
                Self.optional(shown.licence), Self.optional(shown.owner),
                Self.optional(shown.iconURL), Self.optional(shown.uiSpec),
                .text(filePath), .text(sha256), .text(actor.description), .text(actor.description), .text(stamp),
                .text(stamp), Self.optional(shown.displayName)
            )
            try await audit(transaction, actor: actor, action: "connector recorded as Draft", subject: id, detail: sha256)
            guard let entry = try await transaction.row("SELECT * FROM catalogue WHERE id = ?", .text(id)).map(Self.entry) else {
                throw ConnectorHostError(.unavailable, "the catalogue entry \(id) vanished while being written")
            }
            return entry
        }
    }

    /// A catalogue entry by ID.
    public func catalogueEntry(id: String) async throws(ConnectorHostError) -> CatalogueEntry? {
        try await database.read { transaction throws(ConnectorHostError) in
            try await transaction.row("SELECT * FROM catalogue WHERE id = ?", .text(id)).map(Self.entry)
        }
    }

    /// Catalogue entries, by ID; empty filters match everything.
    ///
    /// - Parameters:
    ///   - statuses: Entries in any of these statuses.
    ///   - categories: Entries in any of these categories.
    ///   - principal: Only what this principal may see: its org's entries and
    ///     what is published to the whole catalogue.
    public func catalogue(
        statuses: [CatalogueStatus] = [], categories: [String] = [], visibleTo principal: Principal = .admin
    ) async throws(ConnectorHostError) -> [CatalogueEntry] {
        let all = try await database.read { transaction throws(ConnectorHostError) in
            try await transaction.rows("SELECT * FROM catalogue ORDER BY id").map(Self.entry)
        }
        return all.filter { entry in
            (statuses.isEmpty || statuses.contains(entry.status))
                && (categories.isEmpty || entry.metadata.category.map(categories.contains) == true)
                && entry.isVisible(to: principal)
        }
    }

    /// The entries of a plugin (by name), newest first.
    public func catalogueEntries(named name: String) async throws(ConnectorHostError) -> [CatalogueEntry] {
        // Read on every call a server serves: kept until the next write.
        let generation = database.generation
        let entries = try await catalogueByName.answer(for: name, generation: generation) { () throws(ConnectorHostError) in
            try await database.read { transaction throws(ConnectorHostError) in
                try await transaction.rows("SELECT * FROM catalogue WHERE name = ? ORDER BY created_date DESC", .text(name))
                    .map(Self.entry)
            }
        }
        return entries ?? []
    }

    /// Moves a connector one step: Draft → InValidation → Live → Retired.
    ///
    /// - Parameters:
    ///   - id: The catalogue entry.
    ///   - status: The next status; no step may be skipped.
    ///   - scope: With Live: the whole catalogue (admin only) or the owning org.
    ///   - report: With InValidation: the validation report to keep.
    ///   - actor: Who does it; an org token only for its own connectors.
    /// - Throws: `not_found`, `invalid_request` for a skipped step or a missing
    ///   scope, `unauthorized` for a catalogue-wide publication by an org.
    public func transition(
        id: String, to status: CatalogueStatus, scope: PublishScope? = nil, report: String? = nil, by actor: Principal
    ) async throws(ConnectorHostError) -> CatalogueEntry {
        try await database.write { transaction throws(ConnectorHostError) -> CatalogueEntry in
            guard let entry = try await transaction.row("SELECT * FROM catalogue WHERE id = ?", .text(id)).map(Self.entry),
                actor.mayAct(for: entry.org)
            else { throw ConnectorHostError(.notFound, "no connector '\(id)'") }
            guard entry.status.next == status else {
                let allowed = entry.status.next.map { "only to \($0.rawValue)" } ?? "no further"
                throw ConnectorHostError(
                    .invalidRequest, "\(id) is \(entry.status.rawValue): it can move \(allowed), not to \(status.rawValue)"
                )
            }
            var publishedScope: PublishScope? = entry.scope
            if status == .live {
                guard let scope else {
                    throw ConnectorHostError(.invalidRequest, "publishing \(id) needs a scope: 'catalogue' (every org) or 'org'")
                }
                if scope == .catalogue, actor != .admin {
                    throw ConnectorHostError(.unauthorized, "only an admin publishes to the whole catalogue; publish to 'org'")
                }
                publishedScope = scope
            }
            let stamp = timestamp()
            try await transaction.execute(
                """
                UPDATE catalogue SET status = ?, scope = ?, updated_by = ?, updated_date = ?,
                  live_date = CASE WHEN ? = 'Live' THEN ? ELSE live_date END,
                  validation_report = coalesce(?, validation_report)
                WHERE id = ?
                """,
                .text(status.rawValue), Self.optional(publishedScope?.rawValue), .text(actor.description), .text(stamp),
                .text(status.rawValue), .text(stamp), Self.optional(report), .text(id)
            )
            try await audit(transaction, actor: actor, action: "connector \(status.rawValue)", subject: id,
                      detail: publishedScope?.rawValue)
            guard let updated = try await transaction.row("SELECT * FROM catalogue WHERE id = ?", .text(id)).map(Self.entry) else {
                throw ConnectorHostError(.unavailable, "the catalogue entry \(id) vanished while being written")
            }
            return updated
        }
    }

    static func optional(_ text: String?) -> SQLValue {
        text.map { .text($0) } ?? .null
    }

    static func entry(_ row: SQLRow) -> CatalogueEntry {
        CatalogueEntry(
            id: row.text("id") ?? "", connectorId: row.text("connector_id") ?? "", org: row.text("org_id") ?? "",
            name: row.text("name") ?? "",
            metadata: ConnectorMetadata(
                displayName: row.text("display_name"), type: row.text("type"), category: row.text("category"),
                description: row.text("description"), licence: row.text("licence"), owner: row.text("owner"),
                iconURL: row.text("iconurl"), uiSpec: row.text("ui_spec")
            ),
            version: row.text("version") ?? "",
            status: CatalogueStatus(rawValue: row.text("status") ?? "") ?? .draft,
            scope: row.text("scope").flatMap(PublishScope.init(rawValue:)),
            filePath: row.text("file_path") ?? "", fileSHA256: row.text("file_sha256") ?? "",
            validationReport: row.text("validation_report"), createdBy: row.text("created_by") ?? "",
            updatedBy: row.text("updated_by") ?? "", createdDate: row.text("created_date") ?? "",
            updatedDate: row.text("updated_date") ?? "", liveDate: row.text("live_date")
        )
    }
}
