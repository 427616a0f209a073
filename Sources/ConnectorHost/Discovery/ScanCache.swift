import Foundation
import Synchronization

/// Identifies one version of a plugin file: an unchanged file has the same key,
/// so its scan result can be reused, failures included.
public struct ScanKey: Sendable, Hashable, Codable {
    /// The file's path.
    public var path: String
    /// The file's size in bytes.
    public var size: Int64
    /// Modification time, nanoseconds since the epoch.
    public var modified: Int64
    /// SHA-256 of the contents, lowercase hex.
    public var sha256: String

    /// Reads a file's key.
    ///
    /// - Throws: `not_found` when the file cannot be read.
    public init(path: String) throws(ConnectorHostError) {
        let status = try PluginFile.status(path)
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw ConnectorHostError(.notFound, "\(path): cannot read the file")
        }
        self.path = path
        size = Int64(status.st_size)
        modified = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        sha256 = ContentAddressedStore.sha256(contents)
    }
}

/// What scanning a file found: a plugin, or why the file is rejected.
public enum ScanOutcome: Sendable, Hashable {
    /// The file is a usable plugin, described.
    case accepted(PluginDescription)
    /// The file is not a usable plugin, and why.
    case rejected(ConnectorHostError)
}

extension ScanOutcome: Codable {
    private enum CodingKeys: String, CodingKey {
        case accepted, rejected
    }

    /// `{"accepted": description}` or `{"rejected": {"code", "message"}}`.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let description = try container.decodeIfPresent(PluginDescription.self, forKey: .accepted) {
            self = .accepted(description)
            return
        }
        guard let error = try container.decode(ConnectorHostError.Summary.self, forKey: .rejected).error else {
            throw DecodingError.dataCorruptedError(
                forKey: .rejected, in: container, debugDescription: "an error code this host does not know"
            )
        }
        self = .rejected(error)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .accepted(let description): try container.encode(description, forKey: .accepted)
        case .rejected(let error): try container.encode(ConnectorHostError.Summary(error), forKey: .rejected)
        }
    }

    /// The outcome as a cache that outlives the process keeps it: an accepted
    /// description's secret only as its digest under `salt`.
    package func withSecretDigested(salt: [UInt8]) -> ScanOutcome {
        guard case .accepted(let description) = self else { return self }
        return .accepted(description.withSecretDigested(salt: salt))
    }
}

/// Remembers scan outcomes by ``ScanKey``, so that an unchanged file — a bad one
/// too — is not run again on every scan.
public protocol ScanCache: Sendable {
    /// The outcome stored for this version of a file; nil when it was never scanned, or not kept.
    func outcome(for key: ScanKey) async -> ScanOutcome?
    /// Keeps the outcome of scanning this version of a file.
    func store(_ outcome: ScanOutcome, for key: ScanKey) async
}

/// A scan cache that lives as long as the process.
public final class InMemoryScanCache: ScanCache {
    private let entries = Mutex<[ScanKey: ScanOutcome]>([:])

    /// An empty cache.
    public init() {}

    public func outcome(for key: ScanKey) async -> ScanOutcome? {
        entries.withLock { $0[key] }
    }

    public func store(_ outcome: ScanOutcome, for key: ScanKey) async {
        entries.withLock { $0[key] = outcome }
    }
}
