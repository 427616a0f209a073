import CConnectorHostFFI
import ConnectorHostABI
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Calls a plugin's custom function with the signature it declared: JSON
/// arguments are checked against the declared C types (arity, type, range)
/// before anything runs, converted, passed through libffi, and the C result
/// comes back as a ``CustomValue``.
package enum CustomFunctionCall {
    /// Reads a JSON array of arguments and checks it against the signature.
    ///
    /// - Throws: `invalid_request` naming the argument's position, the expected
    ///   type and what was given.
    package static func arguments(
        _ json: [UInt8], for function: PluginFunction, plugin: String
    ) throws(ConnectorHostError) -> [CustomValue] {
        guard let signature = function.signature else {
            throw ConnectorHostError(.invalidRequest, "\(plugin) \(function.name) is a standard operation, not a custom function")
        }
        let values: [CustomValue]
        // A function of one JSON document takes an object as it is (`{"q": "x"}`,
        // not `[{"q": "x"}]`), and nothing at all as JSON null.
        let oneDocument = signature.argumentTypes.elementsEqual([.json])
        let significant = json.lazy.filter { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        if oneDocument, significant.first == UInt8(ascii: "{") {
            values = [.json(try JSONValue(parsing: json))]
        } else if oneDocument, significant.isEmpty || significant.elementsEqual("[]".utf8) {
            values = [.json(.null)]
        } else {
            do {
                values = try JSONDecoder().decode([CustomValue].self, from: Data(json.isEmpty ? Array("[]".utf8) : json))
            } catch {
                throw ConnectorHostError(.invalidRequest, "the arguments of \(plugin) \(function.name) must be a JSON array of its arguments")
            }
        }
        let count = signature.argumentTypes.count
        guard values.count == count else {
            let context = signature.takesContext ? " after the context the host passes" : ""
            throw ConnectorHostError(
                .invalidRequest,
                "\(plugin) \(function.name) takes \(count) argument\(count == 1 ? "" : "s")\(context) (\(signature.declaration(named: function.name))); got \(values.count)"
            )
        }
        for (position, (value, type)) in zip(values, signature.argumentTypes).enumerated() {
            if let problem = problem(with: value, as: type) {
                throw ConnectorHostError(
                    .invalidRequest, "argument \(position + 1) of \(plugin) \(function.name): expected \(problem), got \(value)"
                )
            }
        }
        return values
    }

    /// What a function that takes its context (`CH_TYPE_CONTEXT`) is given.
    package struct Context {
        package var session: UnsafeMutablePointer<ch_session>
        /// The caller's settings, the JSON array `session.open` received.
        package var settings: [UInt8]
        package var call: PluginCallContext

        package init(session: UnsafeMutablePointer<ch_session>, settings: [UInt8], call: PluginCallContext) {
            self.session = session
            self.settings = settings
            self.call = call
        }
    }

    /// Calls the function on this thread. The arguments must have passed ``arguments(_:for:plugin:)``.
    ///
    /// - Parameter context: What a function that takes its context receives;
    ///   ignored for one that does not.
    /// - Returns: The result, with the status and message the function set in
    ///   its context; memory the plugin returned is freed here, once.
    /// - Throws: `plugin_error` when libffi cannot make the call, the function
    ///   takes a context and none was given, or the plugin broke the memory rules
    ///   or returned a string that is not UTF-8.
    package static func invoke(
        _ address: ch_custom_fn, _ function: PluginFunction, arguments: [CustomValue], plugin: String,
        context: Context? = nil
    ) throws(ConnectorHostError) -> CustomReply {
        let signature = function.signature ?? FunctionSignature(returnType: .void, parameterTypes: [])
        guard signature.takesContext else {
            return CustomReply(value: try call(address, signature, function.name, arguments: arguments, plugin: plugin))
        }
        guard let context else {
            throw ConnectorHostError(.pluginError, "\(plugin) \(function.name) takes a context, and was called without a session")
        }
        let settings = context.settings.isEmpty ? Array("[]".utf8) : context.settings
        var frame = ch_function_context()
        frame.struct_size = UInt32(MemoryLayout<ch_function_context>.size)
        frame.status = ch_status(CH_STATUS_OK)
        frame.session = context.session
        let value = try withExtendedLifetime(context.call) { () throws(ConnectorHostError) -> CustomValue in
            frame.call = OpaquePointer(Unmanaged.passUnretained(context.call).toOpaque())
            return try settings.withUnsafeBufferPointer { (bytes) throws(ConnectorHostError) -> CustomValue in
                frame.settings = bytes.baseAddress
                frame.settings_length = bytes.count
                return try withUnsafeMutablePointer(to: &frame) { (pointer) throws(ConnectorHostError) -> CustomValue in
                    try call(address, signature, function.name, arguments: arguments, plugin: plugin, context: pointer)
                }
            }
        }
        var message: String?
        if let text = frame.message {
            guard let bounded = HostAllocator.reclaim(text, reading: { PluginMessage.bounded($0) }) else {
                throw ConnectorHostError(
                    .pluginError, "\(plugin) \(function.name): \(HostAllocator.foreignBlock("context->message"))"
                )
            }
            message = bounded
        }
        let outcome = PluginReply(
            status: .init(abiValue: frame.status), body: [], message: message,
            retryAfter: frame.retry_after_ms > 0 ? .milliseconds(Int64(frame.retry_after_ms)) : nil
        )
        return CustomReply(value: outcome.status == .ok ? value : .null, outcome: outcome)
    }

    /// Makes the C call: the context pointer (if any) first, then the arguments.
    private static func call(
        _ address: ch_custom_fn, _ signature: FunctionSignature, _ name: String, arguments: [CustomValue], plugin: String,
        context: UnsafeMutablePointer<ch_function_context>? = nil
    ) throws(ConnectorHostError) -> CustomValue {
        let slots = UnsafeMutableRawPointer.allocate(byteCount: 8 * max(1, signature.parameterTypes.count), alignment: 8)
        let result = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer {
            strings.forEach { free($0) }
            slots.deallocate()
            result.deallocate()
        }
        var pointers: [UnsafeMutableRawPointer?] = []
        if let context {
            slots.storeBytes(of: UnsafeMutableRawPointer(context), as: UnsafeMutableRawPointer.self)
            pointers.append(slots)
        }
        for (value, type) in zip(arguments, signature.argumentTypes) {
            let slot = slots + 8 * pointers.count
            store(value, as: type, at: slot, strings: &strings)
            pointers.append(slot)
        }
        let types = signature.parameterTypes.map { $0.abiValue }
        let status = pointers.withUnsafeMutableBufferPointer { pointers in
            types.withUnsafeBufferPointer { types in
                CConnectorHostFFI_call(
                    address, signature.returnType.abiValue,
                    UInt32(types.count), types.baseAddress, pointers.baseAddress, result
                )
            }
        }
        guard status == 0 else {
            throw ConnectorHostError(.pluginError, "libffi cannot call \(plugin) \(signature.declaration(named: name))")
        }
        return try load(signature.returnType, from: result, function: name, plugin: plugin)
    }

    /// What is wrong with `value` as a `type`, as "TYPE (RANGE)", or nil.
    private static func problem(with value: CustomValue, as type: ValueType) -> String? {
        func integer(_ range: ClosedRange<Int64>) -> String? {
            let fits: Bool
            switch value {
            case .signed(let number): fits = range.contains(number)
            case .unsigned(let number): fits = number <= UInt64(range.upperBound)
            // Exactly, not by comparing doubles: Double(Int64.max) rounds up to
            // 2^63, which would pass and then wrap to Int64.min when stored.
            case .double(let number): fits = Int64(exactly: number).map(range.contains) ?? false
            default: fits = false
            }
            return fits ? nil : "\(type.rawValue) (\(range.lowerBound)...\(range.upperBound))"
        }
        switch type {
        case .bool:
            if case .bool = value { return nil }
            return "bool (true or false)"
        case .int8: return integer(Int64(Int8.min)...Int64(Int8.max))
        case .uint8: return integer(0...Int64(UInt8.max))
        case .int16: return integer(Int64(Int16.min)...Int64(Int16.max))
        case .uint16: return integer(0...Int64(UInt16.max))
        case .int32: return integer(Int64(Int32.min)...Int64(Int32.max))
        case .uint32: return integer(0...Int64(UInt32.max))
        case .int64: return integer(Int64.min...Int64.max)
        case .uint64:
            switch value {
            case .signed(let number) where number >= 0: return nil
            case .unsigned: return nil
            case .double(let number) where number.rounded() == number && number >= 0 && number < 18_446_744_073_709_551_616:
                return nil
            default: return "uint64 (0...\(UInt64.max))"
            }
        case .float:
            switch value {
            case .signed, .unsigned: return nil
            case .double(let number) where number.isFinite && abs(number) <= Double(Float.greatestFiniteMagnitude): return nil
            default: return "float (a number within ±\(Float.greatestFiniteMagnitude))"
            }
        case .double:
            switch value {
            case .signed, .unsigned, .double: return nil
            default: return "double (a number)"
            }
        case .string:
            guard case .string(let text) = value else { return "string (JSON text)" }
            return text.utf8.contains(0) ? "string without NUL characters" : nil
        case .json:
            return nil
        case .void, .buffer, .context:
            return "a parameter type (\(type.rawValue) is not an argument a caller passes)"
        }
    }

    private static func store(
        _ value: CustomValue, as type: ValueType, at slot: UnsafeMutableRawPointer,
        strings: inout [UnsafeMutablePointer<CChar>]
    ) {
        func integerBits() -> Int64 {
            switch value {
            case .signed(let number): number
            case .unsigned(let number): Int64(bitPattern: number)
            case .double(let number): number < 0 ? Int64(number) : Int64(bitPattern: UInt64(number))
            default: 0
            }
        }
        func real() -> Double {
            switch value {
            case .signed(let number): Double(number)
            case .unsigned(let number): Double(number)
            case .double(let number): number
            default: 0
            }
        }
        switch type {
        case .bool: slot.storeBytes(of: value == .bool(true) ? 1 : 0, as: UInt8.self)
        case .int8: slot.storeBytes(of: Int8(truncatingIfNeeded: integerBits()), as: Int8.self)
        case .uint8: slot.storeBytes(of: UInt8(truncatingIfNeeded: integerBits()), as: UInt8.self)
        case .int16: slot.storeBytes(of: Int16(truncatingIfNeeded: integerBits()), as: Int16.self)
        case .uint16: slot.storeBytes(of: UInt16(truncatingIfNeeded: integerBits()), as: UInt16.self)
        case .int32: slot.storeBytes(of: Int32(truncatingIfNeeded: integerBits()), as: Int32.self)
        case .uint32: slot.storeBytes(of: UInt32(truncatingIfNeeded: integerBits()), as: UInt32.self)
        case .int64: slot.storeBytes(of: integerBits(), as: Int64.self)
        case .uint64: slot.storeBytes(of: UInt64(bitPattern: integerBits()), as: UInt64.self)
        case .float: slot.storeBytes(of: Float(real()), as: Float.self)
        case .double: slot.storeBytes(of: real(), as: Double.self)
        case .string:
            guard case .string(let text) = value, let copy = strdup(text) else { return }
            strings.append(copy)
            slot.storeBytes(of: UnsafeMutableRawPointer(copy), as: UnsafeMutableRawPointer.self)
        case .json:
            guard let copy = strdup(String(decoding: value.json, as: UTF8.self)) else { return }
            strings.append(copy)
            slot.storeBytes(of: UnsafeMutableRawPointer(copy), as: UnsafeMutableRawPointer.self)
        case .void, .buffer, .context:
            break
        }
    }

    private static func load(
        _ type: ValueType, from result: UnsafeMutableRawPointer, function: String, plugin: String
    ) throws(ConnectorHostError) -> CustomValue {
        switch type {
        case .void, .context: return .null
        case .bool: return .bool(result.load(as: UInt8.self) != 0)
        case .int8: return .signed(Int64(result.load(as: Int8.self)))
        case .uint8: return .unsigned(UInt64(result.load(as: UInt8.self)))
        case .int16: return .signed(Int64(result.load(as: Int16.self)))
        case .uint16: return .unsigned(UInt64(result.load(as: UInt16.self)))
        case .int32: return .signed(Int64(result.load(as: Int32.self)))
        case .uint32: return .unsigned(UInt64(result.load(as: UInt32.self)))
        case .int64: return .signed(result.load(as: Int64.self))
        case .uint64: return .unsigned(result.load(as: UInt64.self))
        case .float: return .float(result.load(as: Float.self))
        case .double: return .double(result.load(as: Double.self))
        case .string:
            guard let text = result.load(as: UnsafeMutablePointer<CChar>?.self) else { return .null }
            let string = try HostAllocator.reclaim(text) { (text) throws(ConnectorHostError) -> String in
                // The sandbox could not carry more in one frame: refused here, in either runtime.
                let length = strlen(text)
                guard length <= Int(CH_MAX_RESPONSE_BYTES) else {
                    throw ConnectorHostError(.pluginError, "\(plugin) \(function) returned a \(length)-byte string, over CH_MAX_RESPONSE_BYTES (\(CH_MAX_RESPONSE_BYTES))")
                }
                guard let string = String(validatingCString: text) else {
                    throw ConnectorHostError(.pluginError, "\(plugin) \(function) returned a string that is not valid UTF-8")
                }
                return string
            }
            guard let string else {
                throw ConnectorHostError(.pluginError, "\(plugin) \(function): \(HostAllocator.foreignBlock("the returned string"))")
            }
            return .string(string)
        case .json:
            guard let text = result.load(as: UnsafeMutablePointer<CChar>?.self) else { return .null }
            let taken = HostAllocator.reclaim(text) { text in
                Array(UnsafeBufferPointer(start: UnsafeRawPointer(text).assumingMemoryBound(to: UInt8.self), count: strlen(text)))
            }
            guard let bytes = taken else {
                throw ConnectorHostError(.pluginError, "\(plugin) \(function): \(HostAllocator.foreignBlock("the returned JSON"))")
            }
            guard bytes.count <= Int(CH_MAX_RESPONSE_BYTES) else {
                throw ConnectorHostError(.pluginError, "\(plugin) \(function) returned \(bytes.count) bytes of JSON, over CH_MAX_RESPONSE_BYTES (\(CH_MAX_RESPONSE_BYTES))")
            }
            do {
                return .json(try JSONValue(parsing: bytes))
            } catch {
                throw ConnectorHostError(.pluginError, "\(plugin) \(function) returned text that is not JSON: \(error.message)")
            }
        case .buffer:
            let buffer = result.load(as: ch_buffer.self)
            guard let data = buffer.data else { return .bytes([]) }
            let taken = try HostAllocator.reclaim(data) { (data) throws(ConnectorHostError) -> [UInt8] in
                guard buffer.length <= Int(CH_MAX_RESPONSE_BYTES) else {
                    throw ConnectorHostError(.pluginError, "\(plugin) \(function) returned \(buffer.length) bytes, over CH_MAX_RESPONSE_BYTES (\(CH_MAX_RESPONSE_BYTES))")
                }
                return Array(UnsafeBufferPointer(start: data, count: buffer.length))
            }
            guard let bytes = taken else {
                throw ConnectorHostError(.pluginError, "\(plugin) \(function): \(HostAllocator.foreignBlock("the returned buffer"))")
            }
            return .bytes(bytes)
        }
    }
}
