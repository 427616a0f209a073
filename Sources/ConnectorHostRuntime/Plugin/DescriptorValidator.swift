import ConnectorHostABI

/// Turns the descriptor a plugin's entry point returned into Swift values,
/// applying every rule of the ABI (the header's "Validation" section).
///
/// ABI problems (magic, version, sizes) stop at the first one: nothing past
/// them can be read safely. Manifest problems are collected, so that one run
/// tells a plugin author everything that is wrong.
package enum DescriptorValidator {
    /// The ABI versions this host serves.
    package static let supportedVersions: ClosedRange<UInt32> = 1...UInt32(CH_ABI_VERSION)

    /// What a validated function-table entry points at.
    package struct Entry: @unchecked Sendable {
        // C function pointers into an image that stays loaded while the entry is used.
        package var function: PluginFunction
        package var operation: ch_operation_fn?
        package var custom: ch_custom_fn?
    }

    /// The smallest descriptor a plugin built for `version` can have: the
    /// sizes the header pins (versions 1 and 2 share a descriptor).
    static func requiredDescriptorSize(forVersion version: UInt32) -> Int {
        ABISizes.descriptorV1
    }

    /// The smallest function entry a plugin built for `version` can have.
    static func requiredFunctionSize(forVersion version: UInt32) -> Int {
        version >= 2 ? ABISizes.functionV2 : ABISizes.functionV1
    }

    /// Reads a structure of which the plugin declared `declaredSize` bytes:
    /// the bytes both sides know, and zero (each field's default) for fields
    /// the plugin's version lacks. Fields of a newer version are ignored.
    static func read<Structure>(
        _ type: Structure.Type, at pointer: UnsafeRawPointer, declaredSize: Int
    ) -> Structure {
        let known = MemoryLayout<Structure>.size
        return withUnsafeTemporaryAllocation(
            byteCount: known, alignment: MemoryLayout<Structure>.alignment
        ) { buffer in
            guard let base = buffer.baseAddress else { return pointer.loadUnaligned(as: Structure.self) }
            base.initializeMemory(as: UInt8.self, repeating: 0, count: known)
            base.copyMemory(from: pointer, byteCount: min(max(declaredSize, 0), known))
            return base.load(as: Structure.self)
        }
    }

    /// Validates a descriptor.
    ///
    /// - Parameters:
    ///   - descriptor: What the entry point returned.
    ///   - path: The plugin file, for messages.
    /// - Returns: The plugin's description and its validated function entries.
    /// - Throws: `abi_mismatch` or `manifest_invalid`, naming what differs.
    package static func validate(
        _ descriptor: UnsafePointer<ch_plugin_descriptor>,
        path: String
    ) throws(ConnectorHostError) -> (PluginDescription, [Entry]) {
        let raw = UnsafeRawPointer(descriptor)
        let magic = raw.loadUnaligned(as: UInt32.self)
        guard magic == CH_PLUGIN_MAGIC else {
            throw ConnectorHostError(
                .abiMismatch,
                "\(path): wrong magic: found \(hex(magic)), expected \(hex(CH_PLUGIN_MAGIC)); the entry point does not return a ConnectorHost plugin descriptor"
            )
        }
        let version = raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        guard supportedVersions.contains(version) else {
            throw ConnectorHostError(
                .abiMismatch,
                "\(path): abi_version \(version) is not served by this host, which serves ABI versions \(supportedVersions.lowerBound) to \(supportedVersions.upperBound); rebuild the plugin against this host's connector_host.h"
            )
        }
        let structSize = Int(raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        let required = requiredDescriptorSize(forVersion: version)
        guard structSize >= required else {
            throw ConnectorHostError(
                .abiMismatch,
                "\(path): struct_size is \(structSize) bytes, but an ABI version \(version) descriptor has at least \(required); set struct_size = sizeof(ch_plugin_descriptor)"
            )
        }
        let fields = read(ch_plugin_descriptor.self, at: raw, declaredSize: structSize)
        let requiredFunction = requiredFunctionSize(forVersion: version)
        // 0 stands for this version's own size (C++ cannot set it in CH_DESCRIPTOR_HEADER).
        let functionSize = fields.function_size == 0 && version >= 2 ? ABISizes.functionStrideV2 : Int(fields.function_size)
        guard functionSize >= requiredFunction else {
            throw ConnectorHostError(
                .abiMismatch,
                "\(path): function_size is \(functionSize) bytes, but an ABI version \(version) function entry has at least \(requiredFunction); set function_size = sizeof(ch_function)"
            )
        }

        var problems: [String] = []
        func requiredText(_ pointer: UnsafePointer<CChar>?, _ field: String) -> String {
            guard let pointer else {
                problems.append("\(field) is missing (NULL)")
                return ""
            }
            guard let text = String(validatingCString: pointer) else {
                problems.append("\(field) is not valid UTF-8")
                return ""
            }
            if text.isEmpty { problems.append("\(field) is empty") }
            return text
        }
        func optionalText(_ pointer: UnsafePointer<CChar>?, _ field: String) -> String? {
            guard let pointer else { return nil }
            guard let text = String(validatingCString: pointer) else {
                problems.append("\(field) is not valid UTF-8")
                return nil
            }
            return text.isEmpty ? nil : text
        }

        let name = requiredText(fields.name, "name")
        if !name.isEmpty, !name.allSatisfy(isNameCharacter) {
            problems.append("name '\(name)' may contain only ASCII letters, digits, '.', '_' and '-'")
        }
        let pluginVersion = requiredText(fields.version, "version")
        let key = requiredText(fields.key, "key")
        let secret = requiredText(fields.secret, "secret")

        let endpoint = fields.endpoint_entity_id
        let start = fields.function_entity_start_id
        let end = fields.function_entity_end_id
        var range: ClosedRange<Int64>?
        if endpoint <= 0 { problems.append("endpoint_entity_id \(endpoint) is not positive") }
        if start <= 0 || end <= 0 {
            problems.append("the function entity ID range \(start)...\(end) must hold positive IDs")
        } else if start > end {
            problems.append("function_entity_start_id \(start) is greater than function_entity_end_id \(end)")
        } else {
            range = start...end
            if range?.contains(endpoint) == true {
                problems.append("endpoint_entity_id \(endpoint) lies inside the function entity ID range \(start)...\(end); the endpoint needs an ID of its own")
            }
        }

        // The table is read only once its bounds are known to be sane: a count
        // beyond the ID range cannot be valid and would read past the table.
        var entries: [Entry] = []
        let count = UInt(bitPattern: fields.function_count)
        if let range {
            if count > UInt(range.count) {
                problems.append("function_count \(count) exceeds the \(range.count) entity IDs of the function range \(start)...\(end)")
            } else if count > 0, fields.functions == nil {
                problems.append("functions is NULL but function_count is \(count)")
            } else {
                if let table = fields.functions {
                    entries = readFunctions(UnsafeRawPointer(table), count: Int(count), stride: functionSize,
                                            range: range, version: version, problems: &problems)
                }
                let implemented = Set(entries.compactMap { $0.function.standardOperation })
                let missing = StandardOperation.allCases.filter { $0.isMandatory && !implemented.contains($0) }
                if !missing.isEmpty {
                    problems.append("missing mandatory operations: " + missing.map(\.rawValue).joined(separator: ", "))
                }
                if fields.flags & CH_PLUGIN_HISTORY_RECOVERY != 0, !implemented.contains(.historyList) {
                    problems.append("CH_PLUGIN_HISTORY_RECOVERY is set (an entity type recovers from history), but history.list is missing")
                }
            }
        }

        var resilience = ResilienceOverrides()
        if let suggested = fields.resilience {
            let size = Int(UnsafeRawPointer(suggested).loadUnaligned(as: UInt32.self))
            if size < ABISizes.resilienceV1 {
                problems.append("resilience.struct_size is \(size) bytes, but ABI version \(version) needs at least \(ABISizes.resilienceV1)")
            } else {
                let block = read(ch_resilience.self, at: UnsafeRawPointer(suggested), declaredSize: size)
                resilience = overrides(from: block, problems: &problems)
            }
        }

        let manifest = PluginManifest(
            name: name, version: pluginVersion, key: key, secret: PluginSecret(secret),
            endpointEntityId: endpoint, functionEntityIds: range ?? start...start,
            metadata: ConnectorMetadata(
                type: optionalText(fields.type, "type"), category: optionalText(fields.category, "category"),
                description: optionalText(fields.description, "description"),
                licence: optionalText(fields.licence, "licence"), owner: optionalText(fields.owner, "owner"),
                iconURL: optionalText(fields.icon_url, "icon_url"), uiSpec: optionalText(fields.ui_spec, "ui_spec")
            )
        )
        guard problems.isEmpty else {
            let label = problems.count == 1 ? "invalid manifest" : "invalid manifest (\(problems.count) problems)"
            throw ConnectorHostError(.manifestInvalid, "\(path): \(label): " + problems.joined(separator: "; "))
        }
        let threadSafe = fields.flags & CH_PLUGIN_THREAD_SAFE != 0
        let description = PluginDescription(
            manifest: manifest, abiVersion: version, isThreadSafe: threadSafe,
            usesHistoryRecovery: fields.flags & CH_PLUGIN_HISTORY_RECOVERY != 0,
            maxConcurrency: threadSafe ? (fields.max_concurrency == 0 ? nil : Int(fields.max_concurrency)) : 1,
            functions: entries.map(\.function), resilience: resilience
        )
        return (description, entries)
    }

    private static func readFunctions(
        _ table: UnsafeRawPointer, count: Int, stride: Int, range: ClosedRange<Int64>, version: UInt32,
        problems: inout [String]
    ) -> [Entry] {
        var entries: [Entry] = []
        var ownerOfID: [Int64: String] = [:]
        var seenNames: Set<String> = []
        for index in 0..<count {
            let entry = read(ch_function.self, at: table + index * stride, declaredSize: stride)
            let id = entry.entity_id
            guard let namePointer = entry.name, let name = String(validatingCString: namePointer), !name.isEmpty else {
                problems.append("function #\(index) (entity ID \(id)) has no name")
                continue
            }
            let label = "function '\(name)' (entity ID \(id))"
            if !range.contains(id) {
                problems.append("\(label) lies outside the function entity ID range \(range.lowerBound)...\(range.upperBound)")
            }
            if let other = ownerOfID[id] {
                problems.append("\(label) has the same entity ID as function '\(other)'")
            } else {
                ownerOfID[id] = name
            }
            if !seenNames.insert(name).inserted {
                problems.append("function name '\(name)' appears more than once")
            }
            var signature: FunctionSignature?
            switch (entry.operation != nil, entry.custom != nil) {
            case (true, true):
                problems.append("\(label) sets both operation and custom; set exactly one")
            case (false, false):
                problems.append("\(label) sets neither operation nor custom")
            case (true, false):
                if StandardOperation(rawValue: name) == nil {
                    problems.append("\(label) is not a standard operation (see the CH_OP_* names in connector_host.h); declare it as a custom function")
                }
            case (false, true):
                if StandardOperation(rawValue: name) != nil {
                    problems.append("custom \(label) is named like the standard operation '\(name)'; choose another name")
                }
                signature = readSignature(entry, label: label, version: version, problems: &problems)
            }
            entries.append(Entry(
                function: PluginFunction(
                    entityId: id, name: name, signature: signature,
                    isIdempotent: entry.flags & CH_FUNCTION_IDEMPOTENT != 0
                ),
                operation: entry.operation, custom: entry.custom
            ))
        }
        return entries
    }

    private static func readSignature(
        _ entry: ch_function, label: String, version: UInt32, problems: inout [String]
    ) -> FunctionSignature {
        var returnType = ValueType.void
        if let type = ValueType(abiValue: entry.return_type), type.isReturnType {
            returnType = type
        } else if ValueType(abiValue: entry.return_type) == .context {
            problems.append("\(label) returns CH_TYPE_CONTEXT, which is a parameter type only (the first)")
        } else {
            problems.append("\(label) has an unknown return type \(entry.return_type)")
        }
        let count = Int(entry.parameter_count)
        guard count <= Int(CH_MAX_PARAMETERS) else {
            problems.append("\(label) declares \(count) parameters; at most \(CH_MAX_PARAMETERS) are allowed")
            return FunctionSignature(returnType: returnType, parameterTypes: [])
        }
        guard count == 0 || entry.parameter_types != nil else {
            problems.append("\(label) declares \(count) parameters but parameter_types is NULL")
            return FunctionSignature(returnType: returnType, parameterTypes: [])
        }
        var parameters: [ValueType] = []
        for position in 0..<count {
            let raw = entry.parameter_types[position]
            guard let type = ValueType(abiValue: raw) else {
                problems.append("\(label) parameter \(position + 1) has an unknown type \(raw)")
                continue
            }
            if !type.isParameterType {
                problems.append("\(label) parameter \(position + 1) has type \(type.rawValue), which is allowed only as a return type")
            }
            if type == .context, position > 0 {
                problems.append("\(label) parameter \(position + 1) has type context, which is allowed only as the first parameter")
            }
            if type == .context, version < 3 {
                problems.append("\(label) takes CH_TYPE_CONTEXT, which needs abi_version 3 or later (the descriptor says \(version))")
            }
            parameters.append(type)
        }
        return FunctionSignature(returnType: returnType, parameterTypes: parameters)
    }

    private static func overrides(from raw: ch_resilience, problems: inout [String]) -> ResilienceOverrides {
        func positive(_ value: UInt32) -> Int? { value == 0 ? nil : Int(value) }
        func milliseconds(_ value: UInt32) -> Duration? { value == 0 ? nil : .milliseconds(Int64(value)) }
        var result = ResilienceOverrides()
        result.timeout = milliseconds(raw.timeout_ms)
        switch raw.max_retries {
        case 0: result.maxRetries = nil
        case CH_NO_RETRIES: result.maxRetries = 0
        case let retries where retries > 0: result.maxRetries = Int(retries)
        default: problems.append("resilience.max_retries \(raw.max_retries) is negative; use CH_NO_RETRIES for none")
        }
        result.retryDelay = milliseconds(raw.retry_delay_ms)
        switch Int(raw.backoff) {
        case CH_BACKOFF_DEFAULT: result.backoff = nil
        case CH_BACKOFF_NONE: result.backoff = ResilienceOverrides.Backoff.none
        case CH_BACKOFF_LINEAR: result.backoff = .linear
        case CH_BACKOFF_EXPONENTIAL: result.backoff = .exponential
        default: problems.append("resilience.backoff \(raw.backoff) is not a CH_BACKOFF_* value")
        }
        switch Int(raw.jitter) {
        case CH_JITTER_DEFAULT: result.jitter = nil
        case CH_JITTER_OFF: result.jitter = false
        case CH_JITTER_ON: result.jitter = true
        default: problems.append("resilience.jitter \(raw.jitter) is not a CH_JITTER_* value")
        }
        result.backoffCap = milliseconds(raw.backoff_cap_ms)
        result.rateLimitPerMinute = positive(raw.rate_limit_per_minute)
        result.maxConcurrentCalls = positive(raw.max_concurrent_calls)
        result.breakerThreshold = positive(raw.breaker_threshold)
        result.breakerRecovery = milliseconds(raw.breaker_recovery_ms)
        result.memoryLimitMiB = positive(raw.memory_limit_mb)
        result.cpuLimitSeconds = positive(raw.cpu_limit_seconds)
        result.openFilesLimit = positive(raw.open_files_limit)
        return result
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        guard character.isASCII, let ascii = character.asciiValue else { return false }
        return (ascii >= 0x30 && ascii <= 0x39) || (ascii >= 0x41 && ascii <= 0x5A) || (ascii >= 0x61 && ascii <= 0x7A)
            || character == "." || character == "_" || character == "-"
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
