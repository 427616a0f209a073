import ConnectorHost

/// What the builder published from each draft: every version, immutable once
/// recorded, with its scope, changelog, the document as published and the
/// tests that passed for it.
extension Registry {
    /// The versions published from a draft, oldest first.
    public func publications(ofDraft id: String) async throws(ConnectorHostError) -> [BuilderPublication] {
        try await database.read { transaction throws(ConnectorHostError) in
            try await transaction.rows(
                "SELECT * FROM builder_publications WHERE draft_id = ? ORDER BY published_at, rowid", .text(id)
            ).map { row throws(ConnectorHostError) in
                BuilderPublication(
                    draftId: row.text("draft_id") ?? "", version: row.text("version") ?? "", slug: row.text("slug") ?? "",
                    org: row.text("org_id") ?? "", scope: PublishScope(rawValue: row.text("scope") ?? "") ?? .org,
                    changelog: row.text("changelog") ?? "", catalogueId: row.text("catalogue_id") ?? "",
                    document: try JSONValue(parsing: Array((row.text("document") ?? "null").utf8)),
                    examples: try JSONValue(parsing: Array((row.text("examples") ?? "[]").utf8)).arrayValue ?? [],
                    publishedBy: row.text("published_by") ?? "", publishedAt: row.text("published_at") ?? ""
                )
            }
        }
    }

    /// Records a published version.
    ///
    /// - Throws: `conflict` when that version of the draft was published already.
    public func recordPublication(_ publication: BuilderPublication, by principal: Principal) async throws(ConnectorHostError)
        -> BuilderPublication
    {
        var recorded = publication
        recorded.publishedAt = timestamp()
        recorded.publishedBy = principal.description
        try await database.write { transaction throws(ConnectorHostError) in
            if try await transaction.row(
                "SELECT 1 FROM builder_publications WHERE draft_id = ? AND version = ?",
                .text(publication.draftId), .text(publication.version)
            ) != nil {
                throw ConnectorHostError(.conflict, "\(publication.draftId) published \(publication.version) already")
            }
            try await transaction.execute(
                """
                INSERT INTO builder_publications (draft_id, version, slug, org_id, scope, changelog, catalogue_id, document,
                  examples, published_by, published_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                .text(recorded.draftId), .text(recorded.version), .text(recorded.slug), .text(recorded.org),
                .text(recorded.scope.rawValue), .text(recorded.changelog), .text(recorded.catalogueId),
                .text(String(decoding: recorded.document.bytes, as: UTF8.self)),
                .text(String(decoding: JSONValue.array(recorded.examples).bytes, as: UTF8.self)),
                .text(recorded.publishedBy), .text(recorded.publishedAt)
            )
            try await audit(
                transaction, actor: principal, action: "draft published", subject: recorded.draftId,
                detail: "\(recorded.slug) \(recorded.version) (\(recorded.scope.rawValue)): \(recorded.changelog)"
            )
        }
        return recorded
    }
}

/// One version published from a builder draft.
public struct BuilderPublication: Sendable, Encodable {
    /// The draft it was published from.
    public var draftId: String
    /// Its semantic version, greater than every version published before it.
    public var version: String
    /// The connector's slug: fixed by the draft's first publication.
    public var slug: String
    /// The org that owns it.
    public var org: String
    /// The catalogue (every org; the admin's to choose) or the owning org only.
    public var scope: PublishScope
    /// One line on what changed.
    public var changelog: String
    /// Its catalogue entry.
    public var catalogueId: String
    /// The document as published, without its registration secret.
    public var document: JSONValue
    /// The passing tests of each operation's published definition, secrets removed.
    public var examples: [JSONValue]
    /// Who published it.
    public var publishedBy: String
    /// When (ISO 8601).
    public var publishedAt: String

    /// A publication to record; who and when are filled in by the registry.
    public init(
        draftId: String, version: String, slug: String, org: String, scope: PublishScope, changelog: String,
        catalogueId: String, document: JSONValue, examples: [JSONValue], publishedBy: String = "", publishedAt: String = ""
    ) {
        self.draftId = draftId
        self.version = version
        self.slug = slug
        self.org = org
        self.scope = scope
        self.changelog = changelog
        self.catalogueId = catalogueId
        self.document = document
        self.examples = examples
        self.publishedBy = publishedBy
        self.publishedAt = publishedAt
    }
}
