#if canImport(Glibc)
import Glibc
#endif

/// The checks every plugin path passes before anything reads or loads it.
package enum PluginFile {
    /// The file's status.
    ///
    /// - Throws: `not_found` when it cannot be read, `abi_mismatch` when it is
    ///   not a regular file.
    package static func status(_ path: String) throws(ConnectorHostError) -> stat {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw ConnectorHostError(.notFound, "\(path): cannot read the file: \(String(cString: strerror(errno)))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ConnectorHostError(.abiMismatch, "\(path): not a shared object: not a regular file")
        }
        return status
    }

    /// A file's inode, size and modification time: what changes when it is
    /// rebuilt, in place or renamed into place.
    package struct Version: Equatable, Sendable {
        package let inode: UInt64
        package let size: Int64
        package let modified: Int64

        /// The file's version now; nil when it cannot be read.
        package init?(path: String) {
            guard let status = try? PluginFile.status(path) else { return nil }
            inode = UInt64(status.st_ino)
            size = Int64(status.st_size)
            modified = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        }
    }
}
