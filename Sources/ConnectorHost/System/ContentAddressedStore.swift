import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Plugin builds kept under their SHA-256, `<directory>/<sha256>.so` (or the
/// suffix of a connector document): a new build always gets a path of its own
/// (`dlopen` of a path already open returns the old image), and the same bytes
/// stored twice are stored once.
package enum ContentAddressedStore {
    /// SHA-256 of `data`, lowercase hex.
    package static func sha256(_ data: some DataProtocol) -> String {
        Hex.text(SHA256.hash(data: data))
    }

    /// Where the build with this hash is kept in `directory`.
    package static func path(of sha256: String, in directory: String, suffix: String = ".so") -> String {
        URL(fileURLWithPath: directory).appendingPathComponent("\(sha256)\(suffix)").path
    }

    /// Stores `data` in `directory`, written aside and renamed into place so that
    /// the name never shows a partial file.
    ///
    /// - Parameters:
    ///   - suffix: The file name's ending, which tells how it is loaded.
    ///   - durable: Whether the file must survive a crash of the machine (it is
    ///     synced before the rename): an upload kept in the store must, a host's
    ///     copy of a build for the length of its run need not.
    ///
    /// - Returns: The stored file's path and the hash.
    /// - Throws: The file system's error.
    package static func store(
        _ data: Data, in directory: String, suffix: String = ".so", durable: Bool = true
    ) throws -> (path: String, sha256: String) {
        let sha256 = sha256(data)
        let path = path(of: sha256, in: directory, suffix: suffix)
        guard !FileManager.default.fileExists(atPath: path) else { return (path, sha256) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let staging = path + ".\(UUID().uuidString).partial"
            if durable {
                try data.write(to: URL(fileURLWithPath: staging))
            } else {
                try writeWithoutSync(data, to: staging)
            }
            try FileManager.default.moveItem(atPath: staging, toPath: path)
        } catch {
            // Another writer stored the same bytes first.
            guard FileManager.default.fileExists(atPath: path) else { throw error }
        }
        return (path, sha256)
    }

    /// Writes `data` to a new file at `path` with plain system calls: Foundation's
    /// `Data.write` syncs every file, which made copying a thousand builds at a
    /// host's start a third of the start's time.
    private static func writeWithoutSync(_ data: Data, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        guard data.withUnsafeBytes({ Descriptors.writeAll(descriptor, $0) }) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }
}
