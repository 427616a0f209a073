import ConnectorHostABI
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `ch_host_api` table one loaded image receives: allocation, logging
/// attributed to the plugin, and the per-call cancellation and deadline checks.
///
/// It must outlive every use the plugin may make of it, so it lives as long as
/// the image it was handed to.
package final class HostAPITable: @unchecked Sendable {
    // Written once in init; the plugin only reads it.
    package let pointer: UnsafeMutablePointer<ch_host_api>
    private let sink: Unmanaged<PluginLogSink>

    /// - Parameter logger: Where the plugin's log lines go.
    package init(logger: Logger) {
        let sink = Unmanaged.passRetained(PluginLogSink(logger: logger))
        self.sink = sink
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: ch_host_api(
            struct_size: UInt32(MemoryLayout<ch_host_api>.size),
            abi_version: DescriptorValidator.supportedVersions.upperBound,
            min_abi_version: DescriptorValidator.supportedVersions.lowerBound,
            reserved: 0,
            context: sink.toOpaque(),
            allocate: { size in HostAllocator.allocate(size) },
            release: { pointer in HostAllocator.release(pointer) },
            log: { context, level, message in
                guard let context, let message else { return }
                let sink = Unmanaged<PluginLogSink>.fromOpaque(context).takeUnretainedValue()
                sink.log(level: level, String(cString: message))
            },
            is_cancelled: { call in
                guard let call else { return 0 }
                return Unmanaged<PluginCallContext>.fromOpaque(UnsafeRawPointer(call)).takeUnretainedValue()
                    .isCancelled ? 1 : 0
            },
            time_remaining_ns: { call in
                guard let call else { return .max }
                return Unmanaged<PluginCallContext>.fromOpaque(UnsafeRawPointer(call)).takeUnretainedValue()
                    .remainingNanoseconds
            }
        ))
    }

    /// Names the plugin in its log lines once its descriptor has been read.
    package func attribute(toPlugin name: String) {
        sink.takeUnretainedValue().attribute(toPlugin: name)
    }

    deinit {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
        sink.release()
    }
}

/// Receives a plugin's `log()` lines.
private final class PluginLogSink: Sendable {
    private let logger: Mutex<Logger>

    init(logger: Logger) { self.logger = Mutex(logger) }

    func attribute(toPlugin name: String) {
        logger.withLock { $0[metadataKey: "plugin"] = .string(name) }
    }

    func log(level: ch_log_level, _ message: String) {
        let logger = self.logger.withLock { $0 }
        logger.log(level: Logger.Level(abiLevel: level), "\(message)", metadata: ["source": "plugin"])
    }
}
