import ConnectorHost

/// Orgs, tokens and authentication.
extension Registry {
    /// Makes sure an admin token exists.
    ///
    /// A configured token is authoritative: when it is new, it is added and
    /// every token configured before it is revoked, so that rotating the admin
    /// token is a restart with another `CONNECTOR_HOST_ADMIN_TOKEN`. Tokens
    /// issued through the API (``issueAdminToken(by:)``) stay until revoked.
    ///
    /// - Parameter configured: A token to accept as admin (from
    ///   `CONNECTOR_HOST_ADMIN_TOKEN`), or nil.
    /// - Returns: A newly generated admin token, to print once; nil when one was
    ///   configured or already exists.
    public func ensureAdminToken(configured: String?) async throws(ConnectorHostError) -> String? {
        try await database.write { transaction throws(ConnectorHostError) -> String? in
            if let configured {
                let hash = Credentials.tokenHash(configured)
                if let row = try await transaction.row("SELECT id, revoked_at FROM tokens WHERE token_hash = ?", .text(hash)) {
                    guard row.text("revoked_at") == nil else {
                        throw ConnectorHostError(
                            .unauthorized,
                            "the configured admin token (CONNECTOR_HOST_ADMIN_TOKEN) was revoked; configure a new one"
                        )
                    }
                    return nil
                }
                let rotated = try await transaction.execute(
                    "UPDATE tokens SET revoked_at = ? WHERE org_id IS NULL AND id LIKE 'admin-configured%' AND revoked_at IS NULL",
                    .text(timestamp())
                )
                let id = "admin-configured-" + Hex.text(Credentials.randomBytes(4))
                try await transaction.execute(
                    "INSERT INTO tokens (id, org_id, token_hash, created_at) VALUES (?, NULL, ?, ?)",
                    .text(id), .text(hash), .text(timestamp())
                )
                try await audit(
                    transaction, actor: .admin, action: rotated > 0 ? "admin token rotated" : "admin token configured",
                    subject: id
                )
                return nil
            }
            guard try await transaction.row("SELECT id FROM tokens WHERE org_id IS NULL AND revoked_at IS NULL") == nil else {
                return nil
            }
            let token = Credentials.newSecret(prefix: "cha_")
            try await transaction.execute(
                "INSERT INTO tokens (id, org_id, token_hash, created_at) VALUES (?, NULL, ?, ?)",
                .text("admin-" + Hex.text(Credentials.randomBytes(4))), .text(Credentials.tokenHash(token)),
                .text(timestamp())
            )
            try await audit(transaction, actor: .admin, action: "admin token generated", subject: nil)
            return token
        }
    }

    /// Issues another admin token, for rotating without a restart: issue, move
    /// clients over, revoke the old one.
    ///
    /// - Returns: The token's ID and the token — shown this once.
    public func issueAdminToken(by actor: Principal) async throws(ConnectorHostError) -> (id: String, token: String) {
        try await database.write { transaction throws(ConnectorHostError) in
            let id = "admin-" + Hex.text(Credentials.randomBytes(6))
            let token = Credentials.newSecret(prefix: "cha_")
            try await transaction.execute(
                "INSERT INTO tokens (id, org_id, token_hash, created_at) VALUES (?, NULL, ?, ?)",
                .text(id), .text(Credentials.tokenHash(token)), .text(timestamp())
            )
            try await audit(transaction, actor: actor, action: "admin token issued", subject: id)
            return (id, token)
        }
    }

    /// The tokens, without their values: ID, org (nil for admin), dates.
    public func tokens() async throws(ConnectorHostError) -> [TokenRecord] {
        try await database.read { transaction throws(ConnectorHostError) in
            try await transaction.rows("SELECT id, org_id, created_at, revoked_at FROM tokens ORDER BY created_at, id").map {
                TokenRecord(
                    id: $0.text("id") ?? "", org: $0.text("org_id"), createdAt: $0.text("created_at") ?? "",
                    revokedAt: $0.text("revoked_at")
                )
            }
        }
    }

    /// Who a token belongs to, or nil for an unknown or revoked one.
    public func authenticate(_ token: String) async throws(ConnectorHostError) -> Principal? {
        try await identify(token)?.principal
    }

    /// Who a token belongs to and the token's ID (for the audit trail), or nil
    /// for an unknown or revoked one.
    public func identify(_ token: String) async throws(ConnectorHostError) -> (principal: Principal, tokenId: String)? {
        let digest = Credentials.tokenDigest(token)
        // Taken before the read: a write that lands meanwhile makes the answer stale at once.
        let generation = database.generation
        let identity = try await identities.answer(for: digest, generation: generation) { () throws(ConnectorHostError) in
            let row = try await database.read { transaction throws(ConnectorHostError) in
                try await transaction.row(
                    "SELECT id, org_id FROM tokens WHERE token_hash = ? AND revoked_at IS NULL", .text(digest.hex)
                )
            }
            // An unknown token is not kept: whoever sends ever new ones fills nothing.
            return row.map { TokenIdentity(principal: $0.text("org_id").map(Principal.org) ?? .admin, tokenId: $0.text("id") ?? "") }
        }
        return identity.map { ($0.principal, $0.tokenId) }
    }

    /// Creates an org.
    ///
    /// - Throws: `invalid_request` for an ID that is not 1–64 letters, digits,
    ///   '-' or '_'; `conflict` when it exists.
    public func createOrg(id: String, name: String, by actor: Principal) async throws(ConnectorHostError) -> Org {
        guard (1...64).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw ConnectorHostError(.invalidRequest, "org id '\(id)' must be 1 to 64 ASCII letters, digits, '-' or '_'")
        }
        guard !name.isEmpty else { throw ConnectorHostError(.invalidRequest, "the org needs a name") }
        return try await database.write { transaction throws(ConnectorHostError) -> Org in
            guard try await transaction.row("SELECT id FROM orgs WHERE id = ?", .text(id)) == nil else {
                throw ConnectorHostError(.conflict, "org '\(id)' already exists")
            }
            let org = Org(id: id, name: name, createdAt: timestamp())
            try await transaction.execute(
                "INSERT INTO orgs (id, name, created_at) VALUES (?, ?, ?)", .text(id), .text(name), .text(org.createdAt)
            )
            try await audit(transaction, actor: actor, action: "org created", subject: id)
            return org
        }
    }

    /// Every org, by ID.
    public func orgs() async throws(ConnectorHostError) -> [Org] {
        try await database.read { transaction throws(ConnectorHostError) in
            try await transaction.rows("SELECT * FROM orgs ORDER BY id").map {
                Org(id: $0.text("id") ?? "", name: $0.text("name") ?? "", createdAt: $0.text("created_at") ?? "")
            }
        }
    }

    /// Whether the org exists.
    public func orgExists(_ id: String) async throws(ConnectorHostError) -> Bool {
        try await database.read { transaction throws(ConnectorHostError) in
            try await transaction.row("SELECT id FROM orgs WHERE id = ?", .text(id)) != nil
        }
    }

    /// Issues a token for an org.
    ///
    /// - Returns: The token's ID (to revoke it) and the token — shown this once.
    /// - Throws: `not_found` for an unknown org.
    public func issueToken(for org: String, by actor: Principal) async throws(ConnectorHostError) -> (id: String, token: String) {
        try await database.write { transaction throws(ConnectorHostError) in
            guard try await transaction.row("SELECT id FROM orgs WHERE id = ?", .text(org)) != nil else {
                throw ConnectorHostError(.notFound, "no org '\(org)'")
            }
            let id = "tok_" + Hex.text(Credentials.randomBytes(6))
            let token = Credentials.newSecret(prefix: "cht_")
            try await transaction.execute(
                "INSERT INTO tokens (id, org_id, token_hash, created_at) VALUES (?, ?, ?, ?)",
                .text(id), .text(org), .text(Credentials.tokenHash(token)), .text(timestamp())
            )
            try await audit(transaction, actor: actor, action: "token issued", subject: org, detail: id)
            return (id, token)
        }
    }

    /// Revokes a token.
    ///
    /// - Throws: `not_found` for an unknown or already revoked token;
    ///   `conflict` for the last admin token, which would lock every admin out.
    public func revokeToken(id: String, by actor: Principal) async throws(ConnectorHostError) {
        try await database.write { transaction throws(ConnectorHostError) in
            let admins = try await transaction.rows("SELECT id FROM tokens WHERE org_id IS NULL AND revoked_at IS NULL")
            if admins.count == 1, admins.first?.text("id") == id {
                throw ConnectorHostError(
                    .conflict, "'\(id)' is the last admin token", remedy: .issueAdminToken
                )
            }
            let revoked = try await transaction.execute(
                "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", .text(timestamp()), .text(id)
            )
            guard revoked == 1 else { throw ConnectorHostError(.notFound, "no active token '\(id)'") }
            try await audit(transaction, actor: actor, action: "token revoked", subject: id)
        }
    }
}

/// Who a token is: its principal and its ID.
struct TokenIdentity: Sendable {
    let principal: Principal
    let tokenId: String
}
