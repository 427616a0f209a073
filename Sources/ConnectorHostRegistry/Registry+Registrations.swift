import ConnectorHost
import Foundation

/// Connector registrations (the Jitterbit registration API) and their blocks
/// of entity IDs.
extension Registry {
    /// Registers a connector: a new ID, key and secret, and a block of 100 entity
    /// IDs — endpoint first, functions next — that no other registration has
    /// ever had, in any org, also after deletions.
    ///
    /// - Throws: `invalid_request` for an empty name or version, `not_found` for
    ///   an unknown org, `conflict` when the org registered this name and
    ///   version already, or when the name belongs to another org.
    public func register(
        org: String, name: String, version: String, by actor: Principal
    ) async throws(ConnectorHostError) -> NewRegistration {
        guard !name.isEmpty, name.count <= 128 else {
            throw ConnectorHostError(.invalidRequest, "name must be 1 to 128 characters")
        }
        guard !version.isEmpty, version.count <= 64 else {
            throw ConnectorHostError(.invalidRequest, "version must be 1 to 64 characters")
        }
        return try await database.write { transaction throws(ConnectorHostError) -> NewRegistration in
            guard try await transaction.row("SELECT id FROM orgs WHERE id = ?", .text(org)) != nil else {
                throw ConnectorHostError(.notFound, "no org '\(org)'")
            }
            if try await transaction.row(
                "SELECT id FROM registrations WHERE org_id = ? AND name = ? AND version = ?",
                .text(org), .text(name), .text(version)
            ) != nil {
                throw ConnectorHostError(.conflict, "org '\(org)' has registered \(name) \(version) already")
            }
            try await claim(transaction, name: name, for: org)
            guard let start = try await transaction.row("SELECT value FROM sequences WHERE name = 'next_block_start'")?
                .integer("value")
            else { throw ConnectorHostError(.unavailable, "the registry has no entity ID sequence") }
            let end = start + Registry.blockSize - 1
            try await transaction.execute(
                "UPDATE sequences SET value = ? WHERE name = 'next_block_start'", .integer(end + 1)
            )
            // Registration IDs, like ID blocks, are never handed out twice.
            guard let next = try await transaction.row("SELECT value FROM sequences WHERE name = 'next_registration_id'")?
                .integer("value")
            else { throw ConnectorHostError(.unavailable, "the registry has no registration sequence") }
            try await transaction.execute(
                "UPDATE sequences SET value = ? WHERE name = 'next_registration_id'", .integer(next + 1)
            )
            let id = String(next)
            // Jitterbit hands out both as UUIDs, and manifests and tools
            // written against it expect that form; a random UUID still holds
            // 122 random bits, and the secret is kept only as a salted hash.
            let key = UUID().uuidString.lowercased()
            let secret = UUID().uuidString.lowercased()
            let salt = Credentials.randomBytes(16)
            let registration = Registration(
                id: id, org: org, name: name, version: version, key: key, endpointEntityId: start,
                functionEntityIds: (start + 1)...end, createdAt: timestamp()
            )
            try await transaction.execute(
                "INSERT INTO id_blocks (start_id, end_id, registration_id) VALUES (?, ?, ?)",
                .integer(start), .integer(end), .text(id)
            )
            try await transaction.execute(
                """
                INSERT INTO registrations (id, org_id, name, version, key, secret_salt, secret_hash,
                  endpoint_entity_id, function_entity_start_id, function_entity_end_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                .text(id), .text(org), .text(name), .text(version), .text(key), .blob(salt),
                .blob(Credentials.secretHash(secret, salt: salt)), .integer(start), .integer(start + 1), .integer(end),
                .text(registration.createdAt)
            )
            try await audit(transaction, actor: actor, action: "connector registered", subject: id, detail: "\(name) \(version)")
            return NewRegistration(registration: registration, secret: secret)
        }
    }

    /// The org's registrations, oldest first.
    public func registrations(org: String) async throws(ConnectorHostError) -> [Registration] {
        try await database.read { transaction throws(ConnectorHostError) in
            try await transaction.rows(
                "SELECT * FROM registrations WHERE org_id = ? ORDER BY CAST(id AS INTEGER)", .text(org)
            ).map(Self.registration)
        }
    }

    /// Deletes a registration; its ID block stays allocated for good.
    ///
    /// - Throws: `not_found` when the org has no such registration, `conflict`
    ///   naming the Live connector that uses it.
    public func deleteRegistration(org: String, id: String, by actor: Principal) async throws(ConnectorHostError) {
        try await database.write { transaction throws(ConnectorHostError) in
            try await requireRemovable(transaction, org: org, id: id)
            let name = try await transaction.row("SELECT name FROM registrations WHERE id = ?", .text(id))?.text("name")
            try await transaction.execute("DELETE FROM catalogue WHERE connector_id = ? AND org_id = ?", .text(id), .text(org))
            try await transaction.execute("DELETE FROM registrations WHERE id = ?", .text(id))
            if let name { try await releaseIfUnused(transaction, name: name) }
            try await audit(transaction, actor: actor, action: "registration deleted", subject: id)
        }
    }

    /// The org has the registration, and no Live connector uses it.
    private func requireRemovable(
        _ transaction: any RegistryTransaction, org: String, id: String
    ) async throws(ConnectorHostError) {
        guard try await transaction.row(
            "SELECT id FROM registrations WHERE id = ? AND org_id = ?", .text(id), .text(org)
        ) != nil else {
            throw ConnectorHostError(.notFound, "org '\(org)' has no registered connector '\(id)'")
        }
        if let live = try await transaction.row(
            "SELECT id FROM catalogue WHERE connector_id = ? AND status = 'Live'", .text(id)
        )?.text("id") {
            throw ConnectorHostError(.conflict, "registration \(id) is used by the Live connector '\(live)'; retire it first")
        }
    }

    /// Stores the UI payload (JSON Schema of the configuration form) of a registration.
    public func setUIPayload(registration id: String, payload: String, by actor: Principal) async throws(ConnectorHostError) {
        try await database.write { transaction throws(ConnectorHostError) in
            try await transaction.execute(
                """
                INSERT INTO ui_payloads (registration_id, payload, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (registration_id) DO UPDATE SET payload = excluded.payload, updated_at = excluded.updated_at
                """,
                .text(id), .text(payload), .text(timestamp())
            )
            try await audit(transaction, actor: actor, action: "ui payload stored", subject: id)
        }
    }

    /// Deletes the UI payload of a registration, and only that.
    ///
    /// - Returns: Whether there was one.
    /// - Throws: `not_found` when the org has no such registration, `conflict`
    ///   when a Live connector uses it.
    @discardableResult
    public func deleteUIPayload(org: String, id: String, by actor: Principal) async throws(ConnectorHostError) -> Bool {
        try await database.write { transaction throws(ConnectorHostError) -> Bool in
            try await requireRemovable(transaction, org: org, id: id)
            let deleted = try await transaction.execute("DELETE FROM ui_payloads WHERE registration_id = ?", .text(id)) > 0
            try await audit(transaction, actor: actor, action: "ui payload deleted", subject: id)
            return deleted
        }
    }

    /// Whether a key and secret belong to the org's registration of `name`
    /// (constant-time comparison of the secret).
    public func validateSecurityInfo(org: String, name: String, key: String, secret: String) async throws(ConnectorHostError)
        -> Bool
    {
        let row = try await database.read { transaction throws(ConnectorHostError) in
            try await transaction.row(
                "SELECT secret_salt, secret_hash FROM registrations WHERE org_id = ? AND name = ? AND key = ?",
                .text(org), .text(name), .text(key)
            )
        }
        guard let row, let salt = row.blob("secret_salt"), let hash = row.blob("secret_hash") else {
            // Compare anyway, so that an unknown key takes as long as a wrong secret.
            _ = Credentials.secret(secret, matches: Array(repeating: 0, count: 32), salt: Array(repeating: 0, count: 16))
            return false
        }
        return Credentials.secret(secret, matches: hash, salt: salt)
    }

    /// The registration a plugin's manifest key and secret belong to.
    ///
    /// - Parameters:
    ///   - key: The manifest's key.
    ///   - secret: The manifest's secret as the plugin carries it, or as the
    ///     registry's scan cache keeps it (a digest under the registration's
    ///     salt, see `PluginSecret.matches(registrationHash:salt:)`).
    /// - Throws: `unauthorized`, saying whether the key is unknown or the secret wrong.
    public func verify(key: String, secret: PluginSecret) async throws(ConnectorHostError) -> Registration {
        let row = try await database.read { transaction throws(ConnectorHostError) in
            try await transaction.row("SELECT * FROM registrations WHERE key = ?", .text(key))
        }
        guard let row, let salt = row.blob("secret_salt"), let hash = row.blob("secret_hash") else {
            // Compare anyway, so that an unknown key takes as long as a wrong secret.
            _ = secret.matches(registrationHash: Array(repeating: 0, count: 32), salt: Array(repeating: 0, count: 16))
            throw ConnectorHostError(.unauthorized, "its manifest key is not registered; register the connector and build it with the key and secret you get")
        }
        guard secret.matches(registrationHash: hash, salt: salt) else {
            throw ConnectorHostError(.unauthorized, "its manifest secret does not match the registration of its key")
        }
        return Self.registration(row)
    }

    static func registration(_ row: SQLRow) -> Registration {
        let start = row.integer("function_entity_start_id") ?? 0
        return Registration(
            id: row.text("id") ?? "", org: row.text("org_id") ?? "", name: row.text("name") ?? "",
            version: row.text("version") ?? "", key: row.text("key") ?? "",
            endpointEntityId: row.integer("endpoint_entity_id") ?? 0,
            functionEntityIds: start...max(start, row.integer("function_entity_end_id") ?? start),
            createdAt: row.text("created_at") ?? ""
        )
    }
}
