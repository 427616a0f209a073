import ConnectorHost
import Foundation

/// The registry keeps scan outcomes across restarts, accepted and rejected
/// alike: a server restarting over an unchanged plugin directory runs no
/// plugin code before it answers.
///
/// An accepted description carries a registration secret, which the registry
/// never stores. Its row keeps instead the secret's HMAC under the salt of the
/// registration its manifest key names (under a random salt when no
/// registration has that key): for a file that carries the right secret this
/// is the registration's own `secret_hash`, so the row reveals nothing the
/// registrations table does not. Why a cached row may stand in for checking
/// the secret again:
///
/// - A row is found only by the file's path, size, modification time and
///   SHA-256 as read now (``ScanKey``): a changed file misses, is scanned in a
///   worker and has its secret checked afresh. Unchanged content carries the
///   same secret it was checked with.
/// - Admission still verifies the row's digest against the registration as it
///   is now (``verify(key:secret:)``): a registration deleted, or a secret
///   replaced, since the scan no longer matches. A digest under another salt
///   never matches.
/// - A forged or edited row grants nothing. Whoever can write it can write the
///   registrations table beside it: the registry file is the root of trust,
///   created readable by its owner only. And it cannot make a file run with a
///   secret the file does not carry: every worker that starts loads the file
///   and is refused unless the file's own secret matches the digest
///   (``PluginDescription/isScan(of:)``).
extension Registry: ScanCache {
    public func outcome(for key: ScanKey) async -> ScanOutcome? {
        let row = try? await database.read { transaction throws(ConnectorHostError) in
            try await transaction.row(
                "SELECT outcome FROM scan_cache WHERE path = ? AND size = ? AND modified = ? AND sha256 = ?",
                .text(key.path), .integer(key.size), .integer(key.modified), .text(key.sha256)
            )
        }
        guard let text = row?.text("outcome") else { return nil }
        // A row this host cannot read costs one scan, as a missing one does.
        return try? JSONDecoder().decode(ScanOutcome.self, from: Data(text.utf8))
    }

    public func store(_ outcome: ScanOutcome, for key: ScanKey) async {
        // A cache that cannot be written only costs a scan next time.
        _ = try? await database.write { transaction throws(ConnectorHostError) in
            var salt = Credentials.randomBytes(16)
            if case .accepted(let description) = outcome,
                let registered = try await transaction.row(
                    "SELECT secret_salt FROM registrations WHERE key = ?", .text(description.manifest.key)
                )?.blob("secret_salt")
            {
                salt = registered
            }
            guard let data = try? JSONEncoder().encode(outcome.withSecretDigested(salt: salt)) else { return }
            try await transaction.execute("DELETE FROM scan_cache WHERE path = ?", .text(key.path))
            try await transaction.execute(
                "INSERT INTO scan_cache (path, size, modified, sha256, outcome) VALUES (?, ?, ?, ?, ?)",
                .text(key.path), .integer(key.size), .integer(key.modified), .text(key.sha256),
                .text(String(decoding: data, as: UTF8.self))
            )
        }
    }
}
