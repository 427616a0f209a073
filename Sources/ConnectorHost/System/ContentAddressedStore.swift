import Crypto
import Foundation

/// Plugin builds kept under their SHA-256, `<directory>/<sha256>.so` (or the
/// suffix of a connector document): a new build always gets a path of its own
/// (`dlopen` of a path already open returns the old image), and the same bytes
/// stored twice are stored once.
package enum ContentAddressedStore {
    /// SHA-256 of `data`, lowercase hex.
    package static func sha256(_ data: some DataProtocol) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Where the build with this hash is kept in `directory`.
    package static func path(of sha256: String, in directory: String, suffix: String = ".so") -> String {
        URL(fileURLWithPath: directory).appendingPathComponent("\(sha256)\(suffix)").path
    }

    /// Stores `data` in `directory`, written aside and renamed into place so that
    /// the name never shows a partial file.
    ///
    /// - Parameter suffix: The file name's ending, which tells how it is loaded.
    ///
    /// - Returns: The stored file's path and the hash.
    /// - Throws: The file system's error.
    package static func store(_ data: Data, in directory: String, suffix: String = ".so") throws -> (path: String, sha256: String) {
        let sha256 = sha256(data)
        let path = path(of: sha256, in: directory, suffix: suffix)
        guard !FileManager.default.fileExists(atPath: path) else { return (path, sha256) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let staging = path + ".\(UUID().uuidString).partial"
            try data.write(to: URL(fileURLWithPath: staging))
            try FileManager.default.moveItem(atPath: staging, toPath: path)
        } catch {
            // Another writer stored the same bytes first.
            guard FileManager.default.fileExists(atPath: path) else { throw error }
        }
        return (path, sha256)
    }
}
