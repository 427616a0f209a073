import ConnectorHostABI

extension PluginDescription {
    /// What is wrong with a description that did not come from
    /// ``DescriptorValidator`` in this process, or nil when it is one the
    /// validator could have produced.
    ///
    /// A sandbox worker runs untrusted code, which can write any bytes to its
    /// socket: the description in its handshake is JSON from that code. The
    /// host does arithmetic with what it says (a retry count plus one, a
    /// timeout times the attempts, the count of an ID range), so every number
    /// is held to the range the C descriptor's fields allow, and the manifest
    /// and function table to the rules the validator enforces.
    package var boundsViolation: String? {
        let manifest = self.manifest
        guard DescriptorValidator.supportedVersions.contains(abiVersion) else { return "abiVersion \(abiVersion)" }
        guard !manifest.name.isEmpty, !manifest.version.isEmpty, !manifest.key.isEmpty else {
            return "an empty name, version or key"
        }
        // A descriptor carries its secret as text; a digest is what caches keep.
        guard let secret = manifest.secret.revealed, !secret.isEmpty else { return "no secret as text" }
        let range = manifest.functionEntityIds
        guard manifest.endpointEntityId > 0, range.lowerBound > 0, !range.contains(manifest.endpointEntityId) else {
            return "entity IDs out of bounds"
        }
        guard functions.count <= range.count else { return "more functions than entity IDs" }
        var ids: Set<Int64> = []
        var names: Set<String> = []
        for function in functions {
            guard range.contains(function.entityId), ids.insert(function.entityId).inserted,
                !function.name.isEmpty, names.insert(function.name).inserted
            else {
                return "function '\(function.name)' (entity ID \(function.entityId)) out of bounds or repeated"
            }
            if let signature = function.signature {
                guard StandardOperation(rawValue: function.name) == nil,
                    signature.parameterTypes.count <= Int(CH_MAX_PARAMETERS),
                    signature.parameterTypes.allSatisfy(\.isParameterType),
                    signature.returnType.isReturnType,
                    !signature.argumentTypes.contains(.context)
                else {
                    return "the signature of '\(function.name)'"
                }
            } else if StandardOperation(rawValue: function.name) == nil {
                return "'\(function.name)' is neither a standard operation nor a custom function"
            }
        }
        // One call at a time unless thread-safe; otherwise no limit or a uint32_t one.
        let concurrencyFits = isThreadSafe
            ? maxConcurrency.map { (1...Int(UInt32.max)).contains($0) } ?? true : maxConcurrency == 1
        guard concurrencyFits else { return "maxConcurrency \(maxConcurrency.map(String.init) ?? "nil")" }
        return resilience.boundsViolation
    }
}

extension ResilienceOverrides {
    /// What lies outside what a `ch_resilience` can say, or nil.
    fileprivate var boundsViolation: String? {
        // Durations are whole milliseconds of a uint32_t field; 0 means unset.
        let durations: [(String, Duration?)] = [
            ("timeout", timeout), ("retryDelay", retryDelay), ("backoffCap", backoffCap),
            ("breakerRecovery", breakerRecovery),
        ]
        let longest = Duration.milliseconds(Int64(UInt32.max))
        for case let (name, duration?) in durations where duration < .milliseconds(1) || duration > longest {
            return "resilience.\(name) \(duration)"
        }
        let counts: [(String, Int?)] = [
            ("rateLimitPerMinute", rateLimitPerMinute), ("maxConcurrentCalls", maxConcurrentCalls),
            ("breakerThreshold", breakerThreshold), ("memoryLimitMiB", memoryLimitMiB),
            ("cpuLimitSeconds", cpuLimitSeconds), ("openFilesLimit", openFilesLimit),
        ]
        for case let (name, count?) in counts where !(1...Int(UInt32.max)).contains(count) {
            return "resilience.\(name) \(count)"
        }
        if let maxRetries, !(0...Int(Int32.max)).contains(maxRetries) {
            return "resilience.maxRetries \(maxRetries)"
        }
        return nil
    }
}
