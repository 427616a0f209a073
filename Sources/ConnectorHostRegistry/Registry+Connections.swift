import ConnectorHost

/// Saved connections: an org's settings for one connector, kept sealed
/// (``ConnectionVault``) and tied to the connector version they were saved
/// for, so that calls can name a connection instead of carrying credentials.
extension Registry {
    /// Saves a connection, its settings sealed by `vault`.
    ///
    /// - Throws: `conflict` when the org has a connection of that name for that
    ///   connector already.
    public func createConnection(
        org: String, connector: String, version: String, name: String, settings: [SessionSetting],
        vault: ConnectionVault, by principal: Principal
    ) async throws(ConnectorHostError) -> SavedConnection {
        guard principal.mayAct(for: org) else { throw ConnectorHostError(.notFound, "no org '\(org)'") }
        guard !name.isEmpty, name.count <= 128 else {
            throw ConnectorHostError(.invalidRequest, "a connection's name is 1 to 128 characters")
        }
        let id = "conn_" + Hex.text(Credentials.randomBytes(8))
        let sealed = try vault.seal(settings, for: ConnectionBinding(id: id, org: org, connector: connector))
        let now = timestamp()
        try await database.write { transaction throws(ConnectorHostError) in
            let taken = try await transaction.row(
                "SELECT id FROM connections WHERE org_id = ? AND connector = ? AND name = ?",
                .text(org), .text(connector), .text(name)
            )
            if let taken {
                throw ConnectorHostError(
                    .conflict, "org '\(org)' has a connection '\(name)' for \(connector) already (\(taken.text("id") ?? ""))"
                )
            }
            try await transaction.execute(
                """
                INSERT INTO connections (id, org_id, connector, version, name, sealed_settings, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                .text(id), .text(org), .text(connector), .text(version), .text(name), .blob(sealed), .text(now), .text(now)
            )
            try await audit(transaction, actor: principal, action: "connection saved", subject: id, detail: "\(connector) \(version)")
        }
        return SavedConnection(
            id: id, org: org, connector: connector, version: version, name: name, sealedSettings: sealed,
            createdAt: now, updatedAt: now
        )
    }

    /// The connections `principal` may see, by connector and name.
    public func connections(visibleTo principal: Principal) async throws(ConnectorHostError) -> [SavedConnection] {
        try await database.read { transaction throws(ConnectorHostError) in
            let rows = switch principal {
            case .admin: try await transaction.rows("SELECT * FROM connections ORDER BY connector, name, id")
            case .org(let org):
                try await transaction.rows("SELECT * FROM connections WHERE org_id = ? ORDER BY connector, name, id", .text(org))
            }
            return rows.map(Self.connection)
        }
    }

    /// One connection.
    ///
    /// - Throws: `not_found` when there is none of that ID that `principal` may see.
    public func connection(id: String, visibleTo principal: Principal) async throws(ConnectorHostError) -> SavedConnection {
        try await database.read { transaction throws(ConnectorHostError) in
            guard let row = try await transaction.row("SELECT * FROM connections WHERE id = ?", .text(id)),
                  principal.mayAct(for: row.text("org_id") ?? "")
            else { throw ConnectorHostError(.notFound, "no connection '\(id)'") }
            return Self.connection(row)
        }
    }

    /// Moves a connection to another version of its connector, and replaces
    /// its settings (sealed by `vault`) when `settings` are given.
    ///
    /// - Throws: `not_found` when there is no such connection `principal` may see.
    public func updateConnection(
        id: String, version: String?, settings: [SessionSetting]?, vault: ConnectionVault, by principal: Principal
    ) async throws(ConnectorHostError) -> SavedConnection {
        let existing = try await connection(id: id, visibleTo: principal)
        let sealed = try settings.map { settings throws(ConnectorHostError) in
            try vault.seal(settings, for: existing.binding)
        } ?? existing.sealedSettings
        try await database.write { transaction throws(ConnectorHostError) in
            try await transaction.execute(
                "UPDATE connections SET version = ?, sealed_settings = ?, updated_at = ? WHERE id = ?",
                .text(version ?? existing.version), .blob(sealed), .text(timestamp()), .text(id)
            )
            let detail = version.map { "\(existing.version) -> \($0)" } ?? "settings replaced"
            try await audit(transaction, actor: principal, action: "connection changed", subject: id, detail: detail)
        }
        return try await connection(id: id, visibleTo: principal)
    }

    /// Deletes a connection.
    ///
    /// - Throws: `not_found` when there is no such connection `principal` may see.
    public func deleteConnection(id: String, by principal: Principal) async throws(ConnectorHostError) {
        _ = try await connection(id: id, visibleTo: principal)
        try await database.write { transaction throws(ConnectorHostError) in
            try await transaction.execute("DELETE FROM connections WHERE id = ?", .text(id))
            try await audit(transaction, actor: principal, action: "connection deleted", subject: id)
        }
    }

    private static func connection(_ row: SQLRow) -> SavedConnection {
        SavedConnection(
            id: row.text("id") ?? "", org: row.text("org_id") ?? "", connector: row.text("connector") ?? "",
            version: row.text("version") ?? "", name: row.text("name") ?? "",
            sealedSettings: row.blob("sealed_settings") ?? [], createdAt: row.text("created_at") ?? "",
            updatedAt: row.text("updated_at") ?? ""
        )
    }
}

/// A saved connection as the registry keeps it: its settings sealed.
public struct SavedConnection: Sendable {
    /// `conn_` and 16 hex digits.
    public var id: String
    /// The org that owns it; only its tokens (and the admin) see or use it.
    public var org: String
    /// The connector's name.
    public var connector: String
    /// The connector version the settings are for.
    public var version: String
    /// The org's name for it, unique per connector.
    public var name: String
    /// The settings, sealed by a ``ConnectionVault`` for ``binding``.
    public var sealedSettings: [UInt8]
    /// When it was saved (ISO 8601).
    public var createdAt: String
    /// When it was last moved or given new settings (ISO 8601).
    public var updatedAt: String

    /// What its sealed settings are bound to.
    public var binding: ConnectionBinding { ConnectionBinding(id: id, org: org, connector: connector) }
}
