import ConnectorHost

/// Connector names and their owners.
///
/// A connector is served, called and published under its name, so a name
/// belongs to exactly one org: the first registration of a name claims it for
/// the registering org (names compare without case, so `Jira` cannot shadow
/// `jira`), and every later registration, upload, publication or plugin file
/// under that name must come from the same org. A name is released only when
/// its org has neither a registration nor a catalogue entry left under it.
extension Registry {
    /// The org that owns a connector name, if any does.
    public func owner(ofConnectorNamed name: String) async throws(ConnectorHostError) -> String? {
        try await database.read { transaction throws(ConnectorHostError) in
            try await transaction.row("SELECT org_id FROM connector_names WHERE name = ?", .text(name))?.text("org_id")
        }
    }

    /// Claims `name` for `org` inside a write, or checks that `org` holds it.
    ///
    /// - Throws: `conflict` when another org owns the name (without naming it).
    func claim(_ transaction: any RegistryTransaction, name: String, for org: String) async throws(ConnectorHostError) {
        if let owner = try await transaction.row("SELECT org_id FROM connector_names WHERE name = ?", .text(name))?
            .text("org_id")
        {
            guard owner == org else {
                throw ConnectorHostError(
                    .conflict, "the connector name '\(name)' belongs to another org; choose another name"
                )
            }
            return
        }
        try await transaction.execute(
            "INSERT INTO connector_names (name, org_id, claimed_at) VALUES (?, ?, ?)",
            .text(name), .text(org), .text(timestamp())
        )
    }

    /// Releases `name` once nothing of its org carries it any more.
    func releaseIfUnused(_ transaction: any RegistryTransaction, name: String) async throws(ConnectorHostError) {
        try await transaction.execute(
            """
            DELETE FROM connector_names WHERE name = ?
              AND NOT EXISTS (SELECT 1 FROM registrations WHERE registrations.name = connector_names.name COLLATE NOCASE)
              AND NOT EXISTS (SELECT 1 FROM catalogue WHERE catalogue.name = connector_names.name COLLATE NOCASE)
            """,
            .text(name)
        )
    }
}
