import ConnectorHost
import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Seals the settings of saved connections (credentials, secrets among them)
/// with AES-GCM under a key kept in a file of its own, created with mode 0600
/// at first start; the registry only ever holds the sealed bytes. Each sealed
/// box is bound to its connection's ID, org and connector, so that sealed
/// bytes moved to another row do not open.
public struct ConnectionVault: Sendable {
    /// The key's bytes: SymmetricKey is not Sendable.
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// The vault whose key is in `keyFile`, created (32 random bytes, mode
    /// 0600, in a new file) when there is none.
    ///
    /// - Throws: `unavailable` when the file cannot be created or read, is not
    ///   a key, or can be read by anyone but its owner.
    public init(keyFile: String) throws(ConnectorHostError) {
        let directory = URL(fileURLWithPath: keyFile).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let created = Glibc.open(keyFile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if created >= 0 {
            let fresh = SymmetricKey(size: .bits256)
            let written = fresh.withUnsafeBytes { bytes in write(created, bytes.baseAddress, bytes.count) }
            let synced = fsync(created) == 0
            close(created)
            guard written == 32, synced else {
                unlink(keyFile)
                throw ConnectorHostError(.unavailable, "cannot write the connection key \(keyFile): \(String(cString: strerror(errno)))")
            }
        } else if errno != EEXIST {
            throw ConnectorHostError(.unavailable, "cannot create the connection key \(keyFile): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard stat(keyFile, &status) == 0 else {
            throw ConnectorHostError(.unavailable, "cannot read the connection key \(keyFile): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw ConnectorHostError(.unavailable, 
                "the connection key \(keyFile) may be read by others (mode \(String(status.st_mode & 0o777, radix: 8))); chmod 600 it"
            )
        }
        guard let bytes = FileManager.default.contents(atPath: keyFile), bytes.count == 32 else {
            throw ConnectorHostError(.unavailable, "\(keyFile) is not a connection key (32 bytes)")
        }
        keyBytes = Array(bytes)
    }

    /// A vault with a key of its own that lives only in memory (tests, and
    /// registries that live in memory).
    public init() {
        keyBytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// `settings`, sealed for the connection `binding` names.
    public func seal(_ settings: [SessionSetting], for binding: ConnectionBinding) throws(ConnectorHostError) -> [UInt8] {
        do {
            let plain = try JSONEncoder().encode(settings)
            let box = try AES.GCM.seal(plain, using: key, authenticating: binding.authenticatedData)
            guard let combined = box.combined else { throw ConnectorHostError(.unavailable, "the settings cannot be sealed") }
            return Array(combined)
        } catch let error as ConnectorHostError {
            throw error
        } catch {
            throw ConnectorHostError(.unavailable, "the settings cannot be sealed: \(error)")
        }
    }

    /// The settings sealed for `binding`.
    ///
    /// - Throws: When the bytes were not sealed with this key for this
    ///   connection (another key file, tampering, another row's bytes).
    public func open(_ sealed: [UInt8], for binding: ConnectionBinding) throws(ConnectorHostError) -> [SessionSetting] {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            let plain = try AES.GCM.open(box, using: key, authenticating: binding.authenticatedData)
            return try JSONDecoder().decode([SessionSetting].self, from: plain)
        } catch {
            throw ConnectorHostError(.unavailable, 
                "the connection \(binding.id)'s settings do not open with this server's connection key (another key file, or changed bytes); save them again"
            )
        }
    }
}

/// What a sealed box is bound to.
public struct ConnectionBinding: Sendable {
    /// The connection's ID.
    public var id: String
    /// The org that owns the connection.
    public var org: String
    /// The connector the settings are for.
    public var connector: String

    /// The binding of the connection `id` of `org` for `connector`.
    public init(id: String, org: String, connector: String) {
        self.id = id
        self.org = org
        self.connector = connector
    }

    var authenticatedData: Data { Data("\(id)\u{0}\(org)\u{0}\(connector)".utf8) }
}
