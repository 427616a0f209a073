import Foundation

/// The registry keeps the scan outcome of a rejected file across restarts: an
/// unchanged bad file is not run again, not even after the host restarts.
/// Accepted files are not kept here: their descriptions carry the registration
/// secret, which the registry never stores; scanning them again is cheap.
extension Registry: ScanCache {
    public func outcome(for key: ScanKey) async -> ScanOutcome? {
        let row = try? database.read { transaction throws(ConnectorHostError) in
            try transaction.row(
                "SELECT outcome FROM scan_cache WHERE path = ? AND size = ? AND modified = ? AND sha256 = ?",
                .text(key.path), .integer(key.size), .integer(key.modified), .text(key.sha256)
            )
        }
        guard let text = row?.text("outcome"),
            let error = (try? JSONDecoder().decode(ConnectorHostError.Summary.self, from: Data(text.utf8)))?.error
        else { return nil }
        return .rejected(error)
    }

    public func store(_ outcome: ScanOutcome, for key: ScanKey) async {
        guard case .rejected(let error) = outcome,
            let data = try? JSONEncoder().encode(ConnectorHostError.Summary(error))
        else { return }
        // A cache that cannot be written only costs a scan next time.
        _ = try? database.write { transaction throws(ConnectorHostError) in
            try transaction.execute("DELETE FROM scan_cache WHERE path = ?", .text(key.path))
            try transaction.execute(
                "INSERT INTO scan_cache (path, size, modified, sha256, outcome) VALUES (?, ?, ?, ?, ?)",
                .text(key.path), .integer(key.size), .integer(key.modified), .text(key.sha256),
                .text(String(decoding: data, as: UTF8.self))
            )
        }
    }
}
