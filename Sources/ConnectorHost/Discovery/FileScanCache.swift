import Foundation
import Synchronization

/// A scan cache kept in a file of the user's, so that commands run one after
/// another (`list`, `inspect`, `health`, `call`) read an unchanged plugin
/// file without running it again. Keyed like every scan cache, by
/// ``ScanKey`` (path, size, mtime, SHA-256).
///
/// The file is written aside and renamed into place, readable by its owner
/// only. It holds no registration secret: an accepted description keeps its
/// secret as an HMAC under a random salt, which a worker starting later checks
/// the file's own secret against (`PluginDescription.isScan(of:)`), so an
/// edited entry cannot make a file run as another. A file that cannot be
/// read, is not one of these, is not the user's own or can be written by
/// others is ignored (and replaced on the next store): a cache is never
/// trusted over a scan.
public final class FileScanCache: ScanCache {
    /// The cache file.
    public let path: String
    private let entries: Mutex<[ScanKey: ScanOutcome]>

    /// What the file holds: a marker and version first, so that another file
    /// at the path, or one of another format, is never read as a cache.
    private struct Contents: Codable {
        // Format 1 kept secrets as text: such a file is ignored, and replaced.
        static let currentFormat = "connector-host scan cache 2"

        struct Entry: Codable {
            var key: ScanKey
            /// Nil for an outcome this host cannot read (an error code of a
            /// newer host's): that file is scanned again, the others are not.
            var outcome: ScanOutcome?

            init(key: ScanKey, outcome: ScanOutcome) {
                self.key = key
                self.outcome = outcome
            }

            init(from decoder: Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                key = try container.decode(ScanKey.self, forKey: .key)
                outcome = try? container.decode(ScanOutcome.self, forKey: .outcome)
            }
        }

        var format: String
        var entries: [Entry]
    }

    /// Opens the cache at `path`; a missing or unusable file is an empty cache.
    ///
    /// - Parameter path: The cache file; its directory is made when first written.
    public init(path: String) {
        self.path = path
        entries = Mutex(Self.read(path))
    }

    /// `connector-host/scan-cache.json` in the user's cache directory:
    /// `$XDG_CACHE_HOME`, else `~/.cache`; nil when neither is known.
    public static var defaultPath: String? {
        let environment = ProcessInfo.processInfo.environment
        let base: String
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            base = cache
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            base = home + "/.cache"
        } else {
            return nil
        }
        return base + "/connector-host/scan-cache.json"
    }

    public func outcome(for key: ScanKey) async -> ScanOutcome? {
        entries.withLock { $0[key] }
    }

    public func store(_ outcome: ScanOutcome, for key: ScanKey) async {
        entries.withLock { entries in
            // One entry per path: an older build's outcome is never asked for again.
            entries = entries.filter { $0.key.path != key.path }
            entries[key] = outcome.withSecretDigested(salt: Credentials.randomBytes(16))
            // Under the lock: a later store's file never loses to an earlier one's.
            write(entries)
        }
    }

    private static func read(_ path: String) -> [ScanKey: ScanOutcome] {
        var status = stat()
        guard stat(path, &status) == 0, status.st_uid == geteuid(), status.st_mode & (S_IWGRP | S_IWOTH) == 0,
            let data = FileManager.default.contents(atPath: path),
            let contents = try? JSONDecoder().decode(Contents.self, from: data),
            contents.format == Contents.currentFormat
        else { return [:] }
        return Dictionary(contents.entries.compactMap { entry in entry.outcome.map { (entry.key, $0) } }) { _, later in later }
    }

    /// Writes the whole cache aside and renames it into place; a cache that
    /// cannot be written only costs a scan next time.
    private func write(_ entries: [ScanKey: ScanOutcome]) {
        let contents = Contents(
            format: Contents.currentFormat,
            entries: entries.sorted { $0.key.path < $1.key.path }.map { Contents.Entry(key: $0.key, outcome: $0.value) }
        )
        guard let data = try? JSONEncoder().encode(contents) else { return }
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
        )
        let aside = path + ".\(getpid()).\(UUID().uuidString.prefix(8))"
        guard FileManager.default.createFile(atPath: aside, contents: data, attributes: [.posixPermissions: 0o600])
        else { return }
        if rename(aside, path) != 0 { unlink(aside) }
    }
}
