import CConnectorHostSystem
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A change to a plugin file of a watched directory.
package struct PluginFileChange: Sendable, Hashable {
    package enum Kind: Sendable, Hashable {
        /// Written (and closed), created, or renamed into the directory.
        case written
        /// Deleted, or renamed out of the directory.
        case removed
    }

    package let path: String
    package let kind: Kind
}

/// Watches a directory with inotify and reports changes to `*.so` files (not
/// hidden ones, which editors and linkers use for partial writes).
package final class PluginDirectoryWatcher: Sendable {
    private let descriptor: Int32
    package let changes: AsyncStream<PluginFileChange>

    /// - Throws: `not_found` when the directory cannot be watched.
    package init(directory: String) throws(ConnectorHostError) {
        let descriptor = CConnectorHostSystem_watch_directory(directory)
        guard descriptor >= 0 else {
            throw ConnectorHostError(.notFound, "cannot watch \(directory): \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
        let (changes, continuation) = AsyncStream.makeStream(of: PluginFileChange.self)
        self.changes = changes
        let base = URL(fileURLWithPath: directory)
        let thread = Thread {
            var buffer = [CChar](repeating: 0, count: 16 << 10)
            while true {
                let count = buffer.withUnsafeMutableBufferPointer {
                    CConnectorHostSystem_read_changes(descriptor, $0.baseAddress, UInt($0.count))
                }
                guard count > 0 else { break }
                var start = 0
                for index in 0..<Int(count) where buffer[index] == 0 {
                    let entry = buffer[start..<index].map { UInt8(bitPattern: $0) }
                    start = index + 1
                    guard let marker = entry.first else { continue }
                    let name = String(decoding: entry.dropFirst(), as: UTF8.self)
                    guard PluginDiscovery.isPluginFileName(name) else { continue }
                    continuation.yield(PluginFileChange(
                        path: base.appendingPathComponent(name).path, kind: marker == UInt8(ascii: "-") ? .removed : .written
                    ))
                }
            }
            close(descriptor)
            continuation.finish()
        }
        thread.name = "connector-host-watcher"
        thread.start()
    }

    /// Stops watching; ``changes`` ends.
    package func stop() {
        CConnectorHostSystem_unwatch(descriptor)
    }
}
