import ConnectorHost

/// The builder's drafts: declarative connector documents being written, saved
/// whether valid or not, each visible only to its org (an admin's to admins),
/// with the tests their operations passed.
extension Registry {
    /// Saves a new draft for `principal`.
    public func createDraft(_ document: JSONValue, by principal: Principal) async throws(ConnectorHostError) -> BuilderDraft {
        let id = "draft_" + Hex.text(Credentials.randomBytes(8))
        let now = timestamp()
        try await database.write { transaction throws(ConnectorHostError) in
            try await transaction.execute(
                "INSERT INTO builder_drafts (id, org_id, document, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                .text(id), Self.optional(principal.orgID), .text(String(decoding: document.bytes, as: UTF8.self)),
                .text(now), .text(now)
            )
            try await audit(transaction, actor: principal, action: "draft created", subject: id)
        }
        return BuilderDraft(id: id, org: principal.orgID, document: document, createdAt: now, updatedAt: now, passedTests: [])
    }

    /// The drafts `principal` may see, newest change first.
    public func drafts(visibleTo principal: Principal) async throws(ConnectorHostError) -> [BuilderDraft] {
        try await database.read { transaction throws(ConnectorHostError) in
            let rows = switch principal {
            case .admin: try await transaction.rows("SELECT * FROM builder_drafts ORDER BY updated_at DESC, id")
            case .org(let org):
                try await transaction.rows("SELECT * FROM builder_drafts WHERE org_id = ? ORDER BY updated_at DESC, id", .text(org))
            }
            var drafts: [BuilderDraft] = []
            for row in rows { await drafts.append(try Self.draft(row, passes: try Self.passes(transaction, of: row.text("id") ?? ""))) }
            return drafts
        }
    }

    /// One draft.
    ///
    /// - Throws: `not_found` when there is none of that ID that `principal` may see.
    public func draft(id: String, visibleTo principal: Principal) async throws(ConnectorHostError) -> BuilderDraft {
        try await database.read { transaction throws(ConnectorHostError) in
            guard let row = try await transaction.row("SELECT * FROM builder_drafts WHERE id = ?", .text(id)),
                  Self.draftOrg(row).map(principal.mayAct(for:)) ?? (principal == .admin)
            else { throw ConnectorHostError(.notFound, "no draft '\(id)'") }
            return try await Self.draft(row, passes: try Self.passes(transaction, of: id))
        }
    }

    /// Replaces a draft's document; the tests it passed stay, each tied to the
    /// definition it tested.
    ///
    /// - Throws: `not_found` when there is no such draft that `principal` may see.
    public func updateDraft(id: String, document: JSONValue, by principal: Principal) async throws(ConnectorHostError) -> BuilderDraft {
        _ = try await draft(id: id, visibleTo: principal)
        try await database.write { transaction throws(ConnectorHostError) in
            try await transaction.execute(
                "UPDATE builder_drafts SET document = ?, updated_at = ? WHERE id = ?",
                .text(String(decoding: document.bytes, as: UTF8.self)), .text(timestamp()), .text(id)
            )
            try await audit(transaction, actor: principal, action: "draft saved", subject: id)
        }
        return try await draft(id: id, visibleTo: principal)
    }

    /// Deletes a draft and its test results.
    ///
    /// - Throws: `not_found` when there is no such draft that `principal` may
    ///   see; `conflict` when versions were published from it (their history stays).
    public func deleteDraft(id: String, by principal: Principal) async throws(ConnectorHostError) {
        _ = try await draft(id: id, visibleTo: principal)
        try await database.write { transaction throws(ConnectorHostError) in
            let published = try await transaction.row("SELECT count(*) AS n FROM builder_publications WHERE draft_id = ?", .text(id))
            if let count = published?.integer("n"), count > 0 {
                throw ConnectorHostError(
                    .conflict, "\(id) has \(count) published version(s), whose history stays; retire them in the catalogue instead"
                )
            }
            try await transaction.execute("DELETE FROM builder_test_passes WHERE draft_id = ?", .text(id))
            try await transaction.execute("DELETE FROM builder_drafts WHERE id = ?", .text(id))
            try await audit(transaction, actor: principal, action: "draft deleted", subject: id)
        }
    }

    /// Keeps a passing test of one operation, as an example of the definition it tested.
    ///
    /// - Parameters:
    ///   - id: The draft's ID.
    ///   - operation: The name of the operation that passed.
    ///   - definitionSHA256: `ConnectorDocumentText.definitionDigest(ofOperation:in:)` of the tested document.
    ///   - example: The exchange, with every secret already removed.
    ///   - principal: Who ran the test; the draft must be one it may see.
    public func recordTestPass(
        draft id: String, operation: String, definitionSHA256: String, example: JSONValue, by principal: Principal
    ) async throws(ConnectorHostError) {
        _ = try await draft(id: id, visibleTo: principal)
        try await database.write { transaction throws(ConnectorHostError) in
            try await transaction.execute(
                """
                INSERT INTO builder_test_passes (draft_id, operation, definition_sha256, example, passed_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (draft_id, operation, definition_sha256) DO UPDATE SET example = excluded.example,
                  passed_at = excluded.passed_at
                """,
                .text(id), .text(operation), .text(definitionSHA256), .text(String(decoding: example.bytes, as: UTF8.self)),
                .text(timestamp())
            )
        }
    }

    private static func draftOrg(_ row: SQLRow) -> String? { row.text("org_id") }

    private static func draft(_ row: SQLRow, passes: [BuilderTestPass]) throws(ConnectorHostError) -> BuilderDraft {
        let document = try JSONValue(parsing: Array((row.text("document") ?? "null").utf8))
        return BuilderDraft(
            id: row.text("id") ?? "", org: row.text("org_id"), document: document,
            createdAt: row.text("created_at") ?? "", updatedAt: row.text("updated_at") ?? "", passedTests: passes
        )
    }

    private static func passes(_ transaction: any RegistryTransaction, of id: String) async throws(ConnectorHostError)
        -> [BuilderTestPass]
    {
        try await transaction.rows(
            "SELECT * FROM builder_test_passes WHERE draft_id = ? ORDER BY operation, passed_at", .text(id)
        ).map { row throws(ConnectorHostError) in
            BuilderTestPass(
                operation: row.text("operation") ?? "", definitionSHA256: row.text("definition_sha256") ?? "",
                passedAt: row.text("passed_at") ?? "",
                example: try JSONValue(parsing: Array((row.text("example") ?? "null").utf8))
            )
        }
    }
}

/// A declarative connector document being written in the builder.
public struct BuilderDraft: Sendable, Encodable {
    /// `draft_` and 16 hex digits.
    public var id: String
    /// The org it belongs to; nil for an admin's draft.
    public var org: String?
    /// The document as saved, valid or not.
    public var document: JSONValue
    /// When the draft was created: ISO 8601 with fractional seconds.
    public var createdAt: String
    /// When it was last saved: ISO 8601 with fractional seconds.
    public var updatedAt: String
    /// Every passing test kept, oldest first per operation.
    public var passedTests: [BuilderTestPass]

    /// The operations of the document that have not passed a test with their
    /// current definition, in the document's order.
    public var untestedOperations: [String] {
        let names = document["operations"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        return names.filter { name in
            let digest = ConnectorDocumentText.definitionDigest(ofOperation: name, in: document)
            return !passedTests.contains { $0.operation == name && $0.definitionSHA256 == digest }
        }
    }
}

/// A test an operation passed: what was sent and answered, secrets removed.
public struct BuilderTestPass: Sendable, Codable {
    /// The name of the operation tested.
    public var operation: String
    /// The fingerprint of the definition it tested.
    public var definitionSHA256: String
    /// When it last passed with this definition: ISO 8601 with fractional seconds.
    public var passedAt: String
    /// The exchange of that test, with every secret removed: what was sent and what came back.
    public var example: JSONValue
}
