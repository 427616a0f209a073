// libFuzzer harness: the descriptor validator. A plugin hands the host a C
// structure, not bytes, so the input is turned into one: every scalar, string
// and table entry comes from the input, while the pointers stay valid (a
// plugin that returns wild pointers crashes its own sandbox worker, which the
// host survives). Mostly-valid values are preferred so that the rules behind
// the ABI checks are reached.

@testable import ConnectorHost
import ConnectorHostABI

private struct Input {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u32() -> UInt32 { (0..<4).reduce(0) { value, _ in value << 8 | UInt32(byte()) } }
    mutating func i64() -> Int64 { (0..<8).reduce(0) { value, _ in value << 8 | Int64(byte()) } }

    /// A value that is usually `usual`, sometimes anything.
    mutating func mostly(_ usual: UInt32) -> UInt32 { byte() < 224 ? usual : u32() }

    /// An entity ID: usually near `base`, sometimes anything.
    mutating func id(near base: Int64) -> Int64 {
        let choice = byte()
        return choice < 200 ? base &+ Int64(choice) : i64()
    }
}

/// Memory the descriptor points into, freed after the call.
private final class Arena {
    var blocks: [UnsafeMutableRawPointer] = []

    func string(_ input: inout Input, names: [String] = []) -> UnsafePointer<CChar>? {
        let choice = input.byte()
        if choice == 255 { return nil }
        var bytes: [UInt8]
        if choice >= 192, !names.isEmpty {
            bytes = Array(names[Int(choice) % names.count].utf8)
        } else {
            bytes = (0..<(Int(choice) % 24)).map { _ in input.byte() }
        }
        bytes.append(0)
        let block = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 1)
        block.copyMemory(from: bytes, byteCount: bytes.count)
        blocks.append(block)
        return UnsafePointer(block.assumingMemoryBound(to: CChar.self))
    }

    func allocate(_ count: Int) -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        block.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
        blocks.append(block)
        return block
    }

    deinit { blocks.forEach { $0.deallocate() } }
}

private let standardNames = StandardOperation.allCases.map(\.rawValue)
// Never called: the validator only checks which of the two pointers is set.
private let someOperation = unsafeBitCast(UnsafeRawPointer(bitPattern: 0x1000), to: ch_operation_fn.self)
private let someCustom = unsafeBitCast(UnsafeRawPointer(bitPattern: 0x2000), to: ch_custom_fn.self)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDescriptor(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var input = Input(bytes: UnsafeBufferPointer(start: data, count: size))
    let arena = Arena()
    let descriptor = arena.allocate(MemoryLayout<ch_plugin_descriptor>.size)
        .bindMemory(to: ch_plugin_descriptor.self, capacity: 1)
    var fields = ch_plugin_descriptor()
    fields.magic = input.mostly(CH_PLUGIN_MAGIC)
    fields.abi_version = input.mostly(CH_ABI_VERSION)
    fields.struct_size = input.mostly(UInt32(MemoryLayout<ch_plugin_descriptor>.size))
    fields.flags = input.mostly(UInt32(input.byte() & 3))
    fields.name = arena.string(&input)
    fields.version = arena.string(&input)
    fields.key = arena.string(&input)
    fields.secret = arena.string(&input)
    fields.endpoint_entity_id = input.id(near: 1000)
    fields.function_entity_start_id = input.id(near: 1001)
    fields.function_entity_end_id = input.id(near: 1100)
    fields.type = arena.string(&input)
    fields.category = arena.string(&input)
    fields.description = arena.string(&input)
    fields.licence = arena.string(&input)
    fields.owner = arena.string(&input)
    fields.icon_url = arena.string(&input)
    fields.ui_spec = arena.string(&input)
    fields.max_concurrency = input.mostly(UInt32(input.byte() % 8))

    // The table's stride is what the plugin says it is; the memory behind it is
    // laid out with that stride, as a plugin built for a later (larger) or an
    // earlier (smaller) ABI would: each entry holds the fields its size covers.
    let baseSize = MemoryLayout<ch_function>.size
    let functionSize = input.byte() < 240 ? baseSize : Int(input.byte() % 128)
    fields.function_size = UInt32(functionSize)
    let count = Int(input.byte() % 24)
    let stride = functionSize == 0 ? ABISizes.functionStrideV2 : functionSize
    let table = arena.allocate(count * stride + baseSize)
    for index in 0..<count {
        var entry = ch_function()
        entry.entity_id = input.id(near: 1001)
        entry.name = arena.string(&input, names: standardNames)
        let kind = input.byte()
        entry.operation = kind & 1 != 0 ? someOperation : nil
        entry.custom = kind & 2 != 0 ? someCustom : nil
        entry.return_type = ch_value_type(input.mostly(UInt32(input.byte() % 15)))
        entry.parameter_count = input.mostly(UInt32(input.byte() % 18))
        // A count above the limit is refused before any type is read.
        let parameters = Int(min(entry.parameter_count, UInt32(CH_MAX_PARAMETERS)))
        if input.byte() != 255 {
            let types = arena.allocate(parameters * MemoryLayout<ch_value_type>.stride)
                .bindMemory(to: ch_value_type.self, capacity: max(parameters, 1))
            for position in 0..<parameters { types[position] = ch_value_type(input.byte() % 16) }
            entry.parameter_types = UnsafePointer(types)
        }
        withUnsafeBytes(of: entry) { bytes in
            guard let base = bytes.baseAddress else { return }
            (table + index * stride).copyMemory(from: base, byteCount: min(stride, baseSize))
        }
    }
    if input.byte() != 0 { fields.functions = UnsafePointer(table.assumingMemoryBound(to: ch_function.self)) }
    fields.function_count = count

    if input.byte() & 1 == 1 {
        let resilience = arena.allocate(MemoryLayout<ch_resilience>.size)
        var suggested = ch_resilience()
        suggested.struct_size = input.mostly(UInt32(MemoryLayout<ch_resilience>.size))
        suggested.timeout_ms = input.u32()
        suggested.max_retries = Int32(bitPattern: input.u32())
        suggested.retry_delay_ms = input.u32()
        suggested.backoff = input.mostly(UInt32(input.byte() % 5))
        suggested.jitter = input.mostly(UInt32(input.byte() % 4))
        suggested.backoff_cap_ms = input.u32()
        suggested.rate_limit_per_minute = input.u32()
        suggested.max_concurrent_calls = input.u32()
        suggested.breaker_threshold = input.u32()
        suggested.breaker_recovery_ms = input.u32()
        suggested.memory_limit_mb = input.u32()
        suggested.cpu_limit_seconds = input.u32()
        suggested.open_files_limit = input.u32()
        resilience.storeBytes(of: suggested, as: ch_resilience.self)
        fields.resilience = UnsafePointer(resilience.assumingMemoryBound(to: ch_resilience.self))
    }
    descriptor.pointee = fields
    if let (description, entries) = try? DescriptorValidator.validate(UnsafePointer(descriptor), path: "fuzz.so") {
        precondition(description.functions.count == entries.count)
        // The bounds the host holds a worker's handshake to admit every valid descriptor.
        precondition(description.boundsViolation == nil, "\(description.boundsViolation ?? "")")
        precondition(description.functions.allSatisfy { description.manifest.functionEntityIds.contains($0.entityId) })
    }
    withExtendedLifetime(arena) {}
    return 0
}
