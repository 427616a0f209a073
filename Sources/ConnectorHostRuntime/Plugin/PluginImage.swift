import ConnectorHostABI
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plugin image loaded into this process: its validated description and the
/// function pointers to call it through.
///
/// Loading runs plugin code (constructors, the entry point) in this process;
/// the host does so only in a sandbox worker or for trusted plugins.
package final class PluginImage: @unchecked Sendable {
    // Immutable after init; the image stays loaded while this object lives.
    package let description: PluginDescription
    package let path: String
    private let library: DynamicLibrary
    private let hostAPI: HostAPITable
    private let operations: OperationTable<ch_operation_fn>
    package let customFunctions: [String: (function: PluginFunction, address: ch_custom_fn)]

    /// Images loaded so far, by path, with how many runtimes use each.
    /// `dlopen` of an open path returns the image already loaded, so this
    /// process loads each path once: the entry point runs once and the host API
    /// table it may keep stays valid.
    /// What an operation without input receives.
    private static let emptyRequest = Array("{}".utf8)

    private static let loaded = Mutex<[String: (image: PluginImage, users: Int)]>([:])

    /// The image of a plugin file: loaded now, or the one loaded from this path
    /// before. Each call counts one more user, until ``release()``.
    ///
    /// - Parameters:
    ///   - path: The `.so` file. A new build must come from a new path.
    ///   - logger: Where the plugin's log lines go.
    /// - Throws: `not_found`, `abi_mismatch` or `manifest_invalid`, with a message
    ///   naming the file and what is wrong.
    package static func load(_ path: String, logger: Logger) throws(ConnectorHostError) -> PluginImage {
        // Held across the load: two threads loading one path must not both run
        // its entry point.
        try loaded.withLock { (images) throws(ConnectorHostError) -> PluginImage in
            if let entry = images[path] {
                images[path] = (entry.image, entry.users + 1)
                return entry.image
            }
            let image = try PluginImage(loading: path, logger: logger)
            images[path] = (image, 1)
            return image
        }
    }

    /// One user is done with the image. When none is left, an image without
    /// Swift code is unloaded (its path can then be loaded afresh); one with
    /// Swift code stays resident, as Swift images must.
    package func release() {
        let unload = Self.loaded.withLock { images -> Bool in
            guard let entry = images[path], entry.image === self else { return false }
            guard entry.users <= 1 else {
                images[path] = (self, entry.users - 1)
                return false
            }
            guard !library.containsSwiftCode else { return false }
            images[path] = nil
            return true
        }
        if unload { library.close() }
    }

    private init(loading path: String, logger: Logger) throws(ConnectorHostError) {
        let library = try DynamicLibrary(opening: path)
        guard let entry = library.symbol(named: CH_PLUGIN_ENTRY_SYMBOL) else {
            throw ConnectorHostError(
                .abiMismatch,
                "\(path): no entry point: the file does not export '\(CH_PLUGIN_ENTRY_SYMBOL)'; define it with CH_EXPORT (C) or @_cdecl (Swift)"
            )
        }
        var logger = logger
        logger[metadataKey: "path"] = "\(path)"
        let hostAPI = HostAPITable(logger: logger)
        let entryPoint = unsafeBitCast(entry, to: ch_plugin_entry_fn.self)
        guard let descriptor = entryPoint(hostAPI.pointer) else {
            throw ConnectorHostError(.abiMismatch, "\(path): the entry point returned NULL: the plugin refused to load (see its log lines)")
        }
        let (description, entries) = try DescriptorValidator.validate(descriptor, path: path)
        hostAPI.attribute(toPlugin: description.manifest.name)

        var operations = OperationTable<ch_operation_fn>()
        var customFunctions: [String: (PluginFunction, ch_custom_fn)] = [:]
        for entry in entries {
            if let operation = entry.operation, let standard = entry.function.standardOperation {
                operations[standard] = operation
            } else if let custom = entry.custom {
                customFunctions[entry.function.name] = (entry.function, custom)
            }
        }
        self.description = description
        self.path = path
        self.library = library
        self.hostAPI = hostAPI
        self.operations = operations
        self.customFunctions = customFunctions
    }

    /// Calls a standard operation on this thread.
    ///
    /// - Parameters:
    ///   - operation: The operation; the plugin must implement it.
    ///   - session: The session it runs in; nil only for `metadata.get`.
    ///   - body: The request JSON; an empty body is sent as `{}`.
    ///   - context: The call's cancellation flag and deadline.
    /// - Returns: The plugin's status, body and message.
    /// - Throws: `not_found` when the plugin does not implement the operation.
    package func invoke(
        _ operation: StandardOperation,
        session: UnsafeMutablePointer<ch_session>?,
        body: [UInt8],
        context: PluginCallContext
    ) throws(ConnectorHostError) -> PluginReply {
        guard let function = operations[operation] else {
            throw ConnectorHostError(
                .notFound, "\(description.manifest.name) does not implement \(operation.rawValue)"
            )
        }
        let requestBody = body.isEmpty ? Self.emptyRequest : body
        var response = ch_response()
        response.struct_size = UInt32(MemoryLayout<ch_response>.size)
        let status = withExtendedLifetime(context) {
            operation.rawValue.withCString { name in
                requestBody.withUnsafeBufferPointer { bytes in
                    var request = ch_request(
                        struct_size: UInt32(MemoryLayout<ch_request>.size), reserved: 0,
                        operation: name, body: bytes.baseAddress, body_length: bytes.count,
                        call: OpaquePointer(Unmanaged.passUnretained(context).toOpaque())
                    )
                    return function(session, &request, &response)
                }
            }
        }
        return Self.takeReply(status: status, response: &response)
    }

    /// Calls a custom function on this thread.
    ///
    /// - Parameters:
    ///   - name: The custom function's name.
    ///   - arguments: Arguments already checked against its signature.
    ///   - context: What a function that takes its context receives.
    /// - Returns: Its result, with the status it set in its context.
    /// - Throws: `not_found` for an unknown function, `plugin_error` when the call fails.
    package func invokeCustom(
        _ name: String, arguments: [CustomValue], context: CustomFunctionCall.Context? = nil
    ) throws(ConnectorHostError) -> CustomReply {
        guard let (function, address) = customFunctions[name] else {
            throw ConnectorHostError(.notFound, "\(description.manifest.name) has no custom function '\(name)'")
        }
        return try CustomFunctionCall.invoke(
            address, function, arguments: arguments, plugin: description.manifest.name, context: context
        )
    }

    /// Moves what the plugin put in `response` into Swift values and frees it.
    ///
    /// The memory rules of the header are checked here, in either runtime: a
    /// body or message not allocated with `host->allocate` is neither read nor
    /// freed; a body over `CH_MAX_RESPONSE_BYTES`, or one whose length counts a
    /// C string's terminating NUL, is refused. Each fails the call with
    /// `plugin_error` naming the mistake. A message is read up to
    /// `CH_MAX_MESSAGE_BYTES` (``PluginMessage/bounded(_:)``).
    package static func takeReply(status: ch_status, response: inout ch_response) -> PluginReply {
        var mistakes: [String] = []
        var body: [UInt8] = []
        if let bytes = response.body {
            let length = response.body_length
            let taken = HostAllocator.reclaim(bytes) { bytes -> Bool in
                if length > Int(CH_MAX_RESPONSE_BYTES) {
                    mistakes.append("the response body is \(length) bytes, over CH_MAX_RESPONSE_BYTES (\(CH_MAX_RESPONSE_BYTES)); page the response")
                } else if length > 0, bytes[length - 1] == 0 {
                    mistakes.append("response->body_length (\(length)) counts the C string's terminating NUL; set it to strlen(body)")
                } else {
                    body = Array(UnsafeBufferPointer(start: bytes, count: length))
                }
                return true
            }
            if taken == nil { mistakes.append(HostAllocator.foreignBlock("response->body")) }
        }
        var message: String?
        if let text = response.message {
            message = HostAllocator.reclaim(text) { PluginMessage.bounded($0) }
            if message == nil { mistakes.append(HostAllocator.foreignBlock("response->message")) }
        }
        guard mistakes.isEmpty else {
            return PluginReply(status: .permanent, body: [], message: "the plugin broke the memory rules: " + mistakes.joined(separator: "; "))
        }
        let retryAfter: Duration? = response.retry_after_ms > 0 ? .milliseconds(Int64(response.retry_after_ms)) : nil
        return PluginReply(status: .init(abiValue: status), body: body, message: message, retryAfter: retryAfter)
    }
}
