import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The allocator behind `ch_host_api.allocate` and `release`: memory a plugin
/// hands to the host is freed here, and only here, exactly once.
///
/// It knows every block it handed out and not yet freed, so a pointer a
/// plugin got from somewhere else — its own `malloc`, a string literal, a
/// block already freed — is told apart and never read nor freed: the call
/// fails with `plugin_error` naming the mistake instead of corrupting the
/// heap. Knowing costs one lock and one table operation per block.
package enum HostAllocator {
    private static let live = Mutex(AddressSet())

    package static func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
        // malloc(0) may answer NULL, which a plugin would read as out of memory.
        guard let block = malloc(max(size, 1)) else { return nil }
        live.withLock { $0.insert(UInt(bitPattern: block)) }
        return block
    }

    /// Takes a block the plugin handed over back from it, reads it and frees it.
    ///
    /// Once taken, the block is the caller's alone: the plugin's `release` of it
    /// fails as for any block not its own, so it is read outside the lock.
    ///
    /// - Returns: What `read` returned; nil, with the pointer neither read nor
    ///   freed, when it is not a live block of ``allocate(_:)``.
    package static func reclaim<Pointee, Value, Failure>(
        _ pointer: UnsafeMutablePointer<Pointee>, reading read: (UnsafeMutablePointer<Pointee>) throws(Failure) -> Value
    ) throws(Failure) -> Value? {
        guard live.withLock({ $0.remove(UInt(bitPattern: pointer)) }) else { return nil }
        defer { free(pointer) }
        return try read(pointer)
    }

    /// Frees a block of ``allocate(_:)``.
    ///
    /// - Returns: Whether the pointer was such a block (NULL counts as one);
    ///   any other pointer is left alone.
    @discardableResult
    package static func release(_ pointer: UnsafeMutableRawPointer?) -> Bool {
        guard let pointer else { return true }
        let owned = live.withLock { $0.remove(UInt(bitPattern: pointer)) }
        if owned { free(pointer) }
        return owned
    }

    /// What a plugin is told when it hands over memory not from `host->allocate`.
    package static func foreignBlock(_ what: String) -> String {
        "\(what) was not allocated with host->allocate (a malloc'd block, a literal, or one already freed); the host did not free it — allocate everything you hand over with host->allocate"
    }
}
