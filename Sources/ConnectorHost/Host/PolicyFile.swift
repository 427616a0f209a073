import Foundation

/// An operator's policy for the plugins a host serves, read from a YAML file
/// (`connector-host serve --config FILE`): resilience and worker settings for
/// every plugin (`defaults`) and for one plugin by name (`plugins.NAME`), so
/// that policy is set without rebuilding a plugin.
///
/// ```yaml
/// defaults:
///   timeout_seconds: 10
/// plugins:
///   tracker:
///     rate_limit_per_minute: 600
///     warm: true
/// ```
///
/// Every key is optional; a key that is not one of ``pluginKeys`` (or, at the
/// top, `defaults` and `plugins`) is refused with its path, as is a value out
/// of its range, so that a typo never leaves a setting silently at its default.
public struct PolicyFile: Sendable, Hashable {
    /// The settings of one section: what it sets, nil where it leaves the layer below.
    public struct Settings: Sendable, Hashable {
        /// Resilience settings over the plugin's own suggestions.
        public var resilience = ResilienceOverrides()
        /// The worker's idle period; `.some(nil)` never stops it.
        public var idleTimeout: Duration??
        /// How long a lone call's caller spins for its answer; `.zero` never.
        public var loneCallSpin: Duration?
        /// The operator's limit of the worker's address space, MiB; `.some(nil)` for none.
        public var memoryLimitMiB: Int??
        /// The operator's limit of the worker's CPU time over its life, seconds; `.some(nil)` for none.
        public var cpuLimitSeconds: Int??
        /// The operator's limit of the worker's open descriptors; `.some(nil)` for none.
        public var openFilesLimit: Int??
        /// Whether the plugin's worker starts with the host and never idles (a plugin's section only).
        public var warm: Bool?
        /// Whether the plugin runs inside the host's process instead of a sandbox worker (a plugin's section only).
        public var trusted: Bool?

        /// Settings that set nothing.
        public init() {}
    }

    /// The settings of every plugin.
    public var defaults = Settings()
    /// The settings of one plugin, by name, over ``defaults``.
    public var plugins: [String: Settings] = [:]

    /// The keys `defaults` takes; a plugin's section takes these and `warm` and `trusted`.
    public static let defaultKeys: [String] = [
        "timeout_seconds", "max_retries", "retry_delay_seconds", "retry_backoff", "retry_jitter",
        "retry_backoff_cap_seconds", "rate_limit_per_minute", "max_concurrent_calls", "circuit_breaker_threshold",
        "circuit_breaker_recovery_seconds", "memory_limit_mib", "cpu_limit_seconds", "open_files_limit",
        "idle_timeout_seconds", "lone_call_spin_microseconds",
    ]

    /// The keys a plugin's section (`plugins.NAME`) takes.
    public static let pluginKeys = defaultKeys + ["warm", "trusted"]

    /// A policy that sets nothing.
    public init() {}

    /// Reads the policy in a YAML (or JSON) text.
    ///
    /// - Parameters:
    ///   - text: The policy file's text.
    ///   - source: What the text is, for messages (the file's path).
    /// - Throws: `invalid_request` listing every problem, each with the path of
    ///   its key (`plugins.tracker.timeout_seconds: must be …`).
    public init(yaml text: String, source: String) throws(ConnectorHostError) {
        let root: JSONValue
        do {
            root = try JSONValue(yamlText: text)
        } catch {
            throw ConnectorHostError(.invalidRequest, "\(source): \(error.message)")
        }
        var reader = Reader()
        if root != .null {
            if let fields = reader.mapping(root, at: "") {
                reader.unknownKeys(fields, known: ["defaults", "plugins"], at: "")
                if let section = fields["defaults"] {
                    defaults = reader.settings(section, known: Self.defaultKeys, at: "defaults")
                }
                if let section = fields["plugins"], let named = reader.mapping(section, at: "plugins") {
                    for (name, section) in named {
                        plugins[name] = reader.settings(section, known: Self.pluginKeys, at: "plugins.\(name)")
                    }
                }
            }
        }
        guard reader.problems.isEmpty else {
            throw ConnectorHostError(
                .invalidRequest,
                "\(source): \(reader.problems.count == 1 ? "a setting is" : "\(reader.problems.count) settings are") not valid: \(reader.problems.joined(separator: "; "))"
            )
        }
    }

    /// Reads the policy file at `path`.
    ///
    /// - Throws: `not_found` when it cannot be read; what ``init(yaml:source:)`` throws.
    public init(contentsOf path: String) throws(ConnectorHostError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConnectorHostError(.notFound, "cannot read the configuration file \(path): \(error.localizedDescription)")
        }
        try self.init(yaml: text, source: path)
    }

    /// `configuration` with this policy over it: ``defaults`` over its
    /// host-wide settings, each plugin's section over those of its plugin
    /// (`warm` and `trusted` add the plugin to those the configuration names,
    /// or take it out).
    public func applied(to configuration: HostConfiguration) -> HostConfiguration {
        var configuration = configuration
        configuration.sandbox.apply(defaults)
        configuration.resilience.apply(defaults.resilience)
        // Plugins with settings of their own already (`--allow-host`) took a copy of the host-wide ones.
        for name in Array(configuration.pluginSandbox.keys) {
            configuration.pluginSandbox[name]?.apply(defaults)
        }
        for (name, settings) in plugins.sorted(by: { $0.key < $1.key }) {
            var sandbox = configuration.pluginSandbox[name] ?? configuration.sandbox
            sandbox.apply(settings)
            configuration.pluginSandbox[name] = sandbox
            var resilience = configuration.pluginResilience[name] ?? ResilienceOverrides()
            resilience.apply(settings.resilience)
            configuration.pluginResilience[name] = resilience
            if let warm = settings.warm {
                if warm { configuration.warmPlugins.insert(name) } else { configuration.warmPlugins.remove(name) }
            }
            if let trusted = settings.trusted {
                if trusted { configuration.trustedPlugins.insert(name) } else { configuration.trustedPlugins.remove(name) }
            }
        }
        return configuration
    }
}

extension SandboxSettings {
    /// The worker settings `section` sets replace these.
    fileprivate mutating func apply(_ section: PolicyFile.Settings) {
        if let idleTimeout = section.idleTimeout { self.idleTimeout = idleTimeout }
        if let spin = section.loneCallSpin { loneCallSpin = spin }
        if let limit = section.memoryLimitMiB { resources.memoryLimitMiB = limit }
        if let limit = section.cpuLimitSeconds { resources.cpuLimitSeconds = limit }
        if let limit = section.openFilesLimit { resources.openFilesLimit = limit }
    }
}

extension ResilienceOverrides {
    /// Every setting `layer` sets replaces this one's.
    fileprivate mutating func apply(_ layer: ResilienceOverrides) {
        if let value = layer.timeout { timeout = value }
        if let value = layer.maxRetries { maxRetries = value }
        if let value = layer.retryDelay { retryDelay = value }
        if let value = layer.backoff { backoff = value }
        if let value = layer.jitter { jitter = value }
        if let value = layer.backoffCap { backoffCap = value }
        if let value = layer.rateLimitPerMinute { rateLimitPerMinute = value }
        if let value = layer.maxConcurrentCalls { maxConcurrentCalls = value }
        if let value = layer.breakerThreshold { breakerThreshold = value }
        if let value = layer.breakerRecovery { breakerRecovery = value }
    }
}

/// Reads sections, collecting every problem with the path of its key.
private struct Reader {
    var problems: [String] = []

    mutating func problem(_ path: String, _ message: String) {
        problems.append("\(path): \(message)")
    }

    mutating func mapping(_ value: JSONValue, at path: String) -> [String: JSONValue]? {
        guard let fields = value.objectValue else {
            problem(path.isEmpty ? "the file" : path, "must be a mapping, got a \(value.typeName)")
            return nil
        }
        return fields
    }

    mutating func unknownKeys(_ fields: [String: JSONValue], known: [String], at path: String) {
        for key in fields.keys.sorted() where !known.contains(key) {
            problem(path.isEmpty ? key : "\(path).\(key)", "is not a setting (known: \(known.joined(separator: ", ")))")
        }
    }

    mutating func settings(_ value: JSONValue, known: [String], at path: String) -> PolicyFile.Settings {
        var settings = PolicyFile.Settings()
        // An empty section (`tracker:` with nothing under it) sets nothing.
        guard value != .null, let fields = mapping(value, at: path) else { return settings }
        unknownKeys(fields, known: known, at: path)
        func seconds(_ key: String, zeroMeansNever: Bool = false) -> Duration?? {
            guard let field = fields[key] else { return nil }
            let number: Double? = switch field {
            case .integer(let value): Double(value)
            case .number(let value): value
            default: nil
            }
            if zeroMeansNever, number == 0 { return .some(nil) }
            guard let number, number > 0, number <= 86_400 else {
                problem("\(path).\(key)", "must be a number of seconds above 0 and at most 86400\(zeroMeansNever ? " (0: never)" : ""), got \(field.bytes.text)")
                return nil
            }
            return .some(.milliseconds(Int64((number * 1000).rounded())))
        }
        func count(_ key: String, minimum: Int64, zeroMeansNone: Bool = false) -> Int?? {
            guard let field = fields[key] else { return nil }
            if zeroMeansNone, field.integerValue == 0 { return .some(nil) }
            guard let number = field.integerValue, number >= minimum, number <= 1_000_000_000 else {
                problem("\(path).\(key)", "must be a whole number from \(minimum) to 1000000000\(zeroMeansNone ? " (0: no limit)" : ""), got \(field.bytes.text)")
                return nil
            }
            return .some(Int(number))
        }
        func flag(_ key: String) -> Bool? {
            guard let field = fields[key] else { return nil }
            guard let value = field.boolValue else {
                problem("\(path).\(key)", "must be true or false, got \(field.bytes.text)")
                return nil
            }
            return value
        }
        settings.resilience.timeout = seconds("timeout_seconds") ?? nil
        settings.resilience.maxRetries = count("max_retries", minimum: 0) ?? nil
        settings.resilience.retryDelay = seconds("retry_delay_seconds") ?? nil
        if let field = fields["retry_backoff"] {
            settings.resilience.backoff = field.stringValue.flatMap { ResilienceOverrides.Backoff(rawValue: $0) }
            if settings.resilience.backoff == nil {
                problem("\(path).retry_backoff", "must be none, linear or exponential, got \(field.bytes.text)")
            }
        }
        settings.resilience.jitter = flag("retry_jitter")
        settings.resilience.backoffCap = seconds("retry_backoff_cap_seconds") ?? nil
        settings.resilience.rateLimitPerMinute = count("rate_limit_per_minute", minimum: 1) ?? nil
        settings.resilience.maxConcurrentCalls = count("max_concurrent_calls", minimum: 1) ?? nil
        settings.resilience.breakerThreshold = count("circuit_breaker_threshold", minimum: 1) ?? nil
        settings.resilience.breakerRecovery = seconds("circuit_breaker_recovery_seconds") ?? nil
        settings.memoryLimitMiB = count("memory_limit_mib", minimum: 1, zeroMeansNone: true)
        settings.cpuLimitSeconds = count("cpu_limit_seconds", minimum: 1, zeroMeansNone: true)
        settings.openFilesLimit = count("open_files_limit", minimum: 1, zeroMeansNone: true)
        settings.idleTimeout = seconds("idle_timeout_seconds", zeroMeansNever: true)
        if let field = fields["lone_call_spin_microseconds"] {
            // A caller's thread is busy for the whole window: a few round trips, not a pause.
            if let microseconds = field.integerValue, (0...10_000).contains(microseconds) {
                settings.loneCallSpin = .microseconds(microseconds)
            } else {
                problem("\(path).lone_call_spin_microseconds", "must be a whole number from 0 to 10000 (0: never spin), got \(field.bytes.text)")
            }
        }
        settings.warm = flag("warm")
        settings.trusted = flag("trusted")
        return settings
    }
}

extension [UInt8] {
    fileprivate var text: String { String(decoding: self, as: UTF8.self) }
}
