import ConnectorHost
import Crypto
import Foundation

/// The host's registry, in SQLite (one file, WAL, versioned migrations, every
/// write in one transaction): orgs and their tokens, connector registrations
/// with their entity ID blocks, the connector catalogue and UI payloads, the
/// plugin scan cache and an audit trail.
///
/// Tokens and registration secrets are stored only as hashes; secrets are
/// salted and compared in constant time.
public final class Registry: Sendable {
    let database: any RegistryDatabase
    private let now: @Sendable () -> Date
    /// Who each token presented lately is, by the token's hash, until the next write.
    let identities = RegistryReadCache<TokenDigest, TokenIdentity>(capacity: 10_000)
    /// Each connector name's catalogue entries, until the next write.
    let catalogueByName = RegistryReadCache<String, [CatalogueEntry]>(capacity: 10_000)

    /// Entity IDs per registration: the endpoint, then 99 for functions.
    public static let blockSize: Int64 = 100

    /// Opens (creating and migrating when needed) the registry at `path`.
    ///
    /// - Parameters:
    ///   - path: The SQLite file; ":memory:" for a registry that lives in memory.
    ///   - now: The wall clock of timestamps and audit entries.
    /// - Throws: `unavailable` when the file cannot be opened, `conflict` when it
    ///   comes from a newer host.
    public convenience init(path: String, now: @escaping @Sendable () -> Date = { Date() }) async throws(ConnectorHostError) {
        if path != ":memory:" {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // A new registry is its owner's alone (SQLite gives its WAL and
            // shared-memory files the same mode): it holds the hashes every
            // credential is checked against, and the scan cache that stands
            // in for checks (Registry+ScanCache.swift).
            let created = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if created >= 0 { Glibc.close(created) }
        }
        let database = try SQLiteDatabase(path: path)
        try await SQLiteMigrations.migrate(database)
        self.init(database: database, now: now)
    }

    init(database: any RegistryDatabase, now: @escaping @Sendable () -> Date) {
        self.database = database
        self.now = now
    }

    /// The registry file, or the PostgreSQL server and database (without password).
    public var location: String { database.location }

    func timestamp() -> String {
        now().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    func audit(
        _ transaction: any RegistryTransaction, actor: Principal, action: String, subject: String?, detail: String? = nil
    ) async throws(ConnectorHostError) {
        try await audit(transaction, actor: actor.description, action: action, subject: subject, detail: detail)
    }

    func audit(
        _ transaction: any RegistryTransaction, actor: String, action: String, subject: String?, detail: String? = nil
    ) async throws(ConnectorHostError) {
        try await transaction.execute(
            "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            .text(timestamp()), .text(actor), .text(action), subject.map { .text($0) } ?? .null,
            detail.map { .text($0) } ?? .null
        )
    }

    /// The audit trail, newest first.
    public func auditTrail(limit: Int = 100) async throws(ConnectorHostError) -> [AuditEntry] {
        try await database.read { transaction throws(ConnectorHostError) in
            try await transaction.rows("SELECT * FROM audit ORDER BY id DESC LIMIT ?", .integer(Int64(limit))).map {
                AuditEntry(
                    at: $0.text("at") ?? "", actor: $0.text("actor") ?? "", action: $0.text("action") ?? "",
                    subject: $0.text("subject"), detail: $0.text("detail")
                )
            }
        }
    }
}

/// One line of the audit trail.
public struct AuditEntry: Sendable, Hashable, Codable {
    /// When it happened: ISO 8601 with fractional seconds.
    public var at: String
    /// Who did it: `admin`, or `org:` and the org's ID.
    public var actor: String
    /// What was done, in words, e.g. `connector registered` or `token revoked`.
    public var action: String
    /// What it was done to: a registration, catalogue entry, org or token ID.
    public var subject: String?
    /// More about it, e.g. the name and version registered or a file's SHA-256.
    public var detail: String?
}
