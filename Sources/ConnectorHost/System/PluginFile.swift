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
}
