#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A shared object opened with `dlopen`. Every `dlopen`, `dlsym` and `dlclose`
/// of the host goes through here, and `dlerror()` is read at once, before any
/// other call can overwrite it.
///
/// Images are never closed by default: an image holding Swift code must stay
/// resident (its metadata and conformances are registered process-wide), and a
/// reload always loads the new build from a fresh path instead.
package final class DynamicLibrary: @unchecked Sendable {
    // The handle is only read after init; dlsym is thread-safe.
    private let handle: UnsafeMutableRawPointer

    /// Opens `path` with `RTLD_NOW | RTLD_LOCAL`: every symbol is resolved now
    /// (a missing dependency fails here, not in the middle of a call) and the
    /// plugin's symbols stay out of the global namespace.
    ///
    /// - Throws: `not_found` when the file does not exist, `abi_mismatch` when
    ///   it is not a shared object this process can load.
    package init(opening path: String) throws(ConnectorHostError) {
        _ = try PluginFile.status(path)
        _ = dlerror()
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            var reason = dlerror().map { String(cString: $0) } ?? "dlopen failed without a reason"
            // dlerror() repeats the path; the message names it once already.
            if reason.hasPrefix(path + ": ") { reason.removeFirst(path.count + 2) }
            throw ConnectorHostError(.abiMismatch, "\(path): not a loadable shared object: \(reason)")
        }
        self.handle = handle
    }

    /// The address of an exported symbol, or nil when the image does not export it.
    package func symbol(named name: String) -> UnsafeMutableRawPointer? {
        _ = dlerror()
        return dlsym(handle, name)
    }

    /// Whether the image links the Swift runtime: looked up through the image,
    /// a symbol resolves in its dependencies too.
    package var containsSwiftCode: Bool {
        symbol(named: "swift_retain") != nil
    }

    /// Unloads the image. Only for images that hold no Swift code (their
    /// metadata is registered process-wide), once nothing calls into them.
    package func close() {
        dlclose(handle)
    }
}
