import ConnectorHost
import Foundation

/// Uploaded builds, for the other hosts of a fleet: a build uploaded to one
/// host is kept in the shared registry under its SHA-256, and every other
/// host fetches it from there into its own plugin store before serving it.
/// A registry of one host keeps none: its plugin store holds them.
extension Registry {
    /// Keeps `bytes` under their SHA-256 for the other hosts; does nothing in
    /// a registry only this host uses.
    ///
    /// - Returns: The SHA-256.
    @discardableResult
    public func keepBuild(_ bytes: [UInt8], by actor: Principal) async throws(ConnectorHostError) -> String {
        let sha256 = ContentAddressedStore.sha256(bytes)
        guard isShared else { return sha256 }
        try await database.write { transaction throws(ConnectorHostError) in
            let kept = try await transaction.execute(
                "INSERT INTO builds (sha256, bytes, kept_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
                .text(sha256), .blob(bytes), .text(timestamp())
            )
            if kept > 0 {
                try await audit(transaction, actor: actor, action: "build kept", subject: sha256, detail: "\(bytes.count) bytes")
            }
        }
        return sha256
    }

    /// The build kept under `sha256`, checked against it; nil when none is kept.
    ///
    /// - Throws: `conflict` when the bytes kept do not hash to `sha256`.
    public func build(sha256: String) async throws(ConnectorHostError) -> [UInt8]? {
        guard isShared else { return nil }
        let bytes = try await database.read { transaction throws(ConnectorHostError) in
            try await transaction.row("SELECT bytes FROM builds WHERE sha256 = ?", .text(sha256))?.blob("bytes")
        }
        guard let bytes else { return nil }
        guard ContentAddressedStore.sha256(bytes) == sha256 else {
            throw ConnectorHostError(.conflict, "the build kept in the registry under \(sha256.prefix(12)) has other content")
        }
        return bytes
    }
}
