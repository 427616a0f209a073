// libFuzzer harness: the JSON arguments of a custom function, checked against
// its declared C signature. The input's first byte is the parameter count and
// the next ones the types; the rest is the JSON array. Whatever is accepted
// must fit its C type exactly (it is stored into one next), and every value's
// JSON form must pass the host's own JSON check.

@testable import ConnectorHost

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCustomArguments(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let count = min(Int(first % 5), bytes.count - 1)
    let types = bytes[1..<(1 + count)].map { ValueType.allCases[Int($0) % ValueType.allCases.count] }
    let json = Array(bytes[(1 + count)...])
    let function = PluginFunction(
        entityId: 1, name: "fuzz", signature: FunctionSignature(returnType: .int32, parameterTypes: types)
    )
    guard let values = try? CustomFunctionCall.arguments(json, for: function, plugin: "fuzz") else { return 0 }
    // A context first is the host's to pass: the caller's arguments are the rest.
    let arguments = function.signature?.argumentTypes ?? []
    precondition(values.count == arguments.count)
    for (value, type) in zip(values, arguments) {
        precondition(fits(value, type), "accepted \(value) as \(type)")
        precondition(JSONValidator.isValid(value.json), "the JSON of \(value) is not valid")
    }
    return 0
}

/// Whether `value` has an exact representation as `type`.
private func fits(_ value: CustomValue, _ type: ValueType) -> Bool {
    func integer<T: FixedWidthInteger>(_: T.Type) -> Bool {
        switch value {
        case .signed(let number): T(exactly: number) != nil
        case .unsigned(let number): T(exactly: number) != nil
        case .double(let number): T(exactly: number) != nil
        default: false
        }
    }
    switch type {
    case .bool: if case .bool = value { return true } else { return false }
    case .int8: return integer(Int8.self)
    case .uint8: return integer(UInt8.self)
    case .int16: return integer(Int16.self)
    case .uint16: return integer(UInt16.self)
    case .int32: return integer(Int32.self)
    case .uint32: return integer(UInt32.self)
    case .int64: return integer(Int64.self)
    case .uint64: return integer(UInt64.self)
    case .float, .double:
        switch value {
        case .signed, .unsigned, .double: return true
        default: return false
        }
    case .string: if case .string(let text) = value { return !text.utf8.contains(0) } else { return false }
    case .json: return true
    case .void, .buffer, .context: return false
    }
}
