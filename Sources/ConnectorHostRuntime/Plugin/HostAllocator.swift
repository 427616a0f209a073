import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The allocator behind `ch_host_api.allocate` and `release`: memory a plugin
/// hands to the host is freed here, and only here, exactly once.
///
/// It knows every block it handed out and not yet freed, so a pointer a
/// plugin got from somewhere else — its own `malloc`, a string literal, a
/// block already freed — is told apart and never freed: the call fails with
/// `plugin_error` naming the mistake instead of corrupting the heap. Knowing
/// costs one lock and one set operation per block.
package enum HostAllocator {
    private static let live = Mutex<Set<UInt>>([])

    package static func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
        // malloc(0) may answer NULL, which a plugin would read as out of memory.
        guard let block = malloc(max(size, 1)) else { return nil }
        live.withLock { _ = $0.insert(UInt(bitPattern: block)) }
        return block
    }

    /// Whether `pointer` is a live block of ``allocate(_:)``.
    package static func owns(_ pointer: UnsafeMutableRawPointer) -> Bool {
        live.withLock { $0.contains(UInt(bitPattern: pointer)) }
    }

    package static func owns(_ pointer: UnsafeMutablePointer<some Any>) -> Bool {
        owns(UnsafeMutableRawPointer(pointer))
    }

    /// Frees a block of ``allocate(_:)``.
    ///
    /// - Returns: Whether the pointer was such a block (NULL counts as one);
    ///   any other pointer is left alone.
    @discardableResult
    package static func release(_ pointer: UnsafeMutableRawPointer?) -> Bool {
        guard let pointer else { return true }
        let owned = live.withLock { $0.remove(UInt(bitPattern: pointer)) != nil }
        if owned { free(pointer) }
        return owned
    }

    @discardableResult
    package static func release(_ pointer: UnsafeMutablePointer<some Any>?) -> Bool {
        release(UnsafeMutableRawPointer(pointer))
    }

    /// What a plugin is told when it hands over memory not from `host->allocate`.
    package static func foreignBlock(_ what: String) -> String {
        "\(what) was not allocated with host->allocate (a malloc'd block, a literal, or one already freed); the host did not free it — allocate everything you hand over with host->allocate"
    }
}
