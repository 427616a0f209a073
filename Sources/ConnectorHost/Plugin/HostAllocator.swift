#if canImport(Glibc)
import Glibc
#endif

/// The allocator behind `ch_host_api.allocate` and `release`: memory a plugin
/// hands to the host is freed here, and only here, exactly once.
package enum HostAllocator {
    package static func allocate(_ size: Int) -> UnsafeMutableRawPointer? { malloc(size) }

    package static func release(_ pointer: UnsafeMutableRawPointer?) { free(pointer) }

    package static func release(_ pointer: UnsafeMutablePointer<some Any>?) { free(pointer) }
}
